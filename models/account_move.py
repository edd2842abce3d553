# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


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
