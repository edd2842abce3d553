# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Automatic top-up of prepaid credits (issue 25): one pack invoiced and
charged to the subscription's card when the credits fall to the customer's
threshold, once, also when two tickets take the last credits at once."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import api, fields
from odoo.exceptions import AccessError, UserError
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
        # taxes on: 20 % on the pack, mapped to 10 % by the customer's
        # fiscal position
        tax_vals = {
            "amount_type": "percent",
            "type_tax_use": "sale",
            "company_id": cls.company.id,
        }
        cls.tax_20 = cls.env["account.tax"].create(
            dict(tax_vals, name="VAT 20 %", amount=20.0)
        )
        cls.tax_10 = cls.env["account.tax"].create(
            dict(tax_vals, name="VAT 10 %", amount=10.0)
        )
        cls.fiscal_position = cls.env["account.fiscal.position"].create(
            {"name": "Reduced rate", "company_id": cls.company.id}
        )
        cls.tax_10.write(
            {
                "fiscal_position_ids": [(6, 0, cls.fiscal_position.ids)],
                "original_tax_ids": [(6, 0, cls.tax_20.ids)],
            }
        )
        cls.customer.with_company(
            cls.company
        ).property_account_position_id = cls.fiscal_position
        cls.pack_product = cls.env["product.product"].create(
            {
                "name": "Pack 5",
                "type": "service",
                "support_is_pack": True,
                "support_pack_ticket_count": 5,
                "support_pack_validity_months": 12,
                "list_price": 199.99,
                "taxes_id": [(6, 0, cls.tax_20.ids)],
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
        # paid by the subscription's card, yet not an invoice of it
        self.assertEqual(topup.support_topup_token_id, sub.payment_token_id)
        self.assertEqual(topup._support_autopay_token(), sub.payment_token_id)
        self.assertFalse(topup.support_subscription_id)
        self.assertNotIn(topup, sub.invoice_ids)
        self.assertEqual(sub.invoice_count, 1)
        self.assertEqual(topup.support_autopay_state, "to_charge")
        self.assertEqual(topup.invoice_line_ids.product_id, self.pack_product)
        self._log(ticket, 30)  # 1 left: the top-up is under way, no second
        self.assertEqual(len(_topups(self.env, self.customer.ids)), 1)
        # never dunned nor suspending the subscription
        self.assertNotIn(topup, sub._support_unpaid_invoices())
        with freeze_time(topup.invoice_date_due + timedelta(days=60)):
            sub._cron_support_collect()
        self.assertFalse(sub.suspension_date)
        self.assertFalse(topup.support_dunning_sent)
        # paid: the pack is the customer's; the next fall buys again
        self._register_bank_payment(topup)
        self.assertEqual(self.customer.support_pack_remaining, 6)
        self.customer_contact._support_set_topup(0, self.pack_product, self.company)
        self.assertFalse(self.customer.support_topup_product_id)

    def _topup_with_card(self):
        # Ben is the subscription's user; Anna's tickets use the credits
        sub = self._subscribe(self.customer_contact2)
        self._tokenizing_tx(sub.first_invoice_id, partner=self.customer_contact2)
        self.customer_contact._support_set_topup(1, self.pack_product, self.company)
        self._pack(2)
        ticket = self._create_ticket(self.customer_contact, closed=False)
        self._log(ticket, 30)  # 1 credit left: top up
        return sub, _topups(self.env, self.customer.ids)

    def _post_process(self):
        with patch.object(self.env.cr, "commit", self.env.flush_all):
            self.env["payment.transaction"]._cron_post_process()
        self.env.invalidate_all()

    def test_topup_charged_tax_included_to_the_cent(self):
        """20 % on the pack, 10 % by the customer's fiscal position: the
        card is charged the invoice's tax-included total, to the cent."""
        sub, topup = self._topup_with_card()
        self.assertEqual(len(topup), 1)
        line = topup.invoice_line_ids
        self.assertEqual(line.tax_ids, self.tax_10)
        self.assertEqual(topup.fiscal_position_id, self.fiscal_position)
        currency = topup.currency_id
        expected = currency.round(
            self.pack_product.list_price * (1 + self.tax_10.amount / 100)
        )
        self.assertEqual(currency.compare_amounts(topup.amount_total, expected), 0)
        self.assertEqual(
            currency.compare_amounts(topup.amount_tax, expected - line.price_subtotal),
            0,
        )
        attempt = topup._support_autopay_charge()
        self.assertEqual(attempt.outcome, "succeeded")
        self.assertEqual(attempt.token_id, sub.payment_token_id)
        self.assertFalse(attempt.subscription_id)
        tx = attempt.transaction_id
        self.assertEqual(tx.operation, "offline")
        self.assertEqual(currency.compare_amounts(tx.amount, expected), 0)
        self._post_process()
        self.assertIn(topup.payment_state, ("paid", "in_payment"))
        self.assertEqual(topup.support_autopay_state, "paid")
        payments = topup.transaction_ids.payment_id
        self.assertEqual(len(payments), 1)
        self.assertEqual(currency.compare_amounts(payments.amount, expected), 0)
        self.assertEqual(currency.compare_amounts(topup.amount_residual, 0), 0)
        # charged once: a second charge finds nothing to do
        self.assertFalse(topup._support_autopay_charge(manual=True))
        self.assertEqual(self.customer.support_pack_remaining, 1 + 5)

    def test_stopping_the_card_stops_the_topup(self):
        sub, topup = self._topup_with_card()
        self.assertEqual(topup.support_autopay_state, "to_charge")
        sub._support_stop_card()
        self.assertEqual(topup.support_autopay_state, "stopped")
        self.assertFalse(topup._support_autopay_charge())
        self.assertFalse(topup.transaction_ids)

    def test_replaced_card_pays_the_pending_topup(self):
        sub, topup = self._topup_with_card()
        new = self._tokenizing_tx(sub=sub, partner=self.customer_contact2).token_id
        self.assertEqual(sub.payment_token_id, new)
        self.assertEqual(topup.support_topup_token_id, new)
        self.assertEqual(topup._support_autopay_token(), new)

    def test_topup_flag_protected(self):
        sub = self._active_subscription()
        with self.assertRaises(Exception):  # noqa: B017 -- AccessError
            sub.invoice_ids[:1].with_user(self.accountant).write(
                {"support_topup": True}
            )
        token = self._card(self.customer_contact)
        with self.assertRaises(AccessError):
            sub.invoice_ids[:1].with_user(self.accountant).write(
                {"support_topup_token_id": token.id}
            )
        self.assertFalse(sub.invoice_ids[:1].support_topup_token_id)


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
