# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Fees of an on-site intervention (README: Fees), without database."""

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from .. import rules

money = st.decimals(min_value=0, max_value=10_000, places=2)


@tagged("at_install", "-post_install")
class TestInterventionFees(BaseCase):
    def test_refused_pays_travel_and_diagnostic(self):
        # 45 min of diagnostic at 90.00/h = 67.50, travel 35.00
        diagnostic = rules.diagnostic_amount(45, 90)
        self.assertEqual(diagnostic, Decimal("67.50"))
        fees = rules.intervention_fees("refused", 35, diagnostic, 20)
        self.assertEqual(
            (fees.travel, fees.diagnostic, fees.compensation, fees.estimate),
            (Decimal(35), Decimal("67.50"), Decimal(0), Decimal(0)),
        )
        self.assertEqual(fees.total, Decimal("102.50"))

    def test_stopped_adds_twenty_percent_of_diagnostic(self):
        fees = rules.intervention_fees("stopped", 35, Decimal("67.50"), 20)
        self.assertEqual(fees.compensation, Decimal("13.50"))
        self.assertEqual(fees.total, Decimal("116.00"))
        # the rate is configurable
        fees = rules.intervention_fees("stopped", 35, Decimal("67.50"), 25)
        self.assertEqual(fees.compensation, Decimal("16.88"))  # 16.875 half-up

    def test_accepted_bills_the_estimate_only(self):
        fees = rules.intervention_fees("accepted", 35, Decimal("67.50"), 20, 210)
        self.assertEqual(fees.total, Decimal(210))
        self.assertEqual(fees.travel + fees.diagnostic + fees.compensation, 0)

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            rules.intervention_fees("maybe", 1, 1, 20)
        with self.assertRaises(ValueError):
            rules.intervention_fees("refused", -1, 1, 20)
        with self.assertRaises(ValueError):
            rules.compensation_amount(10, 101)
        with self.assertRaises(ValueError):
            rules.travel_fee(-1, flat=10)
        with self.assertRaises(ValueError):
            rules.travel_fee(1, flat=-10)

    def test_travel_fee_by_zone_or_distance(self):
        zones = [(20, 40), (10, 25)]  # unsorted on purpose
        self.assertEqual(rules.travel_fee(5, zones), Decimal(25))
        self.assertEqual(rules.travel_fee(10, zones), Decimal(25))
        self.assertEqual(rules.travel_fee(12, zones), Decimal(40))
        # beyond the zones, or without zones: flat + per km
        self.assertEqual(rules.travel_fee(12, flat=30, per_km="0.5"), Decimal(36))
        self.assertEqual(
            rules.travel_fee(25, zones, flat=30, per_km="0.5"), Decimal("42.50")
        )
        # unknown distance: the flat fee
        self.assertEqual(rules.travel_fee(None, zones, flat=30, per_km=1), 30)

    def test_distance_and_service_area(self):
        # Paris Notre-Dame -> Versailles palace: about 17.5 km
        distance = rules.distance_km(48.8530, 2.3499, 48.8049, 2.1204)
        self.assertAlmostEqual(distance, 17.6, delta=0.3)
        self.assertTrue(rules.outside_service_area(distance, 15))
        self.assertFalse(rules.outside_service_area(distance, 20))
        self.assertFalse(rules.outside_service_area(None, 15))
        self.assertEqual(rules.distance_km(45.5, -73.6, 45.5, -73.6), 0)

    def test_late_cancellation(self):
        start = datetime(2026, 3, 10, 9, 0)
        notice = 24
        self.assertFalse(
            rules.is_late_cancellation(start, datetime(2026, 3, 9, 9, 0), notice)
        )
        self.assertTrue(
            rules.is_late_cancellation(start, datetime(2026, 3, 9, 9, 1), notice)
        )
        self.assertTrue(
            rules.is_late_cancellation(start, datetime(2026, 3, 10, 10, 0), notice)
        )
        self.assertFalse(rules.is_late_cancellation(False, datetime.now(), notice))

    def test_reminder_is_the_day_before(self):
        self.assertEqual(rules.reminder_date(date(2026, 3, 1)), date(2026, 2, 28))

    @settings(max_examples=200, deadline=None)
    @given(travel=money, diagnostic=money, rate=st.integers(0, 100))
    def test_stopped_is_refused_plus_compensation(self, travel, diagnostic, rate):
        refused = rules.intervention_fees("refused", travel, diagnostic, rate)
        stopped = rules.intervention_fees("stopped", travel, diagnostic, rate)
        self.assertEqual(stopped.total - refused.total, stopped.compensation)
        self.assertLessEqual(stopped.compensation, diagnostic)
        self.assertGreaterEqual(stopped.compensation, 0)
