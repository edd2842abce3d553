# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Public pages: the "Pay here" card hold page (README: Card holds), and Stripe's
webhook made fail-closed."""

import hashlib
import hmac
import json
import logging
import time

from werkzeug.exceptions import BadRequest, Forbidden, NotFound, abort

from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request
from odoo.tools import consteq, format_amount

from odoo.addons.account_payment.controllers.payment import (
    PaymentPortal as InvoicePaymentPortal,
)
from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.payment_stripe import const as stripe_const
from odoo.addons.payment_stripe import utils as stripe_utils
from odoo.addons.payment_stripe.controllers.main import StripeController

from .. import const, rules
from .form_validation import (
    LIMITS,
    PublicForm,
    captcha_refused,
    display_value,
    like_escape,
    throttled,
    too_many_requests,
)

_logger = logging.getLogger(__name__)

PAGE_LANGS = ("en_US", "fr_FR", "es_ES")
#: Hidden field of the public forms that people leave empty and robots fill in.
HONEYPOT = "website_url"


def set_page_lang(lang):
    """Language of a public support page: the URL decides (``/fr/...``), as
    on Odoo's own pages.

    A link with ``?lang=fr_FR`` (e-mails) is redirected to the page's
    ``/fr/...`` address, so that the address always says the language; a
    form's hidden field keeps the language of the page that posted it.
    """
    if lang not in PAGE_LANGS or lang not in dict(
        request.env["res.lang"].get_installed()
    ):
        return request.env.lang
    if request.httprequest.method == "GET":
        args = request.httprequest.args.copy()
        args.pop("lang", None)
        url = request.env["ir.http"]._url_for(request.httprequest.path, lang_code=lang)
        redirect = request.redirect_query(url, args)
        redirect.set_cookie("frontend_lang", lang)
        abort(redirect)
    request.update_context(lang=lang)
    return request.env.lang


class StripeEvent(dict):
    """A Stripe event, parsed once by the webhook, whose ``repr`` is its JSON.

    Odoo's handler logs every event with ``pprint.pformat``, evaluated even
    when the log level drops the line: walking a 5 KB event in Python costs
    about 3.5 ms, a quarter of a replayed webhook's CPU.  ``pprint`` prints
    an object with its own ``repr`` as that ``repr``: one ``json.dumps`` (in
    C), same data, sensitive keys still masked by the payment logger
    (``"key": "value"``).
    """

    __slots__ = ()

    def __repr__(self):
        return json.dumps(self, sort_keys=True)


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
            event = StripeEvent(request.get_json_data())
            event_type = event["type"]
            stripe_object = event["data"]["object"]
        except (ValueError, KeyError, TypeError):
            event, event_type, stripe_object = {}, None, None
        if (
            event_type in const.STRIPE_DISPUTE_EVENTS
            and isinstance(stripe_object, dict)
            and isinstance(stripe_object.get("id"), str)
            and stripe_object.get("status") in dict(const.DISPUTE_STATUSES)
        ):
            disputes = request.env["support.stripe.dispute"].sudo()
            tx_sudo = disputes._support_find_transaction(stripe_object)
            if tx_sudo:
                secret = stripe_utils.get_webhook_secret(tx_sudo.provider_id)
                if not secret or not self._support_signature_matches([secret]):
                    _logger.info("refused a Stripe dispute event: invalid signature")
                    raise Forbidden()
                disputes.with_company(tx_sudo.company_id)._support_sync_from_stripe(
                    stripe_object, tx_sudo, event_id=event.get("id")
                )
                return request.make_json_response("")
        tx_sudo = self._support_find_transaction(event_type, stripe_object)
        if tx_sudo:
            # Odoo checks the signature with the transaction's provider's
            # secret (``_verify_signature``), but accepts anything when that
            # provider has none: refuse instead.
            if not stripe_utils.get_webhook_secret(tx_sudo.provider_id):
                _logger.info("refused a Stripe event: its provider has no secret")
                raise Forbidden()
            # Odoo's handler parses the event and looks the transaction up
            # again: the event parsed here and the transaction found here
            # serve (``payment.transaction._search_by_reference``)
            request.get_json_data = lambda: event
            request.update_context(support_stripe_webhook_tx_id=tx_sudo.id)
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
        for events of other systems, read with all its fields in the same
        query (Odoo's handler reads them next)."""
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
        transactions = request.env["payment.transaction"].sudo()
        return transactions.search_fetch(
            domain, transactions._support_prefetch_fields(), limit=1
        )


class SupportInvoicePaymentPortal(InvoicePaymentPortal):
    """No online payment of an invoice a card hold may still pay."""

    @http.route()
    def invoice_transaction(self, invoice_id, access_token, **kwargs):
        """Odoo hides the "Pay now" button of such an invoice
        (``account.move._has_to_be_paid``) but its route accepts a payment
        anyway: after a capture whose answer was lost, the card was charged
        and the late webhook records it, so a second payment would charge
        the customer twice (issue 23)."""
        try:
            invoice = self._document_check_access(
                "account.move", invoice_id, access_token
            )
        except (AccessError, MissingError):
            # Odoo's own answer to a bad id or token
            return super().invoice_transaction(invoice_id, access_token, **kwargs)
        if invoice.transaction_ids._support_hold_may_pay():
            raise ValidationError(self._support_held_message())
        return super().invoice_transaction(invoice_id, access_token, **kwargs)

    @http.route()
    def overdue_invoices_transaction(self, payment_reference, **kwargs):
        """Paying all overdue invoices at once: the same refusal when one of
        them may still be paid by a card hold."""
        if not request.env.user._is_public():
            overdue = (
                request.env["account.move"]
                .sudo()
                .search(self._get_overdue_invoices_domain())
            )
            if overdue.transaction_ids._support_hold_may_pay():
                raise ValidationError(self._support_held_message())
        return super().overdue_invoices_transaction(payment_reference, **kwargs)

    @staticmethod
    def _support_held_message():
        return request.env._(
            "This invoice is being paid by the card you authorised: "
            "nothing to pay here."
        )


class CardHoldController(PaymentPortal):
    # ------------------------------------------------------------ helpers
    def _support_hold_from_token(self, hold_id, access_token):
        """The hold of a signed link, else 404 (bad id or token of any type)."""
        if isinstance(hold_id, str) and hold_id.isascii() and hold_id.isdigit():
            hold_id = int(hold_id[:12])
        if (
            not isinstance(hold_id, int)
            or isinstance(hold_id, bool)
            or not 0 < hold_id < 2**31
            or not isinstance(access_token, str)
            or not access_token.isascii()
            or not access_token
        ):
            raise NotFound()
        hold = request.env["support.card.hold"].sudo().browse(hold_id).exists()
        if not hold or not consteq(hold.access_token or "", access_token):
            raise NotFound()
        return hold

    def _support_verified_partner(self, hold=None):
        """The payer whose own terms the page may show: the hold's partner
        behind a signed link, else the logged-in customer; nobody for an
        anonymous visitor, whatever address they type (issue 13)."""
        if hold:
            return hold.partner_id
        user = request.env.user
        if not user._is_public():
            return user.partner_id
        return request.env["res.partner"]

    def _support_hold_company(self, hold=None):
        """The company (and currency) that prices a hold on the page: the
        signed link's hold's, else the page's."""
        if hold:
            return hold.company_id, hold.currency_id
        return request.env.company, request.env.company.currency_id

    def _support_hold_estimate(self, minutes, partner, hold=None):
        """What a hold of ``minutes`` books, taxes included, for ``partner``
        (the verified customer, or nobody: the public rate) in the company
        and currency of ``hold`` (the signed link's; else the website's): the
        amount the card page will show, computed by the hold itself, nothing
        written."""
        holds = request.env["support.card.hold"].sudo()
        company, currency = self._support_hold_company(hold)
        return holds.new(
            {
                "duration_minutes": minutes,
                "hourly_rate": holds._get_rate_for(
                    partner.sudo(), company=company, currency=currency
                ),
                "partner_id": partner.id,
                "company_id": company.id,
                "currency_id": currency.id,
                "public_price": not partner,
            }
        ).amount

    def _support_form_values(self, hold=None, **post):
        verified = self._support_verified_partner(hold)
        company, currency = self._support_hold_company(hold)
        terms = company._support_terms()
        default = 60 if 60 in terms.hold_durations else terms.hold_durations[0]
        duration = display_value(post.get("duration")) or str(default)
        values = {
            "durations": list(terms.hold_durations),
            "terms": terms,
            "duration": duration,
            # the minutes box shows the chosen duration (1 h: 60), so that
            # "Other" starts from it
            "other_minutes": display_value(post.get("other_minutes"))
            or (duration if duration.isascii() and duration.isdigit() else ""),
            "support_page": "pay",
            "name": display_value(post.get("name")) or verified.name or "",
            "email": display_value(post.get("email")) or verified.email or "",
            "ticket_ref": display_value(post.get("ticket_ref"))
            or (hold and hold.ticket_id.number)
            or "",
            "hold": hold,
            "access_token": display_value(post.get("access_token")),
            "errors": {},
            "rate": request.env["support.card.hold"]
            .sudo()
            ._get_rate_for(verified.sudo(), company=company, currency=currency),
            "currency": currency,
            "min_minutes": terms.hold_min_minutes,
            "max_minutes": terms.hold_max_minutes,
        }
        # the amount each duration books, before the card step (issue 15)
        values["amounts"] = amounts = (
            {
                minutes: self._support_hold_estimate(minutes, verified, hold)
                for minutes in terms.hold_durations
            }
            if values["rate"]
            else {}
        )
        values["amount_labels"] = labels = {
            minutes: format_amount(request.env, amount, currency)
            for minutes, amount in amounts.items()
        }
        chosen = values["other_minutes"] if duration == "other" else duration
        minutes = (
            int(chosen)
            if chosen.isascii() and chosen.isdigit() and len(chosen) <= 6
            else 0
        )
        values["estimate"] = labels.get(minutes) or (
            rules.hold_duration_ok(minutes, terms)
            and values["rate"]
            and format_amount(
                request.env,
                self._support_hold_estimate(minutes, verified, hold),
                currency,
            )
        )
        return values

    def _support_validate(self, post, hold=None):
        """Return (cleaned values, errors): nothing is written here."""
        form = PublicForm(request.env, post)
        clean = {}
        terms = self._support_hold_company(hold)[0]._support_terms()
        duration_message = request.env._(
            "Choose a duration between %(min)s and %(max)s minutes.",
            min=terms.hold_min_minutes,
            max=terms.hold_max_minutes,
        )
        field = "other_minutes" if post.get("duration") == "other" else "duration"
        clean["duration_minutes"] = form.integer(
            field,
            terms.hold_min_minutes,
            terms.hold_max_minutes,
            duration_message,
        )
        if "other_minutes" in form.errors:
            form.errors["duration"] = form.errors.pop("other_minutes")
        clean["name"] = form.text(
            "name",
            message=request.env._(
                "Enter your name (at most %(max)s characters).", max=LIMITS["name"]
            ),
            message_for_length=True,
        )
        clean["email"] = email = form.email(
            request.env._(
                "Enter a valid e-mail address: the technician finds your account "
                "and your payment with it."
            )
        )
        ref = form.text("ticket_ref", required=False)
        ticket = request.env["helpdesk.ticket"]
        if ref and "ticket_ref" not in form.errors:
            # matched literally: % and _ are no wildcards
            ticket = ticket.sudo().search(
                [("number", "=ilike", like_escape(ref))], limit=1
            )
            # only the customer's own tickets: a reference says nothing else
            payer = (
                request.env["res.partner"]
                .sudo()
                .search([("email_normalized", "=", email)])
                if email
                else request.env["res.partner"]
            )
            if ticket and not (
                (email and ticket.partner_id.email_normalized == email)
                or ticket.commercial_partner_id in payer.commercial_partner_id
            ):
                ticket = ticket.browse()
            if not ticket:
                form.error(
                    "ticket_ref",
                    request.env._(
                        "Unknown ticket reference: check it, or leave it empty."
                    ),
                )
        clean["ticket"] = ticket
        return clean, form.errors

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
        refused = captcha_refused(request, "support_pay")
        if refused:
            values = self._support_form_values(hold=hold, **post)
            values["errors"] = {"form": refused}
            return request.render("support_billing.card_hold_page", values, status=400)
        clean, errors = self._support_validate(post, hold)
        if throttled(request, "pay", not errors and clean["email"]):
            return too_many_requests(request)
        if hold and clean["ticket"] and clean["ticket"] != hold.ticket_id:
            clean["ticket"] = hold.ticket_id
        if (
            not hold
            and clean.get("ticket")
            and request.env["support.card.hold"]
            .sudo()
            ._support_get_live_holds(clean["ticket"])
        ):
            # one card hold at a time per ticket: the customer uses the link
            # she was sent
            errors = dict(errors)
            errors["ticket_ref"] = request.env._(
                "A card hold is already open for this ticket: use the link of "
                "the e-mail we sent you, or leave the reference empty."
            )
        if errors:
            values = self._support_form_values(hold=hold, **post)
            values["errors"] = errors
            return request.render("support_billing.card_hold_page", values, status=400)
        verified = self._support_verified_partner(hold)
        if verified and (hold or verified.email_normalized == clean["email"]):
            partner = verified
        else:
            # A2: staff find the account by e-mail; the visitor gets the
            # public rate, whoever the address belongs to
            partner = request.env["res.partner"]._support_find_or_create(
                clean["name"], clean["email"]
            )
            verified = request.env["res.partner"]
        holds = request.env["support.card.hold"].sudo()
        # the hold's company prices it: the signed link's hold's, else the
        # ticket's, else the page's (its rate, product and currency)
        company = (
            (hold and hold.company_id)
            or clean["ticket"].company_id
            or request.env.company
        )
        vals = {
            "duration_minutes": clean["duration_minutes"],
            "hourly_rate": holds._get_rate_for(
                verified.sudo(),
                company=company,
                currency=hold.currency_id if hold else company.currency_id,
            ),
            # issue 23: priced for the public (rate and taxes) unless the
            # payer is verified, whoever the typed address belongs to
            "public_price": not verified,
        }
        if clean["ticket"]:
            vals["ticket_id"] = clean["ticket"].id
        if hold:
            hold.write(vals)
        else:
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
        "/support/pay/amount",
        type="jsonrpc",
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_pay_amount(self, minutes=None, hold_id=None, access_token=None):
        """The amount, taxes included, that ``minutes`` would book: the page
        shows it while the visitor types another duration.  Nothing is
        written; out of bounds or not a number: no amount."""
        hold = self._support_hold_from_token(hold_id, access_token) if hold_id else None
        terms = self._support_hold_company(hold)[0]._support_terms()
        if (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not rules.hold_duration_ok(minutes, terms)
        ):
            return {"amount": False}
        verified = self._support_verified_partner(hold)
        amount = self._support_hold_estimate(minutes, verified, hold)
        return {
            "amount": format_amount(
                request.env, amount, self._support_hold_company(hold)[1]
            )
        }

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
        providers = self._support_hold_providers(hold).with_context(
            support_card_hold=True
        )
        page_partner = self._support_page_partner(hold)
        methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers.ids, page_partner.id, currency_id=hold.currency_id.id
            )
        )
        values = {
            "hold": hold,
            "reference_prefix": hold.name,
            "amount": hold.amount,
            "currency": hold.currency_id,
            # the payment form (and Stripe's billing details) of the page's
            # partner: never the customer's for an anonymous visitor
            "partner_id": page_partner.id,
            "providers_sudo": providers,
            "payment_methods_sudo": methods,
            "tokens_sudo": request.env["payment.token"],
            "transaction_route": f"/support/pay/{hold.id}/transaction",
            "landing_route": hold._get_support_done_url(),
            "access_token": hold.access_token,
            "show_tokenize_input_mapping": {p.id: False for p in providers},
            "submit_button_label": request.env._("Confirm my card"),
            "res_company": hold.company_id,
            "terms": hold._support_hold_terms(),
        }
        return request.render("support_billing.card_hold_payment_page", values)

    @http.route(
        "/support/pay/<int:hold_id>/transaction",
        type="jsonrpc",
        auth="public",
    )
    def support_pay_transaction(self, hold_id, access_token=None, **kwargs):
        """The server decides the hold's transaction: amount, currency,
        partner, an authorisation only (online, direct, captured manually) and
        a provider among the hold-capable ones.  The client only picks the
        provider and method the card page offered; anything else is refused."""
        hold = self._support_hold_from_token(hold_id, access_token)
        if hold.state != "draft" or hold.transaction_id:
            raise Forbidden()
        self._validate_transaction_kwargs(
            kwargs, additional_allowed_keys=("reference_prefix",)
        )
        if kwargs.get("is_validation") or kwargs.get("flow") != "direct":
            raise BadRequest(
                request.env._("A card hold is only an authorisation of its amount.")
            )
        provider = self._support_hold_provider(hold, kwargs.get("provider_id"))
        method_id = kwargs.get("payment_method_id")
        method = request.env["payment.method"].sudo()
        if isinstance(method_id, int) and not isinstance(method_id, bool):
            method = (
                method._get_compatible_payment_methods(
                    provider.ids,
                    self._support_page_partner(hold).id,
                    currency_id=hold.currency_id.id,
                )
                .filtered(lambda m: m.id == method_id)
                .sudo()
            )
        if not method:
            raise BadRequest(request.env._("Choose a payment method of this page."))
        tx_sudo = self._create_transaction(
            provider_id=provider.id,
            payment_method_id=method.id,
            token_id=None,
            amount=hold.amount,
            currency_id=hold.currency_id.id,
            partner_id=hold.partner_id.id,
            flow="direct",
            tokenization_requested=False,
            landing_route=hold._get_support_done_url(),
            reference_prefix=hold.name,
            is_validation=False,
            custom_create_values={"support_card_hold_id": hold.id},
        )
        hold.transaction_id = tx_sudo
        return tx_sudo._get_processing_values()

    def _support_page_partner(self, hold):
        """Whom the card page of ``hold`` is for: its customer when the hold
        was priced for her (signed link, logged in), else the public partner.
        The providers and methods offered (filtered by the partner's country)
        and the payment form's partner (Stripe's billing details: name,
        address, phone) tell an anonymous visitor nothing about the customer
        whose address they typed (issue 23)."""
        if hold.public_price:
            return request.env.ref("base.public_partner").sudo()
        return hold.partner_id

    def _support_hold_providers(self, hold):
        """The providers the card page offers for ``hold``: compatible, and
        able to authorise without charging."""
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                hold.company_id.id,
                self._support_page_partner(hold).id,
                hold.amount,
                currency_id=hold.currency_id.id,
            )
        )
        return providers._support_filter_hold_providers(providers)

    def _support_hold_provider(self, hold, provider_id):
        """The provider the client chose, if the card page offers it."""
        if not isinstance(provider_id, int) or isinstance(provider_id, bool):
            provider_id = 0
        provider = self._support_hold_providers(hold).filtered(
            lambda p: p.id == provider_id
        )
        if not provider:
            raise BadRequest(
                request.env._("This payment provider cannot hold an amount.")
            )
        return provider

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
            {
                "hold": hold,
                "tx": tx,
                "res_company": hold.company_id,
                "terms": hold._support_hold_terms(),
            },
        )
