# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .. import const


class SupportRequestType(models.Model):
    """What a customer asks about (README: Request types): technical, payments, account,
    affiliation, general, plus disputes (managers only) and suggestions
    (collected and answered)."""

    _name = "support.request.type"
    _description = "Support Request Type"
    _order = "sequence, id"

    _code_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "A request type code must be unique per company.",
    )

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical key, used by the contact form and the reports.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        selection=const.SUPPORT_REQUEST_KINDS,
        required=True,
        default="standard",
        help="Disputes are handled by support managers only; suggestions are "
        "collected in their own list and answered.",
    )
    team_id = fields.Many2one(
        comodel_name="helpdesk.ticket.team",
        string="Team",
        help="Team that receives the tickets of this type (left as is if empty).",
    )
    public = fields.Boolean(
        string="On Contact Form",
        default=True,
        help="Offered in the public contact form.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        help="Leave empty to share the type between companies.",
    )
