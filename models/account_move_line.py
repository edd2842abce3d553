# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = "account.move.line"

    support_ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Support Ticket",
        index="btree_not_null",
        copy=False,
    )
    support_time_entry_ids = fields.One2many(
        comodel_name="support.time.entry",
        inverse_name="invoice_line_id",
        string="Support Time Entries",
    )
    support_minutes_worked = fields.Integer(string="Minutes Worked", copy=False)
    support_minutes_billed = fields.Integer(string="Minutes Billed", copy=False)
    support_minutes_free = fields.Integer(string="Free Minutes", copy=False)
    support_trial_minutes = fields.Integer(
        string="Trial Minutes Used",
        copy=False,
        help="Minutes worked that this line took from the customer's free trial.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_release_support_time(self):
        """A deleted draft line gives its time entries back to invoicing."""
        self.support_time_entry_ids.sudo().write({"invoice_line_id": False})
