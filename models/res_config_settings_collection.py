# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = "res.config.settings"

    support_dunning_reminder_days = fields.Char(
        related="company_id.support_dunning_reminder_days", readonly=False
    )
    support_suspend_after_days = fields.Integer(
        related="company_id.support_suspend_after_days", readonly=False
    )
