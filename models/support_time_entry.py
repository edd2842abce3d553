# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .. import const, rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: Fields that an invoiced entry may no longer change.
LOCKED_FIELDS = {"minutes", "date", "user_id", "ticket_id", "billable"}
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
        invoice lines) and ``products`` (support time product per company).
        """
        partners = self.partner_id.commercial_partner_id
        tickets = self.ticket_id
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
            if partner.support_hourly_rate or not pricelist:
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
        return {
            "trial_left": partners._support_get_trial_minutes_left_by_partner(),
            "rates": rates,
            "before": before,
            "products": products,
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
            worked_now = sum(new.mapped("minutes"))
            # minutes paid with prepaid credits are not billed again
            prepaid = ticket._get_support_prepaid_minutes()
            billed = rules.billed_increment(
                worked_before, billed_before + prepaid, worked_now
            )
            free = trial_used = 0
            if not worked_before and trial_left and not prepaid:
                (charge,), trial_left = rules.apply_trial([worked_now], trial_left)
                free, trial_used = charge.free, charge.trial_used
            # the prepaid minutes are shown (and deducted) on the first line
            # of the ticket only
            prepaid_now = 0
            if prepaid and not worked_before:
                prepaid_now = min(prepaid, rules.billed_minutes(worked_now))
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
        """
        currency = (self.company_id[:1] or self.env.company).currency_id
        if rate is None:
            rate = partner._get_support_hourly_rate(product)
        figures = rules.minute_figures(
            worked, billed + prepaid, trial=free, prepaid=prepaid
        )
        amount = rules.time_amount(
            figures.charged, rate, rounding=str(currency.rounding)
        )
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
        if not figures.billed:
            description += "\n" + env._(
                "Covered by the 30 minutes already billed on this ticket"
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
        return {
            "product_id": product.id,
            "name": description,
            "quantity": 1.0,
            "product_uom_id": product.uom_id.id,
            "price_unit": float(amount),
            "support_ticket_id": ticket.id,
            "support_minutes_worked": worked,
            "support_minutes_billed": billed,
            "support_minutes_free": figures.trial,
            "support_minutes_prepaid": figures.prepaid,
            "support_trial_minutes": trial_used,
        }

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
