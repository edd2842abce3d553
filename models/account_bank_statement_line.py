# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import re

from odoo import api, fields, models

from .. import const


class AccountBankStatementLine(models.Model):
    """What a line imported from Stripe is (OCA's importer keeps Stripe's
    balance transaction in ``raw_data``; a fee has its own line, imported as
    ``<transaction>_fee``), and for a payout, the bank's line it is matched
    with (docs/accountant.md: The monthly routine)."""

    _name = "account.bank.statement.line"
    _inherit = "account.bank.statement.line"

    support_stripe_type = fields.Selection(
        selection=const.STRIPE_LINE_TYPES,
        string="Stripe Type",
        compute="_compute_support_stripe_type",
    )
    support_stripe_source = fields.Char(
        string="Stripe Object",
        compute="_compute_support_stripe_type",
        help="The Stripe charge, refund or payout of the line.",
    )
    support_payout_bank_line_id = fields.Many2one(
        comodel_name="account.bank.statement.line",
        string="Bank Line",
        compute="_compute_support_payout_bank_line_id",
        help="The line of the bank's statement this payout is matched with.",
    )
    support_payout_matched = fields.Boolean(
        string="Matched with the Bank",
        compute="_compute_support_payout_bank_line_id",
    )
    support_payout_state = fields.Selection(
        selection=[
            ("matched", "Matched"),
            ("unmatched", "Not matched"),
            ("failed", "Failed"),
        ],
        string="Bank",
        compute="_compute_support_payout_bank_line_id",
        help="Failed: Stripe brought the payout back to the balance (the bank "
        "refused it); the payout never reaches the bank.",
    )

    @api.depends("raw_data", "unique_import_id")
    def _compute_support_stripe_type(self):
        for line in self:
            kind, source = line._support_stripe_transaction()
            line.support_stripe_type = kind
            line.support_stripe_source = source

    @api.depends("is_reconciled", "move_id.line_ids.matched_debit_ids")
    def _compute_support_payout_bank_line_id(self):
        for line in self:
            bank_line = self.browse()
            state = False
            if line.support_stripe_type == "payout":
                if line._support_payout_failure_lines():
                    state = "failed"
                else:
                    if line.is_reconciled:
                        bank_line = line._support_matched_statement_lines()[:1]
                    state = bank_line and "matched" or "unmatched"
            line.support_payout_bank_line_id = bank_line
            line.support_payout_matched = bool(bank_line)
            line.support_payout_state = state

    def _support_stripe_transaction(self):
        """``(type, source id)`` of a line OCA imported from Stripe, from its
        balance transaction; ``(False, False)`` for any other line."""
        self.ensure_one()
        if not self.raw_data or not self.unique_import_id:
            return False, False
        try:
            txn = json.loads(self.raw_data)
        except ValueError:
            return False, False
        if not isinstance(txn, dict) or txn.get("object") != "balance_transaction":
            return False, False
        source = txn.get("source")
        if isinstance(source, dict):  # expanded by the importer
            source = source.get("id")
        if self.unique_import_id.endswith("_fee"):
            return "fee", source or False
        kind = txn.get("type")
        if kind not in dict(const.STRIPE_LINE_TYPES):
            kind = "other"
        return kind, source or False

    def _support_payout_failure_lines(self):
        """The lines of the same Stripe journal that bring this payout back
        (balance transactions ``payout_failure`` of the same payout)."""
        self.ensure_one()
        if not self.support_stripe_source or not self.journal_id:
            return self.browse()
        return self.search(
            [
                ("journal_id", "=", self.journal_id.id),
                ("payment_ref", "ilike", self.support_stripe_source),
                ("id", "!=", self.id),
            ]
        ).filtered(
            lambda line: (
                line._support_stripe_transaction()
                == ("payout_failure", self.support_stripe_source)
            )
        )

    def _support_matched_statement_lines(self):
        """The statement lines of other bank journals whose entries are
        reconciled with this line's counterpart (a payout's transfer)."""
        self.ensure_one()
        _liquidity, suspense, others = self._seek_for_lines()
        counterparts = others | suspense
        matched = (
            counterparts.matched_debit_ids.debit_move_id
            | counterparts.matched_credit_ids.credit_move_id
        ) - counterparts
        return matched.move_id.statement_line_id.filtered(
            lambda st_line: (
                st_line.journal_id != self.journal_id
                and st_line.journal_id.type == "bank"
            )
        )

    def _support_reconcile_with(self, target):
        """Reconcile this line: with journal items (``account.move.line``,
        e.g. an invoice's receivable) or by booking it to an account
        (``account.account``, e.g. fees, a transfer). For demo data and
        tests; accountants use account_reconcile_oca's screen."""
        self.ensure_one()
        _liquidity, suspense, _others = self._seek_for_lines()
        if target._name == "account.account":
            suspense.with_context(skip_readonly_check=True).account_id = target
            return
        suspense.with_context(skip_readonly_check=True).write(
            {"account_id": target.account_id.id, "partner_id": target.partner_id.id}
        )
        (suspense + target).reconcile()

    def _reconcile_data_by_model(self, data, reconcile_model, reconcile_auxiliary_id):
        """A Stripe matching model (issue 24) puts the counterpart it found
        (a payment, an invoice, a payout in transit) against the line before
        its write-off lines, which then post only what is left (nothing when
        the counterpart settles the whole line)."""
        counterparts = reconcile_model._support_stripe_counterparts(self)
        if counterparts:
            data = [line for line in data if line["kind"] != "suspense"]
            for move_line in counterparts:
                reconcile_auxiliary_id, lines = self._get_reconcile_line(
                    move_line,
                    "other",
                    is_counterpart=True,
                    reconcile_auxiliary_id=reconcile_auxiliary_id,
                    move=True,
                )
                data += lines
        return super()._reconcile_data_by_model(
            data, reconcile_model, reconcile_auxiliary_id
        )

    def _auto_reconcile(self):
        """Then a payout the import just sent in transit (issue 24) settles
        the bank's line for it, when the bank's statement came first."""
        super()._auto_reconcile()
        # a failed payout or a dispute's reinstatement imported with the
        # payout or the withdrawal it settles: once more, now that these are
        # reconciled
        again = self.filtered(
            lambda line: (
                not line.is_reconciled
                and re.search(r" (payout po|dispute d[up])_", line.payment_ref or "")
                and line.support_stripe_type in ("payout_failure", "adjustment")
            )
        )
        if again:
            again._do_auto_reconcile(True)
        payouts = self.env["account.reconcile.model"].search(
            [
                ("company_id", "in", self.company_id.ids),
                ("support_stripe_role", "=", "payout"),
            ]
        )
        sent = self.filtered(
            lambda line: (
                line.is_reconciled
                and line.move_id.line_ids.reconcile_model_id & payouts
            )
        )
        arrivals = self.env["account.reconcile.model"].search(
            [
                ("company_id", "in", sent.company_id.ids),
                ("support_stripe_role", "=", "payout_arrival"),
            ]
        )
        if not arrivals:
            return
        waiting = self.search(
            [
                ("journal_id", "in", arrivals.match_journal_ids.ids),
                ("is_reconciled", "=", False),
                ("amount", ">", 0),
                ("id", "not in", self.ids),
            ]
        ).filtered(
            # the bank's lines the payouts' arrival model reads, no other
            lambda line: any(
                re.search(
                    model.match_label_param or "", line.payment_ref or "", re.IGNORECASE
                )
                for model in arrivals
                if line.journal_id in model.match_journal_ids
            )
        )
        if waiting:
            waiting._do_auto_reconcile(True)

    def reconcile_bank_line(self):
        """OCA's automatic reconciliation reconciles each line of an import
        prefetched with all the others: reading the line's non-stored
        ``reconcile_data_info`` then computes it for every unreconciled line
        of the import, at each line (an import of N lines took N² of these
        computations).  The line alone is computed."""
        return super(
            AccountBankStatementLine, self.with_prefetch(self._ids)
        ).reconcile_bank_line()
