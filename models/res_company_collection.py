# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import rules


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = "res.company"

    support_dunning_reminder_days = fields.Char(
        string="Payment Reminders (days)",
        default="10,20",
        help="Days after the last automatic retry (or the due date when no card "
        "pays the subscription) on which an unpaid subscription invoice is "
        "reminded by e-mail, separated by commas.",
    )
    support_suspend_after_days = fields.Integer(
        string="Suspend After (days unpaid)",
        default=rules.SUSPEND_AFTER_DAYS,
        help="A subscription whose invoice is unpaid this many days after its "
        "due date is suspended: the time worked is billed as ordinary time "
        "until the invoice is paid.",
    )

    @api.constrains("support_dunning_reminder_days", "support_suspend_after_days")
    def _check_support_dunning(self):
        for company in self:
            try:
                rules.parse_day_list(company.support_dunning_reminder_days)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "Payment reminders: give whole numbers of days above 0, "
                        "separated by commas (e.g. 10,20), not %(value)s.",
                        value=company.support_dunning_reminder_days,
                    )
                ) from error
            if company.support_suspend_after_days <= 0:
                raise ValidationError(
                    self.env._(
                        "A subscription is suspended after at least 1 day unpaid."
                    )
                )

    def _support_dunning_reminder_days(self):
        self.ensure_one()
        try:
            return rules.parse_day_list(self.support_dunning_reminder_days)
        except ValueError:
            return rules.DUNNING_REMINDER_DAYS

    def _support_terms_lines(self, terms):
        """The support policy and the FAQ state the suspension delay."""
        lines = super()._support_terms_lines(terms)
        company = self[:1] or self.env.company
        lines.append(
            (
                self.env._("Unpaid subscription"),
                self.env._(
                    "suspended %(days)s days after the invoice's due date: the "
                    "time worked is then billed as ordinary time; it resumes "
                    "by itself when the invoice is paid",
                    days=company.support_suspend_after_days,
                ),
            )
        )
        return lines
