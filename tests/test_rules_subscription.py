# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The subscription arithmetic, without database (odoo.tests.BaseCase)."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from .. import rules

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@tagged("at_install", "-post_install")
class TestSubscriptionRules(BaseCase):
    def test_whole_month_with_extra_users(self):
        # 99.00 for 3 users, 15.00 per extra user: 5 users = 99 + 2 x 15
        charge = rules.subscription_charge(99, 3, 15, 5)
        self.assertEqual(charge.base, Decimal("99.00"))
        self.assertEqual(charge.extra_users, 2)
        self.assertEqual(charge.extra_unit, Decimal("15.00"))
        self.assertEqual(charge.total, Decimal("129.00"))
        # fewer users than included: the plan's price only
        self.assertEqual(rules.subscription_charge(99, 3, 15, 1).total, Decimal(99))
        self.assertEqual(rules.subscription_charge(99, 3, 15, 3).extra_users, 0)

    def test_prorated_first_month(self):
        # from the 16th of a 30-day month: 15 of 30 days
        charge = rules.subscription_charge(100, 3, 20, 4, start=date(2026, 4, 16))
        self.assertEqual((charge.days, charge.days_in_month), (15, 30))
        self.assertEqual(charge.base, Decimal("50.00"))
        self.assertEqual(charge.extra_unit, Decimal("10.00"))
        self.assertEqual(charge.total, Decimal("60.00"))
        # from the 1st: the whole month; the last day: one day, rounded half-up
        self.assertEqual(
            rules.subscription_charge(99, 3, 15, 3, start=date(2026, 3, 1)).total,
            Decimal("99.00"),
        )
        last = rules.subscription_charge(99, 3, 15, 3, start=date(2026, 3, 31))
        self.assertEqual(last.base, Decimal("3.19"))  # 99 / 31 = 3.1935
        # a leap February
        self.assertEqual(rules.prorata(date(2028, 2, 15)), (15, 29))
        self.assertEqual(rules.prorata(date(2026, 2, 15)), (14, 28))

    def test_bad_values_refused(self):
        with self.assertRaises(ValueError):
            rules.subscription_charge(-1, 3, 15, 3)
        with self.assertRaises(ValueError):
            rules.extra_users(-1, 3)

    def test_cancellation_and_resubscription_dates(self):
        self.assertEqual(
            rules.cancellation_end_date(date(2026, 3, 12)), date(2026, 3, 31)
        )
        self.assertEqual(rules.resubscribe_date(date(2026, 3, 12)), date(2026, 6, 12))
        # the end of a long month lands on the end of a shorter one
        self.assertEqual(rules.resubscribe_date(date(2026, 1, 31)), date(2026, 4, 30))
        cancelled = date(2026, 3, 12)
        self.assertFalse(rules.can_resubscribe(cancelled, date(2026, 6, 11)))
        self.assertTrue(rules.can_resubscribe(cancelled, date(2026, 6, 12)))
        self.assertTrue(rules.can_resubscribe(False, date(2026, 6, 11)))
        self.assertEqual(rules.next_month_start(date(2026, 12, 5)), date(2027, 1, 1))

    @settings(max_examples=200, deadline=None)
    @given(
        day=days,
        price=st.integers(min_value=0, max_value=100_000),
        extra=st.integers(min_value=0, max_value=10_000),
        included=st.integers(min_value=0, max_value=50),
        users=st.integers(min_value=0, max_value=200),
    )
    def test_prorata_properties(self, day, price, extra, included, users):
        price, extra = Decimal(price) / 100, Decimal(extra) / 100
        whole = rules.subscription_charge(price, included, extra, users)
        first = rules.subscription_charge(price, included, extra, users, start=day)
        # never more than a whole month, the 1st costs a whole month
        self.assertLessEqual(first.total, whole.total)
        self.assertEqual(first.extra_users, max(0, users - included))
        self.assertEqual(first.days, (rules.month_end(day) - day).days + 1)
        if day.day == 1:
            self.assertEqual(first.total, whole.total)

    @settings(max_examples=200, deadline=None)
    @given(cancelled=days)
    def test_resubscription_boundary(self, cancelled):
        allowed = rules.resubscribe_date(cancelled)
        self.assertFalse(rules.can_resubscribe(cancelled, allowed - timedelta(days=1)))
        self.assertTrue(rules.can_resubscribe(cancelled, allowed))
        self.assertGreaterEqual((allowed - cancelled).days, 89)
        self.assertLessEqual((allowed - cancelled).days, 92)
        self.assertGreaterEqual(rules.cancellation_end_date(cancelled), cancelled)
