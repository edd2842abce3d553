# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from .. import const


class AccountPaymentMethod(models.Model):
    """Payments on site: the ways an intervention is paid, as journal methods."""

    _name = "account.payment.method"
    _inherit = "account.payment.method"

    @api.model
    def _get_payment_method_information(self):
        res = super()._get_payment_method_information()
        for code, journal_types in const.SUPPORT_PAYMENT_METHODS.items():
            res[code] = {"mode": "multi", "type": journal_types}
        return res
