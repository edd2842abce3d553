# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .. import const
from .support_invoicing_mixin import check_money_links

#: A ledger line is written by the pack's own code only (sales, consumption,
#: credit notes, expiry): every field but the note.
MONEY_FIELDS = {
    "pack_id",
    "ticket_id",
    "related_pack_id",
    "date",
    "reason",
    "tickets",
    "expired_tickets",
    "account_move_id",
}


class SupportTicketPackMove(models.Model):
    """One line of the prepaid credits ledger: a balance is a sum of moves.

    ``tickets`` is the signed change of the pack's usable balance;
    ``expired_tickets`` the signed change of its expired, unused credits (an
    expiry moves tickets from the first to the second, a rollover takes them
    from the second into a new pack).
    """

    _name = "support.ticket.pack.move"
    _description = "Prepaid Credit Ledger Line"
    _order = "date desc, id desc"

    pack_id = fields.Many2one(
        comodel_name="support.ticket.pack",
        string="Pack",
        required=True,
        index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="pack_id.partner_id",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="pack_id.company_id",
        store=True,
        index=True,
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Ticket",
        index="btree_not_null",
        ondelete="set null",
    )
    related_pack_id = fields.Many2one(
        comodel_name="support.ticket.pack",
        string="Rollover Pack",
        help="The other pack of a rollover.",
        ondelete="set null",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    reason = fields.Selection(
        selection=const.PACK_MOVE_REASONS, required=True, index=True
    )
    tickets = fields.Integer(
        help="Credits added to (positive) or taken from (negative) the balance."
    )
    expired_tickets = fields.Integer(
        help="Expired, unused credits added (expiry) or carried over (rollover)."
    )
    account_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Credit Note or Invoice",
        help="The credit note, or the cancelled invoice, that took credits back.",
        index="btree_not_null",
        ondelete="restrict",
    )
    note = fields.Char()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        return super().write(vals)

    @api.depends("pack_id", "reason", "tickets")
    def _compute_display_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for move in self:
            move.display_name = self.env._(
                "%(pack)s: %(reason)s %(tickets)s",
                pack=move.pack_id.name or "",
                reason=reasons.get(move.reason, ""),
                tickets=move.tickets,
            )
