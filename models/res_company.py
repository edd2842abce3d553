# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const


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
