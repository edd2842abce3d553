# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = "res.company"

    support_time_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Support Time Product",
        domain="[('type', '=', 'service')]",
        help="Service product of the invoice lines of support time, priced per hour.",
    )
    support_invoice_open_tickets = fields.Boolean(
        string="Invoice Open Tickets",
        help="The monthly invoicing also bills the time of tickets still open.",
    )

    def _get_support_time_product(self):
        self.ensure_one()
        product = self.support_time_product_id or self.env.ref(
            "support_billing.product_support_time", raise_if_not_found=False
        )
        if not product:
            raise UserError(
                self.env._(
                    "Set the Support Time product in the IT Support settings "
                    "before invoicing support time."
                )
            )
        return product
