# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from .. import const


class SupportInvoiceWizard(models.TransientModel):
    _name = "support.invoice.wizard"
    _description = "Invoice Support Time"

    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Customers",
        help="Leave empty to invoice every customer.",
    )
    ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Tickets",
        help="Leave empty to invoice every ticket of the customers.",
    )
    entry_ids = fields.Many2many(
        comodel_name="support.time.entry",
        string="Selected Time",
        help="The time selected in Time to Invoice: only it is invoiced.",
    )
    include_open = fields.Boolean(
        string="Include Open Tickets",
        default=lambda self: self._default_include_open(),
        help="Also invoice the time of tickets that are not closed yet.",
    )
    entry_count = fields.Integer(
        string="Entries to Invoice",
        compute="_compute_entry_count",
        help="Time entries this run invoices: billable time of tickets paid by "
        "time billing.",
    )
    amount_summary = fields.Char(
        string="Amount to Invoice",
        compute="_compute_entry_count",
        help="What the invoices will bill, taxes excluded: the sum of the "
        "amounts shown in Time to Invoice.",
    )
    excluded_summary = fields.Text(
        string="Not Invoiced Here",
        compute="_compute_entry_count",
        help="Time of the selection that this run leaves alone, and why.",
    )

    @api.model
    def _default_include_open(self):
        # time picked row by row is invoiced as picked, open tickets included
        if self.env.context.get("default_entry_ids"):
            return True
        return self.env.company.support_invoice_open_tickets

    @api.depends("partner_ids", "ticket_ids", "entry_ids", "include_open")
    def _compute_entry_count(self):
        labels = dict(
            self.env["helpdesk.ticket"]
            ._fields["support_billing_mode"]
            ._description_selection(self.env)
        )
        for wizard in self:
            entries = self.env["support.time.entry"].search(
                wizard._get_entries_domain()
            )
            modes = {t: t._get_support_billing_mode() for t in entries.ticket_id}
            counts, amounts = {}, {}
            for entry in entries:
                mode = modes[entry.ticket_id]
                counts[mode] = counts.get(mode, 0) + 1
                if mode == const.BILLING_MODE_TIME:
                    amounts[entry.currency_id] = (
                        amounts.get(entry.currency_id, 0.0) + entry.support_amount
                    )
            wizard.entry_count = counts.pop(const.BILLING_MODE_TIME, 0)
            wizard.amount_summary = (
                " + ".join(
                    currency.format(amount) for currency, amount in amounts.items()
                )
                or False
            )
            wizard.excluded_summary = (
                "\n".join(
                    (
                        self.env._(
                            "1 entry: %(mode)s (not invoiced by this run)",
                            mode=labels.get(mode, mode),
                        )
                        if count == 1
                        else self.env._(
                            "%(count)s entries: %(mode)s (not invoiced by this run)",
                            count=count,
                            mode=labels.get(mode, mode),
                        )
                    )
                    for mode, count in sorted(counts.items())
                )
                or False
            )

    @api.model
    def _action_open(self, partner_ids=None, ticket_ids=None, entry_ids=None):
        self.env["support.time.entry"]._check_accountant()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Invoice Support Time"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_ids": partner_ids or [],
                "default_ticket_ids": ticket_ids or [],
                "default_entry_ids": entry_ids or [],
            },
        }

    def _get_entries_domain(self):
        self.ensure_one()
        entries = self.env["support.time.entry"]
        domain = entries._get_invoiceable_domain(include_open=self.include_open)
        if self.partner_ids:
            domain &= Domain(
                "partner_id", "in", self.partner_ids.commercial_partner_id.ids
            )
        if self.ticket_ids:
            domain &= Domain("ticket_id", "in", self.ticket_ids.ids)
        if self.entry_ids:
            domain &= Domain("id", "in", self.entry_ids.ids)
        return domain

    def action_create_invoices(self):
        self.ensure_one()
        entries = self.env["support.time.entry"]
        entries._check_accountant()
        invoices = entries.search(self._get_entries_domain())._create_support_invoices()
        if not invoices:
            raise UserError(
                self.env._(
                    "There is no support time to invoice for this selection "
                    "(only billable time of closed tickets paid by time billing, "
                    "unless open tickets are included)."
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        if len(invoices) == 1:
            action.update(
                {"views": [(False, "form")], "view_mode": "form", "res_id": invoices.id}
            )
        return action
