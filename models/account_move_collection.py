# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import format_date

from .. import rules
from .support_invoicing_mixin import check_money_links

#: Written by the automatic top-up only.
TOPUP_FIELDS = {"support_topup", "support_topup_token_id"}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = "account.move"

    support_dunning_sent = fields.Integer(
        string="Payment Reminders Sent",
        copy=False,
        readonly=True,
        help="How many payment reminders of this subscription invoice the "
        "customer received.",
    )

    support_topup = fields.Boolean(
        string="Automatic Top-up",
        copy=False,
        readonly=True,
        help="A pack invoiced because the customer's prepaid credits fell to "
        "her threshold, charged to the card of her subscription.",
    )
    support_topup_token_id = fields.Many2one(
        comodel_name="payment.token",
        string="Top-up Card",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The saved card that pays this automatic top-up (the card of the "
        "customer's subscription when the top-up was made). The top-up is not "
        "an invoice of the subscription: it is neither dunned nor a cause of "
        "suspension.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, TOPUP_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, TOPUP_FIELDS)
        return super().write(vals)

    def _post(self, soft=True):
        """A posted top-up is charged to its card by the charging cron."""
        posted = super()._post(soft=soft)
        posted.filtered("support_topup")._support_autopay_mark_to_charge()
        return posted

    def _support_autopay_token(self):
        """A top-up is paid by its own card, while it is still the
        customer's active card (the engine asks this hook)."""
        if not self.support_topup:
            return super()._support_autopay_token()
        token = self.sudo().support_topup_token_id
        if (
            token.active
            and token.partner_id.commercial_partner_id == self.commercial_partner_id
        ):
            return token
        return self.env["payment.token"]

    def _invoice_paid_hook(self):
        """A paid subscription invoice resumes its suspended subscription."""
        res = super()._invoice_paid_hook()
        self._support_resume_subscriptions()
        return res

    def _support_resume_subscriptions(self):
        subs = self.sudo().support_subscription_id.filtered("suspension_date")
        subs._support_resume_if_paid()

    def _support_autopay_exhausted(self):
        """The engine's last retry was declined: the subscription says when
        the payment reminders go and when it would be suspended."""
        res = super()._support_autopay_exhausted()
        for invoice in self.sudo().filtered(
            lambda m: m.support_subscription_id and not m.support_topup
        ):
            sub = invoice.support_subscription_id
            company = sub.company_id
            due = invoice.invoice_date_due or invoice.invoice_date
            reminders = rules.dunning_reminder_dates(
                due,
                sub._support_retry_days(invoice),
                company._support_dunning_reminder_days(),
            )
            sub.message_post(
                body=self.env._(
                    "The saved card was declined for invoice %(invoice)s at every "
                    "retry. Payment reminders on %(dates)s; the subscription is "
                    "suspended on %(suspension)s if it is still unpaid.",
                    invoice=invoice.name,
                    dates=", ".join(format_date(self.env, day) for day in reminders),
                    suspension=format_date(
                        self.env,
                        rules.suspension_date(due, company.support_suspend_after_days),
                    ),
                )
            )
        return res
