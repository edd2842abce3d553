# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import rules

DEFAULT = rules.DEFAULT_TERMS
RATE_MODES = [
    ("multiplier", "Multiplier of the customer's rate"),
    ("fixed", "Fixed hourly rate"),
]
#: The fields of a version that hold its terms (everything but its company
#: and date).
TERM_FIELDS = (
    "minimum_minutes",
    "increment_minutes",
    "increment_rounding",
    "trial_minutes",
    "trial_audience",
    "credit_minutes",
    "pack_validity_months",
    "hold_durations",
    "hold_min_minutes",
    "hold_max_minutes",
    "hold_expiry_days",
) + tuple(
    f"{kind}_rate_{part}" for kind in rules.WORK_TYPES for part in ("mode", "value")
)


def _rate_fields(kind, label):
    mode, value = DEFAULT.rate_line(kind)
    return (
        fields.Selection(
            selection=RATE_MODES,
            string=f"{label} Rate",
            required=True,
            default=mode,
        ),
        fields.Float(
            string=f"{label} Rate Value",
            digits="Product Price",
            default=value,
            help="A multiplier of the customer's hourly rate (1.5: half as "
            "much again), or a fixed hourly rate in the company's currency.",
        ),
    )


class SupportTerms(models.Model):
    """The commercial terms of a company from a date (README: Billing rule).

    A change of terms is a new version: it applies to time worked from its
    effective date, and time worked before keeps the terms of its day.  A
    version in force (effective today or earlier) is never rewritten nor
    deleted: what was billed under it stays explained by it.
    """

    _name = "support.terms"
    _description = "Support Commercial Terms"
    _order = "company_id, date_from desc"
    _check_company_auto = True

    _company_date_uniq = models.Constraint(
        "UNIQUE(company_id, date_from)",
        "A company has one version of its terms per effective date.",
    )

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
    date_from = fields.Date(
        string="Effective From",
        required=True,
        default=lambda self: self.env.company._support_today() + timedelta(days=1),
        help="The terms apply to time worked from this day (tomorrow at the "
        "earliest: time worked until today keeps the terms of its day).",
    )
    minimum_minutes = fields.Integer(
        string="Minimum per Ticket (min)",
        default=DEFAULT.minimum_minutes,
        help="The first minutes of a ticket are indivisible: a ticket bills at "
        "least this.",
    )
    increment_minutes = fields.Integer(
        string="Increment (min)",
        default=DEFAULT.increment_minutes,
        help="Beyond the minimum, time is billed by this increment.",
    )
    increment_rounding = fields.Selection(
        selection=[("up", "Rounded up"), ("nearest", "Rounded to the nearest")],
        string="Increment Rounding",
        required=True,
        default=DEFAULT.increment_rounding,
    )
    trial_minutes = fields.Integer(
        string="Free Trial (min)",
        default=DEFAULT.trial_minutes,
    )
    trial_audience = fields.Selection(
        selection=[("new", "New customers"), ("none", "Nobody")],
        string="Free Trial For",
        required=True,
        default=DEFAULT.trial_audience,
    )
    credit_minutes = fields.Integer(
        string="Minutes per Prepaid Credit",
        default=DEFAULT.credit_minutes,
        help="Billed minutes one prepaid credit pays.",
    )
    pack_validity_months = fields.Integer(
        string="Pack Validity Floor (months)",
        default=DEFAULT.pack_validity_months,
        help="A pack product is valid at least this many months.",
    )
    hold_durations = fields.Char(
        string="Hold Durations Offered (min)",
        default=",".join(str(d) for d in DEFAULT.hold_durations),
        help="Durations the public card hold page offers, in minutes, "
        "separated by commas.",
    )
    hold_min_minutes = fields.Integer(
        string="Shortest Hold (min)",
        default=DEFAULT.hold_min_minutes,
    )
    hold_max_minutes = fields.Integer(
        string="Longest Hold (min)",
        default=DEFAULT.hold_max_minutes,
    )
    hold_expiry_days = fields.Integer(
        string="Hold Expiry (days)",
        default=DEFAULT.hold_expiry_days,
        help="An uncaptured hold expires after this many days (7 at most, the "
        "card networks' limit): it is voided the day before, and the "
        "accountant warned the day before that.",
    )
    remote_rate_mode, remote_rate_value = _rate_fields("remote", "Remote")
    on_site_rate_mode, on_site_rate_value = _rate_fields("on_site", "On-site")
    after_hours_rate_mode, after_hours_rate_value = _rate_fields(
        "after_hours", "After-hours"
    )
    weekend_rate_mode, weekend_rate_value = _rate_fields("weekend", "Weekend")

    # ------------------------------------------------------------ compute
    @api.depends("date_from", "company_id")
    def _compute_display_name(self):
        for terms in self:
            terms.display_name = self.env._(
                "Terms from %(date)s", date=fields.Date.to_string(terms.date_from)
            )

    # -------------------------------------------------------- constraints
    @api.constrains(*TERM_FIELDS)
    def _check_terms(self):
        for version in self:
            try:
                terms = version._to_terms()
            except ValueError:
                terms = None
            error = "hold_durations" if terms is None else rules.check_terms(terms)
            if error:
                raise ValidationError(version._terms_error_message(error))

    def _terms_error_message(self, error):
        messages = {
            "minimum_minutes": self.env._("The minimum per ticket cannot be negative."),
            "increment_minutes": self.env._("The increment must be at least 1 minute."),
            "increment_rounding": self.env._("Choose how the increment is rounded."),
            "trial_minutes": self.env._("The free trial cannot be negative."),
            "credit_minutes": self.env._("A prepaid credit pays at least 1 minute."),
            "pack_validity_months": self.env._("A pack is valid at least 1 month."),
            "hold_min_minutes": self.env._(
                "The shortest hold must be at least 1 minute, and no longer "
                "than the longest hold (at most %(max)s minutes).",
                max=rules.MAX_ENTRY_MINUTES,
            ),
            "hold_durations": self.env._(
                "The hold durations offered are whole minutes separated by "
                "commas (e.g. 30,60,120), each between the shortest and the "
                "longest hold."
            ),
            "hold_expiry_days": self.env._(
                "A hold expires after 2 to %(max)s days (the card networks "
                "keep an authorisation %(max)s days at most).",
                max=rules.CARD_HOLD_LIMIT_DAYS,
            ),
            "rate_card": self.env._("A rate or multiplier cannot be negative."),
        }
        return messages[error]

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        versions = super().create(vals_list)
        for version in versions:
            if version.date_from <= version.company_id._support_today():
                raise ValidationError(
                    self.env._(
                        "New terms apply from tomorrow or a later day: time "
                        "already worked keeps the terms of its day."
                    )
                )
        self.env.registry.clear_cache()
        return versions

    def write(self, vals):
        self._check_not_in_force()
        res = super().write(vals)
        if "date_from" in vals:
            self._check_not_in_force()
        self.env.registry.clear_cache()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_force(self):
        self._check_not_in_force()

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    def _check_not_in_force(self):
        """A version in force (effective today or before) is history: change
        the terms with a new version from a later day."""
        for version in self:
            if version.date_from <= version.company_id._support_today():
                raise UserError(
                    self.env._(
                        "The terms from %(date)s are in force: time may have "
                        "been billed under them. Create new terms from a later "
                        "day instead of changing them.",
                        date=fields.Date.to_string(version.date_from),
                    )
                )

    # ----------------------------------------------------------- business
    def _to_terms(self):
        """This version as the immutable ``rules.Terms`` value."""
        self.ensure_one()
        durations = tuple(
            int(part)
            for part in (self.hold_durations or "").replace(" ", "").split(",")
            if part
        )
        return rules.Terms(
            minimum_minutes=self.minimum_minutes,
            increment_minutes=self.increment_minutes,
            increment_rounding=self.increment_rounding,
            trial_minutes=self.trial_minutes,
            trial_audience=self.trial_audience,
            credit_minutes=self.credit_minutes,
            pack_validity_months=self.pack_validity_months,
            hold_durations=durations,
            hold_min_minutes=self.hold_min_minutes,
            hold_max_minutes=self.hold_max_minutes,
            hold_expiry_days=self.hold_expiry_days,
            rate_card=tuple(
                (
                    kind,
                    self[f"{kind}_rate_mode"],
                    self[f"{kind}_rate_value"],
                )
                for kind in rules.WORK_TYPES
            ),
        )

    @api.model
    def _vals_from_terms(self, terms):
        """The field values of a version holding ``terms``."""
        vals = {
            fname: getattr(terms, fname)
            for fname in TERM_FIELDS
            if hasattr(terms, fname)
        }
        vals["hold_durations"] = ",".join(str(d) for d in terms.hold_durations)
        for kind, mode, value in terms.rate_card:
            vals[f"{kind}_rate_mode"] = mode
            vals[f"{kind}_rate_value"] = value
        return vals
