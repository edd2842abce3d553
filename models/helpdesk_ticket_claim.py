# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tickets of unverified visitors (issue 13): staff confirm the customer."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .. import const


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    support_claimed_partner_id = fields.Many2one(
        related="partner_id.support_claimed_partner_id",
        string="Claims to Be",
    )
    support_address_proven_date = fields.Datetime(
        string="Address Proven On",
        readonly=True,
        copy=False,
        help="When the sender confirmed this request by the link e-mailed to "
        "the address they typed; set by that link only.",
    )
    support_address_proof = fields.Selection(
        selection=const.ADDRESS_PROOF_STATES,
        string="Address Proof",
        compute="_compute_support_address_proof",
        help="Proven: the sender confirmed this request by the link e-mailed "
        "to the address. Not proven: sent by a visitor who typed a customer's "
        "address; it stays apart from the customer until proven or confirmed "
        "by staff.",
    )

    @api.depends("support_address_proven_date", "partner_id.support_claimed_partner_id")
    def _compute_support_address_proof(self):
        for ticket in self:
            if ticket.support_address_proven_date:
                ticket.support_address_proof = "proven"
            elif ticket.partner_id.support_claimed_partner_id:
                ticket.support_address_proof = "pending"
            else:
                ticket.support_address_proof = False

    def write(self, vals):
        if "support_address_proven_date" in vals and not self.env.su:
            raise AccessError(
                self.env._("Only the link e-mailed to the sender proves an address.")
            )
        return super().write(vals)

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
