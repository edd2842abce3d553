# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class SupportCardHoldRequest(models.TransientModel):
    """Ask the customer of a ticket for a card hold.

    The hold is created only when the request is sent: closing the dialog
    leaves nothing behind (issue 15)."""

    _name = "support.card.hold.request"
    _description = "Request a Card Hold for a Ticket"

    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket", required=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="ticket_id.partner_id", string="Customer")
    currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_hourly_rate"
    )
    hourly_rate = fields.Monetary(
        compute="_compute_hourly_rate", currency_field="currency_id"
    )
    duration_minutes = fields.Integer(
        string="Duration to Authorise (min)",
        default=60,
        required=True,
        help="The support time the customer authorises on her card, from 30 "
        "minutes to 8 hours.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount",
        compute="_compute_amount",
        currency_field="currency_id",
    )
    amount = fields.Monetary(
        string="Amount Asked on the Card",
        compute="_compute_amount",
        currency_field="currency_id",
        help="What the duration costs as it will be invoiced, taxes included: "
        "the amount the customer authorises. Nothing is charged now.",
    )
    live_hold_id = fields.Many2one(
        comodel_name="support.card.hold",
        compute="_compute_live_hold_id",
        string="Live Card Hold",
    )

    @api.depends("ticket_id", "partner_id", "hourly_rate", "duration_minutes")
    def _compute_amount(self):
        for wizard in self:
            hold = wizard._support_new_hold()
            wizard.amount_untaxed = hold.amount_untaxed
            wizard.amount = hold.amount

    @api.depends("ticket_id")
    def _compute_live_hold_id(self):
        holds = self.env["support.card.hold"].sudo()
        for wizard in self:
            wizard.live_hold_id = holds._support_get_live_holds(wizard.ticket_id)[:1]

    def _support_new_hold(self):
        """The hold this request creates, in memory: its amounts are the
        hold's own computation."""
        self.ensure_one()
        company = self.ticket_id.company_id or self.env.company
        return (
            self.env["support.card.hold"]
            .sudo()
            .new(
                {
                    "partner_id": self.partner_id.id,
                    "ticket_id": self.ticket_id.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "hourly_rate": self.hourly_rate,
                    "duration_minutes": self.duration_minutes,
                }
            )
        )

    @api.depends("ticket_id")
    def _compute_hourly_rate(self):
        holds = self.env["support.card.hold"]
        for wizard in self:
            company = wizard.ticket_id.company_id or self.env.company
            wizard.currency_id = company.currency_id
            wizard.hourly_rate = (
                holds.sudo()._get_rate_for(wizard.partner_id, company)
                if wizard.partner_id
                else 0.0
            )

    def action_send_request(self):
        """Create the hold and e-mail the customer its link, in the
        customer's language (the template's)."""
        self.ensure_one()
        ticket = self.ticket_id
        if not self.env.user.has_group("support_billing.group_support_technician"):
            raise AccessError(
                self.env._("Only support technicians can request a card hold.")
            )
        if not ticket.partner_id:
            raise UserError(
                self.env._("Set the ticket's customer before requesting a card hold.")
            )
        # technicians only read holds: the request is created on their behalf;
        # the hold is the ticket's company's, in its currency, whatever the
        # technician's current company (issue 23)
        company = ticket.company_id or self.env.company
        hold = (
            self.env["support.card.hold"]
            .sudo()
            .create(
                {
                    "partner_id": ticket.partner_id.id,
                    "ticket_id": ticket.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "hourly_rate": self.hourly_rate,
                    "duration_minutes": self.duration_minutes,
                }
            )
        )
        ticket.message_post(
            body=hold._support_company_env()._(
                "Card hold %(hold)s requested from the customer by %(user)s: "
                "%(amount)s (taxes included) for %(minutes)s minutes of support. "
                "Nothing is charged until the time is charged on it.",
                hold=hold.name,
                user=self.env.user.name,
                amount=hold.currency_id.format(hold.amount),
                minutes=hold.duration_minutes,
            ),
            subtype_xmlid="mail.mt_note",
        )
        hold.message_post(
            body=hold._support_company_env()._(
                "Card hold requested by %(user)s for ticket %(ticket)s.",
                user=self.env.user.name,
                ticket=ticket.display_name,
            )
        )
        hold.with_context(force_email=True).message_post_with_source(
            "support_billing.mail_template_card_hold_request",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.env.user.partner_id.id,
        )
        return {"type": "ir.actions.act_window_close"}
