# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .. import const


class SupportInterventionSignWizard(models.TransientModel):
    _name = "support.intervention.sign.wizard"
    _description = "Sign an Intervention on the Technician's Device"

    intervention_id = fields.Many2one(
        comodel_name="support.intervention", required=True, ondelete="cascade"
    )
    mode = fields.Selection(
        selection=[("policy", "Policy confirmation"), ("estimate", "Estimate")],
        required=True,
        default="policy",
    )
    decision = fields.Selection(
        selection=[("accept", "Accept the estimate"), ("refuse", "Refuse it")],
        default="accept",
    )
    repair_place = fields.Selection(
        selection=const.INTERVENTION_REPAIR_PLACES,
        string="Repair",
        default="on_site",
    )
    estimate_amount = fields.Monetary(
        related="intervention_id.estimate_amount", currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="intervention_id.currency_id")
    # what the customer signs for, not just its total
    estimate_line_ids = fields.One2many(
        related="intervention_id.estimate_line_ids", string="Estimate Lines"
    )
    travel_fee = fields.Monetary(
        related="intervention_id.travel_fee", currency_field="currency_id"
    )
    diagnostic_minutes = fields.Integer(related="intervention_id.diagnostic_minutes")
    diagnostic_amount = fields.Monetary(
        related="intervention_id.diagnostic_amount", currency_field="currency_id"
    )
    compensation_rate = fields.Float(related="intervention_id.compensation_rate")
    compensation_amount = fields.Monetary(
        related="intervention_id.compensation_amount", currency_field="currency_id"
    )
    signed_by = fields.Char(string="Name of the Signer")
    signature = fields.Binary()

    def action_confirm(self):
        self.ensure_one()
        intervention = self.intervention_id
        if self.mode == "policy":
            intervention._sign_policy(self.signed_by, self.signature)
        elif self.decision == "refuse":
            intervention._refuse_estimate(self.signed_by, self.signature)
        else:
            intervention._accept_estimate(
                self.signed_by, self.signature, self.repair_place
            )
        return {"type": "ir.actions.act_window_close"}
