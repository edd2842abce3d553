# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Automatic top-up of prepaid credits (issue 25): when the customer's
credits fall to her threshold, one pack is invoiced and charged to the card
that pays her subscription (the charging engine's ``_support_autopay_charge``,
run by its cron once the invoice is posted)."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = "res.partner"

    support_topup_threshold = fields.Integer(
        string="Top Up At (credits)",
        default=0,
        help="When the customer's prepaid credits fall to this number, a new "
        "pack is invoiced and charged to the card of her subscription. 0: no "
        "automatic top-up.",
    )
    support_topup_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Top-up Pack",
        domain="[('support_is_pack', '=', True)]",
        help="The pack bought by an automatic top-up.",
    )

    @api.constrains("support_topup_threshold")
    def _check_support_topup_threshold(self):
        for partner in self:
            if partner.support_topup_threshold < 0:
                raise UserError(
                    self.env._(
                        "The top-up threshold is a number of credits, 0 or more."
                    )
                )

    def _support_topup_subscription(self, company):
        """The subscription whose saved card pays the top-ups."""
        self.ensure_one()
        return (
            self.env["support.subscription"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "active"),
                    ("payment_token_id", "!=", False),
                ],
                limit=1,
            )
        )

    def _support_set_topup(self, threshold, product, company):
        """The customer's choice on her balance page (0: stop)."""
        partner = self.commercial_partner_id.sudo()
        if threshold and not partner._support_topup_subscription(company):
            raise UserError(
                self.env._(
                    "Automatic top-up charges the card that pays your "
                    "subscription: save a card on your subscription page first."
                )
            )
        if threshold and not (product and product.support_is_pack):
            raise UserError(self.env._("Choose the pack to buy."))
        partner.write(
            {
                "support_topup_threshold": threshold,
                "support_topup_product_id": product.id if threshold else False,
            }
        )

    def _support_topup_pending(self, company):
        """A top-up invoice not settled yet (unpaid, or paid and its pack
        not created yet): no second one."""
        return (
            self.env["account.move"]
            .sudo()
            .search_count(
                Domain("partner_id", "=", self.commercial_partner_id.id)
                & Domain("company_id", "=", company.id)
                & Domain("support_topup", "=", True)
                & Domain("state", "in", ("draft", "posted"))
                & Domain("payment_state", "in", ("not_paid", "partial")),
                limit=1,
            )
        )

    def _support_topup_if_low(self, company):
        """Credits at or below the threshold: invoice one pack, once.  Runs
        after a consumption, whose packs are locked (two consumptions of the
        last credits serialise: the second sees this one's invoice)."""
        partner = self.commercial_partner_id.sudo()
        threshold = partner.support_topup_threshold
        product = partner.support_topup_product_id
        if not threshold or not product:
            return self.env["account.move"]
        partner.invalidate_recordset(["support_pack_remaining"])
        remaining = partner.with_context(
            allowed_company_ids=company.ids
        ).support_pack_remaining
        if remaining > threshold or partner._support_topup_pending(company):
            return self.env["account.move"]
        sub = partner._support_topup_subscription(company)
        if not sub:
            return self.env["account.move"]
        moves = self.env["account.move"].sudo().with_company(company)
        vals = moves._support_prepare_pack_invoice_vals(partner, product)
        vals.update(
            {
                "company_id": company.id,
                "support_topup": True,
                # the engine charges the card the invoice names (a top-up is
                # not an invoice of the subscription)
                "support_topup_token_id": sub.payment_token_id.id,
            }
        )
        invoice = moves.create(vals)
        invoice.action_post()  # marked to charge; the engine's cron charges it
        invoice.message_post(
            body=self.env._(
                "Automatic top-up: %(remaining)s prepaid credits left (threshold "
                "%(threshold)s); one %(pack)s invoiced and charged to the card of "
                "subscription %(subscription)s.",
                remaining=remaining,
                threshold=threshold,
                pack=product.display_name,
                subscription=sub.name,
            )
        )
        return invoice
