# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 25: a charge whose answer from Stripe was lost is asked about,
never made twice; the collection state is the engine's only; credit notes,
cancellation, reset to draft and unreconciliation around an automatic
charge.  A 20 % tax mapped to 10 % by the customer's fiscal position: 3
users, 100.00 + 20.00 untaxed, 132.00 a month."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_stripe.controllers.main import StripeController

from .test_autopay import PROVIDER_LOGGER, AutopayCommon


class AutopayAccountingCommon(AutopayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tax_20 = cls.plan.product_id.taxes_id
        cls.tax_10 = cls.env["account.tax"].create(
            {
                "name": "VAT 10 %",
                "amount": 10,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": cls.company.id,
            }
        )
        cls.fiscal_position = cls.env["account.fiscal.position"].create(
            {"name": "Reduced rate", "company_id": cls.company.id}
        )
        cls.tax_10.fiscal_position_ids = cls.fiscal_position
        cls.tax_10.original_tax_ids = tax_20
        cls.customer.with_company(
            cls.company
        ).property_account_position_id = cls.fiscal_position

    def setUp(self):
        super().setUp()
        with self.standin.lock:
            self.known_intents = set(self.standin.payment_intents)

    def _charged_invoice_to_come(self, card="pm_card_visa"):
        sub = self._subscription_with_card(card)
        invoice = self._next_invoice(sub)
        self.assertEqual(invoice.fiscal_position_id, self.fiscal_position)
        self.assertEqual(invoice.amount_untaxed, 120.0)
        self.assertEqual(invoice.amount_tax, 12.0)
        self.assertEqual(invoice.amount_total, 132.0)
        self.assertEqual(invoice.support_autopay_state, "to_charge")
        return sub, invoice

    def _money_at_stripe(self):
        """``(count, minor units)`` of this test's PaymentIntents that took
        money at the stand-in."""
        with self.standin.lock:
            taken = [
                intent["amount_received"]
                for intent_id, intent in self.standin.payment_intents.items()
                if intent_id not in self.known_intents
                and intent["status"] == "succeeded"
            ]
        return len(taken), sum(taken)

    def _payments(self, invoice):
        return self.env["account.payment"].search(
            [("payment_transaction_id.invoice_ids", "in", invoice.ids)]
        )

    def _lookups(self):
        return [
            r
            for r in self.standin.requests[self.first_request :]
            if r["method"] == "GET"
            and r["path"].rstrip("/").endswith("payment_intents")
        ]

    def _reverse(self, invoice, keep=None):
        """The accountant's "Credit Note" wizard; ``keep``: the product whose
        line alone is credited (a partial credit note)."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Test"})
        )
        action = wizard.reverse_moves()
        credit = (
            self.env["account.move"].browse(action.get("res_id")) or wizard.new_move_ids
        )
        if keep:
            credit.invoice_line_ids.filtered(
                lambda line: line.product_id != keep
            ).unlink()
        credit.action_post()
        return credit

    def _receivable(self, moves):
        return moves.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _pay_now(self, invoice):
        with mute_logger(PROVIDER_LOGGER):
            return invoice.with_user(self.accountant).action_support_autopay_now()


@tagged("post_install", "-at_install")
class TestAutopayLostAnswer(AutopayAccountingCommon, HttpCase):
    def test_lost_answer_then_cron_retry_charges_once(self):
        """Stripe charged the card but its answer was lost: the retry asks
        Stripe, finds the payment and records it on the first attempt's
        transaction; the card is charged once, one payment of 132.00."""
        _sub, invoice = self._charged_invoice_to_come()
        day = invoice.invoice_date
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(day)
        attempt = invoice.support_autopay_attempt_ids
        self.assertEqual((attempt.outcome, attempt.answer_lost), ("error", True))
        self.assertEqual(attempt.transaction_id.state, "error")
        self.assertEqual(invoice.support_autopay_state, "retrying")
        self.assertEqual(self._money_at_stripe(), (1, 13200), "Stripe did charge")
        self.assertFalse(self._mails(invoice))

        self._run_autopay(day + timedelta(days=1))
        self.assertEqual(len(self._intents()), 1, "no second charge request")
        self.assertEqual(len(self._lookups()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertEqual(invoice.support_autopay_attempt_ids, attempt)
        self.assertEqual((attempt.outcome, attempt.answer_lost), ("succeeded", False))
        self.assertEqual(attempt.transaction_id.state, "done")
        self.assertEqual(invoice.support_autopay_state, "paid")
        self.assertFalse(invoice.support_autopay_next_date)
        self._post_process()
        payments = self._payments(invoice)
        self.assertEqual(len(payments), 1)
        self.assertEqual(payments.amount, 132.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 0.0)
        # later runs: nothing more
        self._run_autopay(day + timedelta(days=3))
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertEqual(len(self._payments(invoice)), 1)

    def test_lost_answer_then_stripe_webhook(self):
        """Stripe's ``payment_intent.succeeded`` arrives after the lost
        answer: the attempt is settled by it, the next run charges nothing."""
        _sub, invoice = self._charged_invoice_to_come()
        day = invoice.invoice_date
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(day)
        attempt = invoice.support_autopay_attempt_ids
        self.assertTrue(attempt.answer_lost)
        [event] = [
            e
            for e in self.standin.events_of("payment_intent.succeeded")
            if e["data"]["object"]["id"] not in self.known_intents
            and e["data"]["object"]["description"] == attempt.transaction_id.reference
        ]
        payment_data = {"reference": attempt.transaction_id.reference}
        StripeController._include_payment_intent_in_payment_data(
            event["data"]["object"], payment_data
        )
        self.env["payment.transaction"].sudo()._process("stripe", payment_data)
        self.assertEqual((attempt.outcome, attempt.answer_lost), ("succeeded", False))
        self._run_autopay(day + timedelta(days=1))
        self.assertEqual(len(self._intents()), 1)
        self.assertFalse(self._lookups())
        self._post_process()
        self.assertEqual(self._payments(invoice).mapped("amount"), [132.0])
        self.assertEqual(invoice.support_autopay_state, "paid")
        self.assertEqual(self._money_at_stripe(), (1, 13200))

    def test_lost_answer_of_a_declined_charge_retries_normally(self):
        _sub, invoice = self._charged_invoice_to_come(
            "pm_card_chargeDeclinedInsufficientFunds"
        )
        day = invoice.invoice_date
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(day)
        first = invoice.support_autopay_attempt_ids
        self.assertTrue(first.answer_lost)
        self.assertFalse(self._mails(invoice), "a lost answer is not a decline")

        self._run_autopay(day + timedelta(days=1))
        first, second = invoice.support_autopay_attempt_ids.sorted("attempt_number")
        self.assertEqual(
            (first.outcome, first.decline_code, first.answer_lost),
            ("declined", "insufficient_funds", False),
        )
        self.assertEqual(
            (second.attempt_number, second.outcome, second.decline_code),
            (2, "declined", "insufficient_funds"),
        )
        self.assertEqual(len(self._intents()), 2)
        self.assertNotEqual(
            self._intents()[0]["headers"]["Idempotency-Key"],
            self._intents()[1]["headers"]["Idempotency-Key"],
        )
        self.assertEqual(self._money_at_stripe(), (0, 0))
        self.assertEqual(invoice.support_autopay_state, "retrying")
        self.assertEqual(invoice.support_autopay_next_date, day + timedelta(days=3))
        self.assertEqual(len(self._mails(invoice)), 1)
        self.assertEqual(invoice.amount_residual, 132.0)

    def test_pay_now_after_a_lost_answer(self):
        _sub, invoice = self._charged_invoice_to_come()
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(invoice.invoice_date)
        self.assertTrue(invoice.support_autopay_attempt_ids.answer_lost)
        self._pay_now(invoice)
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertEqual(len(invoice.support_autopay_attempt_ids), 1)
        self.assertEqual(invoice.support_autopay_state, "paid")
        with self.assertRaises(UserError):
            self._pay_now(invoice)
        self._post_process()
        self.assertEqual(self._payments(invoice).mapped("amount"), [132.0])
        self.assertEqual(invoice.payment_state, "paid")

    def test_pay_now_waits_for_a_recent_lost_answer(self):
        """Stripe's 500 before doing anything: until the answer may still be
        under way, "Pay now" refuses; afterwards it charges, once."""
        _sub, invoice = self._charged_invoice_to_come()
        start = datetime.combine(invoice.invoice_date, datetime.min.time())
        self.standin.fail_next("payment_intents", "error500")
        with freeze_time(start):
            self._pay_now(invoice)
        self.assertTrue(invoice.support_autopay_attempt_ids.answer_lost)
        with freeze_time(start + timedelta(minutes=1)), self.assertRaises(UserError):
            self._pay_now(invoice)
        self.assertEqual(len(self._intents()), 1)
        with freeze_time(start + timedelta(minutes=10)):
            self._pay_now(invoice)
        self.env.invalidate_all()
        first, second = invoice.support_autopay_attempt_ids.sorted("attempt_number")
        self.assertEqual((first.outcome, first.answer_lost), ("error", False))
        self.assertEqual(second.outcome, "succeeded")
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertEqual(invoice.support_autopay_state, "paid")

    def test_stripe_out_of_reach_charges_nothing(self):
        _sub, invoice = self._charged_invoice_to_come()
        day = invoice.invoice_date
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(day)
        self.standin.fail_next("payment_intents", "error500")  # the look-up
        with mute_logger("odoo.addons.support_billing.models.account_move"):
            self._run_autopay(day + timedelta(days=1))
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(invoice.support_autopay_state, "retrying")
        self.assertTrue(invoice.support_autopay_attempt_ids.answer_lost)
        self._run_autopay(day + timedelta(days=2))
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertEqual(invoice.support_autopay_state, "paid")

    def test_cancel_waits_for_stripe_after_a_lost_answer(self):
        """Stripe charged the card, its answer was lost: cancelling or
        resetting the invoice is refused until Stripe is asked; *Ask Stripe*
        records Stripe's payment and charges nothing."""
        _sub, invoice = self._charged_invoice_to_come()
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(invoice.invoice_date)
        self.assertTrue(invoice.support_autopay_answer_lost)
        as_accountant = invoice.with_user(self.accountant)
        for action in (as_accountant.button_cancel, as_accountant.button_draft):
            with self.assertRaisesRegex(UserError, "Ask Stripe"):
                action()
            self.assertEqual(invoice.state, "posted")
        with mute_logger(PROVIDER_LOGGER):
            as_accountant.action_support_autopay_check()
        invoice.invalidate_recordset()
        self.assertEqual(len(self._intents()), 1, "asking Stripe charges nothing")
        self.assertEqual(len(self._lookups()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertFalse(invoice.support_autopay_answer_lost)
        self.assertEqual(invoice.support_autopay_state, "paid")
        self._post_process()
        self.assertEqual(self._payments(invoice).mapped("amount"), [132.0])
        self.assertEqual(invoice.payment_state, "paid")
        with self.assertRaises(UserError):  # nothing left to ask
            as_accountant.action_support_autopay_check()

    def test_ask_stripe_when_nothing_was_taken_then_cancel(self):
        """Stripe's 500 before doing anything: *Ask Stripe* finds no payment,
        the invoice may then be cancelled and is charged no more."""
        _sub, invoice = self._charged_invoice_to_come()
        start = datetime.combine(invoice.invoice_date, datetime.min.time())
        self.standin.fail_next("payment_intents", "error500")
        with freeze_time(start):
            self._pay_now(invoice)
        self.assertTrue(invoice.support_autopay_answer_lost)
        as_accountant = invoice.with_user(self.accountant)
        with freeze_time(start + timedelta(minutes=10)):
            as_accountant.action_support_autopay_check()
        invoice.invalidate_recordset()
        self.assertFalse(invoice.support_autopay_answer_lost)
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (0, 0))
        as_accountant.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(invoice.support_autopay_state, "stopped")
        self._run_autopay(invoice.invoice_date + timedelta(days=1))
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (0, 0))

    def test_ask_stripe_is_for_accountants(self):
        _sub, invoice = self._charged_invoice_to_come()
        self.standin.fail_next("payment_intents", "drop")
        self._run_autopay(invoice.invoice_date)
        with self.assertRaises(AccessError):
            invoice.with_user(self.technician).action_support_autopay_check()
        self.assertTrue(invoice.support_autopay_answer_lost)
        self.assertEqual(len(self._lookups()), 0)


@tagged("post_install", "-at_install")
class TestAutopayAccounting(AutopayAccountingCommon, HttpCase):
    def test_collection_state_protected_and_tracked(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        _sub, invoice = self._charged_invoice_to_come()
        as_accountant = invoice.with_user(self.accountant)
        for vals in (
            {"support_autopay_state": "paid"},
            {"support_autopay_next_date": "2030-06-01"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_accountant.write(vals)
        with self.assertRaises(AccessError) as caught:
            as_accountant.with_context(lang="fr_FR").write(
                {"support_autopay_state": "paid"}
            )
        self.assertIn("ne peut être défini que par", str(caught.exception))
        self.assertEqual(invoice.support_autopay_state, "to_charge")

        self._run_autopay(invoice.invoice_date)
        self.assertEqual(invoice.support_autopay_state, "paid")
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "support_autopay_state"
        )
        self.assertEqual(
            sorted(
                zip(
                    tracked.mapped("old_value_char"),
                    tracked.mapped("new_value_char"),
                    strict=True,
                )
            ),
            [("To charge", "Paid by card")],
        )

    def test_full_credit_note_after_the_charge(self):
        _sub, invoice = self._charged_invoice_to_come()
        day = invoice.invoice_date
        self._run_autopay(day)
        self._post_process()
        self.assertEqual(invoice.payment_state, "paid")
        credit = self._reverse(invoice)
        self.assertEqual(credit.amount_total, 132.0)
        self.assertEqual(credit.amount_tax, 12.0)
        self.assertFalse(credit.support_autopay_state)
        self.assertEqual(invoice.support_autopay_state, "paid")
        for later in (1, 3, 7):
            self._run_autopay(day + timedelta(days=later))
        with self.assertRaises(UserError):
            self._pay_now(invoice)
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self.assertEqual(len(self._payments(invoice)), 1)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(credit.amount_residual, 132.0, "refunded by a decision")

    def test_partial_credit_note_before_the_charge(self):
        _sub, invoice = self._charged_invoice_to_come()
        credit = self._reverse(invoice, keep=self.plan.extra_user_product_id)
        self.assertEqual(credit.amount_total, 22.0)
        self._receivable(invoice | credit).reconcile()
        self.assertEqual(invoice.amount_residual, 110.0)
        self.assertEqual(invoice.payment_state, "partial")
        self._run_autopay(invoice.invoice_date)
        [intent] = self._intents()
        self.assertEqual(intent["form"]["amount"], "11000")
        self.assertEqual(self._money_at_stripe(), (1, 11000))
        self.assertEqual(invoice.support_autopay_attempt_ids.amount, 110.0)
        self._post_process()
        self.assertEqual(self._payments(invoice).mapped("amount"), [110.0])
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_cancel_reset_to_draft_and_post_again(self):
        _sub, invoice = self._charged_invoice_to_come()
        day = invoice.invoice_date
        as_accountant = invoice.with_user(self.accountant)
        as_accountant.button_cancel()
        self.assertEqual(invoice.support_autopay_state, "stopped")
        self._run_autopay(day)
        self.assertFalse(self._intents())
        as_accountant.button_draft()
        self._run_autopay(day)
        self.assertFalse(self._intents())
        as_accountant.action_post()
        self.assertEqual(invoice.support_autopay_state, "to_charge")
        self._run_autopay(day)
        self._run_autopay(day + timedelta(days=1))
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(invoice.support_autopay_attempt_ids.attempt_number, 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        self._post_process()
        self.assertEqual(self._payments(invoice).mapped("amount"), [132.0])

    def test_cancel_stops_a_scheduled_retry(self):
        _sub, invoice = self._charged_invoice_to_come("pm_card_chargeDeclined")
        day = invoice.invoice_date
        self._run_autopay(day)
        self.assertEqual(invoice.support_autopay_state, "retrying")
        as_accountant = invoice.with_user(self.accountant)
        as_accountant.button_cancel()
        self.assertEqual(invoice.support_autopay_state, "stopped")
        self.assertFalse(invoice.support_autopay_next_date)
        self._run_autopay(day + timedelta(days=1))
        self._run_autopay(day + timedelta(days=3))
        self.assertEqual(len(self._intents()), 1)
        # posted again: the next attempt has the next number and its own key
        as_accountant.button_draft()
        as_accountant.action_post()
        self._run_autopay(day + timedelta(days=3))
        numbers = invoice.support_autopay_attempt_ids.mapped("attempt_number")
        self.assertEqual(sorted(numbers), [1, 2])
        keys = {r["headers"]["Idempotency-Key"] for r in self._intents()}
        self.assertEqual(len(keys), 2)
        self.assertEqual(self._money_at_stripe(), (0, 0))

    def test_unreconciled_payment_is_not_charged_again(self):
        _sub, invoice = self._charged_invoice_to_come()
        day = invoice.invoice_date
        self._run_autopay(day)
        self._post_process()
        payment = self._payments(invoice)
        self.assertEqual(payment.amount, 132.0)
        self._receivable(invoice).with_user(self.accountant).remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, 132.0)
        self.assertEqual(invoice.support_autopay_state, "paid")
        for later in (1, 3, 7):
            self._run_autopay(day + timedelta(days=later))
        with self.assertRaises(UserError):
            self._pay_now(invoice)
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(self._money_at_stripe(), (1, 13200))
        # the accountant's decision: the payment is matched again
        self._receivable(invoice | payment.move_id).reconcile()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._payments(invoice), payment)
