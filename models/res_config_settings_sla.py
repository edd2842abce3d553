# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = "res.config.settings"

    support_calendar_id = fields.Many2one(
        related="company_id.support_calendar_id",
        readonly=False,
    )
    support_weekend_calendar_id = fields.Many2one(
        related="company_id.support_weekend_calendar_id",
        readonly=False,
    )
