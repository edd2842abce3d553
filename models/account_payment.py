# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = "account.payment"

    def action_post(self):
        """A registered payment (bank transfer, cheque) of a subscription's
        first invoice activates it, also when no journal entry reconciles it
        (payments without an outstanding account)."""
        res = super().action_post()
        self.invoice_ids._support_activate_subscriptions()
        return res
