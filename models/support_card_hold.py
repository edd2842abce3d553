# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from markupsafe import escape
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)


#: What the card authorisation was given for: fixed once a transaction exists.
FROZEN_FIELDS = {
    "partner_id",
    "ticket_id",
    "company_id",
    "currency_id",
    "duration_minutes",
    "hourly_rate",
    "public_price",
}
#: The hold's links to money: written by the accounting code only.
MONEY_FIELDS = {
    "transaction_id",
    "transaction_ids",
    "invoice_id",
    "end_reason",
    "authorized_at",
    "warned",
    "state",
    "captured_amount",
    "released_amount",
    "expiry_date",
}


class SupportCardHold(models.Model):
    """A card pre-authorisation: the customer books a maximum amount before
    being helped; the time worked is captured, the rest released at once.

    Money state lives in ``payment.transaction``: the hold points to its source
    transaction and derives its state and amounts from it and its children
    (partial capture, local void of the remainder).
    """

    _name = "support.card.hold"
    _description = "Support Card Hold"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "support.invoicing.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
    )
    commercial_partner_id = fields.Many2one(
        comodel_name="res.partner",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Ticket",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    # the hold is invoiced by its company, in its currency
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        readonly=False,
    )
    duration_minutes = fields.Integer(
        string="Authorised Duration (min)", required=True, default=60
    )
    hourly_rate = fields.Monetary(
        currency_field="currency_id",
        required=True,
        help="Hourly rate of the support time, taxes excluded.",
    )
    public_price = fields.Boolean(
        string="Public Price",
        copy=False,
        readonly=True,
        help="Booked by an anonymous visitor of the public page: the amount "
        "asked on the card is the public one (public rate, taxes without the "
        "customer's fiscal position), whoever the typed e-mail address belongs "
        "to. The time is always invoiced at the customer's own terms; the hold "
        "only bounds what the card pays.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount",
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
    )
    amount = fields.Monetary(
        string="Authorised Amount",
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        tracking=True,
        help="What the booked duration costs as invoiced, taxes included: the "
        "amount asked on the card. Once the card transaction exists, the money "
        "bounds come from the transaction only.",
    )
    transaction_id = fields.Many2one(
        comodel_name="payment.transaction",
        string="Transaction",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    transaction_ids = fields.One2many(
        comodel_name="payment.transaction",
        inverse_name="support_card_hold_id",
        string="Card Operations",
    )
    state = fields.Selection(
        selection=const.HOLD_STATES,
        compute="_compute_money",
        store=True,
        index=True,
        tracking=True,
        compute_sudo=True,
    )
    captured_amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_money",
        store=True,
        tracking=True,
        compute_sudo=True,
    )
    released_amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_money",
        store=True,
        tracking=True,
        compute_sudo=True,
    )
    end_reason = fields.Selection(
        selection=[
            (const.HOLD_END_RELEASED, "Released by accounting"),
            (const.HOLD_END_EXPIRED, "Expired"),
        ],
        copy=False,
        readonly=True,
        help="Why an authorised hold ended without any capture.",
    )
    authorized_at = fields.Datetime(string="Authorised On", copy=False, readonly=True)
    expiry_date = fields.Datetime(
        string="Expires On",
        compute="_compute_expiry_date",
        store=True,
        help="Stripe cancels an uncaptured authorisation 7 days after it.",
    )
    expiry_days_left = fields.Integer(
        string="Days Left",
        compute="_compute_expiry_days_left",
        help="Whole days before an authorised hold expires (0: today).",
    )
    warned = fields.Boolean(copy=False, readonly=True)
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    charge_amount_preview = fields.Monetary(
        string="Time to Charge",
        currency_field="currency_id",
        compute="_compute_charge_preview",
        compute_sudo=True,
        help="What the ticket's time not invoiced yet will be invoiced, taxes "
        "included, when the time is charged (or what its invoice still owes).",
    )
    capture_amount_preview = fields.Monetary(
        string="To Capture",
        currency_field="currency_id",
        compute="_compute_charge_preview",
        compute_sudo=True,
        help="What Charge Time captures on the card now: the time to charge, "
        "at most what the card still authorises.",
    )
    release_amount_preview = fields.Monetary(
        string="Released at Once",
        currency_field="currency_id",
        compute="_compute_charge_preview",
        compute_sudo=True,
        help="What Charge Time gives back on the card at once.",
    )
    provider_code = fields.Selection(related="transaction_id.provider_code")
    state_message = fields.Text(related="transaction_id.state_message")
    # Issue 24: a Stripe dispute of the hold's capture (read by technicians
    # too: the dispute model itself is the accountants')
    dispute_ids = fields.One2many(
        comodel_name="support.stripe.dispute",
        inverse_name="hold_id",
        string="Stripe Disputes",
        groups="account.group_account_invoice",
    )
    dispute_status = fields.Selection(
        selection=const.DISPUTE_STATUSES,
        compute="_compute_dispute",
        compute_sudo=True,
    )
    dispute_reason = fields.Selection(
        selection=const.DISPUTE_REASONS,
        compute="_compute_dispute",
        compute_sudo=True,
    )
    dispute_due_date = fields.Datetime(
        string="Dispute Evidence Due By",
        compute="_compute_dispute",
        compute_sudo=True,
    )
    disputed = fields.Boolean(compute="_compute_dispute", compute_sudo=True)

    # ------------------------------------------------------------ compute
    @api.depends(
        "dispute_ids.status", "dispute_ids.reason", "dispute_ids.evidence_due_date"
    )
    def _compute_dispute(self):
        for hold in self:
            dispute = hold.dispute_ids.sorted("id")[-1:]
            hold.dispute_status = dispute.status
            hold.dispute_reason = dispute.reason
            hold.dispute_due_date = dispute.evidence_due_date
            hold.disputed = bool(dispute) and (
                dispute.status not in const.DISPUTE_CLEARED_STATUSES
            )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for hold in self:
            hold.currency_id = (hold.company_id or self.env.company).currency_id

    @api.depends(
        "duration_minutes",
        "hourly_rate",
        "currency_id",
        "partner_id",
        "company_id",
        "public_price",
    )
    def _compute_amount(self):
        """The duration's price as one invoice line prices it (see
        ``support.time.entry._prepare_invoice_line_vals``), with the sales
        taxes of the support time product, mapped by the customer's fiscal
        position -- none for a hold at the public price (issue 23)."""
        for hold in self:
            terms = hold._support_hold_terms()
            if not (
                rules.hold_duration_ok(hold.duration_minutes, terms)
                and hold.hourly_rate > 0
            ):
                hold.amount_untaxed = hold.amount = 0.0
                continue
            price = float(
                rules.hold_amount(
                    hold.duration_minutes,
                    hold.hourly_rate,
                    rounding=str(hold.currency_id.rounding or 0.01),
                    terms=terms,
                )
            )
            hold.amount_untaxed, hold.amount = hold._get_amounts_with_taxes(price)

    def _support_hold_terms(self, day=None):
        """The terms of the hold's company in force on ``day`` (default: the
        day the hold was created; today for a hold not saved yet)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        if not day and self.create_date:
            day = self._support_day(self.create_date)
        return company._support_terms(day)

    @api.model
    def _support_day(self, moment):
        """The day of ``moment`` whose terms apply to a hold: its UTC day
        (no read of the company's calendar on the webhook's path)."""
        return fields.Datetime.to_datetime(moment).date()

    def _get_amounts_with_taxes(self, price):
        """``(untaxed, taxes included)`` of one invoice line at ``price``."""
        self.ensure_one()
        company = self.company_id or self.env.company
        product = company._get_support_time_product()
        taxes = product.sudo().taxes_id._filter_taxes_by_company(company)
        partner = self.partner_id.commercial_partner_id
        if self.public_price:
            # the public's taxes: nothing of the customer whose address an
            # anonymous visitor typed (issue 23)
            partner = partner.browse()
        if partner and taxes:
            fiscal_position = (
                self.env["account.fiscal.position"]
                .sudo()
                .with_company(company)
                ._get_fiscal_position(partner)
            )
            taxes = fiscal_position.map_tax(taxes)
        if not taxes:
            return price, price
        result = taxes.compute_all(
            price,
            currency=self.currency_id,
            quantity=1.0,
            product=product,
            partner=partner,
        )
        return (
            self.currency_id.round(result["total_excluded"]),
            self.currency_id.round(result["total_included"]),
        )

    @api.depends(
        # a hold's transactions all carry it (``support_card_hold_id``): its
        # source transaction and their children -- a change of one finds the
        # hold in cache, where ``transaction_id.*`` searched the holds
        "transaction_id",
        "transaction_ids.state",
        "transaction_ids.amount",
        "end_reason",
        "authorized_at",
    )
    def _compute_money(self):
        for hold in self:
            tx = hold.transaction_id
            children = tx.child_transaction_ids.filtered(
                lambda t, tx=tx: t.operation == tx.operation
            )
            captured = sum(
                children.filtered(lambda t: t.state == "done").mapped("amount")
            )
            released = sum(
                children.filtered(lambda t: t.state == "cancel").mapped("amount")
            )
            if not children and tx.state == "done":
                captured = tx.amount
            if not children and tx.state == "cancel" and hold.authorized_at:
                released = tx.amount
            hold.captured_amount = captured
            hold.released_amount = released
            hold.state = hold._get_state_from_transaction(tx, captured)

    def _get_state_from_transaction(self, tx, captured):
        """End states: ``captured`` once the hold is settled with a capture
        (the time captured, the rest released); ``released`` / ``expired``
        when it ended with nothing captured. ``partial`` only while a capture
        is done and the rest is still authorised on the card."""
        self.ensure_one()
        if not tx or tx.state in ("draft", "pending"):
            return "draft"
        if tx.state == "error":
            return "error"
        if tx.state == "authorized":
            return "partial" if captured else "authorized"
        if tx.state == "done" or captured:
            return "captured"
        # cancelled with nothing captured
        if not self.authorized_at:
            return "cancelled"
        return self.end_reason or const.HOLD_END_EXPIRED

    @api.depends("state", "ticket_id", "invoice_id")
    def _compute_charge_preview(self):
        """What Charge Time would do now, before the click: the amounts of
        ``_charge_time`` from the invoicing code's own figures (the time's
        amounts as Time to Invoice shows them, taxed as the hold's line)."""
        for hold in self:
            charge = capture = release = 0.0
            tx = hold.transaction_id
            if hold.state == "authorized" and tx and hold.ticket_id:
                if hold.invoice_id:
                    charge = hold.invoice_id.amount_residual
                else:
                    entries = self.env["support.time.entry"].search(
                        [
                            ("ticket_id", "=", hold.ticket_id.id),
                            ("state", "=", const.ENTRY_STATE_TO_INVOICE),
                        ]
                    )
                    untaxed = sum(entries.mapped("support_amount"))
                    # the invoice is at the customer's terms, whatever the
                    # page that booked the hold
                    probe = hold.new(
                        {
                            "partner_id": hold.partner_id.id,
                            "company_id": hold.company_id.id,
                            "currency_id": hold.currency_id.id,
                            "public_price": False,
                        }
                    )
                    charge = probe._get_amounts_with_taxes(untaxed)[1]
                captured = sum(tx._support_captured_children().mapped("amount"))
                capture, release, _due = rules.capture_split(
                    tx.amount, captured, max(charge, 0.0)
                )
            hold.charge_amount_preview = charge
            hold.capture_amount_preview = float(capture)
            hold.release_amount_preview = float(release)

    @api.depends("authorized_at")
    def _compute_expiry_date(self):
        for hold in self:
            days = (
                hold.authorized_at
                and (
                    hold._support_hold_terms(hold._support_day(hold.authorized_at))
                ).hold_expiry_days
            )
            hold.expiry_date = hold.authorized_at and hold.authorized_at + timedelta(
                days=days
            )

    @api.depends("expiry_date", "state")
    def _compute_expiry_days_left(self):
        now = fields.Datetime.now()
        for hold in self:
            left = 0
            if hold.state == "authorized" and hold.expiry_date:
                left = rules.days_left(now, hold.expiry_date)
            hold.expiry_days_left = left

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for hold in self:
            hold.access_url = f"/my/card_holds/{hold.id}"
        return res

    # -------------------------------------------------------- constraints
    @api.constrains("duration_minutes")
    def _check_duration(self):
        for hold in self:
            terms = hold._support_hold_terms()
            if not rules.hold_duration_ok(hold.duration_minutes, terms):
                raise ValidationError(
                    self.env._(
                        "A card hold covers between %(min)s minutes and %(max)s "
                        "minutes of support.",
                        min=terms.hold_min_minutes,
                        max=terms.hold_max_minutes,
                    )
                )

    @api.constrains("ticket_id", "partner_id")
    def _check_ticket_customer(self):
        for hold in self:
            if (
                hold.ticket_id
                and hold.ticket_id.sudo().commercial_partner_id
                != hold.partner_id.commercial_partner_id
            ):
                raise ValidationError(
                    self.env._(
                        "Card hold %(hold)s belongs to %(customer)s: it cannot pay "
                        "ticket %(ticket)s of another customer.",
                        hold=hold.name,
                        customer=hold.partner_id.commercial_partner_id.display_name,
                        ticket=hold.ticket_id.sudo().display_name,
                    )
                )

    @api.constrains("currency_id", "company_id")
    def _check_currency(self):
        for hold in self:
            if hold.currency_id != hold.company_id.currency_id:
                raise ValidationError(
                    self.env._(
                        "Card hold %(hold)s is invoiced by %(company)s: its "
                        "currency must be %(currency)s.",
                        hold=hold.name,
                        company=hold.company_id.name,
                        currency=hold.company_id.currency_id.name,
                    )
                )

    @api.constrains("hourly_rate")
    def _check_hourly_rate(self):
        for hold in self:
            if hold.hourly_rate <= 0:
                raise ValidationError(self.env._("The hourly rate must be positive."))

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
            if vals.get("company_id") and not vals.get("currency_id"):
                # the currency of the hold's company, not of the user's
                vals["currency_id"] = (
                    self.env["res.company"].browse(vals["company_id"]).currency_id.id
                )
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "support.card.hold"
                ) or self.env._("New")
        tickets = self.env["helpdesk.ticket"].browse(
            {vals["ticket_id"] for vals in vals_list if vals.get("ticket_id")}
        )
        # two requests that meet wait for each other, the second one is refused
        tickets.sudo().lock_for_update()
        holds = super().create(vals_list)
        holds._check_one_live_hold_per_ticket()
        return holds

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        frozen = set(vals) & FROZEN_FIELDS
        if frozen:
            self.check_access("write")
            for hold in self.filtered("transaction_id"):
                hold._check_frozen(vals, frozen)
        if vals.get("ticket_id"):
            self.env["helpdesk.ticket"].browse(
                vals["ticket_id"]
            ).sudo().lock_for_update()
        res = super().write(vals)
        if vals.get("ticket_id"):
            self._check_one_live_hold_per_ticket()
        return res

    def _check_one_live_hold_per_ticket(self):
        """Never two live holds (awaiting a card, or authorised) for one
        ticket: the customer would authorise twice for the same work."""
        for hold in self.filtered("ticket_id"):
            others = self.sudo()._support_get_live_holds(hold.ticket_id) - hold
            if others and hold.state in const.HOLD_LIVE_STATES:
                other = others[0]
                raise UserError(
                    self.env._(
                        "Ticket %(ticket)s already has card hold %(hold)s "
                        "(%(state)s): one card hold at a time per ticket. Send "
                        "its link again, or charge or release it first.",
                        ticket=hold.ticket_id.display_name,
                        hold=other.name,
                        state=other._get_state_label(),
                    )
                )

    @api.model
    def _support_get_live_holds(self, ticket):
        """The holds of ``ticket`` awaiting a card or authorised."""
        if not ticket:
            return self.browse()
        return self.search(
            [
                ("ticket_id", "=", ticket.id),
                ("state", "in", const.HOLD_LIVE_STATES),
            ],
            order="id",
        )

    def _check_frozen(self, vals, frozen):
        """Once a card transaction exists, what it was authorised for is
        fixed; a ticket may only be linked to a hold that has none."""
        self.ensure_one()
        for fname in frozen:
            field = self._fields[fname]
            new = field.convert_to_cache(vals[fname], self)
            old = field.convert_to_cache(self[fname], self)
            if new == old:
                continue
            if fname == "ticket_id" and not self.ticket_id:
                continue
            raise UserError(
                self.env._(
                    "Card hold %(hold)s is on the card already: %(field)s cannot "
                    "change any more.",
                    hold=self.name,
                    field=field._description_string(self.env),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_money(self):
        if self.filtered("transaction_id"):
            raise UserError(
                self.env._("A card hold with a card transaction cannot be deleted.")
            )

    # ------------------------------------------------------------ actions
    def action_charge_time(self):
        """Accountant: invoice the ticket's time and capture it on the hold."""
        self._check_accountant()
        for hold in self:
            hold._lock()
            hold._charge_time()
        return True

    def action_release(self):
        """Accountant: cancel an uncaptured hold (case cancelled or solved)."""
        self._check_accountant()
        for hold in self:
            hold._lock()
            if hold.state != "authorized":
                raise UserError(
                    self.env._(
                        "Only an authorised hold with nothing captured can be "
                        "released (%(hold)s is %(state)s).",
                        hold=hold.name,
                        state=hold._get_state_label(),
                    )
                )
            hold._void(const.HOLD_END_RELEASED)
        return True

    def action_view_transactions(self):
        self.ensure_one()
        self._check_accountant()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Card Operations"),
            "res_model": "payment.transaction",
            "view_mode": "list,form",
            "domain": [("support_card_hold_id", "=", self.id)],
        }

    def action_send_request(self):
        """Open the composer with the 'request a card hold' e-mail."""
        self.ensure_one()
        template = self.env.ref("support_billing.mail_template_card_hold_request")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "force_email": True,
            },
        }

    # ----------------------------------------------------------- business
    def _check_accountant(self, message=None):
        return super()._check_accountant(
            message
            or self.env._(
                "Only accountants can charge, release or refund card holds; "
                "technicians see them but cannot move money."
            )
        )

    def _lock(self):
        """Lock the hold row without waiting: a second click or a concurrent
        cron is told to try again; the transaction stays usable."""
        self.ensure_one()
        if not self.sudo().try_lock_for_update():
            raise UserError(
                self.env._(
                    "Card hold %(hold)s is being processed by someone else; "
                    "try again in a moment.",
                    hold=self.name,
                )
            )
        self.invalidate_recordset()
        tx = self.sudo().transaction_id
        if tx:
            # Odoo's post-processing cron (which each charge triggers) flags
            # the transactions it goes through: wait for it (milliseconds).
            # A flag it committed since this transaction began is a
            # serialization failure here, before any money moves, and Odoo
            # retries the request.
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM payment_transaction WHERE id = %s "
                    "FOR NO KEY UPDATE",
                    tx.id,
                ),
                log_exceptions=False,  # expected, and retried
            )
        (tx | tx.child_transaction_ids).invalidate_recordset()

    def _get_support_done_url(self):
        self.ensure_one()
        self._portal_ensure_token()
        return f"/support/pay/{self.id}/done?access_token={self.access_token}"

    def _get_support_pay_url(self):
        """The public page, prefilled for this hold (the request e-mail)."""
        self.ensure_one()
        self._portal_ensure_token()
        return (
            f"{self.get_base_url()}/support/pay?hold_id={self.id}"
            f"&access_token={self.access_token}"
        )

    def _get_state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _get_rate_for(self, partner, company=None, currency=None):
        """The hourly rate of ``partner`` (nobody: the public rate) in
        ``company`` (default: the current one): the product and the rate of
        that company, in ``currency`` (default: the company's)."""
        company = (company or self.env.company).with_env(self.env)
        product = company._get_support_time_product().with_company(company)
        return partner.with_company(company)._get_support_hourly_rate(
            product, currency=currency or company.currency_id
        )

    def _charge_time(self):
        """Invoice the ticket's billed time, link the invoice to the hold's
        transaction and capture what the card still authorises, at most the
        invoice's residual; release the rest.

        The bound is the source transaction's amount (what the provider
        authorised) less what was captured, never a field of the hold.
        """
        self.ensure_one()
        if self.state != "authorized":
            raise UserError(
                self.env._(
                    "Card hold %(hold)s cannot be charged: it is %(state)s.",
                    hold=self.name,
                    state=self._get_state_label(),
                )
            )
        if not self.ticket_id:
            raise UserError(
                self.env._(
                    "Link card hold %(hold)s to its ticket first.", hold=self.name
                )
            )
        self._check_same_customer(self.ticket_id.sudo().commercial_partner_id)
        tx = self.transaction_id.sudo()
        invoice = self.invoice_id
        if not invoice:
            entries = self.env["support.time.entry"].search(
                Domain("ticket_id", "=", self.ticket_id.id)
                & Domain("state", "=", const.ENTRY_STATE_TO_INVOICE)
            )
            # issue 23: the hold is a ceiling the customer authorised, not a
            # price: the time is invoiced as any invoice prices it (her own
            # rate, pricelist and fiscal position); the card pays at most
            # what it authorised, the rest stays due on the invoice
            invoice = entries._create_support_invoices(
                billing_modes=(const.BILLING_MODE_HOLD, const.BILLING_MODE_TIME),
            )
            if not invoice:
                raise UserError(
                    self.env._(
                        "Ticket %(ticket)s has no billable time to charge.",
                        ticket=self.ticket_id.display_name,
                    )
                )
            self._check_same_customer(invoice.sudo().commercial_partner_id)
            invoice = invoice.sudo()
            invoice.action_post()
            self.sudo().invoice_id = invoice
        invoice = invoice.sudo()
        self._check_same_customer(invoice.commercial_partner_id)
        if invoice.currency_id.is_zero(invoice.amount_residual):
            # nothing to charge (free trial, prepaid): the hold is not needed
            self.message_post(
                body=self._support_company_env()._(
                    "Nothing to charge on invoice %(invoice)s: the card hold is "
                    "released.",
                    invoice=invoice.name,
                )
            )
            self._void(const.HOLD_END_RELEASED)
            return tx.browse()
        # account_payment reconciles the capture's payment with the
        # invoices of the source transaction.
        tx.invoice_ids = [fields.Command.link(invoice.id)]
        captured = sum(tx._support_captured_children().mapped("amount"))
        capture, release, due = rules.capture_split(
            tx.amount, captured, invoice.amount_residual
        )
        capture = self.currency_id.round(float(capture))
        capture_tx = tx.browse()
        if capture > 0:
            capture_tx = tx._capture(amount_to_capture=capture)
            if capture_tx.state == "error":
                self.message_post(
                    body=self._support_company_env()._(
                        "Capture of %(amount)s failed: %(error)s. Nothing was "
                        "charged twice; charging again is safe.",
                        amount=self.currency_id.format(capture),
                        error=capture_tx.state_message or "",
                    )
                )
                return capture_tx
            capture_tx._support_post_process_soon()
        remaining = self.currency_id.round(float(release))
        if remaining > 0 and tx.state == "authorized":
            tx._void(amount_to_void=remaining)
        if due > 0:
            self._schedule_new_authorisation(float(due))
        return capture_tx

    def _support_company_env(self):
        """The environment in the company's language: what the hold posts in
        its chatter is read by the back office, whatever the language of the
        page (or the customer) that triggered it; customer e-mails use the
        customer's language (their templates)."""
        company = self.company_id[:1] or self.env.company
        # the columns a hold's note reads: the company's language, and the
        # current company's name and alias domain (mail's reply-to), not the
        # 105 columns of a company and the 53 of its partner (issue 16)
        (company | self.env.company).fetch(["partner_id", "name", "alias_domain_id"])
        company.partner_id.fetch(["lang"])
        lang = company.partner_id.lang or self.env.lang
        return self.with_context(lang=lang).env

    def _creation_message(self):
        return self._support_company_env()._("Card hold created")

    def _check_same_customer(self, commercial_partner):
        """A hold pays only for its own customer's tickets and invoices."""
        self.ensure_one()
        if commercial_partner != self.partner_id.commercial_partner_id:
            raise UserError(
                self.env._(
                    "Card hold %(hold)s of %(customer)s cannot pay for %(other)s.",
                    hold=self.name,
                    customer=self.partner_id.commercial_partner_id.display_name,
                    other=commercial_partner.display_name,
                )
            )

    def _schedule_new_authorisation(self, due):
        self.ensure_one()
        ticket = self.ticket_id.sudo()
        ticket.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self._support_company_env()._("New card authorisation needed"),
            note=self._support_company_env()._(
                "The time worked exceeds card hold %(hold)s: %(due)s remain due on "
                "invoice %(invoice)s. Ask the customer for a new authorisation.",
                hold=self.name,
                due=self.currency_id.format(due),
                invoice=self.invoice_id.name,
            ),
            user_id=ticket.user_id.id or self.env.user.id,
        )

    def _void(self, reason):
        """Cancel the uncaptured hold at the provider (and record why)."""
        self.ensure_one()
        self.sudo().end_reason = reason
        void_tx = self.transaction_id.sudo()._void()
        if void_tx.state == "error":
            self.sudo().end_reason = False
            raise UserError(
                self.env._(
                    "The card hold could not be cancelled: %(error)s",
                    error=void_tx.state_message or "",
                )
            )
        return void_tx

    def _on_transaction_update(self, transactions):
        """Record the hold's dates and post each real money event once: the
        authorisation, each capture and each release, with its own amount."""
        for hold in self:
            authorised = False
            for tx in transactions.filtered(
                lambda t, hold=hold: t.support_card_hold_id == hold
            ):
                authorised |= hold._post_money_event(tx) == "authorised"
            hold.flush_recordset()
            if authorised and hold.state == "authorized":
                # "Authorised on the card" tells the status change: no second
                # message (the tracking's) for it (a webhook's work halves)
                hold._support_untrack(["state"])

    def _support_untrack(self, fnames):
        """Drop the pending tracking of ``fnames`` on these records (what the
        transaction changed so far; later changes are tracked again)."""
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        for hold in self:
            initial = pending.get(hold.id)
            for fname in fnames if initial else ():
                initial.pop(fname, None)

    def _post_money_event(self, tx):
        """Post the money event of ``tx`` in the chatter once; returns
        ``"authorised"`` for an authorisation, else None."""
        self.ensure_one()
        source = tx.source_transaction_id
        if tx.operation == "refund":
            return None
        amount = self.currency_id.format(tx.amount)
        body, kind = False, None
        if not source and tx.state == "authorized":
            if not self.authorized_at:
                self.sudo().authorized_at = fields.Datetime.now()
            body = self._support_company_env()._(
                "Authorised on the card: %(amount)s.", amount=amount
            )
            kind = "authorised"
        elif not source and tx.child_transaction_ids.filtered(
            lambda t: t.operation == tx.operation
        ):
            return None  # settled by its children, each posted on its own
        elif tx.state == "done":
            body = self._support_company_env()._(
                "%(amount)s captured (by %(user)s).",
                amount=amount,
                user=self.env.user.name,
            )
        elif tx.state == "cancel":
            if not source and not self.authorized_at:
                return None  # the card was never authorised: no money moved
            if not self.end_reason and (
                not source or not tx.source_transaction_id._support_captured_children()
            ):
                self.sudo().end_reason = const.HOLD_END_EXPIRED
            if self.end_reason == const.HOLD_END_EXPIRED:
                body = self._support_company_env()._(
                    "%(amount)s released: the card hold expired.", amount=amount
                )
            else:
                body = self._support_company_env()._(
                    "%(amount)s released (by %(user)s).",
                    amount=amount,
                    user=self.env.user.name,
                )
        if body:
            # a note of the hold's own history: logged (no notification), as
            # Odoo logs its payment notes
            self._message_log(body=escape(body), **self._support_note_author())
        return kind

    def _support_note_author(self):
        """Author of a money event's note: the user who acted; for a payment
        provider's notification (Stripe's webhook, served as the public
        user) the system (OdooBot), without reading the public user and its
        partner for an e-mail address a logged note never uses."""
        xmlid_to_res_id = self.env["ir.model.data"]._xmlid_to_res_id  # cached
        if self.env.uid == xmlid_to_res_id("base.public_user"):
            return {
                "author_id": xmlid_to_res_id("base.partner_root"),
                "email_from": False,
            }
        return {}

    @api.model
    def _demo_enable_demo_provider(self):
        """Demo data: let the demo provider authorise card holds."""
        provider = self.env.ref(
            "payment.payment_provider_demo", raise_if_not_found=False
        )
        if provider and provider.module_state == "installed":
            provider.write(
                {"state": "test", "capture_manually": True, "is_published": True}
            )

    # -------------------------------------------------------------- crons
    @api.model
    def _cron_expire_holds(self):
        """Warn the accountant the day before a hold is voided; void
        uncaptured holds the day before they expire (at the seeds' terms:
        warned after 5 days, voided after 6, expiring after 7).

        Stripe cancels them itself after 7 days (webhook
        ``payment_intent.canceled``): whichever comes first, no error.  Two
        runs at once (two cron workers) warn or void each hold once: a hold
        the other run holds (row locked) or changed since this run began is
        counted as remaining, so that Odoo runs the cron again until none is
        left, and the next run reads it again.
        """
        now = fields.Datetime.now()
        # each hold under the terms of the day it was authorised: warned
        # two days before it expires, voided the day before
        holds = self.sudo().search(
            [("state", "=", "authorized"), ("authorized_at", "!=", False)]
        )
        limits = {}
        for hold in holds:
            terms = hold._support_hold_terms(hold._support_day(hold.authorized_at))
            if hold.authorized_at <= now - timedelta(days=terms.hold_warning_days):
                limits[hold] = now - timedelta(days=terms.hold_void_days)
        holds = holds.browse([hold.id for hold in limits])
        ir_cron = self.env["ir.cron"]
        busy = 0
        for count, hold in enumerate(holds, start=1):
            done = True
            try:
                with self.env.cr.savepoint():
                    done = hold._expire_step(limits[hold])
            except pg_errors.SerializationFailure as error:
                # the twin run changed it since this transaction began
                _logger.info("Card hold %s changed concurrently: %s", hold.name, error)
                done = False
            except Exception as error:  # noqa: BLE001 -- isolate each hold
                _logger.info("Card hold %s could not be expired: %s", hold.name, error)
                hold.message_post(
                    body=hold._support_company_env()._(
                        "The card hold could not be cancelled automatically: %(error)s",
                        error=str(error),
                    )
                )
            busy += not done
            # a void happened at the provider: commit it before the next hold,
            # so that no later failure can roll back what the card shows; a
            # hold another run holds stays remaining: Odoo runs the cron again
            if not ir_cron._commit_progress(
                int(done), remaining=len(holds) - count + busy
            ):
                break  # out of time: the next run goes on

    def _expire_step(self, void_limit):
        """Void this hold if authorised before ``void_limit``, else warn the
        accountant once.  False (nothing done) when another transaction holds
        the hold's row: a later run does it."""
        self.ensure_one()
        # ``try_lock_for_update()`` without its "bad query" error log: a
        # conflict with a twin run is expected, not an error
        self.env.cr.execute(
            SQL(
                "SELECT id FROM support_card_hold WHERE id = %s FOR UPDATE SKIP LOCKED",
                self.id,
            ),
            log_exceptions=False,
        )
        if not self.env.cr.fetchall():
            _logger.info("Card hold %s is busy: left for a later run", self.name)
            return False
        # what another run did before this transaction began
        self.invalidate_recordset()
        tx = self.sudo().transaction_id
        (tx | tx.child_transaction_ids).invalidate_recordset()
        if self.state != "authorized":
            return True
        if self.authorized_at <= void_limit:
            self._void(const.HOLD_END_EXPIRED)
        elif not self.warned:
            self._warn_accountant()
        return True

    def _warn_accountant(self):
        self.ensure_one()
        # an accountant who can open the hold: one of its company
        accountant = (
            self.env.ref("account.group_account_invoice")
            .all_user_ids.filtered(
                lambda u: not u.share and u.active and self.company_id in u.company_ids
            )
            .sorted("id")[:1]
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.today(),
            summary=self._support_company_env()._("Card hold expires soon"),
            note=self._support_company_env()._(
                "Card hold %(hold)s (%(amount)s) is still uncaptured and will be "
                "cancelled tomorrow: charge the time or release it.",
                hold=self.name,
                amount=self.currency_id.format(self.amount),
            ),
            user_id=accountant.id or self.env.user.id,
        )
        self.sudo().warned = True
