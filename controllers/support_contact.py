# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The public contact form (README: Channels): no login, one ticket on the
"form" channel, an acknowledgement in the customer's language."""

import logging

from odoo import http
from odoo.http import request
from odoo.tools import email_normalize, plaintext2html

from .. import const
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
            "name": post.get("name") or "",
            "email": post.get("email") or "",
            "request_type_id": str(post.get("request_type_id") or ""),
            "subject": post.get("subject") or "",
            "description": post.get("description") or "",
            "errors": {},
            "limits": {
                "name": const.CONTACT_NAME_MAX,
                "email": const.CONTACT_EMAIL_MAX,
                "subject": const.CONTACT_SUBJECT_MAX,
                "description": const.CONTACT_DESCRIPTION_MAX,
            },
        }

    def _support_contact_validate(self, post):
        """Return (cleaned values, errors): nothing is written here."""
        errors, clean = {}, {}
        name = (post.get("name") or "").strip()
        if not name or len(name) > const.CONTACT_NAME_MAX:
            errors["name"] = request.env._(
                "Enter your name (at most %(max)s characters).",
                max=const.CONTACT_NAME_MAX,
            )
        clean["name"] = name
        raw_email = (post.get("email") or "").strip()
        email = len(raw_email) <= const.CONTACT_EMAIL_MAX and email_normalize(
            raw_email, strict=True
        )
        if not email:
            errors["email"] = request.env._(
                "Enter a valid e-mail address: we answer you there."
            )
        clean["email"] = email
        request_type = request.env["support.request.type"]
        type_id = post.get("request_type_id") or ""
        if str(type_id).isdigit():
            request_type = self._support_contact_types().filtered(
                lambda t: t.id == int(type_id)
            )
        if not request_type:
            errors["request_type_id"] = request.env._(
                "Choose the type of your request."
            )
        clean["request_type"] = request_type
        subject = (post.get("subject") or "").strip()
        if not subject or len(subject) > const.CONTACT_SUBJECT_MAX:
            errors["subject"] = request.env._(
                "Enter a subject (at most %(max)s characters).",
                max=const.CONTACT_SUBJECT_MAX,
            )
        clean["subject"] = subject
        description = (post.get("description") or "").strip()
        if not description or len(description) > const.CONTACT_DESCRIPTION_MAX:
            errors["description"] = request.env._(
                "Describe your request (at most %(max)s characters).",
                max=const.CONTACT_DESCRIPTION_MAX,
            )
        clean["description"] = description
        return clean, errors

    def _support_contact_ticket_vals(self, clean, partner):
        return {
            "name": clean["subject"],
            "description": plaintext2html(clean["description"]),
            "partner_id": partner.id,
            "partner_name": clean["name"],
            "partner_email": clean["email"],
            "support_channel": "form",
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
        clean, errors = self._support_contact_validate(post)
        if errors:
            values = self._support_contact_values(**post)
            values["errors"] = errors
            return request.render(
                "support_billing.support_contact_page", values, status=400
            )
        partner = request.env["res.partner"]._support_find_or_create(
            clean["name"], clean["email"]
        )
        ticket = (
            request.env["helpdesk.ticket"]
            .sudo()
            .with_context(mail_create_nosubscribe=False)
            .create(self._support_contact_ticket_vals(clean, partner))
        )
        ticket._support_send_acknowledgement()
        return request.render(
            "support_billing.support_contact_done", {"ticket": ticket}
        )
