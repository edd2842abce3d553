# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24, item 4: a customer contests a charge from the portal; the ticket
names the contested invoice."""

from odoo import api, fields, models

from .support_invoicing_mixin import check_money_links

#: Set by the portal's "Contest this charge" only (as superuser).
CONTEST_FIELDS = {"support_invoice_id"}


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = "helpdesk.ticket"

    support_invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Contested Invoice",
        index="btree_not_null",
        copy=False,
        readonly=True,
        tracking=True,
        help="The invoice whose charge the customer contests from the portal.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, CONTEST_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, CONTEST_FIELDS)
        return super().write(vals)

    def _support_is_open_contest(self):
        """Contests still being reviewed (their stage does not close them)."""
        return self.filtered(lambda t: not t.stage_id.closed)
