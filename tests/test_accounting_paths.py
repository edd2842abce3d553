# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Billing stays right on every accounting path (README "What a credit note
does to billed time", "Subscriptions", "How a ticket is paid"), with the
company's sales tax on the support-time product."""

import threading
from datetime import datetime, timedelta

from freezegun import freeze_time
from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .. import const
from .common import SupportBillingCommon
from .test_subscription import SubscriptionCommon


class TaxedCommon(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.company_data["default_tax_sale"]
        cls.assertTrue(cls, cls.tax.amount, "the company has a sales tax")
        cls.product_time.taxes_id = cls.tax
        cls.customer.support_trial_eligible = False

    def _run(self):
        """The monthly run; return the invoices it created."""
        before = self.env["account.move"].search([("move_type", "=", "out_invoice")])
        self.env["support.time.entry"]._cron_invoice_support_time()
        return (
            self.env["account.move"].search([("move_type", "=", "out_invoice")])
            - before
        )

    def _billed_invoice(self, minutes=60):
        ticket = self._create_ticket(self.customer_contact)
        entry = self._log(ticket, minutes)
        invoice = self._run()
        invoice.action_post()
        return ticket, entry, invoice

    def _reverse(self, invoice, modify=False, price_unit=None):
        """The accountant's "Credit Note" wizard; optionally a partial one."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Test"})
        )
        action = wizard.reverse_moves(is_modify=modify)
        new = (
            self.env["account.move"].browse(action.get("res_id")) or wizard.new_move_ids
        )
        if not modify:
            if price_unit is not None:
                new.invoice_line_ids.price_unit = price_unit
            new.action_post()
        return new


@tagged("post_install", "-at_install")
class TestCreditNotes(TaxedCommon):
    def test_partial_credit_note_keeps_time_billed(self):
        _ticket, entry, invoice = self._billed_invoice(60)
        self.assertEqual(invoice.amount_untaxed, 90.0)
        self.assertGreater(invoice.amount_tax, 0)
        credit = self._reverse(invoice, price_unit=10.0)
        self.assertEqual(credit.amount_untaxed, 10.0)
        # a 10.00 discount frees nothing: the 60 minutes stay billed
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_id, invoice)
        self.assertFalse(self._run(), "the next run invoices nothing again")
        self.assertTrue(
            invoice.message_ids.filtered(lambda m: "Partial credit note" in m.body)
        )

    def test_full_credit_note_needs_an_accountant_decision(self):
        _ticket, entry, invoice = self._billed_invoice(47)
        self._reverse(invoice)
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(entry.support_released_line_id, invoice.invoice_line_ids)
        self.assertFalse(self._run(), "never re-invoiced behind the accountant")
        with self.assertRaises(AccessError):
            entry.with_user(self.technician).action_support_bill_again()
        entry.with_user(self.accountant).action_support_bill_again()
        self.assertEqual(entry.state, "to_invoice")
        again = self._run()
        self.assertEqual(again.invoice_line_ids.support_minutes_billed, 47)
        self.assertEqual(again.amount_untaxed, 70.5)
        self.assertEqual(entry.invoice_id, again)

    def test_full_credit_note_then_do_not_bill(self):
        _ticket, entry, invoice = self._billed_invoice(30)
        self._reverse(invoice)
        entry.with_user(self.accountant).action_support_do_not_bill()
        self.assertEqual(entry.state, "non_billable")
        self.assertFalse(self._run())
        with self.assertRaises(UserError):
            entry.with_user(self.accountant).action_support_bill_again()

    def test_reverse_and_create_new_bills_once(self):
        ticket, entry, invoice = self._billed_invoice(60)
        new = self._reverse(invoice, modify=True)
        self.assertEqual(new.move_type, "out_invoice")
        self.assertEqual(new.state, "draft")
        # the new invoice carries the time: nothing is left to bill
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_id, new)
        self.assertEqual(new.invoice_line_ids.support_ticket_id, ticket)
        self.assertEqual(new.amount_untaxed, 90.0)
        self.assertFalse(self._run())
        new.action_post()
        billed = self.env["account.move.line"].search(
            [
                ("support_ticket_id", "=", ticket.id),
                ("move_id.move_type", "=", "out_invoice"),
                ("move_id.state", "=", "posted"),
            ]
        )
        credited = self.env["account.move.line"].search(
            [
                ("support_ticket_id", "=", ticket.id),
                ("move_id.move_type", "=", "out_refund"),
            ]
        )
        self.assertEqual(
            sum(billed.mapped("price_subtotal"))
            - sum(credited.mapped("price_subtotal")),
            90.0,
            "billed once in all",
        )
        # deleting the new draft line puts the time back to review
        new.button_draft()
        new.invoice_line_ids.filtered("support_ticket_id").unlink()
        self.assertEqual(entry.state, "to_review")

    def test_cancelled_posted_invoice_time_to_review(self):
        _ticket, entry, invoice = self._billed_invoice(35)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(entry.state, "to_review")
        self.assertFalse(self._run())

    def test_refunded_hold_invoice_is_not_billed_again(self):
        """The invoice of a charged hold, credited in full: the ticket is no
        longer in hold mode, but its time waits for review."""
        ticket, _entry, invoice = self._billed_invoice(50)
        self._reverse(invoice)
        self.assertEqual(ticket.support_billing_mode, const.BILLING_MODE_TIME)
        self.assertFalse(self._run())

    def test_partial_payment_and_unreconcile_change_nothing(self):
        _ticket, entry, invoice = self._billed_invoice(60)
        payment = (
            self.env["account.payment.register"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "journal_id": self.company_data["default_journal_bank"].id,
                    "amount": 20.0,
                }
            )
            ._create_payments()
        )
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(entry.state, "invoiced")
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(entry.state, "invoiced")
        self.assertFalse(self._run())

    def test_trial_given_back_by_full_credit_note_only(self):
        self.customer.support_trial_eligible = True
        _ticket, _entry, invoice = self._billed_invoice(20)
        self.assertEqual(invoice.invoice_line_ids.support_trial_minutes, 15)
        self.assertEqual(self.customer.support_trial_minutes_used, 15)
        self._reverse(invoice, price_unit=1.0)
        self.assertEqual(self.customer._get_support_trial_minutes_left(), 0)
        self._reverse(invoice)
        self.assertEqual(self.customer._get_support_trial_minutes_left(), 15)
        self.assertEqual(self.customer.support_trial_minutes_used, 0)


@tagged("post_install", "-at_install")
class TestRoundTrips(TaxedCommon):
    """Cancel, reset to draft, post again: a line that bills time again
    takes its time and its trial minutes back, whatever the path."""

    def setUp(self):
        super().setUp()
        self.customer.support_trial_eligible = True

    def _trial_left(self):
        self.customer.invalidate_recordset(["support_trial_minutes_used"])
        return self.customer._get_support_trial_minutes_left()

    def _next_ticket_gets_no_trial(self):
        later = self._billed_invoice(30)[2]
        self.assertEqual(later.invoice_line_ids.support_trial_minutes, 0)
        self.assertEqual(later.amount_untaxed, 45.0, "30 min at 90.00/h, no trial")
        self.assertEqual(self.customer.support_trial_minutes_used, 15)

    def test_cancel_reset_post_bills_the_time_once(self):
        _ticket, entry, invoice = self._billed_invoice(20)
        # 20 min: 30 billed less the 15 trial minutes = 15 min, 22.50
        self.assertEqual(invoice.amount_untaxed, 22.5)
        self.assertEqual(invoice.invoice_line_ids.support_trial_minutes, 15)
        invoice.with_user(self.accountant).button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(self._trial_left(), 15)
        invoice.with_user(self.accountant).button_draft()
        # the draft bills the time again: it is invoiced, the trial used
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_id, invoice)
        self.assertEqual(self._trial_left(), 0)
        self.assertEqual(self.customer.support_trial_minutes_used, 15)
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 22.5)
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(self._trial_left(), 0)
        self.assertFalse(self._run(), "nothing billed twice")
        self._next_ticket_gets_no_trial()

    def test_credit_note_reset_to_draft_and_cancelled(self):
        _ticket, entry, invoice = self._billed_invoice(20)
        credit = self._reverse(invoice)
        self.assertEqual(credit.amount_untaxed, 22.5)
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(self._trial_left(), 15)
        credit.with_user(self.accountant).button_draft()
        # the credit note credits nothing any more: the invoice bills the time
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_id, invoice)
        self.assertEqual(self._trial_left(), 0)
        credit.with_user(self.accountant).action_post()
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(self._trial_left(), 15)
        credit.with_user(self.accountant).button_draft()
        credit.with_user(self.accountant).button_cancel()
        self.assertEqual(credit.state, "cancel")
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_id, invoice)
        self.assertEqual(self._trial_left(), 0)
        self.assertEqual(invoice.amount_residual, invoice.amount_total)
        self.assertFalse(self._run(), "nothing billed twice")
        self._next_ticket_gets_no_trial()

    def test_posted_credit_note_cancelled_directly(self):
        _ticket, entry, invoice = self._billed_invoice(20)
        credit = self._reverse(invoice)
        self.assertEqual(entry.state, "to_review")
        credit.with_user(self.accountant).button_cancel()  # posted -> cancel
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(self._trial_left(), 0)
        self._next_ticket_gets_no_trial()

    def test_reversed_credit_note_bills_the_time_again(self):
        """Reversing the credit note (a new invoice) bills the time again."""
        _ticket, entry, invoice = self._billed_invoice(20)
        credit = self._reverse(invoice)
        self.assertEqual(self._trial_left(), 15)
        again = self._reverse(credit)
        self.assertEqual(again.move_type, "out_invoice")
        self.assertEqual(again.amount_untaxed, 22.5)
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_id, again)
        self.assertEqual(self._trial_left(), 0)
        self.assertFalse(self._run(), "nothing billed twice")
        self._next_ticket_gets_no_trial()

    def test_time_billed_elsewhere_cannot_come_back(self):
        _ticket, entry, invoice = self._billed_invoice(47)
        invoice.button_cancel()
        entry.with_user(self.accountant).action_support_bill_again()
        again = self._run()
        self.assertEqual(entry.invoice_id, again)
        with (
            self.assertRaisesRegex(UserError, "billed it again or set it aside"),
            self.env.cr.savepoint(),
        ):
            invoice.with_user(self.accountant).button_draft()
        self.env.invalidate_all()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(entry.invoice_id, again)
        # the same for a credit note whose time was billed again
        again.action_post()
        credit = self._reverse(again)
        entry.with_user(self.accountant).action_support_do_not_bill()
        with (
            self.assertRaisesRegex(UserError, "billed it again or set it aside"),
            self.env.cr.savepoint(),
        ):
            credit.with_user(self.accountant).button_draft()
        self.env.invalidate_all()
        self.assertEqual(credit.state, "posted")
        self.assertEqual(entry.state, "non_billable")

    def test_trial_given_since_cannot_come_back(self):
        """The trial given back went to another ticket: the first invoice
        cannot take it a second time."""
        _ticket, entry, invoice = self._billed_invoice(20)
        invoice.button_cancel()
        self.assertEqual(entry.state, "to_review")
        other = self._billed_invoice(10)[2]
        self.assertEqual(other.invoice_line_ids.support_trial_minutes, 10)
        self.assertEqual(other.amount_untaxed, 0.0)
        with (
            self.assertRaisesRegex(UserError, "the trial is given once"),
            self.env.cr.savepoint(),
        ):
            invoice.with_user(self.accountant).button_draft()
        self.env.invalidate_all()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(self.customer.support_trial_minutes_used, 10)

    def test_zero_line_of_a_partial_credit_note_stays_billed(self):
        trial_ticket = self._create_ticket(self.customer_contact, name="Quick")
        trial_entry = self._log(trial_ticket, 5)
        ticket = self._create_ticket(self.customer_contact)
        entry = self._log(ticket, 60)
        invoice = self._run()
        invoice.action_post()
        zero = invoice.invoice_line_ids.filtered(
            lambda line: line.support_ticket_id == trial_ticket
        )
        line = invoice.invoice_line_ids - zero
        # 5 min free (5 trial minutes); 60 min less the 10 left: 50 min, 75.00
        self.assertEqual((zero.price_subtotal, zero.support_trial_minutes), (0.0, 5))
        self.assertEqual((line.price_subtotal, line.support_trial_minutes), (75.0, 10))
        self.assertEqual(self._trial_left(), 0)
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Half"})
        )
        credit = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        for credit_line in credit.invoice_line_ids:
            credit_line.price_unit = credit_line.price_unit / 2
        credit.action_post()
        self.assertEqual(credit.amount_untaxed, 37.5)
        # half of 0.00 is not "credited in full": both tickets stay billed
        self.assertEqual(trial_entry.state, "invoiced")
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(self._trial_left(), 0)
        self.assertFalse(self._run())
        # the rest credited: the whole invoice is reversed, both are to review
        self._reverse(invoice, price_unit=37.5)
        self.assertEqual((trial_entry.state, entry.state), ("to_review", "to_review"))
        self.assertEqual(self._trial_left(), 15)

    def test_zero_line_of_a_cancelled_invoice_is_released(self):
        ticket = self._create_ticket(self.customer_contact, name="Quick")
        entry = self._log(ticket, 5)
        invoice = self._run()
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 0.0)
        self.assertEqual(self._trial_left(), 10)
        invoice.button_cancel()
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(self._trial_left(), 15)


@tagged("post_install", "-at_install")
class TestBillingReport(TaxedCommon):
    """The managers' and accountants' analysis adds up on every path."""

    def _totals(self):
        self.env.flush_all()  # the report is an SQL view
        report = self.env["support.billing.report"].with_user(self.accountant)
        [[worked, billed, free, charged, unbilled, amount]] = report._read_group(
            [("partner_id", "=", self.customer.id)],
            [],
            [
                "minutes_worked:sum",
                "minutes_billed:sum",
                "minutes_free:sum",
                "minutes_charged:sum",
                "minutes_unbilled:sum",
                "amount_charged:sum",
            ],
        )
        return worked, billed, free, charged, unbilled, amount

    def test_figures_follow_credit_notes(self):
        self.customer.support_trial_eligible = True
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 47)
        self.assertEqual(self._totals(), (47, 0, 0, 0, 47, 0.0))
        invoice = self._run()
        invoice.action_post()
        # 47 worked, 47 billed, 15 free (trial), 32 charged = 48.00
        self.assertEqual(self._totals(), (47, 47, 15, 32, 0, 48.0))
        self._reverse(invoice, price_unit=8.0)  # partial: minutes stay billed
        self.assertEqual(self._totals(), (47, 47, 15, 32, 0, 40.0))
        self._reverse(invoice)  # the rest: credited in full, time to review
        self.assertEqual(self._totals(), (47, 0, 0, 0, 47, -48.0 + 48.0 - 8.0))
        ticket.support_time_entry_ids.with_user(
            self.accountant
        ).action_support_bill_again()
        self._run().action_post()
        worked, billed, free, charged, unbilled, _amount = self._totals()
        self.assertEqual((worked, billed, free, charged, unbilled), (47, 47, 15, 32, 0))

    def test_unbilled_time_by_age_bucket(self):
        """Issue 15: the unbilled time groups by age buckets."""
        ticket = self._create_ticket(self.customer_contact)
        today = fields.Date.today()
        for days, minutes in ((3, 10), (45, 20), (100, 40)):
            self._log(ticket, minutes, date=today - timedelta(days=days))
        self.env.flush_all()
        groups = (
            self.env["support.billing.report"]
            .with_user(self.accountant)
            ._read_group(
                [("partner_id", "=", self.customer.id), ("source", "=", "work")],
                ["unbilled_age_bucket"],
                ["minutes_unbilled:sum"],
            )
        )
        self.assertEqual(dict(groups), {"0_30": 10, "31_60": 20, "over_90": 40})

    def test_only_managers_and_accountants(self):
        report = self.env["support.billing.report"]
        with self.assertRaises(AccessError):
            report.with_user(self.technician).search([])
        report.with_user(self.support_manager).search([])


@tagged("post_install", "-at_install")
class TestCoverageSettled(SubscriptionCommon):
    """Coverage is settled when the time is logged, on the day it is worked in
    the company's time zone; it never changes with the subscription."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.support_trial_eligible = False

    def test_removing_a_user_does_not_bill_past_covered_time(self):
        sub = self._active_subscription(self.customer_contact | self.outsider)
        with freeze_time("2030-03-10"):
            ticket = self._create_ticket(self.outsider, name="VPN")
            entry = self._log(ticket, 40)
        self.assertEqual(entry.state, "covered")
        with freeze_time("2030-03-20"):
            sub._remove_authorized_user(self.outsider)
            self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertEqual(entry.state, "covered")
        self.assertFalse(entry.invoice_id)
        with freeze_time("2030-03-21"):
            # new time of the removed user is billable
            later = self._log(ticket, 10)
        self.assertEqual(later.state, "to_invoice")

    def test_time_worked_before_subscribing_stays_billable(self):
        with freeze_time("2030-02-20"):
            ticket = self._create_ticket(self.customer_contact, name="Old issue")
            before = self._log(ticket, 45)
        self.assertEqual(before.state, "to_invoice")
        self._active_subscription(self.customer_contact)  # from 2030-03-01
        with freeze_time("2030-03-05"):
            covered = self._log(ticket, 20)
            self.assertEqual(covered.state, "covered")
            self.assertEqual(ticket.support_billing_mode, "time")
            self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertEqual(before.state, "invoiced")
        self.assertEqual(before.invoice_line_id.support_minutes_billed, 45)
        self.assertFalse(covered.invoice_id)

    def test_day_of_work_in_company_time_zone(self):
        """23:30 UTC on 28 February is already 1 March in Paris: time logged
        then is covered by a subscription starting on 1 March."""
        self.company.resource_calendar_id.tz = "Europe/Paris"
        self.company.support_calendar_id = False
        self._active_subscription(self.customer_contact)  # from 2030-03-01
        with freeze_time(datetime(2030, 2, 28, 23, 30)):
            ticket = self._create_ticket(self.customer_contact)
            entry = self.env["support.time.entry"].create(
                {
                    "ticket_id": ticket.id,
                    "minutes": 20,
                    "user_id": self.technician.id,
                }
            )
        self.assertEqual(str(entry.date), "2030-03-01")
        self.assertEqual(entry.state, "covered")


@tagged("post_install", "-at_install")
class TestBillingModePrecedence(SubscriptionCommon):
    """Each pair of ways to pay that can meet on one ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.support_trial_eligible = False

    def _hold(self, ticket):
        hold = self.env["support.card.hold"].create(
            {
                "partner_id": ticket.partner_id.id,
                "ticket_id": ticket.id,
                "hourly_rate": 90.0,
                "duration_minutes": 60,
            }
        )
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "reference": f"{hold.name}-tx",
                "amount": hold.amount,
                "currency_id": hold.currency_id.id,
                "partner_id": hold.partner_id.id,
                "operation": "online_direct",
                "support_card_hold_id": hold.id,
            }
        )
        hold.sudo().transaction_id = tx
        tx._set_authorized()
        self.assertEqual(hold.state, "authorized")
        return hold

    def _pack(self, partner, tickets=10):
        product = self.env["product.product"].create(
            {
                "name": "Pack",
                "type": "service",
                "support_is_pack": True,
                "support_pack_ticket_count": tickets,
                "support_pack_validity_months": 12,
            }
        )
        pack = self.env["support.ticket.pack"].create(
            {
                "product_id": product.id,
                "partner_id": partner.commercial_partner_id.id,
                "buyer_id": partner.id,
                "user_ids": [(6, 0, partner.ids)],
                "expiry_date": "2099-01-01",
            }
        )
        pack._add_move("purchase", tickets=tickets)
        return pack

    def _intervention(self, ticket):
        return self.env["support.intervention"].create(
            {
                "partner_id": ticket.partner_id.id,
                "ticket_id": ticket.id,
                "description": "Desktop down",
                "address": "1 rue de Rivoli, Paris",
            }
        )

    def test_table_is_one_ordered_place(self):
        modes = [mode for _p, mode, _c in sorted(const.BILLING_MODE_PRECEDENCE)]
        self.assertEqual(
            modes, ["none", "intervention", "hold", "subscription", "pack", "time"]
        )
        self.assertEqual(
            {m for m, _label in const.BILLING_MODES}, set(modes), "every mode ranked"
        )
        ticket = self.env["helpdesk.ticket"]
        for mode in modes[:-1]:
            self.assertTrue(hasattr(ticket, f"_support_billing_mode_is_{mode}"))

    def test_no_customer_beats_everything(self):
        ticket = self._create_ticket(self.customer_contact)
        ticket.partner_id = False
        self.assertEqual(ticket.support_billing_mode, "none")

    def test_intervention_beats_hold(self):
        ticket = self._create_ticket(self.customer_contact)
        self._hold(ticket)
        self.assertEqual(ticket.support_billing_mode, "hold")
        self._intervention(ticket)
        ticket.invalidate_recordset(["support_billing_mode"])
        self.assertEqual(ticket.support_billing_mode, "intervention")

    def test_intervention_beats_subscription_and_pack(self):
        self._active_subscription(self.customer_contact)
        self._pack(self.customer_contact)
        with freeze_time("2030-03-10"):
            ticket = self._create_ticket(self.customer_contact)
            self._intervention(ticket)
            self._log(ticket, 40)
            self.assertEqual(ticket.support_billing_mode, "intervention")

    def test_hold_beats_subscription(self):
        self._active_subscription(self.customer_contact)
        with freeze_time("2030-03-10"):
            ticket = self._create_ticket(self.customer_contact)
            self.assertEqual(ticket.support_billing_mode, "subscription")
            self._hold(ticket)
            ticket.invalidate_recordset(["support_billing_mode"])
            self.assertEqual(ticket.support_billing_mode, "hold")

    def test_hold_beats_pack(self):
        pack = self._pack(self.customer_contact)
        ticket = self._create_ticket(self.customer_contact)
        self._hold(ticket)
        self._log(ticket, 40)
        self.assertEqual(ticket.support_billing_mode, "hold")
        self.assertEqual(pack.remaining_tickets, 10, "the hold pays first")

    def test_subscription_beats_pack(self):
        self._active_subscription(self.customer_contact)
        pack = self._pack(self.customer_contact)
        with freeze_time("2030-03-10"):
            ticket = self._create_ticket(self.customer_contact)
            self._log(ticket, 40)
            self.assertEqual(ticket.support_billing_mode, "subscription")
        self.assertEqual(pack.remaining_tickets, 10, "covered time takes no ticket")

    def test_pack_beats_time_only_when_it_pays_everything(self):
        pack = self._pack(self.customer_contact, tickets=1)
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 25)
        self.assertEqual(ticket.support_billing_mode, "pack")
        self._log(ticket, 20)  # 45 min: 2 tickets needed, 1 left
        ticket.invalidate_recordset(["support_billing_mode"])
        self.assertEqual(ticket.support_billing_mode, "time")
        self.assertEqual(pack.remaining_tickets, 0)

    def test_wizard_counts_only_what_it_invoices(self):
        held = self._create_ticket(self.customer_contact, name="Held")
        self._hold(held)
        self._log(held, 40)
        billed = self._create_ticket(self.customer_contact2, name="Billed")
        self._log(billed, 20)
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .create({"partner_ids": [(6, 0, self.customer.ids)]})
        )
        self.assertEqual(wizard.entry_count, 1)
        self.assertIn("Card hold", wizard.excluded_summary)
        invoice = self.env["account.move"].search(
            wizard.action_create_invoices()["domain"]
        )
        self.assertEqual(invoice.invoice_line_ids.support_ticket_id, billed)


@tagged("post_install", "-at_install")
class TestTrialConcurrency(TransactionCase):
    """Two invoicing runs meet on one customer: the trial is granted once."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            product = company._get_support_time_product()
            product.list_price = 90.0
            customer = env["res.partner"].create(
                {"name": "Trial Race Corp", "is_company": True}
            )
            contact = env["res.partner"].create(
                {"name": "Tia Race", "parent_id": customer.id}
            )
            stage = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
            tickets = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Trial race {i}",
                        "description": "<p>race</p>",
                        "partner_id": contact.id,
                        "company_id": company.id,
                        "stage_id": stage.id,
                    }
                    for i in (1, 2)
                ]
            )
            env["support.time.entry"].create(
                [
                    {
                        "ticket_id": ticket.id,
                        "minutes": 20,
                        "user_id": env.ref("base.user_admin").id,
                    }
                    for ticket in tickets
                ]
            )
            self.ids = {"partner": (contact | customer).ids, "tickets": tickets.ids}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tickets = env["helpdesk.ticket"].browse(self.ids["tickets"])
            entries = tickets.support_time_entry_ids
            moves = entries.invoice_id
            entries.write({"invoice_line_id": False})
            moves.unlink()
            entries.unlink()
            tickets.unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def test_trial_granted_once_by_two_runs(self):
        barrier = threading.Barrier(2, timeout=30)
        outcome = {}
        # cursors and environments are made in the main thread: a worker
        # thread would wait for the registry lock held by the test runner
        crs = [self.registry.cursor() for _ticket in self.ids["tickets"]]
        envs = [api.Environment(cr, SUPERUSER_ID, {}) for cr in crs]

        def run(env, ticket_id):
            try:
                entries = env["support.time.entry"].search(
                    [("ticket_id", "=", ticket_id)]
                )
                entries.mapped("state")  # the snapshot starts before
                barrier.wait()
                invoice = entries._create_support_invoices()
                env.cr.commit()
                outcome[ticket_id] = invoice.amount_untaxed
            except (UserError, pg_errors.SerializationFailure) as error:
                env.cr.rollback()
                outcome[ticket_id] = error

        threads = [
            threading.Thread(target=run, args=(env, ticket_id))
            for env, ticket_id in zip(envs, self.ids["tickets"], strict=True)
        ]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertFalse([t for t in threads if t.is_alive()], "no deadlock")
        finally:
            for cr in crs:
                cr.close()
        refused = [v for v in outcome.values() if isinstance(v, Exception)]
        self.assertEqual(len(outcome), 2)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tickets = env["helpdesk.ticket"].browse(self.ids["tickets"])
            lines = tickets.support_time_entry_ids.invoice_line_id
            customer = env["res.partner"].browse(self.ids["partner"][1])
            self.assertEqual(sum(lines.mapped("support_trial_minutes")), 15)
            self.assertEqual(customer.support_trial_minutes_used, 15)
            self.assertEqual(len(lines), 2 - len(refused))
            if refused:
                # the other run gave up cleanly; its time is still to invoice
                self.assertEqual(len(refused), 1)
                self.assertIn(
                    "to_invoice", tickets.support_time_entry_ids.mapped("state")
                )
