# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportFaqCategory(models.Model):
    _name = "support.faq.category"
    _description = "Support FAQ Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    faq_ids = fields.One2many(
        comodel_name="support.faq",
        inverse_name="category_id",
        string="Questions",
    )
