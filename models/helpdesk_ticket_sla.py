# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Service levels and channels of tickets (README: Service levels,
channels and request types)."""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import is_html_empty

from .. import const


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"
    # The most critical first, then the nearest deadline (open tickets only
    # have one; closed tickets sort last within their priority).
    _order = "priority desc, support_next_deadline, sequence, number desc, id desc"

    support_request_type_id = fields.Many2one(
        comodel_name="support.request.type",
        string="Request Type",
        index=True,
        tracking=True,
    )
    support_request_kind = fields.Selection(
        related="support_request_type_id.kind",
        string="Request Kind",
        store=True,
    )
    support_received_date = fields.Datetime(
        string="Received On",
        compute="_compute_support_received_date",
        store=True,
        readonly=False,
        copy=False,
        help="When the request came in: deadlines are counted from it. "
        "Correct it for a request taken by phone and logged later.",
    )
    support_closed_periods = fields.Json(
        string="Closed Periods",
        copy=False,
        readonly=True,
        help="[closed, reopened] dates of the times the ticket was closed "
        "before its last closing: left out of the resolution time.",
    )
    support_first_response_date = fields.Datetime(
        string="First Response",
        copy=False,
        readonly=True,
        help="Date of the first public reply of the staff.",
    )
    support_first_response_deadline = fields.Datetime(
        string="First Response Due",
        compute="_compute_support_deadlines",
        store=True,
        compute_sudo=True,
        copy=False,
    )
    support_resolution_deadline = fields.Datetime(
        string="Resolution Due",
        compute="_compute_support_deadlines",
        store=True,
        compute_sudo=True,
        copy=False,
    )
    support_next_deadline = fields.Datetime(
        string="Next Deadline",
        compute="_compute_support_next_deadline",
        store=True,
        compute_sudo=True,
        copy=False,
        help="The deadline the team must meet next: first response, then "
        "resolution; empty once the ticket is closed.",
    )
    support_first_response_hours = fields.Float(
        string="First Response Time (h)",
        compute="_compute_support_first_response_hours",
        store=True,
        compute_sudo=True,
        copy=False,
        aggregator="avg",
        help="Opening hours between the opening of the ticket and the first "
        "public reply of the staff.",
    )
    support_resolution_hours = fields.Float(
        string="Resolution Time (h)",
        compute="_compute_support_resolution_hours",
        store=True,
        compute_sudo=True,
        copy=False,
        aggregator="avg",
        help="Opening hours between the opening and the closing of the ticket.",
    )
    support_first_response_breached = fields.Boolean(
        string="First Response Late",
        compute="_compute_support_breached",
        store=True,
        compute_sudo=True,
        copy=False,
    )
    support_resolution_breached = fields.Boolean(
        string="Resolution Late",
        compute="_compute_support_breached",
        store=True,
        compute_sudo=True,
        copy=False,
    )
    support_answer = fields.Html(
        string="Answer",
        copy=False,
        help="Answer to a suggestion, sent to the customer with Send Answer.",
    )
    support_answered_date = fields.Datetime(
        string="Answered On", copy=False, readonly=True
    )
    support_sla_breached = fields.Boolean(
        string="Late",
        compute="_compute_support_sla_breached",
        search="_search_support_sla_breached",
    )

    # ------------------------------------------------------------ compute
    @api.depends("create_date")
    def _compute_support_received_date(self):
        for ticket in self:
            ticket.support_received_date = (
                ticket.support_received_date
                or ticket.create_date
                or fields.Datetime.now()
            )

    def _get_support_calendar(self):
        self.ensure_one()
        return self.company_id._get_support_calendar(self.priority)

    def _get_support_start(self):
        self.ensure_one()
        return self.support_received_date or self.create_date or fields.Datetime.now()

    @api.depends(
        "support_received_date",
        "priority",
        "channel_id",
        "company_id",
    )
    def _compute_support_deadlines(self):
        target_model = self.env["support.sla.target"]
        # one read of the targets for the whole batch, not one per ticket
        targets = target_model.sudo().search(
            [("company_id", "in", [False, *self.company_id.ids])]
        )
        for ticket in self:
            first, resolution = target_model._get_support_targets(
                ticket.company_id, ticket.priority, ticket.channel_id, targets
            )
            calendar = ticket._get_support_calendar()
            start = ticket._get_support_start()
            ticket.support_first_response_deadline = (
                first is not None
                and calendar
                and calendar.plan_hours(first, start, compute_leaves=True)
            )
            ticket.support_resolution_deadline = (
                resolution is not None
                and calendar
                and calendar.plan_hours(resolution, start, compute_leaves=True)
            )

    @api.depends(
        "support_first_response_date",
        "support_first_response_deadline",
        "support_resolution_deadline",
        "closed_date",
        "stage_id.closed",
    )
    def _compute_support_next_deadline(self):
        for ticket in self:
            if ticket.stage_id.closed:
                ticket.support_next_deadline = False
            elif not ticket.support_first_response_date:
                ticket.support_next_deadline = (
                    ticket.support_first_response_deadline
                    or ticket.support_resolution_deadline
                )
            else:
                ticket.support_next_deadline = ticket.support_resolution_deadline

    def _get_support_hours_between(self, start, end):
        self.ensure_one()
        calendar = self._get_support_calendar()
        if not calendar or not start or not end:
            return 0.0
        if end <= start:
            return 0.0
        return round(calendar.get_work_hours_count(start, end, compute_leaves=True), 2)

    @api.depends("support_first_response_date", "support_received_date")
    def _compute_support_first_response_hours(self):
        for ticket in self:
            date = ticket.support_first_response_date
            ticket.support_first_response_hours = (
                ticket._get_support_hours_between(ticket._get_support_start(), date)
                if date
                else False
            )

    @api.depends(
        "closed_date",
        "stage_id.closed",
        "support_received_date",
        "support_closed_periods",
    )
    def _compute_support_resolution_hours(self):
        """Opening hours the ticket was open: from its reception to its last
        closing, minus the periods it stayed closed before being reopened."""
        for ticket in self:
            date = ticket.stage_id.closed and ticket.closed_date
            if not date:
                ticket.support_resolution_hours = False
                continue
            start = ticket._get_support_start()
            hours = ticket._get_support_hours_between(start, date)
            for closed, reopened in ticket.support_closed_periods or []:
                hours -= ticket._get_support_hours_between(
                    max(fields.Datetime.to_datetime(closed), start),
                    min(fields.Datetime.to_datetime(reopened), date),
                )
            ticket.support_resolution_hours = round(max(hours, 0.0), 2)

    @api.depends(
        "support_first_response_date",
        "support_first_response_deadline",
        "closed_date",
        "stage_id.closed",
        "support_resolution_deadline",
    )
    def _compute_support_breached(self):
        """Late when the event came after its deadline, or when the deadline
        passed without the event (see ``_cron_support_sla_breach``)."""
        now = fields.Datetime.now()
        for ticket in self:
            closed = ticket.stage_id.closed and ticket.closed_date
            ticket.support_first_response_breached = bool(
                ticket.support_first_response_deadline
                and (ticket.support_first_response_date or now)
                > ticket.support_first_response_deadline
            )
            ticket.support_resolution_breached = bool(
                ticket.support_resolution_deadline
                and (closed or now) > ticket.support_resolution_deadline
            )

    def _compute_support_sla_breached(self):
        for ticket in self:
            ticket.support_sla_breached = (
                ticket.support_first_response_breached
                or ticket.support_resolution_breached
            )

    def _search_support_sla_breached(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = Domain("support_first_response_breached", "=", True) | Domain(
            "support_resolution_breached", "=", True
        )
        positive = True in value
        if operator == "not in":
            positive = not positive
        return domain if positive else ~domain

    # ------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("support_closed_periods" in v for v in vals_list):
            raise AccessError(
                self.env._("The closed periods of a ticket are recorded automatically.")
            )
        types = self.env["support.request.type"].sudo()
        for vals in vals_list:
            type_id = vals.get("support_request_type_id")
            if type_id and not vals.get("team_id"):
                team = types.browse(type_id).team_id
                if team:
                    vals["team_id"] = team.id
        tickets = super().create(vals_list)
        tickets.filtered(
            lambda t: t.support_request_kind == "dispute"
        )._support_notify_dispute()
        return tickets

    def write(self, vals):
        self._check_support_sla_write(vals)
        now = fields.Datetime.now()
        # a closed ticket leaving its stage (reopened, or moved to another
        # closed stage, which resets closed_date): the closed time so far is
        # left out of its resolution time
        closed_since = {}
        if vals.get("stage_id"):
            closed_since = {
                ticket: ticket.closed_date
                for ticket in self.sudo()
                if ticket.stage_id.closed
                and ticket.closed_date
                and ticket.stage_id.id != vals["stage_id"]
            }
        if vals.get("support_request_type_id") and "team_id" not in vals:
            team = (
                self.env["support.request.type"]
                .sudo()
                .browse(vals["support_request_type_id"])
                .team_id
            )
            if team:
                vals = dict(vals, team_id=team.id)
        # sudo: a ticket turned into a dispute is hidden from technicians
        before = self.sudo().filtered(lambda t: t.support_request_kind != "dispute")
        res = super().write(vals)
        if "support_request_type_id" in vals:
            before.filtered(
                lambda t: t.support_request_kind == "dispute"
            )._support_notify_dispute()
        for ticket, closed in closed_since.items():
            ticket.write(
                {
                    "support_closed_periods": [
                        *(ticket.support_closed_periods or []),
                        [
                            fields.Datetime.to_string(closed),
                            fields.Datetime.to_string(now),
                        ],
                    ]
                }
            )
        return res

    def _check_support_sla_write(self, vals):
        """The dates behind the published response times are not edited by
        technicians: the received and first-response dates by support
        managers only, the closed periods by the code only."""
        if self.env.su:
            return
        if "support_closed_periods" in vals:
            raise AccessError(
                self.env._("The closed periods of a ticket are recorded automatically.")
            )
        if self.env.user.has_group("support_billing.group_support_manager"):
            return
        for name in ("support_received_date", "support_first_response_date"):
            if name not in vals:
                continue
            date = fields.Datetime.to_datetime(vals[name]) or False
            if any(ticket[name] != date for ticket in self):
                raise AccessError(
                    self.env._(
                        "Only support managers may change the date a request "
                        "was received or first answered: it counts in the "
                        "published response times."
                    )
                )

    # ------------------------------------------------------------ actions
    def action_support_answer_suggestion(self):
        """Send the answer of a suggestion to the customer as a public reply
        and mark the suggestion answered (README: Request types)."""
        for ticket in self:
            if ticket.support_request_kind != "suggestion":
                raise UserError(self.env._("Only suggestions are answered this way."))
            if ticket.support_answered_date:
                raise UserError(
                    self.env._(
                        "Suggestion %(ticket)s is already answered.",
                        ticket=ticket.display_name,
                    )
                )
            if is_html_empty(ticket.support_answer):
                raise UserError(self.env._("Write the answer before sending it."))
            ticket.message_post(
                body=ticket.support_answer,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=ticket.partner_id.ids,
            )
            ticket.support_answered_date = fields.Datetime.now()
        return True

    # ------------------------------------------------------------ mail
    @api.model
    def message_new(self, msg, custom_values=None):
        """A ticket opened by e-mail (team alias) is on the e-mail channel."""
        custom_values = dict(custom_values or {})
        if not custom_values.get("channel_id"):
            channel = self.env.ref(
                "helpdesk_mgmt.helpdesk_ticket_channel_email",
                raise_if_not_found=False,
            )
            if channel:
                custom_values["channel_id"] = channel.id
        return super().message_new(msg, custom_values=custom_values)

    def _message_post_after_hook(self, message, msg_values):
        res = super()._message_post_after_hook(message, msg_values)
        if self._support_is_first_response(message):
            self.sudo().write({"support_first_response_date": message.date})
        return res

    def _support_is_first_response(self, message):
        """A reply to the customer written by a person: a comment (not an
        internal note) on the ticket, by an internal user other than OdooBot
        and the superuser, that is not one of the addon's automatic notices
        (``const.AUTOMATIC_MESSAGE_CONTEXT``), and that reaches the customer
        (a recipient or a follower)."""
        self.ensure_one()
        if self.support_first_response_date or message.message_type != "comment":
            return False
        if self.env.context.get(const.AUTOMATIC_MESSAGE_CONTEXT):
            return False
        if message.is_internal or message.subtype_id.internal:
            return False
        if not message.subtype_id:
            return False
        message = message.sudo()
        author = message.author_id
        if not author or author == self.env.ref(
            "base.partner_root", raise_if_not_found=False
        ):
            return False
        if not any(
            not user.share and user.id != SUPERUSER_ID for user in author.user_ids
        ):
            return False
        customer = self.partner_id
        return not customer or customer in (
            message.partner_ids | self.sudo().message_partner_ids
        )

    # ------------------------------------------------------------ business
    def _support_notify_dispute(self):
        """Disputes are reviewed case by case by the support managers (README:
        Request types): one activity for a manager on each."""
        managers = (
            self.env.ref("support_billing.group_support_manager")
            .sudo()
            .user_ids.filtered(lambda u: not u.share and u.active and u.id != 1)
        )
        activity_type = self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        )
        for ticket in self.sudo():
            manager = managers.filtered(
                lambda u, t=ticket: t.company_id in u.company_ids
            )[:1]
            if not manager or not activity_type:
                continue
            ticket.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Review this dispute"),
                user_id=manager.id,
            )

    def _support_send_acknowledgement(self):
        """Tell the customer we received the request, in their language."""
        template = self.env.ref(
            "support_billing.mail_template_support_acknowledgement",
            raise_if_not_found=False,
        )
        if not template:
            return
        for ticket in self:
            if ticket.partner_id.email or ticket.partner_email:
                template.sudo().send_mail(ticket.id)

    # ------------------------------------------------------------ crons
    @api.model
    def _cron_support_sla_breach(self):
        """Flag the open tickets whose deadline passed without the event."""
        now = fields.Datetime.now()
        domain = Domain("stage_id.closed", "=", False) & (
            (
                Domain("support_first_response_date", "=", False)
                & Domain("support_first_response_deadline", "<", now)
                & Domain("support_first_response_breached", "=", False)
            )
            | (
                Domain("support_resolution_deadline", "<", now)
                & Domain("support_resolution_breached", "=", False)
            )
        )
        tickets = self.sudo().with_context(active_test=False).search(domain)
        tickets._compute_support_breached()
        tickets.flush_recordset()
        return tickets
