# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The pure billing rules, without database (odoo.tests.BaseCase)."""

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from .. import rules

minutes = st.integers(min_value=0, max_value=10_000)


@tagged("at_install", "-post_install")
class TestBilledMinutes(BaseCase):
    def test_edge_cases(self):
        cases = {0: 0, 1: 30, 5: 30, 29: 30, 30: 30, 31: 31, 47: 47, 10_000: 10_000}
        for worked, billed in cases.items():
            with self.subTest(worked=worked):
                self.assertEqual(rules.billed_minutes(worked), billed)

    def test_negative_refused(self):
        with self.assertRaises(ValueError):
            rules.billed_minutes(-1)

    def test_rule_applies_per_ticket(self):
        # three 10-minute entries on one ticket bill 30 ...
        self.assertEqual(rules.billed_minutes(10 + 10 + 10), 30)
        # ... two tickets of 5 minutes bill 30 + 30
        self.assertEqual(rules.billed_minutes(5) + rules.billed_minutes(5), 60)

    @settings(max_examples=300, deadline=None)
    @given(minutes)
    def test_property_billed(self, worked):
        billed = rules.billed_minutes(worked)
        if worked == 0:
            self.assertEqual(billed, 0)
        else:
            self.assertGreaterEqual(billed, 30)
            self.assertGreaterEqual(billed, worked)
            # beyond 30 minutes, billing is by the minute: nothing is rounded
            self.assertEqual(billed, max(30, worked))

    @settings(max_examples=300, deadline=None)
    @given(minutes, minutes)
    def test_property_monotonic_and_subadditive_per_ticket(self, a, b):
        self.assertLessEqual(rules.billed_minutes(a), rules.billed_minutes(a + b))
        # one ticket never bills more than the same minutes split in two tickets
        self.assertLessEqual(
            rules.billed_minutes(a + b),
            rules.billed_minutes(a) + rules.billed_minutes(b),
        )


@tagged("at_install", "-post_install")
class TestIncrement(BaseCase):
    def test_reinvoiced_ticket(self):
        # 5 minutes invoiced (30 billed), then 10 more: nothing more to bill
        self.assertEqual(rules.billed_increment(5, 30, 10), 0)
        # then 20 more (35 worked in all): 5 more
        self.assertEqual(rules.billed_increment(15, 30, 20), 5)
        self.assertEqual(rules.billed_increment(0, 0, 47), 47)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.integers(min_value=1, max_value=600), min_size=1, max_size=8))
    def test_property_increments_add_up(self, batches):
        """Invoicing a ticket in several runs bills what one run would."""
        worked = billed = 0
        for batch in batches:
            billed += rules.billed_increment(worked, billed, batch)
            worked += batch
        self.assertEqual(billed, rules.billed_minutes(sum(batches)))


@tagged("at_install", "-post_install")
class TestTrial(BaseCase):
    def test_trial_on_first_ticket(self):
        (charge,), left = rules.apply_trial([47])
        self.assertEqual((charge.billed, charge.free, charge.charged), (47, 15, 32))
        self.assertEqual(left, 0)

    def test_short_first_ticket_is_free(self):
        (charge,), left = rules.apply_trial([5])
        self.assertEqual((charge.billed, charge.free, charge.charged), (30, 30, 0))
        self.assertEqual(left, 10)

    def test_trial_straddles_two_tickets(self):
        charges, left = rules.apply_trial([5, 40])
        self.assertEqual([c.charged for c in charges], [0, 30])
        self.assertEqual([c.trial_used for c in charges], [5, 10])
        self.assertEqual(left, 0)

    def test_trial_combined_with_minimum(self):
        (charge,), _left = rules.apply_trial([20])
        # 20 minutes bill 30 (minimum); the 15 trial minutes are deducted
        self.assertEqual(charge.charged, 15)

    def test_no_trial_left(self):
        charges, left = rules.apply_trial([5, 47], trial_left=0)
        self.assertEqual([c.charged for c in charges], [30, 47])
        self.assertEqual(left, 0)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(minutes, max_size=10), st.integers(min_value=0, max_value=15))
    def test_property_trial(self, worked, trial):
        charges, left = rules.apply_trial(worked, trial)
        used = sum(c.trial_used for c in charges)
        self.assertEqual(used + left, trial)
        for charge in charges:
            self.assertGreaterEqual(charge.charged, 0)
            self.assertLessEqual(charge.free, charge.billed)
            self.assertEqual(charge.billed, rules.billed_minutes(charge.worked))
        # nobody pays more than without the trial
        self.assertLessEqual(
            sum(c.charged for c in charges), sum(map(rules.billed_minutes, worked))
        )


@tagged("at_install", "-post_install")
class TestMinuteFigures(BaseCase):
    """Issue 15: one set of figures for the ticket, the line and the PDF."""

    def test_short_ticket_with_trial(self):
        # 17 minutes worked: 30 billed, 15 free (trial), 15 charged
        figures = rules.minute_figures(17, rules.billed_minutes(17), trial=15)
        self.assertEqual(
            (figures.worked, figures.billed, figures.free, figures.charged),
            (17, 30, 15, 15),
        )

    def test_prepaid_and_subscription(self):
        figures = rules.minute_figures(75, 75, prepaid=30)
        self.assertEqual((figures.prepaid, figures.charged), (30, 45))
        figures = rules.minute_figures(20, 30, subscription=30)
        self.assertEqual((figures.free, figures.charged), (30, 0))

    def test_free_parts_capped_by_billed(self):
        figures = rules.minute_figures(10, 30, trial=30, prepaid=30, subscription=5)
        self.assertEqual(
            (figures.trial, figures.prepaid, figures.subscription), (30, 0, 0)
        )
        self.assertEqual(figures.charged, 0)

    def test_negative_refused(self):
        with self.assertRaises(ValueError):
            rules.minute_figures(10, 30, trial=-1)

    @settings(max_examples=200, deadline=None)
    @given(minutes, minutes, minutes, minutes)
    def test_property_figures_add_up(self, worked, trial, prepaid, subscription):
        billed = rules.billed_minutes(worked)
        figures = rules.minute_figures(worked, billed, trial, prepaid, subscription)
        self.assertGreaterEqual(figures.charged, 0)
        self.assertEqual(figures.free + figures.charged, billed)
        self.assertLessEqual(figures.trial, trial)


@tagged("at_install", "-post_install")
class TestDaysLeft(BaseCase):
    def test_days_left(self):
        now = datetime(2026, 3, 1, 12, 0)
        self.assertEqual(rules.days_left(now, now + timedelta(days=7)), 7)
        self.assertEqual(rules.days_left(now, now + timedelta(days=6, hours=2)), 6)
        self.assertEqual(rules.days_left(now, now + timedelta(hours=3)), 0)
        self.assertEqual(rules.days_left(now, now - timedelta(days=2)), 0)


@tagged("at_install", "-post_install")
class TestAmounts(BaseCase):
    def test_time_amount(self):
        self.assertEqual(rules.time_amount(30, 90), Decimal("45.00"))
        self.assertEqual(rules.time_amount(47, 90), Decimal("70.50"))
        self.assertEqual(rules.time_amount(47, 100), Decimal("78.33"))

    def test_entry_minutes(self):
        self.assertTrue(rules.check_entry_minutes(1))
        self.assertTrue(rules.check_entry_minutes(1440))
        for bad in (0, -5, 1441, 10_000):
            self.assertFalse(rules.check_entry_minutes(bad))


@tagged("at_install", "-post_install")
class TestStripeMetadata(BaseCase):
    """Issue 24: metadata within Stripe's limits (50 keys, 40-character keys
    without brackets, 500-character values)."""

    def test_empty_values_left_out_order_kept(self):
        self.assertEqual(
            rules.stripe_metadata(
                [
                    ("invoice_number", "INV/2026/00042"),
                    ("hold_reference", False),
                    ("ticket_numbers", ""),
                    ("odoo_reference", " R1 "),
                ]
            ),
            {"invoice_number": "INV/2026/00042", "odoo_reference": "R1"},
        )

    def test_long_list_cut_at_a_separator(self):
        tickets = ", ".join(f"HT{n:05d}" for n in range(100))  # 898 characters
        value = rules.stripe_metadata([("ticket_numbers", tickets)])["ticket_numbers"]
        self.assertLessEqual(len(value), 500)
        self.assertTrue(value.endswith(", …"), value[-12:])
        self.assertTrue(tickets.startswith(value[:-1]))
        self.assertEqual(len(rules.stripe_metadata([("k", "x" * 501)])["k"]), 500)
        self.assertEqual(rules.stripe_metadata([("k", "x" * 500)])["k"], "x" * 500)

    def test_keys_stripe_refuses(self):
        for key in ("", "k" * 41, "a[b]"):
            with self.assertRaises(ValueError):
                rules.stripe_metadata([(key, "v")])
        self.assertEqual(len(rules.stripe_metadata([("k" * 40, "v")])), 1)
        with self.assertRaises(ValueError):
            rules.stripe_metadata([(f"k{n}", "v") for n in range(51)])
        self.assertEqual(
            len(rules.stripe_metadata([(f"k{n}", "v") for n in range(50)])), 50
        )


@tagged("at_install", "-post_install")
class TestStripeReconciliationRules(BaseCase):
    """Issue 24: the tax of Stripe's fees and what a Stripe line settles."""

    def test_fee_reverse_charge_in_the_eu_outside_ireland(self):
        for code in ("FR", "be", "DE", "ES"):
            self.assertTrue(rules.stripe_fee_reverse_charge(code), code)
        for code in ("IE", "US", "GB", "CH", "", None):
            self.assertFalse(rules.stripe_fee_reverse_charge(code), code)

    def test_counterparts_exact_amounts_only(self):
        payments = [("p1", 6000), ("p2", 4000)]
        invoices = [("i1", 2500)]
        # one payment of the line's amount, the oldest first
        self.assertEqual(rules.stripe_counterparts(4000, payments, invoices), ["p2"])
        self.assertEqual(
            rules.stripe_counterparts(6000, [*payments, ("p3", 6000)]), ["p1"]
        )
        # else an open invoice of that amount, else the payments together
        self.assertEqual(rules.stripe_counterparts(2500, payments, invoices), ["i1"])
        self.assertEqual(
            rules.stripe_counterparts(10000, payments, invoices), ["p1", "p2"]
        )
        self.assertEqual(
            rules.stripe_counterparts(12500, payments, invoices), ["p1", "p2", "i1"]
        )
        # never a part, never a guess; refunds are negative
        self.assertEqual(rules.stripe_counterparts(3000, payments, invoices), [])
        self.assertEqual(rules.stripe_counterparts(1000, [], []), [])
        self.assertEqual(rules.stripe_counterparts(-2000, [("r1", -2000)]), ["r1"])
        self.assertEqual(rules.stripe_counterparts(2000, [("r1", -2000)]), [])


class TestDisputeRules(BaseCase):
    """Issue 24: a Stripe dispute's status only moves forward; a lost
    dispute credits the disputed share of its invoices."""

    LIFE = (
        "warning_needs_response",
        "warning_under_review",
        "needs_response",
        "under_review",
    )

    def test_status_moves_forward_only(self):
        for status in (*self.LIFE, "won", "lost", "warning_closed"):
            self.assertTrue(rules.dispute_status_advances(False, status))
            self.assertFalse(rules.dispute_status_advances(status, status))
        for position, current in enumerate(self.LIFE):
            for later in self.LIFE[position + 1 :]:
                self.assertTrue(rules.dispute_status_advances(current, later))
                self.assertFalse(rules.dispute_status_advances(later, current))
            for closed in ("won", "lost", "warning_closed"):
                self.assertTrue(rules.dispute_status_advances(current, closed))
                self.assertFalse(rules.dispute_status_advances(closed, current))
        # closed is final: won never becomes lost, nor the reverse
        self.assertFalse(rules.dispute_status_advances("won", "lost"))
        self.assertFalse(rules.dispute_status_advances("lost", "won"))
        with self.assertRaises(ValueError):
            rules.dispute_status_advances("needs_response", "charge_refunded")

    def test_credit_ratio(self):
        self.assertEqual(rules.dispute_credit_ratio(60, 60), Decimal(1))
        self.assertEqual(rules.dispute_credit_ratio(30, 120), Decimal("0.25"))
        self.assertEqual(rules.dispute_credit_ratio(150, 120), Decimal(1))
        self.assertEqual(rules.dispute_credit_ratio(0, 120), Decimal(0))
        self.assertEqual(rules.dispute_credit_ratio(60, 0), Decimal(0))
