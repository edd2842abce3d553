# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The public contact form (README: Channels): no login, one ticket on the
"form" channel, an acknowledgement in the customer's language."""

import logging

from odoo import http
from odoo.http import request
from odoo.tools import plaintext2html

from .form_validation import (
    LIMITS,
    PublicForm,
    captcha_refused,
    clean_text,
    display_value,
    throttled,
    too_many_requests,
    visitor_unverified,
)
from .main import HONEYPOT, set_page_lang

_logger = logging.getLogger(__name__)


class SupportContactController(http.Controller):
    def _support_contact_types(self):
        company = request.env.company
        return (
            request.env["support.request.type"]
            .sudo()
            .search(
                [
                    ("public", "=", True),
                    ("company_id", "in", [False, company.id]),
                ]
            )
        )

    def _support_contact_values(self, **post):
        return {
            "request_types": self._support_contact_types(),
            "name": display_value(post.get("name")),
            "email": display_value(post.get("email")),
            "request_type_id": display_value(post.get("request_type_id")),
            "subject": display_value(post.get("subject")),
            "description": display_value(post.get("description")),
            "errors": {},
            "limits": {
                key: LIMITS[key] for key in ("name", "email", "subject", "description")
            },
        }

    def _support_contact_validate(self, post):
        """Return (cleaned values, errors): nothing is written here."""
        form = PublicForm(request.env, post)
        clean = {
            "name": form.text(
                "name",
                message=request.env._(
                    "Enter your name (at most %(max)s characters).",
                    max=LIMITS["name"],
                ),
                message_for_length=True,
            ),
            "email": form.email(
                request.env._("Enter a valid e-mail address: we answer you there.")
            ),
        }
        request_type = request.env["support.request.type"]
        type_id = clean_text(post.get("request_type_id")) or ""
        if type_id.isascii() and type_id.isdigit() and len(type_id) < 10:
            request_type = self._support_contact_types().filtered(
                lambda t: t.id == int(type_id)
            )
        if not request_type:
            form.error(
                "request_type_id", request.env._("Choose the type of your request.")
            )
        clean["request_type"] = request_type
        clean["subject"] = form.text(
            "subject",
            message=request.env._(
                "Enter a subject (at most %(max)s characters).",
                max=LIMITS["subject"],
            ),
            message_for_length=True,
        )
        clean["description"] = form.text(
            "description",
            multiline=True,
            message=request.env._(
                "Describe your request (at most %(max)s characters).",
                max=LIMITS["description"],
            ),
            message_for_length=True,
        )
        return clean, form.errors

    def _support_contact_ticket_vals(self, clean, partner):
        return {
            "name": clean["subject"],
            "description": plaintext2html(clean["description"]),
            "partner_id": partner.id,
            "partner_name": clean["name"],
            "partner_email": clean["email"],
            "channel_id": request.env.ref(
                "support_billing.helpdesk_ticket_channel_form"
            ).id,
            "support_request_type_id": clean["request_type"].id,
            "company_id": request.env.company.id,
        }

    @http.route(
        "/support/contact",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=True,
    )
    def support_contact(self, lang=None, **kwargs):
        set_page_lang(lang)
        values = self._support_contact_values(
            request_type_id=kwargs.get("type"),
        )
        user = request.env.user
        if not user._is_public():
            values.update(name=user.partner_id.name, email=user.partner_id.email or "")
        return request.render("support_billing.support_contact_page", values)

    @http.route(
        "/support/contact",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_contact_submit(self, **post):
        set_page_lang(post.get("lang"))
        if post.get(HONEYPOT):
            _logger.info("contact form: honeypot filled, nothing created")
            return request.render(
                "support_billing.support_contact_done", {"ticket": None}
            )
        refused = captcha_refused(request, "support_contact")
        if refused:
            values = self._support_contact_values(**post)
            values["errors"] = {"form": refused}
            return request.render(
                "support_billing.support_contact_page", values, status=400
            )
        clean, errors = self._support_contact_validate(post)
        if throttled(request, "contact", not errors and clean["email"]):
            return too_many_requests(request)
        if errors:
            values = self._support_contact_values(**post)
            values["errors"] = errors
            return request.render(
                "support_billing.support_contact_page", values, status=400
            )
        partner = request.env["res.partner"]._support_find_or_create(
            clean["name"],
            clean["email"],
            unverified=visitor_unverified(request, clean["email"]),
            verified_partner=request.env.user.partner_id,
        )
        ticket = (
            request.env["helpdesk.ticket"]
            .sudo()
            .with_context(mail_create_nosubscribe=False)
            .create(self._support_contact_ticket_vals(clean, partner))
        )
        ticket._support_send_acknowledgement()
        # a customer's address typed by an unverified visitor: a link proves it
        partner._support_send_address_proof(ticket)
        return request.render(
            "support_billing.support_contact_done", {"ticket": ticket}
        )
