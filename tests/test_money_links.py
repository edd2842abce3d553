# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Billing links are accounting's alone (issue 23, item 6): a user's write or
create of a field that links time, holds, packs or subscriptions to money is
refused with an error naming the field, nothing changed; the accounting
actions still work."""

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_accounting_paths import TaxedCommon
from .test_card_hold import CardHoldCommon
from .test_subscription import SubscriptionCommon
from .test_ticket_pack import TicketPackCommon


@tagged("post_install", "-at_install")
class TestMoneyLinksTimeEntry(TaxedCommon):
    def assertRefused(self, records, vals, field_label):
        with self.assertRaises(AccessError) as caught:
            records.write(vals)
        self.assertIn(field_label, str(caught.exception))

    def test_technician_cannot_free_invoiced_time(self):
        _ticket, entry, invoice = self._billed_invoice(60)
        self.assertEqual(invoice.amount_untaxed, 90.0)
        tech_entry = entry.with_user(self.technician)
        self.assertRefused(tech_entry, {"invoice_line_id": False}, "Invoice Line")
        self.assertRefused(tech_entry, {"invoice_id": False}, "Invoice")
        self.assertRefused(tech_entry, {"state": "to_invoice"}, "State")
        entry.invalidate_recordset()
        self.assertEqual(entry.state, "invoiced")
        self.assertEqual(entry.invoice_line_id, invoice.invoice_line_ids)
        # the next run bills nothing twice
        self.assertFalse(self._run())
        self.assertEqual(invoice.amount_untaxed, 90.0)

    def test_technician_cannot_bill_again_or_cover(self):
        _ticket, entry, invoice = self._billed_invoice(47)
        self._reverse(invoice)
        self.assertEqual(entry.state, "to_review")
        tech_entry = entry.with_user(self.technician)
        self.assertRefused(
            tech_entry, {"support_released_line_id": False}, "Released From"
        )
        sub = self.env["support.subscription"].create(
            {
                "partner_id": self.customer.id,
                "plan_id": self.env.ref(
                    "support_billing.support_plan_all_inclusive"
                ).id,
                "company_id": self.company.id,
                "authorized_user_ids": [(6, 0, self.customer_contact.ids)],
            }
        )
        self.assertRefused(
            tech_entry, {"support_subscription_id": sub.id}, "Covered by Subscription"
        )
        entry.invalidate_recordset()
        self.assertEqual(entry.state, "to_review")
        self.assertEqual(entry.support_released_line_id, invoice.invoice_line_ids)
        self.assertFalse(self._run(), "never billed again behind the accountant")
        # the accountant's decision still works
        entry.with_user(self.accountant).action_support_bill_again()
        self.assertEqual(entry.state, "to_invoice")
        again = self._run()
        self.assertEqual(again.amount_untaxed, 70.5)
        self.assertEqual(entry.invoice_id, again)

    def test_accountant_do_not_bill_still_works(self):
        _ticket, entry, invoice = self._billed_invoice(30)
        self._reverse(invoice)
        entry.with_user(self.accountant).action_support_do_not_bill()
        self.assertEqual(entry.state, "non_billable")
        self.assertFalse(entry.support_released_line_id)
        self.assertFalse(self._run())

    def test_technician_cannot_create_linked_time(self):
        _ticket, entry, invoice = self._billed_invoice(60)
        ticket = self._create_ticket(self.customer_contact, name="Second")
        entries = self.env["support.time.entry"].with_user(self.technician)
        vals = {"ticket_id": ticket.id, "minutes": 20, "user_id": self.technician.id}
        for extra in (
            {"invoice_line_id": invoice.invoice_line_ids.id},
            {"support_subscription_id": False},
            {"state": "invoiced"},
        ):
            with self.assertRaises(AccessError):
                entries.create(dict(vals, **extra))
        with self.assertRaises(AccessError):
            entries.with_context(
                default_invoice_line_id=invoice.invoice_line_ids.id
            ).create(vals)
        self.assertFalse(ticket.support_time_entry_ids)
        # plain time is logged as before, to invoice
        entry = entries.create(vals)
        self.assertEqual(entry.state, "to_invoice")
        self.assertEqual(self._run().amount_untaxed, 45.0)

    def test_invoice_line_figures_are_accounting_s(self):
        _ticket, entry, invoice = self._billed_invoice(60)
        line = invoice.invoice_line_ids.with_user(self.accountant)
        for vals, label in (
            ({"support_minutes_billed": 0}, "Minutes Billed"),
            ({"support_ticket_id": False}, "Support Ticket"),
            ({"support_time_entry_ids": [(5, 0, 0)]}, "Support Time Entries"),
        ):
            with self.assertRaises(AccessError) as caught:
                line.write(vals)
            self.assertIn(label, str(caught.exception))
        with self.assertRaises(AccessError):
            invoice.with_user(self.accountant).write(
                {"support_time_entry_ids": [(5, 0, 0)]}
            )
        self.assertEqual(line.support_minutes_billed, 60)
        self.assertEqual(entry.invoice_line_id, line)
        # a credit note copies the figures: still allowed
        credit = self._reverse(invoice)
        self.assertEqual(credit.invoice_line_ids.support_minutes_billed, 60)
        self.assertEqual(credit.amount_untaxed, 90.0)
        self.assertEqual(entry.state, "to_review")

    def test_customer_rate_and_trial_by_accounting_only(self):
        # a technician who may edit contacts (Contact Creation)
        technician = new_test_user(
            self.env,
            login="sb-tech-contacts",
            groups="support_billing.group_support_technician,base.group_partner_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        partner = self.customer.with_user(technician)
        for vals in (
            {"support_hourly_rate": 10.0},
            {"support_trial_eligible": True},
        ):
            with self.assertRaises(AccessError) as caught:
                partner.write(vals)
            self.assertIn(
                "Only accountants and support managers", str(caught.exception)
            )
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(technician).create(
                {"name": "Cheap Co", "support_hourly_rate": 1.0}
            )
        # the trial used is the invoicing's, even for an accountant
        with self.assertRaises(AccessError):
            self.customer.with_user(self.accountant).write(
                {"support_trial_minutes_used": 0}
            )
        self.assertFalse(self.customer.support_trial_eligible)
        self.assertEqual(self.customer.support_hourly_rate, 0.0)
        # a contact with the default terms may still be created by technicians
        new = (
            self.env["res.partner"]
            .with_user(technician)
            .create({"name": "New Co", "support_trial_eligible": True})
        )
        self.assertTrue(new.support_trial_eligible)
        partner.phone = "+33 1 23 45 67 89"  # the rest of the contact: as before
        # accountants and managers (who may edit contacts) set the price
        contacts = self.env.ref("base.group_partner_manager")
        (self.accountant | self.support_manager).group_ids += contacts
        self.customer.with_user(self.accountant).support_hourly_rate = 120.0
        self.customer.with_user(self.support_manager).support_trial_eligible = True
        self.assertEqual(self.customer.support_hourly_rate, 120.0)
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 60)
        self.customer.with_user(self.accountant).support_trial_eligible = False
        self.assertEqual(self._run().amount_untaxed, 120.0)


@tagged("post_install", "-at_install")
class TestMoneyLinksCardHold(CardHoldCommon):
    def test_hold_money_fields_refused(self):
        self._log(self.ticket, 30)
        hold = self._create_hold(minutes=60, rate=100)
        self._authorize(hold)
        self.assertEqual(hold.state, "authorized")
        # issue 27: one live hold per ticket, the other on a ticket of its own
        other = self._create_hold(
            minutes=60,
            rate=100,
            ticket=self._create_ticket(self.customer_contact, closed=False),
        )
        tx = hold.transaction_id
        acc_hold = hold.with_user(self.accountant)
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id}
        )
        for vals, label in (
            ({"transaction_id": False}, "Transaction"),
            ({"invoice_id": invoice.id}, "Invoice"),
            ({"end_reason": "released"}, "End Reason"),
            ({"authorized_at": "2020-01-01 00:00:00"}, "Authorised On"),
            ({"warned": True}, "Warned"),
        ):
            with self.assertRaises(AccessError) as caught:
                acc_hold.write(vals)
            self.assertIn(label, str(caught.exception))
        with self.assertRaises(AccessError):
            other.with_user(self.accountant).write({"transaction_id": tx.id})
        with self.assertRaises(AccessError):
            self.env["support.card.hold"].with_user(self.accountant).create(
                {
                    "partner_id": self.customer_contact.id,
                    "ticket_id": self.ticket.id,
                    "duration_minutes": 60,
                    "hourly_rate": 100,
                    "company_id": self.company.id,
                    "transaction_id": tx.id,
                }
            )
        hold.invalidate_recordset()
        self.assertEqual(hold.transaction_id, tx)
        self.assertFalse(hold.invoice_id or hold.end_reason or hold.warned)
        # the accountant's charge still works: 30 min at 100.00 + 20 % tax
        self._charge(hold)
        self.assertEqual(hold.state, "captured")
        self.assertEqual(hold.captured_amount, 60.0)
        self.assertEqual(hold.invoice_id.amount_total, 60.0)


@tagged("post_install", "-at_install")
class TestMoneyLinksSubscription(SubscriptionCommon):
    def test_subscription_state_and_invoices_refused(self):
        with freeze_time("2030-03-10"):
            sub = self._subscribe(self.customer_contact)
        self.assertEqual(sub.state, "waiting")
        first = sub.first_invoice_id
        manager_sub = sub.with_user(self.support_manager)
        for vals, label in (
            ({"state": "active"}, "State"),
            ({"activation_date": "2030-03-10"}, "Activation Date"),
            ({"first_invoice_id": False}, "First Invoice"),
            ({"date_end": "2030-03-31"}, "End Date"),
        ):
            with self.assertRaises(AccessError) as caught:
                manager_sub.write(vals)
            self.assertIn(label, str(caught.exception))
        with self.assertRaises(AccessError):
            self.env["support.subscription"].with_user(self.support_manager).create(
                {
                    "partner_id": self.other_customer.id,
                    "plan_id": self.plan.id,
                    "company_id": self.company.id,
                    "authorized_user_ids": [(6, 0, self.other_customer.ids)],
                    "state": "active",
                }
            )
        with self.assertRaises(AccessError):
            first.with_user(self.accountant).write({"support_subscription_id": False})
        with self.assertRaises(AccessError):
            sub.with_user(self.technician).action_cancel()
        self.assertEqual(sub.state, "waiting")
        self.assertEqual(first.support_subscription_id, sub)
        # paying the first invoice (100.00 for 22 of 31 days) activates it
        self.assertEqual(first.amount_total, 70.97)
        with freeze_time("2030-03-14"):
            self._register_bank_payment(first)
        self.assertEqual(sub.state, "active")


@tagged("post_install", "-at_install")
class TestMoneyLinksPack(TicketPackCommon):
    def test_pack_and_ledger_refused(self):
        invoice, pack = self._buy(self.pack10)
        self.assertEqual(invoice.amount_total, 400.0)
        self.assertEqual(len(pack), 1)
        bought = pack.remaining_tickets
        self.assertEqual(bought, 10)
        acc_pack = pack.with_user(self.accountant)
        for vals in (
            {"invoice_line_id": False},
            {"expiry_notice_sent": True},
            {"remaining_tickets": 1000},
        ):
            with self.assertRaises(AccessError):
                acc_pack.write(vals)
        moves = self.env["support.ticket.pack.move"].with_user(self.accountant)
        with self.assertRaises(AccessError):
            moves.create({"pack_id": pack.id, "reason": "purchase", "tickets": 100})
        with self.assertRaises(AccessError):
            pack.move_ids.with_user(self.accountant).write({"tickets": 100})
        pack.invalidate_recordset()
        self.assertEqual(pack.remaining_tickets, bought)
        self.assertEqual(len(pack.move_ids), 1)
