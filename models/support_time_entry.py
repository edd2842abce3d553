# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytz
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: Fields that an invoiced entry may no longer change.
LOCKED_FIELDS = {"minutes", "date", "user_id", "ticket_id", "billable", "work_type"}
#: Fields that change the prepaid credits a ticket consumes.
PACK_FIELDS = {"minutes", "ticket_id", "billable"}
#: Links of the time to money: written by the accounting code only.
MONEY_FIELDS = {
    "invoice_line_id",
    "invoice_id",
    "support_released_line_id",
    "support_subscription_id",
    "state",
}
#: Customers invoiced by one ``account.move.create`` of the monthly run.
INVOICE_BATCH_SIZE = 500


class SupportTimeEntry(models.Model):
    _name = "support.time.entry"
    _description = "Support Time Entry"
    _inherit = ["support.invoicing.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    _minutes_positive = models.Constraint(
        "CHECK(minutes > 0)",
        "The minutes worked must be greater than zero.",
    )

    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Ticket",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="ticket_id.commercial_partner_id",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="ticket_id.company_id",
        store=True,
        index=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Technician",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    date = fields.Date(
        required=True,
        default=lambda self: self.env.company._support_today(),
        index=True,
        help="Day the time was worked, in the company's time zone.",
    )
    minutes = fields.Integer(
        string="Minutes Worked",
        required=True,
        help="Minutes actually worked by the technician (1 to 1440).",
    )
    description = fields.Char()
    billable = fields.Boolean(default=True)
    work_type = fields.Selection(
        selection=const.WORK_TYPES,
        string="Work Type",
        compute="_compute_work_type",
        store=True,
        readonly=False,
        precompute=True,
        help="Priced by the rate card of the company's terms. By default: "
        "weekend / holiday on a day the support calendar does not open, on "
        "site for the ticket of an intervention, after hours when logged "
        "outside the support hours of the day worked, else remote.",
    )
    invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Invoice Line",
        copy=False,
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
    )
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        related="invoice_line_id.move_id",
        store=True,
        index="btree_not_null",
    )
    support_subscription_id = fields.Many2one(
        comodel_name="support.subscription",
        string="Covered by Subscription",
        compute="_compute_support_subscription_id",
        store=True,
        compute_sudo=True,
        index="btree_not_null",
        help="The subscription that covered the requester on the day this "
        "time was worked: settled when the time is logged, never invoiced.",
    )
    support_released_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Released From",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The invoice line that was fully credited or cancelled: this time "
        "is billed again only when an accountant decides so.",
    )
    state = fields.Selection(
        selection=[
            (const.ENTRY_STATE_NON_BILLABLE, "Not billable"),
            (const.ENTRY_STATE_TO_INVOICE, "To invoice"),
            (const.ENTRY_STATE_INVOICED, "Invoiced"),
            (const.ENTRY_STATE_COVERED, "Covered by subscription"),
            (const.ENTRY_STATE_TO_REVIEW, "Credited: to review"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
    )
    support_billing_mode = fields.Selection(
        selection=const.BILLING_MODES,
        string="Billed By",
        compute="_compute_support_billing",
        search="_search_support_billing_mode",
        help="How the ticket of this time is paid (the billing-mode table): "
        "only time billing is invoiced from Time to Invoice.",
    )
    support_billing_status = fields.Selection(
        selection=[
            (const.ENTRY_STATE_TO_INVOICE, "To invoice"),
            (const.BILLING_MODE_HOLD, "On the card hold"),
            (const.BILLING_MODE_PACK, "Paid by prepaid credits"),
            (const.BILLING_MODE_INTERVENTION, "Billed with the intervention"),
            (const.ENTRY_STATE_INVOICED, "Invoiced"),
            (const.ENTRY_STATE_COVERED, "Covered by subscription"),
            (const.ENTRY_STATE_TO_REVIEW, "Credited: to review"),
            (const.ENTRY_STATE_NON_BILLABLE, "Not billable"),
        ],
        string="Billing Status",
        compute="_compute_support_billing",
        help="The state of the time, and for time not invoiced yet, who bills "
        "it: only 'To invoice' is invoiced from Time to Invoice.",
    )
    support_ticket_status = fields.Selection(
        selection=[
            ("closed", "Ticket closed"),
            ("open", "Ticket still open"),
        ],
        string="Ticket Status",
        compute="_compute_support_ticket_status",
        store=True,
        help="Time of open tickets is invoiced once the ticket is closed, "
        "unless the company invoices open tickets too.",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_support_amount",
        compute_sudo=True,
    )
    support_amount = fields.Monetary(
        string="Amount to Bill",
        currency_field="currency_id",
        compute="_compute_support_amount",
        compute_sudo=True,
        help="What this time adds to its customer's next invoice, taxes "
        "excluded: the ticket's minimum, then its increments (its commercial "
        "terms), at the customer's rate, less the free trial and prepaid credits.",
    )

    # ------------------------------------------------------------ compute
    @api.depends(
        "billable",
        "invoice_line_id",
        "support_subscription_id",
        "support_released_line_id",
    )
    def _compute_state(self):
        for entry in self:
            if entry.invoice_line_id:
                entry.state = const.ENTRY_STATE_INVOICED
            elif not entry.billable:
                entry.state = const.ENTRY_STATE_NON_BILLABLE
            elif entry.support_subscription_id:
                entry.state = const.ENTRY_STATE_COVERED
            elif entry.support_released_line_id:
                entry.state = const.ENTRY_STATE_TO_REVIEW
            else:
                entry.state = const.ENTRY_STATE_TO_INVOICE

    @api.depends("state", "ticket_id")
    def _compute_support_billing(self):
        modes = {t: t._get_support_billing_mode() for t in self.ticket_id}
        for entry in self:
            mode = modes.get(entry.ticket_id, const.BILLING_MODE_NONE)
            entry.support_billing_mode = mode
            status = entry.state
            if status == const.ENTRY_STATE_TO_INVOICE and mode in (
                const.BILLING_MODE_HOLD,
                const.BILLING_MODE_PACK,
                const.BILLING_MODE_INTERVENTION,
            ):
                status = mode
            entry.support_billing_status = status

    def _search_support_billing_mode(self, operator, value):
        """Entries whose ticket is billed in mode ``value``: the modes of the
        tickets with time not invoiced yet, the only ones a search needs."""
        if operator not in ("in", "not in", "=", "!="):
            return NotImplemented
        values = {value} if isinstance(value, str) else set(value or ())
        tickets = (
            self.sudo().search([("state", "=", const.ENTRY_STATE_TO_INVOICE)]).ticket_id
        )
        matching = tickets.filtered(lambda t: t._get_support_billing_mode() in values)
        positive = operator in ("in", "=")
        domain = Domain("ticket_id", "in", matching.ids)
        if not positive:
            domain = ~domain
        return domain

    @api.depends("ticket_id.stage_id.closed")
    def _compute_support_ticket_status(self):
        for entry in self:
            entry.support_ticket_status = (
                "closed" if entry.ticket_id.stage_id.closed else "open"
            )

    @api.depends("state", "minutes", "ticket_id", "billable", "date")
    def _compute_support_amount(self):
        """The amount each entry adds to the invoice that will bill it, priced
        by the invoicing code itself (``_prepare_invoice_vals``): the
        invoice of its customer with and without it, entries in the order
        the invoice takes them, so that the amounts of a customer's rows add
        up to its invoice."""
        for entry in self:
            company = entry.company_id or self.env.company
            entry.currency_id = company.currency_id
            entry.support_amount = 0.0
        pending = self.filtered(
            lambda e: e.id and e.state == const.ENTRY_STATE_TO_INVOICE
        )
        if not pending:
            return
        amounts = pending._support_get_pending_amounts()
        for entry in pending:
            entry.support_amount = amounts.get(entry.id, 0.0)

    def _support_get_pending_amounts(self):
        """``{entry id: amount}`` for the time not invoiced yet of these
        entries' customers (see ``_compute_support_amount``)."""
        entries = self.sudo().search(
            [
                ("state", "=", const.ENTRY_STATE_TO_INVOICE),
                ("partner_id", "in", self.partner_id.ids),
                ("ticket_id.partner_id", "!=", False),
            ]
        )
        modes = {t: t._get_support_billing_mode() for t in entries.ticket_id}
        batches = {}
        for entry in entries:
            mode = modes[entry.ticket_id]
            if mode == const.BILLING_MODE_TIME:
                # one invoice per customer and company
                key = (entry.partner_id, entry.company_id)
            elif mode in (const.BILLING_MODE_HOLD, const.BILLING_MODE_PACK):
                # the ticket's own invoice (its hold's charge)
                key = (entry.partner_id, entry.company_id, entry.ticket_id)
            else:
                continue
            batches.setdefault(key, entries.browse())
            batches[key] |= entry
        amounts = {}
        for key, batch in batches.items():
            partner, company = key[0], key[1]
            billing = batch._support_prepare_billing()
            ordered = batch.sorted(
                lambda e: (e.ticket_id.create_date, e.ticket_id.id, e.date, e.id)
            )
            previous = 0.0
            for index, entry in enumerate(ordered):
                vals, _lines = ordered[: index + 1]._prepare_invoice_vals(
                    partner, billing=billing
                )
                total = sum(
                    company.currency_id.round(
                        command[2]["quantity"] * command[2]["price_unit"]
                    )
                    for command in vals["invoice_line_ids"]
                )
                amounts[entry.id] = company.currency_id.round(total - previous)
                previous = total
        return amounts

    @api.depends("ticket_id.partner_id", "date", "billable")
    def _compute_support_subscription_id(self):
        """Settle subscription coverage when the time is logged (or its day,
        ticket or billability corrected): later changes of the subscription
        (users removed, cancellation, a new subscription) never change it."""
        subs = self.env["support.subscription"]
        found = {}
        for entry in self:
            if entry.invoice_line_id:
                continue  # invoiced time stays as it was billed
            requester = entry.ticket_id.partner_id
            if not (entry.billable and requester and entry.date):
                entry.support_subscription_id = False
                continue
            key = (requester.id, entry.date, entry.company_id.id)
            if key not in found:
                found[key] = subs.search(
                    subs._get_covering_domain(
                        requester, entry.date, company=entry.company_id
                    ),
                    limit=1,
                )
            entry.support_subscription_id = found[key]

    @api.depends("ticket_id", "date", "ticket_id.channel_id.support_work_type")
    def _compute_work_type(self):
        now = fields.Datetime.now()
        found = {}
        for entry in self:
            if entry.invoice_line_id:
                continue  # invoiced time keeps the type it was billed at
            company = entry.company_id or entry.ticket_id.company_id
            company = company or self.env.company
            key = (company, entry.date)
            if key not in found:
                found[key] = entry._support_work_type_on(company, entry.date, now)
            work_type = found[key]
            ticket = entry.ticket_id.sudo()
            if work_type == "remote" and ticket.support_intervention_ids:
                work_type = "on_site"
            elif work_type == "remote" and ticket.channel_id.support_work_type:
                # the channel's default (e.g. a walk-in desk: on site);
                # weekend and after-hours time keep their own type
                work_type = ticket.channel_id.support_work_type
            entry.work_type = work_type

    @api.model
    def _support_work_type_on(self, company, day, now):
        """``weekend`` when the company's support calendar does not open on
        ``day`` (weekend, public holiday), ``after_hours`` when ``day`` is
        today and ``now`` is outside its opening hours, else ``remote``."""
        if not day:
            return "remote"
        calendar = company.sudo()._get_support_calendar()
        if not calendar:
            return "weekend" if day.weekday() >= 5 else "remote"
        tz = pytz.timezone(company._support_tz())
        start = tz.localize(datetime.combine(day, time.min))
        intervals = list(
            calendar._work_intervals_batch(start, start + timedelta(days=1), tz=tz)[
                False
            ]
        )
        if not intervals:
            return "weekend"
        moment = pytz.utc.localize(now).astimezone(tz)
        if moment.date() == day and not any(
            begin <= moment < end for begin, end, _records in intervals
        ):
            return "after_hours"
        return "remote"

    # -------------------------------------------------------- constraints
    @api.constrains("minutes")
    def _check_minutes(self):
        for entry in self:
            entry._check_minutes_value(entry.minutes)

    def _check_minutes_value(self, minutes):
        """Refuse bad minutes with a clear message, before the database does."""
        if not rules.check_entry_minutes(minutes):
            raise ValidationError(
                self.env._(
                    "The minutes worked must be a whole number between 1 and "
                    "%(max)s (one day); %(minutes)s is not accepted.",
                    max=rules.MAX_ENTRY_MINUTES,
                    minutes=minutes,
                )
            )

    @api.constrains("ticket_id", "billable")
    def _check_ticket_customer(self):
        for entry in self:
            if entry.billable and not entry.ticket_id.partner_id:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s has no customer: set its customer "
                        "before logging billable time.",
                        ticket=entry.ticket_id.display_name,
                    )
                )

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
            if "minutes" in vals:
                self._check_minutes_value(vals["minutes"])
        entries = super().create(vals_list)
        entries.ticket_id._support_take_terms()
        entries.ticket_id._support_sync_pack_consumption()
        return entries

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        if "minutes" in vals:
            self._check_minutes_value(vals["minutes"])
        if LOCKED_FIELDS.intersection(vals):
            self._check_not_invoiced()
        tickets = self.ticket_id
        res = super().write(vals)
        if {"ticket_id", "billable"}.intersection(vals):
            self.ticket_id._support_take_terms()
        if PACK_FIELDS.intersection(vals):
            (tickets | self.ticket_id)._support_sync_pack_consumption()
        return res

    def unlink(self):
        tickets = self.ticket_id
        res = super().unlink()
        tickets.exists()._support_sync_pack_consumption()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        self._check_not_invoiced()

    def _check_not_invoiced(self):
        invoiced = self.filtered("invoice_line_id")
        if invoiced:
            raise UserError(
                self.env._(
                    "Time already invoiced cannot be changed or deleted "
                    "(invoice %(invoice)s). Cancel the invoice or issue a "
                    "credit note first.",
                    invoice=", ".join(invoiced.invoice_id.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------ actions
    def action_support_bill_again(self):
        """Accountant: time of a credited or cancelled invoice is to invoice
        again (the next run, or the wizard, bills it)."""
        self._check_accountant()
        entries = self.filtered(lambda e: e.state == const.ENTRY_STATE_TO_REVIEW)
        if not entries:
            raise UserError(
                self.env._(
                    "Only time whose invoice was credited or cancelled (to "
                    "review) can be billed again."
                )
            )
        entries.sudo().write({"support_released_line_id": False})
        for ticket in entries.ticket_id:
            ticket.message_post(
                body=self.env._(
                    "%(user)s decided to bill again the credited time of this "
                    "ticket (%(minutes)s min).",
                    user=self.env.user.name,
                    minutes=sum(
                        entries.filtered(lambda e, t=ticket: e.ticket_id == t).mapped(
                            "minutes"
                        )
                    ),
                )
            )
        return True

    def action_support_do_not_bill(self):
        """Accountant: credited or cancelled time is not billed again."""
        self._check_accountant()
        entries = self.filtered(lambda e: e.state == const.ENTRY_STATE_TO_REVIEW)
        if not entries:
            raise UserError(
                self.env._(
                    "Only time whose invoice was credited or cancelled (to "
                    "review) can be set aside."
                )
            )
        entries.sudo().write({"billable": False, "support_released_line_id": False})
        for ticket in entries.ticket_id:
            ticket.message_post(
                body=self.env._(
                    "%(user)s decided not to bill the credited time of this "
                    "ticket again.",
                    user=self.env.user.name,
                )
            )
        return True

    def action_support_create_invoices(self):
        """Accountant, from Time to Invoice: invoice the selected time with
        the Invoice Support Time wizard (its summary, then its invoices)."""
        self._check_accountant()
        return self.env["support.invoice.wizard"]._action_open(entry_ids=self.ids)

    # ----------------------------------------------------------- business
    @api.model
    def _get_invoiceable_domain(self, include_open=False):
        """Entries the time-billing run may invoice (a ``Domain``)."""
        domain = Domain("state", "=", const.ENTRY_STATE_TO_INVOICE) & Domain(
            "ticket_id.partner_id", "!=", False
        )
        if not include_open:
            domain &= Domain("ticket_id.stage_id.closed", "=", True)
        return domain

    def _create_support_invoices(self, billing_modes=(const.BILLING_MODE_TIME,)):
        """Invoice these entries: one draft invoice per customer, in one batch.

        Only entries to invoice, of tickets whose billing mode is in
        ``billing_modes`` (time billing by default), are taken.  Returns the
        invoices created.  Each customer's own rate applies, a card hold's
        time included: the hold bounds the capture, never the price (issue 23).

        The customers' rows are locked first, and the free trial they use is
        written on them: two runs that meet (cron, hold charge, wizard) cannot
        both grant the trial or invoice the same time -- the second one gets
        "being invoiced by someone else" (or the database's serialization
        error, which Odoo retries) and writes nothing.

        Everything the invoices need (billing modes, trial left, hourly
        rates, minutes billed before) is read for the whole batch at once,
        and all the invoices are created in one ``account.move.create``.
        """
        self._check_accountant()
        to_invoice = self.filtered(lambda e: e.state == const.ENTRY_STATE_TO_INVOICE)
        if not to_invoice:
            return self.env["account.move"]
        to_invoice.partner_id.sudo()._support_lock_for_invoicing()
        # what another run invoiced meanwhile is no longer to invoice
        to_invoice.invalidate_recordset(["state", "invoice_line_id"])
        to_invoice = to_invoice.filtered(
            lambda e: e.state == const.ENTRY_STATE_TO_INVOICE
        )
        # one billing-mode look-up per ticket, not per entry
        modes = {t: t._get_support_billing_mode() for t in to_invoice.ticket_id}
        entries = to_invoice.filtered(lambda e: modes[e.ticket_id] in billing_modes)
        if not entries:
            return self.env["account.move"]
        billing = entries._support_prepare_billing()
        vals_list, entries_per_invoice = [], []
        # one invoice per customer and company: a company's time is billed by
        # that company, in its currency, at its rate
        groups = entries.grouped(lambda e: (e.partner_id, e.company_id))
        for (partner, _company), group_entries in groups.items():
            vals, line_entries = group_entries._prepare_invoice_vals(
                partner, billing=billing
            )
            vals_list.append(vals)
            entries_per_invoice.append(line_entries)
        invoices = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice")
            .create(vals_list)
        )
        for invoice, line_entries in zip(invoices, entries_per_invoice, strict=True):
            lines = invoice.invoice_line_ids.grouped("support_ticket_id")
            for ticket_entries in line_entries:
                line = lines[ticket_entries.ticket_id]
                ticket_entries.sudo().write({"invoice_line_id": line.id})
        invoices.partner_id.commercial_partner_id.sudo()._support_store_trial_used()
        return invoices.sudo(False)

    def _support_prepare_billing(self):
        """What invoicing these entries needs, read once for the whole batch.

        Returns a dict: ``trial_left`` (minutes per commercial partner),
        ``rates`` (hourly rate per commercial partner and company),
        ``before`` (per ticket: minutes worked and billed on its earlier
        invoice lines), ``products`` (support time product per company) and
        ``terms`` (per ticket: the terms of its company in force on the day
        its work began, with its customer's and plan's overrides: read once
        per company, customer and day).
        """
        partners = self.partner_id.commercial_partner_id
        tickets = self.ticket_id
        terms, terms_by_key = {}, {}
        for ticket in tickets:
            # the versions are cached per company: a look-up is arithmetic
            key = (
                ticket.company_id,
                ticket.support_terms_date,
                str(sorted((ticket.support_terms_overrides or {}).items())),
                ticket.commercial_partner_id,
            )
            if key not in terms_by_key:
                terms_by_key[key] = ticket._support_get_terms()
            terms[ticket] = terms_by_key[key]
        products = {
            company: company._get_support_time_product()
            for company in (self.company_id or self.env.company)
        }
        rates, pricelist_prices = {}, {}
        for entry in self:
            company = entry.company_id or self.env.company
            partner = entry.partner_id.with_company(company)
            key = (partner.id, company.id)
            if key in rates:
                continue
            product = products[company]
            pricelist = partner.property_product_pricelist
            # the invoice is in the company's currency (issue 23)
            currency = company.currency_id
            plan = partner._support_terms_plan(company)
            if partner.support_hourly_rate or not pricelist or plan.support_hourly_rate:
                rates[key] = partner._get_support_hourly_rate(product, currency)
                continue
            price_key = (pricelist.id, company.id)
            if price_key not in pricelist_prices:
                pricelist_prices[price_key] = partner._get_support_hourly_rate(
                    product, currency
                )
            rates[key] = pricelist_prices[price_key]
        # time of these tickets invoiced before (a reopened ticket)
        before = {ticket: (0, 0) for ticket in tickets}
        earlier = (
            self.env["support.time.entry"]
            .sudo()
            ._read_group(
                [
                    ("ticket_id", "in", tickets.ids),
                    ("billable", "=", True),
                    ("invoice_line_id", "!=", False),
                ],
                ["ticket_id", "invoice_line_id"],
                ["minutes:sum"],
            )
        )
        for ticket, line, minutes in earlier:
            worked, billed = before[ticket]
            before[ticket] = (
                worked + minutes,
                billed + line.sudo().support_minutes_billed,
            )
        company = self.company_id[:1] or self.env.company
        return {
            "trial_left": partners._support_get_trial_minutes_left_by_partner(company),
            "rates": rates,
            "before": before,
            "products": products,
            "terms": terms,
        }

    def _prepare_invoice_vals(self, partner, billing=None):
        """Vals of the draft invoice of ``partner`` for these entries.

        ``billing`` is what ``_support_prepare_billing`` read for the whole
        batch (read for these entries when not given).  Returns ``(vals,
        entries per invoice line)``, lines in ticket order.
        """
        billing = billing or self._support_prepare_billing()
        company = self.company_id[:1] or self.env.company
        product = billing["products"][company]
        rate = billing["rates"][(partner.id, company.id)]
        by_ticket = self.grouped("ticket_id")
        tickets = self.ticket_id.sorted(lambda t: (t.create_date, t.id))
        trial_left = billing["trial_left"].get(partner.commercial_partner_id, 0)
        lines, line_entries = [], []
        for ticket in tickets:
            new = by_ticket[ticket]
            worked_before, billed_before = billing["before"][ticket]
            terms = billing["terms"][ticket]
            worked_now = sum(new.mapped("minutes"))
            # minutes paid with prepaid credits are not billed again
            prepaid = ticket._get_support_prepaid_minutes(terms)
            billed = rules.billed_increment(
                worked_before, billed_before + prepaid, worked_now, terms
            )
            free = trial_used = 0
            if not worked_before and trial_left and not prepaid:
                (charge,), trial_left = rules.apply_trial(
                    [worked_now], trial_left, terms
                )
                free, trial_used = charge.free, charge.trial_used
            # the prepaid minutes are shown (and deducted) on the first line
            # of the ticket only
            prepaid_now = 0
            if prepaid and not worked_before:
                prepaid_now = min(prepaid, rules.billed_minutes(worked_now, terms))
            minutes_by_type = {}
            for entry in new:
                work_type = entry.work_type or "remote"
                minutes_by_type[work_type] = (
                    minutes_by_type.get(work_type, 0) + entry.minutes
                )
            line = new._prepare_invoice_line_vals(
                ticket,
                product,
                partner,
                worked_now,
                billed,
                free,
                trial_used,
                rate,
                prepaid=prepaid_now,
                terms=terms,
                minutes_by_type=minutes_by_type,
            )
            lines.append(line)
            line_entries.append(new)
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": company.id,
            "invoice_origin": ", ".join(tickets.mapped("number")),
            "invoice_line_ids": [fields.Command.create(line) for line in lines],
        }
        return vals, line_entries

    def _prepare_invoice_line_vals(
        self,
        ticket,
        product,
        partner,
        worked,
        billed,
        free,
        trial_used,
        rate=None,
        prepaid=0,
        terms=rules.DEFAULT_TERMS,
        minutes_by_type=None,
    ):
        """Vals of the invoice line of one ticket.

        The line carries the ticket's exact price (charged minutes x hourly
        rate, rounded once to the currency) as one unit: an hour quantity at
        Odoo's quantity precision (2 decimals) would misprice most minutes
        (47 min = 0.78 h x 90.00 = 70.20 instead of 70.50).  The minutes are on
        the line's description and support fields, and on the invoice PDF.
        ``rate`` is the customer's hourly rate (looked up when not given).
        ``billed`` is what is left to bill once the ``prepaid`` minutes
        (paid with prepaid credits) are deducted; ``free`` are the trial
        minutes given on it.  The text states the same figures as the ticket
        and the PDF (``rules.minute_figures``): worked, billed, free, charged.
        ``minutes_by_type`` (minutes worked per work type) prices the time by
        the rate card of ``terms``: the charged minutes are shared in
        proportion to the minutes of each type, and the line names the types
        when the time is not all remote at the customer's rate.
        """
        currency = (self.company_id[:1] or self.env.company).currency_id
        if rate is None:
            rate = partner._get_support_hourly_rate(product)
        figures = rules.minute_figures(
            worked, billed + prepaid, trial=free, prepaid=prepaid
        )
        minutes_by_type = minutes_by_type or {"remote": worked}
        type_rates = {
            work_type: rules.work_type_rate(rate, work_type, terms)
            for work_type in minutes_by_type
        }
        by_rate = {}
        for work_type, minutes in minutes_by_type.items():
            by_rate[type_rates[work_type]] = by_rate.get(type_rates[work_type], 0) + (
                minutes
            )
        if len(by_rate) == 1:
            line_rate = next(iter(by_rate))
            amount = rules.time_amount(
                figures.charged, line_rate, rounding=str(currency.rounding)
            )
        else:
            amount = rules.blended_amount(
                figures.charged, by_rate, rounding=str(currency.rounding)
            )
            line_rate = amount * 60 / figures.charged if figures.charged else rate
        rate = float(line_rate)
        env = self.with_context(lang=partner.lang or self.env.lang).env
        description = env._(
            "%(number)s - %(title)s\n"
            "%(worked)s min worked, %(billed)s min billed, %(charged)s min "
            "charged at %(rate)s per hour",
            number=ticket.number,
            title=ticket.name,
            worked=figures.worked,
            billed=figures.billed,
            charged=figures.charged,
            rate=currency.format(rate),
        )
        if set(minutes_by_type) != {"remote"} or len(by_rate) > 1:
            labels = dict(self._fields["work_type"]._description_selection(env))
            description += "\n" + ", ".join(
                env._(
                    "%(type)s: %(minutes)s min at %(rate)s per hour",
                    type=labels[work_type],
                    minutes=minutes,
                    rate=currency.format(float(type_rates[work_type])),
                )
                for work_type, minutes in sorted(minutes_by_type.items())
            )
        if not figures.billed:
            description += "\n" + env._(
                "Covered by the %(minimum)s minutes already billed on this ticket",
                minimum=terms.minimum_minutes,
            )
        if figures.trial:
            description += "\n" + env._(
                "Free trial: %(free)s min offered", free=figures.trial
            )
        if figures.prepaid:
            credits = ticket.sudo().support_pack_tickets
            description += "\n" + (
                env._(
                    "%(minutes)s min paid with 1 prepaid credit",
                    minutes=figures.prepaid,
                )
                if credits == 1
                else env._(
                    "%(minutes)s min paid with %(tickets)s prepaid credits",
                    minutes=figures.prepaid,
                    tickets=credits,
                )
            )
        quantity, price_unit, uom = 1.0, float(amount), product.uom_id
        hours = self._support_exact_hours(figures.charged, rate, amount, currency)
        if hours:
            # the customer reads hours at her hourly rate: 63 min = 1.05 h
            quantity, price_unit = hours, float(rate)
            uom = self.env.ref("uom.product_uom_hour")
        elif figures.charged:
            description += "\n" + env._(
                "Billed as one amount: %(minutes)s min at %(rate)s per hour "
                "make %(amount)s (a number of hours rounded to two decimals "
                "would misprice it)",
                minutes=figures.charged,
                rate=currency.format(rate),
                amount=currency.format(float(amount)),
            )
        return {
            "product_id": product.id,
            "name": description,
            "quantity": quantity,
            "product_uom_id": uom.id,
            "price_unit": price_unit,
            "support_ticket_id": ticket.id,
            "support_minutes_worked": worked,
            "support_minutes_billed": billed,
            "support_minutes_free": figures.trial,
            "support_minutes_prepaid": figures.prepaid,
            "support_trial_minutes": trial_used,
        }

    def _support_exact_hours(self, minutes, rate, amount, currency):
        """The hours of ``minutes`` when an invoice line of that many hours
        at ``rate`` prices exactly ``amount`` (Odoo's quantity and price
        precisions), else ``0.0``: the line then bills one amount."""
        hour = self.env.ref("uom.product_uom_hour", raise_if_not_found=False)
        if not (minutes and hour):
            return 0.0
        precision = self.env["decimal.precision"]
        step = Decimal(1).scaleb(-precision.precision_get("Product Unit"))
        hours = Decimal(minutes) / 60
        price_step = Decimal(1).scaleb(-precision.precision_get("Product Price"))
        price = Decimal(str(rate))
        if hours != hours.quantize(step) or price != price.quantize(price_step):
            return 0.0
        if currency.compare_amounts(
            currency.round(float(hours) * float(price)), float(amount)
        ):
            return 0.0
        return float(hours)

    @api.model
    def _demo_invoice_time(self, ticket_ids):
        """Demo: invoice and post the time of these tickets, dated the day
        of their last work (Reporting shows amounts charged by month)."""
        tickets = self.env["helpdesk.ticket"].browse(ticket_ids).exists()
        for ticket in tickets:
            entries = ticket.support_time_entry_ids.filtered(
                lambda e: e.state == const.ENTRY_STATE_TO_INVOICE
            )
            company = ticket.company_id or self.env.company
            journal = self.env["account.journal"].search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "sale"),
                ],
                limit=1,
            )
            if not (entries and journal):
                continue
            invoices = entries.sudo().with_company(company)._create_support_invoices()
            invoices.invoice_date = max(entries.mapped("date"))
            invoices.action_post()

    # -------------------------------------------------------------- crons
    @api.model
    def _cron_invoice_support_time(self):
        """Monthly: invoice the time of closed tickets, a batch per company.

        Each company's customers are invoiced in batches of
        ``INVOICE_BATCH_SIZE``, each batch in one ``account.move.create``.
        When a batch fails, its customers are retried one by one, each in its
        own savepoint: a failing customer is skipped, the error stored on it
        and posted once.  Customers another worker is invoicing right now
        (their rows locked) are left to it.
        """
        entries = self.sudo().search(self._get_invoiceable_domain(include_open=True))
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for company, company_entries in entries.grouped("company_id").items():
            if not company.support_invoice_open_tickets:
                company_entries = company_entries.filtered("ticket_id.stage_id.closed")
            company_entries = company_entries.with_company(company)
            partners = company_entries.partner_id
            for start in range(0, len(partners), INVOICE_BATCH_SIZE):
                batch = partners[start : start + INVOICE_BATCH_SIZE]
                # customers another worker is invoicing right now are left to it
                free = batch.sudo()._support_try_lock_batch()
                for partner in batch - free:
                    _logger.info("Partner %s is being invoiced elsewhere", partner.id)
                batch_entries = company_entries.filtered(
                    lambda e, free=free: e.partner_id in free
                )
                if batch_entries:
                    batch_entries._support_invoice_batch()
                if in_cron:
                    self.env["ir.cron"]._commit_progress(
                        len(batch), remaining=len(partners) - start - len(batch)
                    )

    def _support_invoice_batch(self):
        """Invoice these entries in one batch (cron); on failure, customer by
        customer in savepoints (see ``_cron_invoice_support_time``)."""
        try:
            with self.env.cr.savepoint():
                self.sudo()._create_support_invoices()
        except Exception as error:  # noqa: BLE001 -- retried one by one below
            _logger.info("Support time batch failed, invoicing one by one: %s", error)
        else:
            self.partner_id._set_support_invoice_error(False)
            return
        for partner, partner_entries in self.grouped("partner_id").items():
            try:
                with self.env.cr.savepoint():
                    partner_entries.sudo()._create_support_invoices()
            except pg_errors.SerializationFailure:
                # another worker invoiced this customer meanwhile: its
                # work stands, ours is rolled back; nothing to report
                _logger.info("Partner %s was invoiced concurrently", partner.id)
                continue
            except Exception as error:  # noqa: BLE001 -- isolate each customer
                _logger.warning(
                    "Support time invoicing failed for partner %s: %s",
                    partner.id,
                    error,
                )
                partner._set_support_invoice_error(str(error))
            else:
                partner._set_support_invoice_error(False)
