# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class PaymentToken(models.Model):
    _name = "payment.token"
    _inherit = "payment.token"

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
