# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Public pages: the "Pay here" card hold page (README: Card holds), and Stripe's
webhook made fail-closed."""

import hashlib
import hmac
import logging
import time

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request
from odoo.tools import consteq, email_normalize

from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.payment_stripe import const as stripe_const
from odoo.addons.payment_stripe import utils as stripe_utils
from odoo.addons.payment_stripe.controllers.main import StripeController

from .. import const, rules

_logger = logging.getLogger(__name__)

PAGE_LANGS = ("en_US", "fr_FR", "es_ES")
#: Hidden field of the public forms that people leave empty and robots fill in.
HONEYPOT = "website_url"


def set_page_lang(lang):
    """Language of a public support page: ``?lang=fr_FR`` (links in e-mails)
    or the form's hidden field also work, besides the URL prefix and the
    portal's language selector."""
    if lang in PAGE_LANGS and lang in dict(request.env["res.lang"].get_installed()):
        request.update_context(lang=lang)
    return request.env.lang


MAX_NAME = 128


class SupportStripeController(StripeController):
    """Stripe's webhook, fail-closed and quiet about other systems' events.

    Every event must carry a valid signature of a configured webhook secret
    (none configured, or a bad signature: 403). A signed event that concerns
    no transaction of this database (another system on the same Stripe
    account, an event type Odoo does not handle) is acknowledged with 200 and
    ignored, so Stripe neither retries it nor disables the endpoint.
    """

    @http.route()
    def stripe_webhook(self):
        try:
            event = request.get_json_data()
            event_type = event["type"]
            stripe_object = event["data"]["object"]
        except (ValueError, KeyError, TypeError):
            event, event_type, stripe_object = {}, None, None
        tx_sudo = self._support_find_transaction(event_type, stripe_object)
        if tx_sudo:
            # Odoo checks the signature with the transaction's provider's
            # secret (``_verify_signature``), but accepts anything when that
            # provider has none: refuse instead.
            if not stripe_utils.get_webhook_secret(tx_sudo.provider_id):
                _logger.info("refused a Stripe event: its provider has no secret")
                raise Forbidden()
            return super().stripe_webhook()
        secrets = self._support_webhook_secrets()
        if not secrets:
            _logger.info("refused a Stripe event: no webhook secret is set")
            raise Forbidden()
        if not self._support_signature_matches(secrets):
            _logger.info("refused a Stripe event: invalid signature")
            raise Forbidden()
        _logger.info(
            "acknowledged Stripe event %s (%s): not a transaction of this database",
            isinstance(event, dict) and event.get("id"),
            event_type,
        )
        return request.make_json_response("")

    @staticmethod
    def _support_webhook_secrets():
        providers = (
            request.env["payment.provider"]
            .sudo()
            .search([("code", "=", "stripe"), ("state", "!=", "disabled")])
        )
        return [
            secret
            for secret in map(stripe_utils.get_webhook_secret, providers)
            if secret
        ]

    def _support_signature_matches(self, secrets):
        """Stripe's scheme: HMAC-SHA256 of ``<t>.<body>`` in a ``v1`` entry of
        the ``Stripe-Signature`` header, ``t`` at most 10 minutes old."""
        header = request.httprequest.headers.get("Stripe-Signature") or ""
        timestamp, signatures = None, []
        for entry in header.split(","):
            key, _sep, value = entry.strip().partition("=")
            if key == "t" and value.isdigit():
                timestamp = int(value)
            elif key == "v1" and value:
                signatures.append(value)
        if not timestamp or not signatures:
            return False
        if abs(time.time() - timestamp) > self.WEBHOOK_AGE_TOLERANCE:
            return False
        payload = b"%d.%s" % (timestamp, request.httprequest.get_data())
        for secret in secrets:
            expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
            if any(hmac.compare_digest(expected, sig) for sig in signatures):
                return True
        return False

    @staticmethod
    def _support_find_transaction(event_type, stripe_object):
        """The transaction an event is about, found without logging warnings
        for events of other systems."""
        if event_type not in stripe_const.HANDLED_WEBHOOK_EVENTS or not isinstance(
            stripe_object, dict
        ):
            return request.env["payment.transaction"].sudo().browse()
        domain = [("provider_code", "=", "stripe")]
        reference = stripe_object.get("description")
        if reference and isinstance(reference, str):
            domain.append(("reference", "=", reference))
        elif event_type == "charge.refund.updated" and stripe_object.get("id"):
            domain.append(("provider_reference", "=", str(stripe_object["id"])))
        else:
            return request.env["payment.transaction"].sudo().browse()
        return request.env["payment.transaction"].sudo().search(domain, limit=1)


class CardHoldController(PaymentPortal):
    # ------------------------------------------------------------ helpers
    def _support_hold_from_token(self, hold_id, access_token):
        hold = request.env["support.card.hold"].sudo().browse(int(hold_id)).exists()
        if (
            not hold
            or not access_token
            or not consteq(hold.access_token or "", access_token)
        ):
            raise NotFound()
        return hold

    def _support_form_values(self, hold=None, **post):
        values = {
            "durations": const.HOLD_DURATIONS,
            "duration": str(post.get("duration") or 60),
            "other_minutes": post.get("other_minutes") or "",
            "name": post.get("name") or (hold and hold.partner_id.name) or "",
            "email": post.get("email") or (hold and hold.partner_id.email) or "",
            "ticket_ref": post.get("ticket_ref")
            or (hold and hold.ticket_id.number)
            or "",
            "hold": hold,
            "access_token": post.get("access_token") or "",
            "errors": {},
            "rate": request.env["support.card.hold"]
            .sudo()
            ._get_rate_for(request.env.company.partner_id.browse()),
            "currency": request.env.company.currency_id,
            "min_minutes": rules.MINIMUM_HOLD_MINUTES,
            "max_minutes": rules.MAXIMUM_HOLD_MINUTES,
        }
        return values

    def _support_validate(self, post):
        """Return (cleaned values, errors): nothing is written here."""
        errors, clean = {}, {}
        duration = post.get("duration") or ""
        if duration == "other":
            duration = post.get("other_minutes") or ""
        try:
            minutes = int(str(duration).strip())
        except ValueError:
            minutes = None
        if minutes is None or not (
            rules.MINIMUM_HOLD_MINUTES <= minutes <= rules.MAXIMUM_HOLD_MINUTES
        ):
            errors["duration"] = request.env._(
                "Choose a duration between %(min)s and %(max)s minutes.",
                min=rules.MINIMUM_HOLD_MINUTES,
                max=rules.MAXIMUM_HOLD_MINUTES,
            )
        clean["duration_minutes"] = minutes
        name = (post.get("name") or "").strip()
        if not name or len(name) > MAX_NAME:
            errors["name"] = request.env._(
                "Enter your name (at most %(max)s characters).", max=MAX_NAME
            )
        clean["name"] = name
        email = email_normalize(post.get("email") or "", strict=True)
        if not email:
            errors["email"] = request.env._(
                "Enter a valid e-mail address: the technician finds your account "
                "and your payment with it."
            )
        clean["email"] = email
        ref = (post.get("ticket_ref") or "").strip()
        ticket = request.env["helpdesk.ticket"]
        if ref:
            ticket = ticket.sudo().search([("number", "=ilike", ref)], limit=1)
            # only the customer's own tickets: a reference says nothing else
            payer = (
                request.env["res.partner"]
                .sudo()
                .search([("email_normalized", "=", email)])
            )
            if ticket and not (
                ticket.partner_id.email_normalized == email
                or ticket.commercial_partner_id in payer.commercial_partner_id
            ):
                ticket = ticket.browse()
            if not ticket:
                errors["ticket_ref"] = request.env._(
                    "Unknown ticket reference: check it, or leave it empty."
                )
        clean["ticket"] = ticket
        return clean, errors

    # ------------------------------------------------------------- routes
    @http.route(
        "/support/pay",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_pay(self, lang=None, hold_id=None, access_token=None, **kwargs):
        set_page_lang(lang)
        hold = None
        if hold_id:
            hold = self._support_hold_from_token(hold_id, access_token)
            if hold.state != "draft" or hold.transaction_id:
                return request.redirect(hold._get_support_done_url())
        values = self._support_form_values(
            hold=hold, access_token=access_token, ticket_ref=kwargs.get("ticket_ref")
        )
        return request.render("support_billing.card_hold_page", values)

    @http.route(
        "/support/pay",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_pay_submit(self, **post):
        set_page_lang(post.get("lang"))
        hold = None
        if post.get("hold_id"):
            hold = self._support_hold_from_token(
                post["hold_id"], post.get("access_token")
            )
            if hold.state != "draft" or hold.transaction_id:
                return request.redirect(hold._get_support_done_url())
        clean, errors = self._support_validate(post)
        if hold and clean["ticket"] and clean["ticket"] != hold.ticket_id:
            clean["ticket"] = hold.ticket_id
        if errors:
            values = self._support_form_values(hold=hold, **post)
            values["errors"] = errors
            return request.render("support_billing.card_hold_page", values, status=400)
        partner = (
            hold.partner_id
            if hold
            else request.env["res.partner"]._support_find_or_create(
                clean["name"], clean["email"]
            )
        )
        holds = request.env["support.card.hold"].sudo()
        vals = {
            "duration_minutes": clean["duration_minutes"],
            "hourly_rate": holds._get_rate_for(partner),
        }
        if clean["ticket"]:
            vals["ticket_id"] = clean["ticket"].id
        if hold:
            hold.write(vals)
        else:
            company = clean["ticket"].company_id or request.env.company
            hold = holds.create(
                {
                    **vals,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                }
            )
        hold._portal_ensure_token()
        return request.redirect(
            f"/support/pay/{hold.id}?access_token={hold.access_token}"
        )

    @http.route(
        "/support/pay/<int:hold_id>",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_pay_card(self, hold_id, access_token=None, lang=None, **kwargs):
        set_page_lang(lang)
        hold = self._support_hold_from_token(hold_id, access_token)
        if hold.state != "draft" or hold.transaction_id:
            return request.redirect(hold._get_support_done_url())
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                hold.company_id.id,
                hold.partner_id.id,
                hold.amount,
                currency_id=hold.currency_id.id,
            )
        )
        providers = providers._support_filter_hold_providers(providers).with_context(
            support_card_hold=True
        )
        methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers.ids, hold.partner_id.id, currency_id=hold.currency_id.id
            )
        )
        values = {
            "hold": hold,
            "reference_prefix": hold.name,
            "amount": hold.amount,
            "currency": hold.currency_id,
            "partner_id": hold.partner_id.id,
            "providers_sudo": providers,
            "payment_methods_sudo": methods,
            "tokens_sudo": request.env["payment.token"],
            "transaction_route": f"/support/pay/{hold.id}/transaction",
            "landing_route": hold._get_support_done_url(),
            "access_token": hold.access_token,
            "show_tokenize_input_mapping": {p.id: False for p in providers},
            "submit_button_label": request.env._("Confirm my card"),
            "res_company": hold.company_id,
        }
        return request.render("support_billing.card_hold_payment_page", values)

    @http.route(
        "/support/pay/<int:hold_id>/transaction",
        type="jsonrpc",
        auth="public",
    )
    def support_pay_transaction(self, hold_id, access_token, **kwargs):
        hold = self._support_hold_from_token(hold_id, access_token)
        if (
            hold.state != "draft"
            or hold.transaction_id
            or kwargs.get("flow") == "token"
        ):
            raise Forbidden()
        self._validate_transaction_kwargs(
            kwargs, additional_allowed_keys=("reference_prefix",)
        )
        kwargs.pop("reference_prefix", None)
        kwargs.pop("landing_route", None)
        for key in ("amount", "currency_id", "partner_id", "csrf_token", "token_id"):
            kwargs.pop(key, None)
        tx_sudo = self._create_transaction(
            amount=hold.amount,
            currency_id=hold.currency_id.id,
            partner_id=hold.partner_id.id,
            reference_prefix=hold.name,
            landing_route=hold._get_support_done_url(),
            token_id=None,
            custom_create_values={"support_card_hold_id": hold.id},
            **{**kwargs, "tokenization_requested": False},
        )
        hold.transaction_id = tx_sudo
        return tx_sudo._get_processing_values()

    @http.route(
        "/support/pay/<int:hold_id>/done",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_pay_done(self, hold_id, access_token=None, lang=None, **kwargs):
        set_page_lang(lang)
        hold = self._support_hold_from_token(hold_id, access_token)
        tx = hold.transaction_id
        if tx and tx.state in ("authorized", "done") and not tx.is_post_processed:
            tx._post_process()
        return request.render(
            "support_billing.card_hold_done_page",
            {"hold": hold, "tx": tx, "res_company": hold.company_id},
        )
