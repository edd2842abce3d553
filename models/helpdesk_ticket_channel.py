# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .. import const


class HelpdeskTicketChannel(models.Model):
    """helpdesk_mgmt's channel is the only channel concept: the response-time
    targets name channels, and the channel lists its targets."""

    _name = "helpdesk.ticket.channel"
    _inherit = "helpdesk.ticket.channel"

    support_sla_target_ids = fields.Many2many(
        comodel_name="support.sla.target",
        relation="support_sla_target_channel_rel",
        column1="channel_id",
        column2="target_id",
        string="Response-Time Targets",
        help="Targets that name this channel. Targets naming no channel apply "
        "to every channel too.",
    )
    support_work_type = fields.Selection(
        selection=const.WORK_TYPES,
        string="Default Work Type",
        help="Work type of the time logged on this channel's tickets, priced by "
        "the rate card of the commercial terms (e.g. On site for a walk-in "
        "desk). Time worked on a weekend, a holiday or after hours keeps that "
        "type. Empty: remote.",
    )
