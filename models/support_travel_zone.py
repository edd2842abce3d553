# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportTravelZone(models.Model):
    _name = "support.travel.zone"
    _description = "Intervention Travel Zone"
    _order = "company_id, max_distance"
    _check_company_auto = True

    _max_distance_positive = models.Constraint(
        "CHECK(max_distance > 0)",
        "A travel zone's maximum distance must be greater than zero.",
    )
    _fee_positive = models.Constraint(
        "CHECK(fee >= 0)",
        "A travel zone's fee cannot be negative.",
    )

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    max_distance = fields.Float(
        string="Up to (km)",
        required=True,
        help="The zone covers requests up to this distance from the company.",
    )
    fee = fields.Monetary(
        string="Travel Fee", currency_field="currency_id", required=True
    )
