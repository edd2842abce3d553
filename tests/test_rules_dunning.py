# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Collection of subscription invoices: reminder and suspension dates, card
expiry (issue 25), without database."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from .. import rules

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@tagged("at_install", "-post_install")
class TestDunningRules(BaseCase):
    def test_parse_day_list(self):
        self.assertEqual(rules.parse_day_list("20, 10;10"), (10, 20))
        self.assertEqual(rules.parse_day_list(""), ())
        for bad in ("0", "-3", "ten", "1.5"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                rules.parse_day_list(bad)

    def test_reminders_after_the_last_retry(self):
        # due on 1 March, retries 1, 3 and 7 days later: last retry 8 March,
        # reminders on the 18th and the 28th
        due = date(2030, 3, 1)
        self.assertEqual(rules.last_retry_date(due, (3, 1, 7)), date(2030, 3, 8))
        self.assertEqual(
            rules.dunning_reminder_dates(due, (1, 3, 7), (10, 20)),
            (date(2030, 3, 18), date(2030, 3, 28)),
        )
        # no card, no retry: counted from the due date
        self.assertEqual(
            rules.dunning_reminder_dates(due, (), (10, 20)),
            (date(2030, 3, 11), date(2030, 3, 21)),
        )

    def test_one_reminder_per_run(self):
        due = date(2030, 3, 1)
        args = (due, (7,), (10, 20))
        self.assertEqual(rules.reminders_due(date(2030, 3, 17), *args, 0), (0, False))
        self.assertEqual(rules.reminders_due(date(2030, 3, 18), *args, 0), (1, True))
        self.assertEqual(rules.reminders_due(date(2030, 3, 19), *args, 1), (1, False))
        # a cron down for weeks: one reminder (the latest), never two
        self.assertEqual(rules.reminders_due(date(2030, 4, 30), *args, 0), (2, True))
        self.assertEqual(rules.reminders_due(date(2030, 4, 30), *args, 2), (2, False))

    def test_suspension(self):
        due = date(2030, 3, 1)
        self.assertEqual(rules.suspension_date(due), date(2030, 3, 31))
        self.assertEqual(rules.suspension_date(due, 45), date(2030, 4, 15))
        suspended = date(2030, 3, 31)
        self.assertTrue(rules.is_suspended_on(date(2030, 3, 30), suspended))
        self.assertFalse(rules.is_suspended_on(date(2030, 3, 31), suspended))
        self.assertFalse(rules.is_suspended_on(date(2030, 4, 2), suspended))
        self.assertTrue(rules.is_suspended_on(date(2030, 4, 2), None))

    @settings(max_examples=200, deadline=None)
    @given(
        due=days,
        retries=st.lists(st.integers(1, 30), max_size=4),
        reminders=st.lists(st.integers(1, 60), min_size=1, max_size=4),
    )
    def test_reminders_follow_the_last_retry(self, due, retries, reminders):
        dates = rules.dunning_reminder_dates(due, tuple(retries), tuple(reminders))
        self.assertEqual(len(dates), len(set(reminders)))
        self.assertEqual(list(dates), sorted(dates))
        last = due + timedelta(days=max(retries, default=0))
        self.assertTrue(all(day > last for day in dates))
        self.assertEqual(dates[0], last + timedelta(days=min(reminders)))

    def test_card_expiry(self):
        today = date(2030, 3, 15)
        self.assertTrue(rules.card_expires_in_month(3, 2030, today))
        self.assertFalse(rules.card_expires_in_month(4, 2030, today))
        self.assertFalse(rules.card_expires_in_month(3, 2031, today))
        self.assertFalse(rules.card_expires_in_month(0, 0, today))  # unknown
        self.assertTrue(rules.card_expired(2, 2030, today))
        self.assertTrue(rules.card_expired(12, 2029, today))
        self.assertFalse(rules.card_expired(3, 2030, today))
        self.assertFalse(rules.card_expired(None, None, today))
        self.assertEqual(rules.month_key(today), "2030-03")
