# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 25: a subscription's monthly invoices paid by the customer's saved
card, off-session, against the project's Stripe stand-in (127.0.0.1)."""

import hashlib
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_stripe.controllers.main import StripeController

from .stripe_standin import StripeStandIn
from .test_subscription import SubscriptionCommon

SECRET_KEY = "sk_test_standin"
WEBHOOK_SECRET = "whsec_standin"
MOVE_LOGGER = "odoo.addons.support_billing.models.account_move"
#: Odoo logs Stripe's 402 answer (a declined card) as an error
PROVIDER_LOGGER = "odoo.addons.payment.models.payment_provider"


class AutopayCommon(SubscriptionCommon):
    """Active subscriptions of 3 users (100.00 + 20.00, 20 % tax: 144.00 a
    month) whose saved Stripe card pays each monthly invoice."""

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
                "allow_tokenization": True,
            }
        )
        provider_class = type(cls.env["payment.provider"])
        standin_url = cls.standin.url

        def _build_request_url(self, endpoint, **kwargs):
            return standin_url + endpoint

        cls.startClassPatcher(
            patch.object(provider_class, "_build_request_url", _build_request_url)
        )
        tax = cls.env["account.tax"].create(
            {
                "name": "VAT 20 %",
                "amount": 20,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": cls.company.id,
            }
        )
        (cls.plan.product_id | cls.plan.extra_user_product_id).write(
            {"taxes_id": [(6, 0, tax.ids)]}
        )
        cls.customer.email = "billing@acme.test"
        cls.users = cls.customer_contact | cls.customer_contact2 | cls.outsider

    def setUp(self):
        super().setUp()
        self.first_request = len(self.standin.requests)

    # ------------------------------------------------------------ helpers
    @classmethod
    def _token(cls, card="pm_card_visa", partner=None):
        """A card the customer saved at Stripe (what Odoo's tokenization
        makes): a Stripe customer and its payment method."""
        partner = partner or cls.customer_contact
        customer = cls.stripe._send_api_request(
            "POST", "customers", data={"name": partner.name}
        )
        return cls.env["payment.token"].create(
            {
                "provider_id": cls.stripe.id,
                "payment_method_id": cls.card.id,
                "partner_id": partner.id,
                "provider_ref": customer["id"],
                "stripe_payment_method": card,
                "payment_details": "4242",
            }
        )

    def _subscription_with_card(self, card="pm_card_visa"):
        sub = self._active_subscription(users=self.users)
        sub._support_set_autopay_token(self._token(card))
        return sub

    def _next_invoice(self, sub):
        """The monthly run issues (and posts) the next invoice."""
        with freeze_time(sub.next_invoice_date):
            self._run_cron()
        return sub.invoice_ids.sorted("id")[-1]

    def _run_autopay(self, day):
        """The charging cron on ``day``, its per-invoice commits recorded
        instead of done (a test cursor cannot commit)."""
        commits = []
        cron_class = type(self.env["ir.cron"])
        with (
            freeze_time(day),
            mute_logger(PROVIDER_LOGGER),
            patch.object(
                cron_class,
                "_commit_progress",
                lambda _self, processed=0, remaining=None, deactivate=False: (
                    commits.append((processed, remaining)) or 1.0
                ),
            ),
        ):
            self.env["account.move"]._cron_support_autopay()
        self.env.invalidate_all()
        return commits

    def _post_process(self):
        """Odoo's post-processing cron (triggered by a successful charge):
        records the payment; its commits are flushes here."""
        with patch.object(self.env.cr, "commit", self.env.flush_all):
            self.env["payment.transaction"]._cron_post_process()
        self.env.invalidate_all()

    def _intents(self):
        """This test's PaymentIntents created at the stand-in."""
        return [
            r
            for r in self.standin.requests[self.first_request :]
            if r["method"] == "POST"
            and r["path"].rstrip("/").endswith("payment_intents")
        ]

    def _mails(self, invoice):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)], order="id"
        )


@tagged("post_install", "-at_install")
class TestAutopay(AutopayCommon, HttpCase):
    def test_monthly_invoice_paid_by_saved_card(self):
        sub = self._subscription_with_card()
        invoice = self._next_invoice(sub)
        self.assertEqual(invoice.amount_total, 144.0)
        self.assertEqual(invoice.support_autopay_state, "to_charge")
        self.assertFalse(self._intents(), "posting never charges inside invoicing")

        commits = self._run_autopay(invoice.invoice_date)
        self.assertEqual(commits, [(1, 0)])
        intents = self._intents()
        self.assertEqual(len(intents), 1)
        form = intents[0]["form"]
        self.assertEqual(form["amount"], "14400")
        self.assertEqual(form["off_session"], "True")
        self.assertEqual(form["confirm"], "True")
        self.assertEqual(form["payment_method"], "pm_card_visa")
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        self.assertEqual(
            intents[0]["headers"].get("Idempotency-Key"),
            hashlib.sha1(f"{uuid}support_autopay/{invoice.id}/1".encode()).hexdigest(),
        )
        intent = self.standin.payment_intents[intents[0]["body"]["id"]]
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["amount_received"], 14400)

        attempt = invoice.support_autopay_attempt_ids
        self.assertEqual(attempt.outcome, "succeeded")
        self.assertEqual(attempt.attempt_number, 1)
        self.assertEqual(attempt.amount, 144.0)
        self.assertEqual(attempt.transaction_id.operation, "offline")
        self.assertEqual(attempt.transaction_id.state, "done")
        self.assertEqual(invoice.support_autopay_state, "paid")
        self._post_process()
        self.assertEqual(invoice.payment_state, "paid")
        payments = attempt.transaction_id.payment_id
        self.assertEqual(len(payments), 1)
        self.assertEqual(payments.amount, 144.0)
        self.assertFalse(self._mails(invoice), "no e-mail when the card paid")

        # the cron again, "Pay now", a replayed webhook: nothing more
        self._run_autopay(invoice.invoice_date + timedelta(days=1))
        with self.assertRaises(UserError):
            invoice.with_user(self.accountant).action_support_autopay_now()
        tx = attempt.transaction_id
        payment_data = {"reference": tx.reference}
        StripeController._include_payment_intent_in_payment_data(
            self.standin.render_payment_intent(intent["id"]), payment_data
        )
        self.env["payment.transaction"].sudo()._process("stripe", payment_data)
        self._post_process()
        self.assertEqual(len(self._intents()), 1)
        self.assertEqual(len(invoice.support_autopay_attempt_ids), 1)
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("payment_transaction_id.invoice_ids", "in", invoice.ids)]
            ),
            1,
        )
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_declined_retried_on_schedule_then_exhausted(self):
        sub = self._subscription_with_card("pm_card_chargeDeclinedInsufficientFunds")
        invoice = self._next_invoice(sub)
        day = invoice.invoice_date
        exhausted = []
        move_class = type(self.env["account.move"])
        with patch.object(
            move_class,
            "_support_autopay_exhausted",
            lambda moves: exhausted.append(moves.ids) or True,
        ):
            expected = [
                (day, day + timedelta(days=1)),
                (day + timedelta(days=1), day + timedelta(days=3)),
                (day + timedelta(days=3), day + timedelta(days=7)),
                (day + timedelta(days=7), False),
            ]
            for number, (run_day, next_day) in enumerate(expected, start=1):
                if number > 1:  # the day before a retry is due: no charge
                    self._run_autopay(run_day - timedelta(days=1))
                    self.assertEqual(len(self._intents()), number - 1)
                self._run_autopay(run_day)
                self.assertEqual(len(self._intents()), number)
                attempt = invoice._support_autopay_last_attempt()
                self.assertEqual(attempt.attempt_number, number)
                self.assertEqual(attempt.outcome, "declined")
                self.assertEqual(attempt.decline_code, "insufficient_funds")
                self.assertEqual(
                    attempt.decline_reason, "The card has insufficient funds."
                )
                self.assertEqual(attempt.next_attempt_date or False, next_day)
                self.assertEqual(invoice.support_autopay_next_date or False, next_day)
                self.assertEqual(attempt.transaction_id.state, "error")
                mail = self._mails(invoice)[-1:]
                self.assertEqual(len(self._mails(invoice)), number)
                self.assertIn("The card has insufficient funds.", mail.body_html)
                self.assertIn(invoice._support_autopay_portal_url(), mail.body_html)
                self.assertEqual(mail.recipient_ids, invoice.partner_id)
            self.assertEqual(invoice.support_autopay_state, "exhausted")
            self.assertEqual(exhausted, [invoice.ids])
            self.assertIn("We will not try your card again", mail.body_html)
            # no more automatic attempts after the last retry
            self._run_autopay(day + timedelta(days=30))
            self.assertEqual(len(self._intents()), 4)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, 144.0)
        for intent in self._intents():
            self.assertEqual(
                self.standin.payment_intents[
                    intent["body"]["error"]["payment_intent"]["id"]
                ]["amount_received"],
                0,
            )

        # the customer saves a working card; the accountant charges it now
        sub._support_set_autopay_token(self._token("pm_card_visa"))
        invoice.with_user(self.accountant).action_support_autopay_now()
        self.assertEqual(invoice._support_autopay_last_attempt().attempt_number, 5)
        self.assertEqual(invoice.support_autopay_state, "paid")
        self._post_process()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(len(invoice.transaction_ids.payment_id), 1)

    def test_emails_in_the_customer_language(self):
        """The e-mail after a decline is in the customer's language (fr,
        es): the explanation of the decline code too."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR", "es_ES"], overwrite=True
        )
        sub = self._subscription_with_card("pm_card_chargeDeclinedExpiredCard")
        invoice = self._next_invoice(sub)
        expected = {
            "fr_FR": (
                "La carte a expiré.",
                "Nous réessaierons le",
                "carte a été refusée",
            ),
            "es_ES": (
                "La tarjeta ha caducado.",
                "Volveremos a intentarlo",
                "rechazada",
            ),
        }
        for number, (lang, (reason, retry, subject)) in enumerate(
            expected.items(), start=1
        ):
            with self.subTest(lang=lang):
                self.customer.lang = lang
                with mute_logger(PROVIDER_LOGGER):
                    invoice._support_autopay_charge(manual=True)
                mail = self._mails(invoice)[-1]
                self.assertEqual(len(self._mails(invoice)), number)
                self.assertIn(reason, mail.body_html)
                self.assertIn(retry, mail.body_html)
                self.assertIn(subject, mail.subject)
                self.assertNotIn("We tried", mail.body_html)

    def test_technical_error_retried_without_telling_the_customer(self):
        """Stripe answers a 500 (nothing charged): the attempt is an error,
        retried on the schedule; the customer gets no e-mail about her
        card.  The retry charges the card once."""
        sub = self._subscription_with_card()
        invoice = self._next_invoice(sub)
        self.standin.fail_next("payment_intents", "error500")
        self._run_autopay(invoice.invoice_date)
        attempt = invoice.support_autopay_attempt_ids
        self.assertEqual(attempt.outcome, "error")
        self.assertEqual(invoice.support_autopay_state, "retrying")
        self.assertEqual(
            invoice.support_autopay_next_date, invoice.invoice_date + timedelta(days=1)
        )
        self.assertFalse(self._mails(invoice))
        self.assertFalse(
            self.standin.payment_intents.get(attempt.transaction_id.provider_reference)
        )
        self._run_autopay(invoice.invoice_date + timedelta(days=1))
        self.assertEqual(invoice.support_autopay_state, "paid")
        self._post_process()
        self.assertEqual(invoice.payment_state, "paid")
        received = [
            self.standin.payment_intents[r["body"]["id"]]["amount_received"]
            for r in self._intents()
            if r["status"] == 200
        ]
        self.assertEqual(received, [14400])

    def test_company_schedule(self):
        self.company.support_autopay_retry_days = "2,5"
        sub = self._subscription_with_card("pm_card_chargeDeclined")
        invoice = self._next_invoice(sub)
        day = invoice.invoice_date
        self._run_autopay(day)
        self.assertEqual(invoice.support_autopay_next_date, day + timedelta(days=2))
        self._run_autopay(day + timedelta(days=2))
        self.assertEqual(invoice.support_autopay_next_date, day + timedelta(days=5))
        self._run_autopay(day + timedelta(days=5))
        self.assertEqual(invoice.support_autopay_state, "exhausted")
        self.assertEqual(len(self._intents()), 3)
        for bad in ("7,3", "0", "1,x", "1,2,3,4,5,6,7,8,9,10,11", "90"):
            with self.subTest(value=bad), self.assertRaises(ValidationError):
                self.company.support_autopay_retry_days = bad

    def test_decline_codes_in_words(self):
        cases = (
            ("pm_card_chargeDeclined", "generic_decline", "without a reason"),
            ("pm_card_chargeDeclinedExpiredCard", "expired_card", "has expired"),
            ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "(CVC)"),
            ("pm_card_chargeDeclinedLostCard", "lost_card", "reported lost"),
            ("pm_card_chargeDeclinedStolenCard", "stolen_card", "reported stolen"),
            (
                "pm_card_chargeDeclinedProcessingError",
                "processing_error",
                "error occurred while processing",
            ),
        )
        sub = self._subscription_with_card()
        invoice = self._next_invoice(sub)
        for number, (card, code, words) in enumerate(cases, start=1):
            with self.subTest(card=card):
                sub._support_set_autopay_token(self._token(card))
                with mute_logger(PROVIDER_LOGGER):
                    attempt = invoice._support_autopay_charge(manual=True)
                self.assertEqual(attempt.attempt_number, number)
                self.assertEqual(attempt.outcome, "declined")
                self.assertEqual(attempt.decline_code, code)
                self.assertIn(words, attempt.decline_reason)
                self.assertIn(words, self._mails(invoice)[-1].body_html)
        self.assertEqual(invoice.payment_state, "not_paid")

    def _check_authentication(self, card, tx_state):
        """Stripe asks the customer to authenticate: no retry loop, an
        e-mail with the link to pay on-session, the invoice says so."""
        sub = self._subscription_with_card(card)
        invoice = self._next_invoice(sub)
        self._run_autopay(invoice.invoice_date)
        attempt = invoice.support_autopay_attempt_ids
        self.assertEqual(attempt.outcome, "authentication_required")
        self.assertEqual(attempt.decline_code, "authentication_required")
        self.assertIn("confirm the payment", attempt.decline_reason)
        self.assertEqual(invoice.support_autopay_state, "authentication")
        self.assertFalse(attempt.next_attempt_date)
        self.assertEqual(attempt.transaction_id.state, tx_state)
        intent_id = attempt.transaction_id.provider_reference
        self.assertEqual(self.standin.payment_intents[intent_id]["amount_received"], 0)
        mail = self._mails(invoice)
        self.assertEqual(len(mail), 1)
        self.assertIn("confirm the payment", mail.body_html)
        self.assertIn(invoice._support_autopay_portal_url(), mail.body_html)
        # no retry loop
        for days in (1, 3, 7, 30):
            self._run_autopay(invoice.invoice_date + timedelta(days=days))
        self.assertEqual(len(self._intents()), 1)
        # the customer's invoice page says what is awaited
        page = self.url_open(invoice._support_autopay_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("Waiting for your authentication", page.text)
        # she pays on-session: the invoice is paid once, the badge goes
        self._pay_online(invoice)
        self._post_process()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.support_autopay_state, "paid")
        self.assertEqual(len(invoice.transaction_ids.payment_id), 1)

    def test_authentication_required_decline(self):
        """Off-session, Stripe declines with ``authentication_required``."""
        self._check_authentication("pm_card_authenticationRequired", "error")

    def test_requires_action(self):
        """Stripe answers ``requires_action`` (3-D Secure): Odoo leaves the
        transaction in draft; nothing charged."""
        self._check_authentication("pm_card_threeDSecure2Required", "draft")

    def test_card_removed_or_subscription_cancelled_stops_charges(self):
        sub = self._subscription_with_card()
        paid = self._next_invoice(sub)
        self._run_autopay(paid.invoice_date)
        self._post_process()
        self.assertEqual(paid.payment_state, "paid")
        # the card is declined next month, then removed by the customer
        token = sub.payment_token_id
        sub._support_set_autopay_token(
            self._token("pm_card_chargeDeclinedInsufficientFunds")
        )
        declined = self._next_invoice(sub)
        self._run_autopay(declined.invoice_date)
        self.assertEqual(declined.support_autopay_state, "retrying")
        sub.payment_token_id.action_archive()
        self.assertFalse(sub.payment_token_id)
        self.assertEqual(declined.support_autopay_state, "stopped")
        self.assertIn("was removed", sub.message_ids[0].body)
        self._run_autopay(declined.invoice_date + timedelta(days=1))
        with self.assertRaises(UserError):
            declined.with_user(self.accountant).action_support_autopay_now()
        self.assertEqual(len(self._intents()), 2)
        # the paid invoice keeps its payment
        self.assertEqual(paid.payment_state, "paid")
        self.assertEqual(len(paid.transaction_ids.payment_id), 1)
        # a new card, then the subscription cancelled: no charge any more
        sub._support_set_autopay_token(token)
        sub.with_user(self.support_manager).action_cancel()
        self.assertFalse(sub.payment_token_id)
        self._run_autopay(declined.invoice_date + timedelta(days=3))
        self.assertEqual(len(self._intents()), 2)
        self.assertEqual(paid.payment_state, "paid")

    def test_token_set_and_cleared_by_methods_only(self):
        sub = self._active_subscription(users=self.users)
        token = self._token()
        # another customer's card, an archived card, a disabled provider
        with self.assertRaises(UserError):
            sub._support_set_autopay_token(self._token(partner=self.other_customer))
        archived = self._token()
        archived.active = False
        with self.assertRaises(UserError):
            sub._support_set_autopay_token(archived)
        # a direct write over RPC, by the customer or an accountant: refused
        for user in (self.portal_user, self.accountant, self.support_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                sub.with_user(user).write({"payment_token_id": token.id})
        with self.assertRaises(AccessError):
            sub.with_user(self.portal_user).action_stop_autopay()
        sub._support_set_autopay_token(token)
        self.assertEqual(sub.payment_token_id, token)
        self.assertIn("set up", sub.message_ids[0].body)
        with self.assertRaises(AccessError):
            sub.with_user(self.portal_user).write({"payment_token_id": False})
        sub.with_user(self.accountant).action_stop_autopay()
        self.assertFalse(sub.payment_token_id)
        self.assertIn("stopped", sub.message_ids[0].body)
        # the invoice's collection state and attempts are not a user's either
        invoice = self._next_invoice(sub)
        with self.assertRaises(AccessError):
            invoice.with_user(self.accountant).write({"support_autopay_state": "paid"})
        with self.assertRaises(AccessError):
            self.env["support.autopay.attempt"].with_user(self.accountant).create(
                {
                    "invoice_id": invoice.id,
                    "company_id": self.company.id,
                    "attempt_number": 1,
                    "outcome": "succeeded",
                }
            )
        self.assertFalse(invoice.support_autopay_state, "no card: paid by hand")
        self.stripe.state = "disabled"
        with self.assertRaises(UserError):
            sub._support_set_autopay_token(token)

    def test_attempts_shown_to_accountants(self):
        sub = self._subscription_with_card("pm_card_chargeDeclined")
        invoice = self._next_invoice(sub)
        self._run_autopay(invoice.invoice_date)
        as_accountant = invoice.with_user(self.accountant)
        self.assertEqual(as_accountant.support_autopay_attempt_count, 1)
        action = as_accountant.action_support_view_autopay_attempts()
        attempts = self.env["support.autopay.attempt"].with_user(self.accountant)
        self.assertEqual(
            attempts.search(action["domain"]), invoice.support_autopay_attempt_ids
        )
        self.assertEqual(
            attempts.search([("outcome", "=", "declined")]).invoice_id, invoice
        )
        with self.assertRaises(AccessError):
            invoice.with_user(self.technician).action_support_view_autopay_attempts()
        with self.assertRaises(AccessError):
            attempts.with_user(self.portal_user).search([])
