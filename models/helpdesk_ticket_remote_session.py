# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicket(models.Model):
    """Remote sessions of a ticket (README: Remote sessions)."""

    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    support_remote_session_ids = fields.One2many(
        comodel_name="support.remote.session",
        inverse_name="ticket_id",
        string="Remote Sessions",
    )
    support_remote_session_count = fields.Integer(
        string="Remote Session Count",
        compute="_compute_support_remote_session_count",
    )

    def _compute_support_remote_session_count(self):
        counts = dict(
            self.env["support.remote.session"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.support_remote_session_count = counts.get(ticket, 0)

    def action_view_support_remote_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_remote_session_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {"default_ticket_id": self.id}
        return action
