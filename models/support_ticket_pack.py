# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, LockError
from odoo.fields import Domain
from odoo.tools import SQL

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: The pack's links to money: written by the accounting code only.
MONEY_FIELDS = {
    "invoice_line_id",
    "invoice_id",
    "move_ids",
    "tickets_bought",
    "tickets_rolled_in",
    "tickets_used",
    "tickets_expired",
    "remaining_tickets",
    "expiry_notice_sent",
}


class SupportTicketPack(models.Model):
    """Prepaid support credits a customer bought (README: Prepaid credit packs).

    Every quantity is a sum of the ledger ``support.ticket.pack.move``.
    """

    _name = "support.ticket.pack"
    _description = "Prepaid Credit Pack"
    _inherit = ["mail.thread", "portal.mixin"]
    _order = "expiry_date, id"
    _check_company_auto = True

    _remaining_positive = models.Constraint(
        "CHECK(remaining_tickets >= 0)",
        "A pack cannot have a negative balance of credits.",
    )
    _invoice_line_uniq = models.Constraint(
        "UNIQUE(invoice_line_id)",
        "An invoice line sells one pack only.",
    )

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Product",
        required=True,
        domain="[('support_is_pack', '=', True)]",
    )
    product_name = fields.Char(string="Pack Name", related="product_id.name")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        help="The customer (company) that owns the credits.",
    )
    buyer_id = fields.Many2one(
        comodel_name="res.partner",
        string="Buyer",
        required=True,
        index=True,
        help="The contact who bought the pack: the only user of a single-user pack.",
    )
    scope = fields.Selection(
        selection=const.PACK_SCOPES,
        required=True,
        default=const.PACK_SCOPE_SINGLE,
    )
    user_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="support_ticket_pack_user_rel",
        column1="pack_id",
        column2="partner_id",
        string="Authorised Users",
        help="Contacts whose tickets may use a multi-user pack.",
    )
    purchase_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    expiry_date = fields.Date(required=True, index=True, tracking=True)
    invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Invoice Line",
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        related="invoice_line_id.move_id",
        store=True,
    )
    move_ids = fields.One2many(
        comodel_name="support.ticket.pack.move",
        inverse_name="pack_id",
        string="Ledger",
    )
    tickets_bought = fields.Integer(
        compute="_compute_tickets", store=True, string="Bought"
    )
    tickets_rolled_in = fields.Integer(
        compute="_compute_tickets", store=True, string="Carried Over"
    )
    tickets_used = fields.Integer(compute="_compute_tickets", store=True, string="Used")
    tickets_expired = fields.Integer(
        compute="_compute_tickets",
        store=True,
        string="Expired",
        help="Expired credits not carried over to a newer pack yet.",
    )
    remaining_tickets = fields.Integer(
        compute="_compute_tickets", store=True, string="Remaining", tracking=True
    )
    state = fields.Selection(
        selection=const.PACK_STATES, compute="_compute_state", string="Status"
    )
    expiry_notice_sent = fields.Boolean(copy=False, readonly=True)

    # ------------------------------------------------------------ compute
    @api.depends("move_ids.tickets", "move_ids.expired_tickets", "move_ids.reason")
    def _compute_tickets(self):
        sums = {}
        if self.ids:
            for pack, reason, tickets, expired in self.env[
                "support.ticket.pack.move"
            ]._read_group(
                [("pack_id", "in", self.ids)],
                ["pack_id", "reason"],
                ["tickets:sum", "expired_tickets:sum"],
            ):
                sums[pack.id, reason] = (tickets or 0, expired or 0)
        for pack in self:

            def get(reason, pack_id=pack._origin.id or pack.id):
                return sums.get((pack_id, reason), (0, 0))

            pack.tickets_bought = get(const.PACK_MOVE_PURCHASE)[0]
            pack.tickets_rolled_in = get(const.PACK_MOVE_ROLLOVER)[0]
            pack.tickets_used = -(
                get(const.PACK_MOVE_CONSUMPTION)[0] + get(const.PACK_MOVE_CORRECTION)[0]
            )
            pack.tickets_expired = sum(
                get(reason)[1] for reason, _label in const.PACK_MOVE_REASONS
            )
            pack.remaining_tickets = sum(
                get(reason)[0] for reason, _label in const.PACK_MOVE_REASONS
            )

    @api.depends("remaining_tickets", "expiry_date", "invoice_id.payment_state")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for pack in self:
            if pack.expiry_date and pack.expiry_date <= today:
                pack.state = "expired"
            elif pack.remaining_tickets <= 0:
                pack.state = "used"
            elif not pack._is_paid():
                pack.state = "unpaid"
            else:
                pack.state = "active"

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for pack in self:
            pack.access_url = "/my/support_balance"
        return res

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].sudo().next_by_code("support.ticket.pack")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        return super().write(vals)

    # ----------------------------------------------------------- business
    @api.model
    def _create_from_invoice_lines(self, lines):
        """Create the packs sold by paid invoice ``lines``: one per line.

        Idempotent: a line that already sold a pack sells no second one (its
        pack follows the invoice again: what an undone cancellation took
        comes back).  A line copied from the pack line of an invoice that is
        cancelled or credited in full ('reverse and create new') takes that
        pack over (``_get_replaced_pack``): one purchase, one pack.  A line sells
        its quantity (a positive whole number) times the product's tickets;
        the credit notes already posted for the invoice take their share
        back at once.  The customer's expired, unused credits are carried
        over to the new pack.
        """
        lines = lines.filtered(
            lambda line: (
                line.product_id.support_is_pack
                and line.move_id.move_type == "out_invoice"
                and line.move_id.state == "posted"
            )
        )
        # a pack sold already: what an undone cancellation took comes back
        sold = self.sudo().search([("invoice_line_id", "in", lines.ids)])
        sold._follow_invoice()
        lines -= sold.invoice_line_id
        packs = self.browse()
        for line in lines:
            quantity = rules.packs_in_quantity(line.quantity)
            if quantity is None:
                # refused at posting; an older invoice sells nothing
                _logger.info(
                    "Invoice line %s sells no pack: quantity %s", line.id, line.quantity
                )
                continue
            replaced = self._get_replaced_pack(line, quantity)
            if replaced:
                replaced._move_to_invoice_line(line)
                packs |= replaced
                continue
            template = line.product_id.product_tmpl_id
            invoice = line.move_id
            buyer = invoice.partner_id
            customer = buyer.commercial_partner_id
            today = fields.Date.context_today(self)
            # the validity floor of the terms in force on the purchase day
            pack_terms = invoice.company_id._support_terms(today)
            users = buyer
            if template.support_pack_scope == const.PACK_SCOPE_MULTI:
                users = customer | customer.child_ids.filtered(
                    lambda p: p.type == "contact"
                )
            pack = self.create(
                {
                    "company_id": invoice.company_id.id,
                    "product_id": line.product_id.id,
                    "partner_id": customer.id,
                    "buyer_id": buyer.id,
                    "scope": template.support_pack_scope,
                    "user_ids": [fields.Command.set(users.ids)],
                    "purchase_date": today,
                    "expiry_date": rules.pack_expiry_date(
                        today,
                        max(
                            template.support_pack_validity_months,
                            pack_terms.pack_validity_months,
                        ),
                        pack_terms,
                    ),
                    "invoice_line_id": line.id,
                }
            )
            tickets = template.support_pack_ticket_count * quantity
            pack._add_move(const.PACK_MOVE_PURCHASE, tickets)
            pack.message_post(
                body=(
                    self.env._(
                        "1 prepaid credit bought with invoice %(invoice)s, "
                        "valid until %(date)s.",
                        invoice=invoice.name,
                        date=pack.expiry_date,
                    )
                    if tickets == 1
                    else self.env._(
                        "%(tickets)s prepaid credits bought with invoice "
                        "%(invoice)s, valid until %(date)s.",
                        tickets=tickets,
                        invoice=invoice.name,
                        date=pack.expiry_date,
                    )
                ),
                partner_ids=buyer.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            pack._follow_invoice()
            pack._rollover_expired_tickets()
            packs |= pack
        return packs

    @api.model
    def _get_replaced_pack(self, line, quantity):
        """The pack of the invoice line ``line`` replaces ('reverse and
        create new' invoice): the pack of the line it was copied from, when
        that line sold the same packs and its invoice is cancelled or
        credited in full.  One purchase stays one pack."""
        origin = line.support_origin_line_id
        if not (
            origin.move_id.move_type == "out_invoice"
            and origin.product_id == line.product_id
            and rules.packs_in_quantity(origin.quantity) == quantity
            and (
                origin.move_id.state == "cancel"
                or origin.move_id._support_is_credited_in_full()
            )
        ):
            return self.browse()
        return self.sudo().search([("invoice_line_id", "=", origin.id)], limit=1)

    def _move_to_invoice_line(self, line):
        """This pack now follows ``line`` (of the invoice that replaces the
        one that sold it): what the credit notes or the cancellation of the
        old invoice took comes back, what the new invoice's take is taken."""
        self.ensure_one()
        old = self.invoice_id
        self.invoice_line_id = line
        self.message_post(
            body=self.env._(
                "Invoice %(invoice)s replaces invoice %(old)s: this pack now "
                "follows it.",
                invoice=line.move_id.name,
                old=old.name,
            )
        )
        self._follow_invoice()

    def _is_paid(self):
        """Whether the tickets of this pack are paid: its invoice is paid or
        in payment (a pack with no invoice is a gift or demo data)."""
        self.ensure_one()
        invoice = self.sudo().invoice_id
        return not invoice or invoice.payment_state in const.PACK_PAID_STATES

    @api.model
    def _demo_sell_pack(self, partner_xmlid, template_xmlid):
        """Demo data: a pack the customer bought (as a paid invoice would
        create it), so the prepaid credits show on the demo tickets."""
        partner = self.env.ref(partner_xmlid)
        template = self.env.ref(template_xmlid)
        today = fields.Date.context_today(self)
        pack = self.create(
            {
                "product_id": template.product_variant_id.id,
                "partner_id": partner.commercial_partner_id.id,
                "buyer_id": partner.id,
                "scope": template.support_pack_scope,
                "user_ids": [fields.Command.set(partner.ids)],
                "purchase_date": today,
                "expiry_date": rules.pack_expiry_date(
                    today,
                    max(
                        template.support_pack_validity_months,
                        self.env.company._support_terms().pack_validity_months,
                    ),
                ),
            }
        )
        pack._add_move(const.PACK_MOVE_PURCHASE, template.support_pack_ticket_count)
        return pack

    def _follow_invoice(self):
        """Take back what the invoice that sold these packs no longer pays.

        Each posted credit note reversing the invoice takes back its share of
        the tickets bought (``rules.refunded_tickets``: proportional to the
        refunded amount of the pack's product, rounded up), once per credit
        note; a cancelled invoice takes back every ticket bought that no
        credit note took yet.  Only unused credits can go (the usable balance
        first, then expired credits not carried over yet): tickets already
        used stay used, and the chatter says so.

        What a credit note or a cancellation took comes back when it no
        longer applies: the credit note reset to draft or cancelled, the
        invoice reset to draft, the pack moved to the invoice that replaces
        its own.
        """
        taking = (const.PACK_MOVE_REFUND, const.PACK_MOVE_CANCELLATION)
        for pack in self.sudo().filtered("invoice_line_id"):
            invoice = pack.invoice_line_id.move_id

            def applies(document, invoice=invoice):
                if document == invoice:
                    return invoice.state == "cancel"
                return (
                    document.move_type == "out_refund"
                    and document.state == "posted"
                    and document.reversed_entry_id == invoice
                )

            # documents whose last ledger line took tickets (not given back)
            taken = {}
            for move in pack.move_ids.filtered("account_move_id").sorted("id"):
                if move.reason in taking or move.reason == const.PACK_MOVE_RESTORE:
                    taken.setdefault(move.account_move_id, pack.move_ids.browse())
                    if move.reason == const.PACK_MOVE_RESTORE:
                        taken[move.account_move_id] = pack.move_ids.browse()
                    else:
                        taken[move.account_move_id] |= move
            for document, moves in taken.items():
                if moves and not applies(document):
                    pack._give_back(moves, document)
            done = [doc for doc, moves in taken.items() if moves and applies(doc)]
            if invoice in done:
                continue  # everything was taken back already

            def amount(move, product=pack.product_id):
                lines = move.invoice_line_ids.filtered(
                    lambda x: x.product_id == product
                )
                return abs(sum(lines.mapped("price_subtotal")))

            bought = pack.tickets_bought
            sold = amount(invoice)
            done_refunds = self.env["account.move"].union(*done)
            refunded = sum(amount(refund) for refund in done_refunds)
            lost = rules.refunded_tickets(bought, sold, refunded)
            if invoice.state == "cancel":
                pack._take_back(const.PACK_MOVE_CANCELLATION, bought - lost, invoice)
                continue
            refunds = invoice.reversal_move_ids.filtered(
                lambda m: m.state == "posted" and m.move_type == "out_refund"
            )
            for refund in (refunds - done_refunds).sorted("id"):
                refunded += amount(refund)
                lost_now = rules.refunded_tickets(bought, sold, refunded)
                pack._take_back(const.PACK_MOVE_REFUND, lost_now - lost, refund)
                lost = lost_now

    def _give_back(self, moves, document):
        """Give back what the ledger lines ``moves`` took for ``document``
        (a credit note or a cancellation that no longer applies)."""
        self.ensure_one()
        self._lock()
        tickets = -sum(moves.mapped("tickets"))
        expired = -sum(moves.mapped("expired_tickets"))
        self._add_move(
            const.PACK_MOVE_RESTORE,
            tickets=tickets,
            expired=expired,
            account_move_id=document.id,
        )
        if tickets or expired:
            self.message_post(
                body=self.env._(
                    "%(document)s no longer refunds or cancels the invoice of "
                    "this pack: %(count)s credits given back.",
                    document=document.name,
                    count=tickets + expired,
                ),
                partner_ids=self.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _take_back(self, reason, count, document):
        """Take up to ``count`` unused credits back for ``document`` (a credit
        note or a cancelled invoice); return how many could be taken."""
        self.ensure_one()
        self._lock()
        usable = min(count, max(self.remaining_tickets, 0))
        expired = min(count - usable, max(self.tickets_expired, 0))
        self._add_move(
            reason, tickets=-usable, expired=-expired, account_move_id=document.id
        )
        if not count:
            return 0
        if usable + expired < count:
            body = self.env._(
                "%(document)s refunds or cancels the invoice of this pack: "
                "%(count)s unused credits taken back; %(used)s more were already "
                "used and stay used.",
                document=document.name,
                count=usable + expired,
                used=count - usable - expired,
            )
        else:
            body = self.env._(
                "%(document)s refunds or cancels the invoice of this pack: "
                "%(count)s unused credits taken back.",
                document=document.name,
                count=usable + expired,
            )
        self.message_post(
            body=body,
            partner_ids=self.buyer_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return usable + expired

    def _add_move(self, reason, tickets=0, expired=0, ticket=None, **extra):
        self.ensure_one()
        return (
            self.env["support.ticket.pack.move"]
            .sudo()
            .create(
                {
                    "pack_id": self.id,
                    "reason": reason,
                    "tickets": tickets,
                    "expired_tickets": expired,
                    "ticket_id": ticket.id if ticket else False,
                    **extra,
                }
            )
        )

    def _rollover_expired_tickets(self):
        """Carry the customer's expired, unused credits over to this new pack."""
        self.ensure_one()
        old_packs = self.sudo().search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("tickets_expired", ">", 0),
                ("id", "!=", self.id),
            ]
        )
        if not old_packs:
            return 0
        old_packs = old_packs._lock()
        total = rules.rollover_count(old_packs.mapped("tickets_expired"))
        for old in old_packs.filtered("tickets_expired"):
            count = old.tickets_expired
            old._add_move(
                const.PACK_MOVE_ROLLOVER, expired=-count, related_pack_id=self.id
            )
            self._add_move(
                const.PACK_MOVE_ROLLOVER, tickets=count, related_pack_id=old.id
            )
            old.message_post(
                body=self.env._(
                    "%(count)s expired credits carried over to pack %(pack)s.",
                    count=count,
                    pack=self.name,
                )
            )
        if total:
            self.message_post(
                body=self.env._(
                    "%(count)s expired unused credits carried over from %(packs)s.",
                    count=total,
                    packs=", ".join(old_packs.mapped("name")),
                ),
                partner_ids=self.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return total

    def _lock(self):
        """Lock these packs' rows; return them, earliest expiry first, with
        their balances read again.

        ``lock_for_update()`` never waits: a pack another transaction is
        changing right now raises ``ConcurrencyError``, which Odoo's
        ``retrying()`` (every request) answers by replaying the whole
        transaction once the other one is done.  A busy pack is never counted
        as empty, and a locked pack's stored balance is the committed one (in
        REPEATABLE READ a row changed since the snapshot fails to lock with a
        serialization error, replayed the same way).
        """
        if not self:
            return self
        try:
            self.lock_for_update()
        except LockError as error:
            raise ConcurrencyError(
                self.env._(
                    "Prepaid credits of %(packs)s are being changed by another "
                    "operation; try again.",
                    packs=", ".join(self.mapped("name")),
                )
            ) from error
        self.invalidate_recordset(["remaining_tickets", "tickets_expired"])
        return self.sorted(lambda pack: (pack.expiry_date, pack.id))

    @api.model
    def _get_usable_domain(self, partner):
        """Packs whose tickets ``partner`` (a ticket's requester) may use."""
        today = fields.Date.context_today(self)
        return (
            Domain("partner_id", "=", partner.commercial_partner_id.id)
            & Domain("remaining_tickets", ">", 0)
            & Domain("expiry_date", ">", today)
            & self._get_paid_domain()
            & (
                (
                    Domain("scope", "=", const.PACK_SCOPE_SINGLE)
                    & Domain("buyer_id", "=", partner.id)
                )
                | (
                    Domain("scope", "=", const.PACK_SCOPE_MULTI)
                    & Domain("user_ids", "in", partner.ids)
                )
            )
        )

    @api.model
    def _get_paid_domain(self):
        """Packs whose tickets are paid (``_is_paid``): a payment that bounces
        (unreconciled, cancelled) makes the unused credits unusable until
        the invoice is paid again."""
        return Domain("invoice_line_id", "=", False) | Domain(
            "invoice_id.payment_state", "in", const.PACK_PAID_STATES
        )

    def _expire(self):
        """Unused tickets of these packs become expired (ledger move)."""
        for pack in self._lock():
            count = pack.remaining_tickets
            if count <= 0:
                continue
            pack._add_move(const.PACK_MOVE_EXPIRY, tickets=-count, expired=count)
            pack.message_post(
                body=(
                    self.env._(
                        "1 unused credit expired on %(date)s. It will be carried "
                        "over to your next pack.",
                        date=pack.expiry_date,
                    )
                    if count == 1
                    else self.env._(
                        "%(count)s unused credits expired on %(date)s. They will "
                        "be carried over to your next pack.",
                        count=count,
                        date=pack.expiry_date,
                    )
                ),
                partner_ids=pack.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _send_expiry_notice(self):
        for pack in self:
            pack.message_post(
                body=(
                    self.env._(
                        "1 prepaid credit of pack %(pack)s expires on %(date)s.",
                        pack=pack.name,
                        date=pack.expiry_date,
                    )
                    if pack.remaining_tickets == 1
                    else self.env._(
                        "%(count)s prepaid credits of pack %(pack)s expire on "
                        "%(date)s.",
                        count=pack.remaining_tickets,
                        pack=pack.name,
                        date=pack.expiry_date,
                    )
                ),
                partner_ids=pack.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            pack.sudo().expiry_notice_sent = True

    # -------------------------------------------------------------- crons
    @api.model
    def _cron_expire_packs(self):
        """Daily: expire packs at their expiry date; warn 30 days before.

        Each pack in its own savepoint, committed on its own in a cron
        (``_commit_progress``): one failure does not stop the others.  Two
        runs at once (two cron workers) do each pack once and leave none: a
        pack the other run holds (row locked) or changed since this run's
        snapshot (serialization failure) is counted as remaining, so that
        Odoo runs the cron again (the progress API) until none is left; the
        next round reads it again and does it only if it is still to do.
        """
        today = fields.Date.context_today(self)
        packs = self.sudo()
        to_expire = packs.search(
            [("expiry_date", "<=", today), ("remaining_tickets", ">", 0)]
        )
        to_warn = packs.search(
            [
                ("expiry_date", ">", today),
                (
                    "expiry_date",
                    "<=",
                    today + timedelta(days=rules.PACK_EXPIRY_NOTICE_DAYS),
                ),
                ("remaining_tickets", ">", 0),
                ("expiry_notice_sent", "=", False),
            ]
        )
        work = [(p, "_expire") for p in to_expire] + [
            (p, "_send_expiry_notice") for p in to_warn
        ]
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        ir_cron = self.env["ir.cron"]
        busy = 0
        for count, (pack, method) in enumerate(work, start=1):
            done = pack._support_cron_step(method)
            busy += not done
            if in_cron and not ir_cron._commit_progress(
                int(done), remaining=len(work) - count + busy
            ):
                break  # out of time: the next round goes on
        return busy

    def _support_cron_step(self, method):
        """Run ``method`` (``_expire``, ``_send_expiry_notice``) on this pack
        if it is still to do; False when another transaction holds the pack
        or changed it since this one began (to be done in a later round)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                # ``try_lock_for_update()`` without its "bad query" error log:
                # a conflict with the other run is expected, not an error
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM support_ticket_pack WHERE id = %s "
                        "FOR UPDATE SKIP LOCKED",
                        self.id,
                    ),
                    log_exceptions=False,
                )
                if not self.env.cr.fetchall():
                    _logger.info("Pack %s is busy: left for a later round", self.name)
                    return False
                # what the other run did before this transaction began
                self.invalidate_recordset()
                if method == "_send_expiry_notice" and self.expiry_notice_sent:
                    return True
                getattr(self.with_context(lang=self.buyer_id.lang), method)()
        except (pg_errors.SerializationFailure, ConcurrencyError) as error:
            _logger.info("Pack %s changed concurrently: %s", self.name, error)
            return False
        except Exception as error:  # noqa: BLE001 -- isolate each pack
            _logger.info("Pack %s could not be processed: %s", self.name, error)
        return True
