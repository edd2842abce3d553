# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.http import Request
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .. import rules
from .common import SupportBillingCommon
from .test_ticket_pack import ConcurrencyCase

SUBSCRIPTION_LOGGER = "odoo.addons.support_billing.models.support_subscription"


class SubscriptionCommon(SupportBillingCommon):
    """The data plan, priced for easy sums: 100.00 for 2 users, 20.00 each more.

    Dates are in 2030, away from the real clock that stamps ``create_date``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.env.ref("support_billing.support_plan_all_inclusive")
        cls.plan.write(
            {"monthly_price": 100.0, "users_included": 2, "extra_user_price": 20.0}
        )
        (cls.plan.product_id | cls.plan.extra_user_product_id).write(
            {"taxes_id": [(5, 0, 0)]}
        )
        partner = cls.env["res.partner"]
        cls.outsider = partner.create(
            {"name": "Olga Outside", "email": "olga@elsewhere.test"}
        )
        cls.provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.provider.write(
            {"state": "test", "capture_manually": False, "company_id": cls.company.id}
        )
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")
        # the demo subscription (paid by a saved demo card) stays out of the
        # crons these tests run and count
        cls.env["support.subscription"].sudo().search([]).write(
            {"state": "closed", "next_invoice_date": False}
        )

    @classmethod
    def _subscribe(cls, users, partner=None, startup_contact="phone"):
        sub = (
            cls.env["support.subscription"]
            .with_user(cls.support_manager)
            .create(
                {
                    "partner_id": (partner or users[:1].commercial_partner_id).id,
                    "plan_id": cls.plan.id,
                    "company_id": cls.company.id,
                    "startup_contact": startup_contact,
                    "authorized_user_ids": [(6, 0, users.ids)],
                }
            )
        )
        sub.action_confirm()
        return sub.sudo(False).with_user(cls.env.user)

    @classmethod
    def _pay_online(cls, invoice, simulated_state="done", amount=None):
        tx = cls.env["payment.transaction"].create(
            {
                "provider_id": cls.provider.id,
                "payment_method_id": cls.payment_method.id,
                "reference": cls.env["payment.transaction"]._compute_reference(
                    cls.provider.code, prefix=f"{invoice.name}-online"
                ),
                "amount": invoice.amount_residual if amount is None else amount,
                "currency_id": invoice.currency_id.id,
                "partner_id": invoice.partner_id.id,
                "operation": "online_direct",
                "invoice_ids": [(6, 0, invoice.ids)],
            }
        )
        tx._process(
            "demo", {"reference": tx.reference, "simulated_state": simulated_state}
        )
        return tx

    def _register_bank_payment(self, invoice, amount=None):
        vals = {"journal_id": self.company_data["default_journal_bank"].id}
        if amount is not None:
            vals["amount"] = amount
        return (
            self.env["account.payment.register"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(vals)
            ._create_payments()
        )

    def _active_subscription(self, users=None, start="2030-03-01"):
        with freeze_time(start):
            sub = self._subscribe(users or self.customer_contact)
            self._register_bank_payment(sub.first_invoice_id)
        self.assertEqual(sub.state, "active")
        return sub

    def _run_cron(self):
        self.env["support.subscription"]._cron_invoice_subscriptions()


@tagged("post_install", "-at_install")
class TestSubscription(SubscriptionCommon):
    # ------------------------------------------------------------ invoices
    def test_invoice_amounts_with_extra_users(self):
        users = self.customer_contact | self.customer_contact2 | self.outsider
        with freeze_time("2030-03-01"):
            sub = self._subscribe(users)
        invoice = sub.first_invoice_id
        self.assertEqual(sub.state, "waiting")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.support_subscription_id, sub)
        # the 1st: a whole month, 100 + 1 extra user x 20
        self.assertEqual(invoice.amount_total, 120.0)
        self.assertEqual(sub.monthly_amount, 120.0)
        self.assertEqual(sub.extra_user_count, 1)
        base_line, extra_line = invoice.invoice_line_ids
        self.assertEqual(base_line.product_id, self.plan.product_id)
        for name in users.mapped("name"):
            self.assertIn(name, base_line.name)  # the invoice lists the users
        self.assertEqual(extra_line.product_id, self.plan.extra_user_product_id)
        self.assertEqual((extra_line.quantity, extra_line.price_unit), (1.0, 20.0))
        self.assertEqual(sub.next_invoice_date, date(2030, 4, 1))
        with freeze_time("2030-03-02"):
            self._register_bank_payment(invoice)
        # two more users: the next invoice follows
        sub.authorized_user_ids |= self.env["res.partner"].create(
            [{"name": "Dan"}, {"name": "Eve"}]
        )
        with freeze_time("2030-03-31"):
            self._run_cron()  # not due yet
        self.assertEqual(sub.invoice_count, 1)
        with freeze_time("2030-04-01"):
            self._run_cron()
            self._run_cron()  # once a month only
        self.assertEqual(sub.invoice_count, 2)
        april = sub.invoice_ids - invoice
        self.assertEqual(april.amount_total, 100.0 + 3 * 20.0)
        self.assertEqual(april.state, "posted")
        self.assertIn("Eve", april.invoice_line_ids[0].name)
        self.assertEqual(sub.next_invoice_date, date(2030, 5, 1))
        self.assertFalse(sub.invoice_error)

    def test_prorated_first_month(self):
        with freeze_time("2030-04-16"):  # 15 of April's 30 days
            sub = self._subscribe(
                self.customer_contact | self.customer_contact2 | self.outsider
            )
        invoice = sub.first_invoice_id
        self.assertEqual(invoice.amount_total, 50.0 + 10.0)
        self.assertIn("15 of 30 days", invoice.invoice_line_ids[0].name)
        self.assertEqual(sub.date_start, date(2030, 4, 16))
        self.assertEqual(sub.next_invoice_date, date(2030, 5, 1))

    # ---------------------------------------------------------- activation
    def test_online_payment_activates_at_once(self):
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
            tx = self._pay_online(sub.first_invoice_id)
            # at once: before the transaction's post-processing
            self.assertFalse(tx.is_post_processed)
            self.assertEqual(sub.state, "active")
            self.assertEqual(sub.activation_date, date(2030, 3, 10))
        call = sub.activity_ids
        self.assertEqual(
            call.activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )
        self.assertTrue(call.user_id.has_group("support_billing.group_support_manager"))
        tx._post_process()  # the payment is reconciled, nothing activates twice
        self.assertEqual(sub.first_invoice_id.payment_state, "paid")
        self.assertEqual(len(sub.activity_ids), 1)

    def test_startup_by_email_when_chosen(self):
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact, startup_contact="email")
            self._pay_online(sub.first_invoice_id)
        self.assertEqual(sub.state, "active")
        self.assertEqual(
            sub.activity_ids.activity_type_id,
            self.env.ref("mail.mail_activity_data_email"),
        )

    def test_bank_payment_activates_when_registered(self):
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
            # a bank transfer announced online stays pending: not active
            self._pay_online(sub.first_invoice_id, simulated_state="pending")
            self.assertEqual(sub.state, "waiting")
            self._register_bank_payment(sub.first_invoice_id)
        self.assertEqual(sub.state, "active")
        self.assertEqual(len(sub.activity_ids), 1)

    def test_partial_online_payment_waits_for_the_rest(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            invoice = sub.first_invoice_id
            self.assertEqual(invoice.amount_total, 100.0)
            # 1.00 paid online: done, but the invoice is not paid
            first = self._pay_online(invoice, amount=1.0)
            self.assertEqual(first.state, "done")
            self.assertEqual(sub.state, "waiting")
            first._post_process()
            self.assertEqual(invoice.payment_state, "partial")
            self.assertEqual(invoice.amount_residual, 99.0)
            self.assertEqual(sub.state, "waiting")
            self.assertFalse(sub.activity_ids)
            # the rest paid online: active at once, before the post-processing
            rest = self._pay_online(invoice)
            self.assertEqual(rest.amount, 99.0)
            self.assertFalse(rest.is_post_processed)
            self.assertEqual(sub.state, "active")
            rest._post_process()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(len(sub.activity_ids), 1)

    def test_online_payment_of_less_than_the_rest_waits(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            invoice = sub.first_invoice_id
            self._register_bank_payment(invoice, amount=40.0)
            self.assertEqual(sub.state, "waiting")
            # 59.99 online of the 60.00 still due: not paid in full
            self._pay_online(invoice, amount=59.99)
            self.assertEqual(sub.state, "waiting")
            self._pay_online(invoice, amount=0.01)
        self.assertEqual(sub.state, "active")

    def test_partial_bank_payment_waits_for_the_rest(self):
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            invoice = sub.first_invoice_id
            self._register_bank_payment(invoice, amount=30.0)
            self.assertEqual(invoice.payment_state, "partial")
            self.assertEqual(sub.state, "waiting")
            self.assertFalse(sub.activity_ids)
            self._register_bank_payment(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.activation_date, date(2030, 3, 1))
        self.assertEqual(len(sub.activity_ids), 1)

    def test_unpaid_does_not_activate(self):
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
        with freeze_time("2030-04-02"):
            self._run_cron()
        self.assertEqual(sub.state, "waiting")
        self.assertFalse(sub.activity_ids)
        self.assertEqual(sub.invoice_count, 1)  # no invoice before activation
        ticket = self._create_ticket(self.customer_contact)
        self.assertEqual(ticket.support_billing_mode, "time")

    # ------------------------------------------------------------ coverage
    def test_covered_ticket_time_is_never_invoiced(self):
        sub = self._active_subscription(self.customer_contact | self.outsider)
        with freeze_time("2030-03-20"):
            covered = self._create_ticket(self.customer_contact, name="VPN down")
            outside = self._create_ticket(self.outsider, name="Outlook")
            not_covered = self._create_ticket(self.customer_contact2, name="Printer")
            entries = self._log(covered, 40) | self._log(outside, 10)
            self._log(not_covered, 20)
            self.assertEqual(covered.support_billing_mode, "subscription")
            self.assertEqual(outside.support_billing_mode, "subscription")
            self.assertEqual(not_covered.support_billing_mode, "time")
            self.env["support.time.entry"]._cron_invoice_support_time()
        # time is still logged and reported ...
        self.assertEqual(covered.support_minutes_worked, 40)
        self.assertEqual(covered.support_minutes_billed, 40)
        # ... never invoiced; the colleague who is not authorised is
        self.assertEqual(set(entries.mapped("state")), {"covered"})
        self.assertEqual(entries.support_subscription_id, sub)
        self.assertFalse(entries.invoice_id)
        self.assertTrue(not_covered.support_time_entry_ids.invoice_id)
        self.assertEqual(sub.state, "active")

    def test_time_worked_before_the_payment_is_covered(self):
        """Subscribed on the 10th, paid by bank transfer on the 14th: the time
        worked on the 11th is covered whether it was logged on the 11th or the
        15th; time invoiced meanwhile, and time before the 10th, stay billed."""
        self.customer.support_trial_eligible = False
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
        self.assertEqual(sub.first_invoice_id.amount_total, 70.97)
        with freeze_time("2030-03-11"):
            early = self._create_ticket(self.customer_contact, closed=False)
            logged_early = self._log(early, 40)
            invoiced = self._create_ticket(self.customer_contact, name="Mail")
            logged_invoiced = self._log(invoiced, 30)
            before = self._create_ticket(self.customer_contact, name="Before")
            logged_before = self._log(before, 20, date="2030-03-09")
            self.assertEqual(logged_early.state, "to_invoice")
        with freeze_time("2030-03-12"):
            first_bill = self._invoice(tickets=invoiced)
        self.assertEqual(first_bill.amount_total, 45.0)  # 30 min at 90.00
        self.assertEqual(logged_invoiced.invoice_id, first_bill)
        with freeze_time("2030-03-14"):
            self._register_bank_payment(sub.first_invoice_id)
        self.assertEqual(sub.state, "active")
        with freeze_time("2030-03-15"):
            late = self._create_ticket(self.customer_contact, name="Late")
            logged_late = self._log(late, 40, date="2030-03-11")
        # one rule: the day of the work, within the paid term
        self.assertEqual(logged_late.state, "covered")
        self.assertEqual(logged_early.state, "covered")
        self.assertEqual(logged_early.support_subscription_id, sub)
        self.assertFalse(logged_early.invoice_id)
        # invoiced before the payment: untouched
        self.assertEqual(logged_invoiced.state, "invoiced")
        self.assertEqual(logged_invoiced.invoice_id, first_bill)
        self.assertEqual(first_bill.amount_total, 45.0)
        # worked before the subscription started: still to invoice
        self.assertEqual(logged_before.state, "to_invoice")
        early.stage_id = self.stage_done
        with freeze_time("2030-03-31"):
            self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertFalse(logged_early.invoice_id)
        self.assertEqual(logged_early.state, "covered")
        self.assertEqual(logged_before.invoice_id.amount_total, 45.0)  # 30 min

    # ------------------------------------------------ cancel, re-subscribe
    def test_cancel_mid_month(self):
        sub = self._active_subscription()
        with freeze_time("2030-04-01"):
            self._run_cron()
        self.assertEqual(sub.invoice_count, 2)
        with freeze_time("2030-04-12"):
            sub.with_user(self.support_manager).action_cancel()
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(sub.cancellation_date, date(2030, 4, 12))
        self.assertEqual(sub.date_end, date(2030, 4, 30))
        self.assertFalse(sub.next_invoice_date)
        self.assertEqual(sub.resubscribe_date, date(2030, 7, 12))
        with freeze_time("2030-04-30"):
            # covered until the end of the month
            ticket = self._create_ticket(self.customer_contact)
            self.assertEqual(ticket.support_billing_mode, "subscription")
            self._run_cron()
            self.assertEqual(sub.state, "cancelled")
        with freeze_time("2030-05-01"):
            self._run_cron()
            self.assertEqual(sub.state, "closed")
            self.assertEqual(sub.invoice_count, 2)  # no further invoice
            later = self._create_ticket(self.customer_contact)
            self.assertEqual(later.support_billing_mode, "time")

    def test_resubscription_after_three_months(self):
        sub = self._active_subscription()
        with freeze_time("2030-03-12"):
            sub.action_cancel()
        with freeze_time("2030-06-11"):  # one day before 3 months
            self._run_cron()
            self.assertEqual(sub.state, "closed")
            self.assertEqual(self.customer.support_resubscribe_date, date(2030, 6, 12))
            self.assertEqual(
                self.customer_contact.support_resubscribe_date, date(2030, 6, 12)
            )
            with self.assertRaisesRegex(UserError, "possible from 06/12/2030"):
                self._subscribe(self.customer_contact)
        with freeze_time("2030-06-12"):  # on the day
            self.customer.invalidate_recordset(["support_resubscribe_date"])
            self.assertFalse(self.customer.support_resubscribe_date)
            again = self._subscribe(self.customer_contact)
        self.assertEqual(again.state, "waiting")
        self.assertEqual(again.partner_id, self.customer)

    def test_one_open_subscription_per_customer(self):
        with freeze_time("2030-03-10"):
            self._subscribe(self.customer_contact)
            with self.assertRaisesRegex(
                Exception, "already has a support subscription"
            ):
                self._subscribe(self.customer_contact2)

    def test_withdraw_before_payment(self):
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
            sub.action_cancel()
        self.assertEqual(sub.state, "closed")
        self.assertEqual(sub.first_invoice_id.state, "cancel")
        self.assertFalse(self.customer.support_resubscribe_date)

    def test_withdraw_partly_paid_credits_the_invoice(self):
        """Withdrawn before activation with 40.00 of 100.00 paid: the first
        invoice is credited in full, nothing is left due and the 40.00 paid
        stay the customer's credit (no money moves)."""
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact)
            invoice = sub.first_invoice_id
            self._register_bank_payment(invoice, amount=40.0)
            self.assertEqual(invoice.payment_state, "partial")
            self.assertEqual(invoice.amount_residual, 60.0)
            payments = self.env["account.payment"].search(
                [("partner_id", "=", self.customer.id)]
            )
            sub.with_user(self.portal_user).sudo().action_cancel()
        self.assertEqual(sub.state, "closed")
        # nothing left due on the invoice: credited in full
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(invoice.payment_state, "reversed")
        credit_note = self.env["account.move"].search(
            [("reversed_entry_id", "=", invoice.id)]
        )
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_total, 100.0)
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(credit_note.support_subscription_id, sub)
        # the 40.00 paid did not move: the customer's credit, to refund or use
        self.assertEqual(
            self.env["account.payment"].search([("partner_id", "=", self.customer.id)]),
            payments,
        )
        self.assertEqual(payments.amount, 40.0)
        self.assertEqual(payments.state, "in_process")
        credit = payments.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(credit.amount_residual, -40.0)
        self.assertFalse(sub.first_invoice_id._support_is_fully_paid())
        self.assertIn("credit note", sub.message_ids[0].body)
        self.assertIn("40.00", sub.message_ids[0].body)

    # ---------------------------------------------------------------- cron
    def test_failing_subscription_does_not_stop_the_cron(self):
        failing = self._active_subscription()
        other = self._active_subscription(self.other_customer)
        registry_class = self.registry["support.subscription"]
        original = registry_class._prepare_invoice_vals

        def prepare(sub, first=False):
            if sub == failing:
                raise ValueError("No income account on the plan's product")
            return original(sub, first=first)

        with (
            freeze_time("2030-04-01"),
            patch.object(registry_class, "_prepare_invoice_vals", prepare),
            mute_logger(SUBSCRIPTION_LOGGER),
        ):
            self._run_cron()
            self._run_cron()  # the error is posted once
        self.assertEqual(other.invoice_count, 2)
        self.assertEqual(other.next_invoice_date, date(2030, 5, 1))
        self.assertEqual(failing.invoice_count, 1)
        self.assertEqual(failing.next_invoice_date, date(2030, 4, 1))
        self.assertIn("No income account", failing.invoice_error)
        posted = failing.message_ids.filtered(
            lambda m: "could not be invoiced" in (m.body or "")
        )
        self.assertEqual(len(posted), 1)
        with freeze_time("2030-04-02"):
            self._run_cron()  # fixed: invoiced late, error cleared
        self.assertEqual(failing.invoice_count, 2)
        self.assertFalse(failing.invoice_error)

    # ------------------------------------------------------------- access
    def test_access_rights(self):
        sub = self._active_subscription()
        other = self._active_subscription(self.other_customer)
        # portal users see their company's subscription only
        mine = self.env["support.subscription"].with_user(self.portal_user)
        self.assertEqual(mine.search([]), sub)
        with self.assertRaises(AccessError):
            _ = other.with_user(self.portal_user).state
        with self.assertRaises(AccessError):
            sub.with_user(self.portal_user).action_cancel()
        # technicians read, managers edit plans
        self.assertEqual(sub.with_user(self.technician).state, "active")
        with self.assertRaises(AccessError):
            sub.with_user(self.technician).action_cancel()
        with self.assertRaises(AccessError):
            self.plan.with_user(self.technician).monthly_price = 1
        self.plan.with_user(self.support_manager).monthly_price = 110


@tagged("post_install", "-at_install")
class TestSubscriptionPortal(SubscriptionCommon, HttpCase):
    def _post(self, url, **data):
        return self.url_open(url, data={"csrf_token": Request.csrf_token(self), **data})

    def test_portal_page_shows_only_own(self):
        sub = self._active_subscription()
        other = self._active_subscription(self.other_customer)
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/subscription")
        self.assertEqual(response.status_code, 200)
        self.assertIn(sub.name, response.text)
        self.assertIn(sub.first_invoice_id.name, response.text)
        self.assertNotIn(other.name, response.text)
        # another customer's subscription cannot be changed
        self._post(f"/my/subscription/{other.id}/users/add", name="X", email="x@x.test")
        self._post(f"/my/subscription/{other.id}/cancel", confirm="1")
        self.assertEqual(other.authorized_user_ids, self.other_customer)
        self.assertEqual(other.state, "active")

    def test_portal_users_and_cancel(self):
        sub = self._active_subscription()
        self.authenticate("sb-portal", "sb-portal")
        response = self._post(
            f"/my/subscription/{sub.id}/users/add", name="Fay", email="not-an-email"
        )
        self.assertIn("valid e-mail address", response.text)
        self.assertEqual(len(sub.authorized_user_ids), 1)
        self._post(
            f"/my/subscription/{sub.id}/users/add", name="Fay", email="fay@x.test"
        )
        fay = sub.authorized_user_ids - self.customer_contact
        self.assertEqual(fay.email, "fay@x.test")
        self.assertEqual(sub.monthly_amount, 100.0)
        # issue 15: Fay is from outside the company, yet listed and counted
        page = self.url_open("/my/subscription").text
        self.assertIn("fay@x.test", page)
        self.assertIn(f"/users/{fay.id}/remove", page)
        self.assertRegex(page, r'id="support_subscription_user_count">\s*2 users<')
        self._post(f"/my/subscription/{sub.id}/users/{fay.id}/remove", confirm="1")
        self.assertEqual(sub.authorized_user_ids, self.customer_contact)
        page = self.url_open("/my/subscription").text
        self.assertRegex(page, r'id="support_subscription_user_count">\s*1 user<')
        # cancel: a confirmation page first, then the POST
        response = self.url_open(f"/my/subscription/{sub.id}/cancel")
        self.assertIn("Confirm the cancellation", response.text)
        self.assertIn("stays active until", response.text)
        self.assertEqual(sub.state, "active")
        self._post(f"/my/subscription/{sub.id}/cancel", confirm="1")
        self.assertEqual(sub.state, "cancelled")
        response = self.url_open("/my/subscription")
        self.assertIn("A new subscription is possible from", response.text)

    def test_portal_users_from_outside_tour(self):
        """Issue 15: a user from outside the company is listed, counted and
        removed in the browser, on a 1440 px desktop and a 390 px phone."""
        sub = self._active_subscription()
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/my/home", "support_subscription_users_tour", login="sb-portal"
                )
                self.assertEqual(sub.authorized_user_ids, self.customer_contact)
        # each run added a person from outside the company, then removed her
        olivias = self.env["res.partner"].search(
            [("email", "=", "olivia@elsewhere.test")]
        )
        self.assertEqual(len(olivias), 2)
        self.assertNotIn(self.customer, olivias.commercial_partner_id)
        removed = sub.message_ids.filtered(
            lambda m: "Authorised user removed" in (m.body or "")
        )
        self.assertEqual(len(removed), 2)

    def test_portal_withdraw_unpaid(self):
        """Issue 15: the page says a never-paid subscription is withdrawn at
        once, and it is."""
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
        self.assertEqual(sub.state, "waiting")
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/subscription").text
        self.assertIn('id="support_subscription_prorated"', page)
        page = self.url_open(f"/my/subscription/{sub.id}/cancel").text
        self.assertIn("withdraws it at once", page)
        self.assertNotIn("stays active until", page)
        response = self._post(f"/my/subscription/{sub.id}/cancel", confirm="1")
        self.assertEqual(sub.state, "closed")
        self.assertFalse(sub.date_end)
        self.assertEqual(sub.first_invoice_id.state, "cancel")
        self.assertIn("Your subscription is withdrawn", response.text)
        self.assertIn("support_subscribe_form", response.text)

    def test_portal_withdraw_partly_paid(self):
        """Withdrawn in the portal with 40.00 of 100.00 paid: the page says
        the invoice is credited and the payment kept as a credit."""
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
            self._register_bank_payment(sub.first_invoice_id, amount=40.0)
        self.authenticate("sb-portal", "sb-portal")
        response = self._post(f"/my/subscription/{sub.id}/cancel", confirm="1")
        self.assertEqual(sub.state, "closed")
        self.assertEqual(sub.first_invoice_id.amount_residual, 0.0)
        self.assertEqual(sub.first_invoice_id.payment_state, "reversed")
        self.assertNotIn("unpaid first invoice cancelled", response.text)
        self.assertIn("stays as a credit", response.text)

    def test_portal_subscribe(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/subscription")
        self.assertIn("support_subscribe_form", response.text)
        response = self._post(
            "/my/subscription/subscribe",
            plan_id=str(self.plan.id),
            startup_contact="email",
            confirm="1",
        )
        sub = self.env["support.subscription"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(sub.state, "waiting")
        self.assertEqual(sub.authorized_user_ids, self.customer_contact)
        self.assertEqual(sub.startup_contact, "email")
        self.assertIn(f"/my/invoices/{sub.first_invoice_id.id}", response.url)


@tagged("post_install", "-at_install")
class TestSubscriptionConcurrency(ConcurrencyCase):
    """The monthly run on two workers, a first invoice paid twice at once."""

    def setUp(self):
        super().setUp()
        today = fields.Date.context_today(self.env["support.subscription"])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": "Twin Workers Ltd", "is_company": True}
            )
            contact = env["res.partner"].create(
                {"name": "Tina Twin", "parent_id": partner.id}
            )
            subs = env["support.subscription"].create(
                [
                    {
                        "partner_id": partner.id,
                        "plan_id": env.ref(
                            "support_billing.support_plan_all_inclusive"
                        ).id,
                        "authorized_user_ids": [(6, 0, contact.ids)],
                    }
                ]
            )
            subs.write(
                {
                    "state": "active",
                    "date_start": today.replace(day=1),
                    "activation_date": today.replace(day=1),
                    "next_invoice_date": today.replace(day=1),
                }
            )
            self.ids = {"partners": (partner | contact).ids, "subs": subs.ids}
            self.due_before = (
                env["support.subscription"]
                .search([("state", "=", "active"), ("next_invoice_date", "<=", today)])
                .ids
            )
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            subs = env["support.subscription"].browse(self.ids["subs"])
            invoices = subs.invoice_ids
            invoices.filtered(lambda m: m.state == "posted").button_draft()
            invoices.with_context(force_delete=True).unlink()
            subs.unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def test_monthly_run_on_two_workers(self):
        """Both workers run the daily job at once: one invoice per
        subscription and month, and the second worker neither fails nor
        records an error."""
        self.assertEqual(self.due_before, self.ids["subs"], "other due subscriptions")

        def run(env):
            env["support.subscription"]._cron_invoice_subscriptions()

        errors = self._race(run, run, replay=False)
        self.assertFalse(errors)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sub = env["support.subscription"].browse(self.ids["subs"])
            today = fields.Date.context_today(sub)
            self.assertEqual(len(sub.invoice_ids), 1)
            self.assertEqual(sub.invoice_ids.state, "posted")
            self.assertEqual(sub.invoice_ids.amount_untaxed, 99.0)
            self.assertEqual(
                sub.next_invoice_date, rules.next_month_start(today.replace(day=1))
            )
            self.assertFalse(sub.invoice_error)

    def test_two_subscribe_clicks_at_once(self):
        """The portal's Subscribe posted twice at the same moment: one
        subscription and one first invoice; the other click is refused
        cleanly (a UserError the page shows), never a server error."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.partner"].create(
                {"name": "Double Click Ltd", "is_company": True}
            )
            person = env["res.partner"].create(
                {"name": "Dora Double", "parent_id": company.id}
            )
            self.ids["partners"] += (company | person).ids
            plan_id = env.ref("support_billing.support_plan_all_inclusive").id
            company_id = env.company.id

        def subscribe(env):
            env["support.subscription"]._support_subscribe_from_portal(
                env["res.partner"].browse(person.id),
                env["support.plan"].browse(plan_id),
                "phone",
                env["res.company"].browse(company_id),
            )

        errors = self._race(subscribe, subscribe, hold=False)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            subs = env["support.subscription"].search([("partner_id", "=", company.id)])
            self.ids["subs"] += subs.ids
            self.assertEqual(len(subs), 1, errors)
            self.assertEqual(subs.state, "waiting")
            self.assertEqual(len(subs.invoice_ids), 1)
            self.assertEqual(subs.first_invoice_id.state, "posted")
        self.assertEqual(len(errors), 1, errors)
        (error,) = errors.values()
        self.assertIsInstance(error, UserError)
        self.assertIn("already has a support subscription", str(error))

    def test_two_creates_at_once(self):
        """Two open subscriptions of one customer created at the same
        moment (no invoice posted to serialise them): the database keeps
        one, the other transaction is refused."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.partner"].create(
                {"name": "Twice Created Ltd", "is_company": True}
            )
            self.ids["partners"] += company.ids
            plan_id = env.ref("support_billing.support_plan_all_inclusive").id

        def create(env):
            env["support.subscription"].create(
                {"partner_id": company.id, "plan_id": plan_id}
            )

        errors = self._race(create, create, hold=False)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            subs = env["support.subscription"].search([("partner_id", "=", company.id)])
            self.ids["subs"] += subs.ids
            self.assertEqual(subs.mapped("state"), ["draft"], errors)
        self.assertEqual(len(errors), 1, errors)
        (error,) = errors.values()
        self.assertIsInstance(error, UserError)
        self.assertIn("already has a support subscription", str(error))
