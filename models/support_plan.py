# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .support_terms_override_mixin import OVERRIDE_FIELDS

#: A plan's terms and rate: accountants and support managers set them.
PLAN_TERMS_FIELDS = OVERRIDE_FIELDS | {"support_hourly_rate"}


class SupportPlan(models.Model):
    _name = "support.plan"
    _description = "Support Subscription Plan"
    _inherit = ["mail.thread", "support.terms.override.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    _monthly_price_positive = models.Constraint(
        "CHECK(monthly_price >= 0 AND extra_user_price >= 0)",
        "The prices of a support plan cannot be negative.",
    )
    _users_included_positive = models.Constraint(
        "CHECK(users_included >= 0)",
        "The number of users included cannot be negative.",
    )

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        index=True,
        help="Leave empty to offer the plan in every company.",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        string="Currency",
        required=True,
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        readonly=False,
        help="Currency of the plan's prices: its company's; for a plan of "
        "every company, the main company's. A subscription of a company of "
        "another currency is invoiced these prices converted at the "
        "invoice's date.",
    )
    monthly_price = fields.Monetary(
        currency_field="currency_id",
        required=True,
        tracking=True,
        help="Price of a month, the included users and unlimited tickets.",
    )
    users_included = fields.Integer(string="Users Included", required=True, default=1)
    extra_user_price = fields.Monetary(
        string="Price per Extra User",
        currency_field="currency_id",
        required=True,
        tracking=True,
        help="Monthly price of each authorised user beyond the included ones.",
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Subscription Product",
        required=True,
        domain="[('type', '=', 'service')]",
        check_company=True,
        help="Product of the invoice line of the plan's monthly price.",
    )
    extra_user_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Extra User Product",
        required=True,
        domain="[('type', '=', 'service')]",
        check_company=True,
        help="Product of the invoice line of the extra users.",
    )
    support_hourly_rate = fields.Monetary(
        string="Support Hourly Rate",
        currency_field="currency_id",
        tracking=True,
        help="Hourly rate of the time billed to this plan's subscribers "
        "(beyond what the plan covers), unless the customer has its own. "
        "Leave empty for the customer's pricelist.",
    )
    subscription_ids = fields.One2many(
        comodel_name="support.subscription",
        inverse_name="plan_id",
        string="Subscriptions",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._support_check_terms_vals(vals, PLAN_TERMS_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        self._support_check_terms_vals(vals, PLAN_TERMS_FIELDS)
        return super().write(vals)

    @api.depends("company_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = (
                plan.company_id.currency_id
                or plan.currency_id
                or self.env.ref("base.main_company", raise_if_not_found=False)
                or self.env.company
            ).currency_id

    def _get_prices_in(self, company, date):
        """``(monthly price, extra user price)`` in ``company``'s currency:
        the plan's prices converted from its currency at ``date``."""
        self.ensure_one()
        convert = self.currency_id._convert
        return tuple(
            convert(price, company.currency_id, company, date)
            for price in (self.monthly_price, self.extra_user_price)
        )
