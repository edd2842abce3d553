# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from odoo import fields, models

from .. import const, rules

#: the counterparts ``_get_rules`` found, ``{(model id, statement line id):
#: journal items}``, by token of OCA's automatic reconciliation running
#: (``account.bank.statement.line._do_auto_reconcile``)
COUNTERPARTS = {}


class AccountReconcileModel(models.Model):
    """The Stripe reconciliation models of the accountant's set-up (issue 24).

    Odoo 19's models post write-off lines; those of the matching roles
    (``const.STRIPE_MATCHING_ROLES``) first find the statement line's
    counterpart: the payment (or open invoice) named by the invoice number of
    a charge, the refund payment of a refund, the payout in transit of a
    bank's payout line.  OCA's automatic reconciliation applies a model only
    to the lines whose counterpart it finds (``_get_rules``)."""

    _name = "account.reconcile.model"
    _inherit = "account.reconcile.model"

    support_stripe_role = fields.Selection(
        selection=const.STRIPE_RECONCILE_ROLES,
        string="Stripe Role",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Set by the Stripe reconciliation set-up: what this model does "
        "with the lines of the Stripe account.",
    )

    _support_stripe_role_uniq = models.UniqueIndex(
        "(company_id, support_stripe_role) WHERE support_stripe_role IS NOT NULL",
        "One Stripe reconciliation model per role and company.",
    )

    def _get_rules(self, bank_statement_lines, trigger="auto_reconcile"):
        """A matching model applies to a line only when it finds the line's
        counterpart; the line goes on to the next model, or to OCA's
        matching of invoices, otherwise.  The invoices the lines name are
        searched once for all of them; the counterparts found are kept for
        ``_reconcile_data_by_model`` during OCA's automatic reconciliation
        (nothing is reconciled between the two)."""
        found = super()._get_rules(bank_statement_lines, trigger=trigger)
        token = self.env.context.get("support_defer_reconcile")
        kept = COUNTERPARTS.get(token)
        invoices = self._support_stripe_invoices(bank_statement_lines.browse(found))
        models_by_id = {}
        for line_id, model_ids in list(found.items()):
            line = bank_statement_lines.browse(line_id)
            for index, model_id in enumerate(model_ids):
                model = models_by_id.setdefault(model_id, self.browse(model_id))
                if model._support_stripe_applies(line, invoices=invoices, kept=kept):
                    found[line_id] = model_ids[index:]
                    break
            else:
                del found[line_id]
        return found

    def _get_write_off_move_lines_dict(
        self, residual_balance, partner_id, statement_line
    ):
        """The withdrawal of a dispute Odoo knows goes to its customer's
        receivable (the customer owes the money the bank took back), not to
        the *Stripe disputes* account: the credit note of a lost dispute
        then settles it, a won dispute's reinstatement pays it back
        (docs/accountant.md: Stripe disputes)."""
        if self.support_stripe_role == "dispute":
            dispute = self._support_stripe_dispute(statement_line)
            if dispute.partner_id:
                return self._support_stripe_dispute_write_off(
                    dispute, residual_balance, statement_line
                )
        return super()._get_write_off_move_lines_dict(
            residual_balance, partner_id, statement_line
        )

    def _support_stripe_invoices(self, st_lines):
        """The posted customer invoices the lines' references name, in one
        search: ``{(company id, number): (rank, invoice)}``, the rank in the
        search's order, the invoices prefetched together."""
        numbers = {
            number.strip()
            for line in st_lines
            for number in (line.ref or "").split(",")
            if number.strip()
        }
        if not numbers:
            return {}
        invoices = self.env["account.move"].search(
            [
                ("company_id", "in", st_lines.company_id.ids),
                ("name", "in", sorted(numbers)),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_receipt")),
            ]
        )
        return {
            (invoice.company_id.id, invoice.name): (index, invoice)
            for index, invoice in enumerate(invoices)
        }

    # ------------------------------------------------------------ matching
    def _support_stripe_applies(self, st_line, invoices=None, kept=None):
        """Whether this model takes the statement line: a matching model
        when it finds the line's counterpart (kept in ``kept`` for OCA's
        reconciliation data, ``invoices``: those of
        ``_support_stripe_invoices``); the payouts' model never takes a
        failed payout coming back; the disputes' model takes a reinstatement
        of a dispute Odoo knows only with its withdrawal."""
        self.ensure_one()
        role = self.support_stripe_role
        if role in const.STRIPE_MATCHING_ROLES:
            counterparts = self._support_stripe_counterparts(st_line, invoices=invoices)
            if counterparts and kept is not None:
                kept[(self.id, st_line.id)] = counterparts
            return bool(counterparts)
        if role == "payout":
            return st_line._support_stripe_transaction()[0] != "payout_failure"
        if role == "dispute" and st_line.amount > 0:
            return not self._support_stripe_dispute(st_line) or bool(
                self._support_stripe_counterparts(st_line)
            )
        return True

    def _support_stripe_counterparts(self, st_line, invoices=None):
        """The open journal items the statement line settles, all of them
        (their residuals add up to the line's amount), or none.  ``invoices``:
        those of ``_support_stripe_invoices``, searched for many lines."""
        self.ensure_one()
        role = self.support_stripe_role
        if role not in (*const.STRIPE_MATCHING_ROLES, "dispute"):
            return self.env["account.move.line"]
        kept = COUNTERPARTS.get(self.env.context.get("support_defer_reconcile"))
        if kept and (self.id, st_line.id) in kept:
            return kept[(self.id, st_line.id)]
        candidates = getattr(self, f"_support_stripe_candidates_{role}")
        if role == "charge":
            payments, open_items = candidates(st_line, invoices=invoices)
        else:
            payments, open_items = candidates(st_line)
        currency = st_line.company_id.currency_id
        if (st_line.foreign_currency_id or st_line.currency_id) != currency:
            return self.env["account.move.line"]  # Stripe pays in the same currency

        def minor(lines):
            return [
                (line.id, round(line.amount_residual * 10**currency.decimal_places))
                for line in lines
            ]

        keys = rules.stripe_counterparts(
            round(st_line.amount * 10**currency.decimal_places),
            minor(payments),
            minor(open_items),
        )
        return self.env["account.move.line"].browse(keys)

    def _support_open_payment_lines(self, payments, journal):
        """The payments' outstanding lines not reconciled yet, in the
        statement's journal, oldest first."""
        lines = self.env["account.move.line"]
        for payment in payments.filtered(
            lambda p: p.state != "canceled" and p.journal_id == journal
        ):
            lines |= payment.move_id.line_ids.filtered(
                lambda line, payment=payment: (
                    line.parent_state == "posted"
                    and not line.reconciled
                    and line.account_id.reconcile
                    and line.account_id == payment.outstanding_account_id
                )
            )
        return lines.sorted(lambda line: (line.date, line.id))

    def _support_stripe_candidates_charge(self, st_line, invoices=None):
        """A charge names its invoice(s) in its reference (OCA's
        ``stripe_reference``: the metadata's ``invoice_number``): their
        payments recorded in the Stripe journal, else their open
        receivables."""
        numbers = [n.strip() for n in (st_line.ref or "").split(",") if n.strip()]
        if not numbers:
            return self.env["account.move.line"], self.env["account.move.line"]
        if invoices is None:
            invoices = self._support_stripe_invoices(st_line)
        company_id = st_line.company_id.id
        named = sorted(
            invoices[(company_id, number)]
            for number in set(numbers)
            if (company_id, number) in invoices
        )
        invoices = self.env["account.move"].browse([inv.id for _i, inv in named])
        if named:
            invoices = invoices.with_prefetch(named[0][1]._prefetch_ids)
        payments = self._support_open_payment_lines(
            invoices._get_reconciled_payments(), st_line.journal_id
        )
        open_items = invoices.line_ids.filtered(
            lambda line: line.display_type == "payment_term" and not line.reconciled
        )
        return payments, open_items

    def _support_stripe_candidates_refund(self, st_line):
        """A refund is named by its Stripe id (``re_…``), which Odoo keeps as
        the refund transaction's provider reference: the refund's payment."""
        refund_ids = re.findall(r"\b(?:re|pyr)_\w+", st_line.payment_ref or "")
        if not refund_ids:
            return self.env["account.move.line"], self.env["account.move.line"]
        transactions = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("provider_reference", "in", refund_ids),
                    ("operation", "=", "refund"),
                    ("company_id", "=", st_line.company_id.id),
                ]
            )
        )
        payments = transactions.payment_id.sudo(False)
        return (
            self._support_open_payment_lines(payments, st_line.journal_id),
            self.env["account.move.line"],
        )

    def _support_stripe_in_transit(self, company):
        """The Stripe journal's payout lines still in transit (on the
        transfer account), oldest first."""
        payout_models = self.search(
            [("company_id", "=", company.id), ("support_stripe_role", "=", "payout")]
        )
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("reconcile_model_id", "in", payout_models.ids),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("account_id.reconcile", "=", True),
            ],
            order="date, id",
        )

    def _support_stripe_candidates_payout_arrival(self, st_line):
        """A payout reaching the bank: the payouts in transit; the one whose
        payout id the bank's label gives, else those of the line's amount."""
        in_transit = self._support_stripe_in_transit(st_line.company_id)
        payout_ids = re.findall(r"\bpo_\w+", st_line.payment_ref or "")
        named = in_transit.filtered(
            lambda line: any(p in (line.name or "") for p in payout_ids)
        )
        return named or in_transit, self.env["account.move.line"]

    def _support_stripe_candidates_payout_failure(self, st_line):
        """A failed payout (balance transaction ``payout_failure``, the
        amount back on the Stripe balance): the same payout in transit,
        named by its id (``source``), never another one."""
        kind, payout_id = st_line._support_stripe_transaction()
        if kind != "payout_failure" or not payout_id:
            return self.env["account.move.line"], self.env["account.move.line"]
        named = self._support_stripe_in_transit(st_line.company_id).filtered(
            lambda line: payout_id in (line.name or "")
        )
        return named, self.env["account.move.line"]

    # ------------------------------------------------------------ disputes
    def _support_stripe_dispute(self, st_line):
        """The Stripe dispute (known to Odoo) a dispute's line names."""
        names = re.findall(r"\b(?:dp|du)_\w+", st_line.payment_ref or "")
        if not names:
            return self.env["support.stripe.dispute"]
        return (
            self.env["support.stripe.dispute"]
            .sudo()
            .search(
                [("name", "in", names), ("company_id", "=", st_line.company_id.id)],
                limit=1,
            )
        )

    def _support_stripe_candidates_dispute(self, st_line):
        """A withdrawal settles the lost dispute's posted credit note (when
        the accountant posted it before the import); a reinstatement
        settles what the withdrawal left open: the customer's receivable,
        or the *Stripe disputes* account for a dispute Odoo did not know
        then."""
        empty = self.env["account.move.line"]
        dispute = self._support_stripe_dispute(st_line)
        if not dispute:
            return empty, empty
        if st_line.amount < 0:
            return empty, dispute._support_open_credit_note_lines()
        return empty, dispute._support_open_withdrawal_lines().filtered(
            lambda line: line.move_id != st_line.move_id
        )

    def _support_stripe_dispute_write_off(self, dispute, residual_balance, st_line):
        currency = self.company_id.currency_id
        if currency.is_zero(residual_balance):
            return []
        return [
            {
                "name": dispute._support_withdrawal_label(st_line),
                "balance": residual_balance,
                "debit": residual_balance > 0 and residual_balance or 0,
                "credit": residual_balance < 0 and -residual_balance or 0,
                "account_id": dispute._support_receivable_account().id,
                "partner_id": dispute.partner_id.id,
                "currency_id": currency.id,
                "analytic_distribution": False,
                "reconcile_model_id": self.id,
                "tax_ids": [],
            }
        ]
