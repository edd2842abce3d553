# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Public support pages: policy, FAQ and transparency
(README: Transparency, support policy and FAQ).

They run as the visitor (the public user when nobody is logged in), so the
access rules decide what is shown: public visitors read the policy and the
published FAQ entries only. The transparency figures are SQL aggregates that
hold no personal data.
"""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.tools.misc import formatLang

from odoo.addons.portal.controllers.portal import pager as portal_pager

from .. import const
from .main import set_page_lang


class SupportPublicPages(http.Controller):
    @http.route(
        "/support/policy", type="http", methods=["GET"], auth="public", website=True
    )
    def support_policy(self, lang=None, **kwargs):
        set_page_lang(lang)
        policy = request.env["support.policy"]._get_published_policy()
        if not policy:
            raise NotFound()
        changes = (
            request.env["support.policy.version"]
            .sudo()
            .search([("policy_id", "=", policy.id)])
        )
        return request.render(
            "support_billing.support_policy_page",
            {
                "policy": policy,
                # only the dates and summaries of the earlier versions
                "changes": [
                    {"date": version.date, "summary": version.change_summary}
                    for version in changes
                ],
                "support_page": "policy",
                **self._support_terms_values(),
            },
        )

    def _support_terms_values(self):
        """The terms in force of the page's company, for the policy and the
        FAQ (README: Billing rule): read from the same data as the billing."""
        company = request.env.company
        terms = company._support_terms()
        return {
            "terms": terms,
            "terms_lines": company._support_terms_lines(terms),
        }

    @http.route(
        "/support/faq", type="http", methods=["GET"], auth="public", website=True
    )
    def support_faq(self, lang=None, **kwargs):
        set_page_lang(lang)
        entries = request.env["support.faq"].search(
            [
                ("is_published", "=", True),
                ("company_id", "in", [request.env.company.id, False]),
            ]
        )
        groups = []
        for entry in entries:
            if not groups or groups[-1][0] != entry.category_id:
                groups.append((entry.category_id, entry))
            else:
                groups[-1] = (groups[-1][0], groups[-1][1] | entry)
        return request.render(
            "support_billing.support_faq_page",
            {
                "faq_groups": groups,
                "support_page": "faq",
                **self._support_terms_values(),
            },
        )

    @http.route(
        ["/support/transparency", "/support/transparency/page/<int:page>"],
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
    )
    def support_transparency(self, page=1, lang=None, **kwargs):
        set_page_lang(lang)
        Transparency = request.env["support.transparency"].sudo()
        company = request.env.company
        figures = Transparency._get_public_figures(company)
        ratings = figures["ratings"]
        step = const.TRANSPARENCY_PAGE_SIZE
        pager = portal_pager(
            url="/support/transparency",
            total=ratings["all"]["count"],
            page=page,
            step=step,
        )
        priorities = (
            request.env["helpdesk.ticket"]
            ._fields["priority"]
            ._description_selection(request.env)
        )
        return request.render(
            "support_billing.support_transparency_page",
            {
                "response": figures["response"],
                "ratings": ratings,
                "rated": Transparency._get_rated_tickets(
                    company, offset=pager["offset"], limit=step
                ),
                "pager": pager,
                # the most critical first
                "priorities": list(reversed(priorities)),
                "windows": const.TRANSPARENCY_WINDOWS,
                "support_page": "transparency",
                "format_hours": lambda hours: formatLang(request.env, hours, digits=1),
            },
        )
