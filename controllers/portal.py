# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class SupportPortal(CustomerPortal):
    """A4: customers see their own (and their company's) card holds."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "card_hold_count" in counters:
            holds = request.env["support.card.hold"]
            values["card_hold_count"] = (
                holds.search_count([("state", "!=", "draft")])
                if holds.has_access("read")
                else 0
            )
        if "support_ticket_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["support_ticket_count"] = partner.sudo().support_pack_remaining
        return values

    @http.route(
        ["/my/card_holds", "/my/card_holds/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_card_holds(self, page=1, **kw):
        holds = request.env["support.card.hold"]
        domain = [("state", "!=", "draft")]
        count = holds.search_count(domain)
        pager = portal_pager(
            url="/my/card_holds", total=count, page=page, step=self._items_per_page
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "holds": holds.search(
                    domain, limit=self._items_per_page, offset=pager["offset"]
                ),
                "pager": pager,
                "page_name": "card_hold",
                "default_url": "/my/card_holds",
            }
        )
        return request.render("support_billing.portal_my_card_holds", values)

    @http.route(
        "/my/card_holds/<int:hold_id>", type="http", auth="public", website=True
    )
    def portal_my_card_hold(self, hold_id, access_token=None, **kw):
        try:
            hold = self._document_check_access(
                "support.card.hold", hold_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            hold,
            access_token,
            {"hold": hold, "page_name": "card_hold"},
            "my_card_holds_history",
            False,
        )
        return request.render("support_billing.portal_my_card_hold", values)

    # -------------------------------------------------- prepaid tickets (B2)
    def _get_support_balance_values(self):
        partner = request.env.user.partner_id.commercial_partner_id
        packs = request.env["support.ticket.pack"].search(
            [("partner_id", "=", partner.id)]
        )
        balance = partner.sudo()._get_support_pack_balance()
        return {
            "packs": packs,
            "moves": request.env["support.ticket.pack.move"].search(
                [("pack_id", "in", packs.ids)], limit=200
            ),
            "remaining": balance["remaining"],
            "expired": balance["expired"],
            "expiring": packs.filtered(lambda p: p in balance["expiring"]),
            "products": request.env["product.product"]
            .sudo()
            .search(self._get_support_pack_product_domain()),
            "page_name": "support_balance",
        }

    def _get_support_pack_product_domain(self):
        return [
            ("support_is_pack", "=", True),
            ("sale_ok", "=", True),
            ("company_id", "in", [False, request.env.company.id]),
        ]

    @http.route("/my/support_balance", type="http", auth="user", website=True)
    def portal_my_support_balance(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update(self._get_support_balance_values())
        return request.render("support_billing.portal_my_support_balance", values)

    @http.route("/my/support_balance/statement", type="http", auth="user", website=True)
    def portal_my_support_statement(self, **kw):
        partner = request.env.user.partner_id.commercial_partner_id
        pdf, _fmt = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "support_billing.action_report_support_pack_statement", partner.ids
            )
        )
        filename = request.env._("Prepaid tickets - %(name)s.pdf", name=partner.name)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    @http.route(
        "/my/support_balance/buy",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_buy_support_tickets(self, product_id=None, **kw):
        """Create the invoice of a pack and send the customer to pay it."""
        product = (
            request.env["product.product"]
            .sudo()
            .search(
                self._get_support_pack_product_domain()
                + [("id", "=", int(product_id or 0))],
                limit=1,
            )
        )
        if not product:
            return request.redirect("/my/support_balance")
        invoice = (
            request.env["account.move"]
            .sudo()
            ._support_create_pack_invoice(request.env.user.partner_id, product)
        )
        return request.redirect(invoice.get_portal_url())
