# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestPortal(SupportBillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.customer_contact2, name="Mailbox full")
        cls.entry = cls._log(cls.ticket, 17, user=cls.technician)
        cls.other_ticket = cls._create_ticket(cls.other_customer, name="Slow PC")
        cls.other_entry = cls._log(cls.other_ticket, 40)

    def test_portal_sees_own_company_time_only(self):
        entries = self.env["support.time.entry"].with_user(self.portal_user)
        # a colleague's ticket of the same company is visible ...
        self.assertEqual(entries.search([]), self.entry)
        self.assertEqual(self.entry.with_user(self.portal_user).minutes, 17)
        # ... another customer's is not
        with self.assertRaises(AccessError):
            _ = self.other_entry.with_user(self.portal_user).minutes
        other = self.env["support.time.entry"].with_user(self.other_portal_user)
        self.assertEqual(other.search([]), self.other_entry)
        with self.assertRaises(AccessError):
            self.entry.with_user(self.portal_user).minutes = 1

    def test_ticket_page_shows_time(self):
        self.ticket.message_subscribe(partner_ids=self.customer_contact.ids)
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open(f"/my/ticket/{self.ticket.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Time worked", response.text)
        self.assertIn("Tom Tech", response.text)
        # issue 15: the same figures as the ticket and its invoice line
        self.assertEqual(
            (
                self.ticket.support_minutes_billed,
                self.ticket.support_minutes_free,
                self.ticket.support_minutes_charged,
            ),
            (30, 15, 15),
        )
        figures = response.text[response.text.index('id="support_minute_figures"') :]
        figures = figures[: figures.index("</tfoot>")]
        rows = [
            (re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", label)).strip(), int(value))
            for label, value in re.findall(
                r"<tr>\s*<td colspan=\"3\">(.*?)</td>.*?(\d+)\s*</(?:span|strong)>",
                figures,
                flags=re.DOTALL,
            )
        ]
        self.assertEqual(
            rows,
            [
                ("Minutes worked", 17),
                ("Minutes billed (the first 30 minutes are indivisible)", 30),
                ("Minutes free (15 min free trial)", 15),
                ("Minutes charged", 15),
            ],
        )
        # another customer's ticket is not shown
        response = self.url_open(f"/my/ticket/{self.other_ticket.id}")
        self.assertNotIn("Slow PC", response.text)

    def test_portal_invoices(self):
        invoice = self._invoice(partners=self.customer)
        invoice.action_post()
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/invoices")
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_buying_twice_reuses_the_open_invoice(self):
        """Issue 13: repeated clicks on "Buy" do not fill the ledger."""
        pack = self.env["product.product"].create(
            {
                "name": "10 tickets",
                "type": "service",
                "support_is_pack": True,
                "list_price": 400,
                "support_pack_ticket_count": 10,
                "support_pack_validity_months": 12,
            }
        )
        self.authenticate("sb-portal", "sb-portal")
        moves = self.env["account.move"]
        domain = [("partner_id", "=", self.customer_contact.id)]
        before = moves.search_count(domain)
        locations = set()
        for _click in range(3):
            response = self.url_open(
                "/my/support_balance/buy",
                data={
                    "product_id": pack.id,
                    "confirm": "1",
                    "csrf_token": http.Request.csrf_token(self),
                },
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 303)
            locations.add(response.headers["Location"].split("?")[0])
        self.assertEqual(moves.search_count(domain), before + 1)
        self.assertEqual(len(locations), 1)
        invoice = moves.search(domain, order="id desc", limit=1)
        self.assertEqual(invoice.state, "posted")
        # once paid, the next purchase is a new invoice
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.url_open(
            "/my/support_balance/buy",
            data={
                "product_id": pack.id,
                "confirm": "1",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(moves.search_count(domain), before + 2)

    def test_portal_entries_breadcrumbs_and_empty_pages(self):
        """Issue 15: own icons, breadcrumbs like Odoo's documents, no empty
        "History" heading for a customer without prepaid tickets."""
        self.authenticate("sb-portal", "sb-portal")
        home = self.url_open("/my/home").text
        for icon in ("card_hold", "ticket_pack", "subscription", "intervention"):
            self.assertIn(f"/support_billing/static/src/img/{icon}.svg", home)
        self.assertEqual(home.count("/portal/static/src/img/portal-connection.svg"), 1)
        crumbs = {
            "/my/card_holds": "Card holds",
            "/my/support_balance": "My support balance",
            "/my/subscription": "My subscription",
        }
        for url, crumb in crumbs.items():
            page = self.url_open(url).text
            self.assertRegex(
                page, rf'class="breadcrumb-item active">\s*{crumb}\s*<', url
            )
        balance = self.url_open("/my/support_balance").text
        self.assertIn("You have no prepaid credits yet.", balance)
        self.assertNotIn("support_balance_history", balance)
        self.assertIn('id="support_buy_tickets"', balance)
