# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The proof of a visitor's address (issue 23): one link e-mailed per
request proves that request only."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .. import const


class SupportAddressProofMixin(models.AbstractModel):
    """A request sent from a public form (a ticket, an intervention) and
    whether the link e-mailed to the typed address proved it.  The model
    has ``partner_id`` and ``support_claimed_partner_id`` (the customer its
    visitor claims to be)."""

    _name = "support.address.proof.mixin"
    _description = "Support Request Address Proof"

    support_address_proven_date = fields.Datetime(
        string="Address Proven On",
        readonly=True,
        copy=False,
        help="When the sender confirmed this request by the link e-mailed to "
        "the address they typed; set by that link only.",
    )
    support_address_proof = fields.Selection(
        selection=const.ADDRESS_PROOF_STATES,
        string="Address Proof",
        compute="_compute_support_address_proof",
        help="Proven: the sender confirmed this request by the link e-mailed "
        "to the address. Not proven: sent by a visitor who typed a customer's "
        "address; it stays apart from the customer until proven or confirmed "
        "by staff.",
    )

    @api.depends("support_address_proven_date", "partner_id.support_claimed_partner_id")
    def _compute_support_address_proof(self):
        for request in self:
            if request.support_address_proven_date:
                request.support_address_proof = "proven"
            elif request.partner_id.support_claimed_partner_id:
                request.support_address_proof = "pending"
            else:
                request.support_address_proof = False

    def write(self, vals):
        if "support_address_proven_date" in vals and not self.env.su:
            raise AccessError(
                self.env._("Only the link e-mailed to the sender proves an address.")
            )
        return super().write(vals)
