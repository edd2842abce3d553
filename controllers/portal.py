# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from urllib.parse import urlencode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from .. import rules

#: Invoices listed on "My subscription" (the latest; all in "My invoices").
SUBSCRIPTION_INVOICES_SHOWN = 12
#: The most packs one purchase in the portal sells.
MAX_PACKS_PER_PURCHASE = 20


class SupportPortal(CustomerPortal):
    """Portal: customers see their own (and their company's) card holds."""

    @http.route()
    def home(self, **kw):
        """The home page says first which card holds wait for her card."""
        response = super().home(**kw)
        if getattr(response, "qcontext", None) is not None:
            holds = request.env["support.card.hold"]
            response.qcontext["support_holds_waiting"] = (
                holds.search([("state", "=", "draft")])
                if holds.has_access("read")
                else holds
            )
        return response

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "card_hold_count" in counters:
            holds = request.env["support.card.hold"]
            values["card_hold_count"] = (
                holds.search_count([("state", "!=", "draft")])
                if holds.has_access("read")
                else 0
            )
        if "subscription_count" in counters:
            subs = request.env["support.subscription"]
            values["subscription_count"] = (
                subs.search_count([]) if subs.has_access("read") else 0
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

    # ------------------------------------------------------- subscription
    def _support_subscription_values(self, **extra):
        """Values of "My subscription": the customer's current subscription
        (the open one, else the last), its invoices and the plans offered."""
        subs = request.env["support.subscription"]
        subscription = subs.search(
            [("state", "in", ("draft", "waiting", "active", "cancelled"))], limit=1
        ) or subs.search([], limit=1)
        partner = request.env.user.partner_id.commercial_partner_id
        # the latest invoices only (the page stays the same size month after
        # month); all of them are in the portal's invoices list
        invoices = (
            request.env["account.move"]
            .sudo()
            .search(
                [
                    ("support_subscription_id", "=", subscription.id),
                    ("state", "=", "posted"),
                ],
                order="invoice_date desc, id desc",
                limit=SUBSCRIPTION_INVOICES_SHOWN + 1,
            )
            if subscription
            else request.env["account.move"]
        )
        values = self._prepare_portal_layout_values()
        plans = request.env["support.plan"].search([])
        values.update(
            {
                "subscription": subscription,
                # read as superuser first: people from outside the customer's
                # company are not readable by the portal user, and a
                # relation read under her rules would be cached filtered
                "authorized_users": subscription.sudo().authorized_user_ids,
                "invoices": invoices[:SUBSCRIPTION_INVOICES_SHOWN],
                "more_invoices": len(invoices) > SUBSCRIPTION_INVOICES_SHOWN,
                "plans": plans,
                # the plans' prices in the currency of the company that
                # subscribes (the portal's), converted today
                "plan_prices": {
                    plan: plan.sudo()._get_prices_in(
                        request.env.company, fields.Date.context_today(plan)
                    )
                    for plan in plans
                },
                "plan_currency": request.env.company.currency_id,
                "resubscribe_date": partner.sudo()._get_support_resubscribe_date(),
                "page_name": "support_subscription",
                "error": False,
                "message": False,
            }
        )
        values.update(extra)
        return values

    def _support_subscription_render(self, **extra):
        return request.render(
            "support_billing.portal_my_subscription",
            self._support_subscription_values(**extra),
        )

    def _support_subscription_check(self, subscription_id):
        """The subscription, if the portal user may see it (else AccessError)."""
        subscription = self._document_check_access(
            "support.subscription", subscription_id
        )
        # only the customer's own people act here: staff who may read every
        # subscription do not cancel or change one through the portal
        partner = request.env.user.partner_id
        if (
            partner.commercial_partner_id
            != subscription.sudo().partner_id.commercial_partner_id
        ):
            raise AccessError(request.env._("This subscription is not yours."))
        # act as the portal user (chatter author), past the read-only ACL
        return subscription.with_user(request.env.user).sudo()

    def _support_subscription_for_users(self, subscription_id):
        """``(subscription, None)`` when its users may change, else
        ``(None, the response to send)``."""
        try:
            subscription = self._support_subscription_check(subscription_id)
        except (AccessError, MissingError):
            return None, request.redirect("/my")
        if subscription.state not in ("draft", "waiting", "active"):
            return None, self._support_subscription_render(
                error=request.env._(
                    "Users can only be changed on an open subscription."
                )
            )
        return subscription, None

    @http.route("/my/subscription", type="http", auth="user", website=True)
    def portal_my_subscription(self, message=None, tx_id=None, **kw):
        if tx_id and not message:
            message = self._support_card_message(tx_id)
        messages = {
            "card_saved": request.env._(
                "Your card is saved: it pays your subscription every month."
            ),
            "card_pending": request.env._(
                "Your card is being checked: it will appear here once accepted."
            ),
            "card_stopped": request.env._(
                "Automatic payment stopped: your next invoices are paid by hand."
            ),
            "added": request.env._("The user was added: the next invoice counts them."),
            "removed": request.env._(
                "The user was removed: the next invoice no longer counts them."
            ),
            "cancelled": request.env._("Your subscription is cancelled."),
            "withdrawn": request.env._(
                "Your subscription is withdrawn and its unpaid first invoice cancelled."
            ),
            "withdrawn_credited": request.env._(
                "Your subscription is withdrawn: its first invoice is credited and "
                "what you paid stays as a credit on your account, refunded or "
                "used on a later invoice."
            ),
        }
        return self._support_subscription_render(message=messages.get(message))

    def _support_card_message(self, tx_id):
        """After "Save this card": whether the card check saved the card."""
        try:
            tx_id = int(tx_id)
        except (TypeError, ValueError):
            return None
        tx = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        partner = request.env.user.partner_id
        if not tx or tx.partner_id.commercial_partner_id != (
            partner.commercial_partner_id
        ):
            return None
        sub = tx.support_autopay_subscription_id
        if sub and tx.token_id and sub.payment_token_id == tx.token_id:
            return "card_saved"
        return "card_pending" if tx.state in ("draft", "pending") else None

    @http.route(
        "/my/subscription/subscribe",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_subscribe(
        self, plan_id=None, startup_contact=None, confirm=None, **kw
    ):
        """ "Subscribe" shows a summary first (the plan, the first invoice
        with taxes, the terms); its Confirm issues the first invoice."""
        try:
            plan_id = int(plan_id or 0)
        except (TypeError, ValueError):
            plan_id = 0
        plan = request.env["support.plan"].browse(plan_id).exists()
        if not plan or not plan.has_access("read"):
            return self._support_subscription_render(
                error=request.env._("Choose a subscription plan.")
            )
        if startup_contact not in ("phone", "email"):
            startup_contact = "phone"
        if not confirm:
            return self._support_subscription_summary(plan, startup_contact)
        try:
            subscription = request.env[
                "support.subscription"
            ]._support_subscribe_from_portal(
                request.env.user.partner_id, plan, startup_contact, request.env.company
            )
        except (UserError, ValidationError) as error:
            return self._support_subscription_render(error=error.args[0])
        return request.redirect(subscription.first_invoice_id.get_portal_url())

    def _support_subscription_summary(self, plan, startup_contact):
        person = request.env.user.partner_id
        lines, totals = request.env[
            "support.subscription"
        ]._support_preview_subscription(person, plan, request.env.company)
        values = self._support_subscription_values(
            summary_plan=plan,
            summary_lines=lines,
            summary_totals=totals,
            summary_currency=lines[:1].currency_id or request.env.company.currency_id,
            startup_contact=startup_contact,
            subscription_summary=True,
            terms=[
                request.env._(
                    "Unlimited tickets for your authorised users; %(users)s users "
                    "included, extra users at the price of the plan.",
                    users=plan.users_included,
                ),
                request.env._(
                    "Cancel at any time, free: the subscription ends at the end of "
                    "the current month. A new subscription is then possible after "
                    "%(months)s months.",
                    months=rules.RESUBSCRIBE_DELAY_MONTHS,
                ),
            ],
        )
        return request.render("support_billing.portal_my_subscription_summary", values)

    @http.route(
        "/my/subscription/<int:subscription_id>/users/add",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_add_user(
        self, subscription_id, name=None, email=None, **kw
    ):
        subscription, refusal = self._support_subscription_for_users(subscription_id)
        if refusal:
            return refusal
        try:
            with request.env.cr.savepoint():
                subscription._add_authorized_user(name, email)
        except (UserError, ValidationError) as error:
            return self._support_subscription_render(error=error.args[0])
        return request.redirect("/my/subscription?message=added")

    @http.route(
        "/my/subscription/<int:subscription_id>/users/<int:partner_id>/remove",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_subscription_remove_user(
        self, subscription_id, partner_id, confirm=None, **kw
    ):
        """GET asks for confirmation; POST with ``confirm`` removes."""
        subscription, refusal = self._support_subscription_for_users(subscription_id)
        if refusal:
            return refusal
        partner = request.env["res.partner"].sudo().browse(partner_id)
        if partner not in subscription.authorized_user_ids:
            return request.redirect("/my/subscription")
        if request.httprequest.method != "POST" or not confirm:
            values = self._support_subscription_values(
                subscription=subscription.sudo(False), removed_user=partner
            )
            if partner == request.env.user.partner_id:
                values["error"] = request.env._(
                    "You cannot remove yourself from the subscription: ask "
                    "another authorised user of your company, or contact us."
                )
            return request.render(
                "support_billing.portal_my_subscription_remove_user", values
            )
        try:
            with request.env.cr.savepoint():
                subscription._remove_authorized_user(partner)
        except (UserError, ValidationError) as error:
            return self._support_subscription_render(error=error.args[0])
        return request.redirect("/my/subscription?message=removed")

    @http.route(
        "/my/subscription/<int:subscription_id>/cancel",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_subscription_cancel(self, subscription_id, confirm=None, **kw):
        """GET asks for confirmation; POST with ``confirm`` cancels."""
        try:
            subscription = self._support_subscription_check(subscription_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if subscription.state not in ("draft", "waiting", "active"):
            return request.redirect("/my/subscription")
        if request.httprequest.method != "POST" or not confirm:
            values = self._support_subscription_values(
                subscription=subscription.sudo(False),
                subscription_cancel=True,
                cancel_end=rules.cancellation_end_date(
                    fields.Date.context_today(subscription)
                ),
                cancel_resubscribe=rules.resubscribe_date(
                    fields.Date.context_today(subscription)
                ),
            )
            return request.render(
                "support_billing.portal_my_subscription_cancel", values
            )
        if subscription.state == "active":
            message = "cancelled"
        elif subscription.first_invoice_id.payment_state == "partial":
            message = "withdrawn_credited"
        else:
            message = "withdrawn"
        subscription.action_cancel()
        return request.redirect(f"/my/subscription?message={message}")

    # -------------------------------------------------- prepaid credits -----
    def _get_support_balance_values(self, page=1):
        """Values of the balance page: the totals (a few queries whatever
        the ledger's length) and one page of the ledger."""
        partner = request.env.user.partner_id.commercial_partner_id
        packs = request.env["support.ticket.pack"].search(
            [("partner_id", "=", partner.id)]
        )
        balance = partner.sudo()._get_support_pack_balance()
        moves = request.env["support.ticket.pack.move"]
        domain = [("partner_id", "=", partner.id)]
        pager = portal_pager(
            url="/my/support_balance",
            total=moves.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        return {
            "packs": packs,
            "moves": moves.search(
                domain, limit=self._items_per_page, offset=pager["offset"]
            ),
            "pager": pager,
            "remaining": balance["remaining"],
            "expired": balance["expired"],
            "expiring": packs.filtered(lambda p: p in balance["expiring"]),
            "products": request.env["product.product"]
            .sudo()
            .search(self._get_support_pack_product_domain()),
            "pending": self._support_pending_purchases(partner),
            "page_name": "support_balance",
            "error": False,
            "message": False,
        }

    def _get_support_pack_product_domain(self):
        return [
            ("support_is_pack", "=", True),
            ("sale_ok", "=", True),
            ("company_id", "in", [False, request.env.company.id]),
        ]

    @http.route(
        ["/my/support_balance", "/my/support_balance/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_support_balance(self, page=1, message=None, **kw):
        values = self._prepare_portal_layout_values()
        values.update(self._get_support_balance_values(page=page))
        if message == "cancelled":
            values["message"] = request.env._(
                "Your purchase is cancelled and its unpaid invoice with it."
            )
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
        filename = request.env._("Prepaid credits - %(name)s.pdf", name=partner.name)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    def _support_pack_product(self, product_id):
        """The pack product on sale with this id, else an empty record."""
        try:
            product_id = int(product_id or 0)
        except (TypeError, ValueError):
            product_id = 0
        return (
            request.env["product.product"]
            .sudo()
            .search(
                self._get_support_pack_product_domain() + [("id", "=", product_id)],
                limit=1,
            )
        )

    @staticmethod
    def _support_pack_quantity(quantity):
        """The number of packs asked for: a whole number from 1 to
        ``MAX_PACKS_PER_PURCHASE``, else None."""
        try:
            quantity = int(quantity or 1)
        except (TypeError, ValueError):
            return None
        return quantity if 1 <= quantity <= MAX_PACKS_PER_PURCHASE else None

    @http.route(
        "/my/support_balance/buy",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_buy_support_tickets(
        self, product_id=None, quantity=None, confirm=None, **kw
    ):
        """Buying prepaid credits: a summary first (what, how many, the
        amount with taxes, the terms); the invoice is issued only by the
        summary's Confirm (a POST with ``confirm``), then the customer is
        sent to pay it."""
        product = self._support_pack_product(product_id)
        count = self._support_pack_quantity(quantity)
        if not product or count is None:
            return request.redirect("/my/support_balance")
        partner = request.env.user.partner_id
        if request.httprequest.method != "POST" or not confirm:
            return self._support_buy_summary(partner, product, count)
        # a second click on Confirm (or two at once): the open invoice of
        # the same purchase is reused, never a second one
        invoice = (
            request.env["account.move"]
            .sudo()
            ._support_confirm_pack_purchase(partner, product, count)
        )
        return request.redirect(invoice.get_portal_url())

    def _support_buy_summary(self, partner, product, quantity):
        moves = request.env["account.move"]
        lines, totals = moves._support_preview_invoice(
            moves._support_prepare_pack_invoice_vals(partner, product, quantity)
        )
        # the terms of the company that invoices the pack (issue 28)
        company = lines[:1].company_id or product.company_id or request.env.company
        terms = company._support_terms(partner=partner)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "product": product,
                "quantity": quantity,
                "credits": quantity * product.support_pack_ticket_count,
                "line": lines[:1],
                "totals": totals,
                "currency": lines[:1].currency_id,
                "terms": [
                    request.env._(
                        "Your credits are valid %(months)s months from the day the "
                        "invoice is paid.",
                        months=product.support_pack_validity_months,
                    ),
                    request.env._(
                        "One credit covers one issue, up to %(minutes)s minutes of "
                        "work; longer work on the same issue uses further credits.",
                        minutes=terms.credit_minutes,
                    ),
                ],
                "page_name": "support_balance_buy",
            }
        )
        return request.render("support_billing.portal_support_buy_summary", values)

    @http.route(
        "/my/support_balance/purchase/<int:invoice_id>/cancel",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_cancel_support_purchase(self, invoice_id, confirm=None, **kw):
        """The customer withdraws her unpaid purchase of prepaid credits:
        GET asks for confirmation; POST with ``confirm`` cancels."""
        # the purchases listed on the balance page: the customer's company's
        customer = request.env.user.partner_id.commercial_partner_id
        invoice = self._support_pending_purchases(customer).filtered(
            lambda move: move.id == invoice_id
        )
        if not invoice:
            return request.redirect("/my/support_balance")
        if request.httprequest.method != "POST" or not confirm:
            values = self._prepare_portal_layout_values()
            values.update({"invoice": invoice, "page_name": "support_balance_cancel"})
            return request.render(
                "support_billing.portal_support_cancel_purchase", values
            )
        try:
            with request.env.cr.savepoint():
                invoice.lock_for_update()
                invoice.invalidate_recordset()
                # as the customer (chatter author), past the invoice's ACL
                invoice.with_user(
                    request.env.user
                ).sudo()._support_cancel_pending_purchase()
        except UserError as error:
            values = self._prepare_portal_layout_values()
            values.update(self._get_support_balance_values())
            values["error"] = error.args[0]
            return request.render("support_billing.portal_my_support_balance", values)
        return request.redirect("/my/support_balance?message=cancelled")

    def _support_pending_purchases(self, customer):
        """The customer's purchases of prepaid credits not paid yet."""
        return (
            request.env["account.move"]
            .sudo()
            .search(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("commercial_partner_id", "=", customer.id),
                    ("company_id", "in", request.env.user.company_ids.ids),
                    ("support_subscription_id", "=", False),
                    ("invoice_line_ids.product_id.support_is_pack", "=", True),
                ],
                order="id desc",
            )
        )


class SupportTicketPortal(CustomerPortalHelpdesk):
    """The ticket page lists its time entries a page at a time."""

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        entries = request.env["support.time.entry"].sudo()
        domain = [("ticket_id", "=", ticket.id)]
        total = entries.search_count(domain)
        pager = self._support_query_pager(
            f"/my/ticket/{ticket.id}",
            total,
            kwargs.get("time_page"),
            {"access_token": access_token} if access_token else {},
        )
        values.update(
            {
                "support_entries": entries.search(
                    domain, limit=self._items_per_page, offset=pager["offset"]
                ),
                "support_entries_pager": pager if total > self._items_per_page else {},
                # the card hold the technician asked for, waiting for her card
                "support_holds_waiting": request.env["support.card.hold"]
                .sudo()
                .search([("ticket_id", "=", ticket.id), ("state", "=", "draft")]),
            }
        )
        return values

    def _support_query_pager(self, url, total, page, url_args):
        """Odoo's portal pager whose pages are a ``time_page`` query argument
        (the ticket's route has no ``/page/<n>``), anchored on the list."""
        pager = portal_pager(
            url=url, total=total, page=page or 1, step=self._items_per_page
        )

        def link(num):
            return f"{url}?{urlencode({**url_args, 'time_page': num})}#support_time"

        for value in pager.values():
            if isinstance(value, dict) and "num" in value:
                value["url"] = link(value["num"])
        for item in pager["pages"]:
            if item["url"]:
                item["url"] = link(item["num"])
        return pager
