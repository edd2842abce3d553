# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


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

    def _invoice_paid_hook(self):
        """A paid subscription invoice resumes its suspended subscription."""
        res = super()._invoice_paid_hook()
        self._support_resume_subscriptions()
        return res

    def _support_resume_subscriptions(self):
        subs = self.sudo().support_subscription_id.filtered("suspension_date")
        subs._support_resume_if_paid()
