# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .. import rules
from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestRemoteSession(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(
            cls.customer_contact, closed=False, name="Outlook crashes"
        )
        cls.other_ticket = cls._create_ticket(
            cls.other_customer, closed=False, name="Slow PC"
        )

    def _session(self, ticket=None, user=None, **vals):
        user = user or self.technician
        return (
            self.env["support.remote.session"]
            .with_user(user)
            .create(
                {
                    "ticket_id": (ticket or self.ticket).id,
                    "user_id": user.id,
                    "tool": "teamviewer",
                    "session_identifier": "123 456 789",
                    **vals,
                }
            )
        )

    def _consent(self, session, method="phone"):
        session.write(
            {"consent_partner_id": self.customer_contact.id, "consent_method": method}
        )
        session.action_record_consent()
        return session

    def _entries(self, ticket=None):
        return self.env["support.time.entry"].search(
            [("ticket_id", "=", (ticket or self.ticket).id)]
        )

    # ---------------------------------------------------------------- rules
    def test_session_minutes_rule(self):
        start = datetime(2026, 3, 2, 10, 0, 0)
        self.assertEqual(rules.session_minutes(start, datetime(2026, 3, 2, 10, 17)), 17)
        # every started minute counts, at least one
        self.assertEqual(
            rules.session_minutes(start, datetime(2026, 3, 2, 10, 17, 1)), 18
        )
        self.assertEqual(rules.session_minutes(start, start), 1)
        # one day at most (the largest time entry)
        self.assertEqual(
            rules.session_minutes(start, datetime(2026, 3, 4, 10, 0)),
            rules.MAX_ENTRY_MINUTES,
        )
        self.assertIsNone(rules.session_minutes(start, None))
        with self.assertRaises(ValueError):
            rules.session_minutes(start, datetime(2026, 3, 2, 9, 0))

    # -------------------------------------------------------------- consent
    def test_no_start_without_consent(self):
        session = self._session()
        self.assertEqual(session.state, "draft")
        self.assertTrue(session.name.startswith("RS/"))
        with self.assertRaises(UserError) as err:
            session.action_start()
        self.assertIn("consent", str(err.exception))
        self.assertEqual(session.state, "draft")
        self.assertFalse(session.start_datetime)
        # nor by writing the state directly
        with self.assertRaises(UserError):
            session.write({"state": "running"})
        with self.assertRaisesRegex(UserError, "only through its actions"):
            session.write({"state": "consented"})  # only its action consents
        self.assertEqual(session.state, "draft")

    def test_record_consent_needs_who_and_how(self):
        session = self._session()
        with self.assertRaises(UserError) as err:
            session.action_record_consent()
        self.assertIn("who", str(err.exception))
        session.consent_name = "Reception desk"
        with self.assertRaises(UserError) as err:
            session.action_record_consent()
        self.assertIn("how", str(err.exception))
        self.assertEqual(session.state, "draft")

    def test_consent_is_for_one_session_only(self):
        first = self._consent(self._session())
        second = self._session()
        self.assertEqual(first.state, "consented")
        self.assertEqual(first.consent_user_id, self.technician)
        self.assertTrue(first.consent_date)
        # the first session's consent does not let the second one start
        with self.assertRaises(UserError):
            second.action_start()
        self.assertEqual(second.state, "draft")
        # a copy of a consented session comes without consent
        copy = first.copy()
        self.assertEqual(copy.state, "draft")
        self.assertFalse(copy.consent_date or copy.consent_partner_id)
        with self.assertRaises(UserError):
            copy.action_start()
        # a given consent cannot be changed nor moved
        with self.assertRaises(UserError):
            first.consent_partner_id = self.customer_contact2
        with self.assertRaises(UserError):
            first.ticket_id = self._create_ticket(self.customer_contact2)
        first.action_start()
        first.action_end()
        # an ended session never runs again: a new session needs a new consent
        with self.assertRaises(UserError):
            first.action_start()
        with self.assertRaises(UserError):
            first.write({"state": "running"})
        self.assertEqual(first.state, "done")

    def test_chatter_says_who_and_when(self):
        with freeze_time("2026-03-02 10:00:00"):
            session = self._consent(self._session(), method="email")
            session.action_start()
        with freeze_time("2026-03-02 10:12:00"):
            session.action_end()
        bodies = session.message_ids.mapped("body")
        consent = [b for b in bodies if "Consent for this session" in b]
        self.assertEqual(len(consent), 1)
        self.assertIn(self.customer_contact.name, consent[0])
        self.assertIn("E-mail", consent[0])
        self.assertIn("Tom Tech", consent[0])
        self.assertTrue(any("started by Tom Tech" in b for b in bodies))
        self.assertTrue(any("ended by Tom Tech" in b and "12 min" in b for b in bodies))
        self.assertIn("03/02/2026 10:00:00", consent[0])
        # the ticket gets the same events as internal notes
        notes = self.ticket.message_ids.filtered(
            lambda m: session.name in (m.body or "")
        )
        self.assertEqual(len(notes), 3)

    # ------------------------------------------------------------ time entries
    def test_end_logs_the_minutes_once(self):
        session = self._consent(self._session())
        with freeze_time("2026-03-02 10:00:00"):
            session.action_start()
        with freeze_time("2026-03-02 10:24:30"):
            session.action_end()
            # a second click logs nothing more
            session.action_end()
            session.action_stopped_by_customer()
        self.assertEqual(session.state, "done")
        self.assertEqual(session.duration_minutes, 25)
        entry = self._entries()
        self.assertEqual(len(entry), 1)
        self.assertEqual(session.time_entry_id, entry)
        self.assertEqual(entry.minutes, 25)
        self.assertEqual(entry.user_id, self.technician)
        self.assertTrue(entry.billable)
        self.assertEqual(str(entry.date), "2026-03-02")
        self.assertIn(session.name, entry.description)
        self.assertIn("TeamViewer", entry.description)
        self.assertFalse(session.stopped_by_customer)
        # the ticket bills them (first 30 minutes indivisible)
        self.assertEqual(self.ticket.support_minutes_worked, 25)
        self.assertEqual(self.ticket.support_minutes_billed, 30)

    def test_customer_stop_bills_the_diagnostic_time(self):
        session = self._consent(self._session(tool="anydesk"))
        with freeze_time("2026-03-02 14:00:00"):
            session.action_start()
        session.stop_reason = "Has to leave for a meeting"
        with freeze_time("2026-03-02 14:07:10"):
            session.action_stopped_by_customer()
            session.action_stopped_by_customer()
            session.action_end()
        self.assertEqual(session.state, "stopped")
        self.assertTrue(session.stopped_by_customer)
        entry = self._entries()
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.minutes, 8)
        self.assertIn("stopped by the customer", entry.description)
        self.assertIn("AnyDesk", entry.description)
        (body,) = [
            b for b in session.message_ids.mapped("body") if "stopped by the" in b
        ]
        self.assertIn("stopped by the customer", body)
        self.assertIn("Has to leave for a meeting", body)

    def test_cancel(self):
        session = self._consent(self._session())
        session.action_cancel()
        self.assertEqual(session.state, "cancelled")
        with self.assertRaises(UserError):
            session.action_start()
        with self.assertRaises(UserError):
            session.action_end()
        self.assertFalse(self._entries())
        running = self._consent(self._session())
        running.action_start()
        with self.assertRaises(UserError):
            running.action_cancel()
        # a started session is kept as the record of the consent
        with self.assertRaises(UserError):
            running.with_user(self.support_manager).unlink()

    def test_ticket_without_customer_logs_non_billable_time(self):
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Internal server", "description": "<p>x</p>"}
        )
        session = self._session(ticket=ticket, consent_name="Office manager")
        session.consent_method = "in_person"
        session.action_record_consent()
        session.action_start()
        session.action_end()
        self.assertFalse(session.time_entry_id.billable)

    def test_ticket_smart_button(self):
        self._session()
        self._session()
        self.assertEqual(self.ticket.support_remote_session_count, 2)
        action = self.ticket.action_view_support_remote_sessions()
        self.assertEqual(
            self.env["support.remote.session"].search(action["domain"]),
            self.ticket.support_remote_session_ids,
        )

    # --------------------------------------------------------------- access
    def test_technicians_run_only_their_own(self):
        mine = self._consent(self._session())
        theirs = self._consent(self._session(user=self.technician2))
        # technicians read all sessions, run their own only
        self.assertEqual(theirs.with_user(self.technician).state, "consented")
        with self.assertRaises(AccessError):
            theirs.with_user(self.technician).action_start()
        with self.assertRaises(AccessError):
            self.env["support.remote.session"].with_user(self.technician).create(
                {"ticket_id": self.ticket.id, "user_id": self.technician2.id}
            )
        with self.assertRaises(AccessError):
            mine.with_user(self.technician).unlink()
        mine.action_start()
        # managers run every session
        theirs.with_user(self.support_manager).action_start()
        theirs.with_user(self.support_manager).action_end()
        self.assertEqual(theirs.time_entry_id.user_id, self.technician2)

    def test_accountant_reads_only(self):
        session = self._session()
        as_accountant = session.with_user(self.accountant)
        self.assertEqual(as_accountant.state, "draft")
        with self.assertRaises(AccessError):
            as_accountant.write({"session_identifier": "x"})
        with self.assertRaises(AccessError):
            self.env["support.remote.session"].with_user(self.accountant).create(
                {"ticket_id": self.ticket.id}
            )

    def test_portal_reads_own_company_only(self):
        own = self._session(ticket=self._create_ticket(self.customer_contact2))
        other = self._session(ticket=self.other_ticket)
        sessions = self.env["support.remote.session"].with_user(self.portal_user)
        # a colleague's ticket of the same company is visible
        self.assertEqual(sessions.search([]), own)
        with self.assertRaises(AccessError):
            _ = other.with_user(self.portal_user).state
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).write({"state": "cancelled"})
        self._consent(own)
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).action_start()
        self.assertEqual(own.state, "consented")
        self.assertEqual(
            self.env["support.remote.session"]
            .with_user(self.other_portal_user)
            .search([]),
            other,
        )

    # ---------------------------------------------- consent only by its action
    def test_consent_not_forged_by_writes(self):
        """Issue 30: a technician cannot write a consent: not its method, not
        an outsider as the person, not who recorded it, not the state."""
        session = self._session()
        stranger = self.env["res.partner"].create({"name": "Mallory Outsider"})
        as_tech = session.with_user(self.technician)
        for vals in (
            {"consent_method": "portal"},
            {"consent_partner_id": stranger.id},
            {"consent_partner_id": self.other_customer.id},
            {"consent_user_id": self.env.ref("base.user_admin").id},
            {"state": "consented"},
            {
                "consent_method": "portal",
                "consent_partner_id": stranger.id,
                "consent_user_id": self.env.ref("base.user_admin").id,
                "state": "consented",
            },
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                as_tech.write(vals)
        self.assertEqual(session.state, "draft")
        self.assertFalse(
            session.consent_method
            or session.consent_partner_id
            or session.consent_user_id
            or session.consent_date
        )
        with self.assertRaises(UserError):
            as_tech.action_start()
        self.assertFalse(session.start_datetime)
        self.assertFalse(
            session.message_ids.filtered(lambda m: "Consent" in (m.body or ""))
        )
        # nor created with a consent already given
        for vals in (
            {"state": "consented", "consent_name": "X", "consent_method": "phone"},
            {"consent_user_id": self.env.ref("base.user_admin").id},
            {"consent_method": "portal"},
            {"consent_partner_id": stranger.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self._session(**vals)

    def test_consent_action_records_the_session_user(self):
        session = self._session()
        stranger = self.env["res.partner"].create({"name": "Mallory Outsider"})
        # an outsider set before the check (as the system) is refused by the action
        session.sudo().consent_partner_id = stranger
        session.consent_method = "phone"
        with self.assertRaises(UserError):
            session.action_record_consent()
        self.assertEqual(session.state, "draft")
        self.assertFalse(session.consent_user_id)
        session.consent_partner_id = self.customer_contact2  # a colleague: fine
        session.action_record_consent()
        self.assertEqual(session.state, "consented")
        self.assertEqual(session.consent_partner_id, self.customer_contact2)
        self.assertEqual(session.consent_user_id, self.technician)
        self.assertEqual(session.consent_method, "phone")
        (body,) = [
            b
            for b in session.message_ids.mapped("body")
            if "Consent for this session" in b
        ]
        self.assertIn(self.customer_contact2.name, body)
        self.assertIn("Tom Tech", body)
        session.action_start()
        self.assertEqual(session.state, "running")
