# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const, rules
from .support_invoicing_mixin import check_money_links

#: Set by the subscription's invoicing only.
MONEY_FIELDS = {"support_subscription_id", "support_time_entry_ids"}


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

    def _invoice_paid_hook(self):
        """A paid invoice delivers what it sold: prepaid credit packs, and
        the activation of a subscription whose first invoice it is."""
        res = super()._invoice_paid_hook()
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        lines = invoices.invoice_line_ids.filtered("product_id.support_is_pack")
        if lines:
            self.env["support.ticket.pack"].sudo()._create_from_invoice_lines(lines)
        self._support_activate_subscriptions()
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
        return res

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
        credit_notes = posted.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )
        for invoice in credit_notes.reversed_entry_id:
            invoice._support_apply_credit_notes()
        return posted

    def button_cancel(self):
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
