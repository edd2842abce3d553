# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_datetime

from .. import const, rules

#: Consent fields: given once, for one session, never copied nor changed.
CONSENT_FIELDS = {
    "consent_partner_id",
    "consent_name",
    "consent_date",
    "consent_method",
    "consent_user_id",
}
#: Written only by the actions (``_write_trusted``): a user's write of the
#: state or of who recorded the consent is refused.
PROTECTED_FIELDS = {"state", "consent_user_id"}

#: State changes a session allows: a session that ran never runs again.
TRANSITIONS = {
    "draft": {"consented", "cancelled"},
    "consented": {"running", "cancelled"},
    "running": {"done", "stopped"},
    "done": set(),
    "stopped": set(),
    "cancelled": set(),
}


class SupportRemoteSession(models.Model):
    """A remote-control session on a ticket (README: Remote sessions).

    The customer's consent is given for one session only: the remote tool
    shows a new password each time it is started, so a new session needs a
    new consent.  The password itself is never stored.  Ending the session,
    or the customer stopping it, logs its minutes as one time entry.
    """

    _name = "support.remote.session"
    _description = "Remote Support Session"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Ticket",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="ticket_id.partner_id",
    )
    commercial_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer Account",
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
        tracking=True,
    )
    tool = fields.Selection(
        selection=const.REMOTE_SESSION_TOOLS,
        required=True,
        default="teamviewer",
        tracking=True,
    )
    tool_name = fields.Char(
        string="Other Tool", help="Name of the remote tool, when it is not listed."
    )
    session_identifier = fields.Char(
        string="Session ID",
        tracking=True,
        help="The ID or code the remote tool shows the customer (e.g. the "
        "TeamViewer ID). Never write the password here: the customer reads it "
        "out for this session only, the tool makes a new one each time it "
        "starts, and it is never stored.",
    )
    state = fields.Selection(
        selection=const.REMOTE_SESSION_STATES,
        required=True,
        default="draft",
        copy=False,
        index=True,
        tracking=True,
    )
    # consent for THIS session
    consent_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Consent Given By",
        copy=False,
        help="The customer's person who agreed to this session.",
    )
    consent_name = fields.Char(
        string="Consent Given By (Name)",
        copy=False,
        help="Name of the person who agreed, when they are not a contact.",
    )
    consent_method = fields.Selection(
        selection=const.REMOTE_CONSENT_METHODS,
        string="Consent Given By Way Of",
        copy=False,
    )
    consent_date = fields.Datetime(string="Consent Given On", copy=False)
    consent_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Consent Recorded By",
        copy=False,
        readonly=True,
    )
    start_datetime = fields.Datetime(
        string="Started On", copy=False, readonly=True, tracking=True
    )
    end_datetime = fields.Datetime(
        string="Ended On", copy=False, readonly=True, tracking=True
    )
    duration_minutes = fields.Integer(
        string="Duration (min)",
        compute="_compute_duration_minutes",
        store=True,
        help="Minutes from start to end, every started minute counted.",
    )
    stopped_by_customer = fields.Boolean(copy=False, readonly=True, tracking=True)
    stop_reason = fields.Text(string="Reason for Stopping", copy=False)
    time_entry_id = fields.Many2one(
        comodel_name="support.time.entry",
        string="Time Entry",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    note = fields.Html(string="Notes")

    # ------------------------------------------------------------ compute
    @api.depends("start_datetime", "end_datetime")
    def _compute_duration_minutes(self):
        for session in self:
            start, end = session.start_datetime, session.end_datetime
            session.duration_minutes = (
                rules.session_minutes(start, end)
                if start and end and end >= start
                else 0
            )

    @api.depends("name", "tool", "tool_name")
    def _compute_display_name(self):
        tools = dict(self._fields["tool"]._description_selection(self.env))
        for session in self:
            tool = session.tool_name if session.tool == "other" else None
            session.display_name = self.env._(
                "%(name)s (%(tool)s)",
                name=session.name,
                tool=tool or tools.get(session.tool, ""),
            )

    # -------------------------------------------------------- constraints
    @api.constrains("state", *CONSENT_FIELDS)
    def _check_consent(self):
        for session in self:
            if session.state in const.REMOTE_SESSION_CONSENTED_STATES and not (
                session._has_consent()
            ):
                raise ValidationError(
                    self.env._(
                        "Session %(session)s needs the customer's consent: who "
                        "gave it, when and how.",
                        session=session.display_name,
                    )
                )

    @api.constrains("start_datetime", "end_datetime")
    def _check_dates(self):
        for session in self:
            if (
                session.start_datetime
                and session.end_datetime
                and session.end_datetime < session.start_datetime
            ):
                raise ValidationError(
                    self.env._("A remote session cannot end before it starts.")
                )

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                # a session starts waiting for consent
                protected = [
                    name
                    for name in PROTECTED_FIELDS.intersection(vals)
                    if vals[name] and not (name == "state" and vals[name] == "draft")
                ]
                if protected:
                    self.check_access("create")
                    self._raise_protected(protected)
                self._check_consent_input(
                    vals, self.env["helpdesk.ticket"].browse(vals.get("ticket_id"))
                )
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("support.remote.session")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            protected = PROTECTED_FIELDS.intersection(vals)
            if protected:
                self.check_access("write")  # no access: say that first
                self._raise_protected(protected)
            for session in self:
                ticket = session.ticket_id
                if "ticket_id" in vals:
                    ticket = ticket.browse(vals["ticket_id"])
                session._check_consent_input(vals, ticket)
        # the consent was given for this session of this ticket: it does not move
        if CONSENT_FIELDS.intersection(vals) or (
            "ticket_id" in vals
            and any(s.ticket_id.id != vals["ticket_id"] for s in self)
        ):
            given = self.filtered(lambda s: s.state != "draft")
            if given:
                raise UserError(
                    self.env._(
                        "The consent of session %(session)s was already given and "
                        "cannot be changed: create a new session for a new "
                        "consent.",
                        session=", ".join(given.mapped("display_name")),
                    )
                )
        if "state" in vals:
            for session in self:
                if (
                    vals["state"] != session.state
                    and vals["state"] not in (TRANSITIONS[session.state])
                ):
                    session._check_state(
                        [s for s, t in TRANSITIONS.items() if vals["state"] in t],
                        "write",
                    )
        return super().write(vals)

    def _raise_protected(self, field_names):
        labels = sorted(
            self._fields[name]._description_string(self.env) for name in field_names
        )
        raise UserError(
            self.env._(
                "These fields of a remote session change only through its actions "
                "(recording the consent, start, end, cancel): %(fields)s.",
                fields=", ".join(labels),
            )
        )

    @api.model
    def _check_consent_input(self, vals, ticket):
        """What a technician notes before recording a consent: a person of
        the ticket's customer, never the customer portal's method (the
        customer consents there themselves)."""
        if vals.get("consent_method") == "portal":
            raise UserError(
                self.env._(
                    "A consent by way of the customer portal is given by the "
                    "customer on the portal: record how they gave it to you."
                )
            )
        if vals.get("consent_partner_id"):
            partner = self.env["res.partner"].browse(vals["consent_partner_id"])
            self._check_consent_partner(partner, ticket)

    @api.model
    def _check_consent_partner(self, partner, ticket):
        """The person consenting belongs to the ticket's customer."""
        customer = ticket.sudo().commercial_partner_id
        if partner and (not customer or partner.commercial_partner_id != customer):
            raise UserError(
                self.env._(
                    "%(person)s is not a person of the ticket's customer: only "
                    "the customer consents to a remote session.",
                    person=partner.display_name,
                )
            )

    def _write_trusted(self, vals):
        """Write the state or the consent: for the actions only, after
        checking the user may write the session."""
        if not self.env.su:
            self.check_access("write")
        return self.sudo().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        started = self.filtered("start_datetime")
        if started:
            raise UserError(
                self.env._(
                    "A remote session that started is kept as a record of the "
                    "customer's consent: cancel it instead (%(session)s).",
                    session=", ".join(started.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------ actions
    def action_record_consent(self):
        """The technician records the consent the customer just gave."""
        for session in self:
            session._check_state(("draft",), "consent")
            if not (session.consent_partner_id or session.consent_name):
                raise UserError(
                    self.env._(
                        "Say who gave the consent for session %(session)s.",
                        session=session.display_name,
                    )
                )
            if not session.consent_method:
                raise UserError(
                    self.env._(
                        "Say how the consent for session %(session)s was given.",
                        session=session.display_name,
                    )
                )
            if session.consent_date and session.consent_date > fields.Datetime.now():
                raise UserError(self.env._("A consent cannot be given in the future."))
            session._set_consent(
                partner=session.consent_partner_id,
                name=session.consent_name,
                method=session.consent_method,
                date=session.consent_date,
            )
        return True

    def action_start(self):
        for session in self:
            if session.state == "draft" or not session._has_consent():
                raise UserError(
                    self.env._(
                        "Session %(session)s cannot start without the customer's "
                        "consent for this session. Ask for it (a new password "
                        "each time) and record it first.",
                        session=session.display_name,
                    )
                )
            session._check_state(("consented",), "start")
            now = fields.Datetime.now()
            session._write_trusted({"state": "running", "start_datetime": now})
            session._post_event(
                self.env._(
                    "Remote session started by %(user)s on %(date)s.",
                    user=self.env.user.name,
                    date=format_datetime(self.env, now),
                )
            )
        return True

    def action_end(self):
        """End the session and log its minutes (once)."""
        return self._end_session()

    def action_stopped_by_customer(self):
        """The customer stopped the session (phone, or closing the tool)."""
        return self._end_session(stopped_by_customer=True)

    def action_cancel(self):
        for session in self:
            session._check_state(("draft", "consented"), "cancel")
            session._write_trusted({"state": "cancelled"})
            session._post_event(
                self.env._(
                    "Remote session cancelled by %(user)s on %(date)s.",
                    user=self.env.user.name,
                    date=format_datetime(self.env, fields.Datetime.now()),
                )
            )
        return True

    def action_view_time_entry(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "support.time.entry",
            "res_id": self.time_entry_id.id,
            "view_mode": "form",
        }

    # ----------------------------------------------------------- business
    def _has_consent(self):
        self.ensure_one()
        return bool(
            (self.consent_partner_id or self.consent_name)
            and self.consent_method
            and self.consent_date
        )

    def _check_state(self, states, action):
        """Refuse ``action`` (consent, start, end, cancel, write) unless the
        session is in one of ``states``."""
        self.ensure_one()
        if self.state in states:
            return
        names = dict(self._fields["state"]._description_selection(self.env))
        args = {"session": self.display_name, "state": names[self.state]}
        if action == "consent":
            message = self.env._(
                "Consent is recorded only on a session waiting for it; "
                "session %(session)s is %(state)s.",
                **args,
            )
        elif action == "start":
            message = self.env._(
                "Only a session with the customer's consent can start; "
                "session %(session)s is %(state)s.",
                **args,
            )
        elif action == "end":
            message = self.env._(
                "Only a running session can end; session %(session)s is %(state)s.",
                **args,
            )
        elif action == "cancel":
            message = self.env._(
                "Only a session that has not started can be cancelled; "
                "session %(session)s is %(state)s.",
                **args,
            )
        else:
            message = self.env._(
                "Session %(session)s is %(state)s: it cannot go back nor skip a "
                "step (a new session needs a new consent).",
                **args,
            )
        raise UserError(message)

    def _support_may_consent(self, partner):
        """Only the ticket's requester, or a person the customer named as an
        authorised user of its open subscription, consents in the portal: a
        colleague who merely sees the ticket does not (issue 13)."""
        self.ensure_one()
        ticket = self.sudo().ticket_id
        if partner == ticket.partner_id:
            return True
        subscriptions = (
            self.env["support.subscription"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", ticket.commercial_partner_id.id),
                    ("state", "in", ("waiting", "active")),
                ]
            )
        )
        return partner in subscriptions.authorized_user_ids

    @api.model
    def _portal_error_messages(self):
        """The messages the ticket page shows, by the code in its URL."""
        return {
            "agree": self.env._("Tick the box to agree to this remote session."),
            "not_waiting": self.env._(
                "This remote session no longer waits for consent."
            ),
            "not_requester": self.env._(
                "Only the person who asked for this ticket, or a user your "
                "company named, may consent to this remote session."
            ),
            "not_declinable": self.env._(
                "This remote session can no longer be declined."
            ),
            "not_running": self.env._("This remote session is not running."),
            "failed": self.env._(
                "This could not be done: reload the page and try again."
            ),
        }

    def _set_consent(self, partner=None, name=None, method="phone", date=None):
        """Record the consent given for this session (and only this one)."""
        self.ensure_one()
        # on the portal, the customer consents themselves, as themselves
        if method == "portal" and (
            partner != self.env.user.partner_id
            or not self._support_may_consent(partner)
        ):
            raise UserError(
                self.env._(
                    "Only the person who asked for this ticket, or a user your "
                    "company named, may consent to this remote session."
                )
            )
        self._check_consent_partner(partner, self.ticket_id)
        date = date or fields.Datetime.now()
        # who recorded it: the user of this session, never a value of the request
        self._write_trusted(
            {
                "consent_partner_id": partner.id if partner else False,
                "consent_name": name or (partner.name if partner else False),
                "consent_method": method,
                "consent_date": date,
                "consent_user_id": self.env.user.id,
                "state": "consented",
            }
        )
        methods = dict(self._fields["consent_method"]._description_selection(self.env))
        self._post_event(
            self.env._(
                "Consent for this session given by %(who)s (%(method)s) on "
                "%(date)s, recorded by %(user)s.",
                who=self.consent_name,
                method=methods[method],
                date=format_datetime(self.env, date),
                user=self.env.user.name,
            )
        )

    def _end_session(self, stopped_by_customer=False, reason=None):
        """End running sessions and log their time; sessions already ended are
        left alone (a second click logs nothing)."""
        # two clicks at once: the second is told to try again, a later one
        # skips (the transaction stays usable either way)
        busy = self - self.try_lock_for_update()
        if busy:
            raise UserError(
                self.env._(
                    "Remote session %(session)s is being processed by someone "
                    "else; try again in a moment.",
                    session=busy[0].display_name,
                )
            )
        self.invalidate_recordset()
        for session in self:
            if session.state in const.REMOTE_SESSION_ENDED_STATES:
                continue
            session._check_state(("running",), "end")
            now = fields.Datetime.now()
            vals = {
                "state": "stopped" if stopped_by_customer else "done",
                "end_datetime": now,
            }
            if stopped_by_customer:
                vals["stopped_by_customer"] = True
                if reason:
                    vals["stop_reason"] = reason
            session._write_trusted(vals)
            if not session.time_entry_id:
                session.time_entry_id = self.env["support.time.entry"].create(
                    session._prepare_time_entry_vals()
                )
            if stopped_by_customer:
                body = self.env._(
                    "Remote session stopped by the customer on %(date)s "
                    "(recorded by %(user)s): %(minutes)s min of diagnostic time "
                    "logged. Reason: %(reason)s",
                    date=format_datetime(self.env, now),
                    user=self.env.user.name,
                    minutes=session.duration_minutes,
                    reason=session.stop_reason or self.env._("none given"),
                )
            else:
                body = self.env._(
                    "Remote session ended by %(user)s on %(date)s: %(minutes)s min "
                    "logged.",
                    user=self.env.user.name,
                    date=format_datetime(self.env, now),
                    minutes=session.duration_minutes,
                )
            session._post_event(body)
        return True

    def _prepare_time_entry_vals(self):
        """Vals of the time entry of this ended session."""
        self.ensure_one()
        ticket = self.ticket_id
        lang = ticket.partner_id.lang or self.env.lang
        env = self.with_context(lang=lang).env
        if self.stopped_by_customer:
            description = env._(
                "Remote session %(session)s, stopped by the customer",
                session=self.with_context(lang=lang).display_name,
            )
        else:
            description = env._(
                "Remote session %(session)s",
                session=self.with_context(lang=lang).display_name,
            )
        return {
            "ticket_id": ticket.id,
            "user_id": self.user_id.id,
            "date": fields.Date.context_today(self, self.end_datetime),
            "minutes": self.duration_minutes,
            "billable": bool(ticket.partner_id),
            "description": description,
        }

    def _post_event(self, body):
        """Post a state change on the session and, as a note, on its ticket."""
        self.ensure_one()
        self.message_post(body=body)
        # technicians may post on a ticket they do not own; the author stays them
        self.ticket_id.sudo().message_post(
            body=self.env._(
                "%(session)s: %(event)s", session=self.display_name, event=body
            ),
            subtype_xmlid="mail.mt_note",
        )
