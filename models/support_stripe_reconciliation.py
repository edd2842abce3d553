# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import logging
from datetime import UTC, datetime, time

import requests
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from odoo.addons.payment import utils as payment_utils

from .. import const, rules

_logger = logging.getLogger(__name__)


class SupportStripeReconciliation(models.TransientModel):
    """The accountant's Stripe screen (issue 24, item 5): for a company and a
    period, Stripe's balance against the Stripe journal's, what the
    difference is made of, the lines still to reconcile, the fees, the
    payouts and whether the bank received each, the open disputes."""

    _name = "support.stripe.reconciliation"
    _description = "Stripe Reconciliation"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._default_period()[0],
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: self._default_period()[1],
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_figures"
    )
    journal_ids = fields.Many2many(
        comodel_name="account.journal",
        string="Stripe Journals",
        compute="_compute_figures",
    )
    # Stripe's side, read from Stripe when the screen opens
    stripe_state = fields.Selection(
        selection=const.STRIPE_BALANCE_STATES,
        string="Stripe",
        compute="_compute_stripe",
    )
    stripe_message = fields.Char(compute="_compute_stripe")
    stripe_available = fields.Monetary(
        string="Available on Stripe", compute="_compute_stripe"
    )
    stripe_pending = fields.Monetary(
        string="Pending on Stripe", compute="_compute_stripe"
    )
    stripe_balance = fields.Monetary(
        string="Balance per Stripe", compute="_compute_stripe"
    )
    odoo_balance = fields.Monetary(
        string="Balance per Odoo",
        compute="_compute_figures",
        help="The balance of the Stripe journals' account, every posted entry.",
    )
    difference = fields.Monetary(compute="_compute_stripe")
    is_balanced = fields.Boolean(string="Balanced", compute="_compute_stripe")
    not_imported_amount = fields.Monetary(
        string="Not Imported Yet",
        compute="_compute_stripe",
        help="Stripe's transactions (their net) that no statement line "
        "holds yet: pull the statements.",
    )
    not_imported_count = fields.Integer(compute="_compute_stripe")
    outside_statements_amount = fields.Monetary(
        string="Entries Without Statement Line",
        compute="_compute_figures",
        help="Entries on the Stripe journals' account that no statement line "
        "made: Stripe does not know them.",
    )
    unexplained_amount = fields.Monetary(
        string="Unexplained", compute="_compute_stripe"
    )
    # the period
    unreconciled_count = fields.Integer(
        string="Lines to Reconcile", compute="_compute_figures"
    )
    unreconciled_amount = fields.Monetary(
        string="Amount to Reconcile", compute="_compute_figures"
    )
    fee_count = fields.Integer(compute="_compute_figures")
    fee_amount = fields.Monetary(string="Stripe Fees", compute="_compute_figures")
    fee_booked_amount = fields.Monetary(
        string="On the Fees Account",
        compute="_compute_figures",
        help="The period's balance of the company's Stripe fees account "
        "(Stripe's set-up): the fee lines once reconciled, and dispute fees.",
    )
    payout_line_ids = fields.Many2many(
        comodel_name="account.bank.statement.line",
        string="Payouts",
        compute="_compute_figures",
    )
    payout_amount = fields.Monetary(
        string="Paid Out",
        compute="_compute_figures",
        help="The period's payouts, failed ones excepted.",
    )
    payout_unmatched_count = fields.Integer(
        string="Payouts Not Matched", compute="_compute_figures"
    )
    payout_failed_count = fields.Integer(
        string="Payouts Failed",
        compute="_compute_figures",
        help="Payouts the bank refused: Stripe brought their amount back to "
        "the balance.",
    )
    dispute_tracked = fields.Boolean(compute="_compute_disputes")
    dispute_count = fields.Integer(string="Open Disputes", compute="_compute_disputes")
    dispute_amount = fields.Monetary(
        string="Amount Disputed", compute="_compute_disputes"
    )

    # ------------------------------------------------------------ defaults
    @api.model
    def _default_period(self):
        """The last whole month, in the user's time zone."""
        first = fields.Date.context_today(self).replace(day=1)
        return first - relativedelta(months=1), first - relativedelta(days=1)

    # ------------------------------------------------------------ compute
    @api.depends("company_id", "date_from", "date_to")
    def _compute_display_name(self):
        for report in self:
            report.display_name = self.env._(
                "Stripe Reconciliation %(company)s, %(start)s to %(end)s",
                company=report.company_id.name or "",
                start=format_date(self.env, report.date_from),
                end=format_date(self.env, report.date_to),
            )

    @api.depends("company_id", "date_from", "date_to")
    def _compute_figures(self):
        for report in self:
            company = report.company_id
            journals = report._get_stripe_journals()
            report.journal_ids = journals
            report.currency_id = report._get_report_currency(journals)
            period = report._get_statement_lines(
                journals, [("date", ">=", report.date_from)]
            )
            unreconciled = report._get_statement_lines(
                journals, [("is_reconciled", "=", False)]
            )
            report.unreconciled_count = len(unreconciled)
            report.unreconciled_amount = report._sum(unreconciled)
            fees = period.filtered(lambda line: line.support_stripe_type == "fee")
            report.fee_count = len(fees)
            report.fee_amount = -report._sum(fees)
            payouts = period.filtered(lambda line: line.support_stripe_type == "payout")
            failed = payouts.filtered(
                lambda line: line.support_payout_state == "failed"
            )
            report.payout_line_ids = payouts
            report.payout_amount = -report._sum(payouts - failed)
            report.payout_failed_count = len(failed)
            report.payout_unmatched_count = len(
                payouts.filtered(lambda line: line.support_payout_state == "unmatched")
            )
            report.fee_booked_amount = report._fee_account_balance()
            accounts = journals.default_account_id
            balance = 0.0
            if accounts and company:
                aml_domain = [
                    ("account_id", "in", accounts.ids),
                    ("company_id", "=", company.id),
                    ("parent_state", "=", "posted"),
                ]
                field = (
                    "amount_currency"
                    if report.currency_id != company.currency_id
                    else "balance"
                )
                [(balance,)] = self.env["account.move.line"]._read_group(
                    aml_domain, aggregates=[f"{field}:sum"]
                )
            report.odoo_balance = balance or 0.0
            report.outside_statements_amount = (
                report.odoo_balance - report._statements_total(journals)
            )

    @api.depends("company_id", "date_from", "date_to")
    def _compute_stripe(self):
        for report in self:
            state, message, available, pending, missing, missing_count = (
                report._read_stripe()
            )
            report.stripe_state = state
            report.stripe_message = message
            report.stripe_available = available
            report.stripe_pending = pending
            report.stripe_balance = available + pending
            report.not_imported_amount = missing
            report.not_imported_count = missing_count
            if state == "ok":
                result = rules.stripe_difference(
                    available + pending,
                    report.odoo_balance,
                    missing,
                    report.outside_statements_amount,
                )
                report.difference = float(result.difference)
                report.is_balanced = result.balanced
                report.unexplained_amount = float(result.unexplained)
            else:
                report.difference = report.unexplained_amount = 0.0
                report.is_balanced = False

    @api.depends("company_id", "date_from", "date_to")
    def _compute_disputes(self):
        for report in self:
            disputes = report._get_open_disputes()
            report.dispute_tracked = disputes is not None
            count, amount = disputes or (0, 0.0)
            report.dispute_count = count
            report.dispute_amount = amount

    # ------------------------------------------------------------ constraints
    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for report in self:
            if report.date_from > report.date_to:
                raise ValidationError(
                    self.env._("The period must start before it ends.")
                )

    # ------------------------------------------------------------ actions
    @api.model
    def action_open_screen(self, company=None):
        """Menu entry: the screen of the user's current company (or of
        ``company``), last month: for accountants with the full accounting
        features."""
        if not self.env.su and not self.env.user.has_group(
            "account.group_account_user"
        ):
            raise AccessError(
                self.env._(
                    "The Stripe Reconciliation screen is for accountants with "
                    "the full accounting features (Accounting: Show Full "
                    "Accounting Features): ask an accounting administrator."
                )
            )
        report = self.create({"company_id": (company or self.env.company).id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Stripe Reconciliation"),
            "res_model": self._name,
            "res_id": report.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_refresh(self):
        """Read Stripe and the journals again (the figures are computed
        each time the screen is read)."""
        self.ensure_one()
        self.invalidate_recordset()
        return True

    def action_open_unreconciled(self):
        """The lines still to reconcile, in account_reconcile_oca's screen."""
        self.ensure_one()
        journals = self._get_stripe_journals()
        if not journals:
            raise UserError(self._no_journal_message())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_reconcile_oca.action_bank_statement_line_reconcile"
        )
        action["domain"] = [
            ("journal_id", "in", journals.ids),
            ("date", "<=", self.date_to),
        ]
        action["context"] = {
            "default_journal_id": journals[:1].id,
            "search_default_not_reconciled": True,
            "view_ref": "account_reconcile_oca.bank_statement_line_form_reconcile_view",
        }
        action["name"] = self.env._("Stripe Lines to Reconcile")
        return action

    def action_open_fees(self):
        """The fee lines of the period."""
        return self._open_lines(
            self.env._("Stripe Fees"),
            lambda line: line.support_stripe_type == "fee",
        )

    def action_open_payouts(self):
        """The payout lines of the period."""
        return self._open_lines(
            self.env._("Stripe Payouts"),
            lambda line: line.support_stripe_type == "payout",
        )

    def action_open_disputes(self):
        """The company's open Stripe disputes (issue 24's disputes)."""
        self.ensure_one()
        if "support.stripe.dispute" not in self.env:
            raise UserError(self.env._("Stripe disputes are not tracked in Odoo."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_stripe_dispute_action"
        )
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("is_closed", "=", False),
        ]
        return action

    # ------------------------------------------------------------ business
    def _get_stripe_journals(self):
        """The company's Stripe journals: those whose statements OCA imports
        from Stripe, and those the company's Stripe payment providers post
        their payments to."""
        self.ensure_one()
        company = self.company_id
        if not company:
            return self.env["account.journal"]
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search(
                [
                    ("code", "=", "stripe"),
                    ("company_id", "=", company.id),
                    ("state", "in", ("enabled", "test")),
                ]
            )
        )
        return self.env["account.journal"].search(
            [
                ("company_id", "=", company.id),
                ("type", "=", "bank"),
                "|",
                ("online_bank_statement_provider", "=", "stripe"),
                ("id", "in", providers.journal_id.ids),
            ],
            order="sequence, id",
        )

    def _fee_account_balance(self):
        """The period's balance of the company's Stripe fees account, when
        Stripe's set-up made one (0 otherwise)."""
        company = self.company_id
        account = (
            company.support_stripe_fee_account_id
            if "support_stripe_fee_account_id" in company._fields
            else False
        )
        if not account:
            return 0.0
        [(balance,)] = self.env["account.move.line"]._read_group(
            [
                ("account_id", "=", account.id),
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
            ],
            aggregates=["balance:sum"],
        )
        return balance or 0.0

    def _get_report_currency(self, journals):
        company_currency = self.company_id.currency_id
        currencies = journals.mapped(lambda j: j.currency_id or company_currency)
        return currencies[:1] if len(currencies) == 1 else company_currency

    def _get_statement_lines(self, journals, domain=()):
        """The journals' statement lines up to the end of the period (and
        matching ``domain``)."""
        if not journals:
            return self.env["account.bank.statement.line"]
        return self.env["account.bank.statement.line"].search(
            [
                ("journal_id", "in", journals.ids),
                ("company_id", "=", self.company_id.id),
                ("date", "<=", self.date_to),
                ("state", "!=", "cancel"),
                *domain,
            ],
            order="date, id",
        )

    def _statements_total(self, journals):
        """Every posted statement line of the journals, whatever its date
        (Stripe's balance is today's), in the report's currency."""
        if not journals:
            return 0.0
        currency = self.currency_id or self.company_id.currency_id
        groups = self.env["account.bank.statement.line"]._read_group(
            [
                ("journal_id", "in", journals.ids),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "posted"),
            ],
            ["journal_id"],
            ["amount:sum"],
        )
        total = 0.0
        for journal, amount in groups:
            journal_currency = journal.currency_id or self.company_id.currency_id
            if journal_currency != currency:
                amount = journal_currency._convert(
                    amount, currency, self.company_id, fields.Date.today()
                )
            total += amount
        return currency.round(total)

    def _sum(self, lines):
        """Lines' amounts in the report's currency (a journal in another
        currency is converted at the end of the period)."""
        currency = self.currency_id or self.company_id.currency_id
        total = 0.0
        for line in lines:
            line_currency = line.journal_id.currency_id or line.company_id.currency_id
            amount = line.amount
            if line_currency != currency:
                amount = line_currency._convert(
                    amount, currency, self.company_id, self.date_to
                )
            total += amount
        return currency.round(total)

    def _open_lines(self, name, predicate):
        self.ensure_one()
        journals = self._get_stripe_journals()
        lines = self._get_statement_lines(
            journals, [("date", ">=", self.date_from)]
        ).filtered(predicate)
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "account.bank.statement.line",
            "views": [
                (
                    self.env.ref(
                        "support_billing.support_stripe_statement_line_view_list"
                    ).id,
                    "list",
                ),
                (False, "form"),
            ],
            "domain": [("id", "in", lines.ids)],
            "context": {"create": False},
        }

    def _no_journal_message(self):
        return self.env._(
            "%(company)s has no Stripe journal: set up Stripe's statements "
            "import on a bank journal first.",
            company=self.company_id.name,
        )

    def _get_stripe_accounts(self):
        """``[(payment provider, journal)]``: the company's Stripe journals
        and the Stripe payment provider whose key reads each one's Stripe
        account (the one OCA's import reads, else the one posting to the
        journal), enabled and with a secret key (sudo: the key is for
        administrators only)."""
        journals = self._get_stripe_journals()
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search(
                [
                    ("code", "=", "stripe"),
                    ("company_id", "=", self.company_id.id),
                    ("state", "in", ("enabled", "test")),
                    ("stripe_secret_key", "!=", False),
                ]
            )
        )
        pairs = []
        for journal in journals:
            statement_provider = journal.sudo().online_bank_statement_provider_id
            linked = (
                statement_provider.support_payment_provider_id
                if "support_payment_provider_id" in statement_provider._fields
                else providers.browse()
            )
            provider = (linked & providers) or providers.filtered(
                lambda p, j=journal: p.journal_id == j
            )
            if provider:
                pairs.append((provider[:1], journal))
        return pairs

    def _read_stripe(self):
        """``(state, message, available, pending, not imported net, count)``
        of the company's Stripe accounts, in the report's currency.

        Stripe is asked for its balance (``GET /v1/balance``) and for the
        balance transactions since the last one imported, with each
        provider's key; an error gives a message, never a traceback.
        """
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id
        accounts = self._get_stripe_accounts()
        if not accounts:
            return (
                "not_configured",
                self.env._(
                    "Stripe is not configured for %(company)s (no enabled Stripe "
                    "provider with a secret key and a Stripe journal): only "
                    "Odoo's side is shown.",
                    company=self.company_id.name,
                ),
                0.0,
                0.0,
                0.0,
                0,
            )
        available = pending = missing = 0.0
        missing_count = 0
        try:
            for provider, journal in accounts:
                journal_currency = journal.currency_id or self.company_id.currency_id
                balance = provider._send_api_request("GET", "balance")
                figures = [0.0, 0.0, 0.0]
                for index, key in enumerate(("available", "pending")):
                    for fund in balance.get(key) or []:
                        if (
                            fund.get("currency", "").lower()
                            == journal_currency.name.lower()
                        ):
                            figures[index] += payment_utils.to_major_currency_units(
                                fund["amount"], journal_currency
                            )
                net, count = self._stripe_not_imported(provider, journal)
                figures[2] = payment_utils.to_major_currency_units(
                    net, journal_currency
                )
                missing_count += count
                converted = [
                    journal_currency._convert(
                        value, currency, self.company_id, fields.Date.today()
                    )
                    if journal_currency != currency
                    else value
                    for value in figures
                ]
                available += converted[0]
                pending += converted[1]
                missing += converted[2]
        except (
            ValidationError,
            UserError,
            requests.exceptions.RequestException,
            KeyError,
            TypeError,
            ValueError,
        ) as error:
            _logger.info("Stripe reconciliation: Stripe not reachable: %s", error)
            message = error.args[0] if isinstance(error, UserError) else str(error)
            return (
                "unreachable",
                self.env._(
                    "Stripe could not be reached, its side is not shown: %(error)s",
                    error=message,
                ),
                0.0,
                0.0,
                0.0,
                0,
            )
        return (
            "ok",
            False,
            currency.round(available),
            currency.round(pending),
            currency.round(missing),
            missing_count,
        )

    def _stripe_not_imported(self, provider, journal):
        """``(net in minor units, count)`` of the balance transactions
        Stripe lists since the day of the journal's last imported line that
        the journal does not hold."""
        lines = self.env["account.bank.statement.line"].search(
            [("journal_id", "=", journal.id), ("unique_import_id", "!=", False)],
            order="date desc, id desc",
            limit=1,
        )
        params = {"limit": 100}
        since = None
        if lines:
            since = lines.date - relativedelta(days=1)
            params["created[gte]"] = int(
                datetime.combine(since, time.min, tzinfo=UTC).timestamp()
            )
            imported = self.env["account.bank.statement.line"].search_read(
                [
                    ("journal_id", "=", journal.id),
                    ("date", ">=", since),
                    ("unique_import_id", "!=", False),
                ],
                ["unique_import_id"],
            )
            known = {row["unique_import_id"].rsplit("-", 1)[-1] for row in imported}
        else:
            known = set()
        currency = (journal.currency_id or journal.company_id.currency_id).name.lower()
        net = count = 0
        for _page in range(const.STRIPE_NOT_IMPORTED_MAX_PAGES):
            page = provider._send_api_request(
                "GET", "balance_transactions", data=params
            )
            for txn in page["data"]:
                if txn["currency"] == currency and txn["id"] not in known:
                    net += txn["net"]
                    count += 1
            if not page.get("has_more") or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        return net, count

    def _get_open_disputes(self):
        """``(count, amount)`` of the company's open Stripe disputes, in the
        report's currency, or None while Odoo does not track disputes (the
        disputes model, ``support.stripe.dispute``, is part of issue 24's
        disputes; a model of another name overrides this hook)."""
        self.ensure_one()
        if "support.stripe.dispute" not in self.env:
            return None
        Dispute = self.env["support.stripe.dispute"].sudo()
        if not {"company_id", "amount", "currency_id", "is_closed"} <= set(
            Dispute._fields
        ):
            return None
        disputes = Dispute.search(
            [("company_id", "=", self.company_id.id), ("is_closed", "=", False)]
        )
        currency = self.currency_id or self.company_id.currency_id
        amount = sum(
            dispute.currency_id._convert(
                dispute.amount, currency, self.company_id, self.date_to
            )
            for dispute in disputes
        )
        return len(disputes), currency.round(amount)

    # ------------------------------------------------------------ demo
    @api.model
    def _demo_stripe_month(self):
        """Demo: a Stripe journal holding last month, imported-looking and
        reconciled as the accountant's routine leaves it: three invoices
        paid by card with their fees, a partial refund settled by its credit
        note, a dispute lost (settled by the credit note it proposed) and
        one won (the money back), two payouts each matched with a line of
        the bank's statement; 10.00 stay on Stripe. No network: Stripe is
        not configured."""
        company = self.env.ref("base.main_company")
        Journal = self.env["account.journal"].with_company(company)
        journal = Journal.search(
            [("company_id", "=", company.id), ("code", "=", "STRP")], limit=1
        )
        if journal:
            return
        bank = Journal.search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("currency_id", "=", company.currency_id.id),
            ],
            order="invoice_date, id",
            limit=3,
        )
        if hasattr(company, "_support_stripe_accounts"):  # Stripe's set-up
            fee_account = company._support_stripe_accounts([])["fee"]
        else:
            fee_account = self.env["account.account"].search(
                [
                    *self.env["account.account"]._check_company_domain(company),
                    ("account_type", "=", "expense"),
                ],
                order="code",
                limit=1,
            )
        transfer_account = company.transfer_account_id
        if not (bank and len(invoices) == 3 and fee_account and transfer_account):
            return
        journal = Journal.create(
            {
                "name": "Stripe",
                "code": "STRP",
                "type": "bank",
                "company_id": company.id,
                "bank_statements_source": "online",
                "online_bank_statement_provider": "stripe",
            }
        )
        # the demo never calls Stripe: its import waits for the keys
        journal.online_bank_statement_provider_id.active = False
        first = self._default_period()[0]
        currency = company.currency_id
        Line = self.env["account.bank.statement.line"].with_company(company)

        def stripe(day, kind, amount, fee, source, label, ref=False, category=None):
            """A balance transaction as OCA's import makes it: its line,
            and its fee's line when it has a fee."""
            txn = self._demo_txn(
                f"txn_demo{day:02d}{kind[0]}", kind, amount, fee, source, first, day
            )
            if category:
                txn["reporting_category"] = category
            date = first + relativedelta(days=day)
            line = Line.create(
                self._demo_line_vals(journal, txn, date, label % "", amount, ref)
            )
            fee_line = Line
            if fee:
                fee_line = Line.create(
                    self._demo_line_vals(
                        journal, txn, date, label % "fee ", -fee, False, suffix="_fee"
                    )
                )
            return line, fee_line

        def receivable(move):
            return move.line_ids.filtered(
                lambda aml: (
                    aml.account_id.account_type == "asset_receivable"
                    and not aml.reconciled
                )
            )

        # the refund on the smallest invoice, the dispute won on the largest
        refunded, lost, won = invoices.sorted(lambda m: (m.amount_residual, m.id))
        first_payout = 0
        for day, invoice in ((3, refunded), (6, lost), (9, won)):
            minor = payment_utils.to_minor_currency_units(
                invoice.amount_residual, currency
            )
            fee = (minor * 150 + 5000) // 10000 + 25
            charge, charge_fee = stripe(
                day,
                "charge",
                minor,
                fee,
                f"ch_demo{day:02d}",
                f"stripe %s{invoice.name} charge ch_demo{day:02d} card",
                invoice.name,
            )
            charge._support_reconcile_with(receivable(invoice))
            charge_fee._support_reconcile_with(fee_account)
            if invoice == refunded:  # the first payout: what it brought
                first_payout = minor - fee
        self._demo_payout(stripe, bank, transfer_account, 10, first_payout)
        # a dispute lost: the bank keeps the money, Stripe its fee; the
        # credit note the dispute proposed, posted, settles the withdrawal
        dispute, withdrawal = self._demo_dispute(
            stripe, lost, "ch_demo06", "fraudulent", "lost", first, 12
        )
        credit_note = dispute.credit_note_ids
        credit_note.write({"invoice_date": first + relativedelta(days=20)})
        credit_note.action_post()
        withdrawal[0]._support_reconcile_with(receivable(credit_note))
        withdrawal[1]._support_reconcile_with(fee_account)
        # a dispute won: the withdrawal on the customer's account until the
        # reinstatement pays it back; the dispute fee stays with Stripe
        dispute, withdrawal = self._demo_dispute(
            stripe, won, "ch_demo09", "product_not_received", "won", first, 14
        )
        withdrawal[0]._support_reconcile_with(
            dispute._support_receivable_account(),
            partner_id=dispute.partner_id.id,
            name=dispute._support_withdrawal_label(withdrawal[0]),
        )
        withdrawal[1]._support_reconcile_with(fee_account)
        reinstatement, _fee = stripe(
            22,
            "adjustment",
            payment_utils.to_minor_currency_units(-withdrawal[0].amount, currency),
            0,
            dispute.name,
            f"stripe %s dispute {dispute.name} ",
            category="dispute_reversal",
        )
        reinstatement._support_reconcile_with(dispute._support_open_withdrawal_lines())
        # a partial refund: the credit note posted, its money back by Stripe
        credit_note = self._demo_credit_note(refunded, first + relativedelta(days=18))
        refund, _fee = stripe(
            19,
            "refund",
            -payment_utils.to_minor_currency_units(credit_note.amount_total, currency),
            0,
            "re_demo19",
            f"stripe %s refund re_demo19 (partial refund of {refunded.name})",
            credit_note.name,
        )
        refund._support_reconcile_with(receivable(credit_note))
        # the second payout: all but 10.00
        balance = payment_utils.to_minor_currency_units(
            sum(Line.search([("journal_id", "=", journal.id)]).mapped("amount")),
            currency,
        )
        if balance > 1000:
            self._demo_payout(stripe, bank, transfer_account, 24, balance - 1000)

    @api.model
    def _demo_payout(self, stripe, bank, transfer_account, day, minor):
        """Demo: a payout of ``minor`` and the bank's line for it two days
        later, both on the transfer account, reconciled with each other."""
        source = f"po_demo{day:02d}"
        payout, _fee = stripe(
            day, "payout", -minor, 0, source, f"stripe %s payout {source} "
        )
        bank_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": bank.id,
                "date": payout.date + relativedelta(days=2),
                "payment_ref": f"STRIPE PAYOUT {source}",
                "amount": -payout.amount,
            }
        )
        payout._support_reconcile_with(transfer_account)
        bank_line._support_reconcile_with(transfer_account)
        # the payout's transfer meets the bank's: the payout is matched
        (payout | bank_line).move_id.line_ids.filtered(
            lambda aml: aml.account_id == transfer_account
        ).reconcile()

    @api.model
    def _demo_dispute(self, stripe, invoice, charge, reason, status, first, day):
        """Demo: a card holder's bank disputes the whole of ``invoice``'s
        ``charge`` on ``day``: Stripe withdraws it and its dispute fee
        (15.00); Stripe closed it (``status``), as its events would have
        recorded it. Returns the dispute and the withdrawal's two lines."""
        name = f"du_demo{day:02d}"
        fee = 1500
        # the card payment disputed, as payment_stripe recorded it
        transaction = (
            self.env["payment.transaction"]
            .with_company(invoice.company_id)
            .create(
                {
                    "provider_id": self.env.ref("payment.payment_provider_stripe").id,
                    "payment_method_id": self.env.ref("payment.payment_method_card").id,
                    "reference": f"{invoice.name}-{charge}",
                    "provider_reference": charge.replace("ch_", "pi_"),
                    "amount": invoice.amount_total,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "company_id": invoice.company_id.id,
                    "operation": "online_direct",
                    "state": "done",
                    # paid by the charge's statement line (no payment to make)
                    "is_post_processed": True,
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )
        dispute = (
            self.env["support.stripe.dispute"]
            .with_company(invoice.company_id)
            .create(
                {
                    "name": name,
                    "company_id": invoice.company_id.id,
                    "transaction_id": transaction.id,
                    "stripe_payment_intent": transaction.provider_reference,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "partner_id": invoice.commercial_partner_id.id,
                    "currency_id": invoice.currency_id.id,
                    "amount": invoice.amount_total,
                    "fee_amount": payment_utils.to_major_currency_units(
                        fee, invoice.currency_id
                    ),
                    "withdrawn_amount": invoice.amount_total,
                    "reinstated_amount": invoice.amount_total
                    if status == "won"
                    else 0.0,
                    "reason": reason,
                    "status": "needs_response",
                    "evidence_due_date": datetime.combine(
                        first + relativedelta(days=day + 7), time(23, 59)
                    ),
                    "evidence_submitted": True,
                    "stripe_charge": charge,
                }
            )
        )
        dispute._support_on_opened(f"evt_demo{day:02d}")
        withdrawal = stripe(
            day,
            "adjustment",
            -payment_utils.to_minor_currency_units(
                invoice.amount_total, invoice.currency_id
            ),
            fee,
            name,
            f"stripe %s dispute {name} ",
            category="dispute",
        )
        dispute.status = status
        dispute._support_on_closed()
        return dispute, withdrawal

    @api.model
    def _demo_credit_note(self, invoice, date):
        """Demo: a posted credit note refunding part of ``invoice`` (one
        line like its first, price 20.00, same taxes and fiscal position)."""
        model_line = invoice.invoice_line_ids.filtered(
            lambda aml: aml.display_type == "product"
        )[:1]
        credit_note = (
            self.env["account.move"]
            .with_company(invoice.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "company_id": invoice.company_id.id,
                    "partner_id": invoice.partner_id.id,
                    "fiscal_position_id": invoice.fiscal_position_id.id,
                    "currency_id": invoice.currency_id.id,
                    "invoice_date": date,
                    "date": date,
                    "invoice_origin": invoice.name,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": model_line.name or invoice.name,
                                "account_id": model_line.account_id.id,
                                "quantity": 1,
                                "price_unit": 20.0,
                                "tax_ids": [Command.set(model_line.tax_ids.ids)],
                            }
                        )
                    ],
                }
            )
        )
        credit_note.action_post()
        return credit_note

    @api.model
    def _demo_txn(self, txn_id, kind, amount, fee, source, first, day):
        created = datetime.combine(
            first + relativedelta(days=day), time(10), tzinfo=UTC
        )
        return {
            "id": txn_id,
            "object": "balance_transaction",
            "amount": amount,
            "created": int(created.timestamp()),
            "currency": self.env.ref("base.main_company").currency_id.name.lower(),
            "fee": fee,
            "net": amount - fee,
            "reporting_category": kind,
            "source": source,
            "status": "available",
            "type": kind,
        }

    @api.model
    def _demo_line_vals(self, journal, txn, date, label, minor, ref, suffix=""):
        currency = journal.company_id.currency_id
        return {
            "journal_id": journal.id,
            "date": date,
            "payment_ref": label,
            "ref": ref,
            "amount": payment_utils.to_major_currency_units(minor, currency),
            "unique_import_id": f"{journal.id}-{txn['id']}{suffix}",
            "raw_data": json.dumps(txn),
        }
