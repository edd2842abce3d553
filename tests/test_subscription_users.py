# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .test_subscription import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionAuthorisedUsers(SubscriptionCommon):
    def test_outside_user_with_an_account_is_not_duplicated(self):
        """Adding a person who already has a portal account links her own
        partner: no duplicate, and her tickets are covered (issue 30, 11)."""
        sub = self._active_subscription(self.customer_contact)
        partners = self.env["res.partner"].with_context(active_test=False)
        before = partners.search_count([("email", "=ilike", "zeta@example.test")])
        added = sub._add_authorized_user("Zeta P.", " ZETA@example.test ")
        self.assertEqual(added, self.other_portal_user.partner_id)
        self.assertEqual(
            partners.search_count([("email", "=ilike", "zeta@example.test")]), before
        )
        self.assertIn(self.other_customer, sub.authorized_user_ids)
        with freeze_time("2030-03-20"):
            ticket = self._create_ticket(self.other_customer, name="Outlook")
            entry = self._log(ticket, 25)
            self.assertEqual(ticket.support_billing_mode, "subscription")
            self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertEqual(entry.state, "covered")
        self.assertFalse(entry.invoice_line_id)
