# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import sys
import threading
import traceback
from datetime import date
from functools import partial

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import config, mute_logger

from .common import SupportBillingCommon
from .pdf_layout import assert_letterhead, render_pdf_text, set_letterhead


class TicketPackCommon(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"support_trial_eligible": False, "support_hourly_rate": 90})
        product = cls.env["product.product"]
        common = {"type": "service", "support_is_pack": True, "taxes_id": [(5, 0, 0)]}
        cls.pack10 = product.create(
            {
                **common,
                "name": "10 tickets",
                "list_price": 400,
                "support_pack_ticket_count": 10,
                "support_pack_validity_months": 12,
            }
        )
        cls.pack1 = product.create(
            {
                **common,
                "name": "1 ticket",
                "list_price": 45,
                "support_pack_ticket_count": 1,
                "support_pack_validity_months": 6,
            }
        )
        cls.pack_multi = product.create(
            {
                **common,
                "name": "Multi-user 20",
                "list_price": 800,
                "support_pack_ticket_count": 20,
                "support_pack_validity_months": 12,
                "support_pack_scope": "multi",
            }
        )

    @classmethod
    def _pay(cls, invoice):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()

    @classmethod
    def _buy(cls, product, buyer=None, pay=True):
        invoice = cls.env["account.move"]._support_create_pack_invoice(
            buyer or cls.customer_contact, product
        )
        if pay:
            cls._pay(invoice)
        return invoice, cls.env["support.ticket.pack"].search(
            [("invoice_id", "=", invoice.id)]
        )


@tagged("post_install", "-at_install")
class TestTicketPack(TicketPackCommon):
    def test_product_constraints(self):
        product = self.env["product.template"]
        base = {"name": "Bad pack", "type": "service", "support_is_pack": True}
        with self.assertRaisesRegex(ValidationError, "at least 6 months"):
            product.create({**base, "support_pack_validity_months": 5})
        with self.assertRaisesRegex(ValidationError, "at least 20 credits"):
            product.create({**base, "support_pack_scope": "multi"})
        with self.assertRaisesRegex(ValidationError, "at least 20 credits"):
            product.create(
                {**base, "support_pack_scope": "multi", "support_pack_ticket_count": 19}
            )
        self.pack_multi.support_pack_ticket_count = 20  # the minimum is accepted

    @freeze_time("2026-03-15")
    def test_purchase_on_bank_payment(self):
        invoice, pack = self._buy(self.pack10, pay=False)
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(pack, "no pack before the invoice is paid")
        self._pay(invoice)
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual(len(pack), 1)
        self.assertEqual(pack.partner_id, self.customer)
        self.assertEqual(pack.buyer_id, self.customer_contact)
        self.assertEqual(pack.purchase_date, date(2026, 3, 15))
        self.assertEqual(pack.expiry_date, date(2027, 3, 15))
        self.assertEqual(
            (pack.tickets_bought, pack.remaining_tickets, pack.state),
            (10, 10, "active"),
        )
        self.assertEqual(self.customer.support_pack_remaining, 10)
        # idempotent: the hook running again sells no second pack
        invoice._invoice_paid_hook()
        self.assertEqual(
            self.env["support.ticket.pack"].search_count(
                [("invoice_id", "=", invoice.id)]
            ),
            1,
        )

    def test_purchase_online_payment(self):
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write(
            {"state": "test", "company_id": self.company.id, "capture_manually": False}
        )
        invoice, pack = self._buy(self.pack1, pay=False)
        self.assertFalse(pack)
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "reference": "PACK-TX-1",
                "amount": invoice.amount_total,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.customer_contact.id,
                "operation": "online_direct",
                "invoice_ids": [(6, 0, invoice.ids)],
            }
        )
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        tx._post_process()
        self.assertIn(
            invoice.payment_state,
            ("paid", "in_payment"),
            f"{tx.state} {tx.payment_id.state} {tx.payment_id.amount} {tx.invoice_ids}",
        )
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual(pack.remaining_tickets, 1)

    def test_expiry_order_across_packs(self):
        with freeze_time("2026-01-10"):
            _inv, late = self._buy(self.pack10)  # expires 2027-01-10
        with freeze_time("2026-02-01"):
            _inv, early = self._buy(self.pack1)  # expires 2026-08-01
            _inv, early2 = self._buy(self.pack1)
            ticket = self._create_ticket(self.customer_contact, closed=False)
            self._log(ticket, 61)  # 61 min billed: 3 tickets
        self.assertEqual(ticket.support_pack_tickets, 3)
        self.assertEqual(early.remaining_tickets, 0)
        self.assertEqual(early2.remaining_tickets, 0)
        self.assertEqual(late.remaining_tickets, 9)
        self.assertEqual(ticket.support_billing_mode, "pack")
        self.assertIn(early.name, ticket.support_pack_names)
        self.assertTrue(
            ticket.message_ids.filtered(lambda m: "prepaid credits used" in m.body)
        )
        # a paid ticket is not invoiced by the time-billing run
        ticket.stage_id = self.stage_done
        with self.assertRaises(UserError):
            self._invoice(partners=self.customer)

    def test_correction_gives_tickets_back(self):
        _inv, pack = self._buy(self.pack10)
        ticket = self._create_ticket(self.customer_contact, closed=False)
        entry = self._log(ticket, 75)  # 3 tickets
        self.assertEqual(pack.remaining_tickets, 7)
        entry.minutes = 20  # corrected: 1 ticket
        self.assertEqual(pack.remaining_tickets, 9)
        self.assertEqual(ticket.support_pack_tickets, 1)
        correction = pack.move_ids.filtered(lambda m: m.reason == "correction")
        self.assertEqual(correction.tickets, 2)
        self.assertTrue(ticket.message_ids.filtered(lambda m: "given back" in m.body))
        entry.unlink()
        self.assertEqual(pack.remaining_tickets, 10)
        self.assertEqual(ticket.support_pack_tickets, 0)

    def test_pool_sharing_vs_single_user_pack(self):
        _inv, single = self._buy(self.pack10)  # Anna's own tickets
        ben_ticket = self._create_ticket(self.customer_contact2, closed=False)
        self._log(ben_ticket, 20)
        # Ben may not use Anna's single-user pack: billed by time, Ben is told
        self.assertEqual(single.remaining_tickets, 10)
        self.assertEqual(ben_ticket.support_pack_tickets, 0)
        self.assertEqual(ben_ticket.support_billing_mode, "time")
        self.assertEqual(ben_ticket.support_pack_shortfall, 1)
        # a multi-user pack bought by Anna is shared with Ben
        _inv, pool = self._buy(self.pack_multi)
        self.assertIn(self.customer_contact2, pool.user_ids)
        ben_ticket2 = self._create_ticket(self.customer_contact2, closed=False)
        self._log(ben_ticket2, 45)
        self.assertEqual(pool.remaining_tickets, 18)
        self.assertEqual(single.remaining_tickets, 10)
        self.assertEqual(ben_ticket2.support_billing_mode, "pack")
        # the other customer's contact cannot use it
        other_ticket = self._create_ticket(self.other_customer, closed=False)
        self._log(other_ticket, 30)
        self.assertEqual(pool.remaining_tickets, 18)
        self.assertEqual(other_ticket.support_billing_mode, "time")

    def test_fallback_to_time_billing(self):
        _inv, pack = self._buy(self.pack1)
        ticket = self._create_ticket(self.customer_contact, closed=True)
        self._log(ticket, 75)  # 3 tickets needed, 1 available
        self.assertEqual(pack.remaining_tickets, 0)
        self.assertEqual(ticket.support_pack_tickets, 1)
        self.assertEqual(ticket.support_pack_shortfall, 2)
        self.assertEqual(ticket.support_billing_mode, "time")
        self.assertEqual(ticket._get_support_prepaid_minutes(), 30)
        told = ticket.message_ids.filtered(lambda m: "ran out" in m.body)
        self.assertEqual(len(told), 1)
        self.assertIn(self.customer_contact, told.partner_ids)
        invoice = self._invoice(partners=self.customer)
        line = invoice.invoice_line_ids.filtered("support_ticket_id")
        # 75 min billed, 30 paid by the ticket: 45 min at 90.00 per hour
        self.assertEqual(line.support_minutes_billed, 45)
        # issue 27: 0.75 h at the hourly rate, which prices exactly
        self.assertAlmostEqual(line.quantity, 0.75)
        self.assertAlmostEqual(line.price_unit, 90.0)
        self.assertAlmostEqual(line.price_subtotal, 67.5)
        self.assertIn("prepaid credit", line.name)
        # issue 15: the line, its ticket and the PDF state the same figures
        self.assertIn("75 min worked, 75 min billed, 45 min charged", line.name)
        self.assertEqual(
            (line.support_minutes_prepaid, line.support_minutes_charged), (30, 45)
        )
        self.assertEqual(
            (ticket.support_minutes_free, ticket.support_minutes_charged), (30, 45)
        )

    def test_rollover_on_new_purchase(self):
        with freeze_time("2026-01-01"):
            _inv, old = self._buy(self.pack10)
            ticket = self._create_ticket(self.customer_contact, closed=False)
            self._log(ticket, 90)  # 3 tickets
        with freeze_time("2027-01-02"):
            self.env["support.ticket.pack"]._cron_expire_packs()
            self.assertEqual((old.remaining_tickets, old.tickets_expired), (0, 7))
            self.assertEqual(old.state, "expired")
            _inv, new = self._buy(self.pack10)
        self.assertEqual(new.tickets_bought, 10)
        self.assertEqual(new.tickets_rolled_in, 7)
        self.assertEqual(new.remaining_tickets, 17)
        self.assertEqual(old.tickets_expired, 0)
        self.assertTrue(new.message_ids.filtered(lambda m: "carried over" in m.body))
        self.assertTrue(old.message_ids.filtered(lambda m: "carried over" in m.body))
        rollover = (old | new).move_ids.filtered(lambda m: m.reason == "rollover")
        self.assertEqual(sorted(rollover.mapped("tickets")), [0, 7])

    def test_expiry_cron_and_notice(self):
        with freeze_time("2026-01-01"):
            _inv, pack = self._buy(self.pack10)
        cron = self.env["support.ticket.pack"]._cron_expire_packs
        with freeze_time("2026-11-15"):
            cron()
            self.assertFalse(pack.expiry_notice_sent)
        with freeze_time("2026-12-05"):
            cron()
            cron()
        notices = pack.message_ids.filtered(lambda m: "expire on" in m.body)
        self.assertEqual(len(notices), 1, "the 30-day notice is sent once")
        self.assertIn("10", notices.body)
        self.assertIn(self.customer_contact, notices.partner_ids)
        self.assertTrue(pack.expiry_notice_sent)
        self.assertEqual(pack.remaining_tickets, 10)
        with freeze_time("2027-01-01"):
            cron()
            self.assertEqual(pack.state, "expired")
        self.assertEqual((pack.remaining_tickets, pack.tickets_expired), (0, 10))
        self.assertEqual(self.customer.support_pack_remaining, 0)

    def test_reopen_keeps_ledger(self):
        _inv, pack = self._buy(self.pack10)
        ticket = self._create_ticket(self.customer_contact, closed=True)
        self._log(ticket, 40)
        self.assertEqual(pack.remaining_tickets, 8)
        ticket.stage_id = self.stage_new  # reopened: ledger unchanged
        self.assertEqual(ticket.support_pack_tickets, 2)

    def test_access_rights(self):
        _inv, pack = self._buy(self.pack10)
        # technicians read packs, cannot change them
        self.assertEqual(pack.with_user(self.technician).remaining_tickets, 10)
        with self.assertRaises(AccessError):
            pack.with_user(self.technician).write({"expiry_date": "2030-01-01"})
        # portal: their own packs only
        packs = self.env["support.ticket.pack"]
        self.assertEqual(packs.with_user(self.portal_user).search([]), pack)
        self.assertFalse(packs.with_user(self.other_portal_user).search([]))
        with self.assertRaises(AccessError):
            pack.with_user(self.other_portal_user).read(["remaining_tickets"])
        with self.assertRaises(AccessError):
            pack.move_ids.with_user(self.other_portal_user).read(["tickets"])

    def test_statement_pdf(self):
        set_letterhead(self.env)
        _inv, pack = self._buy(self.pack10)
        text = render_pdf_text(
            self,
            "support_billing.action_report_support_pack_statement",
            self.customer_contact.ids,
        )
        assert_letterhead(self, text)
        self.assertIn("Prepaid credits statement", text)
        self.assertIn(pack.name, text)

    def test_statement_report(self):
        _inv, _pack = self._buy(self.pack10)
        self.customer.lang = "en_US"
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "support_billing.action_report_support_pack_statement", self.customer.ids
        )
        self.assertIn(b"Prepaid credits statement", html)
        self.assertIn(_pack.name.encode(), html)


@tagged("post_install", "-at_install")
class TestTicketPackFollowsInvoice(TicketPackCommon):
    """Credit notes, cancellation and quantities of the invoice of a pack."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # sold with the company's sales tax, like in real life
        cls.pack10.taxes_id = cls.company_data["default_tax_sale"]

    def _credit_note(self, invoice, price_unit=None, quantity=None, post=True):
        """Credit note reversing ``invoice``; partial when a price or a
        quantity is given."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Refund", "journal_id": invoice.journal_id.id})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        self.assertEqual(refund.reversed_entry_id, invoice)
        line = refund.invoice_line_ids
        if price_unit is not None:
            line.price_unit = price_unit
        if quantity is not None:
            line.quantity = quantity
        if post:
            refund.action_post()
        return refund

    def _use(self, tickets_worth_minutes):
        ticket = self._create_ticket(self.customer_contact, closed=False)
        self._log(ticket, tickets_worth_minutes)
        return ticket

    def test_full_credit_note_takes_unused_tickets(self):
        invoice, pack = self._buy(self.pack10)
        self.assertGreater(invoice.amount_tax, 0)
        self._use(90)  # 3 tickets used
        self.assertEqual(pack.remaining_tickets, 7)
        refund = self._credit_note(invoice, post=False)
        self.assertEqual(pack.remaining_tickets, 7, "a draft credit note takes nothing")
        refund.action_post()
        self.assertEqual(pack.remaining_tickets, 0)
        self.assertEqual(pack.tickets_used, 3, "used tickets stay used")
        move = pack.move_ids.filtered(lambda m: m.reason == "refund")
        self.assertEqual((move.tickets, move.account_move_id), (-7, refund))
        told = pack.message_ids.filtered(lambda m: refund.name in (m.body or ""))
        self.assertEqual(len(told), 1)
        self.assertIn("already used", told.body)
        self.assertIn(self.customer_contact, told.partner_ids)
        # a later ticket finds no ticket any more: billed by time
        later = self._use(20)
        self.assertEqual(later.support_billing_mode, "time")
        # the hook running again (payment reconciled again) changes nothing
        invoice._invoice_paid_hook()
        pack.invalidate_recordset()
        self.assertEqual((pack.remaining_tickets, len(pack.move_ids)), (0, 3))

    def test_partial_credit_notes_take_their_share(self):
        invoice, pack = self._buy(self.pack10)  # 400.00 + tax
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, 400.0)
        # 100.00 of 400.00 refunded: a quarter of 10 tickets, rounded up
        first = self._credit_note(invoice, price_unit=100.0)
        self.assertEqual(pack.remaining_tickets, 7)
        # 10.00 more: 110.00 refunded in all, 2.75 -> 3 tickets: none more
        second = self._credit_note(invoice, price_unit=10.0)
        self.assertEqual(pack.remaining_tickets, 7)
        # 200.00 more: 310.00 of 400.00 -> 7.75 -> 8 tickets lost in all
        self._credit_note(invoice, price_unit=200.0)
        self.assertEqual(pack.remaining_tickets, 2)
        moves = pack.move_ids.filtered(lambda m: m.reason == "refund")
        self.assertEqual(sorted(moves.mapped("tickets")), [-5, -3, 0])
        self.assertEqual(
            moves.filtered(lambda m: not m.tickets).account_move_id, second
        )
        self.assertIn(first, moves.account_move_id)
        # posting the same credit note again changes nothing
        pack._follow_invoice()
        self.assertEqual(pack.remaining_tickets, 2)

    def test_credit_note_before_payment(self):
        invoice, pack = self._buy(self.pack10, pay=False)
        self._credit_note(invoice, price_unit=200.0)  # half of the pack
        self.assertFalse(pack)
        self._pay(invoice)  # the customer pays what is left
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual((pack.tickets_bought, pack.remaining_tickets), (10, 5))

    def test_credit_note_of_a_quantity(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_contact.id,
                "invoice_line_ids": [
                    (0, 0, {"product_id": self.pack10.id, "quantity": 3})
                ],
            }
        )
        invoice.action_post()
        self._pay(invoice)
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual(pack.remaining_tickets, 30)
        self._credit_note(invoice, quantity=1)  # one pack of three refunded
        self.assertEqual(pack.remaining_tickets, 20)

    def test_cancelled_invoice_takes_unused_tickets(self):
        invoice, pack = self._buy(self.pack10)
        self._use(30)  # 1 ticket used
        self._credit_note(invoice, price_unit=40.0)  # 1 ticket
        self.assertEqual(pack.remaining_tickets, 8)
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(pack.remaining_tickets, 0)
        self.assertEqual(pack.tickets_used, 1)
        cancel = pack.move_ids.filtered(lambda m: m.reason == "cancellation")
        self.assertEqual((cancel.tickets, cancel.account_move_id), (-8, invoice))
        self.assertTrue(
            pack.message_ids.filtered(lambda m: "8 unused credits" in (m.body or ""))
        )

    def test_refund_after_expiry_takes_expired_tickets(self):
        with freeze_time("2026-01-01"):
            invoice, pack = self._buy(self.pack10)
        with freeze_time("2027-01-02"):
            self.env["support.ticket.pack"]._cron_expire_packs()
            self.assertEqual((pack.remaining_tickets, pack.tickets_expired), (0, 10))
            self._credit_note(invoice)
            self.assertEqual(pack.tickets_expired, 0, "nothing left to carry over")
            _inv, new = self._buy(self.pack10)
        self.assertEqual((new.tickets_rolled_in, new.remaining_tickets), (0, 10))

    def test_pack_quantity_must_be_whole_and_positive(self):
        for quantity in (0, 0.5, 1.5, -1):
            with self.subTest(quantity=quantity):
                invoice = self.env["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer_contact.id,
                        "invoice_line_ids": [
                            (0, 0, {"product_id": self.pack10.id, "quantity": q})
                            for q in (2, quantity)  # a positive total
                        ],
                    }
                )
                with (
                    self.assertRaisesRegex(ValidationError, "whole number of packs"),
                    self.env.cr.savepoint(),
                ):
                    invoice.action_post()
                self.assertEqual(invoice.state, "draft")
        # two packs on one line: 20 tickets
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_contact.id,
                "invoice_line_ids": [
                    (0, 0, {"product_id": self.pack10.id, "quantity": 2})
                ],
            }
        )
        invoice.action_post()
        self._pay(invoice)
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual((pack.tickets_bought, pack.remaining_tickets), (20, 20))

    def test_unreconciled_payment_paid_again_sells_one_pack(self):
        invoice, pack = self._buy(self.pack10)
        self.assertEqual(pack.remaining_tickets, 10)
        invoice.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self._pay(invoice)
        packs = self.env["support.ticket.pack"].search(
            [("invoice_id", "=", invoice.id)]
        )
        self.assertEqual(packs, pack)
        self.assertEqual(pack.remaining_tickets, 10)

    def _outstanding_payment_line(self, payment):
        return payment.move_id.line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            )
        )

    def test_reverse_and_create_new_invoice_keeps_one_pack(self):
        invoice, pack = self._buy(self.pack10)
        payment = invoice._get_reconciled_payments()
        self.assertEqual(payment.amount, invoice.amount_total)
        self._use(120)  # 4 tickets used
        self.assertEqual(pack.remaining_tickets, 6)
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Wrong address", "journal_id": invoice.journal_id.id})
        )
        new = self.env["account.move"].browse(
            wizard.reverse_moves(is_modify=True)["res_id"]
        )
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(pack.remaining_tickets, 0, "the credit note took them")
        new.action_post()
        self.assertEqual(new.amount_total, invoice.amount_total)
        # the customer's payment, outstanding now, pays the new invoice
        outstanding = self._outstanding_payment_line(payment)
        self.assertEqual(outstanding.amount_residual, -invoice.amount_total)
        new.js_assign_outstanding_line(outstanding.id)
        self.assertIn(new.payment_state, ("paid", "in_payment"))
        packs = self.env["support.ticket.pack"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(packs, pack, "one purchase, one pack")
        self.assertEqual(pack.invoice_id, new)
        self.assertEqual(
            (pack.tickets_bought, pack.tickets_used, pack.remaining_tickets),
            (10, 4, 6),
        )
        self.assertEqual(self.customer.support_pack_remaining, 6)
        # the pack follows the new invoice: its credit note takes the 6 back
        self._credit_note(new)
        self.assertEqual(pack.remaining_tickets, 0)

    def test_unpaid_again_withdraws_unused_tickets(self):
        invoice, pack = self._buy(self.pack10)
        self._use(60)  # 2 tickets used
        self.assertEqual(self.customer.support_pack_remaining, 8)
        invoice.line_ids.remove_move_reconcile()  # the payment bounced
        self.assertEqual(invoice.payment_state, "not_paid")
        self.customer.invalidate_recordset(["support_pack_remaining"])
        self.assertEqual(self.customer.support_pack_remaining, 0)
        self.assertEqual(self.customer._get_support_pack_balance()["remaining"], 0)
        self.assertEqual(pack.state, "unpaid")
        later = self._use(20)
        self.assertEqual(later.support_billing_mode, "time", "no unpaid ticket used")
        self.assertEqual(pack.tickets_used, 2)
        self._pay(invoice)  # paid again: the same 8 tickets are usable
        self.customer.invalidate_recordset(["support_pack_remaining"])
        self.assertEqual(self.customer.support_pack_remaining, 8)
        self.assertEqual(pack.state, "active")
        self.assertEqual(self._use(20).support_billing_mode, "pack")
        self.assertEqual(pack.remaining_tickets, 7)

    def test_cancelled_payment_withdraws_unused_tickets(self):
        invoice, pack = self._buy(self.pack10)
        payment = invoice._get_reconciled_payments()
        payment.action_cancel()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.customer.invalidate_recordset(["support_pack_remaining"])
        self.assertEqual(self.customer.support_pack_remaining, 0)
        self.assertEqual(self._use(20).support_billing_mode, "time")
        self.assertEqual(pack.remaining_tickets, 10)

    def test_cancelled_invoice_reset_and_paid_again_gives_tickets_back(self):
        invoice, pack = self._buy(self.pack10)
        self._use(30)  # 1 ticket used
        invoice.button_cancel()
        self.assertEqual(pack.remaining_tickets, 0)
        invoice.button_draft()
        invoice.action_post()
        self.assertEqual(pack.state, "unpaid")
        self.customer.invalidate_recordset(["support_pack_remaining"])
        self.assertEqual(self.customer.support_pack_remaining, 0, "not before paid")
        self._pay(invoice)
        self.customer.invalidate_recordset(["support_pack_remaining"])
        self.assertEqual(self.customer.support_pack_remaining, 9)
        packs = self.env["support.ticket.pack"].search(
            [("invoice_id", "=", invoice.id)]
        )
        self.assertEqual(packs, pack)
        self.assertEqual((pack.tickets_used, pack.remaining_tickets), (1, 9))

    def test_credit_note_reset_to_draft_gives_tickets_back(self):
        invoice, pack = self._buy(self.pack10)
        self._use(90)  # 3 tickets used
        refund = self._credit_note(invoice)
        self.assertEqual(pack.remaining_tickets, 0)
        refund.with_user(self.accountant).button_draft()
        self.assertEqual(pack.remaining_tickets, 7)
        refund.with_user(self.accountant).action_post()
        self.assertEqual(pack.remaining_tickets, 0, "taken again, once")
        refund.with_user(self.accountant).button_draft()
        refund.with_user(self.accountant).button_cancel()
        self.assertEqual(pack.remaining_tickets, 7)
        self.assertEqual(pack.tickets_used, 3)


@tagged("post_install", "-at_install")
class TestTicketPackPortal(TicketPackCommon, HttpCase):
    def test_portal_balance_isolation(self):
        _inv, pack = self._buy(self.pack10)
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/support_balance")
        self.assertEqual(page.status_code, 200)
        self.assertIn(pack.name, page.text)
        self.authenticate("sb-portal-other", "sb-portal-other")
        page = self.url_open("/my/support_balance")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(pack.name, page.text)
        self.assertIn("You have no prepaid credits yet.", page.text)

    def test_portal_statement_download(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:%s" % config["http_port"]
        )
        _inv, _pack = self._buy(self.pack10)
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/support_balance/statement")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")

    def test_portal_buy_tickets(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open(
            "/my/support_balance/buy",
            data={
                "product_id": self.pack10.id,
                "confirm": "1",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        invoice = self.env["account.move"].search(
            [("partner_id", "=", self.customer_contact.id)], order="id desc", limit=1
        )
        self.assertEqual(invoice.invoice_line_ids.product_id, self.pack10)
        self.assertEqual(invoice.state, "posted")
        self.assertIn(f"/my/invoices/{invoice.id}", response.headers["Location"])
        # no pack until paid
        self.assertFalse(
            self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        )


class ConcurrencyCase(TransactionCase):
    """Two real transactions at once: two threads, two registry cursors."""

    def setUp(self):
        super().setUp()
        # the test runner holds the registry class lock: let the workers'
        # environments and post-commit hooks reach the loaded registry, as
        # Odoo's own threaded tests do
        self.patch(Registry, "_lock", DummyRLock())

    def _race(self, first, second, hold=True, replay=True, timeout=30):
        """Run ``first(env)`` and ``second(env)`` at the same moment (a
        barrier), each in its own thread, cursor and transaction, committed
        at the end; return ``{"first"|"second": exception}``.

        ``replay``: replayed on concurrency errors like every request
        (``odoo.service.model.retrying``).  ``hold``: ``first`` keeps its
        transaction open (its row locks held) until ``second`` has made one
        attempt, so that ``second`` meets ``first`` at work for sure.
        """
        barrier = threading.Barrier(2)
        first_done, second_tried = threading.Event(), threading.Event()
        errors = {}

        def run_first(env):
            first(env)
            first_done.set()
            if hold:
                second_tried.wait(timeout)

        def run_second(env):
            if hold:
                first_done.wait(timeout)
            try:
                second(env)
            finally:
                second_tried.set()

        def thread(name, work):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout)
                    if replay:
                        retrying(partial(work, env), env)
                    else:
                        work(env)  # committed when the cursor closes
            except Exception as error:  # noqa: BLE001 -- reported to the test
                errors[name] = error
            finally:
                first_done.set()
                second_tried.set()

        threads = [
            threading.Thread(target=thread, args=(name, work), daemon=True)
            for name, work in (("first", run_first), ("second", run_second))
        ]
        # a replayed transaction's failed query is logged by the cursor
        with mute_logger("odoo.sql_db", "odoo.service.model"):
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout * 2)
        hanging = [t for t in threads if t.is_alive()]
        frames = sys._current_frames()
        self.assertFalse(
            hanging,
            "a worker hangs:\n"
            + "\n".join(
                "".join(traceback.format_stack(frames[t.ident])) for t in hanging
            ),
        )
        return errors


@tagged("post_install", "-at_install")
class TestTicketPackConcurrency(ConcurrencyCase):
    """Two tickets take tickets of the same 10-ticket pack at the same time."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            customer = env["res.partner"].create(
                {
                    "name": "Race Corp",
                    "is_company": True,
                    "support_trial_eligible": False,
                }
            )
            contact = env["res.partner"].create(
                {"name": "Rita Race", "parent_id": customer.id}
            )
            product = env["product.product"].create(
                {
                    "name": "Race pack",
                    "type": "service",
                    "support_is_pack": True,
                    "support_pack_ticket_count": 10,
                    "support_pack_validity_months": 6,
                }
            )
            pack = env["support.ticket.pack"].create(
                {
                    "company_id": company.id,
                    "product_id": product.id,
                    "partner_id": customer.id,
                    "buyer_id": contact.id,
                    "user_ids": [(6, 0, contact.ids)],
                    "expiry_date": "2099-01-01",
                }
            )
            pack._add_move("purchase", tickets=10)
            stage = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
            tickets = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Race {i}",
                        "description": "<p>race</p>",
                        "partner_id": contact.id,
                        "company_id": company.id,
                        "stage_id": stage.id,
                    }
                    for i in (1, 2)
                ]
            )
            self.ids = {
                "partner": (customer | contact).ids,
                "product": product.id,
                "pack": pack.id,
                "tickets": tickets.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tickets = env["helpdesk.ticket"].browse(self.ids["tickets"])
            env["support.time.entry"].search(
                [("ticket_id", "in", tickets.ids)]
            ).unlink()
            env["support.ticket.pack"].browse(self.ids["pack"]).unlink()
            tickets.unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _use_tickets(self, used):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["support.ticket.pack"].browse(self.ids["pack"])._add_move(
                "consumption", tickets=-used
            )

    def _logger_of(self, ticket_id, minutes):
        def log(env):
            env["support.time.entry"].create(
                {
                    "ticket_id": ticket_id,
                    "minutes": minutes,
                    "user_id": env.ref("base.user_admin").id,
                }
            )

        return log

    def _state(self):
        """(pack balance, ledger sum, per ticket: (tickets, shortfall, mode,
        prepaid minutes, "ran out" messages))"""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            pack = env["support.ticket.pack"].browse(self.ids["pack"])
            return (
                pack.remaining_tickets,
                sum(pack.move_ids.mapped("tickets")),
                [
                    (
                        t.support_pack_tickets,
                        t.support_pack_shortfall,
                        t.support_billing_mode,
                        t._get_support_prepaid_minutes(),
                        len(t.message_ids.filtered(lambda m: "ran out" in m.body)),
                    )
                    for t in env["helpdesk.ticket"].browse(self.ids["tickets"])
                ],
            )

    def test_busy_pack_is_not_counted_as_empty(self):
        """10 tickets left, two tickets need 5 each: both are paid by the
        pack, nobody is told the tickets ran out."""
        ticket_a, ticket_b = self.ids["tickets"]
        errors = self._race(
            self._logger_of(ticket_a, 150), self._logger_of(ticket_b, 150)
        )
        self.assertFalse(errors)
        remaining, ledger, tickets = self._state()
        self.assertEqual((remaining, ledger), (0, 0))
        self.assertEqual(tickets, [(5, 0, "pack", 150, 0), (5, 0, "pack", 150, 0)])

    def test_last_tickets_taken_once(self):
        """8 tickets left, two tickets need 5 each: 5 + 3, the second one
        is told and its last hour is billed by the minute."""
        self._use_tickets(2)
        ticket_a, ticket_b = self.ids["tickets"]
        errors = self._race(
            self._logger_of(ticket_a, 150), self._logger_of(ticket_b, 150)
        )
        self.assertFalse(errors)
        remaining, ledger, tickets = self._state()
        self.assertEqual((remaining, ledger), (0, 0))
        self.assertEqual(tickets, [(5, 0, "pack", 150, 0), (3, 2, "time", 90, 1)])

    def test_last_ticket_race_without_coordination(self):
        """9 used, two tickets need 1 each, started at the same moment with
        no help: exactly one gets the last ticket, the other one is billed
        by the minute and told."""
        self._use_tickets(9)
        ticket_a, ticket_b = self.ids["tickets"]
        errors = self._race(
            self._logger_of(ticket_a, 20), self._logger_of(ticket_b, 20), hold=False
        )
        self.assertFalse(errors)
        remaining, ledger, tickets = self._state()
        self.assertEqual((remaining, ledger), (0, 0))
        self.assertEqual(sorted(tickets), [(0, 1, "time", 0, 1), (1, 0, "pack", 30, 0)])


@tagged("post_install", "-at_install")
class TestTicketPackPaymentConcurrency(ConcurrencyCase):
    """A pack invoice paid online while an accountant registers a payment."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            provider = env.ref("payment.payment_provider_demo")
            self.provider_before = {
                "state": provider.state,
                "company_id": provider.company_id.id,
                "capture_manually": provider.capture_manually,
            }
            provider.write(
                {"state": "test", "company_id": company.id, "capture_manually": False}
            )
            bank = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
            )
            if not provider.journal_id:
                provider.journal_id = bank
            customer = env["res.partner"].create(
                {"name": "Double Pay Corp", "is_company": True}
            )
            contact = env["res.partner"].create(
                {"name": "Dora Double", "parent_id": customer.id}
            )
            product = env["product.product"].create(
                {
                    "name": "Race pack 10",
                    "type": "service",
                    "support_is_pack": True,
                    "support_pack_ticket_count": 10,
                    "list_price": 400.0,
                }
            )
            invoice = (
                env["account.move"]
                .with_company(company)
                ._support_create_pack_invoice(contact, product)
            )
            self.ids = {
                "partner": (customer | contact).ids,
                "product": product.id,
                "invoice": invoice.id,
                "bank": bank.id,
                "provider": provider.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.ids["invoice"])
            packs = env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
            packs.move_ids.unlink()
            packs.unlink()
            txs = invoice.transaction_ids
            payments = env["account.payment"].search(
                [("partner_id", "in", self.ids["partner"])]
            )
            payments.action_draft()
            payments.move_id.with_context(force_delete=True).unlink()
            payments.unlink()
            txs.unlink()
            invoice.button_draft()
            invoice.with_context(force_delete=True).unlink()
            env["account.payment.register"].search(
                [("partner_id", "in", self.ids["partner"])]
            ).unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            env["payment.provider"].browse(self.ids["provider"]).write(
                self.provider_before
            )

    def test_paid_online_and_by_hand_at_once(self):
        invoice_id = self.ids["invoice"]

        def pay_online(env):
            invoice = env["account.move"].browse(invoice_id)
            tx = env["payment.transaction"].create(
                {
                    "provider_id": self.ids["provider"],
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "operation": "online_direct",
                    "invoice_ids": [(6, 0, invoice.ids)],
                }
            )
            tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
            tx._post_process()

        def pay_by_hand(env):
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=[invoice_id]
            ).create({"journal_id": self.ids["bank"]})._create_payments()

        errors = self._race(pay_online, pay_by_hand, hold=False)
        # the accountant may be told there is nothing left to pay: no crash
        for error in errors.values():
            self.assertIsInstance(error, UserError)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(invoice_id)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            packs = env["support.ticket.pack"].search([("invoice_id", "=", invoice_id)])
            self.assertEqual(len(packs), 1)
            self.assertEqual((packs.tickets_bought, packs.remaining_tickets), (10, 10))
            # the invoice is paid once; a second real payment stays on account
            reconciled = invoice._get_reconciled_payments()
            self.assertEqual(sum(reconciled.mapped("amount")), invoice.amount_total)


@tagged("post_install", "-at_install")
class TestPackExpiryConcurrency(ConcurrencyCase):
    """The pack expiry cron run twice at once (two cron workers): each pack
    expired once, none left (issue 16)."""

    PACKS = 6

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            customer = env["res.partner"].create(
                {"name": "Twin Cron Corp", "is_company": True}
            )
            contact = env["res.partner"].create(
                {"name": "Tina Twin", "parent_id": customer.id}
            )
            product = env["product.product"].create(
                {
                    "name": "Twin pack",
                    "type": "service",
                    "support_is_pack": True,
                    "support_pack_ticket_count": 10,
                    "support_pack_validity_months": 12,
                }
            )
            packs = env["support.ticket.pack"].create(
                [
                    {
                        "company_id": env.ref("base.main_company").id,
                        "product_id": product.id,
                        "partner_id": customer.id,
                        "buyer_id": contact.id,
                        "purchase_date": "2020-01-01",
                        "expiry_date": "2021-01-01",
                    }
                    for _i in range(self.PACKS)
                ]
            )
            for pack in packs:
                pack._add_move("purchase", tickets=10)
            self.ids = {
                "partner": (customer | contact).ids,
                "product": product.id,
                "packs": packs.ids,
                "cron": env.ref("support_billing.ir_cron_expire_ticket_packs").id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.cron.progress"].search(
                [("cron_id", "=", self.ids["cron"])]
            ).unlink()
            env["support.ticket.pack"].browse(self.ids["packs"]).unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _round(self, env, before=None):
        """One run of the cron as a cron worker runs it (its progress record,
        the method, a commit; ``ir.cron._run_job``); ``before()`` runs once
        this transaction has begun.  Returns (done, remaining) as the cron
        reported them."""
        cron = (
            env["ir.cron"]
            .browse(self.ids["cron"])
            .with_context(cron_id=self.ids["cron"])
        )
        cron, progress = cron._add_progress()
        if before:
            before()
        else:
            env.cr.commit()
        env["support.ticket.pack"].with_context(
            cron_id=self.ids["cron"], ir_cron_progress_id=progress.id
        )._cron_expire_packs()
        env.flush_all()
        env.cr.commit()
        return progress.done, progress.remaining

    def _rounds(self, env, limit=50):
        """Rounds until the cron reports nothing remaining (Odoo runs it
        again at once while something remains)."""
        done = 0
        for _i in range(limit):
            round_done, remaining = self._round(env)
            done += round_done
            if not remaining:
                return done
        raise AssertionError(f"{remaining} packs still remaining after {limit} runs")

    def _expiries(self):
        """Per pack: (expiry lines, expiry messages, remaining tickets)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            packs = env["support.ticket.pack"].browse(self.ids["packs"])
            return [
                (
                    len(pack.move_ids.filtered(lambda m: m.reason == "expiry")),
                    len(pack.message_ids.filtered(lambda m: "expired on" in m.body)),
                    pack.remaining_tickets,
                )
                for pack in packs
            ]

    def test_busy_and_changed_packs_done_in_a_later_run(self):
        """A pack the twin holds and a pack it expired since this run began
        (a serialization failure) are left to a later run, which does what is
        still to do."""
        # the cron goes in the packs' order: ``changed`` first, while this
        # run's first snapshot is still on (each pack then commits)
        changed, held = self.ids["packs"][:2]
        cr_twin = self.registry.cursor()
        cr_run = self.registry.cursor()
        try:
            env_run = api.Environment(cr_run, SUPERUSER_ID, {})

            def twin_at_work():
                # the twin expired ``changed`` (committed after this run's
                # snapshot) and is at work on ``held``
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["support.ticket.pack"].browse(changed)._expire()
                cr_twin.execute(
                    "SELECT id FROM support_ticket_pack WHERE id = %s FOR UPDATE",
                    [held],
                )

            with mute_logger("odoo.sql_db"):
                done, remaining = self._round(env_run, before=twin_at_work)
            self.assertEqual((done, remaining), (self.PACKS - 2, 2))
            cr_twin.rollback()  # the twin is done with ``held``
            self.assertEqual(self._rounds(env_run), 1)
            self.assertEqual(self._round(env_run), (0, 0))
        finally:
            cr_twin.close()
            cr_run.close()
        self.assertEqual(self._expiries(), [(1, 1, 0)] * self.PACKS)

    def test_twin_crons_at_once(self):
        """The cron and its twin started at the same moment, in two
        transactions: every pack expired, each once."""
        errors = self._race(self._rounds, self._rounds, hold=False, replay=False)
        self.assertFalse(errors)
        self.assertEqual(self._expiries(), [(1, 1, 0)] * self.PACKS)
