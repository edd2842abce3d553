# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 28: the commercial terms are data, versioned by date, read from one
place (``res.company._support_terms``) and passed to the pure rules."""

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, new_test_user, tagged

from .. import rules
from .test_card_hold import CardHoldCommon
from .test_ticket_pack import TicketPackCommon

TERMS = rules.DEFAULT_TERMS


@tagged("at_install", "-post_install")
class TestTermsRules(BaseCase):
    """The rules take the terms as an argument: every term at a value other
    than the seeds'."""

    def test_defaults_are_the_seeds(self):
        cases = {0: 0, 1: 30, 5: 30, 30: 30, 31: 31, 47: 47}
        for worked, billed in cases.items():
            self.assertEqual(rules.billed_minutes(worked, TERMS), billed)
        self.assertEqual(TERMS.trial_offered, 15)
        self.assertEqual(TERMS.hold_durations, (30, 60, 120))
        self.assertEqual((TERMS.hold_warning_days, TERMS.hold_void_days), (5, 6))
        self.assertIsNone(rules.check_terms(TERMS))

    def test_minimum_15_increment_6_rounded_up(self):
        terms = dataclasses.replace(TERMS, minimum_minutes=15, increment_minutes=6)
        cases = {0: 0, 5: 15, 15: 15, 16: 21, 21: 21, 22: 27, 47: 51}
        for worked, billed in cases.items():
            with self.subTest(worked=worked):
                self.assertEqual(rules.billed_minutes(worked, terms), billed)
        # a reopened ticket bills only what its new total adds
        self.assertEqual(rules.billed_increment(15, 15, 2, terms), 6)

    def test_increment_rounded_to_nearest(self):
        terms = dataclasses.replace(
            TERMS, minimum_minutes=15, increment_minutes=6, increment_rounding="nearest"
        )
        # beyond 15: 2 min -> 0 increment, 3 min (half) -> 1, 8 -> 1, 9 -> 2
        cases = {16: 15, 17: 15, 18: 21, 23: 21, 24: 27}
        for worked, billed in cases.items():
            with self.subTest(worked=worked):
                self.assertEqual(rules.billed_minutes(worked, terms), billed)

    def test_trial_0_and_30(self):
        none = dataclasses.replace(TERMS, trial_minutes=0)
        (charge,), left = rules.apply_trial([10], terms=none)
        self.assertEqual((charge.billed, charge.free, left), (30, 0, 0))
        off = dataclasses.replace(TERMS, trial_audience="none")
        self.assertEqual(off.trial_offered, 0)
        thirty = dataclasses.replace(TERMS, trial_minutes=30)
        charges, left = rules.apply_trial([25, 20], terms=thirty)
        # 25 minutes fit in the trial: free; 5 minutes left for the next one
        self.assertEqual([(c.billed, c.free) for c in charges], [(30, 30), (30, 5)])
        self.assertEqual(left, 0)

    def test_60_minutes_per_credit(self):
        terms = dataclasses.replace(TERMS, credit_minutes=60)
        cases = {0: 0, 5: 1, 60: 1, 61: 2, 121: 3}
        for worked, tickets in cases.items():
            with self.subTest(worked=worked):
                self.assertEqual(rules.tickets_needed(worked, terms), tickets)
        self.assertEqual(rules.prepaid_minutes(1, 75, terms), 60)

    def test_pack_validity_floor(self):
        terms = dataclasses.replace(TERMS, pack_validity_months=12)
        self.assertEqual(rules.check_pack_definition(10, 6, False, terms), "validity")
        self.assertIsNone(rules.check_pack_definition(10, 12, False, terms))
        self.assertEqual(
            rules.pack_expiry_date(date(2026, 1, 31), 12, terms), date(2027, 1, 31)
        )
        with self.assertRaises(ValueError):
            rules.pack_expiry_date(date(2026, 1, 31), 6, terms)

    def test_hold_bounds_and_expiry(self):
        terms = dataclasses.replace(
            TERMS,
            hold_min_minutes=15,
            hold_max_minutes=90,
            hold_durations=(15, 45),
            hold_expiry_days=5,
        )
        self.assertEqual(rules.hold_amount(15, 90, terms=terms), Decimal("22.50"))
        with self.assertRaises(ValueError):
            rules.hold_amount(120, 90, terms=terms)
        self.assertEqual((terms.hold_warning_days, terms.hold_void_days), (3, 4))
        self.assertEqual(
            rules.check_terms(dataclasses.replace(terms, hold_expiry_days=8)),
            "hold_expiry_days",
        )
        self.assertEqual(
            rules.check_terms(dataclasses.replace(terms, hold_durations=(120,))),
            "hold_durations",
        )

    def test_rate_card(self):
        terms = dataclasses.replace(
            TERMS,
            rate_card=(
                ("remote", "multiplier", 1.0),
                ("on_site", "fixed", 120.0),
                ("after_hours", "multiplier", 1.5),
                ("weekend", "multiplier", 2.0),
            ),
        )
        self.assertEqual(rules.work_type_rate(90, "remote", terms), Decimal("90.0"))
        self.assertEqual(rules.work_type_rate(90, "on_site", terms), Decimal("120.0"))
        self.assertEqual(rules.work_type_rate(90, "after_hours", terms), Decimal(135))
        self.assertEqual(rules.work_type_rate(90, "weekend", terms), Decimal(180))
        # 30 charged minutes, 20 worked at 90 and 10 at 180: 20 x 1.5 + 10 x 3
        self.assertEqual(
            rules.blended_amount(30, {Decimal(90): 20, Decimal(180): 10}),
            Decimal("60.00"),
        )


class TermsCommon(TicketPackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Terms = cls.env["support.terms"]

    def _new_terms(self, day, **vals):
        """A version of the company's terms from ``day`` (created the day
        before, as the rule asks)."""
        before = datetime.combine(day, datetime.min.time()).replace(hour=12)
        with freeze_time(before.replace(day=day.day - 1)):
            return self.Terms.create(
                {"company_id": self.company.id, "date_from": day, **vals}
            )

    def _line(self, invoice, ticket):
        return invoice.invoice_line_ids.filtered(
            lambda line: line.support_ticket_id == ticket
        )


@tagged("post_install", "-at_install")
class TestTermsBilling(TermsCommon):
    def test_minimum_15_increment_6_invoiced(self):
        self._new_terms(
            date(2026, 3, 10),
            minimum_minutes=15,
            increment_minutes=6,
            increment_rounding="up",
        )
        with freeze_time("2026-03-12 12:00:00"):
            short, longer = (self._create_ticket(self.customer_contact) for _ in "ab")
            self._log(short, 5)
            self._log(longer, 16)
            self.assertEqual(short.support_minutes_billed, 15)
            self.assertEqual(longer.support_minutes_billed, 21)
            invoice = self._invoice(partners=self.customer)
        line = self._line(invoice, longer)
        self.assertEqual(line.support_minutes_billed, 21)
        self.assertEqual(line.price_subtotal, 31.5)  # 21 min at 90.00
        self.assertEqual(self._line(invoice, short).price_subtotal, 22.5)

    def test_trial_0_and_30(self):
        self.customer.support_trial_eligible = True
        self._new_terms(date(2026, 3, 10), trial_minutes=30)
        self._new_terms(date(2026, 3, 20), trial_minutes=0)
        with freeze_time("2026-03-12 12:00:00"):
            self.assertEqual(self.customer.support_trial_minutes_left, 30)
            ticket = self._create_ticket(self.customer_contact)
            self._log(ticket, 25)
            self.assertEqual(ticket.support_minutes_charged, 0)
            invoice = self._invoice(partners=self.customer)
            self.assertEqual(self._line(invoice, ticket).support_minutes_free, 30)
            self.assertEqual(invoice.amount_total, 0)
        with freeze_time("2026-03-21 12:00:00"):
            other = self.env["res.partner"].create({"name": "New customer"})
            self.assertEqual(other.support_trial_minutes_left, 0)
        # switched off for new customers altogether
        self._new_terms(date(2026, 3, 25), trial_audience="none", trial_minutes=15)
        with freeze_time("2026-03-26 12:00:00"):
            self.assertEqual(other.support_trial_minutes_left, 0)

    def test_60_minutes_per_prepaid_ticket(self):
        self._new_terms(date(2026, 3, 10), credit_minutes=60)
        with freeze_time("2026-03-12 12:00:00"):
            _invoice, pack = self._buy(self.pack10)
            ticket = self._create_ticket(self.customer_contact)
            self._log(ticket, 61)
        # 61 minutes take 2 tickets of 60 minutes (3 of 30 at the seeds')
        self.assertEqual(ticket.support_pack_tickets, 2)
        self.assertEqual(pack.remaining_tickets, 8)
        self.assertEqual(ticket._get_support_prepaid_minutes(), 61)

    def test_pack_validity_floor(self):
        self._new_terms(date(2026, 3, 10), pack_validity_months=12)
        with freeze_time("2026-03-12 12:00:00"):
            with self.assertRaisesRegex(ValidationError, "at least 12 months"):
                self.pack1.support_pack_validity_months = 7
            # a pack product defined before: the floor of the day applies
            _invoice, pack = self._buy(self.pack1)
        self.assertEqual(pack.expiry_date, date(2027, 3, 12))

    def test_rate_card_on_the_invoice_line(self):
        self._new_terms(
            date(2026, 3, 10),
            on_site_rate_mode="fixed",
            on_site_rate_value=120.0,
            weekend_rate_mode="multiplier",
            weekend_rate_value=2.0,
        )
        with freeze_time("2026-03-13 12:00:00"):
            ticket = self._create_ticket(self.customer_contact)
            remote = self._log(ticket, 20, date=date(2026, 3, 13))  # a Friday
            sunday = self._log(ticket, 10, date=date(2026, 3, 15))
            self.assertEqual(sunday.work_type, "weekend")
            self.assertIn(remote.work_type, ("remote", "after_hours"))
            remote.work_type = "remote"
            onsite = self._create_ticket(self.customer_contact)
            entry = self._log(onsite, 30)
            entry.work_type = "on_site"
            invoice = self._invoice(partners=self.customer)
        line = self._line(invoice, ticket)
        # 20 min at 90.00 and 10 at 180.00: 30.00 + 30.00
        self.assertEqual(line.price_subtotal, 60.0)
        self.assertIn("Weekend / holiday: 10 min at", line.name)
        self.assertIn("Remote: 20 min at", line.name)
        self.assertEqual(self._line(invoice, onsite).price_subtotal, 60.0)
        self.assertIn("On site: 30 min at", self._line(invoice, onsite).name)
        # invoiced: the work type is locked
        with self.assertRaises(UserError):
            entry.work_type = "remote"

    def test_channel_gives_the_default_work_type(self):
        """A channel's default work type (issue 28, item 3): its tickets' time
        is priced at that rate; weekend time keeps its own type; invoiced
        time keeps the type it was billed at when the channel changes."""
        self._new_terms(
            date(2026, 3, 10),
            on_site_rate_mode="fixed",
            on_site_rate_value=120.0,
            weekend_rate_mode="multiplier",
            weekend_rate_value=2.0,
        )
        walk_in = self.env["helpdesk.ticket.channel"].create(
            {"name": "Walk-in desk", "support_work_type": "on_site"}
        )
        with freeze_time("2026-03-13 12:00:00"):
            ticket = self._create_ticket(self.customer_contact)
            ticket.channel_id = walk_in
            thursday = self._log(ticket, 30, date=date(2026, 3, 12))
            sunday = self._log(ticket, 10, date=date(2026, 3, 15))
            self.assertEqual(thursday.work_type, "on_site")
            self.assertEqual(sunday.work_type, "weekend")
            other = self._create_ticket(self.customer_contact)
            plain = self._log(other, 30, date=date(2026, 3, 12))
            self.assertEqual(plain.work_type, "remote")
            invoice = self._invoice(partners=self.customer)
        line = self._line(invoice, ticket)
        # 30 min on site at 120.00 and 10 on Sunday at 180.00: 60.00 + 30.00
        self.assertEqual(line.price_subtotal, 90.0)
        self.assertIn("On site: 30 min at", line.name)
        self.assertEqual(self._line(invoice, other).price_subtotal, 45.0)
        walk_in.support_work_type = "remote"
        self.assertEqual(thursday.work_type, "on_site")
        self.assertEqual(line.price_subtotal, 90.0)

    def test_contract_wins_over_plan_over_company(self):
        self._new_terms(date(2026, 3, 10), minimum_minutes=15)
        plan = self.env.ref("support_billing.support_plan_basic", False) or self.env[
            "support.plan"
        ].search([], limit=1)
        plan.write(
            {
                "support_terms_override": True,
                "support_minimum_minutes": 60,
                "support_increment_minutes": 1,
            }
        )
        company = self.company
        with freeze_time("2026-03-12 12:00:00"):
            self.assertEqual(company._support_terms().minimum_minutes, 15)
            self.assertEqual(
                company._support_terms(
                    plan=plan, partner=self.customer
                ).minimum_minutes,
                60,
            )
            self.customer.write(
                {
                    "support_terms_override": True,
                    "support_minimum_minutes": 45,
                    "support_increment_minutes": 5,
                }
            )
            terms = company._support_terms(plan=plan, partner=self.customer_contact)
            self.assertEqual((terms.minimum_minutes, terms.increment_minutes), (45, 5))
            ticket = self._create_ticket(self.customer_contact)
            self._log(ticket, 47)
            self.assertEqual(ticket.support_minutes_billed, 50)
            invoice = self._invoice(partners=self.customer)
            self.assertEqual(self._line(invoice, ticket).support_minutes_billed, 50)
            # a change of the contract applies to tickets begun after it
            self.customer.support_minimum_minutes = 30
            self.assertEqual(ticket.support_minutes_billed, 50)
            later = self._create_ticket(self.customer_contact)
            self._log(later, 5)
            self.assertEqual(later.support_minutes_billed, 30)

    def test_contract_terms_set_by_accountants_and_managers_only(self):
        # a technician who may edit contacts (Contact Creation)
        technician = new_test_user(
            self.env,
            login="sb-tech-terms",
            groups="support_billing.group_support_technician,base.group_partner_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.accountant.group_ids += self.env.ref("base.group_partner_manager")
        with self.assertRaisesRegex(AccessError, "Only accountants and support"):
            self.customer.with_user(technician).write(
                {"support_terms_override": True, "support_minimum_minutes": 5}
            )
        # the rest of the contact, and a new contact at the default terms
        self.customer.with_user(technician).phone = "+33 1 23 45 67 89"
        self.env["res.partner"].with_user(technician).create(
            {"name": "New Co", "support_terms_override": False}
        )
        self.customer.with_user(self.accountant).write(
            {"support_terms_override": True, "support_minimum_minutes": 5}
        )
        self.assertEqual(self.customer.support_minimum_minutes, 5)
        plan = self.env["support.plan"].search([], limit=1)
        with self.assertRaises(AccessError):
            plan.with_user(technician).write({"support_hourly_rate": 1})
        with self.assertRaises(AccessError):
            self.env["support.terms"].with_user(technician).create(
                {"company_id": self.company.id, "date_from": date(2099, 1, 1)}
            )
        with self.assertRaises(ValidationError):
            self.customer.write(
                {"support_terms_override": True, "support_increment_minutes": 0}
            )

    def test_effective_date(self):
        """A minimum changed on the 15th bills the tickets of the 10th at the
        old minimum, those worked from the 15th at the new one."""
        with freeze_time("2026-03-10 12:00:00"):
            old = self._create_ticket(self.customer_contact)
            self._log(old, 5, date=date(2026, 3, 10))
        self._new_terms(date(2026, 3, 15), minimum_minutes=15)
        with freeze_time("2026-03-16 12:00:00"):
            new = self._create_ticket(self.customer_contact)
            self._log(new, 5, date=date(2026, 3, 15))
            # more work on the old ticket after the change: still its terms
            self._log(old, 1, date=date(2026, 3, 16))
            invoice = self._invoice(partners=self.customer)
        self.assertEqual(self._line(invoice, old).support_minutes_billed, 30)
        self.assertEqual(self._line(invoice, new).support_minutes_billed, 15)
        self.assertEqual(old.support_terms_date, date(2026, 3, 10))

    def test_versions_in_force_are_history(self):
        version = self._new_terms(date(2026, 3, 15), minimum_minutes=15)
        with freeze_time("2026-03-14 12:00:00"):
            version.minimum_minutes = 20  # not in force yet: may change
        with freeze_time("2026-03-15 12:00:00"):
            with self.assertRaisesRegex(UserError, "in force"):
                version.minimum_minutes = 25
            with self.assertRaisesRegex(UserError, "in force"):
                version.unlink()
            with self.assertRaisesRegex(ValidationError, "tomorrow"):
                self.Terms.create(
                    {"company_id": self.company.id, "date_from": date(2026, 3, 14)}
                )
            with self.assertRaisesRegex(ValidationError, "2 to 7 days"):
                self.Terms.create(
                    {
                        "company_id": self.company.id,
                        "date_from": date(2026, 3, 20),
                        "hold_expiry_days": 9,
                    }
                )
            self.assertEqual(self.company._support_terms().minimum_minutes, 20)

    def test_settings_open_new_terms(self):
        with freeze_time("2026-03-12 12:00:00"):
            settings = self.env["res.config.settings"].create({})
            self.assertIn("30 minutes", settings.support_terms_summary)
            action = settings.action_support_new_terms()
            new = (
                self.env["support.terms"]
                .with_context(**action["context"])
                .create({"minimum_minutes": 20})
            )
        self.assertEqual(new.date_from, date(2026, 3, 13))
        self.assertEqual(new.hold_durations, "30,60,120")
        with freeze_time("2026-03-13 12:00:00"):
            settings = self.env["res.config.settings"].create({})
            self.assertIn("20 minutes", settings.support_terms_summary)

    def test_changing_terms_never_changes_money_billed(self):
        """Invoiced lines, consumed prepaid tickets and the ticket figures
        keep what they were billed at when the terms change."""
        with freeze_time("2026-03-10 12:00:00"):
            ticket = self._create_ticket(self.customer_contact)
            self._log(ticket, 5)
            invoice = self._invoice(partners=self.customer)
            invoice.action_post()
            _pack_invoice, pack = self._buy(self.pack10)
            packed = self._create_ticket(self.customer_contact)
            self._log(packed, 40)
        line = self._line(invoice, ticket)
        before = (
            line.support_minutes_billed,
            line.price_subtotal,
            invoice.amount_total,
        )
        self.assertEqual(before[:2], (30, 45.0))
        self.assertEqual(packed.support_pack_tickets, 2)
        self._new_terms(
            date(2026, 3, 15),
            minimum_minutes=60,
            credit_minutes=60,
            remote_rate_value=3.0,
        )
        self.customer.write(
            {"support_terms_override": True, "support_minimum_minutes": 90}
        )
        with freeze_time("2026-03-16 12:00:00"):
            self.env.invalidate_all()
            tickets = ticket | packed
            for fname in ("support_minutes_billed", "support_terms_date"):
                self.env.add_to_compute(tickets._fields[fname], tickets)
            self.assertEqual(
                (
                    line.support_minutes_billed,
                    line.price_subtotal,
                    invoice.amount_total,
                ),
                before,
            )
            self.assertEqual(ticket.support_minutes_billed, 30)
            # a change of the entries re-syncs the packs under the ticket's terms
            self._log(packed, 1, date=date(2026, 3, 10))
            self.assertEqual(packed.support_pack_tickets, 2)
            self.assertEqual(pack.remaining_tickets, 8)


@tagged("post_install", "-at_install")
class TestTermsCardHold(CardHoldCommon):
    def test_hold_expiry_5_days(self):
        with freeze_time("2026-03-01 12:00:00"):
            self.env["support.terms"].create(
                {
                    "company_id": self.company.id,
                    "date_from": date(2026, 3, 2),
                    "hold_expiry_days": 5,
                    "hold_min_minutes": 15,
                    "hold_durations": "15,45",
                }
            )
        with freeze_time("2026-03-02 10:00:00"):
            hold = self._create_hold(minutes=15, rate=100)
            self.assertEqual(hold.amount_untaxed, 25.0)
            self._authorize(hold)
        self.assertEqual(hold.expiry_date, datetime(2026, 3, 7, 10, 0))
        with freeze_time("2026-03-04 11:00:00"):  # 2 days: nothing
            self._run_expiry_cron()
        self.assertFalse(hold.activity_ids)
        with freeze_time("2026-03-05 11:00:00"):  # 3 days: warned
            self._run_expiry_cron()
        self.assertEqual(len(hold.activity_ids), 1)
        self.assertEqual(hold.state, "authorized")
        with freeze_time("2026-03-06 11:00:00"):  # 4 days: voided
            self._run_expiry_cron()
        self.assertEqual(hold.state, "expired")

    def test_hold_bounds_of_the_terms(self):
        with freeze_time("2026-03-01 12:00:00"):
            self.env["support.terms"].create(
                {
                    "company_id": self.company.id,
                    "date_from": date(2026, 3, 2),
                    "hold_max_minutes": 90,
                    "hold_durations": "30,90",
                }
            )
        with freeze_time("2026-03-02 10:00:00"):
            # one live hold per ticket (issue 27): each on its own ticket
            with self.assertRaisesRegex(ValidationError, "between 30 minutes and 90"):
                self._create_hold(
                    minutes=120,
                    ticket=self._create_ticket(self.customer_contact, closed=False),
                )
            hold = self._create_hold(
                minutes=90,
                ticket=self._create_ticket(self.customer_contact, closed=False),
            )
            self.assertEqual(hold.amount_untaxed, 150.0)
