# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from .. import const


class SupportAutopayAttempt(models.Model):
    """One automatic charge of a subscription invoice by the customer's saved
    card (issue 25): written by the charging code only, read by accountants."""

    _name = "support.autopay.attempt"
    _description = "Automatic Card Payment Attempt"
    _order = "date desc, id desc"
    _check_company_auto = True

    _one_per_number = models.UniqueIndex(
        "(invoice_id, attempt_number)",
        "An invoice has one automatic payment attempt of each number.",
    )

    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    subscription_id = fields.Many2one(
        comodel_name="support.subscription",
        string="Subscription",
        readonly=True,
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="invoice_id.commercial_partner_id",
        store=True,
        index=True,
    )
    attempt_number = fields.Integer(string="Attempt", readonly=True, required=True)
    date = fields.Datetime(
        readonly=True, required=True, default=fields.Datetime.now, index=True
    )
    transaction_id = fields.Many2one(
        comodel_name="payment.transaction",
        string="Transaction",
        readonly=True,
        index="btree_not_null",
    )
    token_id = fields.Many2one(
        comodel_name="payment.token", string="Card", readonly=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    outcome = fields.Selection(
        selection=const.AUTOPAY_OUTCOMES, required=True, readonly=True, index=True
    )
    decline_code = fields.Char(
        string="Decline Code",
        readonly=True,
        help="Stripe's decline code (e.g. insufficient_funds).",
    )
    decline_reason = fields.Char(
        string="Reason",
        compute="_compute_decline_reason",
        help="What the decline code means, in words.",
    )
    message = fields.Char(string="Provider's Message", readonly=True)
    answer_lost = fields.Boolean(
        string="Answer Lost",
        readonly=True,
        help="Stripe's answer to this charge never came (time-out, connection "
        "lost, server error) or the charge was under way: Stripe is asked what "
        "became of it before the card is charged again.",
    )
    next_attempt_date = fields.Date(string="Next Attempt", readonly=True)
    invoice_amount_due = fields.Monetary(
        string="Amount Due",
        currency_field="currency_id",
        related="invoice_id.amount_residual",
    )

    # ------------------------------------------------------------ compute
    @api.depends("outcome", "decline_code")
    @api.depends_context("lang")
    def _compute_decline_reason(self):
        for attempt in self:
            attempt.decline_reason = attempt._support_reason_text()

    def _support_reason_text(self):
        """What happened, in words, in the environment's language."""
        self.ensure_one()
        return self.env["support.autopay.attempt"]._support_explain(
            self.outcome, self.decline_code
        )

    @api.model
    def _support_explain(self, outcome, decline_code):
        if outcome == const.AUTOPAY_SUCCEEDED:
            return self.env._("The card was charged.")
        if outcome == const.AUTOPAY_AUTHENTICATION:
            return self.env._(
                "The customer's bank asks the customer to confirm the payment "
                "(3-D Secure)."
            )
        reasons = {
            "insufficient_funds": self.env._("The card has insufficient funds."),
            "generic_decline": self.env._(
                "The bank declined the card without a reason."
            ),
            "card_declined": self.env._("The bank declined the card without a reason."),
            "expired_card": self.env._("The card has expired."),
            "incorrect_cvc": self.env._("The card's security code (CVC) is incorrect."),
            "incorrect_number": self.env._("The card number is incorrect."),
            "lost_card": self.env._("The card was reported lost."),
            "stolen_card": self.env._("The card was reported stolen."),
            "do_not_honor": self.env._(
                "The bank declined the card; the customer should call the bank."
            ),
            "card_velocity_exceeded": self.env._(
                "The card's spending limit is reached."
            ),
            "processing_error": self.env._(
                "An error occurred while processing the card."
            ),
            "fraudulent": self.env._("The bank suspects fraud and declined the card."),
            "pickup_card": self.env._(
                "The card cannot be used (reported lost or stolen)."
            ),
            "withdrawal_count_limit_exceeded": self.env._(
                "The card's spending limit is reached."
            ),
        }
        if decline_code in reasons:
            return reasons[decline_code]
        if outcome == const.AUTOPAY_DECLINED:
            return self.env._("The bank declined the card.")
        return self.env._("The payment could not be made (technical error).")

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Automatic card payment attempts are recorded by the "
                    "automatic payment only."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Automatic card payment attempts are recorded by the "
                    "automatic payment only."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------ actions
    def action_open_transaction(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "payment.transaction",
            "res_id": self.transaction_id.id,
            "view_mode": "form",
        }
