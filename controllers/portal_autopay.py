# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The card that pays a subscription (issue 25), on the customer's side:
saved with her consent when she pays an invoice of the subscription,
replaced or stopped on "My subscription"."""

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers import payment as account_payment
from odoo.addons.account_payment.controllers import portal as account_portal
from odoo.addons.payment import utils as payment_utils

from .portal import SupportPortal


def _autopay_subscription_of(invoice_sudo, partner):
    """The subscription an online payment of ``invoice_sudo`` by
    ``partner`` may save a card for: an invoice of the customer's open
    subscription, paid by one of the customer's people."""
    sub = invoice_sudo.support_subscription_id
    if (
        sub
        and sub.state in ("waiting", "active")
        and invoice_sudo.move_type == "out_invoice"
        and partner.commercial_partner_id == sub.partner_id
    ):
        return sub
    return sub.browse()


class SupportAutopayInvoicePortal(account_portal.PortalAccount):
    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        """The checkbox "Save my payment details" of a subscription's
        invoice states the monthly charge the customer agrees to."""
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        user = request.env.user
        if not user._is_public() and values.get("providers_sudo"):
            sub = _autopay_subscription_of(invoice.sudo(), user.partner_id)
            if sub:
                values["support_autopay_consent"] = sub._support_autopay_consent_text(
                    lang=request.env.lang
                )
                # a card she saved before (a card hold, an earlier payment)
                # may pay the subscription too, with the same consent
                tokens_sudo = (
                    values.get("tokens_sudo")
                    or request.env["payment.token"].sudo().browse()
                )
                values["support_autopay_tokens"] = tokens_sudo.filtered(
                    sub._support_autopay_token_usable
                )
        return values


class SupportAutopayPortal(SupportPortal, account_payment.PaymentPortal):
    # -------------------------------------------- first payment saves card
    @http.route()
    def invoice_transaction(self, invoice_id, access_token, **kwargs):
        if kwargs.get("flow") == "token":
            # a card id that does not exist: refused as one of another
            # customer's is (Odoo's AccessError), never a server error
            try:
                token_id = int(kwargs.get("token_id") or 0)
            except (TypeError, ValueError):
                token_id = 0
            if not request.env["payment.token"].sudo().browse(token_id).exists():
                raise AccessError(request.env._("This saved card is not yours."))
        request.update_context(support_autopay_invoice_id=invoice_id)
        return super().invoice_transaction(invoice_id, access_token, **kwargs)

    def _create_transaction(self, *args, **kwargs):
        """A subscription invoice paid with "Save my payment details"
        ticked: the transaction records the consent shown beside the box;
        the card is the subscription's once the payment succeeds.  Paid with
        a card saved before and the consent box of that card ticked: the
        same, recorded before the card is charged."""
        consent_vals = self._support_saved_card_consent_values(kwargs)
        if consent_vals:
            kwargs["custom_create_values"] = {
                **(kwargs.get("custom_create_values") or {}),
                **consent_vals,
            }
        tx_sudo = super()._create_transaction(*args, **kwargs)
        invoice_id = request.env.context.get("support_autopay_invoice_id")
        user = request.env.user
        if invoice_id and tx_sudo.tokenize and not user._is_public():
            invoice = request.env["account.move"].sudo().browse(invoice_id)
            sub = _autopay_subscription_of(invoice, user.partner_id)
            if sub and tx_sudo.invoice_ids == invoice:
                tx_sudo.write(
                    {
                        "support_autopay_subscription_id": sub.id,
                        "support_autopay_consent": sub._support_autopay_consent_text(
                            lang=request.env.lang
                        ),
                    }
                )
        return tx_sudo

    def _support_saved_card_consent_values(self, kwargs):
        """The consent values of a subscription invoice paid with one of the
        customer's saved cards (flow ``token``) whose consent box she ticked
        (sent as ``tokenization_requested``); empty otherwise.  A card that
        is not hers gets nothing here: Odoo refuses it (AccessError)."""
        invoice_id = request.env.context.get("support_autopay_invoice_id")
        user = request.env.user
        if not (
            invoice_id
            and kwargs.get("flow") == "token"
            and kwargs.get("tokenization_requested")
            and not user._is_public()
        ):
            return {}
        invoice = request.env["account.move"].sudo().browse(invoice_id).exists()
        sub = _autopay_subscription_of(invoice, user.partner_id)
        try:
            token_id = int(kwargs.get("token_id") or 0)
        except (TypeError, ValueError):
            return {}
        token = request.env["payment.token"].sudo().browse(token_id).exists()
        if not (
            sub
            and token
            and token.partner_id.commercial_partner_id
            == user.partner_id.commercial_partner_id
            and sub._support_autopay_token_usable(token)
        ):
            return {}
        return {
            "support_autopay_subscription_id": sub.id,
            "support_autopay_consent": sub._support_autopay_consent_text(
                lang=request.env.lang
            ),
        }

    # ------------------------------------------------------- replace card
    def _support_card_subscription(self, subscription_id):
        """The customer's open subscription (404 for anybody else)."""
        try:
            sub = self._support_subscription_check(subscription_id)
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        if sub.state not in ("waiting", "active"):
            raise NotFound()
        return sub

    @http.route(
        "/my/subscription/<int:subscription_id>/card",
        type="http",
        methods=["GET"],
        auth="user",
        website=True,
    )
    def portal_subscription_card(self, subscription_id, **kw):
        """Save (or replace) the card that pays the subscription: a card
        check with the provider (no charge), the consent stated above it."""
        sub = self._support_card_subscription(subscription_id)
        partner_sudo = request.env.user.partner_id
        company = sub.company_id
        report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner_sudo.id,
                0.0,
                force_tokenization=True,
                is_validation=True,
                report=report,
            )
        )
        methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner_sudo.id,
                force_tokenization=True,
                report=report,
            )
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "subscription": sub.sudo(False),
                "page_name": "support_subscription",
                "card": sub.payment_token_id,
                "consent": sub._support_autopay_consent_text(lang=request.env.lang),
                # the payment form, as Odoo's "Payment methods" page
                "mode": "validation",
                "allow_token_selection": False,
                "allow_token_deletion": False,
                "submit_button_label": request.env._("Save this card"),
                "reference_prefix": payment_utils.singularize_reference_prefix(
                    prefix="SUBCARD"
                ),
                "partner_id": partner_sudo.id,
                "providers_sudo": providers_sudo,
                "payment_methods_sudo": methods_sudo,
                "tokens_sudo": request.env["payment.token"].sudo().browse(),
                "availability_report": report,
                "transaction_route": f"/my/subscription/{sub.id}/card/transaction",
                "landing_route": "/my/subscription",
                "access_token": payment_utils.generate_access_token(
                    partner_sudo.id, None, None
                ),
            }
        )
        values.update(self._get_extra_payment_form_values(**kw))
        return request.render("support_billing.portal_my_subscription_card", values)

    @http.route(
        "/my/subscription/<int:subscription_id>/card/transaction",
        type="jsonrpc",
        auth="user",
    )
    def portal_subscription_card_transaction(
        self, subscription_id, access_token, **kwargs
    ):
        """The card check of "Save this card": a validation transaction
        that, once done, makes its card the subscription's."""
        sub = self._support_card_subscription(subscription_id)
        partner = request.env.user.partner_id
        if not payment_utils.check_access_token(access_token, partner.id, None, None):
            raise Forbidden()
        self._validate_transaction_kwargs(
            kwargs, additional_allowed_keys=("reference_prefix",)
        )
        if kwargs.get("flow") == "token":
            raise Forbidden()  # a new card only: the form offers no saved one
        kwargs.pop("amount", None)
        kwargs.update(
            {
                "is_validation": True,
                "tokenization_requested": True,
                "landing_route": "/my/subscription",
                "reference_prefix": payment_utils.singularize_reference_prefix(
                    prefix="SUBCARD"
                ),
            }
        )
        tx_sudo = self._create_transaction(
            amount=None,
            currency_id=None,
            partner_id=partner.id,
            custom_create_values={
                "support_autopay_subscription_id": sub.id,
                "support_autopay_consent": sub._support_autopay_consent_text(
                    lang=request.env.lang
                ),
            },
            **kwargs,
        )
        self._update_landing_route(tx_sudo, access_token)
        return tx_sudo._get_processing_values()

    @http.route(
        "/my/subscription/<int:subscription_id>/card/stop",
        type="http",
        methods=["GET", "POST"],
        auth="user",
        website=True,
    )
    def portal_subscription_card_stop(self, subscription_id, confirm=None, **kw):
        """GET asks for confirmation; POST with ``confirm`` stops the
        automatic payment."""
        sub = self._support_card_subscription(subscription_id)
        if not sub.payment_token_id:
            return request.redirect("/my/subscription")
        if request.httprequest.method != "POST" or not confirm:
            values = self._support_subscription_values(
                subscription=sub.sudo(False), card=sub.payment_token_id
            )
            return request.render(
                "support_billing.portal_my_subscription_card_stop", values
            )
        sub._support_stop_card()
        return request.redirect("/my/subscription?message=card_stopped")

    # ------------------------------------------------ top-up of credits
    def _get_support_balance_values(self, page=1):
        values = super()._get_support_balance_values(page=page)
        partner = request.env.user.partner_id.commercial_partner_id.sudo()
        values.update(
            {
                "topup_partner": partner,
                "topup_subscription": partner._support_topup_subscription(
                    request.env.company
                ),
            }
        )
        return values

    @http.route(
        "/my/support_balance/topup",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_support_topup(self, threshold=None, product_id=None, **kw):
        """The customer's choice: top up automatically at ``threshold``
        credits with one ``product_id`` pack (0: no automatic top-up)."""
        try:
            threshold = max(int(threshold or 0), 0)
            product_id = int(product_id or 0)
        except (TypeError, ValueError):
            threshold, product_id = -1, 0
        product = (
            request.env["product.product"]
            .sudo()
            .search(
                self._get_support_pack_product_domain() + [("id", "=", product_id)],
                limit=1,
            )
        )
        partner = request.env.user.partner_id
        if threshold < 0:
            error = request.env._("Give the number of credits, 0 or more.")
        else:
            error = None
            try:
                with request.env.cr.savepoint():
                    partner._support_set_topup(threshold, product, request.env.company)
            except (UserError, ValidationError) as exc:
                error = exc.args[0]
        values = self._prepare_portal_layout_values()
        values.update(self._get_support_balance_values())
        if error:
            values["error"] = error
        else:
            values["message"] = (
                request.env._(
                    "Automatic top-up on: one pack is bought when %(count)s "
                    "credits or fewer are left.",
                    count=threshold,
                )
                if threshold
                else request.env._("Automatic top-up off.")
            )
        return request.render("support_billing.portal_my_support_balance", values)
