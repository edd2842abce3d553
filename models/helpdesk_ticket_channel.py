# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .. import const


class HelpdeskTicketChannel(models.Model):
    _name = "helpdesk.ticket.channel"
    _inherit = "helpdesk.ticket.channel"

    support_code = fields.Selection(
        selection=const.SUPPORT_CHANNELS,
        string="Service-Level Channel",
        help="Which service-level targets apply to tickets of this channel.",
    )
