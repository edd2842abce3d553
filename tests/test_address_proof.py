# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 13: a visitor proves the address it typed by a link e-mailed to it,
and the public forms call Odoo's anti-bot check when the database has one."""

import re
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import hash_sign, mute_logger, verify_hash_signed

from .. import const
from .common import SupportBillingCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_RE = re.compile(r"/support/verify\?token=([A-Za-z0-9_-]+)")


class PublicFormsCommon(SupportBillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_technical = cls.env.ref(
            "support_billing.support_request_type_technical"
        )
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )

    def _csrf(self, path="/support/contact"):
        """The token of the visitor's session (one page load per test)."""
        if not getattr(self, "_csrf_token", None):
            self._csrf_token = CSRF_RE.search(self.url_open(path).text).group(1)
        return self._csrf_token

    def _post(self, path, **data):
        return self.url_open(
            path,
            data={"csrf_token": self._csrf(), **data},
            allow_redirects=False,
        )

    def _post_contact(self, **data):
        return self._post(
            "/support/contact",
            **{
                "name": "Ben Acme",
                "email": self.customer_contact2.email,
                "request_type_id": str(self.type_technical.id),
                "subject": "Outlook asks for my password",
                "description": "Since this morning.",
                **data,
            },
        )

    def _post_intervention(self, **data):
        return self._post(
            "/support/intervention/request",
            **{
                "name": "Ben Acme",
                "email": self.customer_contact2.email,
                "phone": "+1 514 555 0100",
                "address": "3 rue Neuve, Montréal",
                "description": "My printer prints blank pages.",
                "desired_date": (date.today() + timedelta(days=2)).isoformat(),
                **data,
            },
        )

    def _patch_captcha(self, valid, calls):
        def _verify_request_recaptcha_token(ir_http, action):
            calls.append(action)
            if not valid:
                raise UserError(
                    ir_http.env._(
                        "The anti-robot check failed: reload the page and send "
                        "the form again."
                    )
                )

        return patch.object(
            self.env.registry["ir.http"],
            "_verify_request_recaptcha_token",
            _verify_request_recaptcha_token,
        )

    def _counts(self):
        self.env.flush_all()
        return tuple(
            self.env[model].sudo().search_count([])
            for model in (
                "helpdesk.ticket",
                "support.intervention",
                "support.card.hold",
                "res.partner",
                "mail.mail",
            )
        )


@tagged("post_install", "-at_install")
class TestAddressProof(PublicFormsCommon):
    def _visitor_requests(self):
        """A stranger types Ben's address on both forms."""
        self.assertEqual(self._post_contact().status_code, 200)
        self.assertEqual(self._post_intervention().status_code, 200)
        ticket = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(
                [
                    (
                        "channel_id",
                        "=",
                        self.env.ref("support_billing.helpdesk_ticket_channel_form").id,
                    )
                ],
                order="id desc",
                limit=1,
            )
        )
        intervention = (
            self.env["support.intervention"].sudo().search([], order="id desc", limit=1)
        )
        visitor = ticket.partner_id
        self.assertEqual(visitor.support_claimed_partner_id, self.customer_contact2)
        self.assertEqual(intervention.partner_id, visitor)
        return visitor, ticket, intervention

    def _proof_tokens(self, visitor):
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "res.partner"), ("res_id", "=", visitor.id)])
        )
        return [TOKEN_RE.search(mail.body_html).group(1) for mail in mails]

    def _proof_token_of(self, visitor, record):
        """The token of the link e-mailed for ``record``."""
        for token in self._proof_tokens(visitor):
            payload = verify_hash_signed(
                self.env(su=True), const.ADDRESS_PROOF_SCOPE, token
            )
            if (payload["model"], payload["res_id"]) == (record._name, record.id):
                return token
        self.fail(f"no proof link for {record}")

    def test_link_proves_the_address(self):
        visitor, ticket, intervention = self._visitor_requests()
        # one link per request, to the typed address only
        tokens = self._proof_tokens(visitor)
        self.assertEqual(len(tokens), 2)
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "res.partner"), ("res_id", "=", visitor.id)])
        )
        self.assertEqual(mail.recipient_ids, visitor)
        self.assertNotIn("Outlook", mail[0].body_html)
        # each e-mail names its request by its reference (two requests: two
        # different e-mails)
        references = {ticket.number, intervention.name}
        self.assertEqual(
            {ref for ref in references for m in mail if ref in m.body_html},
            references,
        )
        ticket_token = self._proof_token_of(visitor, ticket)
        intervention_token = self._proof_token_of(visitor, intervention)
        # opening the link (or a mail scanner doing it) changes nothing; the
        # page shows the request the link was sent for
        response = self.url_open(f"/support/verify?token={ticket_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("support_proof_submit", response.text)
        self.assertIn("Outlook asks for my password", response.text)
        self.assertNotIn("My printer prints blank pages", response.text)
        self.assertEqual(ticket.partner_id, visitor)
        colleague_tickets = self.env["helpdesk.ticket"].with_user(self.portal_user)
        self.assertFalse(colleague_tickets.search([("id", "=", ticket.id)]))
        # a robot (the anti-bot check fails) confirms nothing
        calls = []
        with self._patch_captcha(False, calls):
            response = self._post("/support/verify", token=ticket_token)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(calls, ["support_verify"])
        self.assertEqual(ticket.partner_id, visitor)
        # confirming moves that request to Ben, not the other one
        response = self._post("/support/verify", token=ticket_token)
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertIn("support_proof_done", response.text)
        self.assertEqual(ticket.partner_id, self.customer_contact2)
        self.assertIn(self.customer_contact2, ticket.message_partner_ids)
        self.assertIn("proved the address", ticket.message_ids[0].body)
        self.assertTrue(colleague_tickets.search([("id", "=", ticket.id)]))
        self.assertEqual(intervention.partner_id, visitor)
        self.assertEqual(intervention.support_address_proof, "pending")
        # the intervention's own link moves it, with its ticket
        page = self.url_open(f"/support/verify?token={intervention_token}").text
        self.assertIn("3 rue Neuve", page)
        self.assertIn("My printer prints blank pages", page)
        response = self._post("/support/verify", token=intervention_token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(intervention.partner_id, self.customer_contact2)
        self.assertEqual(intervention.ticket_id.partner_id, self.customer_contact2)
        self.assertEqual(intervention.support_address_proof, "proven")
        self.assertEqual(intervention.ticket_id.support_address_proof, "proven")
        # a link used again has nothing left to move
        response = self._post("/support/verify", token=ticket_token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("support_proof_done", response.text)

    def test_forged_or_expired_link_does_nothing(self):
        visitor, ticket, intervention = self._visitor_requests()
        good = self._proof_tokens(visitor)[0]
        env = self.env(su=True)
        scope = const.ADDRESS_PROOF_SCOPE
        values = {
            "partner_id": visitor.id,
            "email": visitor.email_normalized,
            "model": ticket._name,
            "res_id": ticket.id,
        }
        other_ticket = self._create_ticket(self.customer_contact, closed=False)
        flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
        bad_tokens = [
            "",
            "garbage",
            "%00",
            "\\",
            "A" * 600,
            "é",
            flipped,
            good[:40],
            # expired
            hash_sign(env, scope, values, expiration=datetime.now() - timedelta(1)),
            # signed for another use
            hash_sign(env, "support_billing.other", values, expiration_hours=1),
            # not a visitor: Ben himself, or another customer
            hash_sign(
                env,
                scope,
                {"partner_id": self.customer_contact2.id, "email": "b@acme.test"},
                expiration_hours=1,
            ),
            # the visitor's link for another customer's request
            hash_sign(
                env,
                scope,
                {**values, "res_id": other_ticket.id},
                expiration_hours=1,
            ),
            # a model a proof does not confirm
            hash_sign(
                env,
                scope,
                {**values, "model": "res.partner", "res_id": visitor.id},
                expiration_hours=1,
            ),
            # the link of the first version (no request): void
            hash_sign(
                env,
                scope,
                {"partner_id": visitor.id, "email": visitor.email_normalized},
                expiration_hours=1,
            ),
            # a payload of the wrong shape
            hash_sign(env, scope, [visitor.id], expiration_hours=1),
            hash_sign(env, scope, {**values, "res_id": "1"}, expiration_hours=1),
            hash_sign(env, scope, {"partner_id": "1", "email": 1}, expiration_hours=1),
        ]
        before = self._counts()
        for token in bad_tokens:
            with self.subTest(token=token[:50]):
                response = self.url_open("/support/verify", params={"token": token})
                self.assertEqual(response.status_code, 400)
                self.assertIn("support_proof_invalid", response.text)
                response = self._post("/support/verify", token=token)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(ticket.partner_id, visitor)
                self.assertEqual(intervention.partner_id, visitor)
        self.assertEqual(self._counts(), before)
        # the address changed since the link was sent: the link is void
        visitor.email = "someone.else@example.test"
        response = self._post("/support/verify", token=good)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(ticket.partner_id, visitor)


@tagged("post_install", "-at_install")
class TestPublicCaptcha(PublicFormsCommon):
    """Odoo's anti-bot modules (google_recaptcha, website_cf_turnstile)
    override ``ir.http._verify_request_recaptcha_token``: every public form
    calls it and refuses with 400 when it raises."""

    def _post_pay(self, **data):
        return self._post(
            "/support/pay",
            duration="60",
            name="Ben Acme",
            email="stranger@example.test",
            **data,
        )

    def test_forms_carry_the_captcha_action(self):
        for path, action in (
            ("/support/pay", "support_pay"),
            ("/support/contact", "support_contact"),
            ("/support/intervention/request", "support_intervention_request"),
        ):
            with self.subTest(path=path):
                self.assertIn(f'data-captcha="{action}"', self.url_open(path).text)

    def test_failed_check_refuses_and_writes_nothing(self):
        calls = []
        before = self._counts()
        with self._patch_captcha(False, calls), mute_logger("odoo.http"):
            for post in (self._post_pay, self._post_contact, self._post_intervention):
                with self.subTest(form=post.__name__):
                    response = post()
                    self.assertEqual(response.status_code, 400)
                    self.assertIn("anti-robot check failed", response.text)
        self.assertEqual(
            calls, ["support_pay", "support_contact", "support_intervention_request"]
        )
        self.assertEqual(self._counts(), before)

    def test_passed_check_lets_the_form_through(self):
        calls = []
        with self._patch_captcha(True, calls):
            self.assertEqual(self._post_pay().status_code, 303)
            self.assertEqual(self._post_contact().status_code, 200)
            self.assertEqual(
                self._post_intervention(email="new.client@example.test").status_code,
                200,
            )
        self.assertEqual(
            calls, ["support_pay", "support_contact", "support_intervention_request"]
        )


@tagged("post_install", "-at_install")
class TestInterventionAcknowledgement(PublicFormsCommon):
    def test_acknowledgement_does_not_quote_the_visitor(self):
        """Issue 13: the e-mails sent to the typed address (acknowledgement
        and proof link) quote neither the typed name nor the description."""
        response = self._post_intervention(
            name="Buy cheap pills at spam.example",
            address="http://spam.example",
            description="WIN A PRIZE at http://spam.example now",
        )
        self.assertEqual(response.status_code, 200)
        intervention = (
            self.env["support.intervention"].sudo().search([], order="id desc", limit=1)
        )
        visitor = intervention.partner_id
        # the messages e-mailed to the visitor
        messages = intervention.message_ids.filtered(
            lambda m: visitor in (m.notified_partner_ids | m.partner_ids)
        )
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "res.partner"), ("res_id", "=", visitor.id)])
        )
        self.assertTrue(messages)
        self.assertEqual(len(mails), 1)
        for text in [*messages.mapped("body"), *messages.mapped("subject")] + [
            mails.body_html,
            mails.subject,
        ]:
            self.assertNotIn("spam.example", str(text or ""))


@tagged("post_install", "-at_install")
class TestAddressProofPerRequest(PublicFormsCommon):
    """Issue 23 item 8: a proof confirms the request it was sent for, not
    every request typed with the address."""

    def _new_visitor_session(self):
        self.opener.cookies.clear()
        self._csrf_token = None

    def _latest_proof_token(self, visitor):
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [("model", "=", "res.partner"), ("res_id", "=", visitor.id)],
                order="id desc",
                limit=1,
            )
        )
        return TOKEN_RE.search(mail.body_html).group(1)

    def test_proof_confirms_only_its_own_request(self):
        customer = self.customer_contact2
        moves_before = (
            self.env["account.move"]
            .sudo()
            .search_count(
                [("partner_id", "child_of", customer.commercial_partner_id.id)]
            )
        )
        # a stranger asks for an intervention at his address, with Ben's e-mail
        response = self._post_intervention(
            name="Mallory Stranger",
            address="9 Stranger Street, Laval",
            description="Install my new gaming computer please.",
        )
        self.assertEqual(response.status_code, 200)
        stranger_request = (
            self.env["support.intervention"].sudo().search([], order="id desc", limit=1)
        )
        visitor = stranger_request.partner_id
        self.assertEqual(visitor.support_claimed_partner_id, customer)
        # later Ben writes through the contact form, not logged in
        self._new_visitor_session()
        self.assertEqual(self._post_contact().status_code, 200)
        ticket = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search([("partner_id", "=", visitor.id)], order="id desc", limit=1)
        )
        self.assertEqual(ticket.name, "Outlook asks for my password")
        # Ben opens the link he received for his message: it shows his
        # request, not the stranger's
        token = self._latest_proof_token(visitor)
        page = self.url_open(f"/support/verify?token={token}").text
        self.assertIn("Outlook asks for my password", page)
        self.assertNotIn("Stranger Street", page)
        self.assertNotIn(stranger_request.name, page)
        response = self._post("/support/verify", token=token)
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertIn("support_proof_done", response.text)
        # the stranger's request stays apart: not Ben's, no fee on Ben
        self.assertEqual(stranger_request.partner_id, visitor)
        self.assertEqual(stranger_request.ticket_id.partner_id, visitor)
        self.assertFalse(
            self.env["support.intervention"]
            .sudo()
            .search_count([("partner_id", "child_of", customer.id)])
        )
        self.assertEqual(
            self.env["account.move"]
            .sudo()
            .search_count(
                [("partner_id", "child_of", customer.commercial_partner_id.id)]
            ),
            moves_before,
        )
        portal = self.env["support.intervention"].with_user(self.portal_user)
        self.assertFalse(portal.search([("id", "=", stranger_request.id)]))
        # Ben's request is his
        self.assertEqual(ticket.partner_id, customer)
        # staff see which request was proven
        self.assertTrue(ticket.support_address_proven_date)
        self.assertEqual(ticket.support_address_proof, "proven")
        self.assertFalse(stranger_request.support_address_proven_date)
        self.assertEqual(stranger_request.support_address_proof, "pending")
        self.assertFalse(stranger_request.ticket_id.support_address_proven_date)
        self.assertEqual(stranger_request.ticket_id.support_address_proof, "pending")
        # the proof date is written by the link only, not over RPC
        with self.assertRaises(AccessError):
            stranger_request.with_user(self.support_manager).write(
                {"support_address_proven_date": datetime.now()}
            )
        with self.assertRaises(AccessError):
            stranger_request.ticket_id.with_user(self.support_manager).write(
                {"support_address_proven_date": datetime.now()}
            )
        # the link of Ben's request confirmed once; used again, it moves nothing
        response = self._post("/support/verify", token=token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(stranger_request.partner_id, visitor)

    def test_same_answer_for_known_and_unknown_address(self):
        """What the sender sees does not tell whether the address is a
        customer's."""

        def page(response):
            text = re.sub(r"[0-9a-f]{40}o\d+", "CSRF", response.text)
            text = re.sub(r"[A-Za-z]*/?\d{4}/\d+|#?\d+", "N", text)
            return response.status_code, response.headers.get("Location"), text

        answers = {}
        for email in (self.customer_contact2.email, "nobody.known@example.test"):
            self._new_visitor_session()
            answers[email] = (
                page(self._post_intervention(email=email)),
                page(self._post_contact(email=email)),
            )
        known, unknown = answers.values()
        self.assertEqual(known, unknown)
