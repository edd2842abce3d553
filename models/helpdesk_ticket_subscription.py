# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .. import const


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    def _get_support_billing_mode(self):
        """A ticket of an authorised user is covered by the subscription that
        covers them today or covered them when the ticket was opened: its time
        is logged and reported, never invoiced."""
        mode = super()._get_support_billing_mode()
        if mode != const.BILLING_MODE_TIME or not self.partner_id:
            return mode
        if self._get_support_subscription():
            return const.BILLING_MODE_SUBSCRIPTION
        return mode

    def _get_support_subscription(self):
        """The subscription covering this ticket (today or when opened)."""
        self.ensure_one()
        subs = self.env["support.subscription"].sudo()
        dates = {fields.Date.context_today(self)}
        if self.create_date:
            dates.add(fields.Date.to_date(self.create_date))
        for date in sorted(dates, reverse=True):
            sub = subs.search(subs._get_covering_domain(self.partner_id, date), limit=1)
            if sub:
                return sub
        return subs.browse()

    def _get_support_pack_tickets_needed(self):
        """A ticket covered by a subscription takes no prepaid ticket."""
        needed = super()._get_support_pack_tickets_needed()
        if needed and self._get_support_subscription():
            return 0
        return needed
