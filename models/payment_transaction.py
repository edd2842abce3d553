# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import calendar
import hashlib

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.logging import get_payment_logger
from odoo.addons.payment_stripe import const as stripe_const
from odoo.addons.payment_stripe.controllers.main import StripeController

from .. import const, rules

_logger = get_payment_logger(__name__, stripe_const.SENSITIVE_KEYS)


class _ErrorSink(list):
    """Where the Stripe provider puts the error objects of one request.

    Equal only to itself: Odoo reuses an environment whose context equals
    the one asked for, so a plain empty list would be the list of an
    earlier request still empty (its answer lost), and the decline of this
    one would be read from nowhere."""

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class PaymentTransaction(models.Model):
    _name = "payment.transaction"
    _inherit = "payment.transaction"

    support_card_hold_id = fields.Many2one(
        comodel_name="support.card.hold",
        string="Card Hold",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    # issue 25: an automatic (off-session) charge of a subscription invoice
    support_autopay_attempt_number = fields.Integer(
        string="Automatic Payment Attempt",
        readonly=True,
        copy=False,
        help="Set on the off-session charge of a subscription invoice by the "
        "customer's saved card: the attempt's number for this invoice.",
    )
    support_decline_code = fields.Char(
        string="Decline Code",
        readonly=True,
        copy=False,
        help="The provider's decline code of a refused card payment.",
    )

    support_dispute_ids = fields.One2many(
        comodel_name="support.stripe.dispute",
        inverse_name="transaction_id",
        string="Stripe Disputes",
    )
    support_dispute_status = fields.Selection(
        selection=const.DISPUTE_STATUSES,
        string="Dispute Status",
        compute="_compute_support_dispute_status",
    )

    @api.depends("support_dispute_ids.status")
    def _compute_support_dispute_status(self):
        for tx in self:
            tx.support_dispute_status = tx.support_dispute_ids.sorted("id")[-1:].status

    # ------------------------------------------------------- state hooks
    def _update_state(self, allowed_states, target_state, state_message):
        if target_state in const.AUTOPAY_BLOCKING_TX_STATES:
            # a payment of an invoice collected automatically (the customer's
            # own, a webhook's) waits for a charge of it under way, and the
            # charging cron waits for it: one of them sees the other's money
            # (a card hold's transactions never pay such an invoice: no query)
            self.sudo().filtered(
                lambda t: not (t.source_transaction_id or t).support_card_hold_id
            ).invoice_ids.filtered("support_autopay_state").lock_for_update()
        processed = super()._update_state(allowed_states, target_state, state_message)
        holds = processed.support_card_hold_id
        if holds:
            holds._on_transaction_update(processed)
        if target_state == "done":
            processed._support_activate_subscriptions()
            processed._support_autopay_settle_lost()
        return processed

    def _support_autopay_settle_lost(self):
        """Off-session charges whose answer was lost, found done (Stripe's
        webhook, or the engine asking Stripe): their attempts say so at once,
        and the next run charges nothing (the transaction is done)."""
        autopay = self.filtered("support_autopay_attempt_number")
        if not autopay:
            return
        lost = (
            self.env["support.autopay.attempt"]
            .sudo()
            .search([("transaction_id", "in", autopay.ids), ("answer_lost", "=", True)])
        )
        if lost:
            lost.write(
                {
                    "outcome": const.AUTOPAY_SUCCEEDED,
                    "answer_lost": False,
                    "decline_code": False,
                    "message": False,
                }
            )

    def _support_activate_subscriptions(self):
        """An online payment (card, PayPal) of a subscription's first invoice
        activates it at once, without waiting for the payment's post-processing
        (bank transfers stay pending until the payment is registered), but only
        when the invoice is fully paid: what is already reconciled plus the
        done transactions not posted yet cover the whole invoice."""
        invoices = (
            self.filtered(lambda t: t.state == "done" and t.operation != "refund")
            .sudo()
            .invoice_ids
        )
        waiting = invoices.support_subscription_id.filtered(
            lambda s: s.state == "waiting" and s.first_invoice_id in invoices
        )
        waiting.filtered(
            lambda s: s.first_invoice_id._support_is_fully_paid()
        )._activate()

    def _create_child_transaction(
        self, amount, is_refund=False, **custom_create_values
    ):
        if self.support_card_hold_id:
            custom_create_values.setdefault(
                "support_card_hold_id", self.support_card_hold_id.id
            )
        return super()._create_child_transaction(
            amount, is_refund=is_refund, **custom_create_values
        )

    def _log_message_on_linked_documents(self, message):
        """A card hold's transactions log their messages as notes on the
        invoices (the source's and their own) and on the source's payment:
        the same chatter lines, without the reply-to, parent message and
        followers look-ups of ``message_post`` (these messages notify
        nobody), one query instead of five per message (issue 16).  Hold
        transactions are linked to invoices only (no sales order)."""
        self.ensure_one()
        if not self._support_is_hold():
            return super()._log_message_on_linked_documents(message)
        author = (
            self.env.user.partner_id
            if self.env.uid == SUPERUSER_ID
            else self.partner_id
        )
        source = self.source_transaction_id
        invoices = source.invoice_ids | self._get_invoices_to_notify()
        for records in (invoices, source.payment_id):
            if records:
                records._message_log_batch(
                    dict.fromkeys(records.ids, message), author_id=author.id
                )
        return None

    def _support_is_hold(self):
        """A card hold's source transaction or one of its children."""
        self.ensure_one()
        return bool((self.source_transaction_id or self).support_card_hold_id)

    def action_capture(self):
        """Holds are charged from the hold (invoice first, then capture)."""
        self._support_check_not_hold()
        return super().action_capture()

    def action_void(self):
        self._support_check_not_hold()
        return super().action_void()

    def _support_check_not_hold(self):
        holds = self.support_card_hold_id
        if holds:
            raise UserError(
                self.env._(
                    "Card hold %(holds)s is charged or released from the card "
                    "hold itself (Charge Time, Release), which invoices the time "
                    "first.",
                    holds=", ".join(holds.mapped("name")),
                )
            )

    def _support_captured_children(self):
        self.ensure_one()
        return self.child_transaction_ids.filtered(
            lambda t: t.operation == self.operation and t.state == "done"
        )

    def _support_post_process_soon(self):
        """Have Odoo's post-processing cron record the payment of these done
        transactions (create, post and reconcile it with the invoices) in
        its own transaction, at once, as Odoo does for refunds
        (``payment_stripe``, ``payment_demo``): the accountant's click stops
        at the capture, half its queries (issue 16).  The invoice shows no
        online payment button meanwhile (``account.move._has_to_be_paid``).
        Without an active cron (no enabled provider) the payment is recorded
        here and now."""
        cron = self.env.ref(
            "payment.cron_post_process_payment_tx", raise_if_not_found=False
        )
        if cron and cron.sudo().active:
            cron.sudo()._trigger()
        else:
            self._post_process()

    def _support_payment_pending(self):
        """The card holds' captures among these transactions' children that
        are done but whose payment the post-processing has not recorded."""
        return self.child_transaction_ids.filtered(
            lambda t: (
                t.support_card_hold_id
                and t.state == "done"
                and t.operation == t.source_transaction_id.operation
                and not t.is_post_processed
            )
        )

    def _support_hold_may_pay(self):
        """The card holds' transactions among these that may still pay their
        invoices: an authorisation still on the card (a capture may be on
        its way: its answer lost, Stripe's webhook to come) or a capture
        whose payment is not recorded yet."""
        return (
            self.filtered(
                lambda t: (
                    t.support_card_hold_id
                    and not t.source_transaction_id
                    and t.state == "authorized"
                )
            )
            | self._support_payment_pending()
        )

    def _capture(self, amount_to_capture=None):
        """Never capture above what the hold still authorises (Stripe allows
        a single capture: nothing is left after one)."""
        if self.support_card_hold_id:
            captured = sum(self._support_captured_children().mapped("amount"))
            left = (
                0.0
                if captured and self.provider_code == "stripe"
                else (self.currency_id.round(self.amount - captured))
            )
            amount = amount_to_capture or self.amount
            if self.currency_id.compare_amounts(amount, left) > 0:
                raise UserError(
                    self.env._(
                        "Capture refused: %(amount)s is more than the hold still "
                        "authorises (%(left)s).",
                        amount=self.currency_id.format(amount),
                        left=self.currency_id.format(left),
                    )
                )
        return super()._capture(amount_to_capture=amount_to_capture)

    def _void(self, amount_to_void=None):
        """After a Stripe partial capture, Stripe has already released the rest:
        record it as a local void child, never as a cancel request."""
        if (
            self.provider_code != "stripe"
            or not self.support_card_hold_id
            or not self._support_captured_children()
        ):
            return super()._void(amount_to_void=amount_to_void)
        voided = self.child_transaction_ids.filtered(
            lambda t: t.operation == self.operation and t.state == "cancel"
        )
        if voided:
            return voided[:1]
        captured = sum(self._support_captured_children().mapped("amount"))
        remaining = self.currency_id.round(self.amount - captured)
        void_tx = self._create_child_transaction(amount_to_void or remaining)
        void_tx._set_canceled(
            state_message=self.env._("Released by Stripe at the partial capture.")
        )
        return void_tx

    # ------------------------------------------------------------ Stripe
    def _support_prefetch_fields(self):
        """The fields that reading one field of a transaction fetches."""
        return [
            name
            for name, field in self._fields.items()
            if field.store and field.prefetch is True and field.column_type
        ]

    @api.model
    def _search_by_reference(self, provider_code, payment_data):
        """Stripe's webhook (controllers/main.py) found the event's transaction
        already: the same, without a second search, when the data names it."""
        tx_id = self.env.context.get("support_stripe_webhook_tx_id")
        if provider_code == "stripe" and tx_id:
            tx = self.browse(tx_id)
            reference = payment_data.get("reference")
            if tx and (
                tx.reference == reference
                if reference
                else payment_data.get("event_type") == "charge.refund.updated"
                and tx.provider_reference == payment_data.get("object_id")
            ):
                return tx
        return super()._search_by_reference(provider_code, payment_data)

    def _stripe_prepare_payment_intent_payload(self):
        """Card holds are authorised only; every PaymentIntent names its
        documents in its metadata (issue 24), which Stripe copies to the
        charge it creates."""
        payload = super()._stripe_prepare_payment_intent_payload()
        if self.support_card_hold_id:
            payload["capture_method"] = "manual"
        payload.update(self._support_stripe_metadata_form())
        return payload

    def _support_stripe_metadata(self):
        """What a Stripe payment says of its documents (issue 24): the
        invoice number(s), the card hold, the ticket number(s), the
        customer's reference and the Odoo transaction reference, so that
        Stripe's dashboard, its exports and the statement lines imported
        from its balance transactions (OCA's ``stripe_label`` reads
        ``metadata.invoice_number``) name them.  A capture reads its source
        transaction: the hold's invoice is made at charge time."""
        self.ensure_one()
        tx = self.sudo()
        source = tx.source_transaction_id or tx
        hold = source.support_card_hold_id
        invoices = (source.invoice_ids | tx.invoice_ids).filtered(
            lambda m: m.is_invoice(include_receipts=True) and m.name != "/"
        )
        tickets = hold.ticket_id | invoices.invoice_line_ids.support_ticket_id
        partner = (hold.partner_id or source.partner_id).commercial_partner_id
        return rules.stripe_metadata(
            [
                ("invoice_number", ", ".join(sorted(invoices.mapped("name")))),
                ("hold_reference", hold.name),
                (
                    "ticket_numbers",
                    ", ".join(sorted(filter(None, tickets.mapped("number")))),
                ),
                ("customer_reference", partner.ref),
                ("odoo_reference", source.reference),
            ]
        )

    def _support_stripe_metadata_form(self):
        """The metadata as Stripe's form parameters (``metadata[key]``)."""
        return {
            f"metadata[{key}]": value
            for key, value in self._support_stripe_metadata().items()
        }

    def _stripe_create_intent(self):
        """The off-session charge of a subscription invoice (issue 25): the
        same request as Odoo's (``_stripe_prepare_payment_intent_payload``:
        ``confirm``, ``off_session``, the saved card), with an idempotency key
        per invoice and attempt number (a second worker charging the same
        attempt gets Stripe's first answer, never a second charge), and
        Stripe's decline code kept on the transaction."""
        if self.provider_code != "stripe" or not self.support_autopay_attempt_number:
            return super()._stripe_create_intent()
        errors = _ErrorSink()
        try:
            return self.with_context(support_stripe_errors=errors)._send_api_request(
                "POST",
                "payment_intents",
                data=self._stripe_prepare_payment_intent_payload(),
                offline=True,
                idempotency_key=self._support_autopay_idempotency_key(),
            )
        except ValidationError as error:
            stripe_error = errors[-1] if errors else {}
            intent = stripe_error.get("payment_intent") or {}
            self.write(
                {
                    "support_decline_code": stripe_error.get("decline_code")
                    or stripe_error.get("code")
                    or False,
                    "provider_reference": intent.get("id") or self.provider_reference,
                }
            )
            self._set_error(stripe_error.get("message") or str(error))
            return None

    def _support_autopay_idempotency_key(self):
        """One key per invoice and attempt number (and database)."""
        self.ensure_one()
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        invoice = self.invoice_ids[:1]
        scope = f"support_autopay/{invoice.id}/{self.support_autopay_attempt_number}"
        return hashlib.sha1(f"{uuid}{scope}".encode()).hexdigest()

    def _support_autopay_fetch_intent(self):
        """Ask Stripe what became of this off-session charge whose answer was
        lost: its PaymentIntent, or ``None`` when Stripe has none.

        Known by its id (a pending charge): read.  Otherwise the customer's
        PaymentIntents created since the attempt (``GET
        /v1/payment_intents?customer=...&created[gte]=...``, every page) are
        searched for the one this transaction created (its
        ``metadata[odoo_reference]``, or the ``description`` Odoo sets to
        the reference).  A ``ValidationError`` when Stripe cannot tell."""
        self.ensure_one()
        if self.provider_reference:
            return self._send_api_request(
                "GET", f"payment_intents/{self.provider_reference}"
            )
        params = {
            "customer": self.token_id.provider_ref,
            "created[gte]": rules.autopay_lookup_since(
                calendar.timegm(self.create_date.utctimetuple())
            ),
            "limit": 100,
        }
        intents = []
        for _page in range(const.AUTOPAY_LOOKUP_MAX_PAGES):
            page = self._send_api_request("GET", "payment_intents", params=params)
            intents += page.get("data") or []
            if not page.get("has_more") or not intents:
                break
            params["starting_after"] = intents[-1]["id"]
        return rules.autopay_find_intent(intents, self.reference)

    def _support_autopay_apply_intent(self, intent):
        """Process Stripe's PaymentIntent of this charge as Odoo processes the
        answer to its request (``_send_payment_request``): the same payment
        data through ``_process``; a decline keeps its code."""
        self.ensure_one()
        error = intent.get("last_payment_error") or {}
        if error.get("decline_code") or error.get("code"):
            self.support_decline_code = error.get("decline_code") or error["code"]
        payment_data = {"reference": self.reference}
        StripeController._include_payment_intent_in_payment_data(intent, payment_data)
        self._process("stripe", payment_data)

    def _support_autopay_outcome(self):
        """``(outcome, decline code, message)`` of this off-session charge
        once Odoo processed Stripe's answer."""
        self.ensure_one()
        code = self.support_decline_code or False
        if self.state == "done":
            return const.AUTOPAY_SUCCEEDED, False, False
        if self.state in ("pending", "authorized"):
            return const.AUTOPAY_PENDING, False, False
        if self.state == "draft" and self.provider_reference:
            # Stripe's ``requires_action``: the bank asks for 3-D Secure
            return const.AUTOPAY_AUTHENTICATION, "authentication_required", False
        if code in const.AUTOPAY_AUTHENTICATION_CODES:
            return const.AUTOPAY_AUTHENTICATION, code, self.state_message
        if self.state == "error" and code:
            return const.AUTOPAY_DECLINED, code, self.state_message
        return const.AUTOPAY_ERROR, code, self.state_message

    def _send_capture_request(self):
        """Capture part of a Stripe authorisation with ``amount_to_capture``.

        The idempotency key depends on the source transaction and the amount,
        so retrying a capture whose answer was lost replays Stripe's answer
        instead of capturing twice.
        """
        source = self.source_transaction_id
        if self.provider_code != "stripe" or not source.support_card_hold_id:
            return super()._send_capture_request()
        minor = payment_utils.to_minor_currency_units(
            self.amount,
            self.currency_id,
            arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(
                self.currency_id.name
            ),
        )
        metadata = self._support_stripe_metadata_form()
        payment_intent = self._send_api_request(
            "POST",
            f"payment_intents/{source.provider_reference}/capture",
            data={"amount_to_capture": minor, **metadata},
            idempotency_key=payment_utils.generate_idempotency_key(
                source, scope=f"payment_intents_capture_{minor}"
            ),
        )
        payment_data = {"reference": self.reference}
        StripeController._include_payment_intent_in_payment_data(
            payment_intent, payment_data
        )
        self._process("stripe", payment_data)
        if self.state == "done":
            self._support_stripe_update_charge_metadata(payment_intent, metadata)
        if self.state == "done" and source.state == "authorized":
            source._void()  # Stripe released the rest: record it locally
        return None

    def _support_stripe_update_charge_metadata(self, payment_intent, metadata):
        """Stripe copies a PaymentIntent's metadata to its charge once, when
        the intent is confirmed: the invoice number a capture adds reaches the
        charge (the balance transaction's source, which statement imports
        read) only by updating the charge itself.  The money has moved: a
        failed update is logged, never raised."""
        charges = (payment_intent.get("charges") or {}).get("data") or []
        charge_id = charges[0]["id"] if charges else payment_intent.get("latest_charge")
        if not charge_id or not metadata:
            return
        try:
            self._send_api_request("POST", f"charges/{charge_id}", data=metadata)
        except ValidationError as error:
            _logger.warning(
                "The metadata of charge %s (%s) was not updated: %s",
                charge_id,
                self.reference,
                error,
            )

    def _send_void_request(self):
        """Cancel a hold's intent, safe to replay: the same idempotency key
        replays Stripe's answer, and an intent Stripe cancelled already (its
        7-day limit, a void whose answer was lost) ends the void as done."""
        source = self.source_transaction_id
        if self.provider_code != "stripe" or not source.support_card_hold_id:
            return super()._send_void_request()
        endpoint = f"payment_intents/{source.provider_reference}"
        try:
            payment_intent = self._send_api_request(
                "POST",
                f"{endpoint}/cancel",
                idempotency_key=payment_utils.generate_idempotency_key(
                    source, scope="payment_intents_cancel"
                ),
            )
        except ValidationError:
            payment_intent = self._send_api_request("GET", endpoint)
            if payment_intent.get("status") != "canceled":
                raise
            _logger.info("%s was cancelled at Stripe already", source.reference)
        payment_data = {"reference": self.reference}
        StripeController._include_payment_intent_in_payment_data(
            payment_intent, payment_data
        )
        self._process("stripe", payment_data)
        return None

    def _extract_amount_data(self, payment_data):
        """A hold's partial capture amount is Stripe's ``amount_received``."""
        res = super()._extract_amount_data(payment_data)
        if (
            self.provider_code == "stripe"
            and self.source_transaction_id.support_card_hold_id
            and self.operation != "refund"
        ):
            intent = payment_data.get("payment_intent") or {}
            if intent.get("status") == "succeeded":
                res["amount"] = payment_utils.to_major_currency_units(
                    intent.get("amount_received", 0),
                    self.currency_id,
                    arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(
                        self.currency_id.name
                    ),
                )
        return res

    def _apply_updates(self, payment_data):
        """A hold's source transaction is never set done by a webhook: the
        captured amount becomes a capture child and the rest a local void, so
        a late or out-of-order ``payment_intent.succeeded`` moves no money."""
        intent = payment_data.get("payment_intent") or {}
        if (
            self.provider_code == "stripe"
            and self.support_card_hold_id
            and not self.source_transaction_id
            and intent.get("status") == "succeeded"
            and self.state == "authorized"
        ):
            self._support_sync_stripe_capture(intent)
            return None
        return super()._apply_updates(payment_data)

    def _support_sync_stripe_capture(self, intent):
        self.ensure_one()
        if self._support_captured_children():
            return
        received = payment_utils.to_major_currency_units(
            intent.get("amount_received", 0),
            self.currency_id,
            arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(
                self.currency_id.name
            ),
        )
        _logger.info(
            "Recording the capture of %s on %s from Stripe's data",
            received,
            self.reference,
        )
        capture_tx = self._create_child_transaction(received)
        capture_tx.provider_reference = intent.get("id")
        capture_tx._set_done()
        capture_tx._post_process()
        if self.currency_id.compare_amounts(self.amount, received) > 0:
            self._void()
