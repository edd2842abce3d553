# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: Set by the subscription's invoicing only.
MONEY_FIELDS = {
    "support_subscription_id",
    "support_time_entry_ids",
    "support_autopay_state",
    "support_autopay_next_date",
    "support_autopay_attempt_ids",
}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = "account.move"

    support_time_entry_ids = fields.One2many(
        comodel_name="support.time.entry",
        inverse_name="invoice_id",
        string="Support Time Entries",
    )
    support_subscription_id = fields.Many2one(
        comodel_name="support.subscription",
        string="Support Subscription",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )

    # Issue 24: a Stripe dispute (chargeback) of the card payment of the
    # invoice; read by the invoice's banner, filter and portal page.
    support_dispute_ids = fields.Many2many(
        comodel_name="support.stripe.dispute",
        relation="support_stripe_dispute_invoice_rel",
        column1="move_id",
        column2="dispute_id",
        string="Stripe Disputes",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice",
    )
    support_dispute_status = fields.Selection(
        selection=const.DISPUTE_STATUSES,
        string="Dispute Status",
        compute="_compute_support_dispute",
        compute_sudo=True,
        store=True,
        copy=False,
    )
    support_dispute_reason = fields.Selection(
        selection=const.DISPUTE_REASONS,
        string="Dispute Reason",
        compute="_compute_support_dispute",
        compute_sudo=True,
        store=True,
        copy=False,
    )
    support_dispute_due_date = fields.Datetime(
        string="Dispute Evidence Due By",
        compute="_compute_support_dispute",
        compute_sudo=True,
        store=True,
        copy=False,
    )
    support_disputed = fields.Boolean(
        string="Disputed",
        compute="_compute_support_dispute",
        compute_sudo=True,
        store=True,
        copy=False,
        help="The card payment of this invoice is disputed by the customer's "
        "bank (open, or lost).",
    )

    @api.depends(
        "support_dispute_ids.status",
        "support_dispute_ids.reason",
        "support_dispute_ids.evidence_due_date",
    )
    def _compute_support_dispute(self):
        for move in self:
            dispute = move.support_dispute_ids.sorted("id")[-1:]
            move.support_dispute_status = dispute.status
            move.support_dispute_reason = dispute.reason
            move.support_dispute_due_date = dispute.evidence_due_date
            move.support_disputed = bool(dispute) and (
                dispute.status not in const.DISPUTE_CLEARED_STATUSES
            )

    support_contest_ticket_ids = fields.One2many(
        comodel_name="helpdesk.ticket",
        inverse_name="support_invoice_id",
        string="Contests",
        readonly=True,
    )
    support_contest_count = fields.Integer(
        string="Contest Count", compute="_compute_support_contest_count"
    )

    @api.depends("support_contest_ticket_ids")
    def _compute_support_contest_count(self):
        counts = dict(
            self.env["helpdesk.ticket"]._read_group(
                [("support_invoice_id", "in", self.ids)],
                ["support_invoice_id"],
                ["__count"],
            )
        )
        for move in self:
            move.support_contest_count = counts.get(move, 0)

    def action_view_support_contests(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.helpdesk_ticket_action"
        )
        action.update(
            domain=[("support_invoice_id", "=", self.id)],
            context={"create": False},
        )
        return action

    def _support_contest_allowed_for(self, user):
        """Whether ``user`` may contest this invoice's charge: a posted
        customer invoice of her commercial entity that she can read."""
        self.ensure_one()
        invoice = self.sudo()
        return (
            not user._is_public()
            and invoice.move_type == "out_invoice"
            and invoice.state == "posted"
            and invoice.commercial_partner_id == user.partner_id.commercial_partner_id
            and self.with_user(user).has_access("read")
        )

    def action_view_support_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_stripe_dispute_action"
        )
        action["domain"] = [("id", "in", self.support_dispute_ids.ids)]
        return action

    # Issue 25: automatic payment of a subscription's invoice by its saved card
    support_autopay_state = fields.Selection(
        selection=const.AUTOPAY_STATES,
        string="Automatic Card Payment",
        copy=False,
        readonly=True,
        tracking=True,
        index="btree_not_null",
        help="Where the automatic payment of this subscription invoice by the "
        "customer's saved card stands. Empty: not paid automatically.",
    )
    support_autopay_next_date = fields.Date(
        string="Next Card Attempt",
        copy=False,
        readonly=True,
        tracking=True,
        help="When the saved card is charged again after a decline.",
    )
    support_autopay_attempt_ids = fields.One2many(
        comodel_name="support.autopay.attempt",
        inverse_name="invoice_id",
        string="Card Payment Attempts",
        readonly=True,
    )
    support_autopay_attempt_count = fields.Integer(
        string="Card Attempts",
        compute="_compute_support_autopay_attempt_count",
        compute_sudo=True,
    )

    support_autopay_answer_lost = fields.Boolean(
        string="Card Payment Unknown",
        compute="_compute_support_autopay_attempt_count",
        compute_sudo=True,
        help="An automatic card payment of this invoice got no answer from "
        "Stripe: the card may have been charged. Ask Stripe before cancelling "
        "or resetting the invoice.",
    )

    @api.depends(
        "support_autopay_attempt_ids", "support_autopay_attempt_ids.answer_lost"
    )
    def _compute_support_autopay_attempt_count(self):
        attempts = self.env["support.autopay.attempt"].sudo()
        counts = dict(
            attempts._read_group(
                [("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"]
            )
        )
        lost = dict(
            attempts._read_group(
                [("invoice_id", "in", self.ids), ("answer_lost", "=", True)],
                ["invoice_id"],
                ["__count"],
            )
        )
        for move in self:
            move.support_autopay_attempt_count = counts.get(move._origin, 0)
            move.support_autopay_answer_lost = bool(lost.get(move._origin))

    def action_support_autopay_check(self):
        """Accountant: ask Stripe what became of the automatic card payments
        of this invoice whose answer was lost, and record it (a payment Stripe
        made is recorded; nothing is charged)."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Only accountants charge a customer's saved card.")
            )
        invoice = self.sudo()
        invoice.lock_for_update()
        invoice.invalidate_recordset()
        lost = invoice._support_autopay_lost_attempts()
        if not lost:
            raise UserError(
                self.env._(
                    "Every automatic card payment of invoice %(name)s has its "
                    "answer from Stripe: there is nothing to ask.",
                    name=self.name,
                )
            )
        invoice._support_autopay_recover(lost, manual=True)
        return True

    def _support_autopay_check_answers(self):
        """Refuse to cancel or reset an invoice while the outcome of one of
        its automatic card payments is unknown: Stripe may have charged the
        card for it."""
        for move in self:
            lost = move._support_autopay_lost_attempts()[:1]
            if lost:
                raise UserError(
                    self.env._(
                        "The automatic card payment of %(amount)s (attempt "
                        "%(number)s) of invoice %(name)s got no answer from "
                        "Stripe: the card may have been charged. Click *Ask "
                        "Stripe* on the invoice first, then cancel or reset it.",
                        amount=move.currency_id.format(lost.amount),
                        number=lost.attempt_number,
                        name=move.name,
                    )
                )

    def button_draft(self):
        self.filtered(
            lambda m: m.move_type == "out_invoice"
        )._support_autopay_check_answers()
        return super().button_draft()

    def action_support_view_autopay_attempts(self):
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Only accountants see the card payment attempts.")
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_autopay_attempt_action"
        )
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_support_autopay_now(self):
        """Accountant: charge the saved card now ("Pay now"), also after the
        last retry or while the customer's authentication is awaited.  A
        second click, the cron or a webhook at the same moment never make a
        second payment (``_support_autopay_charge``)."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Only accountants charge a customer's saved card.")
            )
        attempt = self._support_autopay_charge(manual=True)
        if not attempt:
            raise UserError(
                self.env._(
                    "Invoice %(name)s cannot be charged to the saved card: it is "
                    "paid, a payment is under way, or its subscription has no "
                    "saved card any more.",
                    name=self.name,
                )
            )
        return True

    def _support_autopay_charge(self, manual=False):
        """Charge this invoice off-session with its subscription's saved card
        (one attempt); returns the ``support.autopay.attempt`` recorded, or an
        empty recordset when there is nothing to charge (paid, a payment under
        way, no saved card, not due for an automatic attempt).

        The invoice's row is locked first and read again: a second worker, a
        webhook's payment or a "Pay now" at the same moment wait, then see
        this charge's transaction and charge nothing.  Each attempt has its
        own number (unique per invoice) and Stripe idempotency key."""
        self.ensure_one()
        attempts = self.env["support.autopay.attempt"].sudo()
        invoice = self.sudo()
        invoice.lock_for_update()
        # what another transaction did before this one got the row
        invoice.invalidate_recordset(
            [
                "state",
                "payment_state",
                "amount_residual",
                "support_autopay_state",
                "support_autopay_next_date",
                "transaction_ids",
                "support_autopay_attempt_ids",
            ]
        )
        invoice.transaction_ids.invalidate_recordset(["state"])
        lost = invoice._support_autopay_lost_attempts()
        if not invoice._support_autopay_can_charge(
            manual=manual, ignore=lost.transaction_id
        ):
            return attempts
        if lost:
            # an earlier charge's answer was lost: Stripe may have taken the
            # money.  Ask it first; a new attempt (a new idempotency key)
            # charges only once Stripe says that charge took nothing.
            settled = invoice._support_autopay_recover(lost, manual=manual)
            if settled is not None:
                return settled
            if not invoice._support_autopay_can_charge(manual=manual):
                return attempts
        token = invoice._support_autopay_token()
        number = (
            max(invoice.support_autopay_attempt_ids.mapped("attempt_number"), default=0)
            + 1
        )
        tx = invoice._support_autopay_create_transaction(token, number)
        attempt = attempts.create(invoice._prepare_autopay_attempt_vals(tx, number))
        tx._charge_with_token()
        invoice._support_autopay_record(attempt, *tx._support_autopay_outcome())
        return attempt

    def _support_autopay_lost_attempts(self):
        """The attempts of this invoice whose charge has no known outcome:
        Stripe's answer never came (time-out, connection lost, server
        error) or the charge was still under way."""
        self.ensure_one()
        return (
            self.sudo()
            .support_autopay_attempt_ids.filtered("answer_lost")
            .sorted("attempt_number")
        )

    def _support_autopay_recover(self, lost, manual=False):
        """Ask Stripe what became of the ``lost`` attempts of this invoice,
        oldest first (``rules.autopay_recovery``), and record it on each
        attempt and its transaction, as Odoo processes Stripe's answer.

        Returns the attempt that settles the invoice (its charge succeeded:
        the payment is recorded on its transaction, or the bank asks the
        customer to authenticate), an empty recordset when nothing may be
        charged yet (still under way at Stripe), or ``None`` when none of
        them took anything: a new attempt may charge the card.  Stripe out
        of reach: a ``UserError``, nothing is charged."""
        self.ensure_one()
        now = fields.Datetime.now()
        for attempt in lost:
            tx = attempt.transaction_id
            intent = None
            if tx.state == "done":  # Stripe's webhook told us meanwhile
                status = "succeeded"
            else:
                try:
                    intent = tx._support_autopay_fetch_intent()
                except ValidationError as error:
                    raise UserError(
                        self.env._(
                            "Stripe could not say what became of the card payment "
                            "of %(amount)s (attempt %(number)s) of invoice "
                            "%(name)s, whose answer was lost: the card is not "
                            "charged again before it does. %(error)s",
                            amount=self.currency_id.format(attempt.amount),
                            number=attempt.attempt_number,
                            name=self.name,
                            error=str(error),
                        )
                    ) from error
                status = intent and intent.get("status")
            step = rules.autopay_recovery(status, (now - attempt.date).total_seconds())
            if step == "wait":
                if manual:
                    raise UserError(
                        self.env._(
                            "The card payment of attempt %(number)s of invoice "
                            "%(name)s may still be under way at Stripe: try again "
                            "in a few minutes.",
                            number=attempt.attempt_number,
                            name=self.name,
                        )
                    )
                return attempt.browse()
            if intent:
                tx._support_autopay_apply_intent(intent)
            outcome, code, message = tx._support_autopay_outcome()
            self._message_log(
                body=self.env._(
                    "Stripe was asked what became of the card payment of "
                    "%(amount)s (attempt %(number)s) whose answer was lost: "
                    "%(reason)s",
                    amount=self.currency_id.format(attempt.amount),
                    number=attempt.attempt_number,
                    reason=attempt._support_explain(outcome, code)
                    if status
                    else self.env._("Stripe has no such payment: nothing was taken."),
                )
            )
            if step in ("paid", "authentication"):
                self._support_autopay_record(attempt, outcome, code, message)
                return attempt
            attempt.write(
                {
                    "answer_lost": False,
                    "outcome": outcome,
                    "decline_code": code,
                    "message": message,
                }
            )
        return None

    def _support_autopay_can_charge(self, manual=False, ignore=None):
        """Whether this invoice may be charged to its subscription's saved
        card now (read after its row is locked); the transactions ``ignore``
        (of attempts whose answer was lost) are asked about first."""
        self.ensure_one()
        states = ("to_charge", "retrying")
        if manual:
            states += ("authentication", "exhausted")
        token = self._support_autopay_token()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.support_autopay_state in states
            and self.payment_state in ("not_paid", "partial")
            and self.currency_id.compare_amounts(self.amount_residual, 0) > 0
            and bool(token.active)
            and token.provider_id.state in ("enabled", "test")
            and not (
                self._support_autopay_blocking_transactions()
                - (ignore or self.env["payment.transaction"])
            )
        )

    def _support_autopay_token(self):
        """Hook: the saved card that pays this invoice automatically (empty:
        none): the card of its open subscription.  The top-ups of prepaid
        credits return their own card (``account_move_collection.py``)."""
        self.ensure_one()
        subscription = self.sudo().support_subscription_id
        if subscription.state in ("waiting", "active"):
            return subscription.payment_token_id
        return self.env["payment.token"]

    def _support_autopay_blocking_transactions(self):
        """The transactions that forbid an automatic charge of this invoice:
        a payment made or under way, or the customer paying it online right
        now (a draft online payment of the last hour: Stripe's page open)."""
        self.ensure_one()
        recent = fields.Datetime.subtract(
            fields.Datetime.now(), hours=const.AUTOPAY_ONLINE_PAYMENT_HOURS
        )
        return self.sudo().transaction_ids.filtered(
            lambda t: (
                t.operation != "refund"
                and (
                    t.state in const.AUTOPAY_BLOCKING_TX_STATES
                    or (
                        t.state == "draft"
                        and t.operation != "offline"
                        and t.create_date >= recent
                    )
                )
            )
        )

    def _support_autopay_create_transaction(self, token, number):
        """The off-session transaction of attempt ``number``: Odoo's token
        payment of the amount due (operation ``offline``)."""
        self.ensure_one()
        transactions = self.env["payment.transaction"].sudo()
        provider = token.provider_id
        return transactions.create(
            {
                "provider_id": provider.id,
                "payment_method_id": token.payment_method_id.id,
                "reference": transactions._compute_reference(
                    provider.code, invoice_ids=[Command.set(self.ids)]
                ),
                "amount": self.amount_residual,
                "currency_id": self.currency_id.id,
                "partner_id": self.partner_id.id,
                "token_id": token.id,
                "operation": "offline",
                "invoice_ids": [Command.set(self.ids)],
                "support_autopay_attempt_number": number,
            }
        )

    def _prepare_autopay_attempt_vals(self, tx, number):
        self.ensure_one()
        return {
            "invoice_id": self.id,
            "subscription_id": self.support_subscription_id.id,
            "company_id": self.company_id.id,
            "attempt_number": number,
            "transaction_id": tx.id,
            "token_id": tx.token_id.id,
            "currency_id": tx.currency_id.id,
            "amount": tx.amount,
            "outcome": const.AUTOPAY_PENDING,
        }

    def _support_autopay_record(self, attempt, outcome, code, message):
        """Record what the bank answered to ``attempt``: the invoice paid,
        a retry on the company's schedule, the last retry spent, or the
        customer's authentication awaited; the customer is told by e-mail
        after a decline or an authentication request."""
        self.ensure_one()
        tx = attempt.transaction_id
        vals = {
            "outcome": outcome,
            "decline_code": code,
            "message": message,
            # no answer from Stripe: whether it charged is asked before the
            # next attempt (``_support_autopay_recover``)
            "answer_lost": tx.provider_code == "stripe"
            and (
                outcome == const.AUTOPAY_PENDING
                or (outcome == const.AUTOPAY_ERROR and not tx.provider_reference)
            ),
        }
        invoice_vals = {}
        if outcome == const.AUTOPAY_SUCCEEDED:
            invoice_vals = {"support_autopay_state": "paid"}
            if not self.env.context.get("support_autopay_defer_post_process"):
                attempt.transaction_id._support_post_process_soon()
        elif outcome == const.AUTOPAY_AUTHENTICATION:
            invoice_vals = {"support_autopay_state": "authentication"}
        elif outcome != const.AUTOPAY_PENDING:
            first = min(self.support_autopay_attempt_ids.mapped("date"))
            next_date = rules.next_retry_date(
                first.date(),
                attempt.attempt_number,
                self.company_id._support_autopay_retry_days(),
            )
            vals["next_attempt_date"] = next_date
            invoice_vals = {
                "support_autopay_state": "retrying" if next_date else "exhausted"
            }
        invoice_vals["support_autopay_next_date"] = vals.get("next_attempt_date")
        attempt.write(vals)
        # the invoice's own collection fields only: written low-level, without
        # account.move.write()'s synchronisation of the lines and lock-date
        # checks (half the queries of a charge), which these fields never
        # need; their change is tracked in the chatter all the same
        self._track_prepare(invoice_vals)
        self._write(invoice_vals)
        self.invalidate_recordset(list(invoice_vals))
        self._support_autopay_log(attempt)
        if outcome == const.AUTOPAY_AUTHENTICATION:
            self._support_autopay_notify("mail_template_autopay_authentication")
        elif outcome == const.AUTOPAY_DECLINED:
            # a technical error (no answer from the bank) is ours: retried on
            # the same schedule, the customer is not told her card failed
            self._support_autopay_notify("mail_template_autopay_declined")
        if self.support_autopay_state == "exhausted":
            self._support_autopay_exhausted()

    def _support_autopay_log(self, attempt):
        """A note for the accountants on the invoice (a success: Odoo's own
        transaction messages and the state's tracking say it)."""
        amount = self.currency_id.format(attempt.amount)
        if attempt.outcome == const.AUTOPAY_SUCCEEDED:
            return
        if attempt.next_attempt_date:
            body = self.env._(
                "Automatic card payment of %(amount)s refused (attempt "
                "%(number)s): %(reason)s Next attempt on %(date)s.",
                amount=amount,
                number=attempt.attempt_number,
                reason=attempt.decline_reason,
                date=format_date(self.env, attempt.next_attempt_date),
            )
        elif attempt.outcome == const.AUTOPAY_PENDING:
            body = self.env._(
                "Automatic card payment of %(amount)s under way (attempt %(number)s).",
                amount=amount,
                number=attempt.attempt_number,
            )
        elif attempt.outcome == const.AUTOPAY_AUTHENTICATION:
            body = self.env._(
                "Automatic card payment of %(amount)s not made (attempt "
                "%(number)s): %(reason)s The customer was sent the link to pay "
                "online.",
                amount=amount,
                number=attempt.attempt_number,
                reason=attempt.decline_reason,
            )
        else:
            body = self.env._(
                "Automatic card payment of %(amount)s refused (attempt "
                "%(number)s): %(reason)s No more automatic attempts.",
                amount=amount,
                number=attempt.attempt_number,
                reason=attempt.decline_reason,
            )
        self._message_log(body=body)

    def _support_autopay_notify(self, template_xmlid):
        """E-mail the customer (in her language) what happened and the link
        to pay the invoice online."""
        self.ensure_one()
        template = self.env.ref(
            f"support_billing.{template_xmlid}", raise_if_not_found=False
        )
        if template:
            template.sudo().send_mail(
                self.id, email_layout_xmlid="mail.mail_notification_light"
            )

    def _support_autopay_last_attempt(self):
        """The latest attempt (the e-mails read it)."""
        self.ensure_one()
        return self.sudo().support_autopay_attempt_ids.sorted(
            lambda a: (a.attempt_number, a.id)
        )[-1:]

    def _support_autopay_portal_url(self):
        """The link where the customer pays this invoice online."""
        self.ensure_one()
        return self.get_base_url() + self.sudo().get_portal_url()

    def _support_autopay_exhausted(self):
        """Hook: the last automatic retry of these invoices was declined; no
        more automatic attempts.  The dunning (issue 25, other half) extends
        it; ``support_autopay_state`` is ``exhausted`` when it is called."""
        return True

    def _support_autopay_stop(self, message):
        """The saved card was removed or the subscription cancelled: these
        invoices are charged no more (their payments stay)."""
        waiting = self.sudo().filtered(
            lambda m: (
                m.support_autopay_state in ("to_charge", "retrying", "authentication")
            )
        )
        if waiting:
            waiting.write(
                {"support_autopay_state": "stopped", "support_autopay_next_date": False}
            )
            for invoice in waiting:
                invoice._message_log(body=message)

    def _support_autopay_mark_to_charge(self):
        """Posted invoices of a subscription that has a saved card: to charge
        by the charging cron, triggered at once (the charge runs in its own
        transaction, committed invoice by invoice, never inside the
        invoicing's)."""
        invoices = self.sudo().filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and m._support_autopay_token()
                and m.payment_state in ("not_paid", "partial")
                and m.support_autopay_state in (False, "stopped")
            )
        )
        if invoices:
            invoices.write({"support_autopay_state": "to_charge"})
            cron = self.env.ref(
                "support_billing.ir_cron_support_autopay", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()
        return invoices

    @api.model
    def _support_autopay_due_domain(self, today):
        return (
            Domain("move_type", "=", "out_invoice")
            & Domain("state", "=", "posted")
            & Domain("support_autopay_state", "in", ("to_charge", "retrying"))
            & Domain("payment_state", "in", ("not_paid", "partial"))
            & (
                Domain("support_autopay_next_date", "=", False)
                | Domain("support_autopay_next_date", "<=", today)
            )
        )

    def _support_try_lock(self):
        """Lock this invoice's row unless another transaction holds it (a
        twin cron run charging it): False then, without an error log."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id = %s FOR UPDATE SKIP LOCKED",
                self.id,
            ),
            log_exceptions=False,
        )
        return bool(self.env.cr.fetchall())

    @api.model
    def _cron_support_autopay(self):
        """Charge the subscription invoices due to their saved card: the new
        ones and the retries of the day.  Each invoice is committed once
        charged (the card was charged: no later failure may forget it); one
        another run is charging (row locked) is left to it and counted as
        remaining."""
        today = fields.Date.context_today(self)
        invoices = self.sudo().search(
            self._support_autopay_due_domain(today), order="id"
        )
        ir_cron = self.env["ir.cron"]
        busy = 0
        # the payments of the charges are recorded by Odoo's post-processing
        # cron, triggered once for the run (not once per invoice)
        invoices = invoices.with_context(support_autopay_defer_post_process=True)
        paid = self.env["payment.transaction"].sudo()
        for count, invoice in enumerate(invoices, start=1):
            done = invoice._support_try_lock()
            if done:
                try:
                    with self.env.cr.savepoint():
                        attempt = invoice.with_company(
                            invoice.company_id
                        )._support_autopay_charge()
                except Exception as error:  # noqa: BLE001 -- isolate each invoice
                    _logger.warning(
                        "Invoice %s could not be charged to its saved card: %s",
                        invoice.name,
                        error,
                    )
                    invoice._message_log(
                        body=self.env._(
                            "The automatic card payment could not be made: %(error)s",
                            error=str(error),
                        )
                    )
                else:
                    if attempt.outcome == const.AUTOPAY_SUCCEEDED:
                        paid |= attempt.transaction_id
            busy += not done
            if not ir_cron._commit_progress(
                int(done), remaining=len(invoices) - count + busy
            ):
                break
        if paid:
            paid._support_post_process_soon()

    def _invoice_paid_hook(self):
        """A paid invoice delivers what it sold: prepaid credit packs, and
        the activation of a subscription whose first invoice it is."""
        res = super()._invoice_paid_hook()
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        lines = invoices.invoice_line_ids.filtered("product_id.support_is_pack")
        if lines:
            self.env["support.ticket.pack"].sudo()._create_from_invoice_lines(lines)
        self._support_activate_subscriptions()
        # paid another way (online by the customer, by hand): nothing more to
        # collect by the saved card, no badge awaiting the customer
        collected = self.sudo().filtered(
            lambda m: (
                m.support_autopay_state
                in ("to_charge", "retrying", "authentication", "exhausted")
            )
        )
        if collected:
            collected._track_prepare(
                ["support_autopay_state", "support_autopay_next_date"]
            )
            collected._write(
                {"support_autopay_state": "paid", "support_autopay_next_date": None}
            )
            collected.invalidate_recordset(
                ["support_autopay_state", "support_autopay_next_date"]
            )
        return res

    @api.constrains("state")
    def _check_support_pack_quantity(self):
        """A posted invoice sells whole packs only: 1, 2, 3 ... never 0, 0.5
        or a negative quantity (a credit note may refund any part)."""
        for line in self.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        ).invoice_line_ids.filtered("product_id.support_is_pack"):
            if rules.packs_in_quantity(line.quantity) is None:
                raise ValidationError(
                    self.env._(
                        "Invoice line %(product)s sells prepaid credits: its "
                        "quantity must be a whole number of packs (1, 2, 3...), "
                        "not %(quantity)s.",
                        product=line.product_id.display_name,
                        quantity=line.quantity,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        """A state change of a customer invoice or credit note: the packs of
        the invoice follow it, and support lines that bill again (the invoice
        reset to draft or posted again, its credit note reset to draft or
        cancelled) take their time back."""
        check_money_links(self, vals, MONEY_FIELDS)
        res = super().write(vals)
        if vals.get("state"):
            self._support_follow_state()
        if vals.get("state") in ("draft", "cancel"):
            self._support_autopay_stop_unposted(vals["state"])
        return res

    def _support_autopay_stop_unposted(self, state):
        """An invoice reset to draft or cancelled is charged no more (a
        scheduled retry included); posted again, it is to charge again
        (``_support_autopay_mark_to_charge``) with the next attempt number."""
        if state == "cancel":
            message = self.env._(
                "Invoice cancelled: the saved card will not be charged for it."
            )
        else:
            message = self.env._(
                "Invoice reset to draft: the saved card is not charged until it "
                "is posted again."
            )
        self.filtered(lambda m: m.move_type == "out_invoice")._support_autopay_stop(
            message
        )

    def _support_follow_state(self):
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        refunds = self.filtered(lambda m: m.move_type == "out_refund")
        (
            invoices.filtered(lambda m: m.state != "cancel")
            | refunds.filtered(lambda m: m.state != "posted").reversed_entry_id
        )._support_take_back_time()
        self._support_packs_follow_invoice()

    def _support_packs_follow_invoice(self):
        invoices = (
            self.filtered(lambda m: m.move_type == "out_invoice")
            | self.filtered(lambda m: m.move_type == "out_refund").reversed_entry_id
        )
        if invoices:
            packs = self.env["support.ticket.pack"].sudo()
            packs.search([("invoice_id", "in", invoices.ids)])._follow_invoice()

    def _support_take_back_time(self):
        """The support lines of these customer invoices that bill again the
        time they released take it back (README "What a credit note does to
        billed time"): every line not credited in full by a posted credit
        note, unless the invoice is cancelled."""
        lines = self.env["account.move.line"]
        for invoice in self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state != "cancel"
        ):
            released = invoice.invoice_line_ids.filtered("support_minutes_released")
            if released:
                lines |= released - invoice._support_get_credited_lines()[0]
        lines = lines._support_take_back_time()
        for invoice in lines.move_id:
            mine = lines.filtered(lambda x, inv=invoice: x.move_id == inv)
            invoice.message_post(
                body=self.env._(
                    "The support time of %(tickets)s (%(minutes)s min) is billed "
                    "by this invoice again: it is no longer to review.",
                    tickets=", ".join(mine.support_ticket_id.mapped("display_name")),
                    minutes=sum(mine.mapped("support_minutes_worked")),
                )
            )

    def _support_is_credited_in_full(self):
        """Whether the posted credit notes reversing this invoice credit its
        whole amount (the whole move reversed)."""
        self.ensure_one()
        refunds = self.reversal_move_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_refund"
        )
        return bool(refunds) and (
            self.currency_id.compare_amounts(
                sum(refunds.mapped("amount_total")), self.amount_total
            )
            >= 0
        )

    def _support_get_credited_lines(self):
        """``(in full, in part)``: the support lines of this invoice that its
        posted credit notes credit in full, and those they credit in part.

        A line is credited in full when the credit notes credit at least its
        whole amount; a 0.00 line (free trial) only when the whole invoice
        is credited: a 0.00 copied on a partial credit note credits nothing.
        """
        self.ensure_one()
        refunds = self.reversal_move_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_refund"
        )
        credited = {}
        for line in refunds.invoice_line_ids.filtered("support_origin_line_id"):
            origin = line.support_origin_line_id
            credited[origin] = credited.get(origin, 0.0) + line.price_total
        currency = self.currency_id
        full = part = self.env["account.move.line"]
        whole = None
        for line in self.invoice_line_ids.filtered("support_ticket_id"):
            if currency.is_zero(line.price_total):
                if whole is None:
                    whole = self._support_is_credited_in_full()
                if whole:
                    full |= line
                elif line in credited:
                    part |= line
            elif line in credited:
                if currency.compare_amounts(credited[line], line.price_total) >= 0:
                    full |= line
                else:
                    part |= line
        return full, part

    @api.model
    def _support_salesperson(self, partner):
        """The salesperson of an invoice the customer's own click issues:
        the customer's salesperson (an internal user), else none -- never
        the portal user who clicked (Odoo's default is the current user)."""
        user = partner.user_id or partner.commercial_partner_id.user_id
        return user.filtered(lambda u: not u.share)

    @api.model
    def _support_prepare_pack_invoice_vals(self, partner, product, quantity=1):
        """Vals of the invoice of ``quantity`` packs of ``product``."""
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": self.env.company.id,
            "invoice_user_id": self._support_salesperson(partner).id,
            "invoice_line_ids": [
                fields.Command.create({"product_id": product.id, "quantity": quantity})
            ],
        }

    @api.model
    def _support_create_pack_invoice(self, partner, product, quantity=1):
        """Posted invoice of ``quantity`` credit packs for ``partner``, ready
        to pay."""
        invoice = self.create(
            self._support_prepare_pack_invoice_vals(partner, product, quantity)
        )
        invoice.action_post()
        return invoice

    @api.model
    def _support_confirm_pack_purchase(self, partner, product, quantity=1):
        """The invoice of a purchase the customer confirmed: her open invoice
        of the same purchase when she confirmed it before (a second click,
        or two at once), else a new one -- never two.

        The customer's row is updated (to itself) first: a concurrent
        confirmation waits for this transaction, then fails to serialize and
        is retried by Odoo's request layer, and its new snapshot finds this
        invoice. (A ``SKIP LOCKED`` lock would show the second click an
        error, and a lock taken after a stale snapshot would not see the
        invoice.)"""
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = %s",
                partner.id,
            ),
            log_exceptions=False,  # the expected conflict is retried, not logged
        )
        return self._support_open_pack_invoice(
            partner, product, quantity
        ) or self._support_create_pack_invoice(partner, product, quantity)

    @api.model
    def _support_open_pack_invoice(self, partner, product, quantity=1):
        """The customer's posted, unpaid invoice of just this purchase, if any."""
        invoices = self.sudo().search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("partner_id", "=", partner.id),
                ("company_id", "=", self.env.company.id),
                ("invoice_line_ids.product_id", "=", product.id),
            ],
            order="id desc",
        )
        return invoices.filtered(
            lambda move: (
                move.invoice_line_ids.product_id == product
                and len(move.invoice_line_ids) == 1
                and move.invoice_line_ids.quantity == quantity
                and not move.transaction_ids.filtered(
                    lambda tx: tx.state in ("pending", "authorized", "done")
                )
            )
        )[:1]

    @api.model
    def _support_preview_invoice(self, vals):
        """What the invoice of ``vals`` will be, before anything is written:
        an in-memory invoice computed by Odoo itself (prices, the customer's
        fiscal position, taxes), as the invoice form shows it while typed.

        Returns ``(lines, totals)``: the product lines (records in memory)
        and Odoo's tax totals summary (``base_amount_currency``,
        ``tax_amount_currency``, ``total_amount_currency``, the tax groups
        in ``subtotals``)."""
        move = self.sudo().new(vals)
        return move.invoice_line_ids, move.tax_totals

    def _support_is_pending_purchase(self):
        """Whether this invoice is a prepaid-credit purchase the customer may
        still withdraw: posted, nothing paid, no online payment under way,
        and it sells prepaid credits only."""
        self.ensure_one()
        move = self.sudo()
        return (
            move.move_type == "out_invoice"
            and move.state == "posted"
            and move.payment_state == "not_paid"
            and bool(move.invoice_line_ids)
            and all(move.invoice_line_ids.mapped("product_id.support_is_pack"))
            and not move.support_subscription_id
            and not move.transaction_ids.filtered(
                lambda tx: tx.state in ("pending", "authorized", "done")
            )
        )

    def _support_cancel_pending_purchase(self):
        """The customer withdraws her unpaid purchase of prepaid credits:
        the invoice is cancelled (no credit was given: packs are created
        when it is paid), and the chatter says who did it."""
        self.ensure_one()
        if not self._support_is_pending_purchase():
            raise UserError(
                self.env._(
                    "Invoice %(name)s can no longer be cancelled: it is paid, "
                    "being paid or already cancelled. Contact us if you need a "
                    "refund.",
                    name=self.sudo().name,
                )
            )
        move = self.sudo()
        move.button_draft()
        move.button_cancel()
        move.message_post(
            body=self.env._(
                "Purchase of prepaid credits cancelled in the portal by %(user)s "
                "before payment.",
                user=self.env.user.name,
            )
        )
        return True

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered("support_subscription_id")._support_autopay_mark_to_charge()
        credit_notes = posted.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )
        for invoice in credit_notes.reversed_entry_id:
            invoice._support_apply_credit_notes()
        if credit_notes:  # a lost Stripe dispute's credit note (issue 24)
            self.env["support.stripe.dispute"].sudo().search(
                [("credit_note_ids", "in", credit_notes.ids)]
            )._support_settle_credit_notes()
        return posted

    def button_cancel(self):
        self.filtered(
            lambda m: m.move_type == "out_invoice"
        )._support_autopay_check_answers()
        res = super().button_cancel()
        for move in self.filtered(lambda m: m.state == "cancel"):
            lines = move.invoice_line_ids.filtered("support_time_entry_ids")
            if lines:
                lines._support_release_time()
                move.message_post(
                    body=self.env._(
                        "Invoice cancelled: its support time (%(minutes)s min) is "
                        "to review. An accountant decides whether it is billed "
                        "again.",
                        minutes=sum(lines.mapped("support_minutes_worked")),
                    )
                )
        return res

    def _support_apply_credit_notes(self):
        """Free the time of the lines of this invoice that its posted credit
        notes reverse in full (README "What a credit note does to billed
        time").

        A line is freed when the credit notes reversing this invoice credit
        at least its whole amount (``_support_get_credited_lines``); its
        time becomes "to review" and is never invoiced again without an
        accountant's decision.  A partial credit note (a discount on the
        line) frees nothing: the time stays billed.
        """
        self.ensure_one()
        full, part = self._support_get_credited_lines()
        freed = full.filtered("support_time_entry_ids")
        partial = part.filtered("support_time_entry_ids")
        if freed:
            freed._support_release_time()
            self.message_post(
                body=self.env._(
                    "Credit note posted: the support time of %(tickets)s "
                    "(%(minutes)s min) is credited in full and is to review. An "
                    "accountant decides whether it is billed again.",
                    tickets=", ".join(freed.support_ticket_id.mapped("display_name")),
                    minutes=sum(freed.mapped("support_minutes_worked")),
                )
            )
        if partial:
            self.message_post(
                body=self.env._(
                    "Partial credit note posted on %(tickets)s: the support time "
                    "stays invoiced and is not billed again.",
                    tickets=", ".join(partial.support_ticket_id.mapped("display_name")),
                )
            )

    def _support_activate_subscriptions(self):
        """Activate the subscriptions whose first invoice these moves are."""
        subs = self.sudo().support_subscription_id.filtered(
            lambda s: s.state == "waiting" and s.first_invoice_id in self
        )
        subs._activate_if_paid()

    def _has_to_be_paid(self):
        """No online payment while a card hold's capture of this invoice
        waits for its payment: the card was charged, the invoice shows paid
        a moment later (``payment.transaction._support_post_process_soon``)."""
        return (
            super()._has_to_be_paid()
            and not self.sudo().transaction_ids._support_payment_pending()
        )

    def _support_is_fully_paid(self):
        """Whether this invoice is paid in full: reconciled payments, or done
        online transactions not turned into payments yet that cover what is
        still due (a transaction that pays other invoices too waits for its
        payment)."""
        self.ensure_one()
        if self.payment_state in ("paid", "in_payment"):
            return True
        if self.state != "posted":
            return False
        transactions = self.sudo().transaction_ids.filtered(
            lambda t: t.state == "done" and t.operation != "refund" and not t.payment_id
        )
        if (
            not transactions
            or transactions.invoice_ids != self
            or transactions.currency_id != self.currency_id
        ):
            return False
        paid = sum(transactions.mapped("amount"))
        return self.currency_id.compare_amounts(paid, self.amount_residual) >= 0
