# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The link that proves a visitor's e-mail address (issues 13 and 23).

A visitor who typed a customer's address on a public form gets its requests
apart from the customer's; for each request the address receives a signed
link that expires.  Opening it shows that request (date, kind, address,
description) and a confirmation button (a mail scanner that opens links
confirms nothing); confirming moves that request only to the customer, as
staff's "Confirm Customer" does: a stranger's request sent with the same
address is never confirmed by the customer's own link.  A forged or expired
link does nothing.
"""

from odoo import http
from odoo.http import request

from .form_validation import captcha_refused, throttled, too_many_requests


class SupportAddressProof(http.Controller):
    def _support_proof_page(self, token, visitor, proof_request, status=200, **values):
        return request.render(
            "support_billing.support_address_proof_page",
            {
                "token": token if visitor else "",
                "visitor": visitor,
                "proof_request": proof_request,
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
        visitor, proof_request = request.env["res.partner"]._support_proof_from_token(
            token
        )
        return self._support_proof_page(
            token,
            visitor,
            proof_request,
            status=200 if visitor else 400,
            done=bool(visitor) and proof_request.partner_id != visitor,
        )

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
        visitor, proof_request = request.env["res.partner"]._support_proof_from_token(
            token
        )
        if not visitor:
            return self._support_proof_page(token, visitor, proof_request, status=400)
        refused = captcha_refused(request, "support_verify")
        if refused:
            return self._support_proof_page(
                token, visitor, proof_request, status=400, error=refused
            )
        visitor._support_confirm_address_proof(proof_request)
        return self._support_proof_page(token, visitor, proof_request, done=True)
