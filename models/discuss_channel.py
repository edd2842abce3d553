# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Live chat to ticket (README: Channels), without depending on ``im_livechat``: any
Discuss conversation (a live chat session when ``im_livechat`` is installed)
becomes a ticket on the "chat" channel, with its transcript."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html2plaintext


class DiscussChannel(models.Model):
    _name = "discuss.channel"
    _inherit = "discuss.channel"

    def action_support_create_ticket(self):
        """Open a ticket from this conversation (one per call)."""
        self.ensure_one()
        if not self.env.user.has_group("support_billing.group_support_technician"):
            raise AccessError(
                self.env._("Only support technicians turn a chat into a ticket.")
            )
        messages = self.message_ids.filtered(
            lambda m: m.message_type == "comment" and not m.is_internal
        ).sorted("id")
        if not messages:
            raise UserError(
                self.env._("This conversation has no message to turn into a ticket.")
            )
        ticket = self.env["helpdesk.ticket"].create(
            self._support_prepare_ticket_vals(messages)
        )
        ticket.message_post(
            body=self.env._(
                "Ticket opened from the conversation %(channel)s.",
                channel=self.display_name,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": ticket.id,
            "view_mode": "form",
            "target": "current",
        }

    def _support_prepare_ticket_vals(self, messages):
        self.ensure_one()

        def is_staff(partner):
            return any(not user.share for user in partner.user_ids)

        customers = self.channel_member_ids.partner_id.filtered(
            lambda p: not is_staff(p) and p != self.env.ref("base.partner_root")
        )
        first_customer = messages.filtered(
            lambda m: m.author_id and not is_staff(m.author_id)
        )[:1]
        received = first_customer.date or messages[0].date
        staff_reply = messages.filtered(
            lambda m: m.author_id and is_staff(m.author_id) and m.date >= received
        )[:1]
        lines = [
            Markup("<p><strong>%s</strong> (%s): %s</p>")
            % (
                message.author_id.name or message.author_guest_id.name or "",
                fields.Datetime.to_string(message.date),
                html2plaintext(message.body or ""),
            )
            for message in messages
        ]
        customer = first_customer.author_id or customers[:1]
        first_line = html2plaintext(first_customer.body or "").strip().splitlines()
        return {
            "name": (first_line[0][:80] if first_line else "") or self.name,
            "description": Markup("").join(lines),
            "partner_id": customer.id,
            "channel_id": self.env.ref(
                "support_billing.helpdesk_ticket_channel_chat"
            ).id,
            "support_received_date": received,
            "support_first_response_date": staff_reply.date,
            "user_id": self.env.user.id,
        }
