# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Interventions in the portal and the public request page (README:
On-site interventions)."""

import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_intervention import SIGNATURE, InterventionCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestInterventionPortal(InterventionCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.intervention = cls._create_intervention()
        cls.intervention.write(
            {
                "scheduled_start": "2030-03-05 14:00:00",
                "user_id": cls.technician.id,
                "contact_name": "Anna Acme",
            }
        )
        cls.intervention.action_schedule()

    def _csrf(self, url):
        return CSRF_RE.search(self.url_open(url).text).group(1)

    def _jsonrpc(self, url, **params):
        return self.make_jsonrpc_request(url, params)

    def test_portal_list_and_page(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/interventions")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.intervention.name, response.text)
        response = self.url_open(f"/my/interventions/{self.intervention.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Sign the policy", response.text)
        self.assertIn("compensation of", response.text)

    def test_other_customer_is_refused(self):
        self.authenticate("sb-portal-other", "sb-portal-other")
        response = self.url_open("/my/interventions")
        self.assertNotIn(self.intervention.name, response.text)
        url = f"/my/interventions/{self.intervention.id}"
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        response = self.url_open(f"{url}?report_type=pdf", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        result = self._jsonrpc(f"{url}/sign_policy", name="Zeta", signature=SIGNATURE)
        self.assertIn("error", result)
        self.assertFalse(self.intervention.policy_signed_on)
        # nor answer its estimate
        intervention = self._to_estimate()
        url = f"/my/interventions/{intervention.id}"
        result = self._jsonrpc(f"{url}/accept", name="Zeta", signature=SIGNATURE)
        self.assertIn("error", result)
        response = self.url_open(
            f"{url}/refuse",
            data={"csrf_token": self._csrf("/support/intervention/request")},
            allow_redirects=False,
        )
        self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertEqual(intervention.state, "estimate")
        self.assertFalse(intervention.sudo().invoice_ids)
        # a wrong access token gives nothing either
        self.authenticate(None, None)
        result = self._jsonrpc(
            f"{url}/accept?access_token=wrong", name="Zeta", signature=SIGNATURE
        )
        self.assertIn("error", result)
        self.assertEqual(intervention.state, "estimate")

    def test_customer_signs_and_accepts_in_portal(self):
        self.authenticate("sb-portal", "sb-portal")
        url = f"/my/interventions/{self.intervention.id}"
        result = self._jsonrpc(f"{url}/sign_policy", name="Anna", signature=False)
        self.assertEqual(result["error"], "The signature is missing.")
        result = self._jsonrpc(f"{url}/sign_policy", name="Anna", signature=SIGNATURE)
        self.assertTrue(result["redirect_url"].startswith(url))
        self.assertEqual(self.intervention.policy_signed_by, "Anna")
        message = self.intervention.message_ids.filtered(
            lambda m: "Policy confirmation signed" in str(m.body)
        )
        self.assertEqual(message.author_id, self.customer_contact)
        self.assertTrue(self.intervention.policy_attachment_id)
        # the prices the customer signed are stored with the signature
        self.assertEqual(
            (
                self.intervention.signed_hourly_rate,
                self.intervention.travel_fee,
                self.intervention.compensation_rate,
            ),
            (90.0, 35.0, 20.0),
        )
        intervention = self._to_estimate()
        url = f"/my/interventions/{intervention.id}"
        page = self.url_open(url).text
        self.assertIn("Accept: repair in the workshop", page)
        self.assertIn("SSD 1 TB", page)
        # the estimate as a document (HTML here; PDF outside tests)
        response = self.url_open(f"{url}?report_type=html&report=estimate")
        self.assertEqual(response.status_code, 200)
        self.assertIn("SSD 1 TB", response.text)
        self.assertIn(intervention.name, response.text)
        result = self._jsonrpc(
            f"{url}/accept?repair_place=workshop", name="Anna", signature=SIGNATURE
        )
        self.assertNotIn("error", result)
        self.assertEqual(
            (intervention.state, intervention.repair_place), ("accepted", "workshop")
        )
        self.assertEqual(intervention.estimate_signed_by, "Anna")

    def test_customer_refuses_in_portal_and_sees_invoice(self):
        intervention = self._to_estimate(minutes=45)
        self.authenticate("sb-portal", "sb-portal")
        url = f"/my/interventions/{intervention.id}"
        response = self.url_open(f"{url}/refuse", data={"csrf_token": self._csrf(url)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(intervention.state, "invoiced")
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.amount_total, 102.5)
        self.assertIn(invoice.name, response.text)
        # the invoice is a normal customer invoice, payable in the portal
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)

    def test_tour_list_status_on_phone(self):
        """Issue 27, item 12: /my/interventions shows each status on a 390 px
        phone without scrolling sideways, and on a 1440 px desktop; the tab
        names the page."""
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/my/interventions",
                    "support_interventions_list_tour",
                    login="sb-portal",
                )

    def test_tour_portal_signature(self):
        self.start_tour(
            f"/my/interventions/{self.intervention.id}",
            "support_intervention_sign_tour",
            login="sb-portal",
        )
        self.assertEqual(self.intervention.policy_signed_by, "Anna Acme")
        self.assertTrue(self.intervention.policy_signature)
        self.assertTrue(self.intervention.policy_attachment_id)


@tagged("post_install", "-at_install")
class TestInterventionRequestPage(HttpCase):
    URL = "/support/intervention/request"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.env.company.id)], "company_id": cls.env.company.id}
        )

    def _counts(self):
        return tuple(
            self.env[model].sudo().search_count([])
            for model in ("support.intervention", "helpdesk.ticket", "res.partner")
        )

    def _post(self, url=None, **data):
        url = url or self.URL
        token = CSRF_RE.search(self.url_open(url).text).group(1)
        values = {
            "name": "Jeanne Client",
            "email": "jeanne@example.test",
            "phone": "+1 514 555 0100",
            "address": "3 rue Neuve, Montréal",
            "description": "My printer prints blank pages.",
            "desired_date": (date.today() + timedelta(days=2)).isoformat(),
            **data,
        }
        return self.url_open(url, data={"csrf_token": token, **values})

    def test_page_explains_the_request(self):
        response = self.url_open(self.URL)
        self.assertEqual(response.status_code, 200)
        text = " ".join(response.text.split())
        for expected in ("Request an intervention", "not final", "24 hours ahead"):
            self.assertIn(expected, text)

    def test_request_creates_intervention_and_ticket(self):
        before = self._counts()
        response = self._post()
        self.assertEqual(response.status_code, 200)
        intervention = self.env["support.intervention"].search(
            [], order="id desc", limit=1
        )
        self.assertIn(intervention.name, response.text)
        self.assertIn("to be confirmed", response.text)
        self.assertEqual(intervention.state, "requested")
        self.assertEqual(intervention.partner_id.email, "jeanne@example.test")
        self.assertEqual(intervention.desired_date, date.today() + timedelta(days=2))
        self.assertTrue(intervention.ticket_id)
        self.assertEqual(self._counts(), (before[0] + 1, before[1] + 1, before[2] + 1))
        # the same request again is refused, nothing written
        response = self._post()
        self.assertEqual(response.status_code, 400)
        self.assertIn("already received", response.text)
        self.assertEqual(self._counts()[0], before[0] + 1)

    def test_bad_input_refused_and_nothing_written(self):
        before = self._counts()
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        cases = [
            ({"name": ""}, "Enter your name"),
            ({"name": "x" * 200}, "too long"),
            ({"email": "not-an-email"}, "valid e-mail address"),
            ({"phone": "call me"}, "phone number"),
            ({"address": ""}, "address of the intervention"),
            ({"description": "help"}, "Describe the problem"),
            ({"description": "y" * 6000}, "too long"),
            ({"desired_date": yesterday}, "cannot be in the past"),
            ({"desired_date": "2026-13-45"}, "as a date"),
            ({"desired_date": "2099-01-01"}, "too far ahead"),
            ({"website_url": "http://spam.test"}, "could not be accepted"),
        ]
        for bad, message in cases:
            with self.subTest(bad=bad):
                response = self._post(**bad)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertEqual(self._counts(), before)
        # without the CSRF token, refused too
        with mute_logger("odoo.http"):
            response = self.url_open(self.URL, data={"name": "Bot"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), before)

    def test_too_many_requests(self):
        for index in range(3):
            response = self._post(description=f"Problem number {index} here")
            self.assertEqual(response.status_code, 200)
        response = self._post(description="Yet another problem")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Too many requests", response.text)

    def test_french_prefix(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        response = self.url_open("/fr" + self.URL)
        self.assertEqual(response.status_code, 200)
        self.assertIn('"lang": "fr_FR"', response.text)
        self.assertIn('name="lang" value="fr_FR"', response.text)
        response = self._post(url="/fr" + self.URL, email="fr@example.test")
        self.assertEqual(response.status_code, 200)
        partner = self.env["res.partner"].search([("email", "=", "fr@example.test")])
        self.assertEqual(partner.lang, "fr_FR")

    def test_acknowledgement_in_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        response = self._post(url="/fr" + self.URL, email="ack@example.test")
        self.assertEqual(response.status_code, 200)
        intervention = self.env["support.intervention"].search(
            [("email", "=", "ack@example.test")]
        )
        self.assertEqual(len(intervention), 1)
        acknowledgement = intervention.message_ids.filtered(
            lambda m: intervention.name in (m.subject or "")
        )
        self.assertEqual(len(acknowledgement), 1)
        self.assertEqual(
            acknowledgement.subject,
            f"Votre demande d'intervention {intervention.name}",
        )
        self.assertIn("Nous avons bien reçu", acknowledgement.body)
        self.assertIn(intervention.partner_id, acknowledgement.notified_partner_ids)

    def test_hostile_input_refused(self):
        """Issue 13: files for text fields, NUL bytes, malformed addresses."""
        before = self._counts()
        for email in ("x@@y.com", "@b.c", "a b@c.d", "<b>@x.com", "foo@bar"):
            with self.subTest(email=email):
                response = self._post(email=email)
                self.assertEqual(response.status_code, 400)
                self.assertIn("valid e-mail address", response.text)
        token = CSRF_RE.search(self.url_open(self.URL).text).group(1)
        for field in ("name", "email", "phone", "address", "description"):
            with self.subTest(file=field):
                response = self.url_open(
                    self.URL,
                    data={"csrf_token": token, "name": "Jeanne"},
                    files={field: ("x.txt", b"text as a file")},
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("only accepts text", response.text)
        self.assertEqual(self._counts(), before)
        response = self._post(name="Jea\x00nne", description="Print\x00er is broken")
        self.assertEqual(response.status_code, 200)
        intervention = self.env["support.intervention"].search(
            [], order="id desc", limit=1
        )
        self.assertEqual(intervention.contact_name, "Jeanne")
        self.assertEqual(intervention.description, "Printer is broken")


@tagged("post_install", "-at_install")
class TestCancelNoticeShown(InterventionCommon, HttpCase):
    """The cancellation notice the customer reads is the one they are charged
    at: the company's setting, never a literal 24 (issue 30)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"support_cancel_notice_hours": 48, "support_late_cancel_fee": 25.0}
        )
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )

    @staticmethod
    def _text(html):
        return " ".join(re.sub(r"<[^>]+>", " ", str(html)).split())

    def test_request_mail_shows_the_company_notice(self):
        intervention = self._create_intervention()
        template = self.env.ref("support_billing.mail_template_intervention_request")
        body = self._text(
            template._render_field("body_html", intervention.ids)[intervention.id]
        )
        self.assertIn("at least 48 hours ahead", body)
        self.assertNotIn("24", body)
        # the intervention's company, not the current one
        other = self.env["res.company"].create(
            {"name": "Other Co", "support_cancel_notice_hours": 12}
        )
        body = self._text(
            template.sudo()
            .with_company(other)
            ._render_field("body_html", intervention.ids)[intervention.id]
        )
        self.assertIn("at least 48 hours ahead", body)
        self.assertNotIn("12", body)

    def test_request_page_shows_the_company_notice(self):
        response = self.url_open("/support/intervention/request")
        self.assertEqual(response.status_code, 200)
        text = self._text(response.text)
        self.assertIn("cancel at least 48 hours ahead", text)
        self.assertNotIn("24 hours", text)

    def test_portal_page_shows_the_notice_charged(self):
        intervention = self._create_intervention()
        self._schedule(intervention, start="2030-03-05 09:00:00")
        # 30 h ahead: in time with 24 h, late with the company's 48 h
        with freeze_time("2030-03-04 03:00:00"):
            intervention.action_cancel()
        self.assertTrue(intervention.late_cancellation)
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.amount_total, 25.0)
        self.assertEqual(
            invoice.invoice_line_ids.product_id,
            self.env.ref("support_billing.product_intervention_cancellation"),
        )
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open(f"/my/interventions/{intervention.id}")
        self.assertEqual(response.status_code, 200)
        text = self._text(response.text)
        self.assertIn("Cancelled less than 48 hours before the appointment.", text)
        self.assertIn("Please cancel at least 48 hours before", text)
        self.assertNotIn("24 hours", text)
        # cancelled 49 h ahead: in time, nothing charged
        in_time = self._create_intervention()
        self._schedule(in_time, start="2030-03-05 09:00:00")
        with freeze_time("2030-03-03 08:00:00"):
            in_time.action_cancel()
        self.assertFalse(in_time.late_cancellation)
        self.assertFalse(in_time.sudo().invoice_ids)

    def test_signed_policy_keeps_its_cancellation_terms(self):
        """The notice and the fee printed on the signed policy are those
        charged, whatever the company sets later (issue 30: signed means
        fixed)."""
        intervention = self._create_intervention()
        self._schedule(intervention, start="2030-03-05 09:00:00")
        self._sign_on_device(intervention)
        self.assertEqual(intervention.signed_cancel_notice_hours, 48)
        self.assertEqual(intervention.signed_late_cancel_fee, 25.0)
        self.company.write(
            {"support_cancel_notice_hours": 12, "support_late_cancel_fee": 60.0}
        )
        with self.assertRaises(UserError):
            intervention.with_user(self.technician).write(
                {"signed_cancel_notice_hours": 1}
            )
        # 30 h ahead: late by the signed 48 h (the company now says 12)
        with freeze_time("2030-03-04 03:00:00"):
            intervention.action_cancel()
        self.assertTrue(intervention.late_cancellation)
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.amount_total, 25.0)
        self.authenticate("sb-portal", "sb-portal")
        text = self._text(self.url_open(f"/my/interventions/{intervention.id}").text)
        self.assertIn("Cancelled less than 48 hours before the appointment.", text)
        self.assertIn("Please cancel at least 48 hours before", text)
        self.assertNotIn("12 hours", text)
