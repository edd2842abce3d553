# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

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
        cls.ticket = cls._create_ticket(cls.customer_contact, name="Laptop slow")

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
        hold.transaction_id = tx
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
        self.assertEqual(hold.amount, 90.0)
        self.assertEqual(hold.state, "draft")
        self.assertTrue(hold.name.startswith("HOLD/"))
        for bad in (0, 29, -60, 100_000):
            with self.subTest(minutes=bad), self.assertRaises(ValidationError):
                self._create_hold(minutes=bad)

    def test_authorisation_recorded(self):
        hold = self._create_hold()
        with freeze_time("2026-03-02 10:00:00"):
            self._authorize(hold)
        self.assertEqual(hold.state, "authorized")
        self.assertEqual(hold.amount, 200.0)
        self.assertEqual(
            hold.expiry_date, fields.Datetime.to_datetime("2026-03-09 10:00:00")
        )
        self.assertEqual(self.ticket.support_billing_mode, "hold")
        self.assertTrue(
            hold.message_ids.filtered(lambda m: "Authorised" in (m.body or ""))
        )

    def test_seed_example_hold_200_charge_25(self):
        """Hold 200, charge 25: 175 is free again at once (README: Card holds)."""
        hold = self._create_hold(minutes=120, rate=100)  # 200.00
        self._authorize(hold)
        self._log(self.ticket, 15)  # 15 worked -> 30 billed = 50.00 at 100/h
        self.ticket.stage_id = self.stage_done
        hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(hold.state, "partial")
        self.assertEqual(hold.captured_amount, 50.0)
        self.assertEqual(hold.released_amount, 150.0)
        self.assertEqual(hold.captured_amount + hold.released_amount, hold.amount)
        # the capture's payment is reconciled with the invoice
        invoice = hold.invoice_id
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 50.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.amount_residual, 0.0)
        capture_tx = hold.transaction_ids.filtered(
            lambda t: t.source_transaction_id and t.state == "done"
        )
        self.assertEqual(capture_tx.amount, 50.0)
        self.assertTrue(capture_tx.payment_id)
        self.assertIn("released at once", hold.message_ids[:3].mapped("body")[0])

    def test_seed_example_one_hour_thirty_minutes(self):
        """Hold 1 h, 30 minutes worked: 30 minutes charged."""
        hold = self._create_hold(minutes=60, rate=100)
        self._authorize(hold)
        self._log(self.ticket, 30)
        hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(hold.captured_amount, 50.0)
        self.assertEqual(hold.released_amount, 50.0)

    def test_charge_never_above_the_hold(self):
        hold = self._create_hold(minutes=30, rate=100)  # 50.00
        self._authorize(hold)
        self._log(self.ticket, 47)  # 78.33 due
        hold.with_user(self.accountant).action_charge_time()
        self.assertEqual(hold.state, "captured")
        self.assertEqual(hold.captured_amount, 50.0)
        self.assertEqual(hold.released_amount, 0.0)
        self.assertAlmostEqual(hold.invoice_id.amount_residual, 28.33)
        activity = self.ticket.activity_ids.filtered(
            lambda a: a.summary == "New card authorisation needed"
        )
        self.assertTrue(activity)
        # the transaction itself refuses a capture above the hold
        with self.assertRaises(UserError):
            hold.transaction_id._capture(amount_to_capture=1.0)

    def test_double_click_captures_once(self):
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 40)
        hold.with_user(self.accountant).action_charge_time()
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
        self.assertEqual(hold.released_amount, 200.0)
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
        self.assertEqual(as_tech.amount, 200.0)
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
        cron = self.env["support.card.hold"]
        with freeze_time("2026-03-06 10:00:00"):  # 4 days: nothing
            cron._cron_expire_holds()
        self.assertFalse(hold.activity_ids)
        with freeze_time("2026-03-07 11:00:00"):  # 5 days: warn once
            cron._cron_expire_holds()
            cron._cron_expire_holds()
        self.assertEqual(len(hold.activity_ids), 1)
        self.assertEqual(hold.state, "authorized")
        with freeze_time("2026-03-08 11:00:00"):  # 6 days: void
            cron._cron_expire_holds()
        self.assertEqual(hold.state, "expired")
        self.assertEqual(hold.released_amount, 200.0)

    def test_provider_cancel_marks_expired(self):
        """The provider's own cancel (Stripe: 7 days) marks the hold expired;
        a second notice changes nothing."""
        hold = self._create_hold()
        tx = self._authorize(hold)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "cancel"})
        self.assertEqual(hold.state, "expired")
        tx._process("demo", {"reference": tx.reference, "simulated_state": "cancel"})
        self.assertEqual(hold.state, "expired")
        self.env["support.card.hold"]._cron_expire_holds()
        self.assertEqual(hold.state, "expired")

    def test_request_from_ticket(self):
        action = self.ticket.with_user(
            self.technician
        ).action_support_request_card_hold()
        hold = self.ticket.support_card_hold_ids
        self.assertEqual(len(hold), 1)
        self.assertEqual(hold.state, "draft")
        self.assertEqual(action["res_model"], "mail.compose.message")
        template = self.env.ref("support_billing.mail_template_card_hold_request")
        body = template._render_field("body_html", hold.ids)[hold.id]
        self.assertIn(f"/support/pay?hold_id={hold.id}", body)
        self.assertIn(hold.access_token, body)
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.portal_user).action_support_request_card_hold()

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
        hold.with_user(self.accountant).action_charge_time()
        bodies = " ".join(hold.message_ids.mapped("body"))
        for word in ("Authorised", "captured", "released"):
            self.assertIn(word, bodies)
        self.assertIn(self.accountant.name, bodies)
        self.assertTrue(hold.expiry_date > fields.Datetime.now() - timedelta(days=1))
