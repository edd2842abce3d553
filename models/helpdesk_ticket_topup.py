# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    def _support_consume_tickets(self, count):
        """Credits consumed: top up when they fall to the customer's
        threshold (after the packs' lock, in the same transaction)."""
        res = super()._support_consume_tickets(count)
        partner = self.partner_id.commercial_partner_id
        if partner.sudo().support_topup_threshold:
            partner._support_topup_if_low(self.company_id)
        return res
