# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportFaq(models.Model):
    """A question and its answer on the public FAQ page (seeds 001, 002, 004)."""

    _name = "support.faq"
    _description = "Support FAQ Entry"
    _order = "category_sequence, sequence, id"
    _rec_name = "question"
    _check_company_auto = True

    question = fields.Char(required=True, translate=True)
    answer = fields.Html(required=True, translate=True, sanitize_style=True)
    sequence = fields.Integer(default=10)
    category_id = fields.Many2one(
        comodel_name="support.faq.category",
        string="Category",
        index=True,
        ondelete="restrict",
    )
    category_sequence = fields.Integer(
        related="category_id.sequence",
        store=True,
        string="Category Sequence",
    )
    is_published = fields.Boolean(
        string="Published",
        default=True,
        help="Only published entries are shown on the public FAQ page.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        index=True,
        help="Leave empty to show the entry in every company.",
    )
