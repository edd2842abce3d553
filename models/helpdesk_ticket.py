# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import dataclasses
import math

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import format_time

from .. import const, rules
from .support_invoicing_mixin import check_money_links

#: The contract terms a ticket took when its work began: written by the
#: time entries only.
TERMS_FIELDS = {"support_terms_overrides"}


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    support_time_entry_ids = fields.One2many(
        comodel_name="support.time.entry",
        inverse_name="ticket_id",
        string="Time Entries",
    )
    support_minutes_worked = fields.Integer(
        string="Minutes Worked",
        compute="_compute_support_minutes",
        store=True,
        compute_sudo=True,
        help="All minutes logged on this ticket, billable or not.",
    )
    support_minutes_billable = fields.Integer(
        string="Billable Minutes",
        compute="_compute_support_minutes",
        store=True,
        compute_sudo=True,
    )
    support_minutes_billed = fields.Integer(
        string="Minutes Billed",
        compute="_compute_support_minutes",
        store=True,
        compute_sudo=True,
        help="Billable minutes under the terms of the day the work began: "
        "0 if nothing billable was worked, else at least the minimum per "
        "ticket, then by the increment.",
    )
    support_terms_date = fields.Date(
        string="Terms Of",
        compute="_compute_support_minutes",
        store=True,
        compute_sudo=True,
        help="Day the billable work on this ticket began: the ticket is "
        "billed under the terms in force that day.",
    )
    support_terms_overrides = fields.Json(
        string="Contract Terms Taken",
        copy=False,
        readonly=True,
        help="The minimum and increment of the customer's contract or plan "
        "when the work on this ticket began: later changes of the contract "
        "apply to later tickets.",
    )
    support_minutes_free = fields.Integer(
        string="Minutes Free",
        compute="_compute_support_minutes_figures",
        compute_sudo=True,
        help="Billed minutes the customer does not pay: free trial, prepaid "
        "tickets or subscription (expected until the time is invoiced).",
    )
    support_minutes_free_detail = fields.Char(
        string="Free Because",
        compute="_compute_support_minutes_figures",
        compute_sudo=True,
    )
    support_minutes_charged = fields.Integer(
        string="Minutes Charged",
        compute="_compute_support_minutes_figures",
        compute_sudo=True,
        help="Billed minutes less the free ones: what the customer pays for, "
        "as on the invoice line.",
    )
    support_billing_mode = fields.Selection(
        selection=const.BILLING_MODES,
        string="Billing",
        compute="_compute_support_billing_mode",
        help="How this ticket is paid.",
    )
    support_currency_id = fields.Many2one(
        comodel_name="res.currency",
        string="Support Currency",
        compute="_compute_support_amounts",
        compute_sudo=True,
    )
    support_amount_to_invoice = fields.Monetary(
        string="Amount Not Invoiced Yet",
        currency_field="support_currency_id",
        compute="_compute_support_amounts",
        compute_sudo=True,
        help="What the time logged and not invoiced yet will bill, taxes "
        "excluded (as Time to Invoice shows it).",
    )
    support_amount_invoiced = fields.Monetary(
        string="Amount Invoiced",
        currency_field="support_currency_id",
        compute="_compute_support_amounts",
        compute_sudo=True,
        help="What this ticket's invoice lines bill, credit notes deducted, "
        "taxes excluded.",
    )
    support_amount_total = fields.Monetary(
        string="Cost So Far",
        currency_field="support_currency_id",
        compute="_compute_support_amounts",
        compute_sudo=True,
        help="What the ticket costs the customer so far, taxes excluded: "
        "invoiced plus not invoiced yet.",
    )
    support_card_hold_ids = fields.One2many(
        comodel_name="support.card.hold",
        inverse_name="ticket_id",
        string="Card Holds",
    )
    support_card_hold_count = fields.Integer(
        string="Card Hold Count", compute="_compute_support_card_hold_count"
    )
    support_pack_move_ids = fields.One2many(
        comodel_name="support.ticket.pack.move",
        inverse_name="ticket_id",
        string="Prepaid Credits Ledger",
    )
    support_pack_tickets = fields.Integer(
        string="Prepaid Credits Used",
        compute="_compute_support_pack_tickets",
        compute_sudo=True,
        help="Prepaid credits this ticket consumed (one per started block of the "
        "minutes per credit of its commercial terms).",
    )
    support_pack_names = fields.Char(
        string="Paid by Packs",
        compute="_compute_support_pack_tickets",
        compute_sudo=True,
    )
    support_pack_shortfall = fields.Integer(
        string="Credits Missing",
        copy=False,
        readonly=True,
        help="Credits the customer's packs could not give: that time is billed "
        "by the minute.",
    )
    support_timer_start = fields.Datetime(string="Timer Started", copy=False)
    support_timer_user_id = fields.Many2one(
        comodel_name="res.users", string="Timer Running For", copy=False
    )

    # ------------------------------------------------------------ compute
    @api.depends(
        "support_time_entry_ids.minutes",
        "support_time_entry_ids.billable",
        "support_time_entry_ids.date",
        "support_terms_overrides",
    )
    def _compute_support_minutes(self):
        """The ticket's sums by one aggregate for all these tickets: logging
        time costs the same whatever the number of entries on the ticket."""
        saved = self.filtered("id")
        sums = {}
        if saved.ids:
            groups = (
                self.env["support.time.entry"]
                .sudo()
                ._read_group(
                    [("ticket_id", "in", saved.ids)],
                    ["ticket_id", "billable"],
                    ["minutes:sum", "date:min"],
                )
            )
            for ticket, billable, minutes, first in groups:
                worked, billable_minutes, day = sums.get(ticket.id, (0, 0, None))
                if billable:
                    billable_minutes += minutes
                    day = first
                sums[ticket.id] = (worked + minutes, billable_minutes, day)
        terms_by_key = {}
        for ticket in self:
            if ticket.id:
                worked, billable, day = sums.get(ticket.id, (0, 0, None))
            else:  # a new ticket (form): its entries are in memory only
                entries = ticket.support_time_entry_ids
                worked = sum(entries.mapped("minutes"))
                billable = sum(entries.filtered("billable").mapped("minutes"))
                dates = entries.filtered("billable").mapped("date")
                day = min(dates) if dates else None
            ticket.support_minutes_worked = worked
            ticket.support_minutes_billable = billable
            ticket.support_terms_date = day
            key = (ticket.company_id, ticket.commercial_partner_id, day)
            if key not in terms_by_key:
                terms_by_key[key] = ticket._support_get_terms()
            ticket.support_minutes_billed = rules.billed_minutes(
                billable, terms_by_key[key]
            )

    @api.depends(
        "support_minutes_billable",
        "support_minutes_billed",
        "support_time_entry_ids.state",
        "support_time_entry_ids.invoice_line_id",
        "support_pack_move_ids.tickets",
    )
    def _compute_support_minutes_figures(self):
        for ticket in self:
            figures = ticket._get_support_minute_figures()
            ticket.support_minutes_free = figures.free
            ticket.support_minutes_charged = figures.charged
            ticket.support_minutes_free_detail = ticket._support_describe_free(figures)

    @api.depends(
        "support_time_entry_ids.state",
        "support_time_entry_ids.minutes",
        "support_time_entry_ids.billable",
    )
    def _compute_support_amounts(self):
        invoiced = {}
        saved = self.filtered("id")
        if saved:
            lines = (
                self.env["account.move.line"]
                .sudo()
                .search(
                    [
                        ("support_ticket_id", "in", saved.ids),
                        ("move_id.state", "!=", "cancel"),
                        ("display_type", "=", "product"),
                    ]
                )
            )
            for line in lines:
                sign = -1 if line.move_id.move_type == "out_refund" else 1
                invoiced[line.support_ticket_id.id] = (
                    invoiced.get(line.support_ticket_id.id, 0.0)
                    + sign * line.price_subtotal
                )
        for ticket in self:
            currency = (ticket.company_id or self.env.company).currency_id
            entries = ticket.support_time_entry_ids.filtered("id")
            pending = sum(entries.mapped("support_amount"))
            done = invoiced.get(ticket.id, 0.0)
            ticket.support_currency_id = currency
            ticket.support_amount_to_invoice = pending
            ticket.support_amount_invoiced = done
            ticket.support_amount_total = pending + done

    def _compute_support_card_hold_count(self):
        counts = dict(
            self.env["support.card.hold"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.support_card_hold_count = counts.get(ticket, 0)

    @api.depends("support_pack_move_ids.tickets")
    def _compute_support_pack_tickets(self):
        for ticket in self:
            moves = ticket.support_pack_move_ids
            ticket.support_pack_tickets = -sum(moves.mapped("tickets"))
            consumed = ticket._get_support_pack_consumption()
            ticket.support_pack_names = ", ".join(
                pack.name for pack, count in consumed.items() if count > 0
            )

    @api.depends(
        "partner_id",
        "support_card_hold_ids.state",
        "support_pack_move_ids.tickets",
        "support_minutes_billed",
    )
    def _compute_support_billing_mode(self):
        for ticket in self:
            ticket.support_billing_mode = ticket._get_support_billing_mode()

    # --------------------------------------------------------------- CRUD
    @api.model
    def default_get(self, fields):
        """OCA's auto-assignment gives a new ticket to the user creating it:
        a ticket a visitor or a customer creates (contact form, intervention
        request, portal, run as superuser) or the system creates stays
        unassigned, for the team to take, never "Public user" nor OdooBot."""
        defaults = super().default_get(fields)
        user = self.env.user
        if defaults.get("user_id") == user.id and (
            user.share or user.id == SUPERUSER_ID
        ):
            defaults.pop("user_id")
        return defaults

    def write(self, vals):
        check_money_links(self, vals, TERMS_FIELDS)
        res = super().write(vals)
        if {"stage_id", "partner_id"}.intersection(vals):
            self._support_sync_pack_consumption()
        return res

    # ------------------------------------------------------------ actions
    def action_support_timer_start(self):
        for ticket in self:
            if ticket.support_timer_start:
                raise UserError(
                    self.env._(
                        "A timer is already running on %(ticket)s for %(user)s.",
                        ticket=ticket.display_name,
                        user=ticket.support_timer_user_id.name,
                    )
                )
        self.write(
            {
                "support_timer_start": fields.Datetime.now(),
                "support_timer_user_id": self.env.user.id,
            }
        )
        return True

    def action_support_timer_stop(self):
        """Stop the timer and log the elapsed minutes (rounded up)."""
        entries = self.env["support.time.entry"]
        now = fields.Datetime.now()
        for ticket in self.filtered("support_timer_start"):
            elapsed = now - ticket.support_timer_start
            minutes = min(
                max(1, math.ceil(elapsed.total_seconds() / 60)),
                rules.MAX_ENTRY_MINUTES,
            )
            technician = ticket.support_timer_user_id or self.env.user
            env, tz = ticket._support_timer_text_env(technician)
            entries |= entries.create(
                {
                    "ticket_id": ticket.id,
                    "user_id": technician.id,
                    "minutes": minutes,
                    "billable": bool(ticket.partner_id),
                    "description": env._(
                        "Work on the ticket, timed from %(start)s to %(end)s",
                        start=format_time(
                            env,
                            ticket.support_timer_start,
                            tz=tz,
                            time_format="short",
                        ),
                        end=format_time(env, now, tz=tz, time_format="short"),
                    ),
                }
            )
            ticket.write({"support_timer_start": False, "support_timer_user_id": False})
        return True

    def _support_timer_text_env(self, technician):
        """``(env, tz)`` of the text of a timed entry: the customer reads it on
        her ticket page, in her language; the hours are the technician's
        (his time zone, else the company's -- never UTC by default)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        lang = (
            self.partner_id.lang or company.partner_id.lang or self.env.lang or "en_US"
        )
        tz = technician.tz or company._support_tz()
        return self.with_context(lang=lang).env, tz

    def action_view_support_card_holds(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_card_hold_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {
            "default_ticket_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        return action

    def action_support_request_card_hold(self):
        """Open the dialog that e-mails the customer a card hold link; the
        hold is created when the request is sent, not before."""
        self.ensure_one()
        if not self.partner_id:
            raise UserError(
                self.env._("Set the ticket's customer before requesting a card hold.")
            )
        if not self.env.user.has_group("support_billing.group_support_technician"):
            raise AccessError(
                self.env._("Only support technicians can request a card hold.")
            )
        live = self.env["support.card.hold"].sudo()._support_get_live_holds(self)
        if live:
            raise UserError(
                self.env._(
                    "Ticket %(ticket)s already has card hold %(hold)s (%(state)s): "
                    "one card hold at a time per ticket. Send its link again, or "
                    "charge or release it first.",
                    ticket=self.display_name,
                    hold=live[0].name,
                    state=live[0]._get_state_label(),
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request Card Hold"),
            "res_model": "support.card.hold.request",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def action_support_invoice_time(self):
        """Accountant action on tickets: open the invoicing wizard."""
        return self.env["support.invoice.wizard"]._action_open(
            ticket_ids=self.ids,
        )

    # ----------------------------------------------------------- business
    def _get_support_billing_mode(self):
        """Say how this ticket is paid: one value of ``support_billing_mode``.

        The precedence is one table, ``const.BILLING_MODE_PRECEDENCE``: the
        modes are tried by increasing priority and the first whose condition
        (``_support_billing_mode_is_<mode>()``) holds wins; ``time`` is the
        fallback.  Only tickets in mode ``time`` are invoiced by the
        time-billing run; time is logged and reported for every mode.  A
        feature that pays tickets another way adds a line to the table and
        its condition method.
        """
        self.ensure_one()
        for _priority, mode, _condition in sorted(const.BILLING_MODE_PRECEDENCE):
            if mode == const.BILLING_MODE_TIME:
                break
            if getattr(self, f"_support_billing_mode_is_{mode}")():
                return mode
        return const.BILLING_MODE_TIME

    def _support_billing_mode_is_none(self):
        return not self.commercial_partner_id

    def _support_billing_mode_is_hold(self):
        return "authorized" in self.sudo().support_card_hold_ids.mapped("state")

    def _support_billing_mode_is_pack(self):
        billed = self.support_minutes_billed
        return bool(billed) and self._get_support_prepaid_minutes() >= billed

    def _support_get_terms(self):
        """The terms this ticket is billed under: its company's in force on
        the day its billable work began (today before any), with its
        customer's contract and plan overrides (``res.company.
        _support_terms``)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        taken = self.support_terms_overrides
        if not taken:
            return company._support_terms(
                self.support_terms_date, partner=self.commercial_partner_id
            )
        terms = company._support_terms(self.support_terms_date, plan=False)
        overrides = {key: value for key, value in taken.items() if key != "source"}
        return dataclasses.replace(terms, **overrides) if overrides else terms

    def _support_take_terms(self):
        """Keep the contract terms (customer's, else its plan's) of these
        tickets when their billable work begins: a later change of the
        contract never changes a ticket already begun."""
        for ticket in self.sudo().filtered(
            lambda t: not t.support_terms_overrides and t.commercial_partner_id
        ):
            if not ticket.support_time_entry_ids.filtered("billable"):
                continue
            company = ticket.company_id or self.env.company
            partner = ticket.commercial_partner_id
            taken = {"source": "company"}
            for source in (partner._support_terms_plan(company), partner):
                if source and source.support_terms_override:
                    taken = dict(source._support_terms_overrides(), source=source._name)
            ticket.support_terms_overrides = taken

    def _get_support_minute_figures(self):
        """Worked, billed, free and charged minutes of this ticket
        (``rules.MinuteFigures``), the same figures as its invoice lines.

        Invoiced time takes its free minutes from its invoice lines; time not
        invoiced yet shows what the invoice will give: the free trial left to
        the customer (a ticket invoiced for the first time, not paid by
        prepaid credits), the prepaid credits it took, the time a
        subscription covers.
        """
        self.ensure_one()
        ticket = self.sudo()
        # one aggregate, whatever the number of entries (issue 16)
        groups = (
            self.env["support.time.entry"]
            .sudo()
            ._read_group(
                [("ticket_id", "=", ticket._origin.id), ("billable", "=", True)],
                ["invoice_line_id", "state", "support_subscription_id"],
                ["minutes:sum"],
            )
            if ticket._origin.id
            else []
        )
        lines = self.env["account.move.line"].sudo()
        covered = 0
        all_covered = True
        for line, state, subscription, minutes in groups:
            lines |= line
            all_covered = all_covered and bool(subscription)
            if state == const.ENTRY_STATE_COVERED:
                covered += minutes
        trial = sum(lines.mapped("support_minutes_free"))
        if lines:
            prepaid = sum(lines.mapped("support_minutes_prepaid"))
        else:
            prepaid = ticket._get_support_prepaid_minutes()
        # the aggregate tells the subscription's condition what it needs
        mode = (
            ticket.with_context(
                support_billable_covered=(bool(groups), all_covered)
            )._get_support_billing_mode()
            if ticket._origin.id
            else ticket._get_support_billing_mode()
        )
        if (
            not lines
            and not prepaid
            and mode
            in (
                const.BILLING_MODE_TIME,
                const.BILLING_MODE_HOLD,
            )
        ):
            trial_left = ticket.commercial_partner_id._get_support_trial_minutes_left(
                ticket.company_id
            )
            (charge,), _left = rules.apply_trial(
                [ticket.support_minutes_billable],
                trial_left,
                ticket._support_get_terms(),
            )
            trial = charge.free
        subscription = covered
        if mode == const.BILLING_MODE_SUBSCRIPTION:
            subscription = ticket.support_minutes_billed
        return rules.minute_figures(
            ticket.support_minutes_billable,
            ticket.support_minutes_billed,
            trial=trial,
            prepaid=prepaid,
            subscription=subscription,
        )

    def _support_describe_free(self, figures):
        """Why minutes are free, e.g. "15 min free trial, 30 min prepaid"."""
        parts = []
        if figures.trial:
            parts.append(
                self.env._("%(minutes)s min free trial", minutes=figures.trial)
            )
        if figures.prepaid:
            parts.append(
                self.env._("%(minutes)s min prepaid credits", minutes=figures.prepaid)
            )
        if figures.subscription:
            parts.append(
                self.env._("%(minutes)s min subscription", minutes=figures.subscription)
            )
        return ", ".join(parts)

    def _get_support_prepaid_minutes(self, terms=None):
        """Billed minutes of this ticket paid with prepaid credits.

        Time billing deducts them: when the packs ran out, only the rest of
        the time is invoiced by the minute.  ``terms``: the ticket's (read
        when not given).
        """
        self.ensure_one()
        tickets = self.sudo().support_pack_tickets
        if tickets <= 0:
            return 0
        return rules.prepaid_minutes(
            tickets, self.support_minutes_billed, terms or self._support_get_terms()
        )

    def _get_support_pack_consumption(self):
        """Net tickets this ticket took, per pack: ``{pack: tickets}``."""
        self.ensure_one()
        consumed = {}
        for move in self.sudo().support_pack_move_ids:
            consumed[move.pack_id] = consumed.get(move.pack_id, 0) - move.tickets
        return {pack: count for pack, count in consumed.items() if count}

    def _get_support_pack_tickets_needed(self):
        """Tickets this ticket should take from packs now."""
        self.ensure_one()
        if not self.partner_id or not self.commercial_partner_id:
            return 0
        if "authorized" in self.sudo().support_card_hold_ids.mapped("state"):
            return 0  # an authorised card hold pays first
        return rules.tickets_needed(
            self.support_minutes_billable, self._support_get_terms()
        )

    def _support_sync_pack_consumption(self):
        """Bring the ledger of these tickets in line with their billable time.

        Consume the missing tickets (earliest expiry first) or give back the
        extra ones; every change is posted on the ticket.  Tickets whose time
        was already invoiced keep their ledger.
        """
        tickets = self.sudo()
        # one aggregate, whatever the number of entries (issue 16)
        invoiced = {
            ticket
            for [ticket] in self.env["support.time.entry"]
            .sudo()
            ._read_group(
                [
                    ("ticket_id", "in", tickets.ids),
                    ("billable", "=", True),
                    ("invoice_line_id", "!=", False),
                ],
                ["ticket_id"],
            )
        }
        for ticket in tickets:
            if ticket in invoiced:
                continue
            needed = ticket._get_support_pack_tickets_needed()
            consumed = ticket._get_support_pack_consumption()
            current = sum(consumed.values())
            if needed > current:
                ticket._support_consume_tickets(needed - current)
            elif needed < current:
                ticket._support_give_back_tickets(current - needed, consumed)
            elif not needed and ticket.support_pack_shortfall:
                ticket.support_pack_shortfall = 0

    def _support_consume_tickets(self, count):
        """Take ``count`` tickets from the requester's packs.

        The candidate packs are locked and their balances read again
        (``support.ticket.pack._lock``): two workers consuming the same pack
        serialise, the second one replays its transaction after the first,
        so two tickets never both take its last ticket and a busy pack is
        never counted as empty.  What no pack gives is billed by the minute
        and the customer is told.
        """
        self.ensure_one()
        packs = self.env["support.ticket.pack"].sudo()
        candidates = packs.search(
            packs._get_usable_domain(self.partner_id)
            & Domain("company_id", "=", self.company_id.id)
        )
        allocation, shortfall = [], count
        if candidates:
            locked = candidates._lock()
            allocation, shortfall = rules.allocate_tickets(
                count,
                [(pack, pack.remaining_tickets, pack.expiry_date) for pack in locked],
            )
        for pack, tickets in allocation:
            pack._add_move(const.PACK_MOVE_CONSUMPTION, tickets=-tickets, ticket=self)
        if allocation:
            self.message_post(
                body=(
                    self.env._(
                        "1 prepaid credit used (%(packs)s); %(total)s in all on "
                        "this ticket.",
                        packs=", ".join(
                            f"{pack.name}: {tickets}" for pack, tickets in allocation
                        ),
                        total=self.support_pack_tickets,
                    )
                    if count - shortfall == 1
                    else self.env._(
                        "%(count)s prepaid credits used (%(packs)s); %(total)s in "
                        "all on this ticket.",
                        count=count - shortfall,
                        packs=", ".join(
                            f"{pack.name}: {tickets}" for pack, tickets in allocation
                        ),
                        total=self.support_pack_tickets,
                    )
                ),
            )
        if shortfall and not (
            allocation
            or self.support_pack_tickets
            or packs.search_count(
                [("partner_id", "=", self.commercial_partner_id.id)], limit=1
            )
        ):
            shortfall = 0  # a customer without packs: plain time billing
        if shortfall and not self.support_pack_shortfall:
            self._support_notify_shortfall(shortfall)
        if shortfall != self.support_pack_shortfall:
            self.support_pack_shortfall = shortfall

    def _support_notify_shortfall(self, shortfall):
        """Tell the customer the packs ran out and time billing takes over."""
        self.ensure_one()
        partner = self.partner_id
        # an automatic notice, not a reply: the first-response clock runs on
        ticket = self.with_context(
            lang=partner.lang or self.env.lang,
            **{const.AUTOMATIC_MESSAGE_CONTEXT: True},
        )
        ticket.message_post(
            body=(
                ticket.env._(
                    "Your prepaid credits ran out on ticket %(ticket)s: 1 more "
                    "credit was needed. The rest of the time is billed by the "
                    "minute.",
                    ticket=self.number or self.name,
                )
                if shortfall == 1
                else ticket.env._(
                    "Your prepaid credits ran out on ticket %(ticket)s: %(count)s "
                    "more credits were needed. The rest of the time is billed by "
                    "the minute.",
                    ticket=self.number or self.name,
                    count=shortfall,
                )
            ),
            partner_ids=partner.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _support_give_back_tickets(self, count, consumed):
        """Give ``count`` tickets back to the packs (a correction)."""
        self.ensure_one()
        packs = (
            self.env["support.ticket.pack"]
            .sudo()
            .browse([pack.id for pack in consumed])
        )
        packs._lock()
        self.invalidate_recordset(["support_pack_move_ids"])
        consumed = self._get_support_pack_consumption()
        count = min(count, sum(consumed.values()))
        back = rules.give_back(
            count,
            [(pack, tickets, pack.expiry_date) for pack, tickets in consumed.items()],
        )
        for pack, tickets in back:
            pack._add_move(const.PACK_MOVE_CORRECTION, tickets=tickets, ticket=self)
        if self.support_pack_shortfall:
            self.support_pack_shortfall = 0
        self.message_post(
            body=(
                self.env._(
                    "Time corrected: 1 prepaid credit given back (%(packs)s); "
                    "%(total)s left on this ticket.",
                    packs=", ".join(
                        f"{pack.name}: {tickets}" for pack, tickets in back
                    ),
                    total=self.support_pack_tickets,
                )
                if count == 1
                else self.env._(
                    "Time corrected: %(count)s prepaid credits given back "
                    "(%(packs)s); %(total)s left on this ticket.",
                    count=count,
                    packs=", ".join(
                        f"{pack.name}: {tickets}" for pack, tickets in back
                    ),
                    total=self.support_pack_tickets,
                )
            ),
        )
