# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tickets of unverified visitors (issue 13): staff confirm the customer."""

from odoo import fields, models
from odoo.exceptions import AccessError


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "support.address.proof.mixin"]

    support_claimed_partner_id = fields.Many2one(
        related="partner_id.support_claimed_partner_id",
        string="Claims to Be",
    )

    def action_support_confirm_claimed_partner(self):
        """The visitor is the customer they claim to be: the ticket moves to
        the customer (portal, packs, fees)."""
        if not (
            self.env.su
            or self.env.user.has_group("support_billing.group_support_technician")
        ):
            raise AccessError(self.env._("Only support staff confirm a customer."))
        for ticket in self.filtered("support_claimed_partner_id"):
            ticket._support_move_to_claimed_partner(
                self.env._(
                    "Customer confirmed by %(user)s: %(customer)s.",
                    user=self.env.user.name,
                    customer=ticket.support_claimed_partner_id.display_name,
                )
            )
        return True

    def _support_move_to_claimed_partner(self, body):
        """Move the ticket to the customer its visitor claims to be, and
        say why in its chatter (``body``)."""
        for ticket in self.filtered("support_claimed_partner_id"):
            claimed = ticket.support_claimed_partner_id
            ticket.partner_id = claimed
            ticket.message_subscribe(partner_ids=claimed.ids)
            ticket.message_post(body=body)
        return True
