# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class HelpdeskTicket(models.Model):
    """Indexes of the transparency figures (README: Transparency figures):
    the aggregates read the tickets of one company answered or closed in the
    last 90 days."""

    _inherit = "helpdesk.ticket"

    _support_company_closed_idx = models.Index("(company_id, closed_date)")
    _support_company_first_response_idx = models.Index(
        "(company_id, support_first_response_date)"
    )
