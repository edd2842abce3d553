# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import format_time

from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestTimeEntry(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.customer_contact)

    def test_ticket_totals_per_ticket(self):
        for _i in range(3):
            self._log(self.ticket, 10)
        self._log(self.ticket, 7, billable=False)
        self.assertEqual(self.ticket.support_minutes_worked, 37)
        self.assertEqual(self.ticket.support_minutes_billable, 30)
        self.assertEqual(self.ticket.support_minutes_billed, 30)
        self._log(self.ticket, 17)
        self.assertEqual(self.ticket.support_minutes_billed, 47)
        self.assertEqual(self.ticket.support_billing_mode, "time")

    def test_bad_minutes_refused(self):
        entries = self.env["support.time.entry"]
        for bad in (0, -5, 1441, 10_000):
            with self.subTest(minutes=bad), self.assertRaises(ValidationError) as err:
                self._log(self.ticket, bad)
            self.assertIn(str(bad), str(err.exception))
        self.assertFalse(entries.search([("ticket_id", "=", self.ticket.id)]))
        entry = self._log(self.ticket, 20)
        with self.assertRaises(ValidationError):
            entry.minutes = 0
        self.assertEqual(entry.minutes, 20)

    def test_ticket_without_customer(self):
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Internal", "description": "<p>x</p>"}
        )
        with self.assertRaises(ValidationError) as err:
            self._log(ticket, 15)
        self.assertIn("has no customer", str(err.exception))
        self.assertFalse(ticket.support_time_entry_ids)
        # internal, non-billable time can still be logged
        self._log(ticket, 15, billable=False)
        self.assertEqual(ticket.support_minutes_worked, 15)
        self.assertEqual(ticket.support_billing_mode, "none")

    def test_technicians_edit_only_their_own(self):
        own = self._log(self.ticket, 10, user=self.technician)
        other = self._log(self.ticket, 10, user=self.technician2)
        entries = self.env["support.time.entry"].with_user(self.technician)
        # they read every entry ...
        self.assertEqual(
            entries.search([("ticket_id", "=", self.ticket.id)]), own | other
        )
        # ... change their own ...
        own.with_user(self.technician).minutes = 12
        entries.create({"ticket_id": self.ticket.id, "minutes": 5})
        # ... and not the others'
        with self.assertRaises(AccessError):
            other.with_user(self.technician).minutes = 99
        with self.assertRaises(AccessError):
            other.with_user(self.technician).unlink()
        with self.assertRaises(AccessError):
            entries.create(
                {
                    "ticket_id": self.ticket.id,
                    "minutes": 5,
                    "user_id": self.technician2.id,
                }
            )
        # managers change all
        other.with_user(self.support_manager).minutes = 11
        self.assertEqual(other.minutes, 11)

    def test_portal_and_accountant_cannot_log_time(self):
        for user in (self.portal_user, self.accountant):
            with self.assertRaises(AccessError):
                self.env["support.time.entry"].with_user(user).create(
                    {"ticket_id": self.ticket.id, "minutes": 5}
                )

    def test_timer(self):
        ticket = self.ticket.with_user(self.technician)
        with freeze_time(datetime(2026, 3, 2, 10, 0, 0)):
            ticket.action_support_timer_start()
        self.assertEqual(ticket.support_timer_user_id, self.technician)
        with freeze_time(datetime(2026, 3, 2, 10, 12, 20)):
            ticket.action_support_timer_stop()
        self.assertFalse(ticket.support_timer_start)
        entry = ticket.support_time_entry_ids
        self.assertEqual(entry.minutes, 13)  # 12 min 20 s, rounded up
        # issue 15: the customer reads what was timed, not just "Timer";
        # issue 27: in the technician's time zone, else the company's
        tz = self.technician.tz or self.company._support_tz()
        start, end = (
            format_time(
                self.env, datetime(2026, 3, 2, h, m), tz=tz, time_format="short"
            )
            for h, m in ((10, 0), (10, 12))
        )
        self.assertEqual(
            entry.description, f"Work on the ticket, timed from {start} to {end}"
        )
        self.assertEqual(entry.user_id, self.technician)
