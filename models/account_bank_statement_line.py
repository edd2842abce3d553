# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
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

    def reconcile_bank_line(self):
        """OCA's automatic reconciliation reconciles each line of an import
        prefetched with all the others: reading the line's non-stored
        ``reconcile_data_info`` then computes it for every unreconciled line
        of the import, at each line (an import of N lines took N² of these
        computations).  The line alone is computed."""
        return super(
            AccountBankStatementLine, self.with_prefetch(self._ids)
        ).reconcile_bank_line()
