# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
from urllib.parse import parse_qs, urlparse

from odoo.tests import HttpCase, tagged

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
        page = " ".join(response.text.lower().split())
        for text in (
            "Pay here",
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
        # the customer's rate: 100 per hour, 20 % sales tax included
        self.assertEqual(hold.amount, 240.0)
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
        self.assertIn("Payer ici", response.text)

    def test_tour_public_page_to_confirmation(self):
        self.start_tour("/support/pay", "support_card_hold_tour")
        hold = self.env["support.card.hold"].search([], order="id desc", limit=1)
        self.assertEqual(hold.partner_id.email, "tour.customer@example.com")
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(hold.captured_amount, 0.0)

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
