# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestInvoicing(SupportBillingCommon):
    def _line(self, invoice, ticket):
        return invoice.invoice_line_ids.filtered(
            lambda l: l.support_ticket_id == ticket
        )

    def test_end_to_end_one_invoice_per_customer(self):
        printer = self._create_ticket(self.customer_contact, name="Printer")
        self._log(printer, 25, user=self.technician)
        self._log(printer, 22, user=self.technician2)
        mail = self._create_ticket(self.customer_contact2, name="Mailbox")
        self._log(mail, 5)
        vpn = self._create_ticket(self.customer_contact, closed=False, name="VPN")
        vpn_entry = self._log(vpn, 40)
        other = self._create_ticket(self.other_customer, name="Slow PC")
        self._log(other, 65)

        invoices = self._invoice()
        self.assertEqual(len(invoices), 2)
        invoice = invoices.filtered(lambda m: m.partner_id == self.customer)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(len(invoice.invoice_line_ids), 2)
        # earliest ticket: 47 worked, 47 billed, 15 free trial -> 32 charged
        line = self._line(invoice, printer)
        self.assertEqual(line.product_id, self.product_time)
        self.assertEqual(
            (line.support_minutes_worked, line.support_minutes_billed), (47, 47)
        )
        self.assertEqual(line.support_minutes_free, 15)
        # the exact price of 32 minutes at 90.00 per hour
        self.assertEqual(line.quantity, 1.0)
        self.assertAlmostEqual(line.price_subtotal, 48.0)
        self.assertIn(printer.number, line.name)
        self.assertIn("Printer", line.name)
        # next ticket: 5 worked -> 30 billed, no trial left
        line = self._line(invoice, mail)
        self.assertEqual(line.support_minutes_billed, 30)
        self.assertEqual(line.support_minutes_free, 0)
        self.assertAlmostEqual(line.price_subtotal, 45.0)
        # entries are linked and locked; open ticket untouched
        self.assertEqual(
            set(printer.support_time_entry_ids.mapped("state")), {"invoiced"}
        )
        self.assertEqual(printer.support_time_entry_ids.invoice_id, invoice)
        self.assertEqual(vpn_entry.state, "to_invoice")
        self.assertEqual(self.customer._get_support_trial_minutes_left(), 0)
        # the other customer: 65 billed, 15 free -> 50 charged
        other_invoice = invoices - invoice
        self.assertEqual(other_invoice.invoice_line_ids.support_minutes_free, 15)
        self.assertAlmostEqual(other_invoice.invoice_line_ids.price_subtotal, 75.0)
        # nothing left: a second run refuses with a clear message
        with self.assertRaises(UserError):
            self._invoice()
        # the option includes open tickets
        open_invoice = self._invoice(partners=self.customer, include_open=True)
        self.assertEqual(open_invoice.invoice_line_ids.support_ticket_id, vpn)
        self.assertEqual(open_invoice.invoice_line_ids.support_minutes_billed, 40)
        self.assertEqual(vpn_entry.state, "invoiced")

    def test_trial_straddles_two_tickets(self):
        first = self._create_ticket(self.customer_contact, name="Quick question")
        self._log(first, 5)
        invoice = self._invoice()
        line = invoice.invoice_line_ids
        self.assertEqual(
            (line.support_minutes_billed, line.support_minutes_free), (30, 30)
        )
        self.assertEqual(line.price_subtotal, 0.0)
        self.assertEqual(self.customer._get_support_trial_minutes_left(), 10)
        second = self._create_ticket(self.customer_contact, name="Backup")
        self._log(second, 40)
        line = self._invoice().invoice_line_ids
        self.assertEqual(line.support_ticket_id, second)
        self.assertEqual(
            (line.support_minutes_billed, line.support_minutes_free), (40, 10)
        )
        self.assertAlmostEqual(line.price_subtotal, 45.0)
        self.assertEqual(self.customer._get_support_trial_minutes_left(), 0)

    def test_trial_switched_off_and_customer_rate(self):
        self.customer.write(
            {"support_trial_eligible": False, "support_hourly_rate": 120}
        )
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 45)
        line = self._invoice().invoice_line_ids
        self.assertEqual(line.support_minutes_free, 0)
        self.assertIn("120.00", line.name)
        self.assertAlmostEqual(line.price_subtotal, 90.0)

    def test_amounts_exact_to_the_minute(self):
        self.customer.write(
            {"support_trial_eligible": False, "support_hourly_rate": 100}
        )
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 47)
        line = self._invoice().invoice_line_ids
        # 47 min at 100.00 per hour, rounded once: 78.33 (not 0.78 h = 78.00)
        self.assertAlmostEqual(line.price_subtotal, 78.33)
        self.assertEqual(line.move_id.amount_untaxed, 78.33)

    def test_pricelist_price(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Support partners",
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.product_time.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 60.0,
                        },
                    )
                ],
            }
        )
        self.other_customer.property_product_pricelist = pricelist
        ticket = self._create_ticket(self.other_customer)
        self._log(ticket, 75)
        line = self._invoice().invoice_line_ids
        self.assertIn("60.00", line.name)
        self.assertAlmostEqual(line.price_subtotal, 60.0)  # 60 min charged

    def test_pricelist_in_another_currency_converted(self):
        """Issue 23: a pricelist in EUR (60.00 EUR per hour, 1 USD = 0.50
        EUR) prices the hour at 120.00 USD on a USD invoice and a USD card
        hold, not at 60.00 "USD"."""
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 0.5)])
        self.assertNotEqual(self.company.currency_id, eur)
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Support partners in euros",
                "currency_id": eur.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.product_time.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 60.0,
                        }
                    )
                ],
            }
        )
        self.other_customer.write(
            {
                "property_product_pricelist": pricelist.id,
                "support_trial_eligible": False,
            }
        )
        self.assertEqual(
            self.env["support.card.hold"]._get_rate_for(self.other_customer), 120.0
        )
        ticket = self._create_ticket(self.other_customer)
        self._log(ticket, 60)
        invoice = self._invoice()
        self.assertEqual(invoice.currency_id, self.company.currency_id)
        self.assertIn("120.00", invoice.invoice_line_ids.name)
        self.assertEqual(invoice.amount_untaxed, 120.0)

    def test_reopened_ticket_bills_per_ticket(self):
        self.customer.support_trial_eligible = False
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 5)
        self.assertEqual(self._invoice().invoice_line_ids.support_minutes_billed, 30)
        self._log(ticket, 10)
        line = self._invoice().invoice_line_ids
        self.assertEqual(line.support_minutes_billed, 0)
        self.assertIn("Covered by the 30 minutes", line.name)
        self._log(ticket, 20)
        self.assertEqual(self._invoice().invoice_line_ids.support_minutes_billed, 5)

    def test_locked_once_invoiced_and_freed_by_credit_note(self):
        ticket = self._create_ticket(self.customer_contact)
        entry = self._log(ticket, 50)
        invoice = self._invoice()
        for vals in (
            {"minutes": 10},
            {"date": "2020-01-01"},
            {"user_id": self.technician2.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                entry.write(vals)
        with self.assertRaises(UserError):
            entry.unlink()
        entry.description = "A description may still be corrected"
        self.assertEqual(entry.minutes, 50)

        invoice.action_post()
        reversal = invoice._reverse_moves(
            default_values_list=[{"invoice_date": invoice.invoice_date}]
        )
        reversal.action_post()
        # credited in full: to review, never billed again without a decision
        self.assertEqual(entry.state, "to_review")
        self.assertFalse(entry.invoice_line_id)
        self.assertEqual(self.customer._get_support_trial_minutes_left(), 15)
        entry.minutes = 55  # free again
        entry.with_user(self.accountant).action_support_bill_again()
        self.assertEqual(entry.state, "to_invoice")
        new_invoice = self._invoice()
        self.assertEqual(new_invoice.invoice_line_ids.support_minutes_billed, 55)
        self.assertEqual(entry.invoice_id, new_invoice)

    def test_cancelled_invoice_frees_time(self):
        ticket = self._create_ticket(self.customer_contact)
        entry = self._log(ticket, 35)
        invoice = self._invoice()
        invoice.button_cancel()
        self.assertEqual(entry.state, "to_review")
        self.assertTrue(
            invoice.message_ids.filtered(lambda m: "cancelled" in (m.body or ""))
        )
        entry.with_user(self.accountant).action_support_bill_again()
        # a deleted draft invoice frees them too
        invoice2 = self._invoice()
        invoice2.unlink()
        self.assertEqual(entry.state, "to_invoice")

    def test_access(self):
        ticket = self._create_ticket(self.customer_contact)
        entry = self._log(ticket, 35)
        for user in (self.technician, self.support_manager, self.portal_user):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    entry.with_user(user)._create_support_invoices()
                with self.assertRaises(AccessError):
                    self.env["support.invoice.wizard"].with_user(user)._action_open()
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.technician).create(
                {"move_type": "out_invoice", "partner_id": self.customer.id}
            )
        self.assertEqual(entry.state, "to_invoice")

    def test_other_billing_mode_is_not_invoiced(self):
        ticket = self._create_ticket(self.customer_contact)
        entry = self._log(ticket, 35)
        ticket_class = type(self.env["helpdesk.ticket"])
        with (
            patch.object(
                ticket_class, "_get_support_billing_mode", lambda self: "none"
            ),
            self.assertRaises(UserError),
        ):
            self._invoice()
        self.assertEqual(entry.state, "to_invoice")

    def test_invoice_from_ticket_and_customer_actions(self):
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 35)
        action = ticket.with_user(self.accountant).action_support_invoice_time()
        self.assertEqual(action["context"]["default_ticket_ids"], ticket.ids)
        action = self.customer_contact.with_user(
            self.accountant
        ).action_support_invoice_time()
        self.assertEqual(action["context"]["default_partner_ids"], self.customer.ids)
        invoice = self._invoice(partners=self.customer_contact)
        self.assertEqual(invoice.partner_id, self.customer)

    def test_cron_isolates_failures(self):
        good = self._create_ticket(self.customer_contact)
        self._log(good, 35)
        bad = self._create_ticket(self.other_customer)
        bad_entry = self._log(bad, 40)
        entry_class = type(self.env["support.time.entry"])
        original = entry_class._prepare_invoice_vals

        def failing(entries, partner, **kwargs):
            if partner == self.other_customer:
                raise ValueError("No receivable account for Zeta")
            return original(entries, partner, **kwargs)

        cron = self.env["support.time.entry"]
        messages = self.other_customer.message_ids
        logger = "odoo.addons.support_billing.models.support_time_entry"
        with (
            patch.object(entry_class, "_prepare_invoice_vals", failing),
            mute_logger(logger),
        ):
            cron._cron_invoice_support_time()
            cron._cron_invoice_support_time()
        self.assertEqual(good.support_time_entry_ids.state, "invoiced")
        self.assertEqual(bad_entry.state, "to_invoice")
        self.assertEqual(
            self.other_customer.support_invoice_error, "No receivable account for Zeta"
        )
        posted = self.other_customer.message_ids - messages
        self.assertEqual(len(posted.filtered(lambda m: "Zeta" in (m.body or ""))), 1)
        # once it works again the error is cleared
        cron._cron_invoice_support_time()
        self.assertEqual(bad_entry.state, "invoiced")
        self.assertFalse(self.other_customer.support_invoice_error)


@tagged("post_install", "-at_install")
class TestMinuteFiguresShown(SupportBillingCommon):
    """Issue 15: the ticket, the invoice line and the invoice PDF show the
    same worked, billed, free and charged minutes."""

    def test_short_ticket_with_trial_same_figures_everywhere(self):
        ticket = self._create_ticket(self.customer_contact, name="Quick fix")
        self._log(ticket, 17)
        # before invoicing: 30 billed, 15 free (the trial), 15 charged
        self.assertEqual(
            (
                ticket.support_minutes_billed,
                ticket.support_minutes_free,
                ticket.support_minutes_charged,
            ),
            (30, 15, 15),
        )
        self.assertIn("15 min free trial", ticket.support_minutes_free_detail)
        invoice = self._invoice()
        line = invoice.invoice_line_ids
        self.assertEqual(line.support_minutes_charged, 15)
        self.assertAlmostEqual(line.price_subtotal, 22.5)  # 15 min at 90.00
        self.assertIn("17 min worked, 30 min billed, 15 min charged", line.name)
        self.assertIn("Free trial: 15 min offered", line.name)
        # the invoiced ticket keeps the same figures (from its line)
        ticket.invalidate_recordset()
        self.assertEqual(
            (ticket.support_minutes_free, ticket.support_minutes_charged), (15, 15)
        )
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        html = html.decode()
        self.assertIn("Minutes charged", html)
        # the note comes before the table: never alone on the next page
        self.assertLess(
            html.index('name="support_time_note"'),
            html.index('name="support_time_table"'),
        )
        table = html[html.index('name="support_time_table"') :]
        start = table.index(ticket.number)
        section = table[start : table.index("</tbody>", start)]
        # issue 27: the ticket's figures one per row, label then minutes
        cells = re.findall(
            r'<td colspan="3"[^>]*>\s*([^<]+?)\s*</td>\s*'
            r'<td class="text-end">\s*<span>(\d+)</span>',
            section,
        )
        self.assertEqual(
            cells,
            [
                ("Minutes worked", "17"),
                ("Minutes billed", "30"),
                ("Free trial offered", "15"),
                ("Minutes charged", "15"),
            ],
        )

    def test_ticket_without_trial_charges_what_is_billed(self):
        self.customer.support_trial_eligible = False
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 17)
        self.assertEqual(
            (ticket.support_minutes_free, ticket.support_minutes_charged), (0, 30)
        )
        self.assertFalse(ticket.support_minutes_free_detail)
