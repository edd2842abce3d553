# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import rules
from .support_invoicing_mixin import check_money_links

#: What the support invoicing writes on a line (the time it bills).
MONEY_FIELDS = {
    "support_ticket_id",
    "support_time_entry_ids",
    "support_minutes_worked",
    "support_minutes_billed",
    "support_minutes_free",
    "support_minutes_prepaid",
    "support_trial_minutes",
    "support_origin_line_id",
}
#: What a credit note (or a 'reverse and create new' invoice) copies.
COPIED_FIELDS = MONEY_FIELDS - {"support_time_entry_ids", "support_origin_line_id"}


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
    support_minutes_prepaid = fields.Integer(
        string="Prepaid Minutes",
        copy=False,
        help="Billed minutes of the ticket paid with prepaid credits, deducted "
        "on this line.",
    )
    support_minutes_charged = fields.Integer(
        string="Minutes Charged",
        compute="_compute_support_minutes_charged",
        help="Minutes this line charges: billed less the free ones.",
    )
    support_trial_minutes = fields.Integer(
        string="Trial Minutes Used",
        copy=False,
        help="Minutes worked that this line took from the customer's free trial.",
    )

    support_minutes_released = fields.Integer(
        string="Minutes Released",
        copy=False,
        readonly=True,
        help="Minutes of time this line gave back to review when it was "
        "credited in full or cancelled: the time it takes back when it bills "
        "again (reset to draft, its credit note undone).",
    )
    support_origin_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Support Line Reversed",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The support invoice line this line was copied from: the line a "
        "credit note reverses, or the line a 'reverse and create new' "
        "invoice bills again.",
    )

    @api.depends(
        "support_minutes_worked",
        "support_minutes_billed",
        "support_minutes_free",
        "support_minutes_prepaid",
    )
    def _compute_support_minutes_charged(self):
        for line in self:
            line.support_minutes_charged = line._get_support_minute_figures().charged

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if not self._support_is_copy_of_origin(vals):
                    check_money_links(self, vals, MONEY_FIELDS, create=True)
        lines = super().create(vals_list)
        lines.filtered("support_origin_line_id")._support_take_over_time()
        return lines

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        return super().write(vals)

    @api.model
    def _support_is_copy_of_origin(self, vals):
        """True when ``vals`` copy the support figures of the line they name
        as origin, unchanged (a credit note, a 'reverse and create new'
        invoice: ``_copy_data_extend_business_fields``)."""
        origin_id = vals.get("support_origin_line_id")
        if not origin_id or "support_time_entry_ids" in vals:
            return False
        origin = self.sudo().browse(origin_id).exists()
        if not origin:
            return False
        return all(
            self._fields[fname].convert_to_cache(vals.get(fname), self)
            == self._fields[fname].convert_to_cache(origin[fname], origin)
            for fname in COPIED_FIELDS
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_release_support_time(self):
        """A deleted draft line gives its time back: to invoice, or to review
        when the line re-billed credited time."""
        for line in self.filtered("support_time_entry_ids"):
            line.support_time_entry_ids.sudo().write(
                {
                    "invoice_line_id": False,
                    "support_released_line_id": line.support_origin_line_id.id,
                }
            )

    def _copy_data_extend_business_fields(self, values):
        """Credit notes and 'reverse and create new' invoices keep the
        ticket, the minutes and the line they come from."""
        res = super()._copy_data_extend_business_fields(values)
        if self.product_id.support_is_pack:
            # the pack the line sold follows a 'reverse and create new' invoice
            values["support_origin_line_id"] = self.id
        if self.support_ticket_id:
            values.update(
                {
                    "support_ticket_id": self.support_ticket_id.id,
                    "support_minutes_worked": self.support_minutes_worked,
                    "support_minutes_billed": self.support_minutes_billed,
                    "support_minutes_free": self.support_minutes_free,
                    "support_minutes_prepaid": self.support_minutes_prepaid,
                    "support_trial_minutes": self.support_trial_minutes,
                    "support_origin_line_id": self.id,
                }
            )
        return res

    def _get_support_minute_figures(self):
        """The line's minutes as ``rules.MinuteFigures``: the line bills
        ``support_minutes_billed`` after the prepaid minutes were deducted,
        and gives ``support_minutes_free`` of trial on them."""
        self.ensure_one()
        return rules.minute_figures(
            self.support_minutes_worked,
            self.support_minutes_billed + self.support_minutes_prepaid,
            trial=self.support_minutes_free,
            prepaid=self.support_minutes_prepaid,
        )

    def _support_release_time(self):
        """The time of these fully credited or cancelled lines is to review."""
        partners = self.support_time_entry_ids.partner_id
        for line in self.filtered("support_time_entry_ids"):
            entries = line.support_time_entry_ids.sudo()
            minutes = sum(entries.mapped("minutes"))
            entries.write(
                {"invoice_line_id": False, "support_released_line_id": line.id}
            )
            line.sudo().support_minutes_released = minutes
        partners.sudo()._support_store_trial_used()

    def _support_take_back_time(self):
        """These lines bill again the time they released (their invoice reset
        to draft or posted again, their credit note reset to draft or
        cancelled): the time is invoiced on them again and their trial
        minutes count again.

        Refused (``UserError``) when an accountant has billed the time again
        or set it aside since, or when the trial minutes the lines gave back
        were given on another invoice: the time and the trial are billed
        once.  Returns the lines that took time back.
        """
        lines = self.filtered("support_minutes_released")
        if not lines:
            return lines
        entries = (
            self.env["support.time.entry"]
            .sudo()
            .search([("support_released_line_id", "in", lines.ids)])
        )
        by_line = entries.grouped("support_released_line_id")
        empty = entries.browse()
        for line in lines:
            found = by_line.get(line, empty)
            if sum(found.mapped("minutes")) < line.support_minutes_released:
                raise UserError(
                    self.env._(
                        "%(invoice)s cannot bill the support time of %(ticket)s "
                        "again: since it was credited or cancelled, an "
                        "accountant billed it again or set it aside. Keep the "
                        "credit note or the cancellation.",
                        invoice=line.move_id.display_name,
                        ticket=line.support_ticket_id.display_name,
                    )
                )
        partners = entries.partner_id.commercial_partner_id.sudo()
        used_before = partners._support_get_trial_used_by_partner()
        for line in lines:
            by_line.get(line, empty).write(
                {"invoice_line_id": line.id, "support_released_line_id": False}
            )
        lines.sudo().write({"support_minutes_released": 0})
        used = partners._support_get_trial_used_by_partner()
        for partner in partners:
            now = used.get(partner, 0)
            cap = lines.company_id[:1]._support_trial_cap()
            if now > cap and now > used_before.get(partner, 0):
                raise UserError(
                    self.env._(
                        "%(invoices)s cannot bill the support time of "
                        "%(customer)s again: the free trial minutes it gave back "
                        "were given on another invoice since, and the trial is "
                        "given once. Keep the credit note or the cancellation.",
                        invoices=", ".join(lines.move_id.mapped("display_name")),
                        customer=partner.display_name,
                    )
                )
        partners._support_store_trial_used()
        return lines

    def _support_take_over_time(self):
        """A customer invoice line copied from a credited line ('reverse and
        create new') bills that line's time: the time is linked to it again
        instead of waiting for review (never billed twice)."""
        entries = self.env["support.time.entry"].sudo()
        for line in self:
            if line.move_id.move_type != "out_invoice":
                continue
            origin = line.support_origin_line_id
            if origin.move_id.move_type == "out_refund":
                # an invoice reversing a credit note bills the credited line
                origin = origin.support_origin_line_id
            if not origin:
                continue
            released = entries.search([("support_released_line_id", "=", origin.id)])
            if released:
                released.write(
                    {"invoice_line_id": line.id, "support_released_line_id": False}
                )
                released.partner_id._support_store_trial_used()
