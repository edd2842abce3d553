# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Interface shared with the charging engine (issue 25): minimal stand-ins
until the engine's branch is merged (it defines the same names)."""

from odoo import fields, models


class SupportSubscription(models.Model):
    _name = "support.subscription"
    _inherit = "support.subscription"

    payment_token_id = fields.Many2one(
        comodel_name="payment.token",
        string="Saved Card",
        copy=False,
        readonly=True,
        tracking=True,
        ondelete="restrict",
    )

    def _support_set_autopay_token(self, token):
        self.ensure_one()
        self.sudo().write({"payment_token_id": token.id})

    def action_stop_autopay(self):
        self.sudo().write({"payment_token_id": False})
        return True


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = "res.company"

    support_autopay_retry_days = fields.Char(default="1,3,7")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = "account.move"

    def _support_autopay_charge(self):
        return self.env["payment.transaction"]
