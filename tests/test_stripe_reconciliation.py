# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24: the accountant's one-click Stripe reconciliation set-up, and a
month of Stripe reconciled by it to the cent.

The month runs against the Stripe stand-in: card holds captured (some in
part, the rest released), invoices paid online, credit notes refunded,
Stripe's fees, two payouts to the bank (and disputes when the stand-in has
them).  OCA's importer pulls the balance transactions and OCA's automatic
reconciliation, which skips itself in test mode unless the context asks for
it (``_test_account_reconcile_oca``, its own switch), runs at the import as
it does in production."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .. import const
from .stripe_standin import StripeStandIn
from .test_card_hold_stripe import SECRET_KEY, WEBHOOK_SECRET, CardHoldStripeCommon

AUTO = {"_test_account_reconcile_oca": True}


@tagged("post_install", "-at_install")
class TestStripeReconciliation(CardHoldStripeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_accountant = new_test_user(
            cls.env,
            login="sb-chief-accountant",
            groups="base.group_system,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # a French company: Stripe Payments Europe reverse-charges its fees
        france = cls.env.ref("base.fr")
        cls.company.write({"country_id": france.id})
        cls.company.account_fiscal_country_id = france
        cls.reverse_charge = cls._create_reverse_charge_tax(france)
        group = cls.reverse_charge.tax_group_id
        cls.sales_tax.write({"country_id": france.id, "tax_group_id": group.id})
        cls.bank = cls.company_data["default_journal_bank"]
        cls.payment_journal = cls.stripe.journal_id
        cls._setup()

    @classmethod
    def _create_reverse_charge_tax(cls, country):
        """A 20 % reverse charge on services bought in the EU: input VAT
        claimed, output VAT due, nothing paid to the seller."""
        account = cls.env["account.account"]
        input_vat = account.create(
            {
                "name": "VAT deductible",
                "code": "445660",
                "account_type": "asset_current",
            }
        )
        output_vat = account.create(
            {
                "name": "VAT due (EU)",
                "code": "445200",
                "account_type": "liability_current",
            }
        )
        cls.input_vat, cls.output_vat = input_vat, output_vat

        def repartition():
            return [
                Command.create({"repartition_type": "base", "factor_percent": 100}),
                Command.create(
                    {
                        "repartition_type": "tax",
                        "factor_percent": 100,
                        "account_id": input_vat.id,
                    }
                ),
                Command.create(
                    {
                        "repartition_type": "tax",
                        "factor_percent": -100,
                        "account_id": output_vat.id,
                    }
                ),
            ]

        group = cls.env["account.tax.group"].create(
            {"name": "VAT 20 %", "country_id": country.id, "company_id": cls.company.id}
        )
        return cls.env["account.tax"].create(
            {
                "name": "20 % EU services (reverse charge)",
                "tax_group_id": group.id,
                "amount": 20,
                "amount_type": "percent",
                "type_tax_use": "purchase",
                "tax_scope": "service",
                "country_id": country.id,
                "company_id": cls.company.id,
                "invoice_repartition_line_ids": repartition(),
                "refund_repartition_line_ids": repartition(),
            }
        )

    @classmethod
    def _setup(cls):
        settings = (
            cls.env["res.config.settings"].with_user(cls.admin_accountant).create({})
        )
        return settings.action_support_stripe_reconciliation_setup()

    def setUp(self):
        # a Stripe account of its own for each test: its balance is the test's
        self.standin = StripeStandIn(webhook_secret=WEBHOOK_SECRET).start()
        self.addCleanup(self.standin.stop)
        self.standin.default_currency = self.company.currency_id.name.lower()
        url = self.standin.url
        self.startPatcher(
            patch.object(
                type(self.env["payment.provider"]),
                "_build_request_url",
                lambda _provider, endpoint, **kwargs: url + endpoint,
            )
        )
        self.journal = self.stripe.journal_id
        self.provider = self.journal.online_bank_statement_provider_id
        # OCA's importer, pointed at the stand-in by its API base
        self.provider.write(
            {"api_base": url.rstrip("/"), "statement_creation_mode": "monthly"}
        )
        super().setUp()

    # ------------------------------------------------------------ helpers
    def _models(self):
        return self.env["account.reconcile.model"].search(
            [("company_id", "=", self.company.id), ("support_stripe_role", "!=", False)]
        )

    def _captured_hold(self, minutes, hold_minutes=120):
        ticket = self._create_ticket(self.customer_contact, name=f"Hold {minutes}")
        hold = self._create_hold(minutes=hold_minutes, ticket=ticket)
        self._stripe_authorize(hold)
        self._log(ticket, minutes)
        self._charge(hold)
        return hold

    def _create_invoice(self, amount):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_time.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.set(self.sales_tax.ids)],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _pay_online(self, invoice):
        """The customer pays a posted invoice on the portal with a card."""
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.stripe.id,
                "payment_method_id": self.card.id,
                "reference": f"{invoice.name}-pay",
                "amount": invoice.amount_residual,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.customer_contact.id,
                "operation": "online_direct",
                "invoice_ids": [Command.set(invoice.ids)],
            }
        )
        intent_id = tx._get_processing_values()["client_secret"].split("_secret")[0]
        self._stripe_call(
            "POST",
            f"payment_intents/{intent_id}/confirm",
            payment_method="pm_card_visa",
        )
        intent = tx._send_api_request(
            "GET", f"payment_intents/{intent_id}", data={"expand[]": "payment_method"}
        )
        tx._process(
            "stripe",
            {
                "reference": tx.reference,
                "payment_intent": intent,
                "payment_method": intent.get("payment_method"),
            },
        )
        self._run_payment_post_processing()
        self.assertEqual(tx.state, "done")
        return tx

    def _refund_credit_note(self, invoice, amount=None):
        """The accountant credits part of a paid invoice and refunds it on
        the customer's card through Stripe."""
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Refund"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        if amount:  # a part of a one-line invoice, taxes included
            credit_note.invoice_line_ids.price_unit = amount / 1.2
        credit_note.action_post()
        paid_by = invoice._get_reconciled_payments().payment_transaction_id
        refund_tx = paid_by._refund(amount_to_refund=credit_note.amount_total)
        self.assertEqual(refund_tx.state, "done", refund_tx.state_message)
        refund_tx.invoice_ids = credit_note  # the refund pays the credit note
        self._run_payment_post_processing()
        self.assertTrue(refund_tx.payment_id)
        return credit_note, refund_tx

    def _charge_id(self, tx):
        return self.standin.payment_intents[tx.provider_reference]["latest_charge"]

    def _payout(self):
        """Two days later Stripe pays out the available balance."""
        self.standin.advance(days=2)
        currency = self.company.currency_id.name
        available, _pending = self.standin.balance(currency)
        return self._stripe_call(
            "POST", "payouts", amount=available, currency=currency.lower()
        ).json()

    def _pull(self):
        """The scheduled import over the days the stand-in's clock spans,
        with OCA's automatic reconciliation of the new lines."""
        now = datetime.fromtimestamp(self.standin.now(), UTC).replace(tzinfo=None)
        since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
        self.provider.with_context(**AUTO)._pull(since, now + timedelta(days=1))
        return self.env["account.bank.statement.line"].search(
            [("journal_id", "=", self.journal.id)]
        )

    def _bank_line(self, amount, label):
        """The bank's own statement line for a payout, imported later."""
        return (
            self.env["account.bank.statement.line"]
            .with_context(**AUTO)
            .create(
                {
                    "journal_id": self.bank.id,
                    "date": datetime.fromtimestamp(self.standin.now(), UTC).date(),
                    "amount": amount,
                    "payment_ref": label,
                }
            )
        )

    @staticmethod
    def _cents(amount):
        return round(amount * 100)

    def _balance(self, account, journal=None):
        domain = [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        if journal:
            domain.append(("journal_id", "=", journal.id))
        lines = self.env["account.move.line"].search(domain)
        return self._cents(sum(lines.mapped("balance")))

    # -------------------------------------------------------------- tests
    def test_setup_configures_the_company_once(self):
        journal = self.stripe.journal_id
        # the Stripe balance has a journal of its own, the payouts' bank
        # stays the bank
        self.assertNotEqual(journal, self.bank)
        self.assertEqual(self.payment_journal, self.bank)
        self.assertEqual(self.company.support_stripe_payout_journal_id, self.bank)
        self.assertEqual(journal.type, "bank")
        self.assertEqual(
            (journal.bank_statements_source, journal.online_bank_statement_provider),
            ("online", "stripe"),
        )
        provider = journal.online_bank_statement_provider_id
        self.assertEqual(provider.support_payment_provider_id, self.stripe)
        self.assertFalse(provider.password)  # the key is never copied
        fee_account = self.company.support_stripe_fee_account_id
        self.assertEqual(fee_account.account_type, "expense")
        models = self._models()
        self.assertEqual(
            sorted(models.mapped("support_stripe_role")),
            sorted(dict(const.STRIPE_RECONCILE_ROLES)),
        )
        self.assertTrue(all(m.trigger == "auto_reconcile" for m in models))
        by_role = {m.support_stripe_role: m for m in models}
        self.assertEqual(by_role["fee"].line_ids.account_id, fee_account)
        self.assertEqual(by_role["fee"].line_ids.tax_ids, self.reverse_charge)
        self.assertEqual(
            by_role["payout"].line_ids.account_id, self.company.transfer_account_id
        )
        self.assertEqual(by_role["payout_arrival"].match_journal_ids, self.bank)
        self.assertEqual(by_role["charge"].match_journal_ids, journal)
        self.assertEqual(by_role["payout_failure"].match_journal_ids, journal)
        self.assertFalse(by_role["payout_failure"].line_ids)  # it matches only

        # a second click changes nothing
        counts = {
            name: self.env[name].search_count([])
            for name in (
                "account.journal",
                "account.account",
                "account.reconcile.model",
                "account.reconcile.model.line",
                "online.bank.statement.provider",
            )
        }
        action = self._setup()
        self.assertIn("nothing changed", action["params"]["message"])
        for name, count in counts.items():
            self.assertEqual(self.env[name].search_count([]), count, name)
        self.assertEqual(self.stripe.journal_id, journal)
        self.assertEqual(self._models(), models)

    def test_setup_is_for_accounting_administrators(self):
        settings = self.env["res.config.settings"].create({})
        with self.assertRaises(AccessError):
            settings.with_user(
                self.accountant
            ).action_support_stripe_reconciliation_setup()

    def test_import_reads_the_payment_provider_key(self):
        self._captured_hold(30)
        self.assertFalse(self.provider.password)
        lines = self._pull()
        self.assertEqual(len(lines), 2)  # the charge and its fee
        listing = [
            r for r in self.standin.requests if r["path"] == "/v1/balance_transactions"
        ]
        self.assertEqual(listing[0]["headers"]["Authorization"], f"Bearer {SECRET_KEY}")
        self.assertFalse(self.provider.password)

    def test_month_reconciled_to_the_cent(self):
        currency = self.company.currency_id
        # 30 card holds of 240.00 (2 h at 100.00 + 20 %): 15 min to 2 h
        # charged, the rest released
        holds = [self._captured_hold(15 * (1 + n % 8)) for n in range(15)]
        # 10 invoices paid online
        invoices = [self._create_invoice(50 + 7.5 * n) for n in range(5)]
        payments = [self._pay_online(invoice) for invoice in invoices]
        first_payout = self._payout()
        holds += [self._captured_hold(15 * (1 + n % 8)) for n in range(15, 30)]
        invoices += [self._create_invoice(50 + 7.5 * n) for n in range(5, 10)]
        payments += [self._pay_online(invoice) for invoice in invoices[5:]]
        # 3 credit notes refunded on the card: 2 invoices, 1 hold's
        credit_notes, refunds = zip(
            *(
                self._refund_credit_note(invoices[1], 30.0),
                self._refund_credit_note(invoices[7]),
                self._refund_credit_note(holds[20].invoice_id),
            ),
            strict=True,
        )
        # two customers' banks dispute a charge: one dispute lost, one won
        lost, won = (
            self.standin.open_dispute(self._charge_id(payments[n])) for n in (2, 8)
        )
        self.standin.close_dispute(lost["id"], "lost")
        self.standin.close_dispute(won["id"], "won")
        second_payout = self._payout()
        self.assertEqual(
            sorted(h.state for h in holds), ["captured"] * 30, "every hold charged"
        )
        partial = [h for h in holds if h.released_amount]
        self.assertTrue(0 < len(partial) < 30)

        # the month's Stripe balance and fees
        available, pending = self.standin.balance(currency.name)
        fees = sum(t["fee"] for t in self.standin.balance_transactions.values())
        charged = sum(
            t["amount"]
            for t in self.standin.balance_transactions.values()
            if t["type"] == "charge"
        )
        self.assertEqual(
            charged,
            self._cents(sum(h.captured_amount for h in holds))
            + self._cents(sum(i.amount_total for i in invoices)),
        )

        # the bank's statement shows the first payout before Stripe's import
        first_arrival = self._bank_line(
            first_payout["amount"] / 100, "STRIPE PAYMENTS EUROPE"
        )
        self.assertFalse(first_arrival.is_reconciled)
        lines = self._pull()
        # 40 charges + 40 fees + 3 refunds + 2 payouts + 2 dispute
        # withdrawals and their 2 fees + 1 reinstatement
        self.assertEqual(len(lines), 90)
        self.assertEqual(
            len(lines.filtered(lambda line: " dispute dp_" in line.payment_ref)), 5
        )
        self.assertEqual(
            lines.filtered(lambda line: not line.is_reconciled).mapped("payment_ref"),
            [],
        )
        # the Stripe journal holds the Stripe balance, to the cent
        self.assertEqual(
            self._balance(self.journal.default_account_id, self.journal),
            available + pending,
        )
        self.assertEqual(self._cents(sum(lines.mapped("amount"))), available + pending)
        # the fees account holds Stripe's fees, reverse-charged at 20 %
        fee_account = self.company.support_stripe_fee_account_id
        self.assertEqual(self._balance(fee_account), fees)
        self.assertEqual(self._balance(self.input_vat), -self._balance(self.output_vat))
        self.assertEqual(
            self._balance(self.input_vat),
            sum(
                round(t["fee"] * 0.2)
                for t in self.standin.balance_transactions.values()
            ),
        )
        # the month's disputes never reached Odoo (no webhook here): the
        # lost one's money waits on the disputes account (to write off),
        # the won one's came back (disputes Odoo knows: test_*_dispute_*)
        self.assertEqual(
            self._balance(self.company.support_stripe_dispute_account_id),
            lost["amount"],
        )
        self.assertEqual(
            fees
            - sum(
                t["fee"]
                for t in self.standin.balance_transactions.values()
                if t["type"] == "charge"
            ),
            2 * 1500,
        )
        # every charge settled its invoice's payment: invoices and credit
        # notes paid
        for move in [*(h.invoice_id for h in holds), *invoices, *credit_notes]:
            self.assertEqual(move.payment_state, "paid", move.name)
        for tx in [*payments, *refunds]:
            outstanding = tx.payment_id.move_id.line_ids.filtered(
                lambda line, tx=tx: (
                    line.account_id == tx.payment_id.outstanding_account_id
                )
            )
            self.assertTrue(outstanding.reconciled, tx.reference)

        # the payouts reach the bank: the bank's statement lines, one
        # imported before Stripe's and not naming the payout, one after and
        # naming it, settle them
        bank_lines = first_arrival | self._bank_line(
            second_payout["amount"] / 100, f"STRIPE {second_payout['id']}"
        )
        transfer = self.company.transfer_account_id
        for payout, bank_line in zip(
            (first_payout, second_payout), bank_lines, strict=True
        ):
            self.assertTrue(bank_line.is_reconciled, bank_line.payment_ref)
            stripe_line = lines.filtered(
                lambda line, p=payout: p["id"] in line.payment_ref
            )
            in_transit = stripe_line.move_id.line_ids.filtered(
                lambda line: line.account_id == transfer
            )
            self.assertTrue(in_transit.full_reconcile_id)
            self.assertEqual(
                in_transit.full_reconcile_id.reconciled_line_ids.move_id,
                stripe_line.move_id | bank_line.move_id,
            )
            self.assertEqual(self._cents(bank_line.amount), payout["amount"])
        self.assertEqual(self._balance(transfer), 0)

    def test_setup_of_another_company_is_its_own(self):
        """The set-up configures the settings' company only: another
        company's Stripe account gets its own journal, accounts and models,
        and the first company's stay as they were."""
        other = self.setup_other_company(name="Stripe company B")
        company_b = other["company"]
        self.admin_accountant.write({"company_ids": [Command.link(company_b.id)]})
        provider_b = self.stripe.copy(
            {
                "company_id": company_b.id,
                "stripe_secret_key": "sk_test_company_b",
                "stripe_publishable_key": "pk_test_company_b",
                "state": "test",
            }
        )
        models_a = self._models()
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin_accountant)
            .with_company(company_b)
            .create({})
        )
        self.assertEqual(settings.company_id, company_b)
        settings.action_support_stripe_reconciliation_setup()
        models_b = self.env["account.reconcile.model"].search(
            [("company_id", "=", company_b.id), ("support_stripe_role", "!=", False)]
        )
        self.assertEqual(len(models_b), len(const.STRIPE_RECONCILE_ROLES))
        self.assertEqual(self._models(), models_a)
        self.assertEqual(models_b.match_journal_ids.company_id, company_b)
        fee_b = company_b.support_stripe_fee_account_id
        self.assertTrue(fee_b)
        self.assertNotEqual(fee_b, self.company.support_stripe_fee_account_id)
        self.assertIn(company_b, fee_b.company_ids)
        self.assertEqual(
            models_b.filtered(
                lambda m: m.support_stripe_role == "fee"
            ).line_ids.account_id,
            fee_b,
        )
        statement_provider = provider_b.journal_id.online_bank_statement_provider_id
        self.assertEqual(statement_provider.support_payment_provider_id, provider_b)
        self.assertEqual(statement_provider.company_id, company_b)

    # --------------------------------------------------- disputes, payouts
    def _sync_dispute(self, dispute_id):
        """What the webhook does with a ``charge.dispute.*`` event."""
        stripe_dispute = self.standin.render_dispute(dispute_id)
        disputes = self.env["support.stripe.dispute"].sudo()
        tx = disputes._support_find_transaction(stripe_dispute)
        self.assertTrue(tx, dispute_id)
        return disputes.with_company(tx.company_id)._support_sync_from_stripe(
            stripe_dispute, tx
        )

    def _receivable_lines(self):
        return self.env["account.move.line"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("company_id", "=", self.company.id),
            ]
        )

    def _pnl(self):
        """``{account: balance in cents}`` of the profit and loss accounts
        (income and expenses) that moved."""
        [*groups] = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("parent_state", "=", "posted"),
                (
                    "account_id.account_type",
                    "in",
                    (
                        "income",
                        "income_other",
                        "expense",
                        "expense_depreciation",
                        "expense_direct_cost",
                    ),
                ),
            ],
            groupby=["account_id"],
            aggregates=["balance:sum"],
        )
        return {account: self._cents(total) for account, total in groups}

    def _pnl_since(self, before):
        after = self._pnl()
        return {
            account: after.get(account, 0) - before.get(account, 0)
            for account in {*before, *after}
            if after.get(account, 0) != before.get(account, 0)
        }

    def _assert_ties(self, lines):
        available, pending = self.standin.balance(self.company.currency_id.name)
        self.assertEqual(
            self._balance(self.journal.default_account_id, self.journal),
            available + pending,
        )
        self.assertEqual(self._cents(sum(lines.mapped("amount"))), available + pending)

    def _line_of(self, lines, stripe_id, sign):
        [line] = lines.filtered(
            lambda line: (
                stripe_id in line.payment_ref
                and not line.payment_ref.startswith("stripe fee")
                and (line.amount > 0) == (sign > 0)
            )
        )
        return line

    def test_lost_dispute_counted_once(self):
        """A lost dispute: the withdrawal puts the amount back on the
        customer's receivable, the proposed credit note, posted, settles
        it: the customer owes nothing, the revenue is reversed once (no
        loss on *Stripe disputes* too), the dispute fee is once on *Stripe
        fees*, to the cent; whether the credit note is posted after the
        withdrawal's import (first invoice) or before (second)."""
        pnl_before = self._pnl()
        first, second = self._create_invoice(50.0), self._create_invoice(87.5)
        payments = [self._pay_online(first), self._pay_online(second)]
        revenue = first.invoice_line_ids.account_id
        # the fixture's sales tax has no account: its VAT is on revenue too
        invoiced = self._cents(first.amount_total + second.amount_total)
        self.assertEqual(self._pnl_since(pnl_before), {revenue: -invoiced})
        disputes_account = self.company.support_stripe_dispute_account_id
        # the first dispute's withdrawal is imported while it is open: the
        # customer owes its amount again, the invoice stays paid
        opened = self.standin.open_dispute(self._charge_id(payments[0]))
        dispute = self._sync_dispute(opened["id"])
        lines = self._pull()
        self.assertFalse(lines.filtered(lambda line: not line.is_reconciled))
        withdrawal = self._line_of(lines, opened["id"], -1)
        self.assertEqual(self._cents(withdrawal.amount), -6000)
        receivable = withdrawal.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(
            (receivable.partner_id, self._cents(receivable.amount_residual)),
            (self.customer, 6000),
        )
        self.assertIn(opened["id"], receivable.name)
        self.assertEqual(first.payment_state, "paid")
        self.assertEqual(self._balance(disputes_account), 0)
        # the second dispute is opened and lost, its credit note posted,
        # before its withdrawal is imported
        opened_2 = self.standin.open_dispute(self._charge_id(payments[1]))
        self.standin.close_dispute(opened_2["id"], "lost")
        dispute_2 = self._sync_dispute(opened_2["id"])
        self.assertEqual(dispute_2.status, "lost")
        dispute_2.credit_note_ids.action_post()
        self.assertEqual(self._cents(dispute_2.credit_note_ids.amount_residual), 10500)
        # the first is lost: its credit note, posted, settles the receivable
        self.standin.close_dispute(opened["id"], "lost")
        self._sync_dispute(opened["id"])
        credit_note = dispute.credit_note_ids
        self.assertEqual(
            (credit_note.state, self._cents(credit_note.amount_total)),
            ("draft", 6000),
        )
        self.assertFalse(receivable.reconciled)
        credit_note.action_post()
        self.assertTrue(receivable.reconciled)
        self.assertEqual(credit_note.payment_state, "paid")
        # the second's withdrawal, imported, settles its credit note
        lines = self._pull()
        self.assertFalse(lines.filtered(lambda line: not line.is_reconciled))
        self.assertEqual(dispute_2.credit_note_ids.payment_state, "paid")

        # the customer owes nothing, every receivable item is settled
        receivables = self._receivable_lines()
        self.assertEqual(self._cents(sum(receivables.mapped("balance"))), 0)
        self.assertFalse(receivables.filtered(lambda line: not line.reconciled))
        for invoice in (first, second):
            self.assertEqual(invoice.payment_state, "paid", invoice.name)
        # the loss once: the revenue the credit notes reverse, nothing on the
        # disputes account; Stripe fees: the charges' and the two disputes'
        self.assertEqual(self._balance(disputes_account), 0)
        fees = sum(t["fee"] for t in self.standin.balance_transactions.values())
        self.assertEqual(
            fees - sum(self.standin.fee_for(p) for p in (6000, 10500)), 2 * 1500
        )
        self.assertEqual(
            self._pnl_since(pnl_before),
            {self.company.support_stripe_fee_account_id: fees},
            "the revenue reversed once, the fees once, no other loss",
        )
        self._assert_ties(lines)

    def test_won_dispute_nets_to_zero(self):
        """A won dispute: the withdrawal (customer's receivable) and the
        reinstatement settle each other, the invoice stays paid, only the
        dispute fee is lost; also when both are imported at once."""
        pnl_before = self._pnl()
        first, second = self._create_invoice(50.0), self._create_invoice(20.0)
        payments = [self._pay_online(first), self._pay_online(second)]
        # the first is won after its withdrawal's import
        opened = self.standin.open_dispute(self._charge_id(payments[0]))
        self._sync_dispute(opened["id"])
        self._pull()
        self.standin.close_dispute(opened["id"], "won")
        self.assertEqual(self._sync_dispute(opened["id"]).status, "won")
        # the second's withdrawal and reinstatement come in the same import
        opened_2 = self.standin.open_dispute(self._charge_id(payments[1]))
        self.standin.close_dispute(opened_2["id"], "won")
        self.assertEqual(self._sync_dispute(opened_2["id"]).status, "won")
        lines = self._pull()
        self.assertFalse(lines.filtered(lambda line: not line.is_reconciled))
        for stripe_id, cents in ((opened["id"], 6000), (opened_2["id"], 2400)):
            withdrawal = self._line_of(lines, stripe_id, -1)
            reinstatement = self._line_of(lines, stripe_id, 1)
            self.assertEqual(self._cents(reinstatement.amount), cents)
            receivable = (withdrawal | reinstatement).move_id.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            self.assertEqual(len(receivable), 2)
            self.assertEqual(len(receivable.full_reconcile_id), 1, stripe_id)
        receivables = self._receivable_lines()
        self.assertEqual(self._cents(sum(receivables.mapped("balance"))), 0)
        self.assertFalse(receivables.filtered(lambda line: not line.reconciled))
        for move in (first, second):
            self.assertEqual(move.payment_state, "paid", move.name)
        self.assertEqual(
            self._balance(self.company.support_stripe_dispute_account_id), 0
        )
        self.assertFalse(
            self.env["account.move"].search(
                [("reversed_entry_id", "in", (first | second).ids)]
            )
        )
        # the revenue stays, the fees (the two disputes' included) are lost
        fees = sum(t["fee"] for t in self.standin.balance_transactions.values())
        self.assertEqual(
            fees - sum(self.standin.fee_for(p) for p in (6000, 2400)), 2 * 1500
        )
        self.assertEqual(
            self._pnl_since(pnl_before),
            {
                # (the fixture's sales tax has no account: VAT included)
                first.invoice_line_ids.account_id: -self._cents(
                    first.amount_total + second.amount_total
                ),
                self.company.support_stripe_fee_account_id: fees,
            },
        )
        self._assert_ties(lines)

    def test_failed_payout(self):
        """A payout the bank refuses comes back to the Stripe balance
        (``payout_failure``): its line settles the payout's transfer, the
        screen shows the payout Failed, the next payout reaches the bank,
        the balance ties to the cent; also when the payout and its failure
        come in one import."""
        self._pay_online(self._create_invoice(50.0))
        failed = self._payout()
        lines = self._pull()
        transfer = self.company.transfer_account_id
        self.assertEqual(self._balance(transfer), failed["amount"])  # in transit
        self.standin.fail_payout(failed["id"])
        lines = self._pull()
        failure = lines.filtered(
            lambda line: line.support_stripe_type == "payout_failure"
        )
        self.assertEqual(
            (failure.support_stripe_source, self._cents(failure.amount)),
            (failed["id"], failed["amount"]),
        )
        self.assertTrue(failure.is_reconciled)
        payout_line = lines.filtered(lambda line: line.support_stripe_type == "payout")
        in_transit = payout_line.move_id.line_ids.filtered(
            lambda line: line.account_id == transfer
        )
        self.assertEqual(
            in_transit.full_reconcile_id.reconciled_line_ids.move_id,
            payout_line.move_id | failure.move_id,
        )
        self.assertEqual(self._balance(transfer), 0)
        self.assertEqual(payout_line.support_payout_state, "failed")
        # a second payout fails before the import: both in one import
        self._pay_online(self._create_invoice(20.0))
        second = self._payout()
        self.standin.fail_payout(second["id"], failure_code="no_account")
        third = self._payout()  # the money of both, paid out again
        self.assertEqual(third["amount"], second["amount"])
        lines = self._pull()
        self.assertFalse(lines.filtered(lambda line: not line.is_reconciled))
        self.assertEqual(self._balance(transfer), third["amount"])
        arrival = self._bank_line(third["amount"] / 100, f"STRIPE {third['id']}")
        self.assertTrue(arrival.is_reconciled)
        self.assertEqual(self._balance(transfer), 0)
        self._assert_ties(lines)

        # the accountant's screen: two payouts failed, one matched, balanced
        today = datetime.fromtimestamp(self.standin.now(), UTC).date()
        report = self.env["support.stripe.reconciliation"].create(
            {
                "company_id": self.company.id,
                "date_from": today - timedelta(days=10),
                "date_to": today + timedelta(days=1),
            }
        )
        states = {
            line.support_stripe_source: line.support_payout_state
            for line in report.payout_line_ids
        }
        self.assertEqual(
            states,
            {failed["id"]: "failed", second["id"]: "failed", third["id"]: "matched"},
        )
        self.assertEqual(
            (report.payout_failed_count, report.payout_unmatched_count), (2, 0)
        )
        self.assertEqual(self._cents(report.payout_amount), third["amount"])
        self.assertEqual(report.stripe_state, "ok", report.stripe_message)
        self.assertTrue(report.is_balanced)

    def test_setup_refuses_another_currency(self):
        """A Stripe account whose balance is in another currency than the
        company's, or a provider's journal in another currency: the set-up
        refuses with a clear message and makes nothing."""
        other = self.setup_other_company(name="Stripe company C")
        company_c = other["company"]
        self.admin_accountant.write({"company_ids": [Command.link(company_c.id)]})
        self.stripe.copy(
            {
                "company_id": company_c.id,
                "stripe_secret_key": "sk_test_company_c",
                "stripe_publishable_key": "pk_test_company_c",
                "state": "test",
            }
        )
        currency = company_c.currency_id.name
        foreign = "USD" if currency != "USD" else "CHF"
        self.standin.default_currency = foreign.lower()
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin_accountant)
            .with_company(company_c)
            .create({})
        )
        with self.assertRaises(UserError) as refused:
            settings.action_support_stripe_reconciliation_setup()
        message = str(refused.exception)
        self.assertIn(foreign, message)
        self.assertIn(currency, message)
        self.assertIn("company's currency only", message)
        self.assertFalse(
            self.env["account.reconcile.model"].search(
                [
                    ("company_id", "=", company_c.id),
                    ("support_stripe_role", "!=", False),
                ]
            )
        )
        self.assertFalse(company_c.support_stripe_fee_account_id)
        # the account settles in the company's currency: set up
        self.standin.default_currency = currency.lower()
        settings.action_support_stripe_reconciliation_setup()
        self.assertEqual(
            len(
                self.env["account.reconcile.model"].search(
                    [
                        ("company_id", "=", company_c.id),
                        ("support_stripe_role", "!=", False),
                    ]
                )
            ),
            len(const.STRIPE_RECONCILE_ROLES),
        )
