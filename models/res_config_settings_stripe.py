# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import AccessError


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = "res.config.settings"

    support_stripe_payout_journal_id = fields.Many2one(
        related="company_id.support_stripe_payout_journal_id",
        readonly=False,
    )
    support_stripe_fee_account_id = fields.Many2one(
        related="company_id.support_stripe_fee_account_id",
    )

    def action_support_stripe_reconciliation_setup(self):
        """The accountant's one click (issue 24): see
        ``res.company._support_stripe_setup_reconciliation``."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._(
                    "Only accounting administrators can set up the Stripe "
                    "reconciliation."
                )
            )
        if (
            self.company_id.support_stripe_payout_journal_id
            != self.support_stripe_payout_journal_id
        ):
            self.company_id.support_stripe_payout_journal_id = (
                self.support_stripe_payout_journal_id
            )
        done = self.company_id._support_stripe_setup_reconciliation()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Stripe reconciliation"),
                "message": "\n".join(done)
                or self.env._("Everything was set up already: nothing changed."),
                "type": "success",
                "sticky": bool(done),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
