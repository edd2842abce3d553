# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Prepaid ticket arithmetic, without database (odoo.tests.BaseCase)."""

import math
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from .. import rules

minutes = st.integers(min_value=0, max_value=10_000)
balances = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=50),
        st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    ),
    max_size=6,
)


@tagged("at_install", "-post_install")
class TestPackRules(BaseCase):
    def test_tickets_needed_edges(self):
        cases = {0: 0, 1: 1, 5: 1, 30: 1, 31: 2, 60: 2, 61: 3, 90: 3, 91: 4}
        for worked, tickets in cases.items():
            with self.subTest(worked=worked):
                self.assertEqual(rules.tickets_needed(worked), tickets)

    @settings(max_examples=200, deadline=None)
    @given(minutes)
    def test_tickets_needed_property(self, worked):
        billed = rules.billed_minutes(worked)
        needed = rules.tickets_needed(worked)
        self.assertEqual(needed, math.ceil(billed / rules.DEFAULT_TERMS.credit_minutes))
        # enough tickets to cover the billed time, never one too many
        self.assertGreaterEqual(needed * rules.DEFAULT_TERMS.credit_minutes, billed)
        if needed:
            self.assertLess((needed - 1) * rules.DEFAULT_TERMS.credit_minutes, billed)
        self.assertEqual(rules.prepaid_minutes(needed, billed), billed)

    @settings(max_examples=200, deadline=None)
    @given(st.integers(min_value=0, max_value=200), balances)
    def test_allocation_property(self, needed, packs):
        keyed = [(i, remaining, expiry) for i, (remaining, expiry) in enumerate(packs)]
        allocation, shortfall = rules.allocate_tickets(needed, keyed)
        taken = dict(allocation)
        total = sum(remaining for remaining, _expiry in packs)
        # all needed tickets are either taken or missing; never more
        self.assertEqual(sum(taken.values()) + shortfall, needed)
        self.assertEqual(shortfall, max(0, needed - total))
        for key, count in allocation:
            self.assertGreater(count, 0)
            self.assertLessEqual(count, keyed[key][1])
        # earliest expiry first: a later pack is used only if earlier ones are empty
        for key, _count in allocation:
            for other, remaining, expiry in keyed:
                if expiry < keyed[key][2]:
                    self.assertEqual(taken.get(other, 0), remaining)

    def test_allocation_order_and_shortfall(self):
        packs = [("b", 5, date(2026, 9, 1)), ("a", 2, date(2026, 7, 1))]
        self.assertEqual(rules.allocate_tickets(3, packs), ([("a", 2), ("b", 1)], 0))
        self.assertEqual(rules.allocate_tickets(9, packs), ([("a", 2), ("b", 5)], 2))
        self.assertEqual(rules.allocate_tickets(0, packs), ([], 0))
        with self.assertRaises(ValueError):
            rules.allocate_tickets(-1, packs)

    @settings(max_examples=100, deadline=None)
    @given(
        st.integers(min_value=0, max_value=60),
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=20),
                st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 1, 1)),
            ),
            max_size=5,
        ),
    )
    def test_give_back_property(self, excess, consumed):
        keyed = [(i, n, d) for i, (n, d) in enumerate(consumed)]
        back = rules.give_back(excess, keyed)
        self.assertEqual(
            sum(n for _k, n in back),
            min(excess, sum(consumed_n for consumed_n, _d in consumed)),
        )
        for key, count in back:
            self.assertLessEqual(count, keyed[key][1])

    def test_rollover_and_expiry(self):
        self.assertEqual(rules.rollover_count([3, 0, 2]), 5)
        with self.assertRaises(ValueError):
            rules.rollover_count([-1])
        self.assertEqual(
            rules.pack_expiry_date(date(2026, 1, 31), 6), date(2026, 7, 31)
        )
        self.assertEqual(
            rules.pack_expiry_date(date(2026, 8, 31), 6), date(2027, 2, 28)
        )
        self.assertEqual(
            rules.pack_expiry_date(date(2027, 8, 31), 6), date(2028, 2, 29)
        )
        with self.assertRaises(ValueError):
            rules.pack_expiry_date(date(2026, 1, 1), 5)

    @given(
        st.integers(min_value=-5, max_value=100),
        st.integers(min_value=0, max_value=36),
        st.booleans(),
    )
    def test_pack_definition(self, tickets, months, multi):
        error = rules.check_pack_definition(tickets, months, multi)
        valid = tickets >= 1 and months >= 6 and (not multi or tickets >= 20)
        self.assertEqual(error is None, valid)

    def test_packs_in_quantity(self):
        cases = [(1, 1), (1.0, 1), (3.0, 3), (12, 12), (0, None), (0.0, None)]
        cases += [(0.5, None), (-1, None), (-0.5, None), (1.5, None)]
        cases += [(2.0001, None)]
        for quantity, packs in cases:
            with self.subTest(quantity=quantity):
                self.assertEqual(rules.packs_in_quantity(quantity), packs)
        # float noise of a computed quantity is still a whole pack
        self.assertEqual(rules.packs_in_quantity(0.1 + 0.2 + 0.7), 1)

    def test_refunded_tickets_examples(self):
        # a 10-ticket pack sold 400.00
        cases = {0: 0, 10: 1, 40: 1, 40.01: 1, 40.5: 2, 100: 3, 200: 5, 399.99: 10}
        cases.update({400: 10, 500: 10})
        for refunded, lost in cases.items():
            with self.subTest(refunded=refunded):
                self.assertEqual(rules.refunded_tickets(10, 400, refunded), lost)
        # a cent of rounding never costs a ticket: 3 tickets for 100.00
        self.assertEqual(rules.refunded_tickets(3, 100, 33.33), 1)
        self.assertEqual(rules.refunded_tickets(3, 100, 33.34), 1)
        self.assertEqual(rules.refunded_tickets(3, 100, 66.67), 2)
        self.assertEqual(rules.refunded_tickets(10, 0, 50), 0)  # a free pack
        with self.assertRaises(ValueError):
            rules.refunded_tickets(10, 400, -1)

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(min_value=1, max_value=200),
        st.decimals(min_value=1, max_value=10_000, places=2),
        st.lists(st.decimals(min_value=0, max_value=5_000, places=2), max_size=4),
    )
    def test_refunded_tickets_property(self, bought, sold, refunds):
        lost, refunded = 0, 0
        for refund in refunds:
            refunded += refund
            now = rules.refunded_tickets(bought, sold, refunded)
            # never less than before, never more than bought
            self.assertGreaterEqual(now, lost)
            self.assertLessEqual(now, bought)
            lost = now
        # the customer keeps no ticket more than what is still paid
        kept = bought - lost
        self.assertLessEqual(
            kept * sold / bought,
            max(sold - refunded, 0) + Decimal("0.005") * sold / bought,
        )
        if refunded >= sold:
            self.assertEqual(lost, bought)
