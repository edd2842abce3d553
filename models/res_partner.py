# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError
from odoo.fields import Domain
from odoo.tools import format_date, hash_sign, verify_hash_signed

from .. import const, rules
from .support_invoicing_mixin import check_money_links, check_pricing_vals
from .support_terms_override_mixin import OVERRIDE_FIELDS

_logger = logging.getLogger(__name__)

#: The price of a customer's time: accountants and support managers set it.
PRICE_FIELDS = {"support_hourly_rate", "support_trial_eligible"}
#: Written by the invoicing only (the free trial granted on invoices).
MONEY_FIELDS = {"support_trial_minutes_used"}


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "support.invoicing.mixin",
        "support.terms.override.mixin",
    ]

    support_claimed_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Claims to Be",
        index="btree_not_null",
        copy=False,
        help="A visitor of a public form who typed this customer's e-mail "
        "address without proving it: their requests stay apart (not in the "
        "customer's portal, not on their packs) until staff confirm them.",
    )
    support_hourly_rate = fields.Float(
        string="Support Hourly Rate",
        digits="Product Price",
        company_dependent=True,
        tracking=True,
        help="Price of one hour of support for this customer. Leave empty to use "
        "the customer's pricelist, or the price of the Support time product.",
    )
    support_hourly_rate_placeholder = fields.Char(
        string="Rate That Applies",
        compute="_compute_support_hourly_rate_placeholder",
        help="The rate that applies when the customer has no rate of its own.",
    )
    support_currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_support_currency_id",
    )
    support_trial_eligible = fields.Boolean(
        string="Free Trial",
        default=True,
        tracking=True,
        help="The customer gets the free trial of the company's terms, once.",
    )
    support_trial_minutes_used = fields.Integer(
        string="Trial Minutes Used",
        copy=False,
        readonly=True,
        help="Free trial minutes given on the customer's invoices (credited or "
        "cancelled invoices give them back).",
    )
    support_trial_minutes_left = fields.Integer(
        string="Trial Minutes Left",
        compute="_compute_support_trial_minutes_left",
    )
    support_time_entry_count = fields.Integer(
        string="Support Time",
        compute="_compute_support_time_entry_count",
    )
    support_pack_remaining = fields.Integer(
        string="Prepaid Credits",
        compute="_compute_support_pack_remaining",
        help="Prepaid support credits the customer can still use.",
    )
    support_subscription_ids = fields.One2many(
        comodel_name="support.subscription",
        inverse_name="partner_id",
        string="Support Subscriptions",
    )
    support_resubscribe_date = fields.Date(
        string="Re-subscription Possible From",
        compute="_compute_support_resubscribe_date",
        help="A customer who cancelled its support subscription may subscribe "
        "again 3 months after the cancellation date.",
    )
    support_invoice_error = fields.Text(
        string="Support Invoicing Error",
        copy=False,
        readonly=True,
    )

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, MONEY_FIELDS, create=True)
            self._support_check_price_vals(vals, create=True)
            self._support_check_terms_vals(vals, OVERRIDE_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, MONEY_FIELDS)
        self._support_check_price_vals(vals)
        self._support_check_terms_vals(vals, OVERRIDE_FIELDS)
        return super().write(vals)

    def _support_check_price_vals(self, vals, create=False):
        """Only accountants and support managers set a customer's hourly
        rate and free trial (technicians who edit contacts cannot)."""

        def message():
            fields_ = [
                f'"{self._fields[fname]._description_string(self.env)}"'
                for fname in sorted(PRICE_FIELDS)
            ]
            return self.env._(
                "Only accountants and support managers can change a "
                "customer's %(fields)s.",
                fields=" / ".join(fields_),
            )

        check_pricing_vals(self, vals, PRICE_FIELDS, message, create=create)

    # ------------------------------------------------------------ compute
    def _compute_support_currency_id(self):
        self.support_currency_id = self.env.company.currency_id

    @api.depends("property_product_pricelist")
    @api.depends_context("company")
    def _compute_support_hourly_rate_placeholder(self):
        """The rate an unset ``support_hourly_rate`` leaves: the pricelist's
        price of the support time product, else that product's price."""
        company = self.env.company
        product = company.support_time_product_id or self.env.ref(
            "support_billing.product_support_time", raise_if_not_found=False
        )
        for partner in self:
            if not product:
                partner.support_hourly_rate_placeholder = False
                continue
            rate = partner._get_support_default_rate(product)
            partner.support_hourly_rate_placeholder = self.env._(
                "%(rate)s (rate that applies)",
                rate=company.currency_id.format(rate),
            )

    @api.model
    def _demo_support_domestic_customers(self, xmlids):
        """Demo data: the demo customers are the business's own customers,
        invoiced in its currency with its domestic fiscal position (the
        taxes of the products apply), not as exports without tax."""
        company = self.env.company
        domestic = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(company.partner_id)
        )
        if not domestic:
            return
        for xmlid in xmlids:
            partner = self.env.ref(xmlid, raise_if_not_found=False)
            if partner:
                partner.with_company(company).property_account_position_id = domestic

    def _compute_support_trial_minutes_left(self):
        for partner in self:
            partner.support_trial_minutes_left = (
                partner.commercial_partner_id._get_support_trial_minutes_left()
            )

    def _compute_support_time_entry_count(self):
        counts = dict(
            self.env["support.time.entry"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.support_time_entry_count = counts.get(
                partner.commercial_partner_id, 0
            )

    @api.depends_context("allowed_company_ids")
    def _compute_support_pack_remaining(self):
        today = fields.Date.context_today(self)
        packs = self.env["support.ticket.pack"].sudo()
        sums = dict(
            packs._read_group(
                Domain("partner_id", "in", self.commercial_partner_id.ids)
                & Domain("expiry_date", ">", today)
                # the packs of the companies shown, as the list shows them
                & Domain("company_id", "in", self.env.companies.ids)
                & packs._get_paid_domain(),
                ["partner_id"],
                ["remaining_tickets:sum"],
            )
        )
        for partner in self:
            partner.support_pack_remaining = sums.get(partner.commercial_partner_id, 0)

    def _compute_support_resubscribe_date(self):
        for partner in self:
            partner.support_resubscribe_date = (
                partner.commercial_partner_id._get_support_resubscribe_date()
            )

    # ------------------------------------------------------------ actions
    def action_view_support_packs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_ticket_pack_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def _get_support_pack_balance(self):
        """Balance of the commercial partner for the portal and the statement.

        Three queries whatever the length of the ledger: the stored totals
        of the packs (usable tickets), the packs expiring soon, and one
        aggregate of the ledger's expiries.  The packs and the ledger
        themselves are read by the pages that list them (paginated).
        """
        self.ensure_one()
        partner = self.commercial_partner_id
        today = fields.Date.context_today(self)
        packs = self.env["support.ticket.pack"].sudo()
        # tickets of an invoice not paid (a bounced payment) are not usable
        paid = packs._get_paid_domain()
        [[remaining]] = packs._read_group(
            Domain("partner_id", "=", partner.id)
            & Domain("expiry_date", ">", today)
            & paid,
            [],
            ["remaining_tickets:sum"],
        )
        expiring = packs.search(
            Domain("partner_id", "=", partner.id)
            & Domain("expiry_date", ">", today)
            & Domain(
                "expiry_date",
                "<=",
                today + timedelta(days=rules.PACK_EXPIRY_NOTICE_DAYS),
            )
            & Domain("remaining_tickets", ">", 0)
            & paid
        )
        [[expired]] = (
            self.env["support.ticket.pack.move"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "=", partner.id),
                    ("reason", "=", const.PACK_MOVE_EXPIRY),
                ],
                [],
                ["expired_tickets:sum"],
            )
        )
        return {
            "remaining": remaining or 0,
            "expiring": expiring,
            "expired": expired or 0,
        }

    def _get_support_pack_statement(self, max_moves=None):
        """The statement of the commercial partner: its balance, its packs
        and the last ``max_moves`` lines of its ledger (newest first)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        values = self._get_support_pack_balance()
        values["packs"] = (
            self.env["support.ticket.pack"]
            .sudo()
            .search([("partner_id", "=", partner.id)])
        )
        values["moves"] = (
            self.env["support.ticket.pack.move"]
            .sudo()
            .search(
                [("partner_id", "=", partner.id)],
                order="date desc, id desc",
                limit=max_moves,
            )
        )
        return values

    def action_view_support_time(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.support_time_entry_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_groupby_ticket": 1}
        return action

    def action_support_invoice_time(self):
        return self.env["support.invoice.wizard"]._action_open(
            partner_ids=self.commercial_partner_id.ids,
        )

    # ----------------------------------------------------------- business
    def _get_support_trial_minutes_left(self, company=None, date=None):
        """Minutes of free trial the commercial partner still has: what the
        terms of ``company`` (default: the partner's, else the current one)
        in force on ``date`` offer, less what it used."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if not partner.support_trial_eligible:
            return 0
        company = company or partner.company_id or self.env.company
        offered = company._support_terms(date).trial_offered
        return max(0, offered - partner._support_get_trial_used())

    def _support_get_trial_used(self):
        """Trial minutes of the invoice lines that still bill time."""
        self.ensure_one()
        return self._support_get_trial_used_by_partner().get(
            self.commercial_partner_id, 0
        )

    def _support_get_trial_used_by_partner(self):
        """Trial minutes used, per commercial partner of these partners: one
        aggregate for the whole batch (invoice lines that still bill time)."""
        partners = self.commercial_partner_id
        if not partners:
            return {}
        domain = Domain(
            "support_ticket_id.commercial_partner_id", "in", partners.ids
        ) & Domain("support_time_entry_ids", "!=", False)
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                domain,
                ["support_ticket_id.commercial_partner_id"],
                ["support_trial_minutes:sum"],
            )
        )
        return {partner: used or 0 for partner, used in groups}

    def _support_get_trial_minutes_left_by_partner(self, company=None, date=None):
        """Free trial minutes left, per commercial partner of these partners,
        under the terms of ``company`` in force on ``date``."""
        partners = self.commercial_partner_id
        used = partners._support_get_trial_used_by_partner()
        offered = (company or self.env.company)._support_terms(date).trial_offered
        return {
            partner: max(0, offered - used.get(partner, 0))
            if partner.support_trial_eligible
            else 0
            for partner in partners
        }

    def _support_store_trial_used(self):
        """Write the trial used on the customer's row (README "Free trial").

        The write is what makes two concurrent invoicing runs meet on this
        row: the second cannot lock or update it and gives up, so the trial
        is granted once.
        """
        used = self._support_get_trial_used_by_partner()
        for partner in self:
            value = used.get(partner.commercial_partner_id, 0)
            if value != partner.support_trial_minutes_used:
                partner.support_trial_minutes_used = value

    def _support_lock_for_invoicing(self):
        """Lock these customers' rows for an invoicing run, or refuse."""
        try:
            self.commercial_partner_id.lock_for_update()
        except LockError as error:
            raise UserError(
                self.env._(
                    "The support time of %(customers)s is being invoiced by "
                    "someone else right now; try again in a moment.",
                    customers=", ".join(self.commercial_partner_id.mapped("name")),
                )
            ) from error

    def _support_try_lock_batch(self):
        """Lock the rows of these customers (``self``: partners) for the
        run; returns those locked.  A row locked by another worker is
        skipped; a row another transaction changed since this run began
        (a worker that just invoiced it) raises a serialization failure:
        that customer is left aside, the others are locked one by one."""
        try:
            with self.env.cr.savepoint():
                return self.try_lock_for_update()
        except pg_errors.SerializationFailure:
            _logger.info("Customers changed concurrently: locking one by one")
        free = self.browse()
        for partner in self:
            try:
                with self.env.cr.savepoint():
                    free |= partner.try_lock_for_update()
            except pg_errors.SerializationFailure:
                _logger.info("Partner %s was invoiced concurrently", partner.id)
        return free

    def _support_terms_plan(self, company):
        """The plan of this customer's open subscription in ``company``
        (its terms win over the company's), or an empty plan."""
        self.ensure_one()
        subscriptions = self.commercial_partner_id.sudo().support_subscription_ids
        for subscription in subscriptions:
            if (
                subscription.company_id == company
                and subscription.state in const.SUBSCRIPTION_OPEN_STATES
            ):
                return subscription.plan_id
        return self.env["support.plan"]

    def _get_support_hourly_rate(self, product, currency=None, date=None):
        """Hourly rate of this customer in the current company, expressed in
        ``currency`` (the document's; default: the company's) at ``date``.

        The customer's own rate (in the company's currency) wins; else the
        rate of the plan of its open subscription (README: Billing rule,
        precedence); else the customer's pricelist price of the support time
        product; else that product's sales price.
        """
        partner = self.commercial_partner_id
        company = self.env.company
        if partner.support_hourly_rate:
            return company.currency_id._convert(
                partner.support_hourly_rate,
                currency or company.currency_id,
                company,
                date or fields.Date.context_today(self),
                round=False,
            )
        plan = partner._support_terms_plan(company) if partner else partner
        if plan and plan.support_hourly_rate:
            return plan.currency_id._convert(
                plan.support_hourly_rate,
                currency or company.currency_id,
                company,
                date or fields.Date.context_today(self),
                round=False,
            )
        return partner._get_support_default_rate(product, currency, date)

    def _get_support_default_rate(self, product, currency=None, date=None):
        """The rate without the customer's own: its pricelist's price of the
        support time product, else that product's sales price, converted
        from the pricelist's (or product's) currency into ``currency`` (the
        document's; default: the current company's) at ``date`` (issue 23:
        a pricelist in euros priced a dollar document with its figure)."""
        partner = self.commercial_partner_id
        company = self.env.company
        currency = currency or company.currency_id
        date = date or fields.Date.context_today(self)
        pricelist = partner.property_product_pricelist
        if pricelist:
            price = pricelist._get_product_price(product, 1.0, date=date)
            source = pricelist.currency_id or company.currency_id
        else:
            price = product.lst_price
            source = product.currency_id or company.currency_id
        return source._convert(price, currency, company, date, round=False)

    def _set_support_invoice_error(self, error):
        """Store the last invoicing error of the customer; post it once."""
        self._store_invoice_error(
            "support_invoice_error",
            error,
            lambda error: self.env._(
                "Support time could not be invoiced: %(error)s", error=error
            ),
        )

    def _get_support_resubscribe_date(self):
        """First day this customer may subscribe again, or False when it may
        now (3 months after its last cancellation)."""
        self.ensure_one()
        last = (
            self.env["support.subscription"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("cancellation_date", "!=", False),
                ],
                order="cancellation_date desc",
                limit=1,
            )
        )
        today = fields.Date.context_today(self)
        if not last or rules.can_resubscribe(last.cancellation_date, today):
            return False
        return rules.resubscribe_date(last.cancellation_date)

    def _check_support_can_subscribe(self):
        """Refuse a new subscription within 3 months of a cancellation."""
        for partner in self:
            date = partner._get_support_resubscribe_date()
            if date:
                raise UserError(
                    self.env._(
                        "%(customer)s cancelled its support subscription less "
                        "than 3 months ago: a new subscription is possible from "
                        "%(date)s.",
                        customer=partner.commercial_partner_id.display_name,
                        date=format_date(self.env, date),
                    )
                )

    @api.model
    def _support_find_or_create(
        self, name, email, unverified=False, verified_partner=None, **values
    ):
        """The person writing from a public page: their partner
        matched by e-mail, else a new one with ``values`` (language, phone,
        address).  Runs as superuser: public visitors read no partner.

        ``unverified``: the visitor did not prove the address (not logged in
        as its owner).  When it is a customer's, a separate "visitor" partner
        that claims to be that customer is returned, so the records it gets
        are found by staff but neither shown in the customer's portal nor
        charged to their packs until confirmed.
        ``verified_partner``: the logged-in visitor's partner, used when
        ``unverified`` is false."""
        if not unverified and verified_partner and not verified_partner.is_public:
            return verified_partner.sudo()
        partners = self.sudo()
        partner = partners.search(
            [
                ("email_normalized", "=", email),
                ("support_claimed_partner_id", "=", False),
            ],
            order="id",
            limit=1,
        )
        if not partner:
            values.setdefault("lang", self.env.lang)
            return partners.create({"name": name, "email": email, **values})
        if not unverified:
            return partner
        visitor = partners.search(
            [
                ("email_normalized", "=", email),
                ("support_claimed_partner_id", "=", partner.id),
            ],
            order="id",
            limit=1,
        )
        if not visitor:
            values.setdefault("lang", self.env.lang)
            visitor = partners.create(
                {
                    "name": name,
                    "email": email,
                    "support_claimed_partner_id": partner.id,
                    **values,
                }
            )
        return visitor

    # -------------------------------------------- proof of the address
    def _support_address_proof_token(self, proof_request):
        """The signed, expiring token of the link that proves that this
        visitor owns its e-mail address and sent ``proof_request`` (a
        ticket or an intervention): it confirms that request only."""
        self.ensure_one()
        proof_request.ensure_one()
        return hash_sign(
            self.env(su=True),
            const.ADDRESS_PROOF_SCOPE,
            {
                "partner_id": self.id,
                "email": self.email_normalized,
                "model": proof_request._name,
                "res_id": proof_request.id,
            },
            expiration_hours=const.ADDRESS_PROOF_HOURS,
        )

    @api.model
    def _support_proof_from_token(self, token):
        """``(visitor, request)`` of a valid, unexpired ``token`` whose address
        did not change since and whose request is the visitor's (or was
        confirmed to its customer), else two empty recordsets (forged,
        expired, any junk)."""
        nothing = (self.sudo().browse(), self.env["helpdesk.ticket"].sudo().browse())
        if not isinstance(token, str) or not token.isascii() or len(token) > 512:
            return nothing
        try:
            payload = verify_hash_signed(
                self.env(su=True), const.ADDRESS_PROOF_SCOPE, token
            )
        except (ValueError, TypeError):
            return nothing
        if not isinstance(payload, dict):
            return nothing
        partner_id, email = payload.get("partner_id"), payload.get("email")
        model, res_id = payload.get("model"), payload.get("res_id")
        if (
            not all(isinstance(i, int) and 0 < i < 2**31 for i in (partner_id, res_id))
            or model not in const.ADDRESS_PROOF_MODELS
        ):
            return nothing
        visitor = self.sudo().browse(partner_id).exists()
        if (
            not visitor.support_claimed_partner_id
            or not email
            or visitor.email_normalized != email
            or visitor.support_claimed_partner_id.email_normalized != email
        ):
            return nothing
        proof_request = self.env[model].sudo().browse(res_id).exists()
        if proof_request.partner_id not in (
            visitor | visitor.support_claimed_partner_id
        ):
            return nothing
        return visitor, proof_request

    def _support_send_address_proof(self, proof_request):
        """E-mail the visitor a link proving the address it typed for
        ``proof_request``: opened and confirmed, that request (only) moves
        to the customer it claims to be."""
        template = self.env.ref(
            "support_billing.mail_template_support_address_proof",
            raise_if_not_found=False,
        )
        if not template:
            return
        for visitor in self.sudo().filtered("support_claimed_partner_id"):
            url = (
                f"{visitor.get_base_url()}/support/verify"
                f"?token={visitor._support_address_proof_token(proof_request)}"
            )
            # the request's reference, never its text: a stranger's words are
            # not sent to the address they typed
            reference = (
                proof_request.number
                if proof_request._name == "helpdesk.ticket"
                else proof_request.name
            )
            template.sudo().with_context(
                support_proof_url=url, support_proof_reference=reference
            ).send_mail(visitor.id)

    def _support_confirm_address_proof(self, proof_request):
        """The visitor proved its address for ``proof_request``: that ticket
        or intervention (with its ticket) moves to the customer it claims to
        be, as staff's Confirm Customer, and shows the proof to staff.  Its
        other requests stay apart: each has its own link."""
        self.ensure_one()
        visitor = self.sudo()
        proof_request = proof_request.sudo()
        if not visitor.support_claimed_partner_id or (
            proof_request.partner_id != visitor
        ):
            return False
        body = self.env._(
            "Customer confirmed: the sender proved the address %(email)s "
            "by the link e-mailed to it for this request.",
            email=visitor.email_normalized,
        )
        proven = [proof_request]
        if proof_request._name == "support.intervention":
            proven.append(
                proof_request.ticket_id.filtered(lambda t: t.partner_id == visitor)
            )
        proof_request._support_move_to_claimed_partner(body)
        for records in proven:
            records.support_address_proven_date = fields.Datetime.now()
        return True
