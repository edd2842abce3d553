# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestSupportContact(SupportBillingCommon, HttpCase):
    """The public contact form (README: Channels): no login, a ticket on the form
    channel, an acknowledgement, and nothing written on bad input."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_technical = cls.env.ref(
            "support_billing.support_request_type_technical"
        )
        cls.type_dispute = cls.env.ref("support_billing.support_request_type_dispute")
        # the public forms work in the public user's company
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )

    def _counts(self):
        return (
            self.env["helpdesk.ticket"].sudo().search_count([]),
            self.env["res.partner"].sudo().search_count([]),
            self.env["mail.mail"].sudo().search_count([]),
        )

    def csrf_token(self):
        response = self.url_open("/support/contact")
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def _post(self, **data):
        values = {
            "csrf_token": self.csrf_token(),
            "name": "Ben Acme",
            "email": "B@acme.test",
            "request_type_id": str(self.type_technical.id),
            "subject": "Outlook keeps asking for my password",
            "description": "Since this morning.\nPlease help.",
            **data,
        }
        return self.url_open("/support/contact", data=values, allow_redirects=False)

    def _last_ticket(self):
        return self.env["helpdesk.ticket"].sudo().search([], order="id desc", limit=1)

    def test_public_page(self):
        response = self.url_open("/support/contact")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Contact support", response.text)
        self.assertIn(self.type_technical.name, response.text)
        self.assertIn('name="website_url"', response.text)

    def test_page_language_prefix_and_portal_prefill(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        response = self.url_open("/fr/support/contact")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="lang" value="fr_FR"', response.text)
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.url_open("/support/contact")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.portal_user.partner_id.email, response.text)

    def test_form_creates_ticket_and_acknowledges(self):
        before = self._counts()
        response = self._post()
        self.assertEqual(response.status_code, 200)
        ticket = self._last_ticket()
        self.assertIn(ticket.number, response.text)
        # an anonymous visitor typed Ben's address: a visitor partner that
        # claims to be Ben (issue 13)
        self.assertEqual(self._counts()[:2], (before[0] + 1, before[1] + 1))
        self.assertEqual(
            ticket.partner_id.support_claimed_partner_id, self.customer_contact2
        )
        self.assertEqual(ticket.support_claimed_partner_id, self.customer_contact2)
        self.assertEqual(
            ticket.channel_id,
            self.env.ref("support_billing.helpdesk_ticket_channel_form"),
        )
        self.assertEqual(ticket.support_request_type_id, self.type_technical)
        self.assertEqual(ticket.name, "Outlook keeps asking for my password")
        self.assertIn("Please help.", ticket.description)
        self.assertTrue(ticket.support_first_response_deadline)
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)])
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(ticket.partner_id, mail.recipient_ids)
        self.assertIn(ticket.number, mail.subject)
        # the acknowledgement is not a staff reply
        self.assertFalse(ticket.support_first_response_date)

    def test_new_sender_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        response = self._post(email="jean@example.test", name="Jean", lang="fr_FR")
        self.assertEqual(response.status_code, 200)
        ticket = self._last_ticket()
        self.assertEqual(ticket.partner_id.email, "jean@example.test")
        self.assertEqual(ticket.partner_id.lang, "fr_FR")
        template = self.env.ref("support_billing.mail_template_support_acknowledgement")
        self.assertEqual(template._render_lang(ticket.ids)[ticket.id], "fr_FR")

    def test_dispute_from_form_goes_to_managers(self):
        self._post(request_type_id=str(self.type_dispute.id))
        ticket = self._last_ticket()
        self.assertEqual(
            ticket.team_id, self.env.ref("support_billing.helpdesk_team_disputes")
        )
        self.assertTrue(ticket.activity_ids)

    def test_bad_input_refused_and_nothing_written(self):
        before = self._counts()
        cases = [
            ({"name": ""}, "Enter your name"),
            ({"name": "x" * 129}, "Enter your name"),
            ({"email": "not-an-email"}, "valid e-mail address"),
            ({"email": "a" * 250 + "@example.test"}, "valid e-mail address"),
            ({"request_type_id": ""}, "Choose the type"),
            ({"request_type_id": "999999"}, "Choose the type"),
            ({"request_type_id": "abc"}, "Choose the type"),
            ({"subject": ""}, "Enter a subject"),
            ({"subject": "s" * 201}, "Enter a subject"),
            ({"description": "  "}, "Describe your request"),
            ({"description": "d" * 5001}, "Describe your request"),
        ]
        for bad, message in cases:
            with self.subTest(bad=bad):
                response = self._post(**bad)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                # what the visitor typed is shown again
                if "subject" not in bad:
                    self.assertIn("Outlook keeps asking", response.text)
        self.assertEqual(self._counts(), before)

    def test_honeypot_writes_nothing(self):
        before = self._counts()
        response = self._post(website_url="http://spam.example.test")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you", response.text)
        self.assertEqual(self._counts(), before)

    def test_archived_or_private_type_refused(self):
        self.type_technical.public = False
        response = self._post()
        self.assertEqual(response.status_code, 400)
        self.assertNotIn(
            f'value="{self.type_technical.id}"', response.text.split("<form")[1]
        )

    def test_hostile_input_refused_beside_the_field(self):
        """Issue 13: NUL bytes, files for text fields and malformed
        addresses are a 400 with the field's message, nothing written."""
        before = self._counts()
        message = "valid e-mail address"
        for email in (
            "x@@y.com",
            "@b.c",
            "a b@c.d",
            "<script>alert(1)</script>@x.com",
            "a" * 100_000 + "@x.com",
            "foo@bar",
        ):
            with self.subTest(email=email[:30]):
                response = self._post(email=email)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn('class="invalid-feedback"', response.text)
                self.assertNotIn("<script>alert", response.text)
        for field in ("name", "email", "subject", "description", "request_type_id"):
            with self.subTest(file=field):
                token = self.csrf_token()
                response = self.url_open(
                    "/support/contact",
                    data={"csrf_token": token, "name": "Ben", "email": "b@acme.test"},
                    files={field: ("x.txt", b"text as a file")},
                )
                self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), before)
        # NUL bytes and other control characters are dropped
        response = self._post(
            email="nul@example.test",
            name="Nu\x00l",
            subject="Sub\x00ject\x07",
            description="Line one\x00\nLine two",
        )
        self.assertEqual(response.status_code, 200)
        ticket = self._last_ticket()
        self.assertEqual(ticket.name, "Subject")
        self.assertEqual(ticket.partner_name, "Nul")
        self.assertNotIn("\x00", ticket.description)

    def test_unverified_visitor_stays_apart_until_confirmed(self):
        """Issue 13: a stranger typing Ben's address gets no ticket in Ben's
        portal, no subscription of Ben, nothing on Ben's packs; staff see
        whom they claim to be and confirm."""
        self._post(subject="Please reset my password")
        ticket = self._last_ticket()
        visitor = ticket.partner_id
        self.assertNotEqual(visitor, self.customer_contact2)
        self.assertNotEqual(visitor.commercial_partner_id, self.customer)
        self.assertNotIn(self.customer_contact2, ticket.message_partner_ids)
        self.assertNotIn(self.customer, ticket.message_partner_ids)
        colleague = self.portal_user  # Anna, of Ben's company
        self.assertFalse(
            self.env["helpdesk.ticket"]
            .with_user(colleague)
            .search([("id", "=", ticket.id)])
        )
        # a second visit reuses the visitor partner
        self._post(subject="Second question")
        self.assertEqual(self._last_ticket().partner_id, visitor)
        # staff confirm: the ticket moves to Ben
        ticket.with_user(self.support_manager).action_support_confirm_claimed_partner()
        self.assertEqual(ticket.partner_id, self.customer_contact2)
        self.assertTrue(
            self.env["helpdesk.ticket"]
            .with_user(colleague)
            .search([("id", "=", ticket.id)])
        )
        self.assertIn("Customer confirmed", ticket.message_ids[0].body)

    def test_logged_in_owner_is_verified(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self._post(email=self.customer_contact.email, name="Anna")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._last_ticket().partner_id, self.customer_contact)

    def test_acknowledgement_does_not_quote_the_visitor(self):
        """Issue 13: the e-mail sent to the typed address quotes neither the
        typed name nor the subject (no spam relay from our domain)."""
        self._post(
            email="victim@example.test",
            name="Buy cheap pills at spam.example",
            subject="WIN A PRIZE http://spam.example",
        )
        ticket = self._last_ticket()
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)])
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(ticket.number, mail.body_html)
        self.assertNotIn("spam.example", mail.body_html)
        self.assertNotIn("spam.example", mail.subject)
