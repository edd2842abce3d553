# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

from .. import const


class AccountJournal(models.Model):
    """New bank and cash journals (new companies too) offer the on-site
    payment methods (README: Payments on site)."""

    _name = "account.journal"
    _inherit = "account.journal"

    def _default_inbound_payment_methods(self):
        res = super()._default_inbound_payment_methods()
        methods = self.env["account.payment.method"].search(
            [
                ("code", "in", list(const.SUPPORT_PAYMENT_METHODS)),
                ("payment_type", "=", "inbound"),
            ]
        )
        for method in methods:
            if self._is_payment_method_available(method.code):
                res |= method
        return res

    def action_support_stripe_reconciliation(self):
        """The Stripe journal's dashboard card: the accountant's Stripe
        screen for the journal's company, last month."""
        self.ensure_one()
        return (
            self.env["support.stripe.reconciliation"]
            .with_company(self.company_id)
            .action_open_screen(company=self.company_id)
        )
