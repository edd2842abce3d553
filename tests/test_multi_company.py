# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Two companies, two currencies: each company's support time is billed by
that company, in its currency, at its rates and taxes (issue 30)."""

from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SupportBillingCommon
from .test_card_hold import CardHoldCommon
from .test_intervention import SIGNATURE, InterventionCommon
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

    def test_plan_priced_in_its_currency_converted_in_company_b(self):
        """The company-less plan is priced in its currency (USD here, the
        main company's): a subscription of company B (EUR) is invoiced by
        B, in EUR, the prices converted at each invoice's date, with B's
        tax; one of company A is still invoiced the plan's USD prices."""
        self.assertFalse(self.plan.company_id)
        self.assertEqual(self.plan.currency_id, self.usd)
        self.assertEqual(
            self.plan.with_company(self.company_b).currency_id,
            self.usd,
            "the plan's currency does not follow the current company",
        )
        self.support_manager.company_ids = [Command.link(self.company_b.id)]
        products = self.plan.product_id | self.plan.extra_user_product_id
        products.sudo().taxes_id = [Command.set(self.tax_b.ids)]
        rates = self.env["res.currency.rate"]
        # in B: 1 EUR = 1.25 USD in March 2030, 1.60 USD from April 2030
        for day, rate in (("2030-03-01", 1.25), ("2030-04-01", 1.6)):
            rates.create(
                {
                    "name": day,
                    "currency_id": self.usd.id,
                    "rate": rate,
                    "company_id": self.company_b.id,
                }
            )
        users = self.customer_contact | self.env["res.partner"].create(
            [
                {"name": "Bea", "email": "bea@customer.test"},
                {"name": "Carl", "email": "carl@customer.test"},
            ]
        )
        with freeze_time("2030-03-01"):
            sub = (
                self.env["support.subscription"]
                .with_user(self.support_manager)
                .with_context(
                    allowed_company_ids=[self.company_a.id, self.company_b.id]
                )
                .create(
                    {
                        "partner_id": self.customer.id,
                        "plan_id": self.plan.id,
                        "company_id": self.company_b.id,
                        "authorized_user_ids": [Command.set(users.ids)],
                    }
                )
            )
            self.assertEqual(sub.currency_id, self.eur)
            # 100.00 USD + 1 extra user at 20.00 USD, at 1.25: 80.00 + 16.00
            self.assertAlmostEqual(sub.monthly_amount, 96.0)
            sub.action_confirm()
        first = sub.sudo().first_invoice_id
        self.assertEqual(first.company_id, self.company_b)
        self.assertEqual(first.journal_id.company_id, self.company_b)
        self.assertEqual(first.currency_id, self.eur)
        self.assertEqual(first.invoice_line_ids.tax_ids, self.tax_b)
        self.assertEqual(
            sorted(first.invoice_line_ids.mapped("price_unit")), [16.0, 80.0]
        )
        # 96.00 EUR + 20 % = 115.20 EUR
        self.assertAlmostEqual(first.amount_untaxed, 96.0)
        self.assertAlmostEqual(first.amount_tax, 19.2)
        self.assertAlmostEqual(first.amount_total, 115.2)
        sub.sudo().action_activate()
        with freeze_time("2030-04-01"):
            self.env["support.subscription"]._cron_invoice_subscriptions()
        april = sub.sudo().invoice_ids - first
        self.assertEqual(april.company_id, self.company_b)
        self.assertEqual(april.currency_id, self.eur)
        # at 1.60: 100.00 USD = 62.50 EUR, 20.00 USD = 12.50 EUR; + 20 % = 90.00
        self.assertEqual(
            sorted(april.invoice_line_ids.mapped("price_unit")), [12.5, 62.5]
        )
        self.assertAlmostEqual(april.amount_untaxed, 75.0)
        self.assertAlmostEqual(april.amount_total, 90.0)
        # company A: the plan's own prices, in USD, no tax
        with freeze_time("2030-03-01"):
            other = self.env["res.partner"].create(
                {"name": "Other Co", "email": "other@co.test", "is_company": True}
            )
            person = self.env["res.partner"].create(
                {"name": "Olaf", "email": "olaf@co.test", "parent_id": other.id}
            )
            sub_a = self._subscribe(person)
        invoice_a = sub_a.sudo().first_invoice_id
        self.assertEqual(invoice_a.company_id, self.company_a)
        self.assertEqual(invoice_a.currency_id, self.usd)
        self.assertAlmostEqual(invoice_a.amount_untaxed, 100.0)
        self.assertAlmostEqual(invoice_a.amount_total, 100.0)


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
        invoice_a, pack_a = self._buy(self.pack10)
        self.assertEqual(invoice_a.currency_id, self.usd)
        self.assertAlmostEqual(invoice_a.amount_total, 400.0)
        moves_b = self.env["account.move"].with_company(self.company_b)
        invoice_b = moves_b._support_create_pack_invoice(
            self.customer_contact, self.pack1
        )
        self.assertEqual(invoice_b.company_id, self.company_b)
        self.assertEqual(invoice_b.currency_id, self.eur)
        # the pack product's price (45.00) read in B's currency, as Odoo
        # prices a company-less product in the current company's; B's chart
        # gave the product its default sales tax (15 %)
        self.assertAlmostEqual(invoice_b.amount_untaxed, 45.0)
        self.assertAlmostEqual(invoice_b.amount_total, 51.75)
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


@tagged("post_install", "-at_install")
class TestTwoCompaniesIntervention(TwoCompaniesCommon, InterventionCommon):
    """An intervention of company B: B's technicians, fees, rate and tax."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b.write(
            {
                "support_travel_fee": 40.0,
                "support_travel_fee_per_km": 0.0,
                "support_service_radius": 15.0,
                "support_compensation_rate": 25.0,
                "support_cancel_notice_hours": 24,
                "support_late_cancel_fee": 0.0,
            }
        )
        cls.products.sudo().taxes_id = [Command.set(cls.tax_b.ids)]
        cls.technician_a = new_test_user(
            cls.env,
            login="sb-technician-a-only",
            groups="base.group_user,support_billing.group_support_technician",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.both = [cls.company_b.id, cls.company_a.id]

    def _as_technician(self, record):
        return record.with_user(self.technician).with_context(
            allowed_company_ids=self.both
        )

    def _sign(self, intervention, mode="policy", **vals):
        self.env["support.intervention.sign.wizard"].with_user(
            self.technician
        ).with_context(allowed_company_ids=self.both).create(
            {
                "intervention_id": intervention.id,
                "mode": mode,
                "signed_by": "Anna Acme",
                "signature": SIGNATURE,
                **vals,
            }
        ).action_confirm()

    @contextmanager
    def _refused(self, message):
        """A ValidationError saying ``message``; nothing written."""
        with self.assertRaises(ValidationError) as refused:
            yield
        self.assertIn(message, str(refused.exception))

    def _intervention_b(self):
        return self._as_technician(self.env["support.intervention"]).create(
            {
                "partner_id": self.customer_contact.id,
                "company_id": self.company_b.id,
                "description": "Le poste ne démarre plus.",
                "address": "1 rue de Rivoli, Paris",
            }
        )

    def test_technician_of_another_company_refused(self):
        """Only a user of the intervention's company can be its technician
        or dispatcher; the meeting invites its technician and customer."""
        intervention = self._intervention_b()
        self.assertEqual(intervention.company_id, self.company_b)
        with self._refused("is not a user of company Support B SARL"):
            intervention.write({"user_id": self.technician_a.id})
        with self._refused("is not a user of company Support B SARL"):
            intervention.write({"dispatcher_id": self.technician_a.id})
        with self._refused("is not a user of company Support B SARL"):
            self._as_technician(self.env["support.intervention"]).create(
                {
                    "partner_id": self.customer_contact.id,
                    "company_id": self.company_b.id,
                    "description": "Server down",
                    "user_id": self.technician_a.id,
                }
            )
        self.assertFalse(intervention.user_id)
        self.assertEqual(intervention.dispatcher_id, self.technician)
        # a user of A only may be A's technician
        intervention_a = self._create_intervention(user=self.technician)
        intervention_a.write({"user_id": self.technician_a.id})
        # moving the intervention to B with A's technician is refused too
        with self._refused("is not a user of company Support B SARL"):
            intervention_a.sudo().write({"company_id": self.company_b.id})
        intervention.write(
            {"scheduled_start": "2026-03-05 14:00:00", "user_id": self.technician.id}
        )
        intervention.action_schedule()
        event = intervention.sudo().calendar_event_id
        self.assertEqual(
            event.partner_ids,
            self.technician.partner_id | self.customer_contact,
        )
        self.assertEqual(event.user_id, self.technician)

    def test_intervention_in_company_b_billed_by_b(self):
        """Run wholly in B: the invoice is B's, in EUR, at B's travel fee
        (40.00), B's compensation rate (25 %), the customer's rate in B
        (80.00 EUR/h) and B's 20 % tax."""
        intervention = self._intervention_b()
        self.assertEqual(intervention.travel_fee, 40.0)
        self.assertEqual(intervention.compensation_rate, 25.0)
        intervention.write(
            {"scheduled_start": "2026-03-05 14:00:00", "user_id": self.technician.id}
        )
        intervention.action_schedule()
        self._sign(intervention)
        self.assertEqual(intervention.signed_hourly_rate, 80.0)
        intervention.action_start()
        intervention.action_diagnostic()
        self._as_technician(self.env["support.time.entry"]).create(
            {
                "ticket_id": intervention.ticket_id.id,
                "minutes": 45,
                "description": "Diagnostic",
            }
        )
        intervention.write(
            {
                "estimate_line_ids": [
                    Command.create(
                        {"line_type": "part", "name": "SSD 1 TB", "price_unit": 120}
                    )
                ]
            }
        )
        intervention.action_present_estimate()
        self._sign(
            intervention, mode="estimate", decision="accept", repair_place="workshop"
        )
        intervention.action_stop()
        self.assertEqual(
            (intervention.state, intervention.outcome), ("invoiced", "stopped")
        )
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.company_id, self.company_b)
        self.assertEqual(invoice.journal_id.company_id, self.company_b)
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_b)
        lines = invoice.invoice_line_ids
        travel = self.env.ref("support_billing.product_intervention_travel")
        compensation = self.env.ref("support_billing.product_intervention_compensation")
        self.assertEqual(
            lines.filtered(lambda line: line.product_id == travel).price_subtotal,
            40.0,
        )
        # 45 min at 80.00 EUR = 60.00; compensation 25 % of it = 15.00
        self.assertEqual(lines.filtered("support_ticket_id").price_subtotal, 60.0)
        self.assertEqual(
            lines.filtered(lambda line: line.product_id == compensation).price_subtotal,
            15.0,
        )
        # 115.00 EUR + 20 % = 138.00 EUR
        self.assertAlmostEqual(invoice.amount_untaxed, 115.0)
        self.assertAlmostEqual(invoice.amount_tax, 23.0)
        self.assertAlmostEqual(invoice.amount_total, 138.0)


@tagged("post_install", "-at_install")
class TestTwoCompaniesCardHold(TwoCompaniesCommon, CardHoldCommon):
    """A card hold for a ticket of company B: B's rate, currency and tax."""

    def test_hold_in_company_b_charged_in_eur(self):
        provider_b = self.provider.copy(
            {"company_id": self.company_b.id, "state": "test"}
        )
        self.assertEqual(provider_b.company_id, self.company_b)
        ticket = self._ticket_in(self.company_b, "Panne serveur")
        # requested by a technician working in A and B, A first
        wizard = (
            self.env["support.card.hold.request"]
            .with_user(self.technician)
            .with_context(allowed_company_ids=[self.company_a.id, self.company_b.id])
            .create({"ticket_id": ticket.id})
        )
        self.assertEqual(wizard.currency_id, self.eur)
        self.assertEqual(wizard.hourly_rate, 80.0)
        wizard.action_send_request()
        hold = self.env["support.card.hold"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(hold.company_id, self.company_b)
        self.assertEqual(hold.currency_id, self.eur)
        self.assertEqual(hold.hourly_rate, 80.0)
        # 60 min at 80.00 EUR = 80.00 + 20 % = 96.00 EUR
        self.assertAlmostEqual(hold.amount_untaxed, 80.0)
        self.assertAlmostEqual(hold.amount, 96.0)
        with self.assertRaises(ValidationError) as refused:
            hold.currency_id = self.usd
        self.assertIn("its currency must be EUR", str(refused.exception))
        self.assertEqual(hold.currency_id, self.eur)
        tx = self._create_hold_transaction(hold, provider_b, self.payment_method)
        self.assertEqual(tx.currency_id, self.eur)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        self.assertEqual(hold.state, "authorized")
        self._log(ticket, 47)
        self._charge(hold)
        invoice = hold.sudo().invoice_id
        self.assertEqual(invoice.company_id, self.company_b)
        self.assertEqual(invoice.journal_id.company_id, self.company_b)
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_b)
        # 47 min at 80.00 EUR = 62.67 + 20 % = 75.20 EUR
        self.assertAlmostEqual(invoice.amount_untaxed, 62.67)
        self.assertAlmostEqual(invoice.amount_total, 75.20)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(hold.state, "captured")
        self.assertAlmostEqual(hold.captured_amount, 75.20)
        self.assertAlmostEqual(hold.released_amount, 20.80)
        capture_tx = hold.transaction_ids.filtered(
            lambda t: t.source_transaction_id and t.state == "done"
        )
        self.assertEqual(capture_tx.currency_id, self.eur)
        self.assertAlmostEqual(capture_tx.amount, 75.20)
        self.assertEqual(capture_tx.payment_id.company_id, self.company_b)
        self.assertEqual(capture_tx.payment_id.currency_id, self.eur)


@tagged("post_install", "-at_install")
class TestTwoCompaniesCardHoldPage(TwoCompaniesCommon, CardHoldCommon, HttpCase):
    """The public card page of a hold of company B, on A's website."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.is_published = True
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [Command.link(cls.company_a.id)]}
        )

    def _csrf_token(self, url):
        page = self.url_open(url).text
        marker = 'name="csrf_token" value="'
        start = page.index(marker) + len(marker)
        return page[start : page.index('"', start)]

    def test_signed_link_keeps_company_b_rate_and_currency(self):
        """The customer opens the hold request of a ticket of B: the page
        shows B's rate in EUR, and the duration she picks is booked at
        80.00 EUR/h with B's 20 % tax, not at her rate in A."""
        ticket = self._ticket_in(self.company_b, "Panne serveur")
        hold = self.env["support.card.hold"].create(
            {
                "partner_id": self.customer_contact.id,
                "ticket_id": ticket.id,
                "duration_minutes": 60,
                "hourly_rate": 80.0,
                "company_id": self.company_b.id,
            }
        )
        self.assertEqual(hold.currency_id, self.eur)
        hold._portal_ensure_token()
        url = f"/support/pay?hold_id={hold.id}&access_token={hold.access_token}"
        page = self.url_open(url).text
        # 1 h at 80.00 EUR + 20 % = 96.00 EUR
        self.assertRegex(page, r'id="duration_60"[^>]*data-amount="[^"]*96\.00')
        self.assertIn("€", page)
        result = self.make_jsonrpc_request(
            "/support/pay/amount",
            {
                "minutes": 120,
                "hold_id": hold.id,
                "access_token": hold.access_token,
            },
        )
        self.assertIn("192.00", result["amount"])
        self.assertIn("€", result["amount"])
        response = self.url_open(
            "/support/pay",
            data={
                "csrf_token": self._csrf_token(url),
                "duration": "120",
                "name": "Anna",
                "email": self.customer_contact.email,
                "hold_id": str(hold.id),
                "access_token": hold.access_token,
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        hold.invalidate_recordset()
        self.assertEqual(hold.company_id, self.company_b)
        self.assertEqual(hold.currency_id, self.eur)
        self.assertEqual(hold.hourly_rate, 80.0)
        # 2 h at 80.00 EUR = 160.00 + 20 % = 192.00 EUR
        self.assertAlmostEqual(hold.amount_untaxed, 160.0)
        self.assertAlmostEqual(hold.amount, 192.0)


@tagged("post_install", "-at_install")
class TestTwoCompaniesSubscriptionPortal(
    TwoCompaniesCommon, SubscriptionCommon, HttpCase
):
    """The portal of a customer of company B shows the plan's prices as B
    invoices them: converted into EUR."""

    def test_portal_prices_in_company_b_currency(self):
        self.env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "currency_id": self.usd.id,
                "rate": 1.25,
                "company_id": self.company_b.id,
            }
        )
        self.portal_user.write(
            {
                "company_ids": [Command.link(self.company_b.id)],
                "company_id": self.company_b.id,
            }
        )
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/subscription").text
        self.assertIn('id="support_subscribe_form"', page)
        # 100.00 USD a month, 20.00 USD per extra user, at 1.25: in EUR
        self.assertRegex(page, r"80\.00</span>\s*€")
        self.assertRegex(page, r"16\.00</span>\s*€")
        self.assertNotIn("$", page.split('id="support_subscribe_form"')[1])
        users = self.customer_contact | self.outsider | self.customer_contact2
        sub = (
            self.env["support.subscription"]
            .with_context(allowed_company_ids=[self.company_b.id])
            .create(
                {
                    "partner_id": self.customer.id,
                    "plan_id": self.plan.id,
                    "company_id": self.company_b.id,
                    "authorized_user_ids": [Command.set(users.ids)],
                }
            )
        )
        self.assertEqual(sub.currency_id, self.eur)
        self.assertAlmostEqual(sub.extra_user_price, 16.0)
        self.assertAlmostEqual(sub.monthly_amount, 96.0)
        page = self.url_open("/my/subscription").text
        self.assertIn(sub.name, page)
        # 80.00 + 16.00 EUR a month; 16.00 EUR per extra user, not 20.00
        self.assertRegex(page, r"96\.00</span>\s*€")
        self.assertRegex(page, r"16\.00</span>\s*€</span>\s*per extra user")
        self.assertNotIn("20.00", page)
