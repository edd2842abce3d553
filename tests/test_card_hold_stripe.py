# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Card holds on Stripe, against the project's Stripe stand-in (127.0.0.1)."""

import json
import logging
import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.sql_db import Cursor
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .stripe_standin import StripeStandIn
from .test_card_hold import CardHoldCommon

SECRET_KEY = "sk_test_standin"
WEBHOOK_SECRET = "whsec_standin"


class CardHoldStripeCommon(CardHoldCommon):
    """Card holds whose Stripe calls go to the stand-in (127.0.0.1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standin = StripeStandIn(webhook_secret=WEBHOOK_SECRET).start()
        cls.addClassCleanup(cls.standin.stop)
        # the Stripe account settles in the company's currency
        cls.standin.default_currency = cls.company.currency_id.name.lower()
        cls.stripe = cls.env.ref("payment.payment_provider_stripe").sudo()
        cls.card = cls.env.ref("payment.payment_method_card")
        cls.stripe.write(
            {
                "state": "test",
                "company_id": cls.company.id,
                "stripe_secret_key": SECRET_KEY,
                "stripe_publishable_key": "pk_test_standin",
                "stripe_webhook_secret": WEBHOOK_SECRET,
                "payment_method_ids": [(6, 0, cls.card.ids)],
            }
        )
        provider_class = type(cls.env["payment.provider"])
        standin_url = cls.standin.url

        def _build_request_url(self, endpoint, **kwargs):
            return standin_url + endpoint

        cls.startClassPatcher(
            patch.object(provider_class, "_build_request_url", _build_request_url)
        )

    def setUp(self):
        super().setUp()
        self.first_request = len(self.standin.requests)

    # ------------------------------------------------------------ helpers
    def _stripe_call(self, method, path, **data):
        """What Stripe.js does in the customer's browser."""
        return requests.request(
            method,
            self.standin.url + path,
            data=data,
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
            timeout=10,
        )

    def _stripe_authorize(self, hold, card="pm_card_visa"):
        tx = self._create_hold_transaction(hold, self.stripe, self.card)
        processing_values = tx._get_processing_values()
        intent_id = processing_values["client_secret"].split("_secret")[0]
        response = self._stripe_call(
            "POST", f"payment_intents/{intent_id}/confirm", payment_method=card
        )
        # Odoo's return route: fetch the intent and process it
        intent = tx._send_api_request(
            "GET", f"payment_intents/{intent_id}", data={"expand[]": "payment_method"}
        )
        tx._process(
            "stripe",
            {
                "reference": tx.reference,
                "payment_intent": intent,
                "payment_method": intent.get("payment_method"),
            },
        )
        return tx, intent_id, response

    def _post_webhook(self, event, headers=None):
        body, signed = self.standin.webhook_request(event)
        return self.url_open(
            "/payment/stripe/webhook", data=body, headers={**signed, **(headers or {})}
        )

    def _requests_to(self, fragment):
        """This test's requests to the stand-in whose path contains fragment."""
        return [
            r
            for r in self.standin.requests[self.first_request :]
            if fragment in r["path"]
        ]


@tagged("post_install", "-at_install")
class TestCardHoldStripe(CardHoldStripeCommon, HttpCase):
    # -------------------------------------------------------------- tests
    def test_only_holds_are_authorise_only(self):
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        created = self._requests_to("payment_intents")[0]
        self.assertEqual(created["form"]["capture_method"], "manual")
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(
            self.standin.payment_intents[intent_id]["status"], "requires_capture"
        )
        # an ordinary Stripe payment (an invoice, a pack) stays immediate
        other = tx.copy({"reference": "INV-TEST", "support_card_hold_id": False})
        payload = other._stripe_prepare_payment_intent_payload()
        self.assertEqual(payload["capture_method"], "automatic")
        # Stripe's capture wizard is Odoo's own (full only) for everybody else
        self.assertEqual(self.stripe.support_manual_capture, "full_only")

    def test_metadata_names_the_documents(self):
        """Issue 24, item 1: the intent created for a hold names the hold,
        its ticket, the customer's reference and the Odoo reference; its
        capture adds the invoice made at charge time, to the intent and to
        the charge (Stripe copied the intent's metadata to the charge at the
        confirmation only), which statement imports read."""
        self.customer.ref = "CUST-0042"
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        created = self._requests_to("payment_intents")[0]
        at_creation = {
            "hold_reference": hold.name,
            "ticket_numbers": self.ticket.number,
            "customer_reference": "CUST-0042",
            "odoo_reference": tx.reference,
        }
        self.assertEqual(created["form"]["metadata"], at_creation)
        charge_id = self.standin.payment_intents[intent_id]["latest_charge"]
        self.assertEqual(self.standin.charges[charge_id]["metadata"], at_creation)

        self._log(self.ticket, 30)
        self._charge(hold)
        self.assertTrue(hold.invoice_id.name.startswith("INV/"))
        named = {**at_creation, "invoice_number": hold.invoice_id.name}
        capture = self._requests_to("/capture")
        self.assertEqual(capture[0]["form"]["metadata"], named)
        self.assertEqual(self.standin.payment_intents[intent_id]["metadata"], named)
        update = self._requests_to(f"charges/{charge_id}")
        self.assertEqual(len(update), 1)
        self.assertEqual(update[0]["status"], 200)
        self.assertEqual(self.standin.charges[charge_id]["metadata"], named)
        # the charge's balance transaction: what the statement import reads
        txn = self.standin.balance_transactions[
            self.standin.charges[charge_id]["balance_transaction"]
        ]
        self.assertEqual((txn["amount"], txn["source"]), (6000, charge_id))

    def test_metadata_of_an_invoice_payment(self):
        """An online payment of support invoices names them and their
        tickets (no hold)."""
        self.customer.ref = "CUST-0042"
        self._log(self.ticket, 45)
        invoice = (
            self.env["support.time.entry"]
            .search([("ticket_id", "=", self.ticket.id)])
            ._create_support_invoices(billing_modes=("hold", "time"))
        )
        self.assertEqual(len(invoice), 1)
        invoice.action_post()
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.stripe.id,
                "payment_method_id": self.card.id,
                "reference": "INVPAY-1",
                "amount": invoice.amount_total,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.customer_contact.id,
                "operation": "online_direct",
                "invoice_ids": [(6, 0, invoice.ids)],
            }
        )
        tx._get_processing_values()
        created = self._requests_to("payment_intents")[0]
        self.assertEqual(created["form"]["capture_method"], "automatic")
        self.assertEqual(
            created["form"]["metadata"],
            {
                "invoice_number": invoice.name,
                "ticket_numbers": self.ticket.number,
                "customer_reference": "CUST-0042",
                "odoo_reference": "INVPAY-1",
            },
        )

    def test_hold_240_charge_60_releases_180_at_stripe(self):
        hold = self._create_hold()  # 120 min at 100/h + 20 % = 240.00
        tx, intent_id, _response = self._stripe_authorize(hold)
        created = self._requests_to("payment_intents")[0]
        self.assertEqual(created["form"]["amount"], "24000")
        self._log(self.ticket, 30)  # 50.00 + 10.00
        self._charge(hold)
        capture = self._requests_to("/capture")
        self.assertEqual(len(capture), 1)
        self.assertEqual(capture[0]["form"]["amount_to_capture"], "6000")
        self.assertTrue(capture[0]["headers"].get("Idempotency-Key"))
        self.assertFalse(self._requests_to("/cancel"))  # never cancel after capture
        intent = self.standin.payment_intents[intent_id]
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["amount_received"], 6000)
        self.assertEqual((hold.captured_amount, hold.released_amount), (60.0, 180.0))
        self.assertEqual(hold.state, "captured")
        void = tx.child_transaction_ids.filtered(lambda t: t.state == "cancel")
        self.assertEqual(void.amount, 180.0)
        self.assertEqual(tx.state, "done")
        self.assertIn(hold.invoice_id.payment_state, ("paid", "in_payment"))

    def test_hold_capture_not_through_the_wizard(self):
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        with self.assertRaises(UserError):
            tx.action_capture()
        self.assertEqual(
            self.standin.payment_intents[intent_id]["status"], "requires_capture"
        )
        self.assertFalse(self._requests_to("/capture"))

    def test_ordinary_stripe_payment_captured_in_full(self):
        """Issue 12: a manual capture of an ordinary Stripe payment (not a
        hold) is Odoo's own: full, and the transaction ends done."""
        self.stripe.capture_manually = True
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.stripe.id,
                "payment_method_id": self.card.id,
                "reference": "SO-STRIPE-1",
                "amount": 80.0,
                "currency_id": self.company.currency_id.id,
                "partner_id": self.customer_contact.id,
                "operation": "online_direct",
                "state": "authorized",
                "provider_reference": "pi_ordinary",
            }
        )
        answer = {
            "id": "pi_ordinary",
            "status": "succeeded",
            "amount": 8000,
            "currency": self.company.currency_id.name.lower(),
        }
        provider_class = type(self.env["payment.provider"])
        with patch.object(provider_class, "_send_api_request", return_value=answer):
            tx.action_capture()  # no wizard: Stripe captures in full
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.child_transaction_ids.mapped("state"), ["done"])

    def test_declined_card(self):
        hold = self._create_hold()
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            _tx, _intent_id, response = self._stripe_authorize(
                hold, card="pm_card_chargeDeclined"
            )
        self.assertEqual(response.status_code, 402)
        self.assertEqual(response.json()["error"]["decline_code"], "generic_decline")
        self.assertEqual(hold.state, "error")
        self.assertIn("declined", hold.state_message.lower())
        self.assertFalse(hold.authorized_at)
        self.assertEqual(hold.captured_amount, 0.0)
        with self.assertRaises(UserError):
            hold.with_user(self.accountant).action_charge_time()

    def test_timeout_during_capture_is_safe_to_retry(self):
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, 30)
        self.standin.fail_next("/capture", "drop")
        with mute_logger("odoo.addons.payment.models.payment_provider"):
            hold.with_user(self.accountant).action_charge_time()
        # Stripe captured, Odoo did not hear it: nothing recorded as captured
        self.assertEqual(
            self.standin.payment_intents[intent_id]["amount_received"], 6000
        )
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(hold.captured_amount, 0.0)
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_residual, 60.0)
        # retrying replays Stripe's answer (same idempotency key): one capture
        self._charge(hold)
        captures = self._requests_to("/capture")
        self.assertEqual(len(captures), 2)
        self.assertEqual(
            captures[0]["headers"]["Idempotency-Key"],
            captures[1]["headers"]["Idempotency-Key"],
        )
        self.assertTrue(captures[1]["replayed"])
        self.assertEqual(hold.invoice_id, invoice)
        self.assertEqual((hold.captured_amount, hold.released_amount), (60.0, 180.0))
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_webhook_after_lost_capture_answer(self):
        """Out of order: Stripe's succeeded event arrives before Odoo knows."""
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, 30)
        self.standin.fail_next("/capture", "drop")
        with mute_logger("odoo.addons.payment.models.payment_provider"):
            hold.with_user(self.accountant).action_charge_time()
        [event] = self.standin.events_of("payment_intent.succeeded", intent_id)
        for _i in range(2):  # duplicated delivery
            response = self._post_webhook(event)
            self.assertEqual(response.status_code, 200)
        self.assertEqual((hold.captured_amount, hold.released_amount), (60.0, 180.0))
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "in", hold.transaction_ids.ids)]
        )
        self.assertEqual(len(payments), 1)
        self.assertEqual(payments.amount, 60.0)
        self.assertEqual(hold.invoice_id.amount_residual, 0.0)
        with self.assertRaises(UserError):
            hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(len(self._requests_to("/capture")), 1)

    def test_no_second_payment_while_a_capture_is_in_doubt(self):
        """A capture whose answer was lost (Stripe took 60.00), then the
        customer opens her invoice: it offers no online payment while the
        card's authorisation is linked to it; the late
        ``payment_intent.succeeded`` records the capture once and pays the
        invoice.  The invoice is never paid twice."""
        self.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, 30)
        self.standin.fail_next("/capture", "drop")
        with mute_logger("odoo.addons.payment.models.payment_provider"):
            hold.with_user(self.accountant).action_charge_time()
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_residual, 60.0)
        self.assertEqual(hold.state, "authorized")
        self.assertFalse(invoice._has_to_be_paid())
        # nor by Odoo's invoice payment route, called without the button
        invoice._portal_ensure_token()
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                f"/invoice/transaction/{invoice.id}",
                {
                    "access_token": invoice.access_token,
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "token_id": None,
                    "amount": 60.0,
                    "flow": "direct",
                    "tokenization_requested": False,
                    "landing_route": "/my/invoices",
                    "is_validation": False,
                },
            )
        # nor with the customer's other overdue invoices at once
        self.env.cr.execute(
            "UPDATE account_move SET invoice_date_due = %s WHERE id = %s",
            ("2020-01-31", invoice.id),
        )
        invoice.invalidate_recordset(["invoice_date_due"])
        payer = new_test_user(
            self.env,
            login="sb-portal-payer",
            groups="base.group_portal",
            partner_id=invoice.partner_id.id,
            email=invoice.partner_id.email or "payer@acme.test",
        )
        self.authenticate(payer.login, payer.login)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/invoice/transaction/overdue",
                {
                    "payment_reference": "overdue",
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "token_id": None,
                    "amount": 60.0,
                    "flow": "direct",
                    "tokenization_requested": False,
                    "landing_route": "/my/invoices",
                    "is_validation": False,
                },
            )
        self.authenticate(None, None)
        [event] = self.standin.events_of("payment_intent.succeeded", intent_id)
        self.assertEqual(self._post_webhook(event).status_code, 200)
        self._run_payment_post_processing()
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "in", hold.transaction_ids.ids)]
        )
        self.assertEqual(payments.mapped("amount"), [60.0])
        self.assertEqual((hold.captured_amount, hold.released_amount), (60.0, 180.0))
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertFalse(invoice._has_to_be_paid())
        online = self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids), ("support_card_hold_id", "=", False)]
        )
        self.assertFalse(online)

    def test_duplicate_webhook_changes_nothing_twice(self):
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, 30)
        self._charge(hold)
        [event] = self.standin.events_of("payment_intent.succeeded", intent_id)
        children = tx.child_transaction_ids
        for _i in range(2):
            self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(tx.child_transaction_ids, children)
        self.assertEqual((hold.captured_amount, hold.released_amount), (60.0, 180.0))

    @contextmanager
    def _selected_columns(self):
        """{table: [columns read besides ``id`` by each SELECT of its
        records]}, for the queries run inside the block (the served
        request's included)."""
        columns = defaultdict(list)
        execute = Cursor.execute

        def recording(cursor, query, params=None, log_exceptions=True):
            text = query.code if isinstance(query, SQL) else str(query)
            found = re.match(r'\s*SELECT (.*?) FROM "(\w+)"', text, re.DOTALL)
            if found and found.group(1).startswith(f'"{found.group(2)}"."id"'):
                columns[found.group(2)].append(found.group(1).count(","))
            return execute(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", recording):
            yield columns

    def test_webhook_authorisation_once_and_cheap(self):
        """Issue 16: an authorisation that Odoo learns from Stripe's webhook
        only (the card confirmed at Stripe), delivered twice.  One chatter
        message (the authorisation's, no second one for the status); the
        event is parsed and its transaction found once, and logged as JSON
        (not walked by ``pprint``) with its client secret still masked; the
        first delivery and the replay take a fixed number of queries."""
        hold = self._create_hold()
        tx = self._create_hold_transaction(hold, self.stripe, self.card)
        intent_id = tx._get_processing_values()["client_secret"].split("_secret")[0]
        self._stripe_call(
            "POST",
            f"payment_intents/{intent_id}/confirm",
            payment_method="pm_card_visa",
        )
        [event] = self.standin.events_of(
            "payment_intent.amount_capturable_updated", intent_id
        )
        messages = hold.message_ids
        logger = "odoo.addons.payment_stripe.controllers.main"
        # logging.INFO, not "INFO": Odoo names its level 25 "INFO" as well
        with (
            self.assertLogs(logger, logging.INFO) as logs,
            self.assertQueryCount(29),
            self._selected_columns() as columns,
        ):
            self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(hold.state, "authorized")
        # the note reads the company's language and what mail's reply-to
        # needs: 3 columns of the company (not its 105), the language of its
        # partner (not its 53)
        self.assertLessEqual(max(columns["res_company"], default=0), 3, columns)
        self.assertEqual(columns["res_partner"], [1])
        [message] = hold.message_ids - messages
        self.assertIn("Authorised on the card", message.body)
        [line] = [o for o in logs.output if "Notification received" in o]
        logged = json.loads(line.split("data:\n", 1)[1])
        self.assertEqual(logged["id"], event["id"])
        self.assertEqual(
            logged["data"]["object"]["client_secret"], "[REDACTED]", "still masked"
        )
        with self.assertQueryCount(5):
            self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(hold.message_ids - messages, message)
        self.assertEqual(hold.transaction_ids, tx)

    def test_webhook_signature_refused(self):
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self.standin.advance(days=7)
        [event] = self.standin.events_of("payment_intent.canceled", intent_id)
        with mute_logger("odoo.addons.payment_stripe.controllers.main", "odoo.http"):
            bad = self._post_webhook(event, headers={"Stripe-Signature": "t=1,v1=00"})
            self.assertEqual(bad.status_code, 403)
            unsigned_body, _headers = self.standin.webhook_request(event)
            unsigned = self.url_open(
                "/payment/stripe/webhook",
                data=unsigned_body,
                headers={"Content-Type": "application/json"},
            )
            self.assertNotEqual(unsigned.status_code, 200)
            # no secret configured: everything is refused
            self.stripe.stripe_webhook_secret = False
            self.assertEqual(self._post_webhook(event).status_code, 403)
        self.assertEqual(hold.state, "authorized")

    def test_expiry_by_stripe_then_cron(self):
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self.standin.advance(days=7)
        [event] = self.standin.events_of("payment_intent.canceled", intent_id)
        self.assertEqual(event["data"]["object"]["cancellation_reason"], "automatic")
        self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(hold.state, "expired")
        self.assertEqual(hold.released_amount, 240.0)
        # the cron finds nothing to do, and a repeated event changes nothing
        self._run_expiry_cron()
        self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(hold.state, "expired")
        self.assertFalse(self._requests_to("/cancel"))

    def test_release_sends_cancel_to_stripe(self):
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        hold.with_user(self.accountant).action_release()
        self.assertEqual(self.standin.payment_intents[intent_id]["status"], "canceled")
        self.assertEqual(hold.state, "released")
        # Stripe's canceled event afterwards changes nothing
        [event] = self.standin.events_of("payment_intent.canceled", intent_id)
        self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(hold.state, "released")
        json.dumps(event)  # the stand-in's events are plain JSON

    def test_void_replayed_on_a_cancelled_intent(self):
        """Stripe cancelled the intent (7 days) and its event was lost: the
        cron's void finds it cancelled and ends the hold consistently."""
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        self.standin.advance(days=7)
        later = fields.Datetime.now() + timedelta(days=6, hours=1)
        with (
            freeze_time(later),
            mute_logger("odoo.addons.payment.models.payment_provider"),
        ):
            self._run_expiry_cron()
        self.assertEqual(self.standin.payment_intents[intent_id]["status"], "canceled")
        cancels = self._requests_to("/cancel")
        self.assertEqual(len(cancels), 1)
        self.assertTrue(cancels[0]["headers"].get("Idempotency-Key"))
        self.assertEqual(hold.state, "expired")
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(hold.released_amount, 240.0)
        self.assertEqual(hold.captured_amount, 0.0)

    def test_void_whose_answer_was_lost(self):
        """The cancel went through at Stripe but its answer was lost: Odoo
        reads the intent back and records the release, once."""
        hold = self._create_hold()
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self.standin.fail_next("/cancel", "drop")
        with mute_logger("odoo.addons.payment.models.payment_provider"):
            hold.with_user(self.accountant).action_release()
        self.assertEqual(self.standin.payment_intents[intent_id]["status"], "canceled")
        cancels = self._requests_to("/cancel")
        self.assertEqual(len(cancels), 1)
        self.assertTrue(cancels[0]["headers"].get("Idempotency-Key"))
        self.assertEqual(hold.state, "released")
        self.assertEqual(hold.released_amount, 240.0)
        [event] = self.standin.events_of("payment_intent.canceled", intent_id)
        self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(hold.state, "released")

    def test_webhook_of_another_system_is_acknowledged(self):
        """Issue 13: a signed event this database does not know (another
        system on the same Stripe account) gets 200 and changes nothing;
        unsigned, badly signed or with no secret configured it gets 403."""
        event = {
            "id": "evt_other_system",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": self.standin.now(),
            "data": {
                "object": {
                    "id": "pi_other_system",
                    "object": "payment_intent",
                    "description": "SHOP-OTHER-42",
                    "status": "succeeded",
                    "amount": 1000,
                    "currency": "eur",
                }
            },
        }
        txs_before = self.env["payment.transaction"].search_count([])
        self.assertEqual(self._post_webhook(event).status_code, 200)
        unhandled = dict(event, type="customer.created", id="evt_customer")
        self.assertEqual(self._post_webhook(unhandled).status_code, 200)
        self.assertEqual(self.env["payment.transaction"].search_count([]), txs_before)
        body, headers = self.standin.webhook_request(event)
        with mute_logger("odoo.http"):
            forged = self.url_open(
                "/payment/stripe/webhook",
                data=body,
                headers={**headers, "Stripe-Signature": "t=1,v1=00"},
            )
            self.assertEqual(forged.status_code, 403)
            other_secret = self.standin.sign(body, secret="whsec_someone_else")
            wrong = self.url_open(
                "/payment/stripe/webhook",
                data=body,
                headers={**headers, "Stripe-Signature": other_secret},
            )
            self.assertEqual(wrong.status_code, 403)
            unsigned = self.url_open(
                "/payment/stripe/webhook",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            self.assertEqual(unsigned.status_code, 403)
            self.stripe.stripe_webhook_secret = False
            self.assertEqual(self._post_webhook(event).status_code, 403)
