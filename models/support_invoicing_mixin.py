# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models
from odoo.exceptions import AccessError


class SupportInvoicingMixin(models.AbstractModel):
    """What every record that bills support shares: the accountants-only
    check and the last invoicing error, stored and posted once."""

    _name = "support.invoicing.mixin"
    _description = "Support Invoicing Helpers"

    def _check_accountant(self, message=None):
        """Only accountants (Invoicing: Billing) invoice and move money."""
        if not (
            self.env.su or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(
                message
                or self.env._(
                    "Only accountants (Invoicing: Billing) can invoice support time."
                )
            )

    def _store_invoice_error(self, field, error, body):
        """Store ``error`` in ``field``; post ``body`` (a function of the
        error) once, when the error is new."""
        for record in self:
            if error and error != record[field]:
                record.message_post(body=body(error))
            if error != (record[field] or False):
                record[field] = error
