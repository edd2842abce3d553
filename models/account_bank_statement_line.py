# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from odoo import models


class AccountBankStatementLine(models.Model):
    _name = "account.bank.statement.line"
    _inherit = "account.bank.statement.line"

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
