# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from html import unescape
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .. import const
from .common import SupportBillingCommon


class CardHoldCommon(SupportBillingCommon):
    """Holds authorised through Odoo's demo provider (manual capture)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.provider.write(
            {
                "state": "test",
                "capture_manually": True,
                "company_id": cls.company.id,
            }
        )
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.customer.write(
            {"support_trial_eligible": False, "support_hourly_rate": 100}
        )
        # the support time carries a real sales tax, excluded from the price
        cls.sales_tax = cls._create_sales_tax(20)
        cls.product_time.taxes_id = cls.sales_tax
        cls.ticket = cls._create_ticket(cls.customer_contact, name="Laptop slow")

    @classmethod
    def _create_sales_tax(cls, percent):
        return cls.env["account.tax"].create(
            {
                "name": f"Sales tax {percent} %",
                "amount": percent,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": cls.company.id,
            }
        )

    def _run_expiry_cron(self):
        """The expiry cron, its per-hold commits recorded instead of done
        (a test cursor cannot commit)."""
        commits = []
        cron_class = type(self.env["ir.cron"])
        with patch.object(
            cron_class,
            "_commit_progress",
            lambda _self, processed=0, remaining=None, deactivate=False: (
                commits.append((processed, remaining)) or 1.0
            ),
        ):
            self.env["support.card.hold"]._cron_expire_holds()
        return commits

    def _charge(self, hold):
        """An accountant charges the hold, then Odoo's post-processing cron,
        which the charge triggered, records the capture's payment."""
        result = hold.with_user(self.accountant).action_charge_time()
        self._run_payment_post_processing()
        return result

    def _run_payment_post_processing(self):
        """What Odoo's post-processing cron does when it runs (a moment after
        the charge's commit), in the test's transaction: its commit after
        each transaction is a flush here."""
        with patch.object(self.env.cr, "commit", self.env.flush_all):
            self.env["payment.transaction"]._cron_post_process()
        self.env.invalidate_all()

    def _money_messages(self, hold):
        """The chatter's money events, oldest first, as plain text."""
        bodies = [unescape(b) for b in hold.message_ids.sorted("id").mapped("body")]
        return [
            body
            for body in bodies
            if ("captured" in body or "released" in body or "Authorised" in body)
            and "Nothing to charge" not in body
        ]

    @classmethod
    def _create_hold(cls, minutes=120, rate=100.0, ticket=None):
        return cls.env["support.card.hold"].create(
            {
                "partner_id": cls.customer_contact.id,
                "ticket_id": (ticket or cls.ticket).id,
                "duration_minutes": minutes,
                "hourly_rate": rate,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _create_hold_transaction(cls, hold, provider, payment_method):
        """The hold's source transaction, as the public page creates it."""
        tx = cls.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": payment_method.id,
                "reference": hold.name,
                "amount": hold.amount,
                "currency_id": hold.currency_id.id,
                "partner_id": hold.partner_id.id,
                "operation": "online_direct",
                "support_card_hold_id": hold.id,
            }
        )
        hold.sudo().transaction_id = tx
        return tx

    @classmethod
    def _authorize(cls, hold, simulated_state="done"):
        tx = cls._create_hold_transaction(hold, cls.provider, cls.payment_method)
        tx._process(
            "demo", {"reference": tx.reference, "simulated_state": simulated_state}
        )
        return tx


@tagged("post_install", "-at_install")
class TestCardHold(CardHoldCommon):
    def test_hold_amount_and_bounds(self):
        hold = self._create_hold(minutes=60, rate=90)
        self.assertEqual(hold.amount_untaxed, 90.0)
        self.assertEqual(hold.amount, 108.0)  # 20 % sales tax included
        self.assertEqual(hold.state, "draft")
        self.assertTrue(hold.name.startswith("HOLD/"))
        for bad in (0, 29, -60, 100_000):
            with self.subTest(minutes=bad), self.assertRaises(ValidationError):
                self._create_hold(minutes=bad)

    def test_charge_logs_each_payment_message_once(self):
        """The capture, its payment and the release are still logged on the
        invoice, once each, now as notes (without ``message_post``'s
        look-ups)."""
        ticket = self._create_ticket(self.customer_contact, closed=False)
        hold = self._create_hold(ticket=ticket)
        self._authorize(hold)
        self._log(ticket, 15)
        ticket.stage_id = self.stage_done
        self._charge(hold)
        children = hold.transaction_ids.filtered("source_transaction_id")
        self.assertEqual(sorted(children.mapped("state")), ["cancel", "done"])
        logs = hold.invoice_id.message_ids.filtered(
            lambda m: any(tx.reference in (m.body or "") for tx in children)
        )
        bodies = logs.mapped("body")
        self.assertEqual(len(bodies), len(set(bodies)), "a message logged twice")
        for tx in children:
            self.assertTrue(any(tx.reference in body for body in bodies), tx.reference)
        self.assertEqual(set(logs.mapped("message_type")), {"notification"})

    def test_authorisation_recorded(self):
        hold = self._create_hold()
        with freeze_time("2026-03-02 10:00:00"):
            self._authorize(hold)
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(hold.amount, 240.0)
        self.assertEqual(
            hold.expiry_date, fields.Datetime.to_datetime("2026-03-09 10:00:00")
        )
        self.assertEqual(self.ticket.support_billing_mode, "hold")
        self.assertTrue(
            hold.message_ids.filtered(lambda m: "Authorised" in (m.body or ""))
        )

    def test_charge_stops_at_the_capture_the_cron_records_the_payment(self):
        """The charge invoices and captures; Odoo's post-processing cron,
        triggered at once, records and reconciles the capture's payment in
        its own transaction (issue 16: half the charge's queries).  Meanwhile
        the invoice offers no online payment, whatever its residual."""
        self.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )
        cron = self.env.ref("payment.cron_post_process_payment_tx")
        self.assertTrue(cron.active)  # an enabled provider activates it
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        hold = self._create_hold(minutes=60, rate=100)  # 100.00 + 20 % = 120.00
        self._authorize(hold)
        self._log(self.ticket, 30)  # 50.00 + 10.00
        hold.with_user(self.accountant).action_charge_time()
        invoice = hold.invoice_id
        capture_tx = hold.transaction_ids.filtered(
            lambda t: t.source_transaction_id and t.state == "done"
        )
        self.assertEqual((hold.captured_amount, hold.released_amount), (60.0, 60.0))
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_residual, 60.0)
        self.assertFalse(capture_tx.payment_id)
        self.assertFalse(invoice._has_to_be_paid())
        new_triggers = (
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        )
        self.assertEqual(len(new_triggers), 1)
        self.assertLessEqual(new_triggers.call_at, fields.Datetime.now())
        # the cron runs: one payment, reconciled; a second run adds nothing
        for _run in range(2):
            self._run_payment_post_processing()
            payments = self.env["account.payment"].search(
                [("payment_transaction_id", "in", hold.transaction_ids.ids)]
            )
            self.assertEqual(payments, capture_tx.payment_id)
            self.assertEqual(payments.amount, 60.0)
            self.assertEqual(invoice.amount_residual, 0.0)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertFalse(invoice._has_to_be_paid())

    def test_credit_note_before_the_payment_leaves_the_money_as_credit(self):
        """The accountant credits the invoice in full between the charge and
        the post-processing: the captured money is still recorded, once, as
        the customer's outstanding credit (Odoo reconciles a payment with
        the invoices still open only), and the time waits for review."""
        hold = self._create_hold(minutes=60, rate=100)
        self._authorize(hold)
        entry = self._log(self.ticket, 30)  # 50.00 + 10.00
        hold.with_user(self.accountant).action_charge_time()
        invoice = hold.invoice_id
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Mistake"})
        )
        wizard.reverse_moves()
        wizard.new_move_ids.action_post()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(entry.state, const.ENTRY_STATE_TO_REVIEW)
        for _run in range(2):
            self._run_payment_post_processing()
            payments = self.env["account.payment"].search(
                [("payment_transaction_id", "in", hold.transaction_ids.ids)]
            )
            self.assertEqual(len(payments), 1)
            receivable = payments.move_id.line_ids.filtered(
                lambda line, account=payments.destination_account_id: (
                    line.account_id == account
                )
            )
            self.assertEqual(receivable.amount_residual, -60.0)  # the credit
            self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(hold.captured_amount, 60.0)

    def test_charge_records_the_payment_itself_without_the_cron(self):
        """No active post-processing cron (no enabled provider left): the
        charge records the payment itself, as before."""
        hold = self._create_hold(minutes=60, rate=100)
        self._authorize(hold)
        self._log(self.ticket, 30)
        self.env.ref("payment.cron_post_process_payment_tx").active = False
        hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(hold.invoice_id.amount_residual, 0.0)
        self.assertEqual(hold.captured_amount, 60.0)

    def test_seed_example_hold_200_charge_25(self):
        """Hold 200.00, time worth 25.00 (taxes included): 25.00 captured,
        175.00 free again at once (README: Card holds), with a 25 % sales tax."""
        self.product_time.taxes_id = self._create_sales_tax(25)
        self.customer.support_hourly_rate = 40
        hold = self._create_hold(minutes=240, rate=40)  # 160.00 + 25 %
        self.assertEqual((hold.amount_untaxed, hold.amount), (160.0, 200.0))
        tx = self._authorize(hold)
        self._log(self.ticket, 15)  # 15 worked -> 30 billed = 20.00 + 5.00
        self.ticket.stage_id = self.stage_done
        self._charge(hold)
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_total, 25.0)
        self.assertEqual(invoice.amount_tax, 5.0)
        self.assertEqual(hold.state, "captured")  # settled: the rest released
        self.assertEqual(hold.captured_amount, 25.0)
        self.assertEqual(hold.released_amount, 175.0)
        self.assertEqual(tx.state, "done")
        # the capture's payment is reconciled with the invoice
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.amount_residual, 0.0)
        capture_tx = hold.transaction_ids.filtered(
            lambda t: t.source_transaction_id and t.state == "done"
        )
        self.assertEqual(capture_tx.amount, 25.0)
        self.assertTrue(capture_tx.payment_id)
        self.assertFalse(
            self.ticket.activity_ids.filtered(
                lambda a: a.summary == "New card authorisation needed"
            )
        )
        # one message per money event, with its own amount
        bodies = self._money_messages(hold)
        self.assertEqual(len(bodies), 3)
        self.assertIn("Authorised on the card", bodies[0])
        self.assertIn(hold.currency_id.format(200.0), bodies[0])
        self.assertIn(f"{hold.currency_id.format(25.0)} captured", bodies[1])
        self.assertIn(f"{hold.currency_id.format(175.0)} released", bodies[2])
        self.assertIn(self.accountant.name, bodies[2])

    def test_one_hour_hold_covers_one_hour_with_taxes(self):
        """Issue 12: the hold covers the booked time as invoiced, taxes
        included, so one hour of work needs no new authorisation."""
        hold = self._create_hold(minutes=60, rate=100)
        self.assertEqual(hold.amount, 120.0)
        self._authorize(hold)
        self._log(self.ticket, 60)
        self._charge(hold)
        self.assertEqual(hold.invoice_id.amount_total, 120.0)
        self.assertEqual((hold.captured_amount, hold.released_amount), (120.0, 0.0))
        self.assertEqual(hold.invoice_id.amount_residual, 0.0)
        self.assertEqual(hold.state, "captured")
        self.assertFalse(
            self.ticket.activity_ids.filtered(
                lambda a: a.summary == "New card authorisation needed"
            )
        )

    def test_seed_example_one_hour_thirty_minutes(self):
        """Hold 1 h, 30 minutes worked: 30 minutes charged."""
        hold = self._create_hold(minutes=60, rate=100)
        self._authorize(hold)
        self._log(self.ticket, 30)
        self._charge(hold)
        self.assertEqual(hold.captured_amount, 60.0)
        self.assertEqual(hold.released_amount, 60.0)

    def test_time_priced_at_the_customer_rate_not_the_hold(self):
        """Issue 23: the hold is a ceiling, not a price list.  The customer
        authorised 1 h at 90.00; her rate is 120.00 when the time is charged:
        the time is invoiced at 120.00, the capture stays within the hold."""
        hold = self._create_hold(minutes=60, rate=90)  # 90.00 + 20 % = 108.00
        self._authorize(hold)
        self.customer.support_hourly_rate = 120
        self._log(self.ticket, 30)  # 60.00 + 12.00
        self._charge(hold)
        line = hold.invoice_id.invoice_line_ids
        self.assertEqual(line.price_subtotal, 60.0)
        self.assertEqual(hold.invoice_id.amount_total, 72.0)
        self.assertEqual((hold.captured_amount, hold.released_amount), (72.0, 36.0))
        self.assertEqual(hold.invoice_id.amount_residual, 0.0)

    def _public_hold_15_percent(self, minutes, contract_rate):
        """A hold booked on the public page at the public 90.00/h, with a
        15 % sales tax, by a customer whose contract rate is
        ``contract_rate``."""
        self.product_time.taxes_id = self._create_sales_tax(15)
        self.customer.support_hourly_rate = contract_rate
        hold = self._create_hold(minutes=minutes, rate=90.0)
        self._authorize(hold)
        return hold

    def test_public_hold_invoiced_at_a_lower_contract_rate(self):
        """Issue 23: contract 50.00/h, 4 h booked at the public 90.00/h
        (360.00 + 15 % = 414.00); 20 minutes worked (30 billed) are invoiced
        at 50.00/h: 25.00 + 3.75, not 45.00 + 6.75."""
        hold = self._public_hold_15_percent(240, 50.0)
        self.assertEqual((hold.amount_untaxed, hold.amount), (360.0, 414.0))
        self._log(self.ticket, 20)
        self._charge(hold)
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_untaxed, 25.0)
        self.assertEqual(invoice.amount_tax, 3.75)
        self.assertEqual(invoice.amount_total, 28.75)
        self.assertEqual(hold.state, "captured")
        self.assertEqual((hold.captured_amount, hold.released_amount), (28.75, 385.25))
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_public_hold_invoiced_at_a_higher_contract_rate(self):
        """Issue 23: contract 150.00/h, 1 h booked at the public 90.00/h
        (90.00 + 15 % = 103.50); 47 minutes are invoiced at 150.00/h:
        117.50 + 17.63 = 135.13, not 70.50 + 10.58.  The card pays what it
        authorised (103.50), the rest (31.63) stays due on the invoice."""
        hold = self._public_hold_15_percent(60, 150.0)
        self.assertEqual((hold.amount_untaxed, hold.amount), (90.0, 103.5))
        self._log(self.ticket, 47)
        self._charge(hold)
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_untaxed, 117.5)
        self.assertEqual(invoice.amount_tax, 17.63)
        self.assertEqual(invoice.amount_total, 135.13)
        self.assertEqual(hold.state, "captured")
        self.assertEqual((hold.captured_amount, hold.released_amount), (103.5, 0.0))
        self.assertAlmostEqual(invoice.amount_residual, 31.63)
        self.assertTrue(
            self.ticket.activity_ids.filtered(
                lambda a: a.summary == "New card authorisation needed"
            )
        )

    def test_full_only_providers_cannot_hold(self):
        """A provider that captures in full only (Authorize.net, Razorpay:
        ``support_manual_capture == 'full_only'``) cannot capture the time
        worked and release the rest: it is never offered for a card hold.
        Stripe stays (the addon captures part of it with
        ``amount_to_capture``)."""
        providers = self.env["payment.provider"]
        self.assertEqual(self.provider.support_manual_capture, "partial")
        self.assertEqual(
            providers._support_filter_hold_providers(self.provider), self.provider
        )
        provider_class = type(self.provider)
        compute = provider_class._compute_feature_support_fields

        def full_only(records):
            compute(records)
            records.filtered(lambda p: p.code == "demo").update(
                {"support_manual_capture": "full_only"}
            )

        with patch.object(provider_class, "_compute_feature_support_fields", full_only):
            self.provider.invalidate_recordset(["support_manual_capture"])
            self.assertEqual(self.provider.support_manual_capture, "full_only")
            self.assertFalse(providers._support_filter_hold_providers(self.provider))
        self.provider.invalidate_recordset(["support_manual_capture"])

    def test_charge_never_above_the_hold(self):
        hold = self._create_hold(minutes=30, rate=100)  # 50.00 + 20 % = 60.00
        self._authorize(hold)
        self._log(self.ticket, 47)  # 78.33 + 15.67 = 94.00 due
        self._charge(hold)
        self.assertEqual(hold.state, "captured")
        self.assertEqual(hold.captured_amount, 60.0)
        self.assertEqual(hold.released_amount, 0.0)
        self.assertAlmostEqual(hold.invoice_id.amount_residual, 34.0)
        activity = self.ticket.activity_ids.filtered(
            lambda a: a.summary == "New card authorisation needed"
        )
        self.assertTrue(activity)
        # the transaction itself refuses a capture above the hold
        with self.assertRaises(UserError):
            hold.transaction_id._capture(amount_to_capture=1.0)

    def test_capture_bounded_by_the_transaction(self):
        """What was authorised is fixed once the card transaction exists, and
        the capture bound is the transaction's amount, not the hold's."""
        hold = self._create_hold(minutes=60, rate=100)  # 120.00
        tx = self._authorize(hold)
        for vals in (
            {"duration_minutes": 480},
            {"hourly_rate": 500},
            {"partner_id": self.customer_contact2.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                hold.write(vals)
        # a hold amount changed behind the ORM's back moves no more money
        self.env.cr.execute(
            "UPDATE support_card_hold SET amount = 5000 WHERE id = %s", [hold.id]
        )
        hold.invalidate_recordset()
        self._log(self.ticket, 300)  # 600.00 due
        self._charge(hold)
        self.assertEqual(hold.captured_amount, tx.amount)
        self.assertEqual(hold.captured_amount, 120.0)
        self.assertAlmostEqual(hold.invoice_id.amount_residual, 600.0 - 120.0)

    def test_hold_pays_only_its_own_customer(self):
        other_ticket = self._create_ticket(self.other_customer, name="Not Acme")
        with self.assertRaises(ValidationError):
            self._create_hold(ticket=other_ticket)
        hold = self._create_hold()
        self._authorize(hold)
        # the ticket cannot be swapped once the card is authorised ...
        with self.assertRaises(UserError):
            hold.ticket_id = other_ticket
        colleague_ticket = self._create_ticket(self.customer_contact2)
        with self.assertRaises(UserError):
            hold.ticket_id = colleague_ticket
        # ... and charging checks the customer even if the link was forced
        self.env.cr.execute(
            "UPDATE support_card_hold SET ticket_id = %s WHERE id = %s",
            [other_ticket.id, hold.id],
        )
        hold.invalidate_recordset()
        self._log(other_ticket, 30)
        with self.assertRaisesRegex(UserError, "cannot pay for"):
            hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(hold.state, "authorized")
        self.assertFalse(hold.transaction_id.child_transaction_ids)
        self.assertFalse(
            self.env["account.move"].search(
                [("partner_id", "child_of", self.other_customer.id)]
            )
        )

    def test_ticket_linked_after_authorisation(self):
        """A hold paid on the public page without a reference is linked to
        its customer's ticket once; it cannot be moved afterwards."""
        hold = self.env["support.card.hold"].create(
            {
                "partner_id": self.customer_contact.id,
                "duration_minutes": 60,
                "hourly_rate": 100,
                "company_id": self.company.id,
            }
        )
        self._authorize(hold)
        hold.ticket_id = self.ticket
        self.assertEqual(hold.ticket_id, self.ticket)
        with self.assertRaises(UserError):
            hold.ticket_id = False

    def test_nothing_to_charge_releases_the_hold(self):
        """The free trial covers the ticket: invoice 0.00, the hold is
        released (not "Expired") and the chatter says why."""
        self.customer.support_trial_eligible = True
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 10)  # within the 15-minute trial
        self._charge(hold)
        self.assertEqual(hold.invoice_id.amount_total, 0.0)
        self.assertEqual(hold.state, "released")
        self.assertEqual(hold.end_reason, "released")
        self.assertEqual((hold.captured_amount, hold.released_amount), (0.0, 240.0))
        bodies = self._money_messages(hold)
        self.assertIn("Nothing to charge", " ".join(hold.message_ids.mapped("body")))
        self.assertEqual(len(bodies), 2)  # authorised, then released once
        self.assertIn(hold.currency_id.format(240.0), bodies[-1])
        self.assertNotIn("expired", bodies[-1])

    def test_status_bar_of_a_released_hold(self):
        """A released or expired hold's status bar never shows "Captured"."""
        arch = self.env["support.card.hold"].get_view(view_type="form")["arch"]
        bars = [
            line
            for line in arch.split("<field")
            if 'widget="statusbar"' in line and 'name="state"' in line
        ]
        self.assertEqual(len(bars), 2)
        ended = [b for b in bars if "captured" not in b.split("statusbar_visible")[1]]
        self.assertEqual(len(ended), 1)
        self.assertIn("released", ended[0])

    def test_double_click_captures_once(self):
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 40)
        self._charge(hold)
        with self.assertRaises(UserError):
            hold.with_user(self.accountant).action_charge_time()
        captures = hold.transaction_ids.filtered(
            lambda t: t.source_transaction_id and t.state == "done"
        )
        self.assertEqual(len(captures), 1)
        self.assertEqual(len(hold.invoice_id.line_ids.filtered("payment_id")), 0)
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "in", hold.transaction_ids.ids)]
        )
        self.assertEqual(len(payments), 1)

    def test_release_uncaptured(self):
        hold = self._create_hold()
        self._authorize(hold)
        hold.with_user(self.accountant).action_release()
        self.assertEqual(hold.state, "released")
        self.assertEqual(hold.released_amount, 240.0)
        self.assertEqual(hold.captured_amount, 0.0)
        self.assertEqual(self.ticket.support_billing_mode, "time")
        with self.assertRaises(UserError):
            hold.with_user(self.accountant).action_release()

    def test_technician_cannot_move_money(self):
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 20)
        as_tech = hold.with_user(self.technician)
        # technicians see the hold ...
        self.assertEqual(as_tech.state, "authorized")
        self.assertEqual(as_tech.amount, 240.0)
        self.assertTrue(as_tech.expiry_date)
        # ... but cannot charge, release, or touch its transaction
        for action in ("action_charge_time", "action_release"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(as_tech, action)()
        with self.assertRaises(AccessError):
            hold.transaction_id.with_user(self.technician).action_capture()
        with self.assertRaises(AccessError):
            as_tech.write({"duration_minutes": 480})
        self.assertEqual(hold.state, "authorized")

    def test_portal_sees_own_holds_only(self):
        hold = self._create_hold()
        other = self.env["support.card.hold"].create(
            {
                "partner_id": self.other_customer.id,
                "duration_minutes": 60,
                "hourly_rate": 90,
                "company_id": self.company.id,
            }
        )
        holds = self.env["support.card.hold"].with_user(self.portal_user)
        self.assertEqual(holds.search([]), hold)
        with self.assertRaises(AccessError):
            _ = other.with_user(self.portal_user).amount
        self.assertEqual(
            self.env["support.card.hold"].with_user(self.other_portal_user).search([]),
            other,
        )

    def test_declined_card_leaves_no_hold(self):
        hold = self._create_hold()
        self._authorize(hold, simulated_state="error")
        self.assertEqual(hold.state, "error")
        self.assertEqual(hold.captured_amount + hold.released_amount, 0.0)
        self.assertFalse(hold.authorized_at)
        self.assertEqual(self.ticket.support_billing_mode, "time")
        with self.assertRaises(UserError):
            hold.with_user(self.accountant).action_charge_time()

    def test_expiry_cron_warns_then_voids(self):
        hold = self._create_hold()
        with freeze_time("2026-03-02 10:00:00"):
            self._authorize(hold)
        with freeze_time("2026-03-06 10:00:00"):  # 4 days: nothing
            self._run_expiry_cron()
        self.assertFalse(hold.activity_ids)
        with freeze_time("2026-03-07 11:00:00"):  # 5 days: warn once
            self._run_expiry_cron()
            self._run_expiry_cron()
        self.assertEqual(len(hold.activity_ids), 1)
        self.assertEqual(hold.state, "authorized")
        with freeze_time("2026-03-08 11:00:00"):  # 6 days: void
            commits = self._run_expiry_cron()
        self.assertEqual(hold.state, "expired")
        self.assertEqual(hold.released_amount, 240.0)
        self.assertEqual(commits, [(1, 0)])  # committed right after the void
        self.assertIn("the card hold expired", self._money_messages(hold)[-1])

    def test_expiry_cron_commits_after_each_hold(self):
        # issue 27: one live hold per ticket; two tickets, two holds
        other = self._create_ticket(self.customer_contact, name="Second laptop")
        first, second = self._create_hold(), self._create_hold(ticket=other)
        with freeze_time("2026-03-02 10:00:00"):
            self._authorize(first)
            self._authorize(second)
        with freeze_time("2026-03-08 11:00:00"):
            commits = self._run_expiry_cron()
        self.assertEqual(commits, [(1, 1), (1, 0)])
        self.assertEqual((first | second).mapped("state"), ["expired", "expired"])

    def test_provider_cancel_marks_expired(self):
        """The provider's own cancel (Stripe: 7 days) marks the hold expired;
        a second notice changes nothing."""
        hold = self._create_hold()
        tx = self._authorize(hold)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "cancel"})
        self.assertEqual(hold.state, "expired")
        tx._process("demo", {"reference": tx.reference, "simulated_state": "cancel"})
        self.assertEqual(hold.state, "expired")
        self._run_expiry_cron()
        self.assertEqual(hold.state, "expired")
        self.assertEqual(len(self._money_messages(hold)), 2)

    def test_request_from_ticket(self):
        action = self.ticket.with_user(
            self.technician
        ).action_support_request_card_hold()
        self.assertEqual(action["res_model"], "support.card.hold.request")
        # issue 15: closing the dialog without sending leaves no hold behind
        self.assertFalse(self.ticket.support_card_hold_ids)
        wizard = (
            self.env["support.card.hold.request"]
            .with_user(self.technician)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.partner_id, self.ticket.partner_id)
        self.assertGreater(wizard.hourly_rate, 0)
        wizard.action_send_request()
        hold = self.ticket.support_card_hold_ids
        self.assertEqual(len(hold), 1)
        self.assertEqual(hold.state, "draft")
        sent = hold.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(sent), 1)
        self.assertIn(self.ticket.partner_id, sent.partner_ids)
        self.assertIn(f"/support/pay?hold_id={hold.id}", str(sent.body))
        template = self.env.ref("support_billing.mail_template_card_hold_request")
        body = template._render_field("body_html", hold.ids)[hold.id]
        self.assertIn(f"/support/pay?hold_id={hold.id}", body)
        self.assertIn(hold.access_token, body)
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.portal_user).action_support_request_card_hold()

    def test_request_from_ticket_of_another_company(self):
        """Issue 23: a technician working in company B (euros) requests a
        hold for a ticket of company A (dollars): the hold is company A's,
        in dollars, at the customer's rate in A (100.00 + 20 % = 120.00)."""
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 0.5)])
        company_b = self.env["res.company"].create(
            {"name": "Support B", "currency_id": eur.id}
        )
        self.technician.write({"company_ids": [Command.link(company_b.id)]})
        self.technician.company_id = company_b
        wizard = (
            self.env["support.card.hold.request"]
            .with_user(self.technician)
            .with_context(allowed_company_ids=[company_b.id, self.company.id])
            .create({"ticket_id": self.ticket.id})
        )
        self.assertEqual(wizard.env.company, company_b)
        self.assertEqual(wizard.currency_id, self.company.currency_id)
        self.assertEqual(wizard.hourly_rate, 100.0)
        wizard.action_send_request()
        hold = self.ticket.support_card_hold_ids
        self.assertEqual(hold.company_id, self.company)
        self.assertEqual(hold.currency_id, self.company.currency_id)
        self.assertEqual(hold.hourly_rate, 100.0)
        self.assertEqual((hold.amount_untaxed, hold.amount), (100.0, 120.0))

    def test_monthly_run_leaves_hold_tickets_alone(self):
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 40)
        self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertEqual(self.ticket.support_time_entry_ids.state, "to_invoice")
        self.assertFalse(hold.invoice_id)

    def test_chatter_records_every_money_event(self):
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 30)
        self._charge(hold)
        bodies = self._money_messages(hold)
        self.assertEqual(len(bodies), 3)
        for body, word, amount in zip(
            bodies,
            ("Authorised", "captured", "released"),
            (240.0, 60.0, 180.0),
            strict=True,
        ):
            self.assertIn(word, body)
            self.assertIn(hold.currency_id.format(amount), body)
        self.assertIn(self.accountant.name, bodies[1])
        self.assertNotIn(hold.currency_id.format(0.0), " ".join(bodies))
        self.assertTrue(hold.expiry_date > fields.Datetime.now() - timedelta(days=1))

    def test_hold_transactions_are_charged_from_the_hold(self):
        """The capture wizard and void button of a hold's transaction would
        move money without the invoice: they send the accountant to the hold."""
        hold = self._create_hold()
        tx = self._authorize(hold)
        for action in ("action_capture", "action_void"):
            with self.subTest(action=action), self.assertRaises(UserError):
                getattr(tx, action)()
        self.assertEqual(hold.state, "authorized")


@tagged("post_install", "-at_install")
class TestCardHoldScreens(CardHoldCommon):
    """Issue 15: the hold list shows the expiry date and the days left; the
    chatter speaks the company's language whatever the customer's page."""

    def test_list_shows_expiry_date_and_days_left(self):
        arch = self.env["support.card.hold"].get_views([(False, "list")])["views"][
            "list"
        ]["arch"]
        self.assertIn('name="expiry_days_left"', arch)
        self.assertNotIn("remaining_days", arch)
        with freeze_time("2026-03-02 09:00:00"):
            hold = self._create_hold()
            self._authorize(hold)
            self.assertEqual(hold.expiry_days_left, 7)
        with freeze_time("2026-03-07 10:00:00"):
            hold.invalidate_recordset(["expiry_days_left"])
            self.assertEqual(hold.expiry_days_left, 1)

    def test_chatter_in_company_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        self.company.partner_id.lang = "en_US"
        # the customer's French page creates and authorises the hold
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        hold = (
            self.env["support.card.hold"]
            .with_env(french)
            .create(
                {
                    "partner_id": self.customer_contact.id,
                    "ticket_id": self.ticket.id,
                    "duration_minutes": 60,
                    "hourly_rate": 100.0,
                    "company_id": self.company.id,
                }
            )
        )
        tx = self._create_hold_transaction(hold, self.provider, self.payment_method)
        tx.with_env(french)._process(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        bodies = " ".join(hold.message_ids.mapped("body"))
        self.assertEqual(hold._creation_message(), "Card hold created")
        self.assertIn("Authorised on the card", bodies)
        self.assertNotIn("Pré-autorisation", bodies)
        # a French company: its chatter language, whatever the user's
        self.company.partner_id.lang = "fr_FR"
        self.assertEqual(
            hold.with_context(lang="en_US")._support_company_env().lang, "fr_FR"
        )
