# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""On-site interventions: request, planning, signed policy,
diagnostic, estimate, fees and invoice."""

import base64
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount

from .. import const, rules
from .support_invoicing_mixin import check_money_links

#: Prices the customer agreed to when signing: frozen afterwards.
FROZEN_FIELDS = {"travel_fee", "compensation_rate", "signed_hourly_rate", "company_id"}
#: The signed documents, the state machine and the computed money: written
#: only by the actions, through ``_write_trusted`` (never by a user's write).
PROTECTED_FIELDS = {
    "state",
    "outcome",
    "policy_signature",
    "policy_signature_method",
    "policy_signed_by",
    "policy_signed_on",
    "policy_attachment_id",
    "signed_hourly_rate",
    "signed_cancel_notice_hours",
    "signed_late_cancel_fee",
    "repair_place",
    "estimate_signature",
    "estimate_signature_method",
    "estimate_signed_by",
    "estimate_signed_on",
    "estimate_attachment_id",
    "returned_on",
    "late_cancellation",
    "invoice_ids",
    "diagnostic_minutes",
    "hourly_rate",
    "diagnostic_amount",
    "estimate_amount",
    "compensation_amount",
    "amount_due",
}
#: The intervention's invoices: linked by its own invoicing only.
MONEY_FIELDS = {"invoice_ids"}
#: States in which the policy may still be signed (before work starts).
POLICY_SIGN_STATES = ("requested", "scheduled")
#: States in which the estimate may still be edited.
ESTIMATE_EDIT_STATES = (
    "requested",
    "scheduled",
    "in_progress",
    "diagnostic",
    "estimate",
)


class SupportIntervention(models.Model):
    _name = "support.intervention"
    _description = "On-site Intervention"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "support.address.proof.mixin",
    ]
    _order = "id desc"
    _rec_names_search = ["name", "partner_id", "contact_name"]
    _check_company_auto = True

    _compensation_rate_range = models.Constraint(
        "CHECK(compensation_rate >= 0 AND compensation_rate <= 100)",
        "The compensation rate must be between 0 and 100 %.",
    )

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        selection=const.INTERVENTION_STATES,
        required=True,
        default="requested",
        copy=False,
        tracking=True,
        index=True,
    )
    outcome = fields.Selection(
        selection=[
            (const.OUTCOME_ACCEPTED, "Estimate accepted"),
            (const.OUTCOME_REFUSED, "Estimate refused"),
            (const.OUTCOME_STOPPED, "Workshop refused, stopped"),
        ],
        copy=False,
        readonly=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    support_claimed_partner_id = fields.Many2one(
        related="partner_id.support_claimed_partner_id",
        string="Claims to Be",
    )
    contact_name = fields.Char(string="Contact Name")
    email = fields.Char(string="E-mail")
    phone = fields.Char()
    address = fields.Text(help="Where the technician goes.")
    description = fields.Text(string="Problem", required=True)
    desired_date = fields.Date(
        string="Desired Date",
        help="Date wished by the customer: to be confirmed on the phone call.",
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Ticket",
        index=True,
        copy=False,
        check_company=True,
        readonly=True,
    )
    time_entry_ids = fields.One2many(
        related="ticket_id.support_time_entry_ids",
        string="Diagnostic Time",
        readonly=False,
    )
    # users of the intervention's company only (``_check_users_company``)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Technician",
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    dispatcher_id = fields.Many2one(
        comodel_name="res.users",
        string="Dispatcher",
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Makes the reminder call the day before the appointment.",
    )
    scheduled_start = fields.Datetime(string="Appointment", tracking=True, copy=False)
    duration = fields.Float(string="Duration (hours)", default=2.0)
    scheduled_stop = fields.Datetime(
        string="Appointment End", compute="_compute_scheduled_stop", store=True
    )
    calendar_event_id = fields.Many2one(
        comodel_name="calendar.event", string="Meeting", copy=False, readonly=True
    )
    # service area
    distance_km = fields.Float(
        string="Distance (km)",
        compute="_compute_distance",
        store=True,
        digits=(10, 1),
        help="From the company to the customer, when both positions are known.",
    )
    out_of_area = fields.Boolean(
        string="Out of Area",
        compute="_compute_distance",
        store=True,
        help="The customer is beyond the company's service radius.",
    )
    # signed policy
    policy_signature = fields.Binary(
        string="Policy Signature", copy=False, attachment=True
    )
    policy_signature_method = fields.Selection(
        selection=const.SIGNATURE_METHODS,
        string="Policy Signed With",
        copy=False,
        help="Drawn, or the typed name with the consent box ticked (the "
        "accessible alternative): the same signature.",
    )
    policy_signed_by = fields.Char(string="Policy Signed By", copy=False)
    policy_signed_on = fields.Datetime(string="Policy Signed On", copy=False)
    policy_attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Signed Policy", copy=False
    )
    signed_cancel_notice_hours = fields.Integer(
        string="Signed Cancellation Notice (h)",
        copy=False,
        readonly=True,
        help="The cancellation notice printed on the policy the customer "
        "signed: a later cancellation is judged and charged by it.",
    )
    signed_late_cancel_fee = fields.Monetary(
        string="Signed Late Cancellation Fee",
        currency_field="currency_id",
        copy=False,
        readonly=True,
        help="The late cancellation fee in force when the customer signed the "
        "policy: the fee invoiced for a late cancellation.",
    )
    signed_hourly_rate = fields.Monetary(
        string="Signed Hourly Rate",
        currency_field="currency_id",
        copy=False,
        readonly=True,
        tracking=True,
        help="The diagnostic rate printed on the policy the customer signed: "
        "the diagnostic time is invoiced at this rate.",
    )
    # estimate
    estimate_line_ids = fields.One2many(
        comodel_name="support.intervention.line",
        inverse_name="intervention_id",
        string="Estimate",
        copy=True,
    )
    estimate_amount = fields.Monetary(
        string="Estimate Total",
        currency_field="currency_id",
        compute="_compute_estimate_amount",
        store=True,
        tracking=True,
    )
    repair_place = fields.Selection(
        selection=const.INTERVENTION_REPAIR_PLACES,
        string="Repair",
        copy=False,
        tracking=True,
    )
    estimate_signature = fields.Binary(copy=False, attachment=True)
    estimate_signature_method = fields.Selection(
        selection=const.SIGNATURE_METHODS,
        string="Estimate Signed With",
        copy=False,
    )
    estimate_signed_by = fields.Char(string="Estimate Signed By", copy=False)
    estimate_signed_on = fields.Datetime(string="Estimate Answered On", copy=False)
    estimate_attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Signed Estimate", copy=False
    )
    # fees
    diagnostic_minutes = fields.Integer(
        string="Diagnostic Minutes",
        compute="_compute_fees",
        store=True,
        compute_sudo=True,
        help="Billable minutes logged on the intervention's ticket.",
    )
    hourly_rate = fields.Monetary(
        string="Hourly Rate",
        currency_field="currency_id",
        compute="_compute_fees",
        store=True,
        compute_sudo=True,
    )
    travel_fee = fields.Monetary(
        string="Travel Fee",
        currency_field="currency_id",
        compute="_compute_travel_fee",
        store=True,
        readonly=False,
        tracking=True,
    )
    diagnostic_amount = fields.Monetary(
        string="Diagnostic Price",
        currency_field="currency_id",
        compute="_compute_fees",
        store=True,
        compute_sudo=True,
        tracking=True,
    )
    compensation_rate = fields.Float(
        string="Compensation Rate (%)",
        compute="_compute_compensation_rate",
        store=True,
        readonly=False,
        tracking=True,
    )
    compensation_amount = fields.Monetary(
        string="Compensation",
        currency_field="currency_id",
        compute="_compute_fees",
        store=True,
        compute_sudo=True,
        help="Owed only if the workshop is refused and the intervention stops.",
    )
    amount_due = fields.Monetary(
        string="Amount Due",
        currency_field="currency_id",
        compute="_compute_fees",
        store=True,
        compute_sudo=True,
        tracking=True,
        help="What the customer pays, by how the intervention ended.",
    )
    # closing
    returned_to = fields.Char(
        string="Returned To",
        copy=False,
        tracking=True,
        help="Customer or person they designated, to whom the equipment was "
        "returned, tested, and the invoice presented.",
    )
    returned_on = fields.Datetime(copy=False, readonly=True)
    late_cancellation = fields.Boolean(
        string="Late Cancellation", copy=False, readonly=True, tracking=True
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="support_intervention_account_move_rel",
        string="Invoices",
        copy=False,
        readonly=True,
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")

    # ------------------------------------------------------------ compute
    def _compute_access_url(self):
        res = super()._compute_access_url()
        for intervention in self:
            intervention.access_url = f"/my/interventions/{intervention.id}"
        return res

    @api.depends("scheduled_start", "duration")
    def _compute_scheduled_stop(self):
        for intervention in self:
            start = intervention.scheduled_start
            intervention.scheduled_stop = start and start + timedelta(
                hours=intervention.duration or 1.0
            )

    @api.depends(
        "partner_id.partner_latitude",
        "partner_id.partner_longitude",
        "company_id.partner_id.partner_latitude",
        "company_id.partner_id.partner_longitude",
        "company_id.support_service_radius",
    )
    def _compute_distance(self):
        for intervention in self:
            distance = intervention._get_distance()
            intervention.distance_km = distance or 0.0
            intervention.out_of_area = rules.outside_service_area(
                distance, intervention.company_id.support_service_radius
            )

    @api.depends("partner_id", "company_id")
    def _compute_travel_fee(self):
        """The company's fee when the customer is set; a later change of the
        settings does not move the fee of existing interventions, and nothing
        moves it once the customer signed."""
        for intervention in self:
            if intervention._is_signed():
                continue  # the stored, signed fee stays
            company = intervention.company_id
            intervention.travel_fee = float(
                rules.travel_fee(
                    intervention._get_distance(),
                    zones=[
                        (zone.max_distance, zone.fee)
                        for zone in company.support_travel_zone_ids
                    ],
                    flat=company.support_travel_fee,
                    per_km=company.support_travel_fee_per_km,
                    rounding=str(company.currency_id.rounding),
                )
            )

    @api.depends("company_id")
    def _compute_compensation_rate(self):
        """The rate of the intervention's company; frozen once signed."""
        for intervention in self:
            if intervention._is_signed():
                continue
            intervention.compensation_rate = (
                intervention.company_id.support_compensation_rate
            )

    @api.depends("estimate_line_ids.price_subtotal")
    def _compute_estimate_amount(self):
        for intervention in self:
            intervention.estimate_amount = sum(
                intervention.estimate_line_ids.mapped("price_subtotal")
            )

    @api.depends(
        "ticket_id.support_time_entry_ids.minutes",
        "ticket_id.support_time_entry_ids.billable",
        "ticket_id.support_time_entry_ids.support_subscription_id",
        "partner_id",
        "company_id",
        "signed_hourly_rate",
        "policy_signed_on",
        "travel_fee",
        "compensation_rate",
        "estimate_amount",
        "outcome",
    )
    def _compute_fees(self):
        for intervention in self:
            fees = intervention._get_fees()
            intervention.diagnostic_minutes = intervention._get_diagnostic_minutes()
            intervention.hourly_rate = intervention._get_hourly_rate()
            intervention.diagnostic_amount = float(fees["diagnostic"])
            intervention.compensation_amount = float(fees["compensation"])
            intervention.amount_due = float(fees["due"])

    def _compute_invoice_count(self):
        for intervention in self:
            intervention.invoice_count = len(intervention.sudo().invoice_ids)

    # -------------------------------------------------------- constraints
    @api.constrains("scheduled_start", "duration")
    def _check_duration(self):
        for intervention in self:
            if intervention.duration <= 0:
                raise ValidationError(
                    self.env._("An intervention's duration must be positive.")
                )

    @api.constrains("user_id", "dispatcher_id", "company_id")
    def _check_users_company(self):
        """The technician and the dispatcher work for the intervention's
        company: they see it, and only they are invited to its meeting."""
        for intervention in self:
            company = intervention.company_id
            for user in intervention.user_id | intervention.dispatcher_id:
                if company not in user.sudo().company_ids:
                    raise ValidationError(
                        self.env._(
                            "%(user)s is not a user of company %(company)s: "
                            "choose a technician and a dispatcher of the "
                            "company of intervention %(name)s.",
                            user=user.name,
                            company=company.name,
                            name=intervention.name,
                        )
                    )

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"]
        if not self.env.su:
            for vals in vals_list:
                # a new intervention starts unsigned, as requested
                protected = [
                    name
                    for name in PROTECTED_FIELDS.intersection(vals)
                    if vals[name]
                    and not (name == "state" and vals[name] == "requested")
                ]
                if protected:
                    self.check_access("create")
                    self._raise_protected(protected)
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
            if not vals.get("name") or vals["name"] == self.env._("New"):
                vals["name"] = sequence.next_by_code("support.intervention") or "/"
        interventions = super().create(vals_list)
        interventions.filtered(lambda i: not i.ticket_id)._create_tickets()
        return interventions

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        if not self.env.su:
            protected = PROTECTED_FIELDS.intersection(vals)
            if protected:
                self.check_access("write")  # no access: say that first
                self._raise_protected(protected)
            if "estimate_line_ids" in vals:
                self._check_estimate_editable()
        frozen = FROZEN_FIELDS & set(vals)
        if frozen and not self.env.su:
            for intervention in self:
                if intervention._is_signed():
                    raise UserError(
                        self.env._(
                            "The customer signed the terms of %(name)s: its fees "
                            "cannot be changed.",
                            name=intervention.name,
                        )
                    )
        return super().write(vals)

    def _raise_protected(self, field_names):
        labels = sorted(
            self._fields[name]._description_string(self.env) for name in field_names
        )
        raise UserError(
            self.env._(
                "These fields of an intervention change only through its actions "
                "(planning, the customer's signature, the estimate's answer, "
                "invoicing): %(fields)s.",
                fields=", ".join(labels),
            )
        )

    def _write_trusted(self, vals):
        """Write the state, the signatures and what the customer signed:
        for the actions only, after checking the user may write."""
        if not self.env.su:
            self.check_access("write")
        return self.sudo().write(vals)

    def _is_signed(self):
        self.ensure_one()
        return bool(self.policy_signed_on or self.estimate_signed_on)

    def _support_may_bill(self):
        """Technicians prepare, accountants or support managers bill: only
        they (or the system, for a customer's answer) post invoices."""
        user = self.env.user
        return (
            self.env.su
            or user.has_group("account.group_account_invoice")
            or user.has_group("support_billing.group_support_manager")
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.sudo().invoice_ids:
            raise UserError(
                self.env._("An invoiced intervention cannot be deleted; cancel it.")
            )

    # ------------------------------------------------------------ actions
    def action_schedule(self):
        """The date is agreed on the phone: technician, meeting, reminder."""
        for intervention in self:
            intervention._check_state(("requested", "scheduled"))
            if not (intervention.scheduled_start and intervention.user_id):
                raise UserError(
                    self.env._(
                        "Set the appointment and the technician of %(name)s "
                        "before scheduling it.",
                        name=intervention.name,
                    )
                )
            intervention._sync_calendar_event()
            intervention._schedule_reminder()
            intervention._write_trusted({"state": "scheduled"})
        return True

    def action_start(self):
        """The technician starts work: only once the policy is signed."""
        for intervention in self:
            intervention._check_state(("scheduled",))
            if not intervention.policy_signed_on:
                raise UserError(
                    self.env._(
                        "The customer must sign the policy confirmation before "
                        "work starts on %(name)s.",
                        name=intervention.name,
                    )
                )
        self._write_trusted({"state": "in_progress"})
        return True

    def action_diagnostic(self):
        for intervention in self:
            intervention._check_state(("in_progress",))
        self._write_trusted({"state": "diagnostic"})
        return True

    def action_present_estimate(self):
        for intervention in self:
            intervention._check_state(("diagnostic",))
            if not intervention.estimate_line_ids:
                raise UserError(
                    self.env._(
                        "Add the parts and labour of the estimate of %(name)s "
                        "before presenting it.",
                        name=intervention.name,
                    )
                )
        self._write_trusted({"state": "estimate"})
        for intervention in self:
            intervention.message_post(
                body=self.env._(
                    "Estimate of %(amount)s presented to the customer.",
                    amount=intervention._format_amount(intervention.estimate_amount),
                )
            )
        return True

    def action_open_sign_wizard(self):
        """Sign on the technician's device: the policy, or the estimate."""
        self.ensure_one()
        mode = "estimate" if self.state == "estimate" else "policy"
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer signature"),
            "res_model": "support.intervention.sign.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_intervention_id": self.id,
                "default_mode": mode,
                "default_signed_by": self.contact_name or self.partner_id.name,
            },
        }

    def action_refuse_estimate(self):
        """Refused: travel and diagnostic time, invoiced at once (README: Fees)."""
        for intervention in self:
            intervention._refuse_estimate()
        return True

    def action_stop(self):
        """Workshop refused: the intervention stops; travel, diagnostic
        time and the compensation are invoiced at once."""
        for intervention in self:
            intervention._check_state(("estimate", "accepted"))
            if intervention.state == "accepted" and intervention.repair_place not in (
                False,
                "workshop",
            ):
                raise UserError(
                    self.env._(
                        "Only a repair in the workshop the customer refuses "
                        "stops an intervention."
                    )
                )
            intervention._write_trusted(
                {"state": "stopped", "outcome": const.OUTCOME_STOPPED}
            )
            intervention._create_invoice()
        return True

    def action_done(self):
        """The equipment is returned and tested, the invoice presented (Fees)."""
        for intervention in self:
            intervention._check_state(("accepted",))
            if not intervention.returned_to:
                raise UserError(
                    self.env._(
                        "Record who received the equipment and the invoice "
                        "(the customer or the person they designated)."
                    )
                )
        self._write_trusted({"state": "done", "returned_on": fields.Datetime.now()})
        for intervention in self:
            intervention._create_invoice()
        return True

    def action_cancel(self):
        """Cancel; less than the notice before the appointment is flagged
        and, when the company sets a fee, invoiced."""
        now = fields.Datetime.now()
        for intervention in self:
            intervention._check_state(("requested", "scheduled"))
            notice_hours, fee = intervention._get_cancel_terms()
            late = intervention.state == "scheduled" and rules.is_late_cancellation(
                intervention.scheduled_start, now, notice_hours
            )
            intervention._write_trusted(
                {"state": "cancelled", "late_cancellation": late}
            )
            intervention.activity_ids.unlink()
            if intervention.calendar_event_id:
                intervention.calendar_event_id.sudo().action_archive()
            if late:
                intervention.message_post(
                    body=self.env._(
                        "Cancelled less than %(hours)s hours before the appointment.",
                        hours=notice_hours,
                    )
                )
                if fee > 0:
                    intervention._create_invoice(cancellation=True)
        return True

    def _get_cancel_terms(self):
        """``(notice hours, late cancellation fee)``: those of the signed
        policy, else the intervention's company's."""
        self.ensure_one()
        if self.policy_signed_on:
            return self.signed_cancel_notice_hours, self.signed_late_cancel_fee
        company = self.company_id
        return company.support_cancel_notice_hours, company.support_late_cancel_fee

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {"create": False}
        if len(self.invoice_ids) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = self.invoice_ids.id
        return action

    def action_view_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }

    # ----------------------------------------------------------- business
    def _check_state(self, states):
        self.ensure_one()
        if self.state not in states:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(name)s is %(state)s: this step is not possible now.",
                    name=self.name,
                    state=labels[self.state],
                )
            )

    def _check_estimate_editable(self):
        for intervention in self:
            if (
                intervention.state not in ESTIMATE_EDIT_STATES
                or intervention.estimate_signed_on
            ):
                raise UserError(
                    self.env._(
                        "The estimate of %(name)s was already answered: it "
                        "cannot be changed.",
                        name=intervention.name,
                    )
                )

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _get_distance(self):
        """Km from the company to the customer, or None when unknown."""
        self.ensure_one()
        here = self.company_id.partner_id
        there = self.partner_id
        if not (here.partner_latitude or here.partner_longitude) or not (
            there.partner_latitude or there.partner_longitude
        ):
            return None
        return rules.distance_km(
            here.partner_latitude,
            here.partner_longitude,
            there.partner_latitude,
            there.partner_longitude,
        )

    def _get_diagnostic_minutes(self):
        """Billable diagnostic minutes: those of the ticket's billable time
        that no subscription covers (the coverage rule of all support time:
        a subscription covering the requester on the day of the work)."""
        self.ensure_one()
        entries = self.ticket_id.support_time_entry_ids.filtered(
            lambda e: e.billable and not e.support_subscription_id
        )
        return sum(entries.mapped("minutes"))

    def _get_covered_diagnostic_entries(self):
        """The ticket's billable time a subscription covers: never billed."""
        self.ensure_one()
        return self.ticket_id.support_time_entry_ids.filtered(
            lambda e: e.billable and e.support_subscription_id
        )

    def _get_hourly_rate(self):
        """The diagnostic rate: the one the customer signed, else the
        customer's rate in the intervention's company."""
        self.ensure_one()
        if self.policy_signed_on:
            return self.signed_hourly_rate
        if not self.partner_id:
            return 0.0
        company = self.company_id
        product = company._get_support_time_product().with_company(company)
        return self.partner_id.with_company(company)._get_support_hourly_rate(product)

    def _get_fees(self):
        """Diagnostic price, compensation and amount due (Decimals)."""
        self.ensure_one()
        rounding = str(self.currency_id.rounding or 0.01)
        diagnostic = rules.diagnostic_amount(
            self._get_diagnostic_minutes(), self._get_hourly_rate(), rounding
        )
        compensation = rules.compensation_amount(
            diagnostic, self.compensation_rate, rounding
        )
        due = 0
        if self.outcome:
            due = rules.intervention_fees(
                self.outcome,
                self.travel_fee,
                diagnostic,
                self.compensation_rate,
                estimate=self.estimate_amount,
                rounding=rounding,
            ).total
        return {"diagnostic": diagnostic, "compensation": compensation, "due": due}

    def _create_tickets(self):
        """Each intervention has its helpdesk ticket (diagnostic time is
        logged on it)."""
        tickets = self.env["helpdesk.ticket"].sudo()
        for intervention in self:
            env = intervention.with_context(
                lang=intervention.partner_id.lang or self.env.lang
            ).env
            intervention.ticket_id = tickets.create(
                {
                    "name": env._(
                        "On-site intervention %(name)s", name=intervention.name
                    ),
                    "description": Markup("<p>%s</p>") % intervention.description,
                    "partner_id": intervention.partner_id.id,
                    "partner_name": intervention.contact_name
                    or intervention.partner_id.name,
                    "partner_email": intervention.email
                    or intervention.partner_id.email,
                    "company_id": intervention.company_id.id,
                    # the intervention's technician, else unassigned
                    "user_id": intervention.user_id.id,
                }
            )

    def _sync_calendar_event(self):
        self.ensure_one()
        vals = {
            "name": self.env._(
                "Intervention %(name)s: %(customer)s",
                name=self.name,
                customer=self.partner_id.name,
            ),
            "start": self.scheduled_start,
            "stop": self.scheduled_stop,
            "user_id": self.user_id.id,
            "partner_ids": [
                fields.Command.set((self.user_id.partner_id | self.partner_id).ids)
            ],
            "location": self.address or self.partner_id.contact_address,
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
        }
        events = self.env["calendar.event"].with_context(no_mail_to_attendees=True)
        if self.calendar_event_id:
            self.calendar_event_id.with_context(no_mail_to_attendees=True).write(vals)
        else:
            self.calendar_event_id = events.create(vals)

    def _schedule_reminder(self):
        """A "reminder call" activity due the day before, for the dispatcher."""
        self.ensure_one()
        call = self.env.ref("mail.mail_activity_data_call")
        self.activity_ids.filtered(
            lambda a: a.activity_type_id == call and a.user_id == self.dispatcher_id
        ).unlink()
        tz_date = fields.Datetime.context_timestamp(
            self.with_context(tz=self.user_id.tz or self.env.user.tz or "UTC"),
            self.scheduled_start,
        ).date()
        self.activity_schedule(
            act_type_xmlid="mail.mail_activity_data_call",
            date_deadline=rules.reminder_date(tz_date),
            summary=self.env._("Reminder call"),
            note=self.env._(
                "Call %(customer)s to confirm tomorrow's intervention.",
                customer=self.partner_id.name,
            ),
            user_id=(self.dispatcher_id or self.env.user).id,
        )

    def _sign_policy(self, name, signature, consent=False):
        """Store the customer's signature of the policy and attach the signed
        PDF.  ``signature``: the drawn image; without one, the typed
        ``name`` signs when the customer ticked the consent box
        (``consent``)."""
        self.ensure_one()
        self._check_state(POLICY_SIGN_STATES)
        if self.policy_signed_on:
            raise UserError(self.env._("The policy is already signed."))
        method = self._check_signature(name, signature, consent)
        # the prices printed on the policy are the prices invoiced: copied
        # with the signature (the rate in the intervention's company), the
        # computes leave them alone afterwards
        self._write_trusted(
            {
                "travel_fee": self.travel_fee,
                "compensation_rate": self.compensation_rate,
                "signed_hourly_rate": self._get_hourly_rate(),
                "signed_cancel_notice_hours": (
                    self.company_id.support_cancel_notice_hours
                ),
                "signed_late_cancel_fee": self.company_id.support_late_cancel_fee,
                "policy_signed_by": name.strip(),
                "policy_signed_on": fields.Datetime.now(),
                "policy_signature": signature or False,
                "policy_signature_method": method,
            }
        )
        self._write_trusted(
            {
                "policy_attachment_id": self._attach_report(
                    "support_billing.action_report_intervention_policy",
                    self.env._("Policy %(name)s signed", name=self.name),
                ).id
            }
        )
        self.message_post(
            author_id=self._get_signer_author_id(),
            body=self.env._("Policy confirmation signed by %(name)s.", name=name)
            if method == const.SIGNATURE_DRAWN
            else self.env._(
                "Policy confirmation signed by %(name)s (typed name, consent ticked).",
                name=name,
            ),
            attachment_ids=self.policy_attachment_id.ids,
        )

    def _accept_estimate(self, name, signature, repair_place="on_site", consent=False):
        self.ensure_one()
        self._check_state(("estimate",))
        method = self._check_signature(name, signature, consent)
        if repair_place not in dict(const.INTERVENTION_REPAIR_PLACES):
            raise UserError(self.env._("Choose where the repair is done."))
        self._write_trusted(
            {
                "estimate_signed_by": name.strip(),
                "estimate_signed_on": fields.Datetime.now(),
                "estimate_signature": signature or False,
                "estimate_signature_method": method,
                "repair_place": repair_place,
                "state": "accepted",
                "outcome": const.OUTCOME_ACCEPTED,
            }
        )
        self._write_trusted(
            {
                "estimate_attachment_id": self._attach_report(
                    "support_billing.action_report_intervention_estimate",
                    self.env._("Estimate %(name)s accepted", name=self.name),
                ).id
            }
        )
        place = dict(self._fields["repair_place"]._description_selection(self.env))[
            repair_place
        ]
        self.message_post(
            author_id=self._get_signer_author_id(),
            body=self.env._(
                "Estimate accepted by %(name)s (%(place)s).",
                name=name,
                place=place,
            )
            if method == const.SIGNATURE_DRAWN
            else self.env._(
                "Estimate accepted by %(name)s (%(place)s; typed name, consent "
                "ticked).",
                name=name,
                place=place,
            ),
            attachment_ids=self.estimate_attachment_id.ids,
        )

    def _refuse_estimate(self, name=None, signature=None):
        self.ensure_one()
        self._check_state(("estimate",))
        vals = {
            "state": "refused",
            "outcome": const.OUTCOME_REFUSED,
            "estimate_signed_on": fields.Datetime.now(),
        }
        if name and signature:
            vals.update(estimate_signed_by=name.strip(), estimate_signature=signature)
        self._write_trusted(vals)
        self.message_post(
            author_id=self._get_signer_author_id(),
            body=self.env._(
                "Estimate refused by %(name)s: travel and diagnostic time are "
                "invoiced.",
                name=name,
            )
            if name
            else self.env._(
                "Estimate refused: travel and diagnostic time are invoiced."
            ),
        )
        self._create_invoice()

    def _get_signer_author_id(self):
        """Author of the customer's answers: the portal user who signed (the
        customer's partner for a public token), else the technician."""
        user = self.env.user
        if self.env.su and self.env.context.get("support_portal_user_id"):
            user = user.browse(self.env.context["support_portal_user_id"])
        if user._is_public():
            return self.partner_id.id
        return user.partner_id.id

    def _check_signature(self, name, signature, consent=False):
        """How the customer signs: drawn (``signature``, an image) or typed
        (the ``name``, with the consent box ticked); else a UserError."""
        if not (name or "").strip():
            raise UserError(self.env._("Enter the name of the person signing."))
        if not signature:
            if consent:
                return const.SIGNATURE_TYPED
            raise UserError(self.env._("The signature is missing."))
        try:
            base64.b64decode(signature, validate=True)
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("Invalid signature data.")) from error
        return const.SIGNATURE_DRAWN

    def _attach_report(self, report_ref, title):
        """Render a report of this intervention and attach it."""
        self.ensure_one()
        self.env.flush_all()  # the signature must be in the rendered PDF
        report = self.env["ir.actions.report"].sudo()
        pdf, _fmt = report._render_qweb_pdf(report_ref, res_ids=self.ids)
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{title}.pdf",
                    "type": "binary",
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def _create_invoice(self, cancellation=False):
        """Create and link the invoice of this intervention; it is posted
        when an accountant or a support manager (or the customer's answer)
        ends the intervention, else left in draft for accounting."""
        self.ensure_one()
        may_bill = self._support_may_bill()
        vals = self._prepare_invoice_vals(cancellation=cancellation)
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice")
            .create([vals])
        )
        if may_bill:
            invoice.action_post()
        if not cancellation:
            line = invoice.invoice_line_ids.filtered("support_ticket_id")[:1]
            entries = self.ticket_id.support_time_entry_ids.filtered(
                lambda e: e.state == const.ENTRY_STATE_TO_INVOICE
            )
            if line and entries:
                entries.sudo().write({"invoice_line_id": line.id})
        # technicians do not read invoices: the link is written as superuser
        self._write_trusted({"invoice_ids": [fields.Command.link(invoice.id)]})
        if not cancellation:
            self._write_trusted({"state": "invoiced"})
        if may_bill:
            body = self.env._(
                "Invoice %(invoice)s of %(amount)s posted.",
                invoice=invoice.name,
                amount=self._format_amount(invoice.amount_total),
            )
        else:
            body = self.env._(
                "Draft invoice of %(amount)s prepared: accounting posts it.",
                amount=self._format_amount(invoice.amount_total),
            )
        self.message_post(body=body)
        return invoice

    def _prepare_invoice_vals(self, cancellation=False):
        """Vals of the customer invoice of this intervention."""
        self.ensure_one()
        lines = (
            self._prepare_cancellation_lines()
            if cancellation
            else self._prepare_fee_lines()
        )
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "invoice_origin": self.name,
            "invoice_line_ids": [fields.Command.create(line) for line in lines],
        }

    def _prepare_invoice_line_vals(self, product, name, price, quantity=1.0, **extra):
        vals = {
            "name": name,
            "quantity": quantity,
            "price_unit": float(price),
            **extra,
        }
        if product:
            vals["product_id"] = product.id
        return vals

    def _get_intervention_product(self, xmlid):
        product = self.env.ref(xmlid, raise_if_not_found=False)
        if not product:
            raise UserError(
                self.env._(
                    "The product %(xmlid)s of interventions is missing.", xmlid=xmlid
                )
            )
        return product

    def _prepare_fee_lines(self):
        """The invoice lines by outcome (rules.intervention_fees)."""
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        rounding = str(self.currency_id.rounding or 0.01)
        minutes = self._get_diagnostic_minutes()
        diagnostic = rules.diagnostic_amount(minutes, self._get_hourly_rate(), rounding)
        fees = rules.intervention_fees(
            self.outcome,
            self.travel_fee,
            diagnostic,
            self.compensation_rate,
            estimate=self.estimate_amount,
            rounding=rounding,
        )
        ticket_vals = {
            "support_ticket_id": self.ticket_id.id,
            "support_minutes_worked": minutes,
            "support_minutes_billed": minutes,
        }
        lines = []
        if self.outcome == const.OUTCOME_ACCEPTED:
            for index, line in enumerate(self.estimate_line_ids):
                lines.append(
                    self._prepare_invoice_line_vals(
                        line.product_id,
                        line.name,
                        line.price_unit,
                        quantity=line.quantity,
                        **(ticket_vals if index == 0 else {}),
                    )
                )
            return lines
        if fees.travel:
            lines.append(
                self._prepare_invoice_line_vals(
                    self._get_intervention_product(
                        "support_billing.product_intervention_travel"
                    ),
                    env._("Travel: intervention %(name)s", name=self.name),
                    fees.travel,
                )
            )
        description = env._(
            "Diagnostic: %(minutes)s min at %(rate)s per hour",
            minutes=minutes,
            rate=self._format_amount(self._get_hourly_rate()),
        )
        if self.ticket_id:
            # the ticket's reference first, as on the time lines: an
            # e-invoice (Factur-X, UBL) carries the line's text only
            ticket = self.ticket_id
            description = f"{ticket.number} - {ticket.name}\n{description}"
        covered = self.sudo()._get_covered_diagnostic_entries()
        if covered:
            description += "\n" + env._(
                "%(minutes)s min covered by subscription %(subscription)s",
                minutes=sum(covered.mapped("minutes")),
                subscription=", ".join(covered.support_subscription_id.mapped("name")),
            )
        lines.append(
            self._prepare_invoice_line_vals(
                self.company_id._get_support_time_product(),
                description,
                fees.diagnostic,
                **ticket_vals,
            )
        )
        if fees.compensation:
            lines.append(
                self._prepare_invoice_line_vals(
                    self._get_intervention_product(
                        "support_billing.product_intervention_compensation"
                    ),
                    env._(
                        "Compensation: %(rate)s %% of the diagnostic price "
                        "(workshop refused)",
                        rate=f"{self.compensation_rate:g}",
                    ),
                    fees.compensation,
                )
            )
        return lines

    def _prepare_cancellation_lines(self):
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        return [
            self._prepare_invoice_line_vals(
                self._get_intervention_product(
                    "support_billing.product_intervention_cancellation"
                ),
                env._("Late cancellation: intervention %(name)s", name=self.name),
                self._get_cancel_terms()[1],
            )
        ]

    def action_support_confirm_claimed_partner(self):
        """The visitor is the customer they claim to be: the intervention and
        its ticket move to the customer (portal, fees)."""
        if not (
            self.env.su
            or self.env.user.has_group("support_billing.group_support_technician")
        ):
            raise AccessError(self.env._("Only support staff confirm a customer."))
        for intervention in self.filtered("support_claimed_partner_id"):
            intervention._support_move_to_claimed_partner(
                self.env._(
                    "Customer confirmed by %(user)s: %(customer)s.",
                    user=self.env.user.name,
                    customer=intervention.support_claimed_partner_id.display_name,
                )
            )
        return True

    def _support_move_to_claimed_partner(self, body):
        """Move the intervention (and its ticket of the same visitor) to the
        customer its visitor claims to be; ``body`` says why in the chatter."""
        for intervention in self.filtered("support_claimed_partner_id"):
            claimed = intervention.support_claimed_partner_id
            intervention.partner_id = claimed
            intervention.message_subscribe(partner_ids=claimed.ids)
            if intervention.ticket_id.support_claimed_partner_id == claimed:
                intervention.ticket_id._support_move_to_claimed_partner(body)
            intervention.message_post(body=body)
        return True

    @api.model
    def _create_from_request(self, values):
        """The public request page: customer, intervention and ticket in one
        go, and the acknowledgement e-mail.  ``values`` are validated."""
        partner = self.env["res.partner"]._support_find_or_create(
            values["name"],
            values["email"],
            unverified=values.get("unverified", True),
            verified_partner=values.get("verified_partner"),
            phone=values.get("phone"),
            street=values.get("address"),
            lang=values.get("lang") or self.env.lang,
        )
        intervention = self.sudo().create(
            {
                "partner_id": partner.id,
                "contact_name": values["name"],
                "email": values["email"],
                "phone": values.get("phone"),
                "address": values.get("address"),
                "description": values["description"],
                "desired_date": values.get("desired_date"),
                "dispatcher_id": False,
            }
        )
        intervention.message_subscribe(partner_ids=partner.ids)
        template = self.env.ref(
            "support_billing.mail_template_intervention_request",
            raise_if_not_found=False,
        )
        if template:
            intervention.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        return intervention
