# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import rules


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = "account.move"

    support_time_entry_ids = fields.One2many(
        comodel_name="support.time.entry",
        inverse_name="invoice_id",
        string="Support Time Entries",
    )
    support_subscription_id = fields.Many2one(
        comodel_name="support.subscription",
        string="Support Subscription",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )

    def _invoice_paid_hook(self):
        """A paid invoice delivers what it sold: prepaid ticket packs, and
        the activation of a subscription whose first invoice it is."""
        res = super()._invoice_paid_hook()
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        lines = invoices.invoice_line_ids.filtered("product_id.support_is_pack")
        if lines:
            self.env["support.ticket.pack"].sudo()._create_from_invoice_lines(lines)
        self._support_activate_subscriptions()
        return res

    @api.constrains("state")
    def _check_support_pack_quantity(self):
        """A posted invoice sells whole packs only: 1, 2, 3 ... never 0, 0.5
        or a negative quantity (a credit note may refund any part)."""
        for line in self.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        ).invoice_line_ids.filtered("product_id.support_is_pack"):
            if rules.packs_in_quantity(line.quantity) is None:
                raise ValidationError(
                    self.env._(
                        "Invoice line %(product)s sells prepaid tickets: its "
                        "quantity must be a whole number of packs (1, 2, 3...), "
                        "not %(quantity)s.",
                        product=line.product_id.display_name,
                        quantity=line.quantity,
                    )
                )

    def write(self, vals):
        """A posted credit note or a cancelled invoice takes back the unused
        tickets of the packs the invoice sold."""
        res = super().write(vals)
        if vals.get("state") in ("posted", "cancel"):
            self._support_packs_follow_invoice()
        return res

    def _support_packs_follow_invoice(self):
        invoices = (
            self.filtered(
                lambda m: m.move_type == "out_invoice" and m.state == "cancel"
            )
            | self.filtered(
                lambda m: m.move_type == "out_refund" and m.state == "posted"
            ).reversed_entry_id
        )
        if invoices:
            packs = self.env["support.ticket.pack"].sudo()
            packs.search([("invoice_id", "in", invoices.ids)])._follow_invoice()

    @api.model
    def _support_create_pack_invoice(self, partner, product):
        """Posted invoice of one ticket pack for ``partner``, ready to pay."""
        invoice = self.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": self.env.company.id,
                "invoice_line_ids": [
                    fields.Command.create({"product_id": product.id, "quantity": 1})
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        refunded = posted.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        ).reversed_entry_id
        refunded._support_release_time(
            self.env._("Credit note posted: its support time can be invoiced again.")
        )
        return posted

    def button_cancel(self):
        res = super().button_cancel()
        self._support_release_time(
            self.env._("Invoice cancelled: its support time can be invoiced again.")
        )
        return res

    def _support_release_time(self, message):
        """Unlink the time entries of these invoices so they can be billed again."""
        for move in self:
            entries = move.line_ids.support_time_entry_ids
            if entries:
                entries.sudo().write({"invoice_line_id": False})
                move.message_post(body=message)

    def _support_activate_subscriptions(self):
        """Activate the subscriptions whose first invoice these moves are."""
        subs = self.sudo().support_subscription_id.filtered(
            lambda s: s.state == "waiting" and s.first_invoice_id in self
        )
        subs._activate_if_paid()

    def _support_is_fully_paid(self):
        """Whether this invoice is paid in full: reconciled payments, or done
        online transactions not turned into payments yet that cover what is
        still due (a transaction that pays other invoices too waits for its
        payment)."""
        self.ensure_one()
        if self.payment_state in ("paid", "in_payment"):
            return True
        if self.state != "posted":
            return False
        transactions = self.sudo().transaction_ids.filtered(
            lambda t: t.state == "done" and t.operation != "refund" and not t.payment_id
        )
        if (
            not transactions
            or transactions.invoice_ids != self
            or transactions.currency_id != self.currency_id
        ):
            return False
        paid = sum(transactions.mapped("amount"))
        return self.currency_id.compare_amounts(paid, self.amount_residual) >= 0
