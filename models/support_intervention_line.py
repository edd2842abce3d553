# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .. import const


class SupportInterventionLine(models.Model):
    _name = "support.intervention.line"
    _description = "Intervention Estimate Line"
    _order = "intervention_id, sequence, id"
    _check_company_auto = True

    _quantity_positive = models.Constraint(
        "CHECK(quantity > 0)",
        "The quantity of an estimate line must be greater than zero.",
    )
    _price_positive = models.Constraint(
        "CHECK(price_unit >= 0)",
        "The price of an estimate line cannot be negative.",
    )

    intervention_id = fields.Many2one(
        comodel_name="support.intervention",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="intervention_id.company_id", store=True)
    currency_id = fields.Many2one(related="intervention_id.currency_id")
    sequence = fields.Integer(default=10)
    line_type = fields.Selection(
        selection=const.ESTIMATE_LINE_TYPES,
        string="Type",
        required=True,
        default="part",
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        check_company=True,
        domain="[('sale_ok', '=', True)]",
    )
    name = fields.Char(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        required=True,
    )
    quantity = fields.Float(default=1.0, digits="Product Unit", required=True)
    price_unit = fields.Monetary(
        string="Unit Price",
        currency_field="currency_id",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
    )
    price_subtotal = fields.Monetary(
        string="Subtotal",
        currency_field="currency_id",
        compute="_compute_price_subtotal",
        store=True,
    )

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id:
                line.name = line.product_id.get_product_multiline_description_sale()
            elif not line.name:
                line.name = False

    @api.depends("product_id")
    def _compute_price_unit(self):
        for line in self:
            if line.product_id:
                line.price_unit = line.product_id.lst_price

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.currency_id.round(
                line.quantity * line.price_unit
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.intervention_id._check_estimate_editable()
        return lines

    def write(self, vals):
        self.intervention_id._check_estimate_editable()
        if vals.get("intervention_id"):
            # nor is a line moved into an answered estimate
            self.env["support.intervention"].browse(
                vals["intervention_id"]
            )._check_estimate_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_presented(self):
        self.intervention_id._check_estimate_editable()
