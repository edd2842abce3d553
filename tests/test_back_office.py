# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 27, the accountant's and the technician's back office: one place to
invoice (Time to Invoice and the wizard follow one rule), money beside
minutes, invoice lines that read like support, one live card hold per
ticket."""

from contextlib import contextmanager
from datetime import datetime
from html import unescape

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .. import const
from .test_card_hold import CardHoldCommon


class BackOfficeCommon(CardHoldCommon):
    @contextmanager
    def _says(self, text):
        """The error raised inside says ``text`` (``assertRaises`` rolls its
        savepoint back, ``assertRaisesRegex`` does not)."""
        try:
            yield
        except UserError as error:
            self.assertIn(text, str(error))
            raise

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 100.00 per hour (CardHoldCommon), 20 % sales tax, no free trial
        cls.closed = cls._create_ticket(cls.customer_contact, name="Mail down")
        cls.open = cls._create_ticket(
            cls.customer_contact, closed=False, name="VPN slow"
        )
        cls.closed_entries = cls._log(cls.closed, 45) | cls._log(cls.closed, 18)
        cls.open_entry = cls._log(cls.open, 20)
        # a ticket paid by its card hold: not invoiced from Time to Invoice
        cls.held = cls._create_ticket(cls.customer_contact, name="Server room")
        cls.held_entry = cls._log(cls.held, 40)
        cls.held_hold = cls._create_hold(minutes=120, ticket=cls.held)
        cls._authorize(cls.held_hold, simulated_state="done")

    def _filter_domain(self, name):
        view = self.env.ref("support_billing.support_time_entry_view_search")
        arch = etree.fromstring(
            self.env["support.time.entry"].get_views([(view.id, "search")])["views"][
                "search"
            ]["arch"]
        )
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"), {"uid": self.env.uid})

    def _time_to_invoice(self):
        """What Time to Invoice lists (its default filter), for our customer."""
        action = self.env.ref("support_billing.support_time_entry_action_to_invoice")
        self.assertIn("search_default_to_invoice", action.context)
        return (
            self.env["support.time.entry"]
            .with_user(self.accountant)
            .search(
                self._filter_domain("to_invoice")
                + [("partner_id", "=", self.customer.id)]
            )
        )


@tagged("post_install", "-at_install")
class TestTimeToInvoice(BackOfficeCommon):
    def test_list_badges_amounts_and_wizard_agree(self):
        self.assertEqual(self.held_hold.state, "authorized")
        listed = self._time_to_invoice()
        # the hold's time is not listed to invoice, nor badged so
        self.assertEqual(listed, self.closed_entries | self.open_entry)
        self.assertEqual(self.held_entry.support_billing_mode, "hold")
        self.assertEqual(self.held_entry.support_billing_status, "hold")
        self.assertEqual(set(listed.mapped("support_billing_status")), {"to_invoice"})
        # open tickets apart
        self.assertEqual(
            set(self.closed_entries.mapped("support_ticket_status")), {"closed"}
        )
        self.assertEqual(self.open_entry.support_ticket_status, "open")
        # every row shows what it bills: 63 min -> 105.00; 20 min -> 30 min
        # (the first 30 minutes are indivisible) -> 50.00
        first, second = self.closed_entries
        self.assertEqual(first.currency_id, self.company.currency_id)
        self.assertAlmostEqual(first.support_amount, 75.0)
        self.assertAlmostEqual(second.support_amount, 30.0)
        self.assertAlmostEqual(self.open_entry.support_amount, 50.0)
        self.assertAlmostEqual(self.held_entry.support_amount, 66.67)
        # the wizard invoices what the list shows: closed tickets unless the
        # open ones are included, for the list's amounts
        wizard = self.env["support.invoice.wizard"].with_user(self.accountant)
        closed_only = wizard.create(
            {"partner_ids": [(6, 0, self.customer.ids)], "include_open": False}
        )
        self.assertEqual(closed_only.entry_count, len(self.closed_entries))
        self.assertIn("105.00", closed_only.amount_summary)
        with_open = wizard.create(
            {"partner_ids": [(6, 0, self.customer.ids)], "include_open": True}
        )
        self.assertEqual(with_open.entry_count, len(listed))
        self.assertIn("155.00", with_open.amount_summary)
        self.assertIn("Card hold", with_open.excluded_summary)

    def test_create_invoices_from_selected_rows(self):
        listed = self._time_to_invoice()
        total = sum(listed.mapped("support_amount"))
        action = listed.with_user(self.accountant).action_support_create_invoices()
        self.assertEqual(action["res_model"], "support.invoice.wizard")
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .with_context(**action["context"])
            .create({})
        )
        # rows picked by hand: open tickets included, only those rows
        self.assertTrue(wizard.include_open)
        self.assertEqual(wizard.entry_count, 3)
        result = wizard.action_create_invoices()
        invoice = self.env["account.move"].browse(result["res_id"])
        self.assertAlmostEqual(invoice.amount_untaxed, total)
        self.assertEqual(set(listed.mapped("state")), {"invoiced"})
        self.assertEqual(self.held_entry.state, "to_invoice")
        self.assertFalse(self._time_to_invoice())

    def test_technician_cannot_create_invoices(self):
        with self.assertRaises(AccessError):
            self.open_entry.with_user(self.technician).action_support_create_invoices()

    def test_ticket_shows_its_cost_so_far(self):
        self.assertAlmostEqual(self.closed.support_amount_to_invoice, 105.0)
        self.assertAlmostEqual(self.closed.support_amount_total, 105.0)
        self._invoice(tickets=self.closed).action_post()
        self.closed.invalidate_recordset()
        self.assertAlmostEqual(self.closed.support_amount_to_invoice, 0.0)
        self.assertAlmostEqual(self.closed.support_amount_invoiced, 105.0)
        self.assertAlmostEqual(self.closed.support_amount_total, 105.0)
        self._log(self.closed, 10)
        self.closed.invalidate_recordset()
        self.assertAlmostEqual(self.closed.support_amount_total, 105.0 + 16.67)

    def test_hold_charge_preview(self):
        hold = self.held_hold.with_user(self.accountant)
        # 40 min at 100.00 = 66.67 + 20 % = 80.00 of the 240.00 authorised
        self.assertAlmostEqual(hold.amount, 240.0)
        self.assertAlmostEqual(hold.charge_amount_preview, 80.0)
        self.assertAlmostEqual(hold.capture_amount_preview, 80.0)
        self.assertAlmostEqual(hold.release_amount_preview, 160.0)
        self._charge(hold)
        self.assertAlmostEqual(hold.captured_amount, 80.0)
        self.assertAlmostEqual(hold.released_amount, 160.0)


@tagged("post_install", "-at_install")
class TestSupportInvoiceLines(BackOfficeCommon):
    def test_hours_at_the_rate_when_exact_else_one_amount_said(self):
        invoice = self._invoice(tickets=self.closed | self.open, include_open=True)
        hour = self.env.ref("uom.product_uom_hour")
        by_ticket = invoice.invoice_line_ids.grouped("support_ticket_id")
        # 63 min = 1.05 h x 100.00 = 105.00
        line = by_ticket[self.closed]
        self.assertEqual(line.product_uom_id, hour)
        self.assertAlmostEqual(line.quantity, 1.05)
        self.assertAlmostEqual(line.price_unit, 100.0)
        self.assertAlmostEqual(line.price_subtotal, 105.0)
        # 30 min = 0.5 h
        self.assertAlmostEqual(by_ticket[self.open].quantity, 0.5)
        # 47 min cannot be hours to two decimals: one amount, said in words
        ticket = self._create_ticket(self.customer_contact, name="Odd")
        self._log(ticket, 47)
        line = self._invoice(tickets=ticket).invoice_line_ids
        self.assertEqual(line.quantity, 1.0)
        self.assertAlmostEqual(line.price_unit, 78.33)
        self.assertIn("Billed as one amount: 47 min", line.name)

    def test_appendix_lists_each_entry(self):
        self.closed_entries[0].description = "Reset the mail server"
        self.closed_entries[1].description = "Checked the mailboxes"
        invoice = self._invoice(tickets=self.closed)
        invoice.action_post()
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", invoice.ids
        )
        html = unescape(html.decode())
        detail = html[html.index('id="support_time_detail"') :]
        for text in (
            "What was done",
            "Reset the mail server",
            "Checked the mailboxes",
            self.technician.name,
        ):
            self.assertIn(text, detail)
        rows = etree.fromstring(html.encode(), etree.HTMLParser()).xpath(
            "//table[@name='support_time_table']/tbody/tr"
        )
        cells = [[td.xpath("string()").strip() for td in tr.xpath("td")] for tr in rows]
        # no blank cell: each entry row says when, who, what and how long
        for row in cells:
            self.assertTrue(all(row), cells)
        entry_rows = [r for tr, r in zip(rows, cells, strict=True) if tr.get("name")]
        self.assertEqual(
            [(r[1], r[2], r[3]) for r in entry_rows],
            [
                (self.technician.name, "Reset the mail server", "45"),
                (self.technician.name, "Checked the mailboxes", "18"),
            ],
        )
        self.assertIn("63", [r[-1] for r in cells if r[0] == "Minutes charged"])


@tagged("post_install", "-at_install")
class TestOneLiveHoldPerTicket(BackOfficeCommon):
    def _request(self, ticket, minutes=60):
        action = ticket.with_user(self.technician).action_support_request_card_hold()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.technician)
            .with_context(**action["context"])
            .create({"duration_minutes": minutes})
        )
        return wizard

    def test_request_posts_amount_and_refuses_a_second_live_hold(self):
        ticket = self.open
        wizard = self._request(ticket)
        # 60 min at 100.00 + 20 %: shown before sending
        self.assertAlmostEqual(wizard.amount_untaxed, 100.0)
        self.assertAlmostEqual(wizard.amount, 120.0)
        wizard.action_send_request()
        hold = ticket.support_card_hold_ids
        self.assertEqual(len(hold), 1)
        self.assertEqual((hold.state, hold.amount), ("draft", 120.0))
        self.assertEqual(ticket.with_user(self.technician).support_card_hold_count, 1)
        note = ticket.message_ids.filtered(lambda m: hold.name in (m.body or ""))
        self.assertTrue(note)
        self.assertIn("120.00", unescape(note[0].body))
        # a second request is refused, from the button and from the model
        with self.assertRaises(UserError), self._says("one card hold at a time"):
            ticket.with_user(self.technician).action_support_request_card_hold()
        with self.assertRaises(UserError), self._says("one card hold at a time"):
            wizard.action_send_request()
        with self.assertRaises(UserError), self._says("one card hold at a time"):
            self._create_hold(ticket=ticket)
        other = self._create_hold(ticket=self.closed)
        with self.assertRaises(UserError), self._says("one card hold at a time"):
            other.ticket_id = ticket
        holds = self.env["support.card.hold"]
        self.assertEqual(holds.search_count([("ticket_id", "=", ticket.id)]), 1)

    def test_authorised_hold_still_live_ended_hold_not(self):
        with self.assertRaises(UserError), self._says("one card hold at a time"):
            self._create_hold(ticket=self.held)
        self.held_hold.with_user(self.accountant).action_release()
        self.assertEqual(self.held_hold.state, "released")
        wizard = self._request(self.held, minutes=30)
        wizard.action_send_request()
        self.assertEqual(
            self.held.support_card_hold_ids.mapped("state"), ["draft", "released"]
        )


@tagged("post_install", "-at_install")
class TestTimerText(BackOfficeCommon):
    def _timed_entry(self, ticket):
        ticket = ticket.with_user(self.technician)
        with freeze_time(datetime(2026, 3, 2, 10, 0, 0)):
            ticket.action_support_timer_start()
        with freeze_time(datetime(2026, 3, 2, 10, 12, 20)):
            ticket.action_support_timer_stop()
        return ticket.support_time_entry_ids.sorted("id")[-1]

    def test_technician_tz_else_company_tz_in_customer_language(self):
        self.company.support_calendar_id = False
        self.company.resource_calendar_id.tz = "Europe/Paris"
        self.technician.tz = False
        entry = self._timed_entry(self.open)
        # no time zone of his own: the company's (10:00 UTC = 11:00 in Paris)
        self.assertIn("11:00", entry.description)
        self.assertIn("11:12", entry.description)
        self.technician.tz = "America/Toronto"
        entry = self._timed_entry(self.open)
        self.assertIn("5:00", entry.description)
        self.assertNotIn("11:00", entry.description)
        # the customer reads it on her ticket page, in her language
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        self.customer_contact.lang = "fr_FR"
        entry = self._timed_entry(self.open)
        self.assertIn("Travail sur le ticket, chronométré de", entry.description)

    def test_ticket_form_shows_a_running_clock(self):
        arch = self.env["helpdesk.ticket"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        node = etree.fromstring(arch).xpath(
            "//field[@name='support_timer_start'][@widget='support_timer']"
        )
        self.assertTrue(node)


@tagged("post_install", "-at_install")
class TestBackOfficeTours(BackOfficeCommon, HttpCase):
    """The accountant, the technician and the customer in Chromium, on a
    1440 px desktop and a 390 px phone."""

    SIZES = (("1440x900", False), ("390x844", True))

    def test_invoice_from_time_to_invoice(self):
        for size, touch in self.SIZES:
            with self.subTest(size=size):
                ticket = self._create_ticket(self.customer_contact, name="Mail down")
                entries = self._log(ticket, 45) | self._log(ticket, 18)
                # the setup's ticket of the same name is invoiced already
                self.closed_entries.ticket_id.stage_id = self.stage_new
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/odoo/support-time-to-invoice",
                    "support_time_to_invoice_tour",
                    login="sb-accountant",
                )
                self.assertEqual(set(entries.mapped("state")), {"invoiced"})
                invoice = entries.invoice_id
                self.assertEqual(len(invoice), 1)
                self.assertAlmostEqual(invoice.amount_untaxed, 105.0)
                # the rows not selected are left alone
                self.assertEqual(self.open_entry.state, "to_invoice")

    def test_card_hold_requested_and_seen_by_the_customer(self):
        for size, touch in self.SIZES:
            with self.subTest(size=size):
                ticket = self._create_ticket(
                    self.customer_contact, closed=False, name="Laptop noisy"
                )
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    f"/odoo/helpdesk-tickets/{ticket.id}",
                    "support_card_hold_request_tour",
                    login="sb-tech",
                )
                hold = ticket.support_card_hold_ids
                self.assertEqual(len(hold), 1)
                self.assertEqual((hold.state, hold.amount), ("draft", 120.0))
                # her ticket page shows it too, with its link
                self.authenticate("sb-portal", "sb-portal")
                page = self.url_open(f"/my/ticket/{ticket.id}").text
                self.assertIn("o_support_hold_waiting", page)
                self.assertIn(f"/support/pay?hold_id={hold.id}", page)
                self.start_tour(
                    "/my/home", "support_card_hold_waiting_tour", login="sb-portal"
                )
                # the next size starts with no hold waiting
                hold.sudo().unlink()

    def test_ticket_list(self):
        self._create_ticket(
            self.customer_contact,
            closed=False,
            name="Printer offline after the Windows update on the second floor",
        )
        for size, touch in self.SIZES:
            with self.subTest(size=size):
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/odoo/helpdesk-tickets",
                    "support_ticket_list_tour",
                    login="sb-tech",
                )


@tagged("post_install", "-at_install")
class TestInterventionScreens(BackOfficeCommon):
    def _arch(self, model, view_type="form"):
        views = self.env[model].get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_status_bar_fee_actions_and_signature_dialog(self):
        form = self._arch("support.intervention")
        [bar] = form.xpath("//header/field[@name='state'][@widget='statusbar']")
        states = [key for key, _label in const.INTERVENTION_STATES]
        self.assertEqual(bar.get("statusbar_visible").split(","), states)
        buttons = form.xpath("//header/button")
        names = [b.get("name") for b in buttons]
        for name in ("action_refuse_estimate", "action_stop"):
            [button] = [b for b in buttons if b.get("name") == name]
            # apart from the main button, after it, and confirmed
            self.assertTrue(button.get("confirm"))
            self.assertNotIn("btn-primary", button.get("class", ""))
            self.assertGreater(names.index(name), names.index("action_done"))
        wizard = self._arch("support.intervention.sign.wizard")
        for fname in (
            "estimate_line_ids",
            "travel_fee",
            "diagnostic_amount",
            "compensation_amount",
        ):
            self.assertTrue(wizard.xpath(f"//field[@name='{fname}']"), fname)
        intervention = self.env["support.intervention"].create(
            {
                "partner_id": self.customer_contact.id,
                "description": "Laptop does not boot",
                "estimate_line_ids": [
                    (0, 0, {"name": "SSD 1 TB", "price_unit": 120.0}),
                ],
            }
        )
        sign = self.env["support.intervention.sign.wizard"].create(
            {"intervention_id": intervention.id, "mode": "estimate"}
        )
        self.assertEqual(sign.estimate_line_ids.mapped("name"), ["SSD 1 TB"])
        self.assertAlmostEqual(sign.estimate_amount, 120.0)

    def test_ticket_list_columns(self):
        listing = self._arch("helpdesk.ticket", "list")
        shown = [
            node.get("name")
            for node in listing.xpath("//field")
            if node.get("optional") != "hide"
            and node.get("column_invisible") not in ("1", "True")
        ]
        for fname in ("name", "partner_id", "user_id", "support_next_deadline"):
            self.assertIn(fname, shown)
        self.assertNotIn("partner_name", shown)
        self.assertIn("stage_id", shown)
        # at most the columns native Helpdesk shows
        self.assertLessEqual(len(shown), 9, shown)
