# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The link that proves a visitor's e-mail address (issue 13).

A visitor who typed a customer's address on a public form gets its requests
apart from the customer's; the address receives a signed link that expires.
Opening it shows a confirmation button (a mail scanner that opens links
confirms nothing); confirming moves the visitor's requests to the customer,
as staff's "Confirm Customer" does.  A forged or expired link does nothing.
"""

from odoo import http
from odoo.http import request

from .form_validation import captcha_refused, throttled, too_many_requests


class SupportAddressProof(http.Controller):
    def _support_proof_page(self, token, visitor, status=200, **values):
        return request.render(
            "support_billing.support_address_proof_page",
            {
                "token": token if visitor else "",
                "visitor": visitor,
                "done": False,
                "error": False,
                **values,
            },
            status=status,
        )

    @http.route(
        "/support/verify",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_verify(self, token=None, **kwargs):
        visitor = request.env["res.partner"]._support_visitor_from_proof(token)
        return self._support_proof_page(token, visitor, status=200 if visitor else 400)

    @http.route(
        "/support/verify",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def support_verify_submit(self, token=None, **kwargs):
        if throttled(request, "verify"):
            return too_many_requests(request)
        visitor = request.env["res.partner"]._support_visitor_from_proof(token)
        if not visitor:
            return self._support_proof_page(token, visitor, status=400)
        refused = captcha_refused(request, "support_verify")
        if refused:
            return self._support_proof_page(token, visitor, status=400, error=refused)
        visitor._support_confirm_address_proof()
        return self._support_proof_page(token, visitor, done=True)
