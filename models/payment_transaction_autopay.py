# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .support_invoicing_mixin import check_money_links

#: The consent to a subscription's monthly charge: the portal's (sudo) only.
CONSENT_FIELDS = {"support_autopay_subscription_id", "support_autopay_consent"}


class PaymentTransaction(models.Model):
    _name = "payment.transaction"
    _inherit = "payment.transaction"

    support_autopay_subscription_id = fields.Many2one(
        comodel_name="support.subscription",
        string="Card Saved For",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The subscription whose card this payment saves (the customer "
        "agreed to its monthly charge).",
    )
    support_autopay_consent = fields.Text(
        string="Card Consent",
        readonly=True,
        copy=False,
        help="The consent the customer gave, as shown to her, when she asked "
        "to save the card.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, CONSENT_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, CONSENT_FIELDS)
        return super().write(vals)

    def _process(self, provider_code, payment_data):
        tx = super()._process(provider_code, payment_data)
        tx._support_save_autopay_card()
        if tx.state == "done" and tx.operation != "refund":
            # paid online: a suspended subscription resumes at once
            tx.sudo().invoice_ids._support_resume_subscriptions()
        return tx

    def _post_process(self):
        res = super()._post_process()
        self._support_save_autopay_card()
        return res

    def _support_save_autopay_card(self):
        """A successful payment (or card validation) that saved a card with
        the customer's consent: the card pays the subscription from now on.
        Idempotent: the payment's post-processing calls it again."""
        for tx in self.sudo().filtered(
            lambda t: (
                t.state == "done"
                and t.token_id
                and t.support_autopay_subscription_id
                and t.support_autopay_consent
            )
        ):
            sub = tx.support_autopay_subscription_id
            if sub.payment_token_id == tx.token_id or sub.state not in (
                "waiting",
                "active",
            ):
                continue
            sub._support_save_card(
                tx.token_id, tx.support_autopay_consent, tx.partner_id
            )

    def _tokenize(self, payment_data):
        """Stripe: keep the card's brand and expiry on the token Odoo has
        just created (for the subscription page and the expiry reminder).
        Written after Odoo's own token creation: ``_extract_token_values``
        keeps returning exactly Odoo's values."""
        token = self.token_id
        res = super()._tokenize(payment_data)
        if self.token_id and self.token_id != token:
            values = self._support_card_values(payment_data)
            if values:
                self.token_id.sudo().write(values)
        return res

    def _support_card_values(self, payment_data):
        """The card's brand and expiry in Stripe's PaymentMethod, as values
        of the token (empty for other providers or without a card)."""
        if self.provider_code != "stripe":
            return {}
        payment_method = payment_data.get("payment_method") or {}
        card = (
            payment_method.get("card") if isinstance(payment_method, dict) else None
        ) or {}
        if not card:
            return {}
        return {
            "support_card_brand": card.get("brand") or False,
            "support_card_exp_month": card.get("exp_month") or 0,
            "support_card_exp_year": card.get("exp_year") or 0,
        }
