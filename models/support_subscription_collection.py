# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's side of collecting a subscription (issue 25): the card
saved with her consent, the card's expiry reminder, the reminders of an
unpaid invoice and the suspension after too long unpaid.

The off-session charges and their retries are the engine's
(``account.move._support_autopay_charge``); this file decides what the
customer agreed to and what happens when the money does not come.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import format_amount, format_date

from .. import rules
from .support_invoicing_mixin import check_money_links

_logger = logging.getLogger(__name__)

#: Written by the consent, the payment and the collection cron only.
COLLECTION_FIELDS = {
    "autopay_consent_date",
    "autopay_consent_text",
    "autopay_consent_partner_id",
    "suspension_date",
}


class SupportSubscription(models.Model):
    _name = "support.subscription"
    _inherit = "support.subscription"

    autopay_consent_date = fields.Datetime(
        string="Card Consent Date",
        copy=False,
        readonly=True,
        tracking=True,
        help="When the customer authorised the monthly charge of the saved card.",
    )
    autopay_consent_text = fields.Text(
        string="Card Consent",
        copy=False,
        readonly=True,
        help="The words the customer agreed to, as shown to her.",
    )
    autopay_consent_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Consent Given By",
        copy=False,
        readonly=True,
    )
    suspension_date = fields.Date(
        string="Suspended Since",
        copy=False,
        readonly=True,
        tracking=True,
        index="btree_not_null",
        help="An invoice stayed unpaid too long: from this day the time worked "
        "is billed as ordinary time, until the invoice is paid.",
    )

    # --------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_money_links(self, vals, COLLECTION_FIELDS, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_money_links(self, vals, COLLECTION_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------ actions
    def _support_autopay_consent_text(self, lang=None):
        """The consent the customer gives when she saves her card, in
        ``lang`` (the words shown beside the checkbox are these, and they
        are stored as she read them)."""
        self.ensure_one()
        env = self.with_context(lang=lang or self.env.lang).env
        return env._(
            "I authorise %(company)s to charge this card %(amount)s every month "
            "for my support plan until I stop it on my subscription page.",
            company=self.company_id.name,
            amount=format_amount(env, self.monthly_amount, self.currency_id),
        )

    def _support_autopay_token_usable(self, token):
        """Whether ``token`` may pay this subscription (the customer's active
        card of an enabled provider of the company), without raising."""
        self.ensure_one()
        try:
            self._support_check_autopay_token(token)
        except UserError:
            return False
        return True

    def _support_save_card(self, token, consent_text, partner):
        """The customer's card ``token`` pays this subscription from now on,
        with her consent ``consent_text`` given by ``partner`` (one of the
        customer's people).  Called by the payment that saved the card."""
        self.ensure_one()
        token = token.sudo()
        if self.state not in ("waiting", "active"):
            raise UserError(
                self.env._(
                    "Subscription %(name)s is not open: its card cannot be saved.",
                    name=self.name,
                )
            )
        if (
            token.partner_id.commercial_partner_id != self.partner_id
            or partner.commercial_partner_id != self.partner_id
        ):
            raise AccessError(
                self.env._("This card is not the subscription customer's.")
            )
        if not consent_text:
            raise UserError(
                self.env._("The card is saved only with the customer's consent.")
            )
        sub = self.sudo()
        previous = sub.payment_token_id
        sub.write(
            {
                "autopay_consent_date": fields.Datetime.now(),
                "autopay_consent_text": consent_text,
                "autopay_consent_partner_id": partner.id,
            }
        )
        # the engine checks the card (active, the customer's, enabled
        # provider of the company) and posts that it pays the invoices
        sub._support_set_autopay_token(token)
        if previous and previous != token:
            # the top-ups not charged yet are paid by the new card
            sub._support_topup_invoices(previous).write(
                {"support_topup_token_id": token.id}
            )
        sub.message_post(
            body=self.env._(
                "Consent to the monthly charge given by %(person)s: %(consent)s",
                person=partner.name,
                consent=consent_text,
            ),
            author_id=partner.id,
        )
        return True

    def _support_stop_card(self):
        """The customer stops the automatic payment (portal): the card is
        no longer charged and her consent is withdrawn."""
        self.ensure_one()
        if not self.sudo().payment_token_id:
            return False
        self.sudo().action_stop_autopay()
        self.sudo().write(
            {
                "autopay_consent_date": False,
                "autopay_consent_text": False,
                "autopay_consent_partner_id": False,
            }
        )
        return True

    def _support_clear_autopay_token(self, message):
        """The card no longer pays the subscription: nor the top-ups of
        prepaid credits it was to pay (not charged yet)."""
        tokens = {sub.id: sub.sudo().payment_token_id for sub in self}
        res = super()._support_clear_autopay_token(message)
        for sub in self:
            if tokens[sub.id]:
                sub._support_topup_invoices(tokens[sub.id])._support_autopay_stop(
                    message
                )
        return res

    def _support_topup_invoices(self, token):
        """The customer's top-up invoices that ``token`` is to pay and that
        are not paid yet."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("support_topup", "=", True),
                    ("support_topup_token_id", "=", token.id),
                    ("commercial_partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("state", "in", ("draft", "posted")),
                ]
            )
        )

    # ----------------------------------------------------------- coverage
    @api.model
    def _get_covering_domain(self, partner, date, company=None):
        """A suspended subscription does not cover the time worked from its
        suspension day."""
        return super()._get_covering_domain(partner, date, company=company) & (
            Domain("suspension_date", "=", False) | Domain("suspension_date", ">", date)
        )

    def _support_open_tickets(self):
        """The open tickets of the people the subscription covers."""
        self.ensure_one()
        requesters = self.authorized_user_ids | self.partner_id
        return (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", requesters.ids),
                    ("company_id", "=", self.company_id.id),
                    ("stage_id.closed", "=", False),
                ]
            )
        )

    def _support_suspend(self, invoice, day):
        """Suspend from ``day``: ``invoice`` stayed unpaid too long."""
        for sub in self.sudo().filtered(lambda s: not s.suspension_date):
            sub.write({"suspension_date": day})
            sub.message_post(
                body=self.env._(
                    "Subscription suspended from %(date)s: invoice %(invoice)s is "
                    "unpaid. The time worked from then on is billed as ordinary "
                    "time; the subscription resumes by itself when the invoice is "
                    "paid.",
                    date=format_date(self.env, day),
                    invoice=invoice.name,
                )
            )
            for ticket in sub._support_open_tickets():
                env = ticket.with_context(
                    lang=ticket.partner_id.lang or self.env.lang
                ).env
                ticket.message_post(
                    body=env._(
                        "Subscription %(name)s is suspended from %(date)s (invoice "
                        "%(invoice)s unpaid): the time worked on this ticket from "
                        "then on is billed as ordinary time. Once the invoice is "
                        "paid, the time not yet invoiced is covered again.",
                        name=sub.name,
                        date=format_date(env, day),
                        invoice=invoice.name,
                    ),
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )

    def _support_resume_if_paid(self):
        """Resume the suspended subscriptions that no longer have an invoice
        unpaid past the suspension delay; the time worked while suspended
        and not invoiced yet is covered again (``_support_cover_logged_time``),
        the time already invoiced stays invoiced."""
        today = fields.Date.context_today(self)
        for sub in self.sudo().filtered("suspension_date"):
            if sub._support_overdue_invoices(today):
                continue
            since = sub.suspension_date
            sub.write({"suspension_date": False})
            sub._support_cover_logged_time()
            sub.message_post(
                body=self.env._(
                    "Subscription resumed: the unpaid invoice is paid. The time "
                    "worked since %(date)s and not yet invoiced is covered again.",
                    date=format_date(self.env, since),
                )
            )
            for ticket in sub._support_open_tickets():
                env = ticket.with_context(
                    lang=ticket.partner_id.lang or self.env.lang
                ).env
                ticket.message_post(
                    body=env._(
                        "Subscription %(name)s is resumed: the time worked on this "
                        "ticket is covered again (the time already invoiced stays "
                        "invoiced).",
                        name=sub.name,
                    ),
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )

    # ---------------------------------------------------------- collection
    def _support_unpaid_invoices(self):
        self.ensure_one()
        return self.sudo().invoice_ids.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and not m.support_topup
                and m.state == "posted"
                and m.payment_state in ("not_paid", "partial")
                and not m._support_is_fully_paid()
            )
        )

    def _support_overdue_invoices(self, today):
        """The invoices unpaid past the company's suspension delay."""
        self.ensure_one()
        after = self.company_id.support_suspend_after_days
        return self._support_unpaid_invoices().filtered(
            lambda m: (
                rules.suspension_date(m.invoice_date_due or m.invoice_date, after)
                <= today
            )
        )

    def _support_retry_days(self, invoice):
        """The engine's retry offsets (days after the first attempt, made
        when the invoice is issued) when the saved card was charged for
        ``invoice``, else none: the reminders count from the last retry."""
        if not invoice.support_autopay_state:
            return ()
        try:
            return self.company_id._support_autopay_retry_days()
        except ValueError:
            return ()

    def _support_collect(self, today):
        """Remind the unpaid invoices whose reminder day came, suspend the
        subscription when one is unpaid past the delay."""
        self.ensure_one()
        company = self.company_id
        reminder_days = company._support_dunning_reminder_days()
        template = self.env.ref("support_billing.mail_template_subscription_dunning")
        for invoice in self._support_unpaid_invoices().sorted("invoice_date"):
            if invoice == self.first_invoice_id and self.state == "waiting":
                continue  # not active yet: nothing to remind or suspend
            due = invoice.invoice_date_due or invoice.invoice_date
            owed, send = rules.reminders_due(
                today,
                due,
                self._support_retry_days(invoice),
                reminder_days,
                invoice.support_dunning_sent,
            )
            if send:
                invoice.sudo().support_dunning_sent = owed
                template.sudo().with_context(
                    support_reminder_number=owed,
                    support_suspension_date=rules.suspension_date(
                        due, company.support_suspend_after_days
                    ),
                ).send_mail(invoice.id)
                invoice.sudo().message_post(
                    body=self.env._(
                        "Payment reminder %(number)s sent to the customer.",
                        number=owed,
                    )
                )
        overdue = self._support_overdue_invoices(today)
        if overdue and not self.suspension_date and self.state == "active":
            self._support_suspend(overdue.sorted("invoice_date")[:1], today)

    # -------------------------------------------------------------- crons
    @api.model
    def _cron_support_collect(self):
        """Daily: payment reminders, suspensions, card expiry reminders.
        Each subscription in its own savepoint: one failing is logged and
        the others go on."""
        today = fields.Date.context_today(self)
        subs = (
            self.sudo()
            .search([("state", "in", ("active", "cancelled", "closed"))])
            .filtered(lambda s: s._support_unpaid_invoices() or s.suspension_date)
        )
        for sub in subs:
            try:
                with self.env.cr.savepoint():
                    sub.with_company(sub.company_id)._support_collect(today)
            except Exception as error:  # noqa: BLE001 -- isolate each one
                _logger.warning(
                    "Collection of support subscription %s failed: %s", sub.id, error
                )
        self._support_remind_expiring_cards(today)

    @api.model
    def _support_remind_expiring_cards(self, today):
        """One e-mail per card and month: the card of a subscription
        expires at the end of this month; the link replaces it."""
        month = rules.month_key(today)
        template = self.env.ref("support_billing.mail_template_card_expiry")
        subs = self.sudo().search(
            [
                ("state", "in", ("waiting", "active")),
                ("payment_token_id", "!=", False),
            ]
        )
        for sub in subs:
            token = sub.payment_token_id
            if token.support_expiry_reminded == month or not (
                rules.card_expires_in_month(
                    token.support_card_exp_month, token.support_card_exp_year, today
                )
            ):
                continue
            token.support_expiry_reminded = month
            template.send_mail(sub.id)
            sub.message_post(
                body=self.env._(
                    "The saved card %(card)s expires at the end of the month: "
                    "the customer was asked to replace it.",
                    card=token.display_name,
                )
            )

    def _get_support_card_url(self):
        """Where the customer replaces the card (portal)."""
        self.ensure_one()
        return f"{self.get_base_url()}/my/subscription/{self.id}/card"

    # --------------------------------------------------------------- demo
    @api.model
    def _demo_autopay_subscription(self, partner_xmlid):
        """Demo data: ``partner_xmlid``'s company subscribes, pays its first
        invoice and saves a demo card (expiring next year) with its
        consent.  Only with Odoo's demo provider (``payment_demo``)."""
        provider = self.env.ref(
            "payment.payment_provider_demo", raise_if_not_found=False
        )
        method = self.env.ref(
            "payment_demo.payment_method_demo", raise_if_not_found=False
        )
        partner = self.env.ref(partner_xmlid, raise_if_not_found=False)
        if not (provider and method and partner) or (
            provider.module_state != "installed"
        ):
            return self.browse()
        provider.write({"allow_tokenization": True})
        sub = self.create(
            {
                "partner_id": partner.commercial_partner_id.id,
                "company_id": provider.company_id.id or self.env.company.id,
                "authorized_user_ids": [fields.Command.set(partner.ids)],
                "startup_contact": "email",
            }
        )
        sub.action_confirm()
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", sub.company_id.id)], limit=1
        )
        if journal:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=sub.first_invoice_id.ids
            ).create({"journal_id": journal.id})._create_payments()
        today = fields.Date.context_today(self)
        token = self.env["payment.token"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "partner_id": partner.id,
                "payment_details": "4242",
                "provider_ref": "demo",
                "demo_simulated_state": "done",
                "support_card_brand": "visa",
                "support_card_exp_month": today.month,
                "support_card_exp_year": today.year + 1,
            }
        )
        sub._support_save_card(
            token,
            sub._support_autopay_consent_text(lang=partner.lang),
            partner,
        )
        return sub
