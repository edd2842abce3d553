# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24: OCA's Stripe statement import, pointed at the Stripe stand-in by
its API base, reads the balance transactions of captured holds, a refund and
a payout: one statement line per transaction and one per fee, labelled with
the invoice number the addon put in the payments' metadata."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .stripe_standin import StripeStandIn
from .test_card_hold_stripe import SECRET_KEY, WEBHOOK_SECRET, CardHoldStripeCommon


@tagged("post_install", "-at_install")
class TestStripeStatementImport(CardHoldStripeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journal = cls.stripe.journal_id
        cls.journal.write(
            {
                "bank_statements_source": "online",
                "online_bank_statement_provider": "stripe",
            }
        )
        cls.provider = cls.journal.online_bank_statement_provider_id
        cls.provider.write(
            {
                "password": SECRET_KEY,
                "statement_creation_mode": "monthly",
                "tz": "UTC",
            }
        )

    def setUp(self):
        # a Stripe account of its own for each test: its balance is the test's
        self.standin = StripeStandIn(webhook_secret=WEBHOOK_SECRET).start()
        self.addCleanup(self.standin.stop)
        url = self.standin.url
        self.startPatcher(
            patch.object(
                type(self.env["payment.provider"]),
                "_build_request_url",
                lambda _provider, endpoint, **kwargs: url + endpoint,
            )
        )
        # OCA's importer, pointed at the stand-in by its API base
        self.provider.api_base = url.rstrip("/")
        super().setUp()

    def _charged_hold(self, ticket, minutes):
        hold = self._create_hold(ticket=ticket)
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(ticket, minutes)
        self._charge(hold)
        charge_id = self.standin.payment_intents[intent_id]["latest_charge"]
        return hold, self.standin.charges[charge_id]

    def _pull(self):
        """The accountant's "pull" over the days the stand-in's clock spans
        (its clock runs ahead after ``advance``)."""
        now = datetime.fromtimestamp(self.standin.now(), UTC).replace(tzinfo=None)
        since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
        self.provider._pull(since, now + timedelta(days=1))
        return self.env["account.bank.statement.line"].search(
            [("journal_id", "=", self.journal.id)], order="unique_import_id"
        )

    def test_import_charges_fees_refund_and_payout(self):
        self.assertEqual(self.journal.type, "bank")
        currency = self.journal.currency_id or self.journal.company_id.currency_id
        self.assertEqual(currency, self.company.currency_id)
        second_ticket = self._create_ticket(self.customer_contact, name="Printer")
        hold_a, charge_a = self._charged_hold(self.ticket, 30)  # 50.00 + 20 %
        hold_b, charge_b = self._charged_hold(second_ticket, 45)  # 75.00 + 20 %
        self.assertEqual(
            (charge_a["amount_captured"], charge_b["amount_captured"]), (6000, 9000)
        )
        # the customer is refunded 20.00 from Stripe's dashboard, then the
        # charges become available and 100.00 are paid out to the bank
        refund = self._stripe_call(
            "POST", "refunds", charge=charge_b["id"], amount=2000
        ).json()
        self.standin.advance(days=2)
        payout = self._stripe_call(
            "POST", "payouts", amount=10000, currency=currency.name.lower()
        ).json()
        self.assertEqual(payout["object"], "payout", payout)
        available, pending = self.standin.balance(currency.name)
        # fees: 1.5 % + 0.25 of 60.00 and of 90.00
        fee_a, fee_b = self.standin.fee_for(6000), self.standin.fee_for(9000)
        self.assertEqual((fee_a, fee_b), (115, 160))
        self.assertEqual(
            (available, pending), (6000 - 115 + 9000 - 160 - 2000 - 10000, 0)
        )

        lines = self._pull()
        txn = {
            obj["id"]: self.standin.balance_transactions[obj["balance_transaction"]]
            for obj in (charge_a, charge_b, refund, payout)
        }
        # OCA prefixes the journal's id: "<journal id>-<balance transaction>"
        by_id = {line.unique_import_id.rsplit("-", 1)[1]: line for line in lines}
        self.assertEqual(len(lines), 6)  # 2 charges, their 2 fees, refund, payout
        for hold, charge, fee in ((hold_a, charge_a, fee_a), (hold_b, charge_b, fee_b)):
            invoice = hold.invoice_id
            self.assertTrue(invoice.name.startswith("INV/"), invoice.name)
            line = by_id[txn[charge["id"]]["id"]]
            self.assertEqual(
                line.payment_ref, f"stripe {invoice.name} charge {charge['id']} card"
            )
            self.assertEqual(line.ref, invoice.name)
            self.assertEqual(line.amount, invoice.amount_total)
            fee_line = by_id[txn[charge["id"]]["id"] + "_fee"]
            self.assertEqual(
                fee_line.payment_ref,
                f"stripe fee {invoice.name} charge {charge['id']} card",
            )
            self.assertEqual(currency.compare_amounts(fee_line.amount, -fee / 100), 0)
        refund_line = by_id[txn[refund["id"]]["id"]]
        self.assertEqual(refund_line.amount, -20.0)
        self.assertIn(refund["id"], refund_line.payment_ref)
        payout_line = by_id[txn[payout["id"]]["id"]]
        self.assertEqual(payout_line.amount, -100.0)
        self.assertIn(payout["id"], payout_line.payment_ref)
        # to the cent: the journal's lines add up to the stand-in's balance
        self.assertEqual(
            currency.compare_amounts(sum(lines.mapped("amount")), available / 100), 0
        )
        self.assertEqual(round(sum(lines.mapped("amount")) * 100), available)
        self.assertEqual(round(sum(lines.mapped("amount")), 2), 27.25)

        # pulling again imports nothing twice
        self.assertEqual(self._pull(), lines)

    def test_import_pages_through_balance_transactions(self):
        """More transactions than a page holds: the importer follows
        ``has_more``/``starting_after`` (Stripe's default page is 10)."""
        hold, charge = self._charged_hold(self.ticket, 30)
        currency = self.company.currency_id.name.lower()
        for n in range(11):  # payments made outside Odoo
            response = self._stripe_call(
                "POST",
                "payment_intents",
                amount=1000 + n,
                currency=currency,
                confirm="true",
                payment_method="pm_card_visa",
            )
            self.assertEqual(response.json()["status"], "succeeded", response.text)
        lines = self._pull()
        self.assertEqual(len(lines), 24)  # 12 charges and their 12 fees
        listing = [
            r for r in self.standin.requests if r["path"] == "/v1/balance_transactions"
        ]
        self.assertEqual(len(listing), 2)
        self.assertNotIn("starting_after", listing[0]["form"])
        self.assertIn("starting_after", listing[1]["form"])
        self.assertEqual(
            round(sum(lines.mapped("amount")) * 100),
            sum(self.standin.balance(currency)),
        )
        self.assertEqual(
            len(lines.filtered(lambda line: hold.invoice_id.name in line.payment_ref)),
            2,
        )
        self.assertIn(charge["id"], " ".join(lines.mapped("payment_ref")))
