# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""On-site interventions: the public request page and the
customer's portal (policy signature, estimate answer, invoices)."""

from datetime import timedelta

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from .. import const
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

#: Fields of the public request form (limits in form_validation.LIMITS).
FORM_FIELDS = ("name", "email", "phone", "address", "description")
#: Requests accepted per e-mail address in an hour (abuse guard).
MAX_REQUESTS_PER_HOUR = 3
#: Latest desired date accepted, in days from today.
MAX_DESIRED_DAYS = 365


class InterventionController(http.Controller):
    """The public "Request an intervention" page (README: Request and planning)."""

    def _intervention_form_values(self, post=None, errors=None):
        post = post or {}
        return {
            "values": {
                key: display_value(post.get(key))
                for key in (*FORM_FIELDS, "desired_date")
            },
            "errors": errors or {},
            "today": fields.Date.context_today(request.env.user).isoformat(),
            "max_lengths": {key: LIMITS[key] for key in FORM_FIELDS},
            # the company the request is created in (its default company)
            "cancel_notice_hours": request.env.company.support_cancel_notice_hours,
        }

    def _intervention_validate(self, post):
        """Return (cleaned values, errors); nothing is written here."""
        if post.get(HONEYPOT):
            return {}, {"form": request.env._("Your request could not be accepted.")}
        form = PublicForm(request.env, post)
        clean = {
            "name": form.text("name", message=request.env._("Enter your name.")),
            "email": form.email(request.env._("Enter a valid e-mail address.")),
            "phone": form.phone(
                request.env._("Enter a phone number where we can call you back.")
            ),
            "address": form.text(
                "address",
                multiline=True,
                message=request.env._("Enter the address of the intervention."),
            ),
            "description": form.text(
                "description",
                multiline=True,
                minimum=10,
                message=request.env._("Describe the problem (at least 10 characters)."),
            ),
            "desired_date": form.date("desired_date", MAX_DESIRED_DAYS),
        }
        errors = form.errors
        if not errors:
            errors.update(self._intervention_check_abuse(clean))
        return clean, errors

    def _intervention_check_abuse(self, clean):
        """Refuse duplicates and too many requests from one address."""
        interventions = request.env["support.intervention"].sudo()
        since = fields.Datetime.now() - timedelta(hours=1)
        recent = interventions.search(
            [("email", "=", clean["email"]), ("create_date", ">=", since)]
        )
        if any(i.description.strip() == clean["description"] for i in recent):
            return {
                "form": request.env._(
                    "We already received this request: we will call you back soon."
                )
            }
        if len(recent) >= MAX_REQUESTS_PER_HOUR:
            return {
                "form": request.env._(
                    "Too many requests from this address: please call us or try "
                    "again later."
                )
            }
        return {}

    @http.route(
        "/support/intervention/request",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=True,
    )
    def intervention_request(self, **kwargs):
        return request.render(
            "support_billing.intervention_request_page",
            self._intervention_form_values(),
        )

    @http.route(
        "/support/intervention/request",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def intervention_request_submit(self, **post):
        set_page_lang(post.get("lang"))  # the form carries it
        refused = captcha_refused(request, "support_intervention_request")
        if refused:
            return request.render(
                "support_billing.intervention_request_page",
                self._intervention_form_values(post, {"form": refused}),
                status=400,
            )
        clean, errors = self._intervention_validate(post)
        if throttled(request, "intervention", not errors and clean.get("email")):
            return too_many_requests(request)
        if errors:
            return request.render(
                "support_billing.intervention_request_page",
                self._intervention_form_values(post, errors),
                status=400,
            )
        intervention = (
            request.env["support.intervention"]
            .sudo()
            .with_context(lang=request.env.lang)
            ._create_from_request(
                {
                    **clean,
                    "lang": request.env.lang,
                    "unverified": visitor_unverified(request, clean["email"]),
                    "verified_partner": request.env.user.partner_id,
                }
            )
        )
        intervention.partner_id._support_send_address_proof(intervention)
        return request.render(
            "support_billing.intervention_request_done_page",
            {"intervention": intervention},
        )


class InterventionPortal(CustomerPortal):
    """Customers see their interventions, sign the policy, answer the
    estimate and see the invoices."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "intervention_count" in counters:
            interventions = request.env["support.intervention"]
            values["intervention_count"] = (
                interventions.search_count([])
                if interventions.has_access("read")
                else 0
            )
        return values

    def _intervention_check(self, intervention_id, access_token=None):
        return self._document_check_access(
            "support.intervention", intervention_id, access_token
        )

    @http.route(
        ["/my/interventions", "/my/interventions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_interventions(self, page=1, **kw):
        interventions = request.env["support.intervention"]
        count = interventions.search_count([])
        pager = portal_pager(
            url="/my/interventions",
            total=count,
            page=page,
            step=self._items_per_page,
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "interventions": interventions.search(
                    [], limit=self._items_per_page, offset=pager["offset"]
                ),
                "pager": pager,
                "page_name": "intervention",
                "default_url": "/my/interventions",
            }
        )
        return request.render("support_billing.portal_my_interventions", values)

    @http.route(
        "/my/interventions/<int:intervention_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_intervention(
        self,
        intervention_id,
        access_token=None,
        message=None,
        report_type=None,
        report=None,
        download=False,
        **kw,
    ):
        try:
            intervention = self._intervention_check(intervention_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            report_ref = (
                "support_billing.action_report_intervention_estimate"
                if report == "estimate"
                else "support_billing.action_report_intervention_policy"
            )
            return self._show_report(
                model=intervention,
                report_type=report_type,
                report_ref=report_ref,
                download=download,
            )
        values = self._get_page_view_values(
            intervention,
            access_token,
            {
                "intervention": intervention,
                "page_name": "intervention",
                "message": message,
                "invoices": intervention.invoice_ids.filtered(
                    lambda m: m.state == "posted"
                ),
                "repair_places": const.INTERVENTION_REPAIR_PLACES,
            },
            "my_interventions_history",
            False,
        )
        return request.render("support_billing.portal_my_intervention", values)

    def _intervention_sign(self, intervention_id, access_token, callback):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            intervention = self._intervention_check(
                intervention_id, access_token
            ).with_context(support_portal_user_id=request.env.uid)
        except (AccessError, MissingError):
            return {"error": request.env._("Invalid intervention.")}
        try:
            # a refused answer writes nothing
            with request.env.cr.savepoint():
                callback(intervention)
        except UserError as error:
            return {"error": error.args[0]}
        return {
            "force_refresh": True,
            "redirect_url": intervention.get_portal_url(query_string="&message=signed"),
        }

    @http.route(
        "/my/interventions/<int:intervention_id>/sign_policy",
        type="jsonrpc",
        auth="public",
        website=True,
    )
    def portal_intervention_sign_policy(
        self, intervention_id, access_token=None, name=None, signature=None
    ):
        return self._intervention_sign(
            intervention_id,
            access_token,
            lambda intervention: intervention._sign_policy(name, signature),
        )

    @http.route(
        "/my/interventions/<int:intervention_id>/accept",
        type="jsonrpc",
        auth="public",
        website=True,
    )
    def portal_intervention_accept(
        self, intervention_id, access_token=None, name=None, signature=None
    ):
        place = request.httprequest.args.get("repair_place") or "on_site"
        return self._intervention_sign(
            intervention_id,
            access_token,
            lambda intervention: intervention._accept_estimate(name, signature, place),
        )

    # The accessible alternative to drawing (issue 29): a plain form, the
    # name typed and the consent box ticked; the same signature for the model
    # (signer, date, signed PDF, chatter).
    def _intervention_sign_typed(
        self, intervention_id, access_token, name, consent, sign
    ):
        try:
            intervention = self._intervention_check(
                intervention_id, access_token
            ).with_context(support_portal_user_id=request.env.uid)
        except (AccessError, MissingError):
            return request.redirect("/my")
        name = (clean_text(name) or "")[: LIMITS["name"]].strip()
        if not name or consent != "1":
            return request.redirect(
                intervention.get_portal_url(query_string="&message=sign_missing")
                + "#support_typed_sign_error"
            )
        try:
            with request.env.cr.savepoint():
                sign(intervention, name)
        except UserError:
            return request.redirect(
                intervention.get_portal_url(query_string="&message=error")
            )
        return request.redirect(
            intervention.get_portal_url(query_string="&message=signed")
        )

    @http.route(
        "/my/interventions/<int:intervention_id>/sign_policy_typed",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
    )
    def portal_intervention_sign_policy_typed(
        self, intervention_id, access_token=None, name=None, consent=None, **kw
    ):
        return self._intervention_sign_typed(
            intervention_id,
            access_token,
            name,
            consent,
            lambda intervention, name: intervention._sign_policy(
                name, None, consent=True
            ),
        )

    @http.route(
        "/my/interventions/<int:intervention_id>/accept_typed",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
    )
    def portal_intervention_accept_typed(
        self,
        intervention_id,
        access_token=None,
        name=None,
        consent=None,
        repair_place=None,
        **kw,
    ):
        place = repair_place if isinstance(repair_place, str) else ""
        return self._intervention_sign_typed(
            intervention_id,
            access_token,
            name,
            consent,
            lambda intervention, name: intervention._accept_estimate(
                name, None, place, consent=True
            ),
        )

    @http.route(
        "/my/interventions/<int:intervention_id>/refuse",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
    )
    def portal_intervention_refuse(self, intervention_id, access_token=None, **kw):
        try:
            intervention = self._intervention_check(intervention_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        intervention = intervention.with_context(support_portal_user_id=request.env.uid)
        try:
            with request.env.cr.savepoint():
                intervention._refuse_estimate()
        except UserError:
            return request.redirect(
                intervention.get_portal_url(query_string="&message=error")
            )
        return request.redirect(
            intervention.get_portal_url(query_string="&message=refused")
        )
