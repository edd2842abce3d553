# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestRemoteSessionPortal(SupportBillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(
            cls.customer_contact, closed=False, name="Outlook crashes"
        )
        cls.other_ticket = cls._create_ticket(
            cls.other_customer, closed=False, name="Slow PC"
        )
        sessions = cls.env["support.remote.session"]
        cls.rs = sessions.create(
            {
                "ticket_id": cls.ticket.id,
                "user_id": cls.technician.id,
                "tool": "rustdesk",
                "session_identifier": "555 111 222",
            }
        )
        cls.other_session = sessions.create(
            {"ticket_id": cls.other_ticket.id, "user_id": cls.technician.id}
        )

    def _post(self, url, **data):
        return self.url_open(
            url,
            data={"csrf_token": http.Request.csrf_token(self), **data},
            allow_redirects=False,
        )

    def test_ticket_page_shows_pending_session(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open(f"/my/ticket/{self.ticket.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Remote sessions", response.text)
        self.assertIn(self.rs.name, response.text)
        self.assertIn(f"/my/remote_session/{self.rs.id}/consent", response.text)
        self.assertIn("555 111 222", response.text)
        self.assertNotIn(self.other_session.name, response.text)

    def test_portal_consent(self):
        self.authenticate("sb-portal", "sb-portal")
        url = f"/my/remote_session/{self.rs.id}/consent"
        # the box must be ticked
        response = self._post(url)
        self.assertEqual(response.status_code, 303)
        self.assertIn("remote_error", response.headers["Location"])
        self.assertEqual(self.rs.state, "draft")
        response = self._post(url, agree="1")
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"/my/ticket/{self.ticket.id}", response.headers["Location"])
        self.assertEqual(self.rs.state, "consented")
        self.assertEqual(self.rs.consent_partner_id, self.customer_contact)
        self.assertEqual(self.rs.consent_method, "portal")
        self.assertEqual(self.rs.consent_user_id, self.portal_user)
        self.assertTrue(self.rs.consent_date)
        message = self.rs.message_ids.filtered(
            lambda m: "Consent for this session" in (m.body or "")
        )
        self.assertEqual(len(message), 1)
        self.assertIn(self.customer_contact.name, message.body)
        self.assertEqual(message.author_id, self.customer_contact)
        # a second consent is refused: it was given for this session already
        response = self._post(url, agree="1")
        self.assertIn("remote_error", response.headers["Location"])
        # the technician may now start it
        self.rs.with_user(self.technician).action_start()
        self.assertEqual(self.rs.state, "running")
        # the history shows who consented and how
        page = self.url_open(f"/my/ticket/{self.ticket.id}").text
        self.assertIn("Customer portal", page)
        self.assertIn("Stop the session now", page)

    def test_portal_consent_needs_csrf(self):
        self.authenticate("sb-portal", "sb-portal")
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/my/remote_session/{self.rs.id}/consent",
                data={"agree": "1"},
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.rs.state, "draft")

    def test_portal_isolation(self):
        self.authenticate("sb-portal-other", "sb-portal-other")
        for action in ("consent", "decline", "stop"):
            with self.subTest(action=action):
                response = self._post(
                    f"/my/remote_session/{self.rs.id}/{action}", agree="1"
                )
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.rs.state, "draft")
        self.assertFalse(self.rs.consent_date)
        # nor does the page of their own ticket show it
        page = self.url_open(f"/my/ticket/{self.other_ticket.id}").text
        self.assertIn(self.other_session.name, page)
        self.assertNotIn(self.rs.name, page)
        # logged out: no consent either
        self.logout()
        response = self._post(f"/my/remote_session/{self.rs.id}/consent", agree="1")
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(self.rs.state, "draft")

    def test_portal_decline(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self._post(f"/my/remote_session/{self.rs.id}/decline")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.rs.state, "cancelled")

    def test_portal_stop_bills_the_time_done(self):
        self.rs._set_consent(partner=self.customer_contact, method="phone")
        self.rs.with_user(self.technician).action_start()
        start = fields.Datetime.now() - timedelta(minutes=13)
        self.rs.start_datetime = start
        self.authenticate("sb-portal", "sb-portal")
        url = f"/my/remote_session/{self.rs.id}/stop"
        response = self._post(url, reason="I saw enough")
        self.assertEqual(response.status_code, 303)
        self.assertIn("remote_message=stopped", response.headers["Location"])
        self.assertEqual(self.rs.state, "stopped")
        self.assertTrue(self.rs.stopped_by_customer)
        self.assertEqual(self.rs.stop_reason, "I saw enough")
        entry = self.rs.time_entry_id
        self.assertTrue(entry)
        self.assertEqual(entry.user_id, self.technician)
        self.assertEqual(entry.minutes, self.rs.duration_minutes)
        self.assertIn(entry.minutes, (13, 14))
        self.assertIn("stopped by the customer", entry.description)
        # a second click logs nothing more
        response = self._post(url, reason="again")
        self.assertIn("remote_error", response.headers["Location"])
        self.assertEqual(
            self.env["support.time.entry"].search_count(
                [("ticket_id", "=", self.ticket.id)]
            ),
            1,
        )
        page = self.url_open(f"/my/ticket/{self.ticket.id}").text
        self.assertIn("I saw enough", page)

    def test_tour_portal_consent(self):
        self.start_tour(
            f"/my/ticket/{self.ticket.id}",
            "support_remote_session_tour",
            login="sb-portal",
        )
        self.assertEqual(self.rs.state, "consented")
        self.assertEqual(self.rs.consent_method, "portal")

    def test_tour_ticket_page_desktop_and_phone(self):
        """Issue 15: the portal ticket page on a 1440 px desktop (the sessions
        a table whose columns fit) and on a 390 px phone (one card per
        session); neither scrolls sideways."""
        self._log(self.ticket, 17, user=self.technician)
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    f"/my/ticket/{self.ticket.id}",
                    "support_ticket_page_tour",
                    login="sb-portal",
                )

    def test_only_the_requester_or_a_named_user_consents(self):
        """Issue 13: a colleague who sees the ticket may not consent."""
        new_test_user(
            self.env,
            login="sb-colleague",
            groups="base.group_portal",
            partner_id=self.customer_contact2.id,
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.authenticate("sb-colleague", "sb-colleague")
        page = self.url_open(f"/my/ticket/{self.ticket.id}").text
        self.assertIn(self.rs.name, page)  # the colleague sees the ticket
        response = self._post(f"/my/remote_session/{self.rs.id}/consent", agree="1")
        self.assertIn("remote_error=not_requester", response.headers["Location"])
        self.assertEqual(self.rs.state, "draft")
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("Only the person who asked for this ticket", page)
        with self.assertRaises(UserError):
            self.rs._set_consent(partner=self.customer_contact2, method="portal")
        # once the customer names Ben an authorised user, he may
        plan = self.env.ref("support_billing.support_plan_all_inclusive")
        subscription = self.env["support.subscription"].create(
            {
                "partner_id": self.customer.id,
                "plan_id": plan.id,
                "company_id": self.company.id,
                "authorized_user_ids": [(6, 0, self.customer_contact2.ids)],
            }
        )
        subscription.sudo().state = "active"
        response = self._post(f"/my/remote_session/{self.rs.id}/consent", agree="1")
        self.assertIn("remote_message=consented", response.headers["Location"])
        self.assertEqual(self.rs.consent_partner_id, self.customer_contact2)

    def test_error_shown_by_code_only(self):
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open(
            f"/my/ticket/{self.ticket.id}?remote_error=Call+0900+now+to+win"
        ).text
        self.assertNotIn("Call 0900", page)
        self.assertNotIn("alert-danger", page.split("support_remote_sessions")[1])
        page = self.url_open(f"/my/ticket/{self.ticket.id}?remote_error=agree").text
        self.assertIn("Tick the box to agree to this remote session.", page)

    def test_portal_consent_records_the_portal_user(self):
        """Issue 30: who consented and who recorded it come from the session,
        whatever the request says."""
        stranger = self.env["res.partner"].create({"name": "Mallory Outsider"})
        self.authenticate("sb-portal", "sb-portal")
        response = self._post(
            f"/my/remote_session/{self.rs.id}/consent",
            agree="1",
            partner_id=str(stranger.id),
            consent_partner_id=str(stranger.id),
            consent_user_id=str(self.env.ref("base.user_admin").id),
            method="phone",
        )
        self.assertIn("remote_message=consented", response.headers["Location"])
        self.assertEqual(self.rs.state, "consented")
        self.assertEqual(self.rs.consent_partner_id, self.customer_contact)
        self.assertEqual(self.rs.consent_user_id, self.portal_user)
        self.assertEqual(self.rs.consent_method, "portal")
        # the technician cannot record a "portal" consent in the customer's name
        other = self.env["support.remote.session"].create(
            {"ticket_id": self.ticket.id, "user_id": self.technician.id}
        )
        with self.assertRaises(UserError):
            other.with_user(self.technician)._set_consent(
                partner=self.customer_contact, method="portal"
            )
        self.assertEqual(other.state, "draft")
