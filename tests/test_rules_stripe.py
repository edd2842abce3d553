# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""rules.stripe_difference: Stripe's balance against Odoo's, to the cent."""

from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..rules import stripe_difference


@tagged("at_install", "-post_install")
class TestRulesStripeDifference(BaseCase):
    def test_balanced(self):
        result = stripe_difference(27.25, 27.25, 0, 0)
        self.assertEqual(result.difference, Decimal("0.00"))
        self.assertTrue(result.balanced)
        self.assertEqual(result.unexplained, Decimal("0.00"))

    def test_float_noise_is_not_a_difference(self):
        # 0.1 + 0.2 != 0.3 in floats: to the cent, they agree
        result = stripe_difference(0.3, 0.1 + 0.2, 0, 0)
        self.assertTrue(result.balanced)

    def test_not_imported_and_outside_statements(self):
        # Stripe has 9.60 the journal has not imported; Odoo has a 5.00
        # entry Stripe does not know: 4.60 apart, all explained
        result = stripe_difference(36.85, 32.25, 9.60, 5.00)
        self.assertEqual(result.difference, Decimal("4.60"))
        self.assertFalse(result.balanced)
        self.assertEqual(result.not_imported, Decimal("9.60"))
        self.assertEqual(result.outside_statements, Decimal("5.00"))
        self.assertEqual(result.unexplained, Decimal("0.00"))

    def test_unexplained(self):
        result = stripe_difference(100, 98.5, 0, 0)
        self.assertEqual(result.difference, Decimal("1.50"))
        self.assertEqual(result.unexplained, Decimal("1.50"))
        result = stripe_difference(100, 101.005, 0.5, 0)
        self.assertEqual(result.difference, Decimal("-1.01"))
        self.assertEqual(result.unexplained, Decimal("-1.51"))
