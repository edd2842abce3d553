# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import difflib
import json
import re
from urllib.parse import parse_qs, urlparse

from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .test_card_hold import CardHoldCommon


@tagged("post_install", "-at_install")
class TestCardHoldPage(CardHoldCommon, HttpCase):
    """The public "Pay here" page (README: Card holds)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.is_published = True
        # the public page works in the public user's company
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )
        cls.env.company.support_time_product_id.list_price = 90.0

    def _counts(self):
        return (
            self.env["support.card.hold"].sudo().search_count([]),
            self.env["res.partner"].sudo().search_count([]),
        )

    def _post(self, **data):
        return self.url_open(
            "/support/pay",
            data={"csrf_token": self.csrf_token(), **data},
            allow_redirects=False,
        )

    def csrf_token(self):
        response = self.url_open("/support/pay")
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def test_page_explains_the_hold(self):
        response = self.url_open("/support/pay")
        self.assertEqual(response.status_code, 200)
        # the terms are filled in (issue 28): read the text without its tags
        text_only = re.sub(r"<[^>]+>", " ", response.text)
        page = " ".join(text_only.lower().split())
        for text in (
            "Card hold",
            "A card hold is an authorisation: nothing is charged now",
            "nothing is charged now",
            "30 minutes per ticket",
            "cancelled after 7 days",
            "Time spent on the phone while you pay is billable",
            "never reach our server",
        ):
            self.assertIn(text.lower(), page)

    def test_bad_input_refused_and_nothing_written(self):
        before = self._counts()
        cases = [
            ({"duration": "0"}, "between 30 and 480 minutes"),
            ({"duration": "other", "other_minutes": "-60"}, "between 30 and 480"),
            ({"duration": "other", "other_minutes": "100000"}, "between 30 and 480"),
            ({"duration": "other", "other_minutes": "abc"}, "between 30 and 480"),
            ({"email": "not-an-email"}, "valid e-mail address"),
            ({"name": ""}, "Enter your name"),
            ({"ticket_ref": "HT99999"}, "Unknown ticket reference"),
            # another customer's ticket is unknown to this payer
            ({"ticket_ref": self.ticket.number}, "Unknown ticket reference"),
        ]
        for bad, message in cases:
            data = {"duration": "60", "name": "Ann", "email": "ann@example.test", **bad}
            with self.subTest(bad=bad):
                response = self._post(**data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertEqual(self._counts(), before)

    def test_customer_matched_by_email(self):
        response = self._post(
            duration="120",
            name="Anna A.",
            email=self.customer_contact2.email.upper(),
            ticket_ref=self.ticket.number,
        )
        self.assertEqual(response.status_code, 303)
        url = urlparse(response.headers["Location"])
        hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
        self.assertEqual(url.path, f"/support/pay/{hold.id}")
        self.assertEqual(parse_qs(url.query)["access_token"], [hold.access_token])
        self.assertEqual(hold.partner_id, self.customer_contact2)  # matched by e-mail
        self.assertEqual(hold.ticket_id, self.ticket)
        self.assertEqual(hold.duration_minutes, 120)
        # an anonymous visitor gets the public rate (90 per hour), whoever the
        # address belongs to, 20 % sales tax included: 2 h = 180.00 + 36.00
        self.assertEqual(hold.amount, 216.0)
        # a new e-mail address creates the partner
        self._post(duration="30", name="New Person", email="new.person@example.test")
        partner = self.env["res.partner"].search(
            [("email", "=", "new.person@example.test")]
        )
        self.assertEqual(len(partner), 1)

    def test_card_form_and_transaction(self):
        self._post(duration="60", name="Ann", email="ann@example.test")
        hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
        # a wrong token shows nothing
        response = self.url_open(f"/support/pay/{hold.id}?access_token=wrong")
        self.assertEqual(response.status_code, 404)
        response = self.url_open(
            f"/support/pay/{hold.id}?access_token={hold.access_token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_payment_form", response.text)
        self.assertIn(hold.name, response.text)
        # the amount asked is the time as invoiced: 90.00 + 20 % sales tax
        self.assertEqual((hold.amount_untaxed, hold.amount), (90.0, 108.0))
        self.assertIn("108.00", response.text)
        self.assertIn("taxes included", response.text)
        # the transaction route creates the hold's transaction, for its amount
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "access_token": hold.access_token,
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": 0.01,  # ignored: the hold's amount is used
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/evil",
                "is_validation": False,
            },
        }
        response = self.url_open(
            f"/support/pay/{hold.id}/transaction",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        result = response.json()["result"]
        tx = hold.transaction_id
        self.assertEqual(result["reference"], tx.reference)
        self.assertEqual(tx.amount, hold.amount)
        self.assertEqual(tx.support_card_hold_id, hold)
        self.assertNotIn("evil", tx.landing_route)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        self.assertEqual(hold.state, "authorized")
        response = self.url_open(hold._get_support_done_url())
        self.assertIn("Your card is confirmed", response.text)
        self.assertIn(hold.name, response.text)
        # a second transaction for the same hold is refused
        response = self.url_open(
            f"/support/pay/{hold.id}/transaction",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("error", response.json())

    def test_page_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        response = self.url_open("/support/pay?lang=fr_FR")
        self.assertIn("Pré-autorisation", response.text)
        self.assertNotIn("Payer ici", response.text)

    def _hold_request_mail(self, hold):
        """Send the 'please confirm your card' e-mail as the back office does
        (the composer of action_send_request); return the message sent."""
        action = hold.action_send_request()
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        ).save()
        composer._action_send_mail()
        return hold.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.partner_ids
        )[:1]

    def test_chatter_in_company_language_from_the_pages(self):
        """Issue 15: what a hold posts in its chatter is in the company's
        language, whatever the page's; the customer's e-mail in hers."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        Hold = self.env["support.card.hold"]
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        # an English company; a visitor pays from the French page
        self.company.partner_id.lang = "en_US"
        response = self._post(
            duration="60", name="Zoé", email="zoe@example.test", lang="fr_FR"
        )
        self.assertEqual(response.status_code, 303)
        hold = Hold.search([("partner_id.email", "=", "zoe@example.test")])
        self.assertEqual(hold.partner_id.lang, "fr_FR")  # the page was French
        tx = self._create_hold_transaction(hold, self.provider, self.payment_method)
        tx.with_env(french)._process(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        chatter = " ".join(hold.message_ids.mapped("body"))
        self.assertIn("Card hold created", chatter)
        self.assertIn("Authorised on the card", chatter)
        self.assertNotIn("Pré-autorisation", chatter)
        self.assertNotIn("Autorisé sur la carte", chatter)
        # her e-mail is in French
        mail = self._hold_request_mail(hold)
        self.assertIn("veuillez confirmer votre carte", mail.subject)
        self.assertIn("Confirmer ma carte", mail.body)
        # a French company; an English customer pays from the English page
        self.company.partner_id.lang = "fr_FR"
        response = self._post(
            duration="60", name="Ed", email="ed@example.test", lang="en_US"
        )
        self.assertEqual(response.status_code, 303)
        hold = Hold.search([("partner_id.email", "=", "ed@example.test")])
        self.assertEqual(hold.partner_id.lang, "en_US")
        tx = self._create_hold_transaction(hold, self.provider, self.payment_method)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        chatter = " ".join(hold.message_ids.mapped("body"))
        self.assertIn("Pré-autorisation créée", chatter)
        self.assertIn("Autorisé sur la carte", chatter)
        self.assertNotIn("Card hold created", chatter)
        # his e-mail is in English
        mail = self._hold_request_mail(hold)
        self.assertIn("please confirm your card", mail.subject)
        self.assertIn("Confirm my card", mail.body)

    def test_tour_public_page_to_confirmation(self):
        self.start_tour("/support/pay", "support_card_hold_tour")
        hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
        self.assertEqual(hold.partner_id.email, "tour.customer@example.com")
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(hold.captured_amount, 0.0)

    def test_amount_before_the_card_step(self):
        """Issue 15: the minutes box shows the chosen duration, the amount
        (taxes included) is shown before the card step, and every step has
        the support pages' navigation."""
        page = self.url_open("/support/pay").text
        self.assertRegex(page, r'id="other_minutes"[^>]*value="60"')
        # 1 h at 90.00 with 20 % tax; 30 min: 54.00
        self.assertRegex(page, r'id="duration_60"[^>]*data-amount="[^"]*108\.00')
        self.assertRegex(page, r'id="duration_30"[^>]*data-amount="[^"]*54\.00')
        self.assertRegex(
            page, r'class="o_support_hold_estimate_amount">[^<]*108\.00[^<]*<'
        )
        self.assertIn('id="support_public_nav_pay"', page)
        # another duration: the server computes it as the hold will
        result = self.make_jsonrpc_request("/support/pay/amount", {"minutes": 45})
        self.assertIn("81.00", result["amount"])
        for minutes in (5, 100000, "45", None, True):
            result = self.make_jsonrpc_request(
                "/support/pay/amount", {"minutes": minutes}
            )
            self.assertFalse(result["amount"], minutes)
        # refused "Other": the box keeps what was typed, the amount follows it
        response = self._post(
            duration="other", other_minutes="45", name="", email="x@x.test"
        )
        self.assertEqual(response.status_code, 400)
        self.assertRegex(response.text, r'id="other_minutes"[^>]*value="45"')
        self.assertRegex(
            response.text, r'class="o_support_hold_estimate_amount">[^<]*81\.00'
        )
        # the card step and the confirmation are no dead ends
        hold = self._create_hold()
        hold._portal_ensure_token()
        card = self.url_open(
            f"/support/pay/{hold.id}?access_token={hold.access_token}"
        ).text
        self.assertIn('id="support_public_nav_pay"', card)
        self._authorize(hold)
        done = self.url_open(hold._get_support_done_url()).text
        self.assertIn("Your card is confirmed", done)
        self.assertIn('id="support_public_nav_pay"', done)
        self.assertIn('href="/support/contact"', done)

    def test_tour_pay_page_desktop_and_phone(self):
        """Issue 15: the pay page on a 1440 px desktop and a 390 px phone."""
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour("/support/pay", "support_pay_page_tour")
        holds = self.env["support.card.hold"].search(
            [("partner_id.email", "=", "pay.tour@example.com")]
        )
        self.assertEqual(holds.mapped("duration_minutes"), [45, 45])
        self.assertEqual(holds.mapped("amount"), [81.0, 81.0])

    def test_portal_lists_own_holds_only(self):
        hold = self._create_hold()
        self._authorize(hold)
        other = self.env["support.card.hold"].create(
            {
                "partner_id": self.other_customer.id,
                "duration_minutes": 60,
                "hourly_rate": 90,
                "company_id": self.company.id,
            }
        )
        self._authorize(other)
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/card_holds")
        self.assertEqual(response.status_code, 200)
        self.assertIn(hold.name, response.text)
        self.assertNotIn(other.name, response.text)
        response = self.url_open(f"/my/card_holds/{hold.id}")
        self.assertIn("Captured", response.text)
        response = self.url_open(f"/my/card_holds/{other.id}")
        self.assertNotIn(other.name, response.text)

    # ------------------------------------------------------------ issue 13
    def _post_files(self, files, **data):
        values = {
            "csrf_token": self.csrf_token(),
            "duration": "60",
            "name": "Ann",
            "email": "ann@example.test",
            **data,
        }
        return self.url_open(
            "/support/pay", data=values, files=files, allow_redirects=False
        )

    def test_hostile_input_is_a_400_with_the_field_message(self):
        before = self._counts()
        email_message = "Enter a valid e-mail address"
        cases = [
            ({"name": "Ann\x00Evil"}, None),  # NUL removed, accepted below
            ({"ticket_ref": "HT%"}, "Unknown ticket reference"),
            ({"ticket_ref": "HT_____"}, "Unknown ticket reference"),
            ({"ticket_ref": "HT0\\"}, "Unknown ticket reference"),
            ({"ticket_ref": "\x00"}, None),
            ({"email": "x@@y.com"}, email_message),
            ({"email": "@b.c"}, email_message),
            ({"email": "a b@c.d"}, email_message),
            ({"email": "<script>alert(1)</script>@x.com"}, email_message),
            ({"email": "a" * 100_000 + "@x.com"}, email_message),
            ({"email": "foo@bar"}, email_message),
            ({"duration": "other", "other_minutes": "6" * 50}, "between 30 and 480"),
        ]
        for bad, message in cases:
            if message is None:
                continue
            with self.subTest(bad=bad):
                response = self._post(**{"duration": "60", "name": "Ann", **bad})
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("invalid-feedback", response.text)
                self.assertNotIn("<script>alert", response.text)
        # a text field sent as a file: refused, never a server error
        for field in ("name", "email", "ticket_ref", "duration"):
            with self.subTest(file=field):
                response = self._post_files({field: ("x.txt", b"data")})
                self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), before)
        # a NUL byte is dropped, not stored
        response = self._post(duration="60", name="Ann\x00Evil", email="n@ul.test")
        self.assertEqual(response.status_code, 303)
        partner = self.env["res.partner"].search([("email", "=", "n@ul.test")])
        self.assertEqual(partner.name, "AnnEvil")

    def test_ticket_reference_matched_literally(self):
        """``%`` and ``_`` are no wildcards: the payer's exact reference only."""
        number = self.ticket.number
        wildcard = number[:-1] + "_"
        response = self._post(
            duration="60",
            name="Anna",
            email=self.customer_contact.email,
            ticket_ref=wildcard,
        )
        self.assertEqual(response.status_code, 400)
        response = self._post(
            duration="60",
            name="Anna",
            email=self.customer_contact.email,
            ticket_ref=number.lower(),
        )
        self.assertEqual(response.status_code, 303)

    def test_anonymous_visitor_gets_the_public_rate(self):
        """Typing a customer's address shows nothing of their terms."""
        public_rate = 90.0
        self.assertNotEqual(self.customer.support_hourly_rate, public_rate)
        response = self._post(
            duration="60", name="Someone", email=self.customer_contact2.email
        )
        self.assertEqual(response.status_code, 303)
        hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
        self.assertEqual(hold.hourly_rate, public_rate)
        self.assertEqual(hold.amount, 108.0)  # 1 h at 90.00, 20 % tax included
        # A2: staff still find the account
        self.assertEqual(hold.partner_id, self.customer_contact2)
        # the same page whoever the address belongs to
        unknown = self._post(duration="60", name="Someone", email="nobody@x.test")
        self.assertEqual(unknown.status_code, 303)
        hold2 = self.env["support.card.hold"].search([], order="id desc", limit=1)
        self.assertEqual(hold2.amount, hold.amount)
        page = self.url_open(unknown.headers["Location"]).text
        page_customer = self.url_open(
            f"/support/pay/{hold.id}?access_token={hold.access_token}"
        ).text
        self.assertNotIn("100.00", page_customer)
        self.assertEqual(
            page.replace(hold2.name, "X").count("90.00"),
            page_customer.replace(hold.name, "X").count("90.00"),
        )

    def _visible_page(self, page, hold):
        """``page`` without what differs from one hold to another anyway: its
        reference, id and token, and the session's CSRF token."""
        page = page.replace(hold.access_token, "TOKEN").replace(hold.name, "REF")
        page = re.sub(rf"/support/pay/{hold.id}\b", "/support/pay/ID", page)
        page = re.sub(r'(csrf_token(?:" value="|: "))[0-9a-fo]+', r"\1CSRF", page)
        return page.splitlines()

    def test_anonymous_pages_same_for_a_customer_and_a_stranger(self):
        """Issue 23: an anonymous visitor who types a customer's address (own
        rate 50.00, a fiscal position removing the tax) sees exactly what a
        stranger sees: the public rate and taxes, 1 h = 90.00 + 15 % =
        103.50.  Only the signed link or a login shows her own terms."""
        self.product_time.taxes_id = self._create_sales_tax(15)
        exempt = self.env["account.fiscal.position"].create(
            {"name": "Tax exempt", "company_id": self.company.id}
        )
        self.customer.write(
            {"support_hourly_rate": 50.0, "property_account_position_id": exempt.id}
        )
        seen, holds = [], []
        for email in (self.customer_contact2.email, "stranger@example.test"):
            form = self.url_open("/support/pay").text
            response = self._post(duration="60", name="Someone", email=email)
            self.assertEqual(response.status_code, 303)
            hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
            url = urlparse(response.headers["Location"])
            self.assertEqual(
                (url.path, url.query),
                (f"/support/pay/{hold.id}", f"access_token={hold.access_token}"),
            )
            card = self.url_open(f"{url.path}?{url.query}").text
            seen.append(
                (self._visible_page(form, hold), self._visible_page(card, hold))
            )
            holds.append(hold)
        customer_hold = holds[0]
        self.assertEqual(customer_hold.partner_id, self.customer_contact2)  # A2
        for customer_page, stranger_page in zip(*seen, strict=True):
            diff = list(difflib.unified_diff(customer_page, stranger_page, n=0))
            self.assertFalse(diff, "\n".join(diff[:40]))
        self.assertIn("103.50", "\n".join(seen[0][1]))
        for hold in holds:
            self.assertEqual(hold.hourly_rate, 90.0)
            self.assertEqual((hold.amount_untaxed, hold.amount), (90.0, 103.5))
            self.assertTrue(hold.public_price)
        # the signed link the business e-mailed her shows her own terms:
        # 1 h at 50.00, the tax mapped away by her fiscal position
        draft = self._create_hold(minutes=60, rate=50.0)
        draft._portal_ensure_token()
        self.assertFalse(draft.public_price)
        self.assertEqual((draft.amount_untaxed, draft.amount), (50.0, 50.0))
        card = self.url_open(
            f"/support/pay/{draft.id}?access_token={draft.access_token}"
        ).text
        self.assertRegex(card, r'o_support_hold_amount">[^<]*<[^>]*>50\.00<')
        self.assertNotIn("Before taxes", card)

    def test_signed_link_of_another_company_keeps_its_rate(self):
        """Issue 23: the signed link of a hold of company B (the customer's
        rate there: 70.00, no tax, in euros) shows and reprices the chosen
        duration with B's rate and currency, not the public page's company's
        (100.00 dollars)."""
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 0.5)])
        company_b = self.env["res.company"].create(
            {"name": "Support B", "currency_id": eur.id}
        )
        self.customer.with_company(company_b).support_hourly_rate = 70.0
        ticket_b = self.env["helpdesk.ticket"].create(
            {
                "name": "Server down",
                "description": "<p>Server down</p>",
                "partner_id": self.customer_contact.id,
                "company_id": company_b.id,
            }
        )
        hold = self.env["support.card.hold"].create(
            {
                "partner_id": self.customer_contact.id,
                "ticket_id": ticket_b.id,
                "company_id": company_b.id,
                "duration_minutes": 60,
                "hourly_rate": 70.0,
            }
        )
        hold._portal_ensure_token()
        self.assertEqual(hold.currency_id, eur)
        page = self.url_open(
            f"/support/pay?hold_id={hold.id}&access_token={hold.access_token}"
        ).text
        self.assertRegex(page, r'id="duration_60"[^>]*data-amount="[^"]*70\.00')
        self.assertIn("€", page)
        response = self._post(
            duration="120",
            name="Anna",
            email=self.customer_contact.email,
            hold_id=str(hold.id),
            access_token=hold.access_token,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(hold.hourly_rate, 70.0)
        self.assertEqual(hold.currency_id, eur)
        self.assertEqual((hold.amount_untaxed, hold.amount), (140.0, 140.0))

    def test_logged_in_customer_and_signed_link_get_own_rate(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/support/pay")
        self.assertIn("100.00", response.text)
        response = self._post(
            duration="60", name="Anna", email=self.customer_contact.email
        )
        self.assertEqual(response.status_code, 303)
        hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
        self.assertEqual(hold.hourly_rate, 100.0)
        # the technician's signed link (hold request e-mail)
        self.authenticate(None, None)
        draft = self._create_hold(minutes=60, rate=100.0)
        draft._portal_ensure_token()
        response = self.url_open(
            f"/support/pay?hold_id={draft.id}&access_token={draft.access_token}"
        )
        self.assertIn("100.00", response.text)
        response = self._post(
            duration="120",
            name="Anna",
            email=self.customer_contact.email,
            hold_id=str(draft.id),
            access_token=draft.access_token,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(draft.hourly_rate, 100.0)
        self.assertEqual(draft.amount, 240.0)  # 2 h at 100.00, 20 % tax included

    def _transaction(self, hold, **params):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "access_token": hold.access_token,
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/x",
                "is_validation": False,
                **params,
            },
        }
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/support/pay/{hold.id}/transaction",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return response.json()

    def test_transaction_decided_by_the_server(self):
        hold = self._create_hold(minutes=60)
        hold._portal_ensure_token()
        transactions = self.env["payment.transaction"].sudo()
        before = transactions.search_count([])
        # a 0.00 validation instead of the hold: refused
        result = self._transaction(hold, is_validation=True)
        self.assertIn("error", result)
        self.assertIn("only an authorisation", json.dumps(result))
        # a published provider that charges at once: refused
        immediate = self.provider.copy(
            {"name": "Immediate", "capture_manually": False, "state": "test"}
        )
        immediate.is_published = True
        result = self._transaction(hold, provider_id=immediate.id)
        self.assertIn("cannot hold an amount", json.dumps(result))
        # a token flow, a foreign method: refused
        self.assertIn("error", self._transaction(hold, flow="token", token_id=1))
        self.assertIn("error", self._transaction(hold, payment_method_id=999999))
        self.assertEqual(transactions.search_count([]), before)
        self.assertFalse(hold.transaction_id)
        # an amount or currency sent by the client is ignored
        result = self._transaction(hold, amount=0.01)
        self.assertIn("result", result)
        tx = hold.transaction_id
        self.assertEqual(tx.amount, hold.amount)
        self.assertEqual(tx.currency_id, hold.currency_id)
        self.assertEqual(tx.operation, "online_direct")
        self.assertEqual(tx.provider_id, self.provider)

    def test_rate_limit_answers_429(self):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("support_billing.public_posts_per_client_hour", 3)
        icp.set_param("support_billing.public_posts_per_email_hour", 2)
        for _i in range(2):
            response = self._post(duration="60", name="A", email="rl@x.test")
            self.assertEqual(response.status_code, 303)
        before = self._counts()
        # the third hold for the same address
        response = self._post(duration="60", name="A", email="rl@x.test")
        self.assertEqual(response.status_code, 429)
        self.assertIn("try again later", response.text.lower())
        self.assertEqual(self._counts(), before)
        # a refused post counts for the client address too
        response = self._post(duration="60", name="A", email="other@x.test")
        self.assertEqual(response.status_code, 303)
        response = self._post(duration="60", name="A", email="third@x.test")
        self.assertEqual(response.status_code, 429)
        # the contact form and the intervention request share the limit
        response = self.url_open(
            "/support/contact",
            data={"csrf_token": self.csrf_token(), "email": "z@x.test"},
        )
        self.assertEqual(response.status_code, 429)
