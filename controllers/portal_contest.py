# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24, item 4: "Contest this charge" on the customer's invoice and card
hold pages (support policy, "Dispute resolution"): the reason opens a ticket
for the disputes team, linked to the invoice."""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.account.controllers.portal import PortalAccount

from .form_validation import LIMITS, PublicForm, display_value
from .portal import SupportPortal


def contest_values(invoice, errors=None, reason="", error=None):
    """What the "Contest this charge" section of a page shows: the contests
    of the invoice (status), and the form while none is open.  ``None``
    when the visitor may not contest this invoice."""
    user = request.env.user
    if not invoice or not invoice._support_contest_allowed_for(user):
        return None
    tickets = invoice.sudo().support_contest_ticket_ids.sorted("id", reverse=True)
    return {
        "invoice": invoice,
        "tickets": tickets,
        "can_contest": not tickets._support_is_open_contest(),
        "errors": errors or {},
        "reason": reason,
        "error": error,
        "limits": LIMITS,
    }


class SupportContestPortal(PortalAccount):
    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values["support_contest"] = contest_values(invoice)
        return values

    @http.route(
        "/my/invoices/<int:invoice_id>/contest",
        type="http",
        methods=["POST"],
        auth="user",
        website=True,
    )
    def portal_contest_invoice(self, invoice_id, **post):
        """Open a contest of the invoice's charge.  Only the invoice's
        customer (a portal user of its commercial entity) may: anyone else
        gets a 404, whatever token they send."""
        invoice = request.env["account.move"].browse(invoice_id).exists()
        if not invoice or not invoice._support_contest_allowed_for(request.env.user):
            raise NotFound()
        form = PublicForm(request.env, post)
        reason = form.text(
            "contest_reason",
            multiline=True,
            message=request.env._("Tell us why you contest this charge."),
        )
        invoice_sudo = invoice.sudo()
        invoice_sudo.lock_for_update()  # one open contest per invoice
        if form.errors:
            return self._support_contest_page(
                invoice,
                contest_values(
                    invoice,
                    errors=form.errors,
                    reason=display_value(post.get("contest_reason")),
                ),
                status=400,
            )
        if invoice_sudo.support_contest_ticket_ids._support_is_open_contest():
            return self._support_contest_page(
                invoice,
                contest_values(
                    invoice,
                    error=request.env._(
                        "You already contest this invoice: our support team is "
                        "reviewing it and answers on your ticket."
                    ),
                ),
                status=409,
            )
        ticket = self._support_create_contest_ticket(invoice_sudo, reason)
        invoice_sudo._message_log(
            body=request.env._(
                "%(customer)s contests this charge from the portal: ticket %(ticket)s.",
                customer=request.env.user.partner_id.display_name,
                ticket=ticket.number or ticket.display_name,
            )
        )
        return request.redirect(invoice.get_portal_url(anchor="support_contest"))

    def _support_create_contest_ticket(self, invoice_sudo, reason):
        partner = request.env.user.partner_id
        dispute_type = request.env.ref("support_billing.support_request_type_dispute")
        ticket = (
            request.env["helpdesk.ticket"]
            .sudo()
            .with_company(invoice_sudo.company_id)
            .create(
                {
                    "name": request.env._(
                        "Contest of invoice %(invoice)s", invoice=invoice_sudo.name
                    ),
                    "description": plaintext2html(reason),
                    "partner_id": partner.id,
                    "partner_name": partner.name,
                    "partner_email": partner.email,
                    "company_id": invoice_sudo.company_id.id,
                    "support_invoice_id": invoice_sudo.id,
                    "support_request_type_id": dispute_type.id,
                    "team_id": dispute_type.sudo().team_id.id,
                    "channel_id": request.env.ref(
                        "helpdesk_mgmt.helpdesk_ticket_channel_web"
                    ).id,
                }
            )
        )
        ticket.message_subscribe(partner_ids=partner.ids)
        return ticket

    def _support_contest_page(self, invoice, contest, status):
        values = self._invoice_get_page_view_values(invoice.sudo(), None)
        values["support_contest"] = contest
        return request.render("account.portal_invoice_page", values, status=status)


class SupportContestHoldPortal(SupportPortal):
    @http.route()
    def portal_my_card_hold(self, hold_id, access_token=None, **kw):
        response = super().portal_my_card_hold(hold_id, access_token=access_token, **kw)
        qcontext = getattr(response, "qcontext", None)
        if qcontext is not None and qcontext.get("hold"):
            try:
                invoice = qcontext["hold"].sudo().invoice_id
                qcontext["support_contest"] = contest_values(invoice)
            except (AccessError, MissingError):
                qcontext["support_contest"] = None
        return response
