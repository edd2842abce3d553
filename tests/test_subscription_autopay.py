# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 25, the customer's side: the card saved with consent, replaced and
stopped in the portal, the expiry reminder, payment reminders and the
suspension of an unpaid subscription."""

import json
import re
from datetime import date
from urllib.parse import urlsplit

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.http import Request
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_autopay import AutopayCommon as StripeAutopayCommon
from .test_subscription import SubscriptionCommon


class AutopayCommon(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write({"allow_tokenization": True, "is_published": True})

    def _tokenizing_tx(self, invoice=None, sub=None, consent=True, partner=None):
        """A card payment of ``invoice`` (or a card check for ``sub``) with
        "Save my payment details" ticked, as the portal creates it."""
        partner = partner or self.customer_contact
        sub = sub or invoice.support_subscription_id
        vals = {
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method.id,
            "reference": self.env["payment.transaction"]._compute_reference(
                self.provider.code, prefix="SUBTEST"
            ),
            "partner_id": partner.id,
            "tokenize": True,
            "support_autopay_subscription_id": sub.id,
            "support_autopay_consent": consent
            and sub._support_autopay_consent_text(lang="en_US"),
        }
        if invoice:
            vals.update(
                {
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "operation": "online_direct",
                    "invoice_ids": [(6, 0, invoice.ids)],
                }
            )
        else:
            vals.update(
                {
                    "amount": 0.0,
                    "currency_id": sub.currency_id.id,
                    "operation": "validation",
                }
            )
        tx = self.env["payment.transaction"].sudo().create(vals).sudo(False)
        tx._process(
            "demo",
            {
                "reference": tx.reference,
                "simulated_state": "done",
                "payment_details": "4242",
            },
        )
        return tx

    def _card(self, partner, details="4242", **values):
        """A card token of ``partner`` with the demo provider."""
        return self.env["payment.token"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "partner_id": partner.id,
                "payment_details": details,
                "provider_ref": "x",
                **values,
            }
        )


@tagged("post_install", "-at_install")
class TestSubscriptionAutopay(AutopayCommon):
    def test_first_payment_saves_the_card_with_consent(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            tx = self._tokenizing_tx(sub.first_invoice_id)
        self.assertEqual(sub.state, "active")
        self.assertTrue(tx.token_id)
        self.assertEqual(sub.payment_token_id, tx.token_id)
        self.assertEqual(sub.autopay_consent_partner_id, self.customer_contact)
        self.assertIn("to charge this card", sub.autopay_consent_text)
        self.assertIn("every month", sub.autopay_consent_text)
        self.assertIn(self.company.name, sub.autopay_consent_text)
        self.assertIn("100.00", sub.autopay_consent_text)
        self.assertTrue(sub.autopay_consent_date)
        saved = sub.message_ids.filtered(
            lambda m: "Consent to the monthly charge given by" in (m.body or "")
        )
        self.assertEqual(len(saved), 1)
        # the post-processing runs it again: still one message
        tx._support_save_autopay_card()
        self.assertEqual(
            len(
                sub.message_ids.filtered(
                    lambda m: "Consent to the monthly charge given by" in (m.body or "")
                )
            ),
            1,
        )

    def test_no_consent_no_card(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            tx = self._tokenizing_tx(sub.first_invoice_id, consent=False)
        self.assertEqual(sub.state, "active")
        self.assertTrue(tx.token_id)  # the customer's own saved card...
        self.assertFalse(sub.payment_token_id)  # ...does not pay the plan
        self.assertFalse(sub.autopay_consent_text)

    def test_card_of_another_customer_refused(self):
        sub = self._active_subscription()
        token = self._card(self.other_customer, "1111")
        with self.assertRaises(AccessError):
            sub._support_save_card(token, "I agree", self.other_customer)
        with self.assertRaises(UserError):
            sub._support_save_card(
                token.copy({"partner_id": self.customer_contact.id}),
                "",
                self.customer_contact,
            )
        self.assertFalse(sub.payment_token_id)

    def test_consent_and_suspension_protected(self):
        sub = self._active_subscription()
        for vals in (
            {"autopay_consent_text": "forged"},
            {"autopay_consent_date": "2030-01-01 00:00:00"},
            {"suspension_date": "2030-01-01"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                sub.with_user(self.support_manager).write(vals)
        self.assertFalse(sub.autopay_consent_text)
        self.assertFalse(sub.suspension_date)

    def test_replace_and_stop(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            first = self._tokenizing_tx(sub.first_invoice_id).token_id
        with freeze_time("2030-03-05"):
            second = self._tokenizing_tx(sub=sub).token_id
        self.assertNotEqual(first, second)
        self.assertEqual(sub.payment_token_id, second)
        self.assertTrue(
            sub.message_ids.filtered(
                lambda m: "Card for automatic payment changed" in (m.body or "")
            )
        )
        sub._support_stop_card()
        self.assertFalse(sub.payment_token_id)
        self.assertFalse(sub.autopay_consent_text)
        self.assertTrue(
            sub.message_ids.filtered(
                lambda m: "Automatic payment by card stopped" in (m.body or "")
            )
        )

    def test_stripe_card_keeps_brand_and_expiry(self):
        """Stripe's PaymentMethod (card.brand, exp_month, exp_year) is kept
        on the token Odoo creates, for the page and the expiry reminder."""
        stripe = self.env.ref("payment.payment_provider_stripe")
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": stripe.id,
                    "payment_method_id": self.env.ref("payment.payment_method_card").id,
                    "operation": "validation",
                    "partner_id": self.customer_contact.id,
                    "reference": "SUBCARD-1",
                    "amount": 0,
                    "currency_id": self.env.company.currency_id.id,
                    "tokenize": True,
                }
            )
        )
        payment_data = {
            "setup_intent": {"customer": "cus_1"},
            "payment_method": {
                "id": "pm_1",
                "object": "payment_method",
                "type": "card",
                "card": {
                    "brand": "visa",
                    "last4": "4242",
                    "exp_month": 4,
                    "exp_year": 2030,
                },
            },
        }
        # Odoo's own token values stay Odoo's (payment_stripe's test of them)
        self.assertNotIn("support_card_brand", tx._extract_token_values(payment_data))
        tx._tokenize(payment_data)
        token = tx.token_id
        self.assertEqual(token.payment_details, "4242")
        self.assertEqual(token.support_card_brand, "visa")
        self.assertEqual(
            (token.support_card_exp_month, token.support_card_exp_year), (4, 2030)
        )

    def test_expiry_reminder_once_per_card_and_month(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            token = self._tokenizing_tx(sub.first_invoice_id).token_id
        token.write({"support_card_exp_month": 4, "support_card_exp_year": 2030})
        template = self.env.ref("support_billing.mail_template_card_expiry")
        Mail = self.env["mail.mail"]

        def sent():
            return Mail.search(
                [("model", "=", sub._name), ("res_id", "=", sub.id)]
            ).filtered(lambda m: "expires at the end of this month" in m.body_html)

        with freeze_time("2030-03-20"):
            sub._cron_support_collect()
        self.assertFalse(sent())  # expires next month
        with freeze_time("2030-04-02"):
            sub._cron_support_collect()
            sub._cron_support_collect()
        self.assertEqual(len(sent()), 1)
        self.assertIn(f"/my/subscription/{sub.id}/card", sent().body_html)
        self.assertEqual(token.support_expiry_reminded, "2030-04")
        self.assertTrue(template)


@tagged("post_install", "-at_install")
class TestSubscriptionDunning(AutopayCommon):
    def _april_unpaid(self):
        sub = self._active_subscription(start="2030-03-01")
        with freeze_time("2030-04-01"):
            self._run_cron()
        april = sub.invoice_ids - sub.first_invoice_id
        self.assertEqual(april.payment_state, "not_paid")
        return sub, april

    def _reminders(self, invoice):
        return (
            self.env["mail.mail"]
            .search([("model", "=", "account.move"), ("res_id", "=", invoice.id)])
            .filtered(lambda m: "is unpaid" in (m.subject or ""))
        )

    def test_reminders_then_suspension_then_resume(self):
        self.company.write(
            {"support_dunning_reminder_days": "10,20", "support_suspend_after_days": 30}
        )
        sub, april = self._april_unpaid()
        due = april.invoice_date_due
        self.assertEqual(due, date(2030, 4, 1))
        ticket = self._create_ticket(self.customer_contact, closed=False)
        with freeze_time("2030-04-10"):
            sub._cron_support_collect()
        self.assertFalse(self._reminders(april))  # no card: due + 10 = 11 April
        with freeze_time("2030-04-11"):
            sub._cron_support_collect()
            sub._cron_support_collect()
        self.assertEqual(len(self._reminders(april)), 1)
        self.assertIn("2030", self._reminders(april).body_html)
        with freeze_time("2030-04-21"):
            sub._cron_support_collect()
        self.assertEqual(len(self._reminders(april)), 2)
        self.assertEqual(april.support_dunning_sent, 2)
        with freeze_time("2030-04-30"):
            sub._cron_support_collect()
            covered = self._log(ticket, 30, date=date(2030, 4, 30))
        self.assertFalse(sub.suspension_date)
        self.assertEqual(covered.support_subscription_id, sub)
        with freeze_time("2030-05-01"):
            sub._cron_support_collect()
            self.assertEqual(sub.suspension_date, date(2030, 5, 1))
            self.assertEqual(sub.state, "active")
            self.assertTrue(
                ticket.message_ids.filtered(
                    lambda m: "billed as ordinary time" in (m.body or "")
                )
            )
            suspended_time = self._log(ticket, 20, date=date(2030, 5, 1))
            other_ticket = self._create_ticket(self.customer_contact, name="Mail")
            invoiced_time = self._log(other_ticket, 15, date=date(2030, 5, 1))
            self.assertFalse(suspended_time.support_subscription_id)
            self.assertEqual(suspended_time.state, "to_invoice")
            self.assertEqual(ticket.support_billing_mode, "time")
            # the time of a closed ticket is invoiced while suspended
            billed = self._invoice(tickets=other_ticket)
            self.assertEqual(invoiced_time.invoice_id, billed)
        with freeze_time("2030-05-03"):
            self._register_bank_payment(april)
        self.assertFalse(sub.suspension_date)
        self.assertEqual(suspended_time.support_subscription_id, sub)
        self.assertEqual(suspended_time.state, "covered")
        # invoiced time stays invoiced: nothing lost, nothing billed twice
        self.assertEqual(invoiced_time.invoice_id, billed)
        self.assertFalse(invoiced_time.support_subscription_id)
        self.assertTrue(
            sub.message_ids.filtered(lambda m: "Subscription resumed" in (m.body or ""))
        )

    def test_reminders_counted_after_the_last_retry(self):
        self.company.write(
            {
                "support_autopay_retry_days": "1,3,7",
                "support_dunning_reminder_days": "10",
            }
        )
        sub, april = self._april_unpaid()
        token = self._card(self.customer_contact)
        sub._support_save_card(token, "I agree", self.customer_contact)
        # the engine charged the card when the invoice was issued, then
        # retried 1, 3 and 7 days later
        april.sudo().support_autopay_state = "exhausted"
        with freeze_time("2030-04-17"):
            sub._cron_support_collect()
        self.assertFalse(self._reminders(april))
        with freeze_time("2030-04-18"):  # 1 April + 7 + 10
            sub._cron_support_collect()
        self.assertEqual(len(self._reminders(april)), 1)

    def test_exhausted_card_announces_the_dates(self):
        self.company.write(
            {
                "support_autopay_retry_days": "1,3,7",
                "support_dunning_reminder_days": "10,20",
            }
        )
        sub, april = self._april_unpaid()
        april.sudo().support_autopay_state = "exhausted"
        april._support_autopay_exhausted()
        note = sub.message_ids.filtered(lambda m: "at every retry" in (m.body or ""))
        self.assertEqual(len(note), 1)
        # 1 April + 7 + 10 and + 20; suspended 30 days after 1 April
        self.assertIn("04/18/2030, 04/28/2030", note.body)
        self.assertIn("05/01/2030", note.body)

    def test_settings_checked(self):
        with self.assertRaises(Exception):  # noqa: B017 -- ValidationError
            self.company.support_dunning_reminder_days = "ten"
        with self.assertRaises(Exception):  # noqa: B017
            self.company.support_suspend_after_days = 0

    def test_policy_states_the_delay(self):
        self.company.support_suspend_after_days = 45
        lines = dict(self.company._support_terms_lines(self.company._support_terms()))
        self.assertIn("45 days", lines["Unpaid subscription"])


@tagged("post_install", "-at_install")
class TestSubscriptionAutopayPortal(AutopayCommon, HttpCase):
    def _post(self, url, **data):
        return self.url_open(url, data={"csrf_token": Request.csrf_token(self), **data})

    def test_policy_page_states_the_suspension_delay(self):
        self.env["support.policy"]._get_published_policy() or self.skipTest(
            "no published policy"
        )
        # the public page's company: the main one
        self.env.ref("base.main_company").support_suspend_after_days = 45
        page = self.url_open("/support/policy").text
        self.assertIn("Unpaid subscription", page)
        self.assertIn("suspended 45 days after", page)

    def test_invoice_page_states_the_consent(self):
        sub = self._subscribe(self.customer_contact)
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open(sub.first_invoice_id.get_portal_url()).text
        self.assertIn("o_support_autopay_consent", page)
        self.assertIn("to charge this card", page)
        self.assertIn("until I stop it on my subscription page", page)

    def test_invoice_transaction_records_the_consent(self):
        sub = self._subscribe(self.customer_contact)
        invoice = sub.first_invoice_id
        self.authenticate("sb-portal", "sb-portal")
        result = self.make_jsonrpc_request(
            f"/invoice/transaction/{invoice.id}",
            {
                "access_token": invoice._portal_ensure_token(),
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": invoice.amount_residual,
                "flow": "direct",
                "tokenization_requested": True,
                "landing_route": invoice.get_portal_url(),
                "is_validation": False,
            },
        )
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        self.assertEqual(tx.support_autopay_subscription_id, sub)
        self.assertIn("to charge this card", tx.support_autopay_consent)
        tx._process(
            "demo",
            {
                "reference": tx.reference,
                "simulated_state": "done",
                "payment_details": "4242",
            },
        )
        self.assertEqual(sub.payment_token_id, tx.token_id)

    def _saved_demo_card(self, partner, details="1111"):
        """A card the customer saved before her subscription (a card hold,
        an earlier payment): a token of hers with the demo provider."""
        return self._card(
            partner,
            details,
            provider_ref=f"saved-{details}",
            demo_simulated_state="done",
        )

    def _pay_with_saved_card(self, invoice, token, consent=True):
        return self.make_jsonrpc_request(
            f"/invoice/transaction/{invoice.id}",
            {
                "access_token": invoice._portal_ensure_token(),
                "provider_id": token.provider_id.id,
                "payment_method_id": None,
                "token_id": token.id,
                "amount": invoice.amount_residual,
                "flow": "token",
                "tokenization_requested": consent,
                "landing_route": invoice.get_portal_url(),
                "is_validation": False,
            },
        )

    def test_saved_card_chosen_for_the_monthly_payments(self):
        """A customer who saved a card before pays her first invoice with it
        and ticks the consent box beside it: that card pays the plan, her
        consent recorded as on the new-card path."""
        token = self._saved_demo_card(self.customer_contact)
        sub = self._subscribe(self.customer_contact)
        invoice = sub.first_invoice_id
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn("o_support_autopay_token_consent", page)
        self.assertIn(f'id="o_support_autopay_token_{token.id}"', page)
        self.assertIn("until I stop it on my subscription page", page)
        result = self._pay_with_saved_card(invoice, token)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        self.assertEqual(tx.token_id, token)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.support_autopay_subscription_id, sub)
        self.assertEqual(sub.payment_token_id, token)
        self.assertIn("to charge this card", sub.autopay_consent_text)
        self.assertIn("every month", sub.autopay_consent_text)
        self.assertTrue(sub.autopay_consent_date)
        self.assertEqual(sub.autopay_consent_partner_id, self.customer_contact)
        self.assertEqual(
            len(
                sub.message_ids.filtered(
                    lambda m: "Consent to the monthly charge given by" in (m.body or "")
                )
            ),
            1,
        )

    def test_saved_card_without_the_box_pays_once(self):
        token = self._saved_demo_card(self.customer_contact)
        sub = self._subscribe(self.customer_contact)
        self.authenticate("sb-portal", "sb-portal")
        result = self._pay_with_saved_card(sub.first_invoice_id, token, consent=False)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        self.assertEqual(tx.state, "done")
        self.assertFalse(tx.support_autopay_subscription_id)
        self.assertFalse(sub.payment_token_id)
        self.assertFalse(sub.autopay_consent_text)

    def test_saved_card_of_another_customer_refused(self):
        """Another customer's card id sent with the consent: refused (an
        access error, not a server error); nothing charged nor saved."""
        theirs = self._saved_demo_card(self.other_customer, details="9999")
        sub = self._subscribe(self.customer_contact)
        invoice = sub.first_invoice_id
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open(invoice.get_portal_url()).text
        self.assertNotIn("9999", page)
        for token_id in (theirs.id, theirs.id + 100000):
            with self.subTest(token_id=token_id), mute_logger("odoo.http"):
                response = self.url_open(
                    f"/invoice/transaction/{invoice.id}",
                    data=json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "id": 1,
                            "params": {
                                "access_token": invoice._portal_ensure_token(),
                                "provider_id": self.provider.id,
                                "payment_method_id": None,
                                "token_id": token_id,
                                "amount": invoice.amount_residual,
                                "flow": "token",
                                "tokenization_requested": True,
                                "landing_route": invoice.get_portal_url(),
                                "is_validation": False,
                            },
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                )
            self.assertEqual(response.status_code, 200)
            error = response.json()["error"]
            self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(invoice.transaction_ids)
        self.assertFalse(sub.payment_token_id)
        self.assertFalse(sub.autopay_consent_text)

    def test_transaction_consent_protected(self):
        """The consent a transaction carries is the portal's: an accountant's
        RPC write or create of it is refused."""
        sub = self._subscribe(self.customer_contact)
        tx = self._tokenizing_tx(sub.first_invoice_id, consent=False)
        Tx = self.env["payment.transaction"].with_user(self.accountant)
        for vals in (
            {"support_autopay_consent": "forged"},
            {"support_autopay_subscription_id": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                tx.with_user(self.accountant).write(vals)
        with self.assertRaises(AccessError):
            Tx.create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "reference": "FORGED-1",
                    "amount": 1.0,
                    "currency_id": sub.currency_id.id,
                    "partner_id": self.customer_contact.id,
                    "support_autopay_subscription_id": sub.id,
                    "support_autopay_consent": "forged",
                }
            )
        self.assertFalse(tx.support_autopay_consent)

    def test_subscription_page_card_and_stop(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            token = self._tokenizing_tx(sub.first_invoice_id).token_id
        token.write({"support_card_exp_month": 12, "support_card_exp_year": 2031})
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/subscription").text
        self.assertIn("4242", page)
        self.assertIn("12/2031", page)
        self.assertIn("Replace card", page)
        self.assertIn("Stop automatic payment", page)
        page = self.url_open(f"/my/subscription/{sub.id}/card").text
        self.assertIn("o_payment_form", page)
        self.assertIn("By saving this card", page)
        # GET asks for confirmation, a POST without CSRF is refused
        page = self.url_open(f"/my/subscription/{sub.id}/card/stop").text
        self.assertIn("Confirm: stop automatic payment", page)
        self.assertEqual(sub.payment_token_id, token)
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/my/subscription/{sub.id}/card/stop", data={"confirm": "1"}
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(sub.payment_token_id, token)
        response = self._post(f"/my/subscription/{sub.id}/card/stop", confirm="1")
        self.assertFalse(sub.payment_token_id)
        self.assertIn("Automatic payment stopped", response.text)

    def test_others_get_404(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            token = self._tokenizing_tx(sub.first_invoice_id).token_id
        self.authenticate("sb-portal-other", "sb-portal-other")
        for url in (
            f"/my/subscription/{sub.id}/card",
            f"/my/subscription/{sub.id}/card/stop",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
        response = self._post(f"/my/subscription/{sub.id}/card/stop", confirm="1")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(sub.payment_token_id, token)
        with self.assertRaises(Exception):  # noqa: B017 -- 404 as an RPC error
            self.make_jsonrpc_request(
                f"/my/subscription/{sub.id}/card/transaction",
                {"access_token": "x", "provider_id": self.provider.id},
            )

    def test_saved_card_tour_desktop_and_phone(self):
        """Pay the first invoice with a card saved before and tick its
        consent box: in the browser, desktop and phone."""
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                token = self._saved_demo_card(self.customer_contact)
                sub = self._subscribe(self.customer_contact)
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/my/subscription",
                    "support_subscription_saved_card_tour",
                    login="sb-portal",
                )
                self.assertEqual(sub.state, "active")
                self.assertEqual(sub.payment_token_id, token)
                self.assertEqual(sub.autopay_consent_partner_id, self.customer_contact)
                self.assertIn("every month", sub.autopay_consent_text)
                self.assertEqual(len(sub.first_invoice_id.transaction_ids), 1)
                self.assertEqual(sub.first_invoice_id.transaction_ids.token_id, token)
                sub.sudo().write({"state": "closed"})
                token.active = False

    def test_card_tour_desktop_and_phone(self):
        """Save the card on the first payment, replace it, stop it: in the
        browser, on a 1440 px desktop and a 390 px phone."""
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                sub = self._subscribe(self.customer_contact)
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/my/subscription",
                    "support_subscription_card_tour",
                    login="sb-portal",
                )
                self.assertEqual(sub.state, "active")
                self.assertFalse(sub.payment_token_id)
                consents = sub.message_ids.filtered(
                    lambda m: "Consent to the monthly charge given by" in (m.body or "")
                )
                self.assertEqual(len(consents), 2)  # saved, then replaced
                self.assertTrue(
                    sub.message_ids.filtered(
                        lambda m: "Automatic payment by card stopped" in (m.body or "")
                    )
                )
                # the next size subscribes again with a new card: this
                # subscription closed, the cards it saved removed
                sub.sudo().write({"state": "closed"})
                self.env["payment.token"].search(
                    [("partner_id", "=", self.customer_contact.id)]
                ).active = False


@tagged("post_install", "-at_install")
class TestAutopayAuthenticationTour(StripeAutopayCommon, HttpCase):
    """The saved Stripe card was not charged: the bank asks the customer to
    authenticate.  She opens the link of the e-mail and pays on-session (the
    demo provider stands for the card form: no Stripe.js in the tests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write({"allow_tokenization": True, "is_published": True})
        # Stripe charges off-session (the stand-in); the portal's card form
        # is the demo provider's
        cls.stripe.is_published = False

    def _mail_link(self, invoice):
        """The link of the authentication e-mail actually queued."""
        mails = self._mails(invoice).filtered(
            lambda m: "confirm the payment" in (m.body_html or "")
        )
        self.assertEqual(len(mails), 1)
        links = re.findall(r'href="([^"]*/my/invoices/[^"]*)"', mails.body_html)
        self.assertEqual(len(set(links)), 1)
        url = urlsplit(links[0].replace("&amp;", "&"))
        self.assertIn("access_token=", url.query)
        return f"{url.path}?{url.query}"

    def test_authentication_tour_desktop_and_phone(self):
        for size, touch, card, tx_state in (
            ("1440x900", False, "pm_card_threeDSecure2Required", "draft"),
            ("390x844", True, "pm_card_authenticationRequired", "error"),
        ):
            with self.subTest(size=size):
                sub = self._subscription_with_card(card)
                invoice = self._next_invoice(sub)
                self._run_autopay(invoice.invoice_date)
                attempt = invoice.support_autopay_attempt_ids
                self.assertEqual(attempt.outcome, "authentication_required")
                self.assertEqual(attempt.transaction_id.state, tx_state)
                self.assertEqual(invoice.support_autopay_state, "authentication")
                self.assertIn(
                    "Waiting for the customer's authentication",
                    dict(
                        invoice._fields["support_autopay_state"]._description_selection(
                            self.env
                        )
                    )["authentication"],
                )
                url = self._mail_link(invoice)
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    url, "support_subscription_authentication_tour", login="sb-portal"
                )
                self.env.invalidate_all()
                # paid once, on-session, the whole amount; nothing at Stripe
                self.assertEqual(invoice.payment_state, "paid")
                self.assertEqual(invoice.support_autopay_state, "paid")
                self.assertFalse(invoice.support_autopay_next_date)
                done = invoice.transaction_ids.filtered(lambda t: t.state == "done")
                self.assertEqual(len(done), 1)
                self.assertEqual(done.provider_id, self.provider)
                self.assertEqual(done.operation, "online_direct")
                self.assertEqual(done.partner_id, self.customer_contact)
                currency = invoice.currency_id
                self.assertEqual(
                    currency.compare_amounts(done.amount, invoice.amount_total), 0
                )
                self.assertEqual(len(invoice.transaction_ids.payment_id), 1)
                self.assertEqual(len(invoice.matched_payment_ids), 1)
                self.assertEqual(
                    currency.compare_amounts(
                        invoice.matched_payment_ids.amount, invoice.amount_total
                    ),
                    0,
                )
                intent = attempt.transaction_id.provider_reference
                self.assertEqual(
                    self.standin.payment_intents[intent]["amount_received"], 0
                )
                # nothing more to charge: no second payment, ever
                self.assertFalse(invoice._support_autopay_charge(manual=True))
                self.assertEqual(len(invoice.support_autopay_attempt_ids), 1)
                # the next size: a new subscription of the same customer
                sub.sudo().write({"state": "closed"})
