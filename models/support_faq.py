# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from markupsafe import Markup

from odoo import fields, models

#: A term in an answer: ``{minimum_minutes}``.
TERM_TOKEN = re.compile(r"\{([a-z_]+)\}")


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

    # ----------------------------------------------------------- business
    def _support_answer(self, terms):
        """The answer with its terms filled in: ``{minimum_minutes}``,
        ``{trial_minutes}``, ``{credit_minutes}``... stand for the value of
        that term in ``terms`` (``rules.Terms``), so that an answer never
        types a number the terms hold (README: Billing rule)."""
        self.ensure_one()

        def fill(match):
            value = getattr(terms, match.group(1), None)
            return str(value) if isinstance(value, int) else match.group(0)

        return Markup(TERM_TOKEN.sub(fill, str(self.answer or "")))
