# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .. import rules


class PaymentToken(models.Model):
    _name = "payment.token"
    _inherit = "payment.token"

    support_card_brand = fields.Char(
        string="Card Brand", help="As the provider tells it (Stripe: visa, ...)."
    )
    support_card_exp_month = fields.Integer(string="Card Expiry Month")
    support_card_exp_year = fields.Integer(string="Card Expiry Year")
    support_expiry_reminded = fields.Char(
        string="Expiry Reminder Sent For",
        copy=False,
        help="The month (YYYY-MM) the customer was reminded that this card "
        "expires: one e-mail per card and month.",
    )
    support_card_expiry = fields.Char(
        string="Card Expiry", compute="_compute_support_card_expiry"
    )
    support_card_expired = fields.Boolean(
        string="Card Expired", compute="_compute_support_card_expiry"
    )

    @api.depends("support_card_exp_month", "support_card_exp_year")
    def _compute_support_card_expiry(self):
        today = fields.Date.context_today(self)
        for token in self:
            month, year = token.support_card_exp_month, token.support_card_exp_year
            token.support_card_expiry = (
                f"{month:02d}/{year:04d}" if month and year else False
            )
            token.support_card_expired = rules.card_expired(month, year, today)

    def write(self, vals):
        """A saved card removed (archived, in the portal's payment methods
        or by Odoo) stops the automatic payments it made at once."""
        res = super().write(vals)
        if "active" in vals and not vals["active"]:
            subscriptions = (
                self.env["support.subscription"]
                .sudo()
                .search([("payment_token_id", "in", self.ids)])
            )
            for sub in subscriptions:
                sub._support_clear_autopay_token(
                    sub.env._(
                        "The saved card %(card)s was removed: the invoices are "
                        "no longer charged automatically.",
                        card=sub.payment_token_id.display_name,
                    )
                )
        return res

    def _support_card_brand_label(self):
        """The brand shown to the customer: the provider's, else the
        payment method's name."""
        self.ensure_one()
        return (self.support_card_brand or "").title() or self.payment_method_id.name
