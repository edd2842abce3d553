# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

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
