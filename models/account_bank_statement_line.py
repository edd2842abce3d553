# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import itertools
import json
import re

from odoo import Command, api, fields, models
from odoo.tools import split_every
from odoo.tools.constants import PREFETCH_MAX

from .. import const
from .account_reconcile_model import COUNTERPARTS

#: the lines OCA's automatic reconciliation reconciles, deferred to be
#: reconciled together (``_do_auto_reconcile``), by token of the call
_DEFERRED = {}
_TOKENS = itertools.count(1)


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

    @api.model_create_multi
    def create(self, vals_list):
        """Lines created by thousands (an import of Stripe's month) are
        created by chunks of ``PREFETCH_MAX``: Odoo names the entries it
        posts by chunks of as many records, and beyond the first chunk each
        entry's name is written again, with a search for a gap in the
        sequence (one query per line at 2,010 lines, two at 20,100; the
        same names)."""
        if len(vals_list) <= PREFETCH_MAX:
            return super().create(vals_list)
        return self.concat(
            *(
                super(AccountBankStatementLine, self).create(chunk)
                for chunk in split_every(PREFETCH_MAX, vals_list, list)
            )
        )

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

    def _support_reconcile_with(self, target, **values):
        """Reconcile this line: with journal items (``account.move.line``,
        e.g. an invoice's receivable) or by booking it to an account
        (``account.account``, e.g. fees, a transfer; ``values``: more of
        the counterpart's, e.g. a partner). For demo data and tests;
        accountants use account_reconcile_oca's screen."""
        self.ensure_one()
        _liquidity, suspense, _others = self._seek_for_lines()
        if target._name == "account.account":
            suspense.with_context(skip_readonly_check=True).write(
                {**values, "account_id": target.id}
            )
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
        computations).  The line alone is computed.

        Called by the automatic reconciliation (``_do_auto_reconcile``), the
        line waits to be reconciled with the others of the import."""
        token = self.env.context.get("support_defer_reconcile")
        if token in _DEFERRED:
            _DEFERRED[token].extend(self._ids)
            return None
        return super(
            AccountBankStatementLine, self.with_prefetch(self._ids)
        ).reconcile_bank_line()

    def _do_auto_reconcile(self, reconcile_if_possible=True):
        """OCA reconciles the lines it matched one by one, each rewriting its
        journal entry (``_reconcile_bank_line_edit``): an import of N lines
        took N writes of entries, N creations of journal items and N
        reconciliations.  The lines matched are reconciled together, in
        the same steps, once for all (``_support_reconcile_edit_together``):
        the same entries, items and reconciliations."""
        if not reconcile_if_possible or self.env.context.get("support_defer_reconcile"):
            return super()._do_auto_reconcile(reconcile_if_possible)
        token = next(_TOKENS)
        _DEFERRED[token] = []
        COUNTERPARTS[token] = {}
        try:
            super(
                AccountBankStatementLine,
                self.with_context(support_defer_reconcile=token),
            )._do_auto_reconcile(True)
        finally:
            COUNTERPARTS.pop(token)
            matched = self.browse(_DEFERRED.pop(token))
        edit = matched.filtered(lambda line: line.journal_id.reconcile_mode == "edit")
        edit._support_reconcile_edit_together()
        for line in matched - edit:
            line.reconcile_bank_line()
        return None

    def _support_reconcile_edit_together(self):
        """OCA's ``reconcile_bank_line`` in its ``edit`` mode for all these
        lines at once: their entries lose their suspense and other lines in
        one write, the lines of their reconciliation data are created in one
        go, then each new line is reconciled with its counterparts (one
        reconciliation plan, in the lines' order)."""
        if not self:
            return
        self.reconcile_mode = "edit"
        move_line = self.env["account.move.line"]
        to_remove = move_line
        vals_list = []
        counterparts = []
        for line in self:
            # the line's data alone (see ``reconcile_bank_line``)
            alone = line.with_prefetch(line._ids)
            data = alone._prepare_reconcile_line_data(alone.reconcile_data_info["data"])
            _liquidity, suspense, others = line._seek_for_lines()
            to_remove |= suspense | others
            for line_vals in data:
                if line_vals["kind"] == "liquidity":
                    continue
                vals_list.append(line._reconcile_move_line_vals(line_vals))
                counterparts.append(line_vals.get("counterpart_line_ids"))
        moves = self.move_id
        container = {"records": moves, "self": moves}
        with moves._check_balanced(container):
            moves.with_context(
                skip_account_move_synchronization=True,
                force_delete=True,
                skip_invoice_sync=True,
                skip_readonly_check=True,
            ).write({"line_ids": [Command.delete(line.id) for line in to_remove]})
            created = move_line.with_context(
                check_move_validity=False,
                skip_sync_invoice=True,
                skip_invoice_sync=True,
                validate_analytic=True,
            ).create(vals_list)
        plan = [
            move_line.browse(ids) + new_line
            for new_line, ids in zip(created, counterparts, strict=True)
            if ids
        ]
        if plan:
            move_line._reconcile_plan(plan)
        self.reconcile_data = False
