# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError


class OnlineBankStatementProvider(models.Model):
    """OCA's Stripe import reads the secret key of the company's Stripe
    payment provider (issue 24): the key stays where Odoo keeps it, readable
    by administrators only, instead of a copy in OCA's ``password``, which
    every accounting user may read."""

    _name = "online.bank.statement.provider"
    _inherit = "online.bank.statement.provider"

    support_payment_provider_id = fields.Many2one(
        comodel_name="payment.provider",
        string="Stripe Account",
        domain="[('code', '=', 'stripe')]",
        check_company=True,
        ondelete="set null",
        copy=False,
        help="The Stripe payment provider whose secret key the import uses "
        "(the key is read there, never copied here).",
    )

    def _stripe_api_get(self, path, params=None, data=None):
        payment_provider = self.support_payment_provider_id
        if self.service != "stripe" or not payment_provider:
            return super()._stripe_api_get(path, params=params, data=data)
        key = payment_provider.sudo().stripe_secret_key
        if not key:
            raise UserError(
                self.env._(
                    "The Stripe payment provider %(provider)s has no secret key: "
                    "enter it on the payment provider.",
                    provider=payment_provider.display_name,
                )
            )
        # the key in memory only, on a record never saved
        reader = self.new(
            {"service": self.service, "api_base": self.api_base, "password": key}
        )
        return super(OnlineBankStatementProvider, reader)._stripe_api_get(
            path, params=params, data=data
        )
