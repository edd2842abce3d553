# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 27, item 4: a purchase in the portal shows a summary first; only
its Confirm issues the invoice; the pending purchase is shown until paid and
can be withdrawn; the salesperson is the company's, never the customer."""

import re

from odoo.exceptions import UserError
from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .test_subscription import SubscriptionCommon
from .test_ticket_pack import TicketPackCommon


class PurchaseCommon(TicketPackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.tax_20 = cls.env["account.tax"].create(
            {
                "name": "VAT 20",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
        cls.tax_10 = cls.env["account.tax"].create(
            {
                "name": "VAT 10",
                "amount": 10.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
        cls.pack10.taxes_id = cls.tax_20
        # the customer's fiscal position maps 20 % to 10 %
        cls.fiscal_position = cls.env["account.fiscal.position"].create(
            {"name": "Reduced rate", "company_id": company.id}
        )
        cls.tax_10.fiscal_position_ids = cls.fiscal_position
        cls.tax_10.original_tax_ids = cls.tax_20
        cls.customer.with_company(
            company
        ).property_account_position_id = cls.fiscal_position
        cls.invoices = cls.env["account.move"]

    def _post(self, url, **data):
        return self.url_open(
            url,
            data={"csrf_token": Request.csrf_token(self), **data},
            allow_redirects=False,
        )

    def _customer_invoices(self):
        return self.invoices.search(
            [("commercial_partner_id", "=", self.customer.id)], order="id"
        )


@tagged("post_install", "-at_install")
class TestPortalPackPurchase(PurchaseCommon, HttpCase):
    def test_summary_before_any_invoice(self):
        """The first click shows what, how many, the amount with the taxes
        of the customer's fiscal position and the terms; nothing is written
        until Confirm, whose invoice has the amounts the summary showed."""
        self.authenticate("sb-portal", "sb-portal")
        before = self._customer_invoices()
        page = self.url_open(
            f"/my/support_balance/buy?product_id={self.pack10.id}&quantity=2"
        )
        self.assertEqual(page.status_code, 200)
        # a POST without the summary's confirm issues nothing either
        self._post(
            "/my/support_balance/buy", product_id=str(self.pack10.id), quantity="2"
        )
        self.assertEqual(self._customer_invoices(), before)
        text = page.text
        self.assertIn('id="support_buy_summary"', text)
        self.assertRegex(text, r'id="support_buy_quantity_value">2<')
        self.assertRegex(text, r'id="support_buy_credits">20<')
        # 2 x 400.00, VAT 20 % mapped to 10 % by the fiscal position
        untaxed = re.search(r'id="support_buy_untaxed">(.*?)</td>', text, re.DOTALL)[1]
        total = re.search(r'id="support_buy_total">(.*?)</td>', text, re.DOTALL)[1]
        self.assertIn("800.00", untaxed)
        self.assertIn("880.00", total)
        # the tax line: 10 % of 800.00, not 20 %
        self.assertIn(">80.00<", text)
        self.assertNotIn(">160.00<", text)
        self.assertIn("valid 12 months", text)
        self.assertIn('id="support_buy_confirm_form"', text)
        response = self._post(
            "/my/support_balance/buy",
            product_id=str(self.pack10.id),
            quantity="2",
            confirm="1",
        )
        self.assertEqual(response.status_code, 303)
        invoice = self._customer_invoices() - before
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_line_ids.quantity, 2)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_10)
        self.assertEqual(invoice.amount_untaxed, 800.0)
        self.assertEqual(invoice.amount_total, 880.0)
        self.assertIn(f"/my/invoices/{invoice.id}", response.headers["Location"])

    def test_bad_quantity_buys_nothing(self):
        self.authenticate("sb-portal", "sb-portal")
        before = self._customer_invoices()
        for quantity in ("0", "-1", "21", "1.5", "abc"):
            response = self._post(
                "/my/support_balance/buy",
                product_id=str(self.pack10.id),
                quantity=quantity,
                confirm="1",
            )
            self.assertEqual(response.status_code, 303, quantity)
            self.assertTrue(
                response.headers["Location"].endswith("/my/support_balance")
            )
        self.assertEqual(self._customer_invoices(), before)

    def test_confirm_twice_makes_one_invoice(self):
        """Confirm submitted twice (double click, back and resubmit): one
        invoice, both answers lead to it."""
        self.authenticate("sb-portal", "sb-portal")
        before = self._customer_invoices()
        locations = {
            self._post(
                "/my/support_balance/buy",
                product_id=str(self.pack10.id),
                quantity="1",
                confirm="1",
            )
            .headers["Location"]
            .split("?")[0]
            for _click in range(2)
        }
        invoice = self._customer_invoices() - before
        self.assertEqual(len(invoice), 1)
        self.assertEqual(locations, {f"/my/invoices/{invoice.id}"})

    def test_salesperson_is_the_company_s(self):
        """The customer's own salesperson, else none: never the portal user
        who clicked."""
        self.authenticate("sb-portal", "sb-portal")
        self._post(
            "/my/support_balance/buy", product_id=str(self.pack1.id), confirm="1"
        )
        invoice = self._customer_invoices()[-1:]
        self.assertFalse(invoice.invoice_user_id)
        self.customer.user_id = self.support_manager
        self._post(
            "/my/support_balance/buy", product_id=str(self.pack10.id), confirm="1"
        )
        invoice = self._customer_invoices()[-1:]
        self.assertEqual(invoice.invoice_user_id, self.support_manager)
        self.assertNotEqual(invoice.invoice_user_id, self.portal_user)

    def test_pending_purchase_shown_and_cancelled(self):
        """The unpaid purchase is on the balance page with its amount, a Pay
        and a Cancel; Cancel asks first, then cancels the invoice cleanly:
        no credit, no pack, nothing pending any more."""
        self.authenticate("sb-portal", "sb-portal")
        self._post(
            "/my/support_balance/buy", product_id=str(self.pack10.id), confirm="1"
        )
        invoice = self._customer_invoices()[-1:]
        page = self.url_open("/my/support_balance").text
        self.assertIn('id="support_pending_purchases"', page)
        self.assertIn(invoice.name, page)
        self.assertIn("440.00", page)
        cancel_url = f"/my/support_balance/purchase/{invoice.id}/cancel"
        self.assertIn(cancel_url, page)
        # asked first: GET changes nothing
        page = self.url_open(cancel_url).text
        self.assertIn("Confirm the cancellation", page)
        self.assertEqual(invoice.state, "posted")
        response = self._post(cancel_url, confirm="1")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(invoice.state, "cancel")
        self.assertFalse(
            self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        )
        self.assertTrue(
            invoice.message_ids.filtered(
                lambda m: "cancelled in the portal by" in (m.body or "")
            )
        )
        page = self.url_open("/my/support_balance?message=cancelled").text
        self.assertNotIn('id="support_pending_purchases"', page)
        self.assertIn("Your purchase is cancelled", page)
        self.assertEqual(
            self.customer_contact.commercial_partner_id.support_pack_remaining, 0
        )

    def test_paid_purchase_cannot_be_cancelled(self):
        """A paid purchase is no longer pending: its pack stays, its invoice
        stays paid; a partly paid one is refused with a clear message."""
        invoice, pack = self._buy(self.pack10)
        self.authenticate("sb-portal", "sb-portal")
        self.assertNotIn(invoice.name, self.url_open("/my/support_balance").text)
        self._post(f"/my/support_balance/purchase/{invoice.id}/cancel", confirm="1")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(pack.state, "active")
        partly, _pack = self._buy(self.pack1, pay=False)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=partly.ids
        ).create({"amount": 10.0})._create_payments()
        self.assertEqual(partly.payment_state, "partial")
        response = self._post(
            f"/my/support_balance/purchase/{partly.id}/cancel", confirm="1"
        )
        self.assertIn("can no longer be cancelled", response.text)
        self.assertEqual(partly.state, "posted")

    def test_other_customer_cannot_cancel(self):
        invoice, _pack = self._buy(self.pack10, pay=False)
        self.authenticate("sb-portal-other", "sb-portal-other")
        self._post(f"/my/support_balance/purchase/{invoice.id}/cancel", confirm="1")
        self.assertEqual(invoice.state, "posted")
        self.assertNotIn(invoice.name, self.url_open("/my/support_balance").text)

    def test_cancelled_purchase_reset_and_paid_sells_its_pack(self):
        """Packs and invoices stay consistent: an accountant who resets the
        purchase the customer cancelled, posts and registers its payment
        sells its pack once."""
        invoice, _pack = self._buy(self.pack10, pay=False)
        invoice.with_user(self.portal_user).sudo()._support_cancel_pending_purchase()
        self.assertEqual(invoice.state, "cancel")
        with self.assertRaises(UserError):
            invoice.with_user(
                self.portal_user
            ).sudo()._support_cancel_pending_purchase()
        invoice.button_draft()
        invoice.action_post()
        self._pay(invoice)
        packs = self.env["support.ticket.pack"].search(
            [("invoice_id", "=", invoice.id)]
        )
        self.assertEqual(len(packs), 1)
        self.assertEqual(packs.tickets_bought, 10)

    def test_buy_tour(self):
        """Buying prepaid credits with confirmation in the browser, on a
        1440 px desktop and a 390 px phone; then withdrawing the purchase."""
        self.pack10.name = "Tour pack of 10"
        for size, touch in (("1440x900", False), ("390x844", True)):
            with self.subTest(size=size):
                before = self._customer_invoices()
                self.browser_size = size
                self.touch_enabled = touch
                self.start_tour(
                    "/my/support_balance", "support_buy_credits_tour", login="sb-portal"
                )
                invoice = self._customer_invoices() - before
                self.assertEqual(len(invoice), 1)
                self.assertEqual(invoice.state, "cancel")
                self.assertEqual(invoice.invoice_line_ids.quantity, 2)


@tagged("post_install", "-at_install")
class TestPortalSubscribeConfirm(SubscriptionCommon, HttpCase):
    def _post(self, url, **data):
        return self.url_open(
            url,
            data={"csrf_token": Request.csrf_token(self), **data},
            allow_redirects=False,
        )

    def _subscriptions(self):
        return self.env["support.subscription"].search(
            [("partner_id", "=", self.customer.id)]
        )

    def test_subscribe_shows_summary_then_confirms_once(self):
        self.plan.product_id.taxes_id = self.env["account.tax"].create(
            {"name": "VAT 20", "amount": 20.0, "type_tax_use": "sale"}
        )
        self.authenticate("sb-portal", "sb-portal")
        page = self._post(
            "/my/subscription/subscribe",
            plan_id=str(self.plan.id),
            startup_contact="email",
        )
        self.assertEqual(page.status_code, 200)
        self.assertFalse(self._subscriptions())
        self.assertIn('id="support_subscription_summary"', page.text)
        self.assertIn('id="support_subscription_terms"', page.text)
        total = re.search(
            r'id="support_subscription_summary_total">(.*?)</td>', page.text, re.DOTALL
        )[1]
        responses = [
            self._post(
                "/my/subscription/subscribe",
                plan_id=str(self.plan.id),
                startup_contact="email",
                confirm="1",
            )
            for _click in range(2)
        ]
        sub = self._subscriptions()
        self.assertEqual(len(sub), 1)
        self.assertEqual(len(sub.invoice_ids), 1)
        self.assertEqual(sub.state, "waiting")
        invoice = sub.first_invoice_id
        self.assertEqual(invoice.amount_tax, round(invoice.amount_untaxed * 0.2, 2))
        self.assertIn(f">{invoice.amount_total:.2f}<", total)
        self.assertIn(invoice.currency_id.symbol, total)
        for response in responses:
            self.assertEqual(response.status_code, 303)
            self.assertIn(f"/my/invoices/{invoice.id}", response.headers["Location"])
        # the salesperson: the customer's (none here), never the portal user
        self.assertFalse(invoice.invoice_user_id)
        # pending on the subscription page until paid, and withdrawable
        page = self.url_open("/my/subscription").text
        self.assertIn("Pay the first invoice", page)
        self.assertIn(f"/my/subscription/{sub.id}/cancel", page)

    def test_subscription_invoice_salesperson(self):
        self.customer.user_id = self.support_manager
        self.authenticate("sb-portal", "sb-portal")
        self._post("/my/subscription/subscribe", plan_id=str(self.plan.id), confirm="1")
        self.assertEqual(
            self._subscriptions().first_invoice_id.invoice_user_id,
            self.support_manager,
        )

    def test_remove_user_asks_and_self_removal_refused(self):
        """Removing a user asks first; nobody removes herself: the portal
        does not offer it and the code refuses it with a clear message."""
        sub = self._active_subscription()
        sub.sudo().authorized_user_ids |= self.customer_contact2
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/subscription").text
        own = f"/my/subscription/{sub.id}/users/{self.customer_contact.id}/remove"
        other = f"/my/subscription/{sub.id}/users/{self.customer_contact2.id}/remove"
        self.assertNotIn(own, page)
        self.assertIn(other, page)
        page = self.url_open(other).text
        self.assertIn("Remove the user", page)
        self.assertIn(self.customer_contact2, sub.authorized_user_ids)
        response = self._post(own, confirm="1")
        self.assertIn("You cannot remove yourself", response.text)
        self.assertIn(self.customer_contact, sub.authorized_user_ids)
        with self.assertRaisesRegex(UserError, "cannot remove yourself"):
            sub.with_user(self.portal_user).sudo()._remove_authorized_user(
                self.customer_contact
            )
        self._post(other, confirm="1")
        self.assertNotIn(self.customer_contact2, sub.authorized_user_ids)


@tagged("post_install", "-at_install")
class TestWordsAndScreens(TicketPackCommon):
    """Issue 27, items 11 and 12: plurals, one settings app, Configuration
    under headings, no date widget on a date-time field."""

    def test_plurals_one_and_many(self):
        _inv, pack = self._buy(self.pack1)
        bodies = " ".join(pack.message_ids.mapped("body"))
        self.assertIn("1 prepaid credit bought", bodies)
        self.assertNotIn("1 prepaid credits", bodies)
        _inv, pack10 = self._buy(self.pack10)
        self.assertIn(
            "10 prepaid credits bought", " ".join(pack10.message_ids.mapped("body"))
        )
        # one entry paid by prepaid credits, not invoiced: "1 entry"
        ticket = self._create_ticket(self.customer_contact)
        self._log(ticket, 20)
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .create({"partner_ids": [(6, 0, self.customer.ids)]})
        )
        self.assertIn("1 entry: Prepaid credits", wizard.excluded_summary or "")
        self.assertNotIn("1 entries", wizard.excluded_summary or "")
        self._log(ticket, 5)
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .create({"partner_ids": [(6, 0, self.customer.ids)]})
        )
        self.assertIn("2 entries: Prepaid credits", wizard.excluded_summary or "")

    def test_settings_show_one_app(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertNotIn('name="support_billing"', arch)
        self.assertIn('name="helpdesk_mgmt"', arch)
        for block in (
            "support_billing_time",
            "support_billing_sla",
            "support_billing_intervention",
        ):
            self.assertIn(f'name="{block}"', arch)

    def test_configuration_menu_under_headings(self):
        config = self.env.ref("support_billing.menu_support_config")
        children = config.child_id
        leaves = children.filtered(lambda m: not m.child_id)
        self.assertEqual(leaves, self.env.ref("support_billing.menu_support_settings"))
        headings = children - leaves
        self.assertGreaterEqual(len(headings), 4)
        entries = headings.child_id
        self.assertGreaterEqual(len(entries), 14)  # and Settings
        self.assertTrue(all(entries.mapped("action")))

    def test_no_date_widget_on_datetime_fields(self):
        """The list of card holds showed the console warning "The widget:
        date don't support the type datetime": no view of the addon puts
        widget="date" on a date-time field."""
        from lxml import etree

        views = self.env["ir.ui.view"].search(
            [("type", "in", ("list", "form", "kanban", "search"))]
        )
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "support_billing"),
                ("model", "=", "ir.ui.view"),
                ("res_id", "in", views.ids),
            ]
        )
        for view in views.browse(data.mapped("res_id")):
            model = self.env[view.model]
            for node in etree.fromstring(view.arch).iter("field"):
                field = model._fields.get(node.get("name"))
                if node.get("widget") == "date" and field:
                    self.assertNotEqual(field.type, "datetime", view.xml_id)
        # the list that warned: its expiry shows the day, without the widget
        arch = etree.fromstring(
            self.env.ref("support_billing.support_card_hold_view_list").arch
        )
        (expiry,) = arch.xpath("//field[@name='expiry_date']")
        self.assertIsNone(expiry.get("widget"))
        self.assertIn("show_time", expiry.get("options"))


@tagged("post_install", "-at_install")
class TestPageTitles(PurchaseCommon, HttpCase):
    """Issue 27, item 12: the browser tab names each public and portal page."""

    def _title(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return re.search(r"<title>(.*?)</title>", response.text, re.DOTALL)[1].strip()

    def test_public_and_portal_titles(self):
        public = {
            "/support/pay": "Card hold",
            "/support/faq": "Questions and answers",
            "/support/transparency": "Response times and ratings",
            "/support/contact": "Contact support",
            "/support/intervention/request": "Request an intervention",
        }
        for url, title in public.items():
            self.assertEqual(self._title(url), title, url)
        self.assertNotEqual(self._title("/support/policy"), "Odoo")
        self.authenticate("sb-portal", "sb-portal")
        portal = {
            "/my/card_holds": "Card holds",
            "/my/support_balance": "My support balance",
            "/my/subscription": "My subscription",
            "/my/interventions": "Interventions",
            f"/my/support_balance/buy?product_id={self.pack10.id}": (
                "Buy prepaid credits"
            ),
        }
        for url, title in portal.items():
            self.assertEqual(self._title(url), title, url)


@tagged("post_install", "-at_install")
class TestDemoLooksReal(TicketPackCommon):
    """Issue 27, item 13: no OdooBot at work in the demo, closed after
    created."""

    def test_demo_staff_and_dates(self):
        if not self.env.ref("support_billing.ticket_smith_wifi", False):
            self.skipTest("installed without demo data")
        bot = self.env.ref("base.user_root")
        tickets = self.env["helpdesk.ticket"].sudo().search([])
        self.assertFalse(tickets.filtered(lambda t: t.user_id == bot).mapped("number"))
        interventions = self.env["support.intervention"].sudo().search([])
        self.assertTrue(interventions)
        self.assertFalse(
            interventions.filtered(
                lambda i: i.dispatcher_id == bot or i.user_id == bot
            ).mapped("name")
        )
        # the demo customers are invoiced as the business's own: its
        # currency, its domestic fiscal position, the taxes on
        main = self.env.ref("base.main_company")
        product = self.env.ref("support_billing.product_support_time").sudo()
        taxes = product.taxes_id.filtered(lambda t: t.company_id == main)
        for xmlid in ("partner_dupont", "partner_garcia", "partner_smith"):
            partner = self.env.ref(f"support_billing.{xmlid}").sudo()
            position = partner.with_company(main).property_account_position_id
            self.assertTrue(position, xmlid)
            if taxes:
                self.assertTrue(position.map_tax(taxes), xmlid)
        team = self.env.ref("helpdesk_mgmt.helpdesk_team_3").sudo()
        self.assertNotIn(bot, team.user_ids)
        closed = tickets.filtered("closed_date")
        self.assertTrue(closed)
        for ticket in closed:
            self.assertGreaterEqual(
                ticket.closed_date, ticket.create_date, ticket.number
            )
            entries = (
                self.env["support.time.entry"]
                .sudo()
                .search([("ticket_id", "=", ticket.id)])
            )
            for entry in entries:
                self.assertLessEqual(
                    entry.date, ticket.closed_date.date(), ticket.number
                )
