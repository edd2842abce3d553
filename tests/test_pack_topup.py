# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Automatic top-up of prepaid credits (issue 25): one pack invoiced and
charged to the subscription's card when the credits fall to the customer's
threshold, once, also when two tickets take the last credits at once."""

from odoo import api, fields
from odoo.exceptions import UserError
from odoo.http import Request
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from . import test_ticket_pack
from .test_subscription_autopay import AutopayCommon


def _topups(env, partner_ids):
    return env["account.move"].search(
        [("partner_id", "in", partner_ids), ("support_topup", "=", True)]
    )


@tagged("post_install", "-at_install")
class TestPackTopup(AutopayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.support_trial_eligible = False
        cls.pack_product = cls.env["product.product"].create(
            {
                "name": "Pack 5",
                "type": "service",
                "support_is_pack": True,
                "support_pack_ticket_count": 5,
                "support_pack_validity_months": 12,
                "list_price": 200.0,
                "taxes_id": [(5, 0, 0)],
            }
        )

    def _pack(self, credits):
        pack = self.env["support.ticket.pack"].create(
            {
                "company_id": self.company.id,
                "product_id": self.pack_product.id,
                "partner_id": self.customer.id,
                "buyer_id": self.customer_contact.id,
                "user_ids": [(6, 0, self.customer_contact.ids)],
                "expiry_date": "2099-01-01",
            }
        )
        pack._add_move("purchase", tickets=credits)
        return pack

    def test_top_up_once_at_the_threshold(self):
        # Ben is the subscription's user; Anna's tickets use the credits
        with self.assertRaisesRegex(UserError, "save a card"):
            self.customer_contact._support_set_topup(1, self.pack_product, self.company)
        sub = self._subscribe(self.customer_contact2)
        card = self._tokenizing_tx(sub.first_invoice_id, partner=self.customer_contact2)
        self.assertEqual(sub.payment_token_id, card.token_id)
        self.customer_contact._support_set_topup(2, self.pack_product, self.company)
        self.assertEqual(self.customer.support_topup_threshold, 2)
        self._pack(4)
        ticket = self._create_ticket(self.customer_contact, closed=False)
        self._log(ticket, 30)  # 1 credit: 3 left
        self.assertFalse(_topups(self.env, self.customer.ids))
        self._log(ticket, 30)  # 2 left: top up
        topup = _topups(self.env, self.customer.ids)
        self.assertEqual(len(topup), 1)
        self.assertEqual(topup.state, "posted")
        self.assertEqual(topup.support_subscription_id, sub)
        self.assertEqual(topup.support_autopay_state, "to_charge")
        self.assertEqual(topup.invoice_line_ids.product_id, self.pack_product)
        self._log(ticket, 30)  # 1 left: the top-up is under way, no second
        self.assertEqual(len(_topups(self.env, self.customer.ids)), 1)
        # never dunned nor suspending the subscription
        self.assertNotIn(topup, sub._support_unpaid_invoices())
        # paid: the pack is the customer's; the next fall buys again
        self._register_bank_payment(topup)
        self.assertEqual(self.customer.support_pack_remaining, 6)
        self.customer_contact._support_set_topup(0, self.pack_product, self.company)
        self.assertFalse(self.customer.support_topup_product_id)

    def test_topup_flag_protected(self):
        sub = self._active_subscription()
        with self.assertRaises(Exception):  # noqa: B017 -- AccessError
            sub.invoice_ids[:1].with_user(self.accountant).write(
                {"support_topup": True}
            )


@tagged("post_install", "-at_install")
class TestPackTopupConcurrency(test_ticket_pack.TestTicketPackConcurrency):
    """Two tickets take the last credits at once: one pack is bought."""

    # the fixture of the packs' race; its own races run there
    test_busy_pack_is_not_counted_as_empty = None
    test_last_tickets_taken_once = None
    test_last_ticket_race_without_coordination = None

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, 1, {})
            company = env.ref("base.main_company")
            customer, contact = env["res.partner"].browse(self.ids["partner"])
            provider = env.ref("payment.payment_provider_demo")
            token = env["payment.token"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "partner_id": contact.id,
                    "payment_details": "4242",
                    "provider_ref": "race",
                }
            )
            today = fields.Date.context_today(token)
            sub = env["support.subscription"].create(
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "authorized_user_ids": [(6, 0, customer.ids)],
                    "state": "active",
                    "date_start": today,
                    "activation_date": today,
                    "payment_token_id": token.id,
                }
            )
            env["product.product"].browse(self.ids["product"]).sale_ok = True
            customer.write(
                {
                    "support_topup_threshold": 1,
                    "support_topup_product_id": self.ids["product"],
                }
            )
            self.ids.update(token=token.id, subscription=sub.id)
        self.addCleanup(self._cleanup_topup)

    def _cleanup_topup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, 1, {"force_delete": True})
            moves = _topups(env, self.ids["partner"])
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.unlink()
            env["support.subscription"].browse(self.ids["subscription"]).unlink()
            env["payment.token"].browse(self.ids["token"]).unlink()

    def test_last_credits_buy_one_pack(self):
        """2 credits left, threshold 1, two tickets take one each at once:
        one top-up invoice, not two."""
        self._use_tickets(8)
        ticket_a, ticket_b = self.ids["tickets"]
        errors = self._race(
            self._logger_of(ticket_a, 20), self._logger_of(ticket_b, 20), hold=False
        )
        self.assertFalse(errors)
        remaining, _ledger, _tickets = self._state()
        self.assertEqual(remaining, 0)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, 1, {})
            topups = _topups(env, self.ids["partner"])
            self.assertEqual(len(topups), 1)
            self.assertEqual(topups.support_autopay_state, "to_charge")


@tagged("post_install", "-at_install")
class TestPackTopupPortal(AutopayCommon, HttpCase):
    def test_portal_choice(self):
        self.env["product.product"].create(
            {
                "name": "Portal pack 5",
                "type": "service",
                "support_is_pack": True,
                "support_pack_ticket_count": 5,
                "support_pack_validity_months": 12,
                "sale_ok": True,
            }
        )
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/support_balance").text
        self.assertIn('id="support_topup_no_card"', page)
        sub = self._subscribe(self.customer_contact)
        self._tokenizing_tx(sub.first_invoice_id)
        page = self.url_open("/my/support_balance").text
        self.assertIn('id="support_topup_form"', page)
        product = self.env["product.product"].search([("name", "=", "Portal pack 5")])
        with mute_logger("odoo.http"):
            refused = self.url_open(
                "/my/support_balance/topup",
                data={"threshold": "2", "product_id": str(product.id)},
            )
        self.assertEqual(refused.status_code, 400)  # no CSRF token
        self.assertFalse(self.customer.support_topup_threshold)
        response = self.url_open(
            "/my/support_balance/topup",
            data={
                "csrf_token": Request.csrf_token(self),
                "threshold": "2",
                "product_id": str(product.id),
            },
        )
        self.assertIn("Automatic top-up on", response.text)
        self.assertEqual(self.customer.support_topup_threshold, 2)
        self.assertEqual(self.customer.support_topup_product_id, product)
        response = self.url_open(
            "/my/support_balance/topup",
            data={"csrf_token": Request.csrf_token(self), "threshold": "x"},
        )
        self.assertIn("0 or more", response.text)
        self.assertEqual(self.customer.support_topup_threshold, 2)
