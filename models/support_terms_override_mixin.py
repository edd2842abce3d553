# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import rules
from .support_invoicing_mixin import check_pricing_vals

#: The terms a contract (customer) or a plan may set for itself.
OVERRIDE_FIELDS = {
    "support_terms_override",
    "support_minimum_minutes",
    "support_increment_minutes",
    "support_increment_rounding",
}


class SupportTermsOverrideMixin(models.AbstractModel):
    """Billing terms of a customer's contract or a subscription plan that
    win over the company's (README: Billing rule, precedence table): the
    minimum per ticket and the increment; the rate is the record's own."""

    _name = "support.terms.override.mixin"
    _description = "Support Terms Overrides"

    support_terms_override = fields.Boolean(
        string="Own Billing Terms",
        tracking=True,
        help="Bill this contract's time with its own minimum and increment "
        "instead of the company's terms.",
    )
    support_minimum_minutes = fields.Integer(
        string="Minimum per Ticket (min)",
        default=rules.DEFAULT_TERMS.minimum_minutes,
        tracking=True,
    )
    support_increment_minutes = fields.Integer(
        string="Increment (min)",
        default=rules.DEFAULT_TERMS.increment_minutes,
        tracking=True,
    )
    support_increment_rounding = fields.Selection(
        selection=[("up", "Rounded up"), ("nearest", "Rounded to the nearest")],
        string="Increment Rounding",
        default=rules.DEFAULT_TERMS.increment_rounding,
        tracking=True,
    )

    @api.constrains(
        "support_terms_override",
        "support_minimum_minutes",
        "support_increment_minutes",
    )
    def _check_support_terms_override(self):
        for record in self.filtered("support_terms_override"):
            if record.support_minimum_minutes < 0:
                raise ValidationError(
                    self.env._("The minimum per ticket cannot be negative.")
                )
            if record.support_increment_minutes < 1:
                raise ValidationError(
                    self.env._("The increment must be at least 1 minute.")
                )

    def _support_terms_overrides(self):
        """The terms this record overrides, for ``dataclasses.replace``."""
        self.ensure_one()
        return {
            "minimum_minutes": self.support_minimum_minutes,
            "increment_minutes": self.support_increment_minutes,
            "increment_rounding": self.support_increment_rounding or "up",
        }

    def _support_check_terms_vals(self, vals, fnames, create=False):
        """Only accountants and support managers set a contract's terms and
        rate (like a customer's hourly rate)."""
        check_pricing_vals(
            self,
            vals,
            fnames,
            lambda: self.env._(
                "Only accountants and support managers can change the "
                "billing terms or the rate of %(record)s.",
                record=self._description,
            ),
            create=create,
        )
