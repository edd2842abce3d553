# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    support_intervention_ids = fields.One2many(
        comodel_name="support.intervention",
        inverse_name="ticket_id",
        string="On-site Interventions",
    )

    def _get_support_intervention(self):
        """The intervention (not cancelled) this ticket belongs to."""
        self.ensure_one()
        return self.sudo().support_intervention_ids.filtered(
            lambda i: i.state != "cancelled"
        )[:1]

    def _support_billing_mode_is_intervention(self):
        """The ticket of an on-site intervention is billed by the
        intervention (travel, diagnostic, estimate), never by the monthly
        time-billing run."""
        return bool(self._get_support_intervention())

    def _get_support_pack_tickets_needed(self):
        """An intervention's time takes no prepaid ticket."""
        needed = super()._get_support_pack_tickets_needed()
        if needed and self._get_support_intervention():
            return 0
        return needed
