# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A Stripe dispute (chargeback) of a card payment, kept in step with Stripe
by the webhook (issue 24, item 3)."""

import logging
from datetime import datetime, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.payment import utils as payment_utils

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: Written by the webhook's synchronisation only (as superuser).
SYNC_FIELDS = {
    "name",
    "company_id",
    "transaction_id",
    "invoice_ids",
    "hold_id",
    "partner_id",
    "currency_id",
    "amount",
    "fee_amount",
    "withdrawn_amount",
    "reinstated_amount",
    "reason",
    "status",
    "evidence_due_date",
    "evidence_submitted",
    "credit_note_ids",
    "stripe_charge",
    "stripe_payment_intent",
    "last_event",
}


class SupportStripeDispute(models.Model):
    _name = "support.stripe.dispute"
    _description = "Stripe Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    _name_uniq = models.Constraint("UNIQUE(name)", "A Stripe dispute is recorded once.")

    name = fields.Char(
        string="Stripe Dispute", required=True, readonly=True, copy=False, index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    transaction_id = fields.Many2one(
        comodel_name="payment.transaction",
        string="Payment Transaction",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="support_stripe_dispute_invoice_rel",
        column1="dispute_id",
        column2="move_id",
        string="Invoices",
        readonly=True,
        copy=False,
    )
    hold_id = fields.Many2one(
        comodel_name="support.card.hold",
        string="Card Hold",
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", readonly=True, index=True
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", required=True, readonly=True
    )
    amount = fields.Monetary(
        string="Disputed Amount",
        currency_field="currency_id",
        readonly=True,
        tracking=True,
    )
    fee_amount = fields.Monetary(
        string="Dispute Fee",
        currency_field="currency_id",
        readonly=True,
        tracking=True,
        help="Taken by Stripe with the disputed amount; not given back when the "
        "dispute is won.",
    )
    withdrawn_amount = fields.Monetary(
        string="Withdrawn", currency_field="currency_id", readonly=True, tracking=True
    )
    reinstated_amount = fields.Monetary(
        string="Reinstated",
        currency_field="currency_id",
        readonly=True,
        tracking=True,
    )
    reason = fields.Selection(
        selection=const.DISPUTE_REASONS, required=True, readonly=True, tracking=True
    )
    status = fields.Selection(
        selection=const.DISPUTE_STATUSES, required=True, readonly=True, tracking=True
    )
    is_closed = fields.Boolean(
        string="Closed", compute="_compute_is_closed", store=True
    )
    evidence_due_date = fields.Datetime(
        string="Evidence Due By", readonly=True, tracking=True
    )
    evidence_submitted = fields.Boolean(readonly=True, tracking=True)
    credit_note_ids = fields.Many2many(
        comodel_name="account.move",
        relation="support_stripe_dispute_credit_note_rel",
        column1="dispute_id",
        column2="move_id",
        string="Proposed Credit Notes",
        readonly=True,
        copy=False,
    )
    stripe_charge = fields.Char(string="Stripe Charge", readonly=True)
    stripe_payment_intent = fields.Char(string="Stripe Payment Intent", readonly=True)
    last_event = fields.Char(
        string="Last Stripe Event",
        readonly=True,
        help="The last Stripe event that changed this dispute.",
    )

    # ------------------------------------------------------------ compute
    @api.depends("status")
    def _compute_is_closed(self):
        for dispute in self:
            dispute.is_closed = dispute.status in const.DISPUTE_CLOSED_STATUSES

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, SYNC_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, SYNC_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_recorded(self):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "A Stripe dispute is a record of what the bank did: it cannot "
                    "be deleted."
                )
            )

    # ------------------------------------------------------------ actions
    def action_refresh_from_stripe(self):
        """Read the dispute again from Stripe (a missed webhook)."""
        self.check_access("write")
        for dispute in self:
            tx = dispute.sudo().transaction_id
            data = tx._send_api_request("GET", f"disputes/{dispute.name}")
            self.sudo()._support_sync_from_stripe(data, tx)
        return True

    def action_view_credit_notes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_refund_type"
        )
        action["domain"] = [("id", "in", self.credit_note_ids.ids)]
        if len(self.credit_note_ids) == 1:
            action.update(
                res_id=self.credit_note_ids.id,
                views=[(False, "form")],
                view_mode="form",
            )
        return action

    # ----------------------------------------------------------- business
    @api.model
    def _support_find_transaction(self, stripe_dispute):
        """The card payment a Stripe dispute is about: the transaction whose
        Stripe reference is the dispute's PaymentIntent (a card hold's source
        transaction, or an invoice's payment)."""
        intent = stripe_dispute.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if not intent or not isinstance(intent, str):
            return self.env["payment.transaction"]
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("provider_code", "=", "stripe"),
                    ("provider_reference", "=", intent),
                    ("operation", "!=", "refund"),
                    ("source_transaction_id", "=", False),
                ],
                order="id",
                limit=1,
            )
        )

    @api.model
    def _support_sync_from_stripe(self, stripe_dispute, tx, event_id=None):
        """Record what Stripe says of a dispute (the ``dispute`` object of a
        ``charge.dispute.*`` event or of ``GET /v1/disputes/{id}``), once:
        the status only moves forward (``rules.dispute_status_advances``),
        amounts only grow, so an event delivered twice, late or out of order
        changes nothing.  Runs as superuser (the webhook)."""
        tx.lock_for_update()  # the events of one payment, one at a time
        dispute = self.with_context(active_test=False).search(
            [("name", "=", stripe_dispute["id"])], limit=1
        )
        vals = self._support_values_from_stripe(stripe_dispute, tx)
        if not dispute:
            dispute = self.with_company(tx.company_id).create(vals)
            dispute._support_on_opened(event_id)
            if dispute.status in const.DISPUTE_CLOSED_STATUSES:
                dispute._support_on_closed()
            return dispute
        previous = dispute.status
        changes = {}
        if vals["status"] != previous and rules.dispute_status_advances(
            previous, vals["status"]
        ):
            changes["status"] = vals["status"]
        for fname in ("fee_amount", "withdrawn_amount", "reinstated_amount"):
            if dispute.currency_id.compare_amounts(vals[fname], dispute[fname]) > 0:
                changes[fname] = vals[fname]
        if vals["evidence_submitted"] and not dispute.evidence_submitted:
            changes["evidence_submitted"] = True
        if (
            vals["evidence_due_date"]
            and vals["evidence_due_date"] != dispute.evidence_due_date
            and previous not in const.DISPUTE_CLOSED_STATUSES
        ):
            changes["evidence_due_date"] = vals["evidence_due_date"]
        if not changes:
            return dispute
        changes["last_event"] = event_id or dispute.last_event
        dispute.write(changes)
        if "status" in changes:
            if dispute.status in const.DISPUTE_CLOSED_STATUSES:
                dispute._support_on_closed()
            elif dispute.status == "needs_response" and previous.startswith("warning_"):
                dispute._support_log(
                    self.env._(
                        "The inquiry became a chargeback: Stripe took %(amount)s "
                        "and its dispute fee.",
                        amount=dispute._support_format(dispute.amount),
                    )
                )
        return dispute

    @api.model
    def _support_values_from_stripe(self, stripe_dispute, tx):
        currency = (
            self.env["res.currency"].search(
                [("name", "=", str(stripe_dispute.get("currency") or "").upper())],
                limit=1,
            )
            or tx.currency_id
        )

        def major(minor):
            return payment_utils.to_major_currency_units(minor or 0, currency)

        fee = withdrawn = reinstated = 0
        for txn in stripe_dispute.get("balance_transactions") or []:
            if not isinstance(txn, dict):
                continue
            if txn.get("reporting_category") == "dispute":
                fee += txn.get("fee") or 0
            amount = txn.get("amount") or 0
            if amount < 0:
                withdrawn -= amount
            else:
                reinstated += amount
        details = stripe_dispute.get("evidence_details") or {}
        due_by = details.get("due_by")
        reasons = dict(const.DISPUTE_REASONS)
        reason = stripe_dispute.get("reason")
        source = tx.source_transaction_id or tx
        invoices = (source | source.child_transaction_ids).invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
        )
        hold = source.support_card_hold_id
        partner = (hold.partner_id or tx.partner_id).commercial_partner_id
        return {
            "name": stripe_dispute["id"],
            "company_id": tx.company_id.id,
            "transaction_id": source.id,
            "invoice_ids": [fields.Command.set(invoices.ids)],
            "hold_id": hold.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "amount": major(stripe_dispute.get("amount")),
            "fee_amount": major(fee),
            "withdrawn_amount": major(withdrawn),
            "reinstated_amount": major(reinstated),
            "reason": reason if reason in reasons else "general",
            "status": stripe_dispute.get("status"),
            "evidence_due_date": datetime.fromtimestamp(due_by, timezone.utc).replace(
                tzinfo=None
            )
            if due_by
            else False,
            "evidence_submitted": bool(details.get("submission_count")),
            "stripe_charge": stripe_dispute.get("charge")
            if isinstance(stripe_dispute.get("charge"), str)
            else False,
            "stripe_payment_intent": source.provider_reference,
        }

    def _support_format(self, amount):
        return self.currency_id.format(amount)

    def _support_documents(self):
        """The documents that show the dispute: invoices, card hold."""
        return [records for records in (self.invoice_ids, self.hold_id) if records]

    def _support_log(self, message):
        """A note on the dispute, its invoices and its card hold."""
        self.ensure_one()
        self.message_post(
            body=message, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        for records in self._support_documents():
            records._message_log_batch(dict.fromkeys(records.ids, message))

    def _support_accountant(self):
        """An accountant of the dispute's company: a manager first."""
        for xmlid in ("account.group_account_manager", "account.group_account_invoice"):
            users = (
                self.env.ref(xmlid)
                .all_user_ids.filtered(
                    lambda u: (
                        not u.share and u.active and self.company_id in u.company_ids
                    )
                )
                .sorted("id")
            )
            if users:
                return users[:1]
        return self.env.ref("base.user_admin", raise_if_not_found=False) or (
            self.env.user
        )

    def _support_on_opened(self, event_id):
        self.ensure_one()
        self.last_event = event_id
        reason = dict(self._fields["reason"]._description_selection(self.env))[
            self.reason
        ]
        due = (
            fields.Datetime.context_timestamp(self, self.evidence_due_date).strftime(
                "%Y-%m-%d %H:%M"
            )
            if self.evidence_due_date
            else "-"
        )
        self._support_log(
            self.env._(
                "Stripe dispute %(dispute)s opened by the card holder's bank: "
                "%(reason)s, %(amount)s. Evidence due by %(due)s.",
                dispute=self.name,
                reason=reason,
                amount=self._support_format(self.amount),
                due=due,
            )
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=(self.evidence_due_date or fields.Datetime.now()).date(),
            summary=self.env._("Answer the Stripe dispute"),
            note=self.env._(
                "%(customer)s disputes %(amount)s (%(reason)s): send Stripe the "
                "evidence (invoice, signed report, time entries) before %(due)s, "
                "or accept it.",
                customer=self.partner_id.display_name or "-",
                amount=self._support_format(self.amount),
                reason=reason,
                due=due,
            ),
            user_id=self._support_accountant().id,
        )

    def _support_on_closed(self):
        self.ensure_one()
        self.activity_unlink(["mail.mail_activity_data_todo"])
        if self.status == "lost":
            credit_notes = self._support_propose_credit_notes()
            self._support_log(
                self.env._(
                    "Stripe dispute %(dispute)s lost: the bank kept %(amount)s and "
                    "Stripe its dispute fee of %(fee)s. Draft credit note proposed: "
                    "%(credit_notes)s (check it, then post it).",
                    dispute=self.name,
                    amount=self._support_format(self.amount),
                    fee=self._support_format(self.fee_amount),
                    credit_notes=", ".join(credit_notes.mapped("display_name")) or "-",
                )
            )
        else:
            self._support_log(
                self.env._(
                    "Stripe dispute %(dispute)s closed in our favour: the invoice is "
                    "no longer disputed (the dispute fee of %(fee)s is not given "
                    "back).",
                    dispute=self.name,
                    fee=self._support_format(self.fee_amount),
                )
            )

    def _support_propose_credit_notes(self):
        """A lost dispute: a draft credit note of the disputed amount on each
        posted invoice (the invoices' lines in the share the dispute took),
        never posted here."""
        self.ensure_one()
        if self.credit_note_ids:
            return self.credit_note_ids
        invoices = self.invoice_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        )
        if not invoices:
            return self.env["account.move"]
        ratio = rules.dispute_credit_ratio(
            self.amount, sum(invoices.mapped("amount_total"))
        )
        moves = invoices.with_company(self.company_id)
        credit_notes = moves._reverse_moves(
            default_values_list=[
                {
                    "ref": self.env._(
                        "Stripe dispute %(dispute)s lost (%(invoice)s)",
                        dispute=self.name,
                        invoice=invoice.name,
                    ),
                    "invoice_date": fields.Date.context_today(self),
                }
                for invoice in moves
            ],
            cancel=False,
        )
        if ratio < 1:
            for line in credit_notes.invoice_line_ids.filtered(
                lambda l: l.display_type == "product"
            ):
                line.price_unit = line.currency_id.round(line.price_unit * float(ratio))
        self.credit_note_ids = [fields.Command.set(credit_notes.ids)]
        return credit_notes

    # --------------------------------------------------------- accounting
    def _support_receivable_account(self):
        """The receivable account of the disputed invoices (their credit
        notes' too), else the customer's."""
        self.ensure_one()
        account = self.invoice_ids.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).account_id[:1]
        return (
            account
            or self.partner_id.with_company(
                self.company_id
            ).property_account_receivable_id
        )

    def _support_withdrawal_label(self, st_line):
        """The label of what a withdrawal puts on the customer's account;
        it names the dispute (the reinstatement and the credit note find it
        by that name)."""
        self.ensure_one()
        return self.env._(
            "Stripe dispute %(dispute)s (%(invoices)s)",
            dispute=self.name,
            invoices=", ".join(self.invoice_ids.mapped("name")) or st_line.payment_ref,
        )

    def _support_open_credit_note_lines(self):
        """The receivable lines of the dispute's posted credit notes still
        open."""
        posted = self.credit_note_ids.filtered(lambda m: m.state == "posted")
        return posted.line_ids.filtered(
            lambda line: line.display_type == "payment_term" and not line.reconciled
        )

    def _support_open_withdrawal_lines(self):
        """What the dispute's withdrawal left open: the customer's
        receivable (or the *Stripe disputes* account for a dispute Odoo did
        not know at the import), named by the dispute."""
        self.ensure_one()
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("name", "ilike", self.name),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("account_id.reconcile", "=", True),
                    ("amount_residual", ">", 0),
                ],
                order="date, id",
            )
            .sudo(False)
        )

    def _support_settle_credit_notes(self):
        """A lost dispute's credit note, once posted, settles what the
        withdrawal put on the customer's receivable: the customer owes
        nothing, the loss is the revenue the credit note reverses, once."""
        for dispute in self:
            credits = dispute._support_open_credit_note_lines()
            debits = dispute._support_open_withdrawal_lines()
            for account in credits.account_id:
                lines = (credits | debits).filtered(
                    lambda line, account=account: line.account_id == account
                )
                if lines.filtered(lambda line: line.amount_residual > 0) and (
                    lines.filtered(lambda line: line.amount_residual < 0)
                ):
                    lines.reconcile()
