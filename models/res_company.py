# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import bisect
import dataclasses

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import ormcache

from .. import const, rules


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = "res.company"

    support_time_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Support Time Product",
        domain="[('type', '=', 'service')]",
        help="Service product of the invoice lines of support time, priced per hour.",
    )
    support_invoice_open_tickets = fields.Boolean(
        string="Invoice Open Tickets",
        help="The monthly invoicing also bills the time of tickets still open.",
    )

    # On-site interventions (README: Settings)
    support_travel_fee = fields.Monetary(
        string="Travel Fee",
        currency_field="currency_id",
        help="Flat travel fee of an on-site intervention (beyond the zones).",
    )
    support_travel_fee_per_km = fields.Monetary(
        string="Travel Fee per km",
        currency_field="currency_id",
        help="Added to the flat travel fee per km from the company, when the "
        "distance is known and no zone applies.",
    )
    support_travel_zone_ids = fields.One2many(
        comodel_name="support.travel.zone",
        inverse_name="company_id",
        string="Travel Zones",
    )
    support_service_radius = fields.Float(
        string="Service Radius (km)",
        default=const.DEFAULT_SERVICE_RADIUS_KM,
        help="Requests farther from the company are flagged out of area.",
    )
    support_compensation_rate = fields.Float(
        string="Compensation Rate (%)",
        default=const.DEFAULT_COMPENSATION_RATE,
        help="Share of the diagnostic price owed when the customer refuses the "
        "workshop and the intervention stops.",
    )
    support_cancel_notice_hours = fields.Integer(
        string="Cancellation Notice (hours)",
        default=const.DEFAULT_CANCEL_NOTICE_HOURS,
    )
    support_late_cancel_fee = fields.Monetary(
        string="Late Cancellation Fee",
        currency_field="currency_id",
        help="Invoiced when an intervention is cancelled later than the notice; "
        "0 flags the cancellation only.",
    )

    # Automatic collection of subscriptions by their saved card (issue 25)
    support_autopay_retry_days = fields.Char(
        string="Card Payment Retries (days)",
        default=const.DEFAULT_AUTOPAY_RETRY_DAYS,
        help="When the saved card of a subscription is declined, the charge is "
        "tried again this many days after the first attempt (comma-separated, "
        "increasing, e.g. 1,3,7). Empty: no retry.",
    )

    @api.constrains("support_autopay_retry_days")
    def _check_support_autopay_retry_days(self):
        for company in self:
            try:
                rules.parse_retry_days(company.support_autopay_retry_days)
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "Card payment retries of %(company)s: give increasing "
                        "whole numbers of days after the first attempt, separated "
                        "by commas, each from 1 to %(max_day)s, at most "
                        "%(max_count)s of them (e.g. 1,3,7); not "
                        '"%(value)s".',
                        company=company.name,
                        max_day=rules.MAX_AUTOPAY_RETRY_DAY,
                        max_count=rules.MAX_AUTOPAY_RETRIES,
                        value=company.support_autopay_retry_days,
                    )
                ) from None

    def _support_autopay_retry_days(self):
        """The company's retry schedule, as days after the first attempt."""
        self.ensure_one()
        return rules.parse_retry_days(self.support_autopay_retry_days)

    @api.model
    def _support_set_default_time_product(self):
        """Install: the companies without a support time product get the
        addon's, so the setting is never blank."""
        product = self.env.ref(
            "support_billing.product_support_time", raise_if_not_found=False
        )
        if product:
            self.sudo().with_context(active_test=False).search(
                [("support_time_product_id", "=", False)]
            ).support_time_product_id = product

    def _get_support_time_product(self):
        self.ensure_one()
        product = self.support_time_product_id or self.env.ref(
            "support_billing.product_support_time", raise_if_not_found=False
        )
        if not product:
            raise UserError(
                self.env._(
                    "Set the Support Time product in the IT Support settings "
                    "before invoicing support time."
                )
            )
        return product

    def _support_tz(self):
        """The company's time zone: its support opening hours', else its
        working hours', else its address's, else UTC."""
        company = self[:1] or self.env.company
        return (
            company.sudo().support_calendar_id.tz
            or company.sudo().resource_calendar_id.tz
            or company.partner_id.tz
            or "UTC"
        )

    def _support_today(self):
        """Today's date in the company's time zone (dates of work and of
        subscription coverage)."""
        company = self[:1] or self.env.company
        return fields.Date.context_today(company.with_context(tz=company._support_tz()))

    # ---------------------------------------------------------------- terms
    @ormcache("self.id")
    def _support_terms_versions(self):
        """``(dates, terms)`` of this company's versions of its terms, oldest
        first: two tuples, cached until a version changes."""
        versions = (
            self.env["support.terms"]
            .sudo()
            .search([("company_id", "=", self.id)], order="date_from")
        )
        return (
            tuple(versions.mapped("date_from")),
            tuple(version._to_terms() for version in versions),
        )

    def _support_terms(self, date=None, partner=None, plan=None):
        """The terms that apply to time worked on ``date`` (default: today in
        the company's time zone) for ``partner``: the one place every part of
        the addon reads them from (README: Billing rule).

        The company's version in force on ``date`` (the seeds' terms,
        ``rules.DEFAULT_TERMS``, before any version), then the overrides of
        ``plan`` (default: the plan of the partner's open subscription in
        this company), then those of the partner's contract: the contract
        wins over the plan, which wins over the company.
        """
        company = self[:1] or self.env.company
        date = date or company._support_today()
        dates, versions = company._support_terms_versions()
        index = bisect.bisect_right(dates, date)
        terms = versions[index - 1] if index else rules.DEFAULT_TERMS
        commercial = partner.commercial_partner_id.sudo() if partner else None
        if plan is None and commercial:
            plan = commercial._support_terms_plan(company)
        for source in (plan, commercial):
            if source and source.support_terms_override:
                terms = dataclasses.replace(terms, **source._support_terms_overrides())
        return terms

    def _support_trial_cap(self):
        """The most free trial minutes these terms ever offered (a trial
        given back and billed again never goes beyond it)."""
        company = self[:1] or self.env.company
        _dates, versions = company._support_terms_versions()
        return max(
            [terms.trial_minutes for terms in versions]
            + [rules.DEFAULT_TERMS.trial_minutes]
        )

    def _support_terms_lines(self, terms):
        """The terms as ``(label, value)`` sentences in the user's language:
        the settings, the support policy and the FAQ show these, so no
        number is typed twice."""
        company = self[:1] or self.env.company
        rounding = {
            "up": self.env._("rounded up"),
            "nearest": self.env._("rounded to the nearest"),
        }[terms.increment_rounding]
        lines = [
            (
                self.env._("Minimum billed per ticket"),
                self.env._("%(minutes)s minutes", minutes=terms.minimum_minutes),
            ),
            (
                self.env._("Beyond the minimum"),
                self.env._(
                    "by increments of %(minutes)s minutes, %(rounding)s",
                    minutes=terms.increment_minutes,
                    rounding=rounding,
                ),
            ),
            (
                self.env._("Free trial"),
                self.env._(
                    "%(minutes)s minutes, once, for new customers",
                    minutes=terms.trial_minutes,
                )
                if terms.trial_offered
                else self.env._("none"),
            ),
            (
                self.env._("Prepaid credit"),
                self.env._(
                    "%(minutes)s minutes of billed time per credit; packs valid "
                    "at least %(months)s months",
                    minutes=terms.credit_minutes,
                    months=terms.pack_validity_months,
                ),
            ),
            (
                self.env._("Card hold"),
                self.env._(
                    "%(durations)s minutes offered, or any duration from "
                    "%(min)s to %(max)s minutes; an uncaptured hold is "
                    "cancelled after %(days)s days",
                    durations=" / ".join(str(d) for d in terms.hold_durations),
                    min=terms.hold_min_minutes,
                    max=terms.hold_max_minutes,
                    days=terms.hold_expiry_days,
                ),
            ),
        ]
        labels = dict(
            self.env["support.time.entry"]
            ._fields["work_type"]
            ._description_selection(self.env)
        )
        for kind, mode, value in terms.rate_card:
            if mode == "fixed":
                text = self.env._(
                    "%(rate)s per hour",
                    rate=company.currency_id.format(value),
                )
            elif value == 1:
                text = self.env._("the customer's hourly rate")
            else:
                text = self.env._(
                    "%(factor)s × the customer's hourly rate", factor=value
                )
            lines.append((self.env._("Rate: %(type)s", type=labels[kind]), text))
        return lines
