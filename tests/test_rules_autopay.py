# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The retry schedule of the automatic card payments (issue 25), without
database."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from .. import rules


@tagged("at_install", "-post_install")
class TestAutopayRules(BaseCase):
    def test_parse_retry_days(self):
        self.assertEqual(rules.parse_retry_days("1,3,7"), (1, 3, 7))
        self.assertEqual(rules.parse_retry_days(" 2 , 5 "), (2, 5))
        self.assertEqual(rules.parse_retry_days(""), ())
        self.assertEqual(rules.parse_retry_days(False), ())
        for bad in ("3,1", "1,1", "0,2", "1,61", "a", "1;3", "1,,3", "-1", "1.5"):
            with self.subTest(text=bad), self.assertRaises(ValueError):
                rules.parse_retry_days(bad)
        with self.assertRaises(ValueError):
            rules.parse_retry_days(",".join(str(d) for d in range(1, 12)))

    def test_next_retry_date(self):
        first = date(2026, 3, 1)
        days = (1, 3, 7)
        self.assertEqual(rules.next_retry_date(first, 1, days), date(2026, 3, 2))
        self.assertEqual(rules.next_retry_date(first, 2, days), date(2026, 3, 4))
        self.assertEqual(rules.next_retry_date(first, 3, days), date(2026, 3, 8))
        self.assertIsNone(rules.next_retry_date(first, 4, days))
        self.assertIsNone(rules.next_retry_date(first, 1, ()))
        with self.assertRaises(ValueError):
            rules.next_retry_date(first, 0, days)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        st.sets(st.integers(1, 60), min_size=1, max_size=10),
        st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    )
    def test_schedule_round_trip(self, days, first):
        days = sorted(days)
        parsed = rules.parse_retry_days(",".join(map(str, days)))
        self.assertEqual(parsed, tuple(days))
        dates = [
            rules.next_retry_date(first, n, parsed) for n in range(1, len(days) + 2)
        ]
        self.assertIsNone(dates[-1])
        self.assertEqual([(d - first).days for d in dates[:-1]], days)
        self.assertEqual(dates[:-1], sorted(dates[:-1]))

    def test_autopay_lookup_since(self):
        self.assertEqual(
            rules.autopay_lookup_since(1_900_000_000),
            1_900_000_000 - rules.AUTOPAY_LOOKUP_MARGIN,
        )
        self.assertEqual(rules.autopay_lookup_since(10), 0)

    def test_autopay_find_intent(self):
        intents = [
            {"id": "pi_3", "created": 30, "status": "succeeded", "metadata": {}},
            {
                "id": "pi_2",
                "created": 20,
                "status": "requires_payment_method",
                "metadata": {"odoo_reference": "INV/1-1"},
            },
            {
                "id": "pi_1",
                "created": 10,
                "status": "succeeded",
                "description": "INV/1-2",
                "metadata": {},
            },
        ]
        self.assertEqual(rules.autopay_find_intent(intents, "INV/1-1")["id"], "pi_2")
        self.assertEqual(rules.autopay_find_intent(intents, "INV/1-2")["id"], "pi_1")
        self.assertIsNone(rules.autopay_find_intent(intents, "INV/1-3"))
        self.assertIsNone(rules.autopay_find_intent(intents, ""))
        self.assertIsNone(rules.autopay_find_intent([], "INV/1-1"))
        # two for one reference (never expected): the one that took money
        twins = [
            {"id": "pi_b", "created": 2, "status": "canceled", "description": "R"},
            {"id": "pi_a", "created": 1, "status": "succeeded", "description": "R"},
        ]
        self.assertEqual(rules.autopay_find_intent(twins, "R")["id"], "pi_a")

    def test_autopay_recovery(self):
        settled = rules.AUTOPAY_SETTLE_SECONDS
        for status, expected in (
            ("succeeded", "paid"),
            ("processing", "wait"),
            ("requires_capture", "wait"),
            ("requires_action", "authentication"),
            ("requires_confirmation", "authentication"),
            ("requires_payment_method", "charge"),
            ("canceled", "charge"),
            ("something_new", "wait"),
        ):
            with self.subTest(status=status):
                self.assertEqual(rules.autopay_recovery(status, 0), expected)
                self.assertEqual(rules.autopay_recovery(status, settled), expected)
        # Stripe has no PaymentIntent: nothing taken, once the request cannot
        # be running any more
        self.assertEqual(rules.autopay_recovery(None, settled - 1), "wait")
        self.assertEqual(rules.autopay_recovery(None, -60), "wait")
        self.assertEqual(rules.autopay_recovery(None, settled), "charge")
