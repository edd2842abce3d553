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
    support_travel_fee = fields.Monetary(
        related="company_id.support_travel_fee",
        readonly=False,
    )
    support_travel_fee_per_km = fields.Monetary(
        related="company_id.support_travel_fee_per_km",
        readonly=False,
    )
    support_service_radius = fields.Float(
        related="company_id.support_service_radius",
        readonly=False,
    )
    support_compensation_rate = fields.Float(
        related="company_id.support_compensation_rate",
        readonly=False,
    )
    support_cancel_notice_hours = fields.Integer(
        related="company_id.support_cancel_notice_hours",
        readonly=False,
    )
    support_late_cancel_fee = fields.Monetary(
        related="company_id.support_late_cancel_fee",
        readonly=False,
    )
    support_autopay_retry_days = fields.Char(
        related="company_id.support_autopay_retry_days",
        readonly=False,
    )
