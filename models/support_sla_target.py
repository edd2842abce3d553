# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from .. import const


class SupportSlaTarget(models.Model):
    """A response-time target, in opening hours (README: Targets).

    A target applies to a priority, to channels (helpdesk_mgmt's
    helpdesk.ticket.channel), or to both. A ticket gets,
    for first response and for resolution separately, the strictest (smallest)
    hours of all targets that apply to it; 0 means "no target here".
    """

    _name = "support.sla.target"
    _description = "Support Service-Level Target"
    _order = "sequence, priority desc, id"

    _hours_positive = models.Constraint(
        "CHECK(first_response_hours >= 0 AND resolution_hours >= 0)",
        "Target hours cannot be negative.",
    )

    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    priority = fields.Selection(
        selection=const.SUPPORT_PRIORITIES,
        help="Empty: every priority.",
    )
    channel_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.channel",
        relation="support_sla_target_channel_rel",
        column1="target_id",
        column2="channel_id",
        string="Channels",
        help="The ticket's channel must be one of these. Empty: every channel.",
    )
    first_response_hours = fields.Float(
        string="First Response (h)",
        help="Opening hours before the first public reply of the staff. "
        "0: no target from this line.",
    )
    resolution_hours = fields.Float(
        string="Resolution (h)",
        help="Opening hours before the ticket is closed. 0: no target from this line.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        help="Leave empty for every company.",
    )

    @api.depends("priority", "channel_ids.name")
    def _compute_name(self):
        priorities = dict(self._fields["priority"]._description_selection(self.env))
        for target in self:
            parts = [
                priorities.get(target.priority),
                ", ".join(target.channel_ids.mapped("name")),
            ]
            target.name = " / ".join(p for p in parts if p) or target.name

    # sequence and active always come with their defaults: checked on create
    @api.constrains("priority", "channel_ids", "sequence", "active")
    def _check_scope(self):
        for target in self:
            if not target.priority and not target.channel_ids:
                raise ValidationError(
                    self.env._("A target must name a priority, a channel or both.")
                )

    @api.model
    def _get_support_targets(self, company, priority, channel, targets=None):
        """Return (first response hours, resolution hours) for a ticket of this
        company, priority and channel (a helpdesk.ticket.channel record, maybe
        empty); None where no target applies.
        ``targets``: the lines already read (by a batch), else searched."""
        if targets is None:
            targets = self.sudo().search(
                Domain.AND(
                    [
                        Domain("company_id", "in", [False, company.id]),
                        Domain("priority", "in", [False, priority]),
                        Domain("channel_ids", "=", False)
                        | Domain("channel_ids", "in", channel.ids),
                    ]
                )
            )
        else:
            targets = targets.filtered(
                lambda t: (
                    t.company_id in (company, company.browse())
                    and t.priority in (False, priority)
                    and (not t.channel_ids or channel in t.channel_ids)
                )
            )
        first = [h for h in targets.mapped("first_response_hours") if h > 0]
        resolution = [h for h in targets.mapped("resolution_hours") if h > 0]
        return (min(first) if first else None, min(resolution) if resolution else None)
