# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

from .. import rules


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    def _support_billing_mode_is_subscription(self):
        """Covered when a subscription covers all the ticket's billable time.

        Coverage is settled entry by entry when the time is logged (README
        "Subscriptions"): time logged before the customer subscribed stays
        billable, time logged while covered is never invoiced, whatever
        happens to the subscription afterwards.  A ticket with no billable
        time yet is covered when its requester is covered today.
        """
        if not self.partner_id:
            return False
        # (any billable entry, all of them covered), when the caller already
        # aggregated the entries (the ticket's figures: constant queries)
        known = self.env.context.get("support_billable_covered")
        if known is None:
            count, covered, _minutes = self._support_billable_coverage()
            known = (bool(count), covered == count)
        any_billable, all_covered = known
        if any_billable:
            return all_covered
        return bool(self._get_support_subscription())

    def _get_support_subscription(self, date=None):
        """The subscription covering this ticket's requester on ``date``
        (today in the company's time zone by default)."""
        self.ensure_one()
        subs = self.env["support.subscription"].sudo()
        if not self.partner_id:
            return subs
        date = date or self.company_id._support_today()
        return subs.search(
            subs._get_covering_domain(self.partner_id, date, company=self.company_id),
            limit=1,
        )

    def _get_support_pack_tickets_needed(self):
        """Time covered by a subscription takes no prepaid ticket."""
        needed = super()._get_support_pack_tickets_needed()
        if not needed:
            return needed
        _count, covered, minutes = self._support_billable_coverage()
        if not covered:
            return needed
        return rules.tickets_needed(minutes, self._support_get_terms())

    def _support_billable_coverage(self):
        """``(billable entries, covered ones, billable minutes not covered)``
        of this ticket: one aggregate, whatever the number of entries (issue
        16); a ticket not saved yet counts its entries in memory."""
        self.ensure_one()
        if not self.id:
            billable = self.support_time_entry_ids.filtered("billable")
            uncovered = billable.filtered(lambda e: not e.support_subscription_id)
            return (
                len(billable),
                len(billable - uncovered),
                sum(uncovered.mapped("minutes")),
            )
        count = covered = minutes = 0
        for subscription, entries, group_minutes in (
            self.env["support.time.entry"]
            .sudo()
            ._read_group(
                [("ticket_id", "=", self.id), ("billable", "=", True)],
                ["support_subscription_id"],
                ["__count", "minutes:sum"],
            )
        ):
            count += entries
            if subscription:
                covered += entries
            else:
                minutes += group_minutes
        return count, covered, minutes
