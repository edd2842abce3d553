# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import const, rules


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = "product.template"

    support_is_product = fields.Boolean(
        string="Support Product",
        help="Sold by the IT Support app (support time, subscriptions, "
        "intervention fees): listed under IT Support > Configuration > "
        "Support Products.",
    )
    support_is_pack = fields.Boolean(
        string="Prepaid Credit Pack",
        help="Selling this service gives the customer prepaid support credits "
        "once the invoice is paid (one credit per started block of the minutes "
        "per credit of the commercial terms).",
    )
    support_pack_ticket_count = fields.Integer(string="Credits in Pack", default=10)
    support_pack_validity_months = fields.Integer(
        string="Validity (months)",
        default=12,
        help="The credits can be used this many months after the purchase "
        "(at least 6).",
    )
    support_pack_scope = fields.Selection(
        selection=const.PACK_SCOPES,
        string="Pack Scope",
        default=const.PACK_SCOPE_SINGLE,
        help="Single user: only the buyer may use the credits. Multi-user: every "
        "authorised contact of the customer shares them (20 credits or more).",
    )

    @api.constrains(
        "support_is_pack",
        "support_pack_ticket_count",
        "support_pack_validity_months",
        "support_pack_scope",
    )
    def _check_support_pack(self):
        for product in self.filtered("support_is_pack"):
            terms = (product.company_id or self.env.company)._support_terms()
            error = rules.check_pack_definition(
                product.support_pack_ticket_count,
                product.support_pack_validity_months,
                product.support_pack_scope == const.PACK_SCOPE_MULTI,
                terms,
            )
            if error == "tickets":
                raise ValidationError(
                    self.env._(
                        "The pack %(product)s must hold at least one credit.",
                        product=product.display_name,
                    )
                )
            if error == "validity":
                raise ValidationError(
                    self.env._(
                        "The pack %(product)s must be valid at least %(months)s "
                        "months; %(validity)s months is not accepted.",
                        product=product.display_name,
                        months=terms.pack_validity_months,
                        validity=product.support_pack_validity_months,
                    )
                )
            if error == "multi_user":
                raise ValidationError(
                    self.env._(
                        "A multi-user pack holds at least %(minimum)s credits; "
                        "%(product)s has %(tickets)s.",
                        minimum=rules.MINIMUM_MULTI_USER_TICKETS,
                        product=product.display_name,
                        tickets=product.support_pack_ticket_count,
                    )
                )
            if product.type != "service":
                raise ValidationError(
                    self.env._(
                        "The pack %(product)s must be a service.",
                        product=product.display_name,
                    )
                )
