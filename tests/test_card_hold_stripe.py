# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Card holds on Stripe, against the project's Stripe stand-in (127.0.0.1)."""

import json
from unittest.mock import patch

import requests

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .stripe_standin import StripeStandIn
from .test_card_hold import CardHoldCommon

SECRET_KEY = "sk_test_standin"
WEBHOOK_SECRET = "whsec_standin"


@tagged("post_install", "-at_install")
class TestCardHoldStripe(CardHoldCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standin = StripeStandIn(webhook_secret=WEBHOOK_SECRET).start()
        cls.addClassCleanup(cls.standin.stop)
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
        self.assertEqual(self.stripe.support_manual_capture, "partial")

    def test_hold_200_charge_50_releases_150_at_stripe(self):
        hold = self._create_hold()  # 120 min at 100/h = 200.00
        tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, 30)  # 50.00
        hold.with_user(self.accountant).action_charge_time()
        capture = self._requests_to("/capture")
        self.assertEqual(len(capture), 1)
        self.assertEqual(capture[0]["form"]["amount_to_capture"], "5000")
        self.assertTrue(capture[0]["headers"].get("Idempotency-Key"))
        self.assertFalse(self._requests_to("/cancel"))  # never cancel after capture
        intent = self.standin.payment_intents[intent_id]
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["amount_received"], 5000)
        self.assertEqual((hold.captured_amount, hold.released_amount), (50.0, 150.0))
        self.assertEqual(hold.state, "partial")
        void = tx.child_transaction_ids.filtered(lambda t: t.state == "cancel")
        self.assertEqual(void.amount, 150.0)
        self.assertEqual(tx.state, "done")
        self.assertEqual(hold.invoice_id.payment_state in ("paid", "in_payment"), True)

    def test_capture_wizard_partial(self):
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        action = tx.action_capture()
        self.assertEqual(action["res_model"], "payment.capture.wizard")
        wizard = (
            self.env["payment.capture.wizard"]
            .with_context(**action["context"])
            .create({"amount_to_capture": 25.0})
        )
        wizard.action_capture()
        self.assertEqual(
            self.standin.payment_intents[intent_id]["amount_received"], 2500
        )
        self.assertEqual((hold.captured_amount, hold.released_amount), (25.0, 175.0))
        self.assertFalse(self._requests_to("/cancel"))

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
            self.standin.payment_intents[intent_id]["amount_received"], 5000
        )
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(hold.captured_amount, 0.0)
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_residual, 50.0)
        # retrying replays Stripe's answer (same idempotency key): one capture
        hold.with_user(self.accountant).action_charge_time()
        captures = self._requests_to("/capture")
        self.assertEqual(len(captures), 2)
        self.assertEqual(
            captures[0]["headers"]["Idempotency-Key"],
            captures[1]["headers"]["Idempotency-Key"],
        )
        self.assertTrue(captures[1]["replayed"])
        self.assertEqual(hold.invoice_id, invoice)
        self.assertEqual((hold.captured_amount, hold.released_amount), (50.0, 150.0))
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
        self.assertEqual((hold.captured_amount, hold.released_amount), (50.0, 150.0))
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "in", hold.transaction_ids.ids)]
        )
        self.assertEqual(len(payments), 1)
        self.assertEqual(payments.amount, 50.0)
        self.assertEqual(hold.invoice_id.amount_residual, 0.0)
        with self.assertRaises(UserError):
            hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(len(self._requests_to("/capture")), 1)

    def test_duplicate_webhook_changes_nothing_twice(self):
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, 30)
        hold.with_user(self.accountant).action_charge_time()
        [event] = self.standin.events_of("payment_intent.succeeded", intent_id)
        children = tx.child_transaction_ids
        for _i in range(2):
            self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertEqual(tx.child_transaction_ids, children)
        self.assertEqual((hold.captured_amount, hold.released_amount), (50.0, 150.0))

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
        self.assertEqual(hold.released_amount, 200.0)
        # the cron finds nothing to do, and a repeated event changes nothing
        self.env["support.card.hold"]._cron_expire_holds()
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
