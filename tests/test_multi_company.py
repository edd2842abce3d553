# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Two companies, two currencies: each company's support time is billed by
that company, in its currency, at its rates and taxes (issue 30)."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import SupportBillingCommon
from .test_card_hold import CardHoldCommon
from .test_subscription import SubscriptionCommon
from .test_ticket_pack import TicketPackCommon


class TwoCompaniesCommon(SupportBillingCommon):
    """Company A (the test company, USD, no tax on support time) and company
    B (EUR, 20 % sales tax, its own journals, calendar and customer rate)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.eur = eur
        cls.usd = cls.company_a.currency_id
        cls.company_b = cls.setup_other_company(
            name="Support B SARL", currency_id=eur.id
        )["company"]
        cls.company_b.resource_calendar_id.tz = "Europe/Berlin"
        both = cls.company_a | cls.company_b
        for user in (cls.env.user, cls.accountant, cls.technician):
            user.company_ids = [Command.link(company.id) for company in both]
        cls.tax_b = cls.env["account.tax"].create(
            {
                "name": "TVA B 20 %",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company_b.id,
            }
        )
        # the support time product's taxes in B: B's 20 % only (A: none)
        cls.product_time.sudo().taxes_id = [Command.set(cls.tax_b.ids)]
        cls.customer.with_company(cls.company_a).support_hourly_rate = 50.0
        cls.customer.with_company(cls.company_b).support_hourly_rate = 80.0
        # the customer's trial is used: the amounts are the rates'
        cls.customer.support_trial_eligible = False

    @classmethod
    def _ticket_in(cls, company, name="Printer offline", closed=True):
        return (
            cls.env["helpdesk.ticket"]
            .with_company(company)
            .create(
                {
                    "name": name,
                    "description": f"<p>{name}</p>",
                    "partner_id": cls.customer_contact.id,
                    "company_id": company.id,
                    "stage_id": (cls.stage_done if closed else cls.stage_new).id,
                }
            )
        )


@tagged("post_install", "-at_install")
class TestTwoCompaniesBilling(TwoCompaniesCommon):
    def _assert_company_invoices(self, invoices):
        self.assertEqual(len(invoices), 2, "one invoice per company")
        invoice_a = invoices.filtered(lambda m: m.company_id == self.company_a)
        invoice_b = invoices.filtered(lambda m: m.company_id == self.company_b)
        # A: 60 min at 50.00 USD, no tax
        self.assertEqual(invoice_a.currency_id, self.usd)
        self.assertEqual(invoice_a.journal_id.company_id, self.company_a)
        self.assertEqual(invoice_a.invoice_line_ids.support_ticket_id, self.ticket_a)
        self.assertAlmostEqual(invoice_a.amount_untaxed, 50.0)
        self.assertAlmostEqual(invoice_a.amount_total, 50.0)
        self.assertIn(self.usd.format(50.0), invoice_a.invoice_line_ids.name)
        # B: 47 min at 80.00 EUR = 62.67 + 20 % = 75.20 EUR
        self.assertEqual(invoice_b.currency_id, self.eur)
        self.assertEqual(invoice_b.journal_id.company_id, self.company_b)
        self.assertEqual(invoice_b.invoice_line_ids.support_ticket_id, self.ticket_b)
        self.assertAlmostEqual(invoice_b.amount_untaxed, 62.67)
        self.assertAlmostEqual(invoice_b.amount_tax, 12.53)
        self.assertAlmostEqual(invoice_b.amount_total, 75.20)
        self.assertEqual(invoice_b.invoice_line_ids.tax_ids, self.tax_b)
        line_b = invoice_b.invoice_line_ids.name
        self.assertIn(self.eur.format(80.0), line_b)
        self.assertNotIn("$", line_b)

    def setUp(self):
        super().setUp()
        self.ticket_a = self._ticket_in(self.company_a, "Mail down")
        self.ticket_b = self._ticket_in(self.company_b, "Panne imprimante")
        self._log(self.ticket_a, 60)
        self._log(self.ticket_b, 47)

    def test_wizard_one_invoice_per_company(self):
        """Run with A and B both active, the wizard makes one invoice per
        company, each in its currency, at its rate and taxes."""
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .with_context(allowed_company_ids=[self.company_a.id, self.company_b.id])
            .create({"partner_ids": [Command.set(self.customer.ids)]})
        )
        self.assertEqual(wizard.entry_count, 2)
        action = wizard.action_create_invoices()
        self._assert_company_invoices(self.env["account.move"].search(action["domain"]))

    def test_wizard_run_from_company_b(self):
        """Run from B alone (B active first), the same two invoices."""
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .with_context(allowed_company_ids=[self.company_b.id, self.company_a.id])
            .create({"partner_ids": [Command.set(self.customer.ids)]})
        )
        action = wizard.action_create_invoices()
        self._assert_company_invoices(self.env["account.move"].search(action["domain"]))

    def test_report_converts_each_company_amounts(self):
        """The billing report adds A's USD and B's EUR in the first active
        company's currency, at today's rate (1 EUR = 2 USD here)."""
        self.env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "currency_id": self.eur.id,
                "rate": 0.5,
                "company_id": self.company_a.id,
            }
        )
        self.env["support.time.entry"]._cron_invoice_support_time()
        tickets = self.ticket_a | self.ticket_b
        invoices = self.env["account.move"].search(
            [("invoice_line_ids.support_ticket_id", "in", tickets.ids)]
        )
        invoices.action_post()
        report = (
            self.env["support.billing.report"]
            .with_user(self.accountant)
            .with_context(allowed_company_ids=[self.company_a.id, self.company_b.id])
        )
        domain = [("ticket_id", "in", tickets.ids), ("source", "=", "invoice")]
        [[amount]] = report._read_group(domain, [], ["amount_charged:sum"])
        # 50.00 USD + 62.67 EUR x 2 = 175.34 USD
        self.assertAlmostEqual(amount, 175.34, places=2)
        rows = report.search(domain)
        self.assertEqual(rows.currency_id, self.usd)
        by_company = dict(
            report._read_group(domain, ["company_id"], ["amount_charged:sum"])
        )
        self.assertAlmostEqual(by_company[self.company_b], 125.34, places=2)

    def test_cron_one_invoice_per_company(self):
        self.env["support.time.entry"]._cron_invoice_support_time()
        invoices = self.env["account.move"].search(
            [
                (
                    "invoice_line_ids.support_ticket_id",
                    "in",
                    (self.ticket_a | self.ticket_b).ids,
                )
            ]
        )
        self._assert_company_invoices(invoices)


@tagged("post_install", "-at_install")
class TestTwoCompaniesCalendar(TwoCompaniesCommon):
    def test_company_without_support_calendar_uses_its_working_hours(self):
        """The field's help: empty, the company's working hours -- not the
        addon's Paris calendar, which is the main company's setting."""
        self.assertFalse(self.company_b.support_calendar_id)
        working_hours = self.company_b.resource_calendar_id
        self.assertEqual(self.company_b._get_support_calendar(), working_hours)
        self.assertEqual(self.company_b._get_support_calendar("3"), working_hours)
        self.assertEqual(self.company_b._support_tz(), "Europe/Berlin")
        main = self.env.ref("base.main_company")
        self.assertEqual(
            main._get_support_calendar(),
            self.env.ref("support_billing.resource_calendar_support"),
        )
        self.assertEqual(
            main._get_support_calendar("3"),
            self.env.ref("support_billing.resource_calendar_support_weekend"),
        )


@tagged("post_install", "-at_install")
class TestTwoCompaniesSubscription(TwoCompaniesCommon, SubscriptionCommon):
    def test_subscription_covers_its_own_company_only(self):
        """A subscription of company A covers the customer's tickets in A;
        her tickets in B are billed by B, by the minute, in EUR."""
        sub = self._active_subscription(self.customer_contact)
        self.assertEqual(sub.company_id, self.company_a)
        with freeze_time("2030-03-20"):
            ticket_a = self._ticket_in(self.company_a, "VPN down")
            ticket_b = self._ticket_in(self.company_b, "Panne imprimante")
            entry_a = self._log(ticket_a, 40)
            entry_b = self._log(ticket_b, 47)
            self.assertEqual(ticket_a.support_billing_mode, "subscription")
            self.assertEqual(ticket_b.support_billing_mode, "time")
            self.assertEqual(entry_a.support_subscription_id, sub)
            self.assertFalse(entry_b.support_subscription_id)
            self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertEqual(entry_a.state, "covered")
        self.assertFalse(entry_a.invoice_line_id)
        invoice_b = entry_b.invoice_line_id.move_id
        self.assertEqual(invoice_b.company_id, self.company_b)
        self.assertEqual(invoice_b.currency_id, self.eur)
        # 47 min at 80.00 EUR = 62.67 + 20 % = 75.20 EUR
        self.assertAlmostEqual(invoice_b.amount_untaxed, 62.67)
        self.assertAlmostEqual(invoice_b.amount_total, 75.20)


@tagged("post_install", "-at_install")
class TestTwoCompaniesHoldWarning(TwoCompaniesCommon, CardHoldCommon):
    def test_expiry_warning_goes_to_an_accountant_of_the_hold(self):
        """The hold-expiry to-do goes to an accountant who can open the hold
        (one of its company), never to one of another company only."""
        accountant_b = new_test_user(
            self.env,
            login="sb-accountant-b",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        hold = self._create_hold()
        with freeze_time("2026-03-02 10:00:00"):
            self._authorize(hold)
        with freeze_time("2026-03-07 11:00:00"):
            self._run_expiry_cron()
        activity = hold.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertNotEqual(activity.user_id, accountant_b)
        self.assertIn(hold.company_id, activity.user_id.company_ids)
        self.assertTrue(activity.user_id.has_group("account.group_account_invoice"))
        hold.with_user(activity.user_id).check_access("read")


@tagged("post_install", "-at_install")
class TestTwoCompaniesPacks(TwoCompaniesCommon, TicketPackCommon):
    def test_pack_balance_is_the_listed_packs(self):
        """The customer's prepaid tickets count the packs of the companies
        shown, as the pack list shows them: 10 in A, 1 in B, 11 in both."""
        _invoice_a, pack_a = self._buy(self.pack10)
        moves_b = self.env["account.move"].with_company(self.company_b)
        invoice_b = moves_b._support_create_pack_invoice(
            self.customer_contact, self.pack1
        )
        self.assertEqual(invoice_b.company_id, self.company_b)
        self.assertEqual(invoice_b.currency_id, self.eur)
        self.env["account.payment.register"].with_company(self.company_b).with_context(
            active_model="account.move", active_ids=invoice_b.ids
        ).create({})._create_payments()
        pack_b = self.env["support.ticket.pack"].search(
            [("invoice_id", "=", invoice_b.id)]
        )
        self.assertEqual(
            (pack_a.company_id, pack_b.company_id), (self.company_a, self.company_b)
        )
        for companies, expected in (
            (self.company_a, 10),
            (self.company_b, 1),
            (self.company_a | self.company_b, 11),
        ):
            env = self.env(
                user=self.accountant, context={"allowed_company_ids": companies.ids}
            )
            partner = self.customer.with_env(env)
            listed = env["support.ticket.pack"].search(
                partner.action_view_support_packs()["domain"]
            )
            self.assertEqual(partner.support_pack_remaining, expected)
            self.assertEqual(sum(listed.mapped("remaining_tickets")), expected)
