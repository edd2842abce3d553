# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 25: one charge per invoice, ever, with two real transactions at
once (two registry cursors in two threads) against the Stripe stand-in."""

from datetime import timedelta
from unittest.mock import patch

import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_stripe.controllers.main import StripeController

from .stripe_standin import StripeStandIn
from .test_ticket_pack import ConcurrencyCase

SECRET_KEY = "sk_test_standin"
PROVIDER_LOGGER = "odoo.addons.payment.models.payment_provider"


class AutopayConcurrencyCase(ConcurrencyCase):
    """A committed subscription with a saved Stripe card and its posted
    monthly invoice to charge; everything is removed afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standin = StripeStandIn().start()
        cls.addClassCleanup(cls.standin.stop)
        standin_url = cls.standin.url

        def _build_request_url(self, endpoint, **kwargs):
            return standin_url + endpoint

        cls.startClassPatcher(
            patch.object(
                type(cls.env["payment.provider"]),
                "_build_request_url",
                _build_request_url,
            )
        )

    def setUp(self):
        super().setUp()
        self.ids = {}
        self.addCleanup(self._cleanup)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            card = env.ref("payment.payment_method_card")
            # a provider of its own: Odoo's Stripe record stays untouched
            provider = env.ref("payment.payment_provider_stripe").copy(
                {"name": "Race Stripe"}
            )
            provider.write(
                {
                    "state": "test",
                    "company_id": company.id,
                    "stripe_secret_key": SECRET_KEY,
                    "stripe_publishable_key": "pk_test_standin",
                    "payment_method_ids": [(6, 0, card.ids)],
                    "capture_manually": False,
                }
            )
            self.ids["provider"] = provider.id
            partner = env["res.partner"].create(
                {"name": "Race Card Ltd", "is_company": True, "email": "a@race.test"}
            )
            contact = env["res.partner"].create(
                {"name": "Rae Race", "parent_id": partner.id}
            )
            self.ids["partners"] = (partner | contact).ids
            today = fields.Date.context_today(partner)
            sub = env["support.subscription"].create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "plan_id": env.ref("support_billing.support_plan_all_inclusive").id,
                    "authorized_user_ids": [(6, 0, contact.ids)],
                }
            )
            sub.write(
                {
                    "state": "active",
                    "date_start": today.replace(day=1),
                    "activation_date": today.replace(day=1),
                    "next_invoice_date": today.replace(day=1),
                }
            )
            customer = provider._send_api_request("POST", "customers", data={})
            token = env["payment.token"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": card.id,
                    "partner_id": contact.id,
                    "provider_ref": customer["id"],
                    "stripe_payment_method": "pm_card_visa",
                    "payment_details": "4242",
                }
            )
            sub._support_set_autopay_token(token)
            invoice = sub._invoice_next_period()
            self.ids.update(sub=sub.id, token=token.id, invoice=invoice.id)
            self.assertEqual(invoice.support_autopay_state, "to_charge")
            # no other invoice of the database is due for the cron
            due = env["account.move"].search(
                env["account.move"]._support_autopay_due_domain(today)
            )
            self.assertEqual(due, invoice)
        self.first_request = len(self.standin.requests)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sub = env["support.subscription"].browse(self.ids["sub"])
            invoices = sub.invoice_ids
            txs = invoices.transaction_ids
            payments = txs.payment_id
            payments.filtered(lambda p: p.state != "draft").action_draft()
            payments.unlink()
            invoices.filtered(lambda m: m.state == "posted").button_draft()
            invoices.with_context(force_delete=True).unlink()
            txs.unlink()
            env["payment.token"].browse(self.ids["token"]).unlink()
            sub.unlink()
            env["payment.provider"].browse(self.ids["provider"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def _intents(self):
        return [
            r
            for r in self.standin.requests[self.first_request :]
            if r["method"] == "POST"
            and r["path"].rstrip("/").endswith("payment_intents")
        ]

    @staticmethod
    def _cron(env):
        env["account.move"]._cron_support_autopay()

    def _check_paid_once(self):
        """One successful charge and one payment of the invoice's total."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.ids["invoice"])
            done = invoice.transaction_ids.filtered(lambda t: t.state == "done")
            self.assertEqual(len(done), 1)
            self.assertEqual(done.amount, invoice.amount_total)
            done._post_process()
            self.assertEqual(invoice.payment_state, "paid")
            self.assertEqual(len(invoice.transaction_ids.payment_id), 1)
            return {
                "attempts": len(invoice.support_autopay_attempt_ids),
                "state": invoice.support_autopay_state,
            }


@tagged("post_install", "-at_install")
class TestAutopayConcurrency(AutopayConcurrencyCase):
    def test_charging_cron_on_two_workers(self):
        """Both workers run the charging cron at once: the invoice is
        charged once (one PaymentIntent), the second worker skips the row the
        first holds, without an error."""
        errors = self._race(self._cron, self._cron, replay=False)
        self.assertFalse(errors)
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._check_paid_once(), {"attempts": 1, "state": "paid"})

    def test_pay_now_and_cron_at_once(self):
        """The accountant's "Pay now" waits for the cron's charge, then sees
        it and charges nothing (either order)."""
        results = {}

        def pay_now(env):
            invoice = env["account.move"].browse(self.ids["invoice"])
            results["pay_now"] = invoice._support_autopay_charge(manual=True).ids

        errors = self._race(self._cron, pay_now, hold=False, replay=False)
        self.assertFalse(errors)
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._check_paid_once(), {"attempts": 1, "state": "paid"})

    def test_webhook_and_cron_at_once(self):
        """A declined card is due for a retry while the customer pays the
        invoice online (she opened the page two hours ago): Stripe's webhook
        records her payment while the cron runs.  The cron skips the invoice
        (its row is locked by the payment being recorded) and never charges
        the saved card: one payment."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.ids["invoice"])
            invoice.write(
                {
                    "support_autopay_state": "retrying",
                    "support_autopay_next_date": fields.Date.context_today(invoice),
                }
            )
            provider = env["payment.provider"].browse(self.ids["provider"])
            tx = env["payment.transaction"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment.payment_method_card").id,
                    "reference": f"{invoice.name}-online",
                    "amount": invoice.amount_total,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "operation": "online_direct",
                    "invoice_ids": [(6, 0, invoice.ids)],
                }
            )
            cr.execute(
                "UPDATE payment_transaction SET create_date = %s WHERE id = %s",
                (fields.Datetime.now() - timedelta(hours=2), tx.id),
            )
            intent = tx._stripe_create_intent()
            tx.provider_reference = intent["id"]
            self.ids["online_tx"] = tx.id
        confirmed = self.standin.render_payment_intent(intent["id"])
        self.assertEqual(confirmed["status"], "requires_payment_method")
        # the customer confirms on Stripe's page (Stripe.js)
        response = requests.post(
            f"{self.standin.url}payment_intents/{intent['id']}/confirm",
            data={"payment_method": "pm_card_visa"},
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
            timeout=10,
        )
        self.assertEqual(response.json()["status"], "succeeded")
        self.first_request = len(self.standin.requests)

        def webhook(env):
            tx = env["payment.transaction"].browse(self.ids["online_tx"])
            payment_data = {"reference": tx.reference}
            StripeController._include_payment_intent_in_payment_data(
                self.standin.render_payment_intent(intent["id"]), payment_data
            )
            env["payment.transaction"]._process("stripe", payment_data)

        with mute_logger(PROVIDER_LOGGER):
            errors = self._race(webhook, self._cron, replay=False)
        self.assertFalse(errors)
        self.assertFalse(self._intents(), "the saved card was charged too")
        self.assertEqual(self._check_paid_once()["attempts"], 0)

    def test_lost_answer_then_cron_and_pay_now_at_once(self):
        """Stripe charged the card but its answer was lost; the cron's retry
        and the accountant's "Pay now" run at once: one of them asks Stripe
        and records the payment, the other sees it; no second charge."""
        self.standin.fail_next("payment_intents", "drop")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            with mute_logger(PROVIDER_LOGGER):
                self._cron(env)
            invoice = env["account.move"].browse(self.ids["invoice"])
            self.assertTrue(invoice.support_autopay_attempt_ids.answer_lost)
            self.assertEqual(invoice.support_autopay_state, "retrying")
            # the retry is due today
            invoice.support_autopay_next_date = fields.Date.context_today(invoice)
        self.assertEqual(len(self._intents()), 1)
        self.first_request = len(self.standin.requests)

        def pay_now(env):
            invoice = env["account.move"].browse(self.ids["invoice"])
            invoice._support_autopay_charge(manual=True)

        errors = self._race(self._cron, pay_now, hold=False, replay=False)
        self.assertFalse(errors)
        self.assertFalse(self._intents(), "the card was charged a second time")
        lookups = [
            r
            for r in self.standin.requests[self.first_request :]
            if r["method"] == "GET"
            and r["path"].rstrip("/").endswith("payment_intents")
        ]
        self.assertEqual(len(lookups), 1)
        self.assertEqual(self._check_paid_once(), {"attempts": 1, "state": "paid"})
