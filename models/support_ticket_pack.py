# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .. import const, rules

_logger = logging.getLogger(__name__)


class SupportTicketPack(models.Model):
    """Prepaid support tickets a customer bought (README: Prepaid ticket packs).

    Every quantity is a sum of the ledger ``support.ticket.pack.move``.
    """

    _name = "support.ticket.pack"
    _description = "Prepaid Ticket Pack"
    _inherit = ["mail.thread", "portal.mixin"]
    _order = "expiry_date, id"
    _check_company_auto = True

    _remaining_positive = models.Constraint(
        "CHECK(remaining_tickets >= 0)",
        "A pack cannot have a negative balance of tickets.",
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
        help="The customer (company) that owns the tickets.",
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
        help="Expired tickets not carried over to a newer pack yet.",
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

    @api.depends("remaining_tickets", "expiry_date")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for pack in self:
            if pack.expiry_date and pack.expiry_date <= today:
                pack.state = "expired"
            elif pack.remaining_tickets <= 0:
                pack.state = "used"
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
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].sudo().next_by_code("support.ticket.pack")
                    or "/"
                )
        return super().create(vals_list)

    # ----------------------------------------------------------- business
    @api.model
    def _create_from_invoice_lines(self, lines):
        """Create the packs sold by paid invoice ``lines``: one per line.

        Idempotent: a line that already sold a pack is skipped.  Each pack is
        credited with its tickets and the customer's expired, unused tickets
        are carried over to it.
        """
        lines = lines.filtered(
            lambda line: (
                line.product_id.support_is_pack
                and not self.sudo().search_count([("invoice_line_id", "=", line.id)])
            )
        )
        packs = self.browse()
        for line in lines:
            template = line.product_id.product_tmpl_id
            invoice = line.move_id
            buyer = invoice.partner_id
            customer = buyer.commercial_partner_id
            today = fields.Date.context_today(self)
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
                        today, template.support_pack_validity_months
                    ),
                    "invoice_line_id": line.id,
                }
            )
            tickets = template.support_pack_ticket_count * max(1, int(line.quantity))
            pack._add_move(const.PACK_MOVE_PURCHASE, tickets)
            pack.message_post(
                body=self.env._(
                    "%(tickets)s prepaid tickets bought with invoice %(invoice)s, "
                    "valid until %(date)s.",
                    tickets=tickets,
                    invoice=invoice.name,
                    date=pack.expiry_date,
                ),
                partner_ids=buyer.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            pack._rollover_expired_tickets()
            packs |= pack
        return packs

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
        """Carry the customer's expired, unused tickets over to this new pack."""
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
        old_packs._lock()
        old_packs.invalidate_recordset(["tickets_expired"])
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
                    "%(count)s expired tickets carried over to pack %(pack)s.",
                    count=count,
                    pack=self.name,
                )
            )
        if total:
            self.message_post(
                body=self.env._(
                    "%(count)s expired unused tickets carried over from %(packs)s.",
                    count=total,
                    packs=", ".join(old_packs.mapped("name")),
                ),
                partner_ids=self.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return total

    def _lock(self, skip_locked=False):
        """Lock these packs' rows, earliest expiry first; return those locked."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT id FROM support_ticket_pack WHERE id IN %s "
            "ORDER BY expiry_date, id FOR UPDATE"
            + (" SKIP LOCKED" if skip_locked else ""),
            [tuple(self.ids)],
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _get_usable_domain(self, partner):
        """Packs whose tickets ``partner`` (a ticket's requester) may use."""
        today = fields.Date.context_today(self)
        return (
            Domain("partner_id", "=", partner.commercial_partner_id.id)
            & Domain("remaining_tickets", ">", 0)
            & Domain("expiry_date", ">", today)
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

    def _expire(self):
        """Unused tickets of these packs become expired (ledger move)."""
        for pack in self._lock():
            pack.invalidate_recordset(["remaining_tickets"])
            count = pack.remaining_tickets
            if count <= 0:
                continue
            pack._add_move(const.PACK_MOVE_EXPIRY, tickets=-count, expired=count)
            pack.message_post(
                body=self.env._(
                    "%(count)s unused tickets expired on %(date)s. They will be "
                    "carried over to your next pack.",
                    count=count,
                    date=pack.expiry_date,
                ),
                partner_ids=pack.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _send_expiry_notice(self):
        for pack in self:
            pack.message_post(
                body=self.env._(
                    "%(count)s prepaid tickets of pack %(pack)s expire on %(date)s.",
                    count=pack.remaining_tickets,
                    pack=pack.name,
                    date=pack.expiry_date,
                ),
                partner_ids=pack.buyer_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            pack.expiry_notice_sent = True

    # -------------------------------------------------------------- crons
    @api.model
    def _cron_expire_packs(self):
        """Daily: expire packs at their expiry date; warn 30 days before.

        Each pack in its own savepoint: one failure does not stop the others.
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
        for pack, method in [(p, "_expire") for p in to_expire] + [
            (p, "_send_expiry_notice") for p in to_warn
        ]:
            try:
                with self.env.cr.savepoint():
                    getattr(pack.with_context(lang=pack.buyer_id.lang), method)()
            except Exception as error:  # noqa: BLE001 -- isolate each pack
                _logger.info("Pack %s could not be processed: %s", pack.name, error)
