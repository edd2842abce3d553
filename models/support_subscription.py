# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, LockError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_amount, format_date
from odoo.tools.mail import email_normalize

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: The subscription's money links and states: set by its actions only.
MONEY_FIELDS = {
    "state",
    "activation_date",
    "cancellation_date",
    "date_end",
    "first_invoice_id",
    "invoice_ids",
    "payment_token_id",
}


class SupportSubscription(models.Model):
    _name = "support.subscription"
    _description = "Support Subscription"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "support.invoicing.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True

    # two "Subscribe" at once: the database keeps one open subscription
    _one_open_per_partner = models.UniqueIndex(
        "(partner_id) WHERE state IN ('draft', 'waiting', 'active', 'cancelled')",
        "The customer already has a support subscription.",
    )

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        help="The customer (its commercial partner) who pays the subscription.",
    )
    plan_id = fields.Many2one(
        comodel_name="support.plan",
        string="Plan",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        default=lambda self: self.env["support.plan"].search([], limit=1),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", related="company_id.currency_id"
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        domain="[('share', '=', False)]",
        tracking=True,
        help="Support manager who makes the start-up call; the first support "
        "manager when empty.",
    )
    authorized_user_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="support_subscription_authorized_partner_rel",
        column1="subscription_id",
        column2="partner_id",
        string="Authorised Users",
        help="Persons who may open tickets under this subscription, inside the "
        "customer's company or not. The next invoice counts them.",
    )
    # computed as superuser: a portal user may not read the authorised users
    # from outside her company (res.partner rules), yet they are counted
    user_count = fields.Integer(
        string="Users", compute="_compute_amounts", compute_sudo=True
    )
    extra_user_count = fields.Integer(
        string="Extra Users", compute="_compute_amounts", compute_sudo=True
    )
    monthly_amount = fields.Monetary(
        string="Monthly Amount",
        currency_field="currency_id",
        compute="_compute_amounts",
        compute_sudo=True,
        help="What a whole month costs with the current authorised users.",
    )
    extra_user_price = fields.Monetary(
        string="Price per Extra User",
        currency_field="currency_id",
        compute="_compute_amounts",
        compute_sudo=True,
        help="The plan's monthly price of an extra user, in the subscription's "
        "currency.",
    )
    startup_contact = fields.Selection(
        selection=const.SUBSCRIPTION_STARTUP_CONTACTS,
        string="Start-up Contact",
        required=True,
        default="phone",
        help="How the team contacts the customer once the subscription is active.",
    )
    state = fields.Selection(
        selection=const.SUBSCRIPTION_STATES,
        required=True,
        default="draft",
        copy=False,
        index=True,
        tracking=True,
    )
    date_start = fields.Date(
        string="Start Date",
        copy=False,
        tracking=True,
        help="First day of the first (prorated) month.",
    )
    activation_date = fields.Date(copy=False, readonly=True, tracking=True)
    next_invoice_date = fields.Date(copy=False, tracking=True, index=True)
    cancellation_date = fields.Date(copy=False, readonly=True, tracking=True)
    date_end = fields.Date(
        string="End Date",
        copy=False,
        readonly=True,
        tracking=True,
        help="Last day covered: the end of the month of the cancellation.",
    )
    resubscribe_date = fields.Date(
        string="Re-subscription Possible From",
        compute="_compute_resubscribe_date",
        help="A customer who cancelled may subscribe again 3 months after the "
        "cancellation date.",
    )
    first_invoice_id = fields.Many2one(
        comodel_name="account.move", copy=False, readonly=True
    )
    invoice_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="support_subscription_id",
        string="Invoices",
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    # Issue 25: automatic payment of the monthly invoices by a saved card.
    # Set and cleared by ``_support_set_autopay_token`` / ``action_stop_autopay``
    # only (MONEY_FIELDS: a user's write is refused).
    payment_token_id = fields.Many2one(
        comodel_name="payment.token",
        string="Card for Automatic Payment",
        copy=False,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('partner_id', 'child_of', partner_id), "
        "('provider_id.state', 'in', ('enabled', 'test')), "
        "('company_id', '=', company_id)]",
        help="The customer's saved card that pays each monthly invoice when it "
        "is issued. Set by the customer's consent; removing the card stops "
        "the automatic payments at once.",
    )
    invoice_error = fields.Text(string="Invoicing Error", copy=False, readonly=True)

    # ------------------------------------------------------------ compute
    @api.depends(
        "authorized_user_ids",
        "plan_id.users_included",
        "plan_id.monthly_price",
        "plan_id.extra_user_price",
        "plan_id.currency_id",
        "company_id",
    )
    def _compute_amounts(self):
        for sub in self:
            charge = sub._get_charge()
            sub.user_count = len(sub.authorized_user_ids)
            sub.extra_user_count = charge.extra_users
            sub.monthly_amount = float(charge.total)
            sub.extra_user_price = float(charge.extra_unit)

    @api.depends("cancellation_date")
    def _compute_resubscribe_date(self):
        for sub in self:
            sub.resubscribe_date = sub.cancellation_date and rules.resubscribe_date(
                sub.cancellation_date
            )

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        for sub in self:
            sub.invoice_count = len(sub.invoice_ids)

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for sub in self:
            sub.access_url = "/my/subscription"
        return res

    # -------------------------------------------------------- constraints
    @api.constrains("partner_id", "state")
    def _check_one_open_subscription(self):
        for sub in self.filtered(lambda s: s.state in const.SUBSCRIPTION_OPEN_STATES):
            self._check_no_open_subscription(sub.partner_id, exclude=sub)

    @api.model
    def _check_no_open_subscription(self, partner, exclude=None):
        """Refuse a second open subscription of ``partner`` (the unique
        index ``_one_open_per_partner`` refuses it when two come at once)."""
        domain = Domain("partner_id", "=", partner.id) & Domain(
            "state", "in", const.SUBSCRIPTION_OPEN_STATES
        )
        if exclude:
            domain &= Domain("id", "not in", exclude.ids)
        if self.sudo().search_count(domain, limit=1):
            raise ValidationError(
                self.env._(
                    "%(customer)s already has a support subscription.",
                    customer=partner.display_name,
                )
            )

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"]
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
            if vals.get("partner_id"):
                partner = partners.browse(vals["partner_id"]).commercial_partner_id
                vals["partner_id"] = partner.id
                partner._check_support_can_subscribe()
                self._check_no_open_subscription(partner)
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "support.subscription"
                ) or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        if vals.get("partner_id"):
            vals["partner_id"] = (
                self.env["res.partner"]
                .browse(vals["partner_id"])
                .commercial_partner_id.id
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.invoice_ids:
            raise UserError(
                self.env._(
                    "A subscription that has invoices cannot be deleted: cancel it."
                )
            )

    # ------------------------------------------------------------ actions
    def action_confirm(self):
        """Draft -> waiting for payment: issue and post the prorated first invoice."""
        for sub in self:
            if sub.state != "draft":
                raise UserError(
                    self.env._("Only a draft subscription can be confirmed.")
                )
            if not sub.authorized_user_ids:
                raise UserError(
                    self.env._(
                        "Name at least one authorised user before confirming "
                        "subscription %(name)s.",
                        name=sub.name,
                    )
                )
        self.check_access("write")  # the states are then written as superuser
        today = fields.Date.context_today(self)
        for sub in self:
            sub.write(
                {
                    "date_start": sub.date_start or today,
                    "next_invoice_date": rules.next_month_start(
                        sub.date_start or today
                    ),
                }
            )
        invoices = self._create_invoices(first=True)
        for sub, invoice in zip(self, invoices, strict=True):
            sub.sudo().write({"state": "waiting", "first_invoice_id": invoice.id})
        invoices.sudo().action_post()
        self._activate_if_paid()  # a zero invoice is paid at once
        return True

    def action_cancel(self):
        """Cancel: free, effective at the end of the current month.

        An active subscription covers tickets until the end of the month and
        is not invoiced any more; one never paid is closed at once.
        """
        self.check_access("write")  # the states are then written as superuser
        today = fields.Date.context_today(self)
        self.filtered("payment_token_id")._support_clear_autopay_token(
            self.env._(
                "Subscription cancelled by %(user)s: its invoices are no longer "
                "charged to the saved card.",
                user=self.env.user.name,
            )
        )
        for sub in self:
            if sub.state == "active":
                sub.sudo().write(
                    {
                        "state": "cancelled",
                        "cancellation_date": today,
                        "date_end": rules.cancellation_end_date(today),
                        "next_invoice_date": False,
                    }
                )
                sub.message_post(
                    body=self.env._(
                        "Subscription cancelled by %(user)s: tickets are covered "
                        "until %(end)s, no further invoice. A new subscription is "
                        "possible from %(date)s.",
                        user=self.env.user.name,
                        end=format_date(self.env, sub.date_end),
                        date=format_date(self.env, sub.resubscribe_date),
                    )
                )
            elif sub.state in ("draft", "waiting"):
                invoice = sub.first_invoice_id
                unpaid = invoice.filtered(lambda i: i.payment_state == "not_paid")
                unpaid.filtered(lambda i: i.state == "posted").sudo().button_draft()
                unpaid.sudo().button_cancel()
                sub.sudo().write({"state": "closed", "next_invoice_date": False})
                sub.message_post(
                    body=self.env._(
                        "Subscription withdrawn by %(user)s before activation.",
                        user=self.env.user.name,
                    )
                )
                sub._credit_partly_paid_invoice(
                    invoice.filtered(
                        lambda i: i.state == "posted" and i.payment_state == "partial"
                    )
                )
            else:
                raise UserError(
                    self.env._(
                        "Subscription %(name)s is already cancelled.", name=sub.name
                    )
                )
        return True

    def _credit_partly_paid_invoice(self, invoice):
        """Withdrawn with its first ``invoice`` partly paid: the invoice is
        credited in full (nothing left due, as Odoo's "Full refund"); what
        was paid is unreconciled and stays the customer's credit, for the
        accountant to refund or to use on a later invoice."""
        self.ensure_one()
        if not invoice:
            return
        paid = invoice.amount_total - invoice.amount_residual
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        credit_note = invoice.sudo()._reverse_moves(
            [
                {
                    "ref": env._(
                        "Subscription %(name)s withdrawn before activation",
                        name=self.name,
                    ),
                    "support_subscription_id": self.id,
                }
            ],
            cancel=True,
        )
        self.message_post(
            body=self.env._(
                "Its first invoice %(invoice)s was partly paid (%(paid)s): credit "
                "note %(credit_note)s cancels it. The %(paid)s paid stay the "
                "customer's credit: refund them or use them on a later invoice.",
                invoice=invoice.name,
                credit_note=credit_note.name,
                paid=format_amount(self.env, paid, invoice.currency_id),
            )
        )

    def action_activate(self):
        """Staff: activate by hand (e.g. a payment agreed outside Odoo)."""
        self.check_access("write")
        self.filtered(lambda s: s.state == "waiting")._activate()
        return True

    def action_stop_autopay(self):
        """Stop paying the monthly invoices by the saved card, at once: no
        charge is attempted after this (invoices already paid stay paid)."""
        self.check_access("write")  # the token is then cleared as superuser
        for sub in self.filtered("payment_token_id"):
            sub._support_clear_autopay_token(
                self.env._(
                    "Automatic payment by card stopped by %(user)s: the next "
                    "invoices are paid by the customer.",
                    user=self.env.user.name,
                )
            )
        return True

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("support_subscription_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ----------------------------------------------------------- business
    def _get_charge(self, start=None, date=None):
        """The month's amounts in the subscription's currency: the plan's
        prices converted from the plan's currency at ``date`` (today by
        default), by the subscription's company."""
        self.ensure_one()
        plan = self.plan_id
        company = self.company_id or self.env.company
        monthly_price, extra_user_price = plan._get_prices_in(
            company, date or fields.Date.context_today(self)
        )
        return rules.subscription_charge(
            monthly_price,
            plan.users_included,
            extra_user_price,
            len(self.authorized_user_ids),
            start=start,
            rounding=str(self.currency_id.rounding or 0.01),
        )

    def _get_period(self, first=False):
        """First and last day of the period the next invoice covers."""
        self.ensure_one()
        start = self.date_start if first else self.next_invoice_date
        return start, rules.month_end(start)

    def _create_invoices(self, first=False):
        """One invoice per subscription for its next period, in one batch."""
        if not self:
            return self.env["account.move"]
        vals_list = [sub._prepare_invoice_vals(first=first) for sub in self]
        return (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice")
            .create(vals_list)
            .sudo(False)
        )

    def _prepare_invoice_vals(self, first=False):
        self.ensure_one()
        start, end = self._get_period(first=first)
        # the first invoice is dated when posted (today), the others their
        # period's first day: the plan's prices are converted at that date
        invoice_date = fields.Date.context_today(self) if first else start
        charge = self._get_charge(start=start if first else None, date=invoice_date)
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "invoice_date": start if not first else None,
            "invoice_origin": self.name,
            "invoice_user_id": self.env["account.move"]
            ._support_salesperson(self.partner_id)
            .id,
            "support_subscription_id": self.id,
            "invoice_line_ids": [
                fields.Command.create(vals)
                for vals in self._prepare_invoice_line_vals(charge, start, end)
            ],
        }

    def _prepare_invoice_line_vals(self, charge, start, end):
        """Vals of the lines: the plan (listing the users), then extra users."""
        self.ensure_one()
        plan = self.plan_id
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        users = self.authorized_user_ids.sorted("name")
        description = env._(
            "%(plan)s, %(start)s to %(end)s",
            plan=plan.with_env(env).name,
            start=format_date(env, start),
            end=format_date(env, end),
        )
        if charge.days != charge.days_in_month:
            description += "\n" + env._(
                "First month prorated: %(days)s of %(month_days)s days",
                days=charge.days,
                month_days=charge.days_in_month,
            )
        description += "\n" + env._(
            "Authorised users (%(count)s, %(included)s included): %(users)s",
            count=len(users),
            included=plan.users_included,
            users=", ".join(users.mapped("name")),
        )
        lines = [
            {
                "product_id": plan.product_id.id,
                "name": description,
                "quantity": 1.0,
                "price_unit": float(charge.base),
            }
        ]
        if charge.extra_users:
            lines.append(
                {
                    "product_id": plan.extra_user_product_id.id,
                    "name": env._(
                        "Extra users beyond the %(included)s included, "
                        "%(start)s to %(end)s",
                        included=plan.users_included,
                        start=format_date(env, start),
                        end=format_date(env, end),
                    ),
                    "quantity": float(charge.extra_users),
                    "price_unit": float(charge.extra_unit),
                }
            )
        return lines

    @api.model
    def _support_subscribe_from_portal(self, person, plan, startup_contact, company):
        """The portal's "Subscribe": ``person``'s company subscribes to
        ``plan``, ``person`` its first authorised user; the first invoice is
        issued.  Nothing is written when it is refused (UserError), also
        when another click subscribed the customer at the same moment."""
        customer = person.commercial_partner_id
        # Confirm clicked twice: the subscription the first click made is
        # the answer to the second one too, never a second subscription
        pending = self.sudo().search(
            [
                ("partner_id", "=", customer.id),
                ("company_id", "=", company.id),
                ("plan_id", "=", plan.id),
                ("state", "=", "waiting"),
            ],
            limit=1,
        )
        if pending:
            return pending
        try:
            subscription = self._support_subscribe_in_savepoint(
                person, plan, startup_contact, company
            )
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != f"{self._table}_one_open_per_partner":
                raise
            raise UserError(
                self.env._(
                    "%(customer)s already has a support subscription.",
                    customer=customer.display_name,
                )
            ) from error
        return subscription

    @api.model
    def _support_preview_subscription(self, person, plan, company):
        """What subscribing ``person``'s company to ``plan`` today costs,
        before anything is written: the first invoice as it will be issued
        (prorated, taxes by the customer's fiscal position), in memory.
        Returns ``(lines, totals)`` as ``account.move._support_preview_invoice``."""
        subscription = self.sudo().new(
            {
                "partner_id": person.commercial_partner_id.id,
                "plan_id": plan.id,
                "company_id": company.id,
                "authorized_user_ids": [fields.Command.set(person.ids)],
                "date_start": fields.Date.context_today(self),
            }
        )
        vals = subscription._prepare_invoice_vals(first=True)
        vals.pop("support_subscription_id")
        return self.env["account.move"]._support_preview_invoice(vals)

    def _support_subscribe_in_savepoint(self, person, plan, startup_contact, company):
        with self.env.cr.savepoint():
            subscription = self.sudo().create(
                {
                    "partner_id": person.commercial_partner_id.id,
                    "plan_id": plan.id,
                    "company_id": company.id,
                    "startup_contact": startup_contact,
                    "authorized_user_ids": [(6, 0, person.ids)],
                }
            )
            subscription.action_confirm()
            subscription.message_post(
                body=self.env._(
                    "Subscribed in the portal by %(person)s.",
                    person=person.name,
                )
            )
        return subscription

    def _activate_if_paid(self):
        """Activate the waiting subscriptions whose first invoice is fully paid."""
        self.filtered(
            lambda s: (
                s.state == "waiting" and s.first_invoice_id._support_is_fully_paid()
            )
        )._activate()

    def _activate(self):
        """Waiting -> active; schedule the start-up call (or e-mail).

        The subscriptions are locked first and their state read again: an
        online payment and a payment registered by hand at the same moment
        activate (and schedule the call) once.
        """
        today = fields.Date.context_today(self)
        subs = self.filtered(lambda s: s.state == "waiting")
        if not subs:
            return
        try:
            subs.lock_for_update()
        except LockError as error:
            raise ConcurrencyError(
                self.env._(
                    "Subscription %(names)s is being changed by another "
                    "operation; try again.",
                    names=", ".join(subs.mapped("name")),
                )
            ) from error
        subs.invalidate_recordset(["state"])
        for sub in subs.filtered(lambda s: s.state == "waiting"):
            sub.sudo().write({"state": "active", "activation_date": today})
            sub._support_cover_logged_time()
            sub._schedule_startup()
            sub.message_post(
                body=self.env._(
                    "Subscription active: its first invoice is paid. Tickets of "
                    "its authorised users are covered."
                )
            )

    def _support_cover_logged_time(self):
        """Coverage follows the day the time was worked, not the day it was
        typed: the time of the covered users worked within the subscription's
        term and logged while its first invoice waited for payment (to
        invoice, not on any invoice) is covered now, by the same rule as the
        time logged afterwards (``_get_covering_domain``).  Time already
        invoiced stays as it was billed."""
        self.ensure_one()
        sub = self.sudo()  # activated by a payment: the customer's, a webhook's
        requesters = sub.authorized_user_ids | sub.partner_id
        domain = (
            Domain("state", "=", const.ENTRY_STATE_TO_INVOICE)
            & Domain("invoice_line_id", "=", False)
            & Domain("company_id", "=", sub.company_id.id)
            & Domain("ticket_id.partner_id", "in", requesters.ids)
            & Domain("date", ">=", sub.date_start)
        )
        if sub.date_end:
            domain &= Domain("date", "<=", sub.date_end)
        entries = self.env["support.time.entry"].sudo().search(domain)
        if not entries:
            return
        # the coverage rule itself, as when the time is logged (as superuser:
        # accounting's own link, see ``check_money_links``)
        entries._compute_support_subscription_id()
        covered = entries.filtered("support_subscription_id")
        # covered time takes no prepaid ticket
        covered.ticket_id._support_sync_pack_consumption()

    def _schedule_startup(self):
        self.ensure_one()
        user = self.user_id or self._get_support_manager()
        if self.startup_contact == "email":
            activity_type = "mail.mail_activity_data_email"
            summary = self.env._("Send the start-up e-mail")
        else:
            activity_type = "mail.mail_activity_data_call"
            summary = self.env._("Start-up call with the customer")
        self.sudo().activity_schedule(
            activity_type,
            summary=summary,
            note=self.env._(
                "Subscription %(name)s of %(customer)s is active: welcome the "
                "customer and explain how to open tickets.",
                name=self.name,
                customer=self.partner_id.display_name,
            ),
            user_id=user.id,
        )

    def _get_support_manager(self):
        group = self.env.ref("support_billing.group_support_manager")
        managers = group.sudo().user_ids.filtered(
            lambda u: not u.share and self.company_id in u.company_ids
        )
        return managers.sorted("id")[:1] or self.env.user

    def _add_authorized_user(self, name, email):
        """Add a person by name and e-mail; match an existing contact of the
        customer by e-mail first, else create the person."""
        self.ensure_one()
        email = (email or "").strip()
        name = (name or "").strip()
        if not name or not email_normalize(email):
            raise ValidationError(
                self.env._("Give the user's name and a valid e-mail address.")
            )
        partners = self.env["res.partner"].sudo()
        partner = partners.search(
            [
                ("email", "=ilike", email),
                ("id", "child_of", self.partner_id.id),
            ],
            limit=1,
        ) or self.authorized_user_ids.filtered(
            lambda p: (p.email or "").lower() == email.lower()
        )
        if not partner:
            # a person with an account already (e.g. a portal user): her
            # tickets are on that partner, which the subscription must cover
            user = (
                self.env["res.users"]
                .sudo()
                .search(
                    [("partner_id.email_normalized", "=", email_normalize(email))],
                    order="id",
                    limit=1,
                )
            )
            partner = user.partner_id
        if not partner:
            partner = partners.create({"name": name, "email": email})
        self.sudo().authorized_user_ids = [fields.Command.link(partner.id)]
        self.message_post(
            body=self.env._(
                "Authorised user added by %(user)s: %(person)s",
                user=self.env.user.name,
                person=partner.display_name,
            )
        )
        return partner

    def _remove_authorized_user(self, partner):
        self.ensure_one()
        if partner not in self.authorized_user_ids:
            raise UserError(self.env._("This person is not an authorised user."))
        if len(self.authorized_user_ids) == 1:
            raise UserError(
                self.env._("A subscription keeps at least one authorised user.")
            )
        if partner == self.env.user.partner_id:
            raise UserError(
                self.env._(
                    "You cannot remove yourself from the subscription: ask "
                    "another authorised user of your company, or contact us."
                )
            )
        self.sudo().authorized_user_ids = [fields.Command.unlink(partner.id)]
        self.message_post(
            body=self.env._(
                "Authorised user removed by %(user)s: %(person)s",
                user=self.env.user.name,
                person=partner.display_name,
            )
        )

    @api.model
    def _get_covering_domain(self, partner, date, company=None):
        """Subscriptions that cover ``partner``'s tickets on ``date``: a
        subscription covers the tickets of its own company only."""
        return (
            (Domain("company_id", "=", company.id) if company else Domain.TRUE)
            & Domain("state", "in", const.SUBSCRIPTION_COVERING_STATES)
            & Domain("activation_date", "!=", False)
            & Domain("date_start", "<=", date)
            & (Domain("date_end", "=", False) | Domain("date_end", ">=", date))
            & (
                Domain("authorized_user_ids", "in", partner.ids)
                | Domain("partner_id", "=", partner.id)
            )
        )

    def _set_invoice_error(self, error):
        """Store the last invoicing error; post it once."""
        self._store_invoice_error(
            "invoice_error",
            error,
            lambda error: self.env._(
                "The subscription could not be invoiced: %(error)s", error=error
            ),
        )

    def _invoice_next_period(self):
        """Invoice the next month of these active subscriptions, in one batch."""
        invoices = self._create_invoices()
        invoices.sudo().action_post()
        for sub in self:
            sub.next_invoice_date = rules.next_month_start(sub.next_invoice_date)
        return invoices

    # ------------------------------------------------------ automatic payment
    def _support_check_autopay_token(self, token):
        """Refuse (UserError) a ``token`` that cannot pay this subscription:
        a card of another customer, of a disabled provider, of another
        company, or archived."""
        self.ensure_one()
        token = token.sudo()
        if not (
            token.exists()
            and token.active
            and token.partner_id.commercial_partner_id
            == self.partner_id.commercial_partner_id
            and token.provider_id.state in ("enabled", "test")
            and token.company_id == self.company_id
        ):
            raise UserError(
                self.env._(
                    "This saved card cannot pay subscription %(name)s: it must be "
                    "an active card of %(customer)s, saved with a payment "
                    "provider of %(company)s that is enabled.",
                    name=self.name,
                    customer=self.partner_id.display_name,
                    company=self.company_id.name,
                )
            )

    def _support_set_autopay_token(self, token):
        """The monthly invoices of this subscription are paid by ``token``
        from now on (the customer's consent was given: the portal's card
        block checks it before calling).  Replaces the previous card."""
        self.ensure_one()
        self._support_check_autopay_token(token)
        if self.payment_token_id == token:
            return True
        previous = self.payment_token_id
        self.sudo().payment_token_id = token
        self.message_post(
            body=self.env._(
                "Automatic payment by card %(card)s set up by %(user)s: each "
                "monthly invoice is charged to it when issued.",
                card=token.sudo().display_name,
                user=self.env.user.name,
            )
            if not previous
            else self.env._(
                "Card for automatic payment changed by %(user)s: %(old)s "
                "replaced by %(card)s.",
                user=self.env.user.name,
                old=previous.sudo().display_name,
                card=token.sudo().display_name,
            )
        )
        return True

    def _support_clear_autopay_token(self, message):
        """Clear the saved card (as superuser) and post ``message``: no
        charge after this, also of the invoices issued and not paid yet
        (their retries stop; what was paid stays paid)."""
        for sub in self:
            sub.sudo().payment_token_id = False
            sub.message_post(body=message)
            sub.sudo().invoice_ids._support_autopay_stop(message)

    # -------------------------------------------------------------- crons
    @api.model
    def _cron_invoice_subscriptions(self):
        """Daily: invoice the subscriptions due, close the ended ones.

        Each company's due subscriptions are invoiced in one batch; when the
        batch fails, each subscription is retried in its own savepoint: a
        failing one is skipped, its error stored and posted once.
        """
        today = fields.Date.context_today(self)
        subs = self.sudo()
        ended = subs.search([("state", "=", "cancelled"), ("date_end", "<", today)])
        ended.try_lock_for_update().write({"state": "closed"})
        due_domain = Domain("state", "=", "active") & Domain(
            "next_invoice_date", "<=", today
        )
        # another worker invoicing the same subscriptions holds their rows:
        # skip them (it invoices them); read what is locked again
        due = subs.search(due_domain).try_lock_for_update()
        due.invalidate_recordset(["state", "next_invoice_date"])
        due = due.filtered_domain(due_domain)
        for company, company_subs in due.grouped("company_id").items():
            company_subs = company_subs.with_company(company)
            try:
                with self.env.cr.savepoint():
                    company_subs._invoice_next_period()
            except Exception:  # noqa: BLE001 -- retry one by one below
                for sub in company_subs:
                    try:
                        with self.env.cr.savepoint():
                            sub._invoice_next_period()
                    except Exception as error:  # noqa: BLE001 -- isolate each one
                        _logger.warning(
                            "Support subscription %s could not be invoiced: %s",
                            sub.id,
                            error,
                        )
                        sub._set_invoice_error(str(error))
                    else:
                        sub._set_invoice_error(False)
            else:
                company_subs._set_invoice_error(False)
