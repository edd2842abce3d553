# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = "res.config.settings"

    support_time_product_id = fields.Many2one(
        related="company_id.support_time_product_id",
        readonly=False,
    )
    support_invoice_open_tickets = fields.Boolean(
        related="company_id.support_invoice_open_tickets",
        readonly=False,
    )
