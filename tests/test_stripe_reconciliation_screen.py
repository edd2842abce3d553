# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24, item 5: the accountant's Stripe screen, against a month on the
Stripe stand-in (two charges with their fees, a refund, a payout), before
and after reconciliation, to the cent; who may open it; Stripe unreachable
or not configured."""

from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .stripe_standin import StripeStandIn
from .test_card_hold_stripe import SECRET_KEY, WEBHOOK_SECRET, CardHoldStripeCommon


@tagged("post_install", "-at_install")
class TestStripeReconciliationScreen(CardHoldStripeCommon, HttpCase):
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
        # the bank account Stripe pays out to
        cls.bank = cls.env["account.journal"].create(
            {"name": "Main Bank", "code": "MBK", "type": "bank"}
        )
        cls.fee_account = cls.env["account.account"].create(
            {"name": "Stripe fees", "code": "627100", "account_type": "expense"}
        )
        cls.transfer_account = cls.company.transfer_account_id
        cls.company.support_stripe_fee_account_id = cls.fee_account
        cls.bookkeeper = new_test_user(
            cls.env,
            login="sb-bookkeeper",
            groups="base.group_user,account.group_account_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def setUp(self):
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
        self.provider.api_base = url.rstrip("/")
        super().setUp()

    # ------------------------------------------------------------ helpers
    def _charged_hold(self, ticket, minutes):
        hold = self._create_hold(ticket=ticket)
        _tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(ticket, minutes)
        self._charge(hold)
        charge_id = self.standin.payment_intents[intent_id]["latest_charge"]
        return hold, self.standin.charges[charge_id]

    def _pull(self):
        now = datetime.fromtimestamp(self.standin.now(), UTC).replace(tzinfo=None)
        since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
        self.provider._pull(since, now + timedelta(days=1))
        return self.env["account.bank.statement.line"].search(
            [("journal_id", "=", self.journal.id)]
        )

    def _month(self):
        """Two charges (60.00 and 90.00, fees 1.15 and 1.60), 20.00 refunded,
        100.00 paid out two days later; Stripe keeps 27.25."""
        second_ticket = self._create_ticket(self.customer_contact, name="Printer")
        self._charged_hold(self.ticket, 30)
        _hold, charge_b = self._charged_hold(second_ticket, 45)
        self._stripe_call("POST", "refunds", charge=charge_b["id"], amount=2000)
        self.standin.advance(days=2)
        payout = self._stripe_call(
            "POST", "payouts", amount=10000, currency=self.currency_code
        ).json()
        self.assertEqual(payout["object"], "payout", payout)
        return self._pull(), payout

    @property
    def currency_code(self):
        return self.company.currency_id.name.lower()

    def _report(self, user=None, **vals):
        today = date.today()
        vals = {
            "company_id": self.company.id,
            "date_from": today - timedelta(days=5),
            "date_to": today + timedelta(days=5),
            **vals,
        }
        return (
            self.env["support.stripe.reconciliation"]
            .with_user(user or self.bookkeeper)
            .create(vals)
        )

    def assertCents(self, amount, cents, msg=None):
        self.assertEqual(round(amount * 100), cents, msg)

    # -------------------------------------------------------------- tests
    def test_month_before_and_after_reconciliation(self):
        lines, payout = self._month()
        self.assertEqual(len(lines), 6)
        available, pending = self.standin.balance(self.currency_code)
        self.assertEqual((available, pending), (2725, 0))

        report = self._report()
        self.assertEqual(report.journal_ids, self.journal)
        self.assertEqual(report.stripe_state, "ok", report.stripe_message)
        self.assertCents(report.stripe_balance, available + pending)
        self.assertCents(report.stripe_available, available)
        self.assertCents(report.odoo_balance, 2725)
        self.assertCents(report.difference, 0)
        self.assertTrue(report.is_balanced)
        self.assertEqual(report.not_imported_count, 0)
        # nothing reconciled yet: every line waits, 60 + 90 - 2.75 - 20 - 100
        self.assertEqual(report.unreconciled_count, 6)
        self.assertCents(report.unreconciled_amount, 2725)
        self.assertEqual(report.fee_count, 2)
        self.assertCents(report.fee_amount, 115 + 160)
        self.assertEqual(len(report.payout_line_ids), 1)
        self.assertEqual(report.payout_line_ids.support_stripe_source, payout["id"])
        self.assertCents(report.payout_amount, 10000)
        self.assertEqual(report.payout_unmatched_count, 1)
        self.assertEqual(report.payout_line_ids.support_payout_state, "unmatched")
        self.assertEqual((report.dispute_tracked, report.dispute_count), (True, 0))
        self.assertCents(report.fee_booked_amount, 0)  # not reconciled yet

        # the fees go to expenses; the payout meets the bank's line through
        # the transfer account
        by_type = lines.grouped("support_stripe_type")
        self.assertEqual(
            {kind: len(group) for kind, group in by_type.items()},
            {"charge": 2, "fee": 2, "refund": 1, "payout": 1},
        )
        for fee_line in by_type["fee"]:
            fee_line._support_reconcile_with(self.fee_account)
        bank_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank.id,
                "date": date.today() + timedelta(days=3),
                "payment_ref": f"STRIPE PAYOUT {payout['id']}",
                "amount": 100.0,
            }
        )
        payout_line = by_type["payout"]
        for st_line in payout_line | bank_line:
            st_line._support_reconcile_with(self.transfer_account)
        (payout_line | bank_line).move_id.line_ids.filtered(
            lambda aml: aml.account_id == self.transfer_account
        ).reconcile()

        report = self._report()
        self.assertEqual(report.unreconciled_count, 3)  # 2 charges, the refund
        self.assertCents(report.unreconciled_amount, 6000 + 9000 - 2000)
        self.assertEqual(report.payout_unmatched_count, 0)
        self.assertEqual(report.payout_line_ids.support_payout_bank_line_id, bank_line)
        self.assertEqual(report.payout_line_ids.support_payout_state, "matched")
        self.assertCents(report.fee_amount, 275)
        self.assertCents(report.fee_booked_amount, 275)
        self.assertCents(report.difference, 0)
        self.assertTrue(report.is_balanced)
        self.assertIn(self.company.name, report.display_name)
        payouts = report.action_open_payouts()
        self.assertEqual(
            self.env["account.bank.statement.line"].search(payouts["domain"]),
            payout_line,
        )
        # the button opens the three lines in the reconciliation screen
        action = report.action_open_unreconciled()
        self.assertEqual(action["res_model"], "account.bank.statement.line")
        opened = self.env["account.bank.statement.line"].search(
            action["domain"] + [("is_reconciled", "=", False)]
        )
        self.assertEqual(opened, by_type["charge"] | by_type["refund"])
        self.assertTrue(action["context"]["search_default_not_reconciled"])
        fees = report.action_open_fees()
        self.assertEqual(
            self.env["account.bank.statement.line"].search(fees["domain"]),
            by_type["fee"],
        )

        # a period without the month: nothing of it, but lines still open
        earlier = self._report(
            date_from=date.today() - timedelta(days=60),
            date_to=date.today() - timedelta(days=30),
        )
        self.assertEqual((earlier.fee_count, earlier.unreconciled_count), (0, 0))
        self.assertFalse(earlier.payout_line_ids)
        # ... the balances are today's on both sides: still balanced
        self.assertCents(earlier.odoo_balance, 2725)
        self.assertCents(earlier.outside_statements_amount, 0)
        self.assertTrue(earlier.is_balanced)

    def test_after_the_setup_nothing_is_left(self):
        """With Stripe's one-click set-up, the import reconciles by itself:
        the screen shows nothing left to reconcile, the fees on the fees
        account, the payout matched with the bank's line, to the cent."""
        self.company.support_stripe_payout_journal_id = self.bank
        self.company._support_stripe_setup_reconciliation()
        second_ticket = self._create_ticket(self.customer_contact, name="Printer")
        self._charged_hold(self.ticket, 30)
        self._charged_hold(second_ticket, 45)
        self.standin.advance(days=2)
        available, _pending = self.standin.balance(self.currency_code)
        self.assertEqual(available, 6000 - 115 + 9000 - 160)
        payout = self._stripe_call(
            "POST", "payouts", amount=available, currency=self.currency_code
        ).json()
        auto = {"_test_account_reconcile_oca": True}  # OCA's switch in tests
        now = datetime.fromtimestamp(self.standin.now(), UTC).replace(tzinfo=None)
        self.provider.with_context(**auto)._pull(
            now - timedelta(days=4), now + timedelta(days=1)
        )
        bank_line = (
            self.env["account.bank.statement.line"]
            .with_context(**auto)
            .create(
                {
                    "journal_id": self.bank.id,
                    "date": now.date(),
                    "amount": available / 100,
                    "payment_ref": f"STRIPE {payout['id']}",
                }
            )
        )
        report = self._report()
        self.assertEqual(report.stripe_state, "ok", report.stripe_message)
        self.assertEqual(report.unreconciled_count, 0)
        self.assertCents(report.fee_amount, 275)
        self.assertCents(report.fee_booked_amount, 275)
        self.assertCents(report.payout_amount, available)
        self.assertEqual(report.payout_line_ids.support_payout_bank_line_id, bank_line)
        self.assertEqual(report.payout_unmatched_count, 0)
        self.assertCents(report.stripe_balance, 0)
        self.assertCents(report.odoo_balance, 0)
        self.assertTrue(report.is_balanced)

    def test_difference_is_explained(self):
        """A charge Stripe has that the journal has not imported yet, and an
        entry on the Stripe account that no statement line made: the
        difference says which is which."""
        self._month()
        response = self._stripe_call(
            "POST",
            "payment_intents",
            amount=1000,
            currency=self.currency_code,
            confirm="true",
            payment_method="pm_card_visa",
        )
        self.assertEqual(response.json()["status"], "succeeded", response.text)
        report = self._report()
        self.assertEqual(report.stripe_state, "ok", report.stripe_message)
        self.assertCents(report.stripe_balance, 2725 + 1000 - 40)
        self.assertCents(report.difference, 960)
        self.assertFalse(report.is_balanced)
        self.assertEqual(report.not_imported_count, 1)
        self.assertCents(report.not_imported_amount, 960)
        self.assertCents(report.unexplained_amount, 0)

        # an entry on the Stripe account outside any statement
        misc = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "general")], limit=1
        )
        move = self.env["account.move"].create(
            {
                "journal_id": misc.id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.journal.default_account_id.id,
                            "debit": 5.0,
                        }
                    ),
                    Command.create({"account_id": self.fee_account.id, "credit": 5.0}),
                ],
            }
        )
        move.action_post()
        report = self._report()
        self.assertCents(report.odoo_balance, 2725 + 500)
        self.assertCents(report.outside_statements_amount, 500)
        self.assertCents(report.difference, 960 - 500)
        self.assertCents(report.unexplained_amount, 0)

        # the pull imports the charge: only the manual entry is left
        move.button_draft()
        move.button_cancel()
        self._pull()
        report = self._report()
        self.assertCents(report.difference, 0)
        self.assertTrue(report.is_balanced)
        self.assertEqual(report.not_imported_count, 0)

    def test_open_disputes(self):
        """Open disputes come from the disputes the webhook records; the
        money a dispute took (60.00 and Stripe's 15.00 fee) is in both
        balances once pulled; a won dispute is no longer open."""
        lines, _payout = self._month()
        charge = lines.filtered(
            lambda line: line.support_stripe_type == "charge" and line.amount == 60
        )
        report = self._report()
        self.assertTrue(report.dispute_tracked)
        self.assertEqual(report.dispute_count, 0)
        opened = self.standin.open_dispute(charge.support_stripe_source)
        for event in self.standin.events_of(object_id=opened["id"]):
            response = self._post_webhook(event)
            self.assertEqual(response.status_code, 200, response.text)
        report = self._report()
        self.assertEqual(report.dispute_count, 1)
        self.assertCents(report.dispute_amount, 6000)
        action = report.action_open_disputes()
        self.assertEqual(
            self.env["support.stripe.dispute"].search(action["domain"]).name,
            opened["id"],
        )
        self.assertCents(report.difference, -6000 - 1500)  # not pulled yet
        self.assertCents(report.not_imported_amount, -6000 - 1500)
        self.assertCents(report.unexplained_amount, 0)
        self._pull()
        self.assertTrue(self._report().is_balanced)
        self.standin.close_dispute(opened["id"], "won")
        for event in self.standin.events_of(object_id=opened["id"])[-2:]:
            self._post_webhook(event)
        report = self._report()
        self.assertEqual((report.dispute_count, report.dispute_amount), (0, 0))

    def test_stripe_error_and_not_configured(self):
        self._month()
        self.standin.fail_next("/v1/balance", "error500")
        with mute_logger("odoo.addons.payment.models.payment_provider"):
            report = self._report()
            self.assertEqual(report.stripe_state, "unreachable")
        self.assertEqual(report.stripe_state, "unreachable")
        self.assertIn("Stripe could not be reached", report.stripe_message)
        self.assertFalse(report.is_balanced)
        self.assertCents(report.difference, 0)
        # Odoo's side is still there
        self.assertCents(report.odoo_balance, 2725)
        self.assertEqual(report.unreconciled_count, 6)

        self.stripe.state = "disabled"
        requests_before = len(self.standin.requests)
        report = self._report()
        self.assertEqual(report.stripe_state, "not_configured")
        self.assertIn("not configured", report.stripe_message)
        self.assertEqual(len(self.standin.requests), requests_before)
        # the journal imports from Stripe: still on the screen
        self.assertEqual(report.journal_ids, self.journal)
        self.assertCents(report.fee_amount, 275)

    def test_access(self):
        """Accountants with the full accounting features only; the report's
        company, never the user's current one."""
        for user in (self.accountant, self.technician, self.support_manager):
            with self.assertRaises(AccessError, msg=user.login):
                self._report(user=user)
        report = self._report()
        with self.assertRaises(AccessError):
            report.with_user(self.accountant).read(["odoo_balance"])

        other = self.env["res.company"].create({"name": "Other Co"})
        self.bookkeeper.write({"company_ids": [Command.link(other.id)]})
        self._month()
        # env.company is the first company: the report reads the other one's
        report = (
            self.env["support.stripe.reconciliation"]
            .with_user(self.bookkeeper)
            .with_context(allowed_company_ids=[self.company.id, other.id])
            .create({"company_id": other.id})
        )
        self.assertEqual(report.env.company, self.company)
        self.assertFalse(report.journal_ids)
        self.assertEqual(report.unreconciled_count, 0)
        self.assertEqual(report.stripe_state, "not_configured")
        # ... and a user of the first company only may not read the other's
        self.bookkeeper.write({"company_ids": [Command.unlink(other.id)]})
        with self.assertRaises(AccessError):
            self.env["support.stripe.reconciliation"].with_user(self.bookkeeper).create(
                {"company_id": other.id}
            )

    def test_demo_accountant_opens_the_screen(self):
        """The demo's accountant has an accountant's rights (full accounting
        features): the README's routine works as her, from the menu's
        server action; a Billing-only user is told why she cannot."""
        accountant = self.env.ref(
            "support_billing.user_accountant", raise_if_not_found=False
        )
        if not accountant:
            self.skipTest("installed without demo data")
        self.assertTrue(accountant.has_group("account.group_account_user"))
        menu_action = self.env.ref(
            "support_billing.support_stripe_reconciliation_action"
        )
        action = (
            menu_action.with_user(accountant)
            .with_context(allowed_company_ids=accountant.company_id.ids)
            .run()
        )
        report = (
            self.env["support.stripe.reconciliation"]
            .with_user(accountant)
            .browse(action["res_id"])
        )
        self.assertEqual(report.company_id, accountant.company_id)
        self.assertTrue(report.stripe_state)
        self.assertGreaterEqual(report.unreconciled_count, 0)
        # the lines to reconcile open in account_reconcile_oca's screen
        if report.journal_ids:
            self.assertEqual(
                report.action_open_unreconciled()["res_model"],
                "account.bank.statement.line",
            )
        # Billing only (the matrix's accountant): a clear refusal
        self.assertFalse(self.accountant.has_group("account.group_account_user"))
        with self.assertRaises(AccessError) as refused:
            self.env["support.stripe.reconciliation"].with_user(
                self.accountant
            ).action_open_screen()
        self.assertIn("Show Full Accounting Features", str(refused.exception))

    def test_journal_card_opens_the_screen(self):
        """The Stripe journal's dashboard card opens the screen of the
        journal's company, whatever the user's current company."""
        other = self.env["res.company"].create({"name": "Other Co"})
        self.bookkeeper.write({"company_ids": [Command.link(other.id)]})
        action = (
            self.journal.with_user(self.bookkeeper)
            .with_context(allowed_company_ids=[other.id, self.company.id])
            .action_support_stripe_reconciliation()
        )
        report = self.env["support.stripe.reconciliation"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "support.stripe.reconciliation")
        self.assertEqual(report.company_id, self.company)
        self.assertEqual(report.journal_ids, self.journal)
        with self.assertRaises(AccessError):
            self.journal.with_user(
                self.accountant
            ).action_support_stripe_reconciliation()

    def test_default_period_is_last_month(self):
        report = self.env["support.stripe.reconciliation"].with_user(self.bookkeeper)
        start, end = report._default_period()
        first = date.today().replace(day=1)
        self.assertEqual(end, first - timedelta(days=1))
        self.assertEqual(start, end.replace(day=1))


@tagged("post_install", "-at_install")
class TestStripeDemoMonth(TransactionCase):
    """The demo database's Stripe month (README, docs/accountant.md)."""

    def test_demo_month_is_reconciled(self):
        """The demo's Stripe month ends as the accountant's routine leaves
        it: every line reconciled (charges with their invoices, fees and
        dispute fees on the fees account, the refund with its credit note, a
        lost dispute with the credit note it proposed, a won dispute's
        withdrawal with its reinstatement, each payout with the bank's
        line), 10.00 left on Stripe, to the cent."""
        company = self.env.ref("base.main_company")
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("code", "=", "STRP")], limit=1
        )
        if not self.env.ref(
            "support_billing.user_accountant", raise_if_not_found=False
        ):
            self.skipTest("installed without demo data")
        self.assertTrue(journal, "the demo has a Stripe journal")
        lines = self.env["account.bank.statement.line"].search(
            [("journal_id", "=", journal.id)]
        )
        # 3 charges and their fees, 2 payouts, a refund, 2 disputes' with-
        # drawals and fees, a reinstatement
        self.assertEqual(len(lines), 14)
        self.assertEqual(lines.filtered(lambda line: not line.is_reconciled).ids, [])
        first = min(lines.mapped("date")).replace(day=1)
        report = self.env["support.stripe.reconciliation"].create(
            {
                "company_id": company.id,
                "date_from": first,
                "date_to": first + relativedelta(months=1, days=-1),
            }
        )
        self.assertEqual(report.unreconciled_count, 0)
        self.assertEqual(report.unreconciled_amount, 0.0)
        self.assertEqual(report.fee_count, 5)
        self.assertAlmostEqual(report.fee_booked_amount, report.fee_amount, 2)
        self.assertEqual(len(report.payout_line_ids), 2)
        self.assertEqual(report.payout_unmatched_count, 0)
        self.assertAlmostEqual(report.odoo_balance, 10.0, 2)
        self.assertAlmostEqual(sum(lines.mapped("amount")), 10.0, 2)
        self.assertEqual(report.dispute_count, 0)
        # each charge paid its invoice
        charges = lines.filtered(lambda line: " charge ch_demo" in line.payment_ref)
        invoices = self.env["account.move"].search(
            [
                ("name", "in", charges.filtered("ref").mapped("ref")),
                ("company_id", "=", company.id),
            ]
        )
        self.assertEqual(len(invoices), 3)
        for invoice in invoices:
            self.assertIn(invoice.payment_state, ("paid", "in_payment", "reversed"))
        # the refund settles a posted credit note of its amount
        refund = lines.filtered(lambda line: " refund re_demo" in line.payment_ref)
        credit_note = self.env["account.move"].search(
            [("name", "=", refund.ref), ("company_id", "=", company.id)]
        )
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertAlmostEqual(-refund.amount, credit_note.amount_total, 2)
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        # the disputes: closed, one lost with its credit note paid by the
        # withdrawal, one won whose withdrawal came back
        disputes = self.env["support.stripe.dispute"].search(
            [("company_id", "=", company.id), ("name", "like", "du_demo")]
        )
        self.assertEqual(sorted(disputes.mapped("status")), ["lost", "won"])
        lost = disputes.filtered(lambda dispute: dispute.status == "lost")
        self.assertEqual(lost.credit_note_ids.state, "posted")
        self.assertIn(lost.credit_note_ids.payment_state, ("paid", "in_payment"))
        self.assertAlmostEqual(lost.credit_note_ids.amount_total, lost.amount, 2)
        won = disputes - lost
        self.assertFalse(won._support_open_withdrawal_lines())
        # their card payments are done and settled: Odoo's payment cron
        # leaves them alone (no payment to create, no error in its log)
        transactions = disputes.transaction_id
        self.assertEqual(len(transactions), 2)
        self.assertEqual(set(transactions.mapped("state")), {"done"})
        with self.assertNoLogs("odoo.addons.payment", level="ERROR"):
            self.env["payment.transaction"]._cron_post_process()
        self.assertFalse(transactions.payment_id)
        # the receivable of the three customers holds nothing of the month
        receivable = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                (
                    "partner_id",
                    "in",
                    disputes.partner_id.ids + credit_note.commercial_partner_id.ids,
                ),
                ("account_id.account_type", "=", "asset_receivable"),
                ("date", ">=", first),
                (
                    "move_id",
                    "in",
                    (lines.move_id | invoices | credit_note | lost.credit_note_ids).ids,
                ),
            ]
        )
        self.assertTrue(receivable)
        self.assertFalse(receivable.filtered(lambda aml: not aml.reconciled))
