# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A stateful stand-in for Stripe's API, for tests.

It serves, on 127.0.0.1 only, the calls Odoo's ``payment_stripe`` makes for
PaymentIntents (customers, payment intents: create, retrieve, confirm,
capture, cancel; payment methods: retrieve; charges: update; refunds), the
balance a statement import reads (``GET /v1/balance_transactions``: one
balance transaction per charge captured, with Stripe's fee, per refund, per
payout and per dispute's withdrawal or reinstatement; ``POST /v1/payouts``,
a payout the bank refuses with :meth:`StripeStandIn.fail_payout`),
the balance itself (``GET /v1/balance``), disputes (``GET /v1/disputes``,
``GET`` and ``POST /v1/disputes/{id}`` for the evidence; a test opens,
escalates and closes them with :meth:`StripeStandIn.open_dispute`,
:meth:`StripeStandIn.escalate_dispute` and
:meth:`StripeStandIn.close_dispute`), and answers them the way Stripe does for
the API version Odoo pins (``2019-05-16``: PaymentIntents still carry their
``charges`` list), including Stripe's error format and HTTP statuses,
idempotent replays, a test clock that expires uncaptured authorisations after
7 days, events with signed webhook payloads, and one-shot faults (an answer
lost after Stripe did the work, or a 500 before it did anything)::

    with StripeStandIn() as stripe:
        provider.stripe_secret_key = "sk_test_standin"
        # point Odoo's calls at stripe.url (http://127.0.0.1:<port>/v1/)
        ...
        stripe.advance(days=7)
        body, headers = stripe.webhook_request(stripe.events[-1])

Metadata keeps Stripe's limits (50 keys, keys of 40 characters, values of
500) and Stripe's copy rule: an intent's metadata is copied to its charge
once, at the confirmation.  Fees are Stripe's European card price (1.5 % +
0.25, :meth:`StripeStandIn.fee_for`); charges are available for a payout 2
days after they are made (``advance(days=2)``), refunds and payouts at once;
:meth:`StripeStandIn.balance` gives ``(available, pending)``.

Test payment methods: ``pm_card_visa`` and ``pm_card_mastercard`` succeed,
``pm_card_chargeDeclined``, ``pm_card_chargeDeclinedInsufficientFunds``,
``...ExpiredCard``, ``...IncorrectCvc``, ``...LostCard``, ``...StolenCard``
and ``...ProcessingError`` are declined (402 ``card_error`` with Stripe's
error and decline codes).  ``pm_card_authenticationRequired`` (3-D Secure
required) is declined with ``authentication_required`` off-session (the
``off_session=true`` of a saved card's charge) and answers ``requires_action``
on-session, as on Stripe; ``pm_card_threeDSecure2Required`` answers
``requires_action`` (``next_action`` ``use_stripe_sdk``) in both cases, which
drives the answer a charge gets when the bank wants the customer to
authenticate without an error.  As on Stripe, using one of these ids
creates a new PaymentMethod (``pm_...``) which the PaymentIntent then holds;
that id keeps the card's behaviour when used again.

Standard library only.
"""

import base64
import copy
import hashlib
import hmac
import json
import logging
import re
import secrets
import string
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

_logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
API_VERSION = "2019-05-16"  # the version Odoo's payment_stripe pins
AUTHORIZATION_VALIDITY = 7 * 24 * 3600  # uncaptured card payments expire after 7 days
ERROR_DOCS = "https://stripe.com/docs/error-codes/"
SECRET_KEY_RE = re.compile(r"sk_test_[A-Za-z0-9_]{1,247}")

TEST_CARDS = {
    # test payment method id: (brand, last4, decline code or None)
    "pm_card_visa": ("visa", "4242", None),
    "pm_card_mastercard": ("mastercard", "4444", None),
    "pm_card_chargeDeclined": ("visa", "0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995", "insufficient_funds"),
    "pm_card_chargeDeclinedExpiredCard": ("visa", "0069", "expired_card"),
    "pm_card_chargeDeclinedIncorrectCvc": ("visa", "0127", "incorrect_cvc"),
    "pm_card_chargeDeclinedLostCard": ("visa", "9987", "lost_card"),
    "pm_card_chargeDeclinedStolenCard": ("visa", "9979", "stolen_card"),
    "pm_card_chargeDeclinedProcessingError": ("visa", "0119", "processing_error"),
    "pm_card_authenticationRequired": ("visa", "3184", "authentication_required"),
    "pm_card_threeDSecure2Required": ("visa", "3220", "requires_action"),
}
#: test cards that ask the customer to authenticate (3-D Secure): always, or
#: only on-session (off-session, Stripe declines with authentication_required)
REQUIRES_ACTION_ALWAYS = "requires_action"
REQUIRES_ACTION_ON_SESSION = "authentication_required"
DECLINES = {
    # decline code: (error message, charge outcome's seller message)
    "generic_decline": (
        "Your card was declined.",
        "The bank did not return any further details with this decline.",
    ),
    "insufficient_funds": (
        "Your card has insufficient funds.",
        "The bank returned the decline code `insufficient_funds`.",
    ),
    "expired_card": (
        "Your card has expired.",
        "The bank returned the decline code `expired_card`.",
    ),
    "incorrect_cvc": (
        "Your card's security code is incorrect.",
        "The bank returned the decline code `incorrect_cvc`.",
    ),
    "lost_card": (
        "Your card was declined.",
        "The bank returned the decline code `lost_card`.",
    ),
    "stolen_card": (
        "Your card was declined.",
        "The bank returned the decline code `stolen_card`.",
    ),
    "processing_error": (
        "An error occurred while processing your card. Try again in a little bit.",
        "The bank returned the decline code `processing_error`.",
    ),
    "authentication_required": (
        "Your card was declined. This transaction requires authentication.",
        "The bank returned the decline code `authentication_required`.",
    ),
}
#: Stripe's error ``code`` of a decline (``card_declined`` unless listed)
DECLINE_ERROR_CODES = {
    "expired_card": "expired_card",
    "incorrect_cvc": "incorrect_cvc",
    "processing_error": "processing_error",
    "authentication_required": "authentication_required",
}

# Top-level parameters each endpoint accepts (Stripe answers others with a 400
# ``parameter_unknown``); the tests compare them with Stripe's OpenAPI file.
CUSTOMER_CREATE_PARAMS = frozenset(
    {
        "address",
        "balance",
        "cash_balance",
        "coupon",
        "description",
        "email",
        "expand",
        "invoice_prefix",
        "invoice_settings",
        "metadata",
        "name",
        "next_invoice_sequence",
        "payment_method",
        "phone",
        "preferred_locales",
        "promotion_code",
        "shipping",
        "source",
        "tax",
        "tax_exempt",
        "tax_id_data",
        "test_clock",
    }
)
PAYMENT_INTENT_CREATE_PARAMS = frozenset(
    {
        "amount",
        "application_fee_amount",
        "automatic_payment_methods",
        "capture_method",
        "confirm",
        "confirmation_method",
        "currency",
        "customer",
        "description",
        "error_on_requires_action",
        "expand",
        "mandate",
        "mandate_data",
        "metadata",
        "off_session",
        "on_behalf_of",
        "payment_method",
        "payment_method_data",
        "payment_method_options",
        "payment_method_types",
        "radar_options",
        "receipt_email",
        "return_url",
        "setup_future_usage",
        "shipping",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_data",
        "transfer_group",
        "use_stripe_sdk",
    }
)
PAYMENT_INTENT_RETRIEVE_PARAMS = frozenset({"client_secret", "expand"})
PAYMENT_INTENT_LIST_PARAMS = frozenset(
    {"created", "customer", "ending_before", "expand", "limit", "starting_after"}
)
PAYMENT_INTENT_CONFIRM_PARAMS = frozenset(
    {
        "capture_method",
        "client_secret",
        "error_on_requires_action",
        "expand",
        "mandate",
        "mandate_data",
        "off_session",
        "payment_method",
        "payment_method_data",
        "payment_method_options",
        "payment_method_types",
        "radar_options",
        "receipt_email",
        "return_url",
        "setup_future_usage",
        "shipping",
        "use_stripe_sdk",
    }
)
PAYMENT_INTENT_CAPTURE_PARAMS = frozenset(
    {
        "amount_to_capture",
        "application_fee_amount",
        "expand",
        "metadata",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_data",
    }
)
PAYMENT_INTENT_CANCEL_PARAMS = frozenset({"cancellation_reason", "expand"})
CHARGE_UPDATE_PARAMS = frozenset(
    {
        "customer",
        "description",
        "expand",
        "fraud_details",
        "metadata",
        "receipt_email",
        "shipping",
        "transfer_group",
    }
)
REFUND_CREATE_PARAMS = frozenset(
    {
        "amount",
        "charge",
        "currency",
        "customer",
        "expand",
        "instructions_email",
        "metadata",
        "origin",
        "payment_intent",
        "reason",
        "refund_application_fee",
        "reverse_transfer",
    }
)
BALANCE_TRANSACTION_LIST_PARAMS = frozenset(
    {
        "created",
        "currency",
        "ending_before",
        "expand",
        "limit",
        "payout",
        "source",
        "starting_after",
        "type",
    }
)
PAYOUT_CREATE_PARAMS = frozenset(
    {
        "amount",
        "currency",
        "description",
        "destination",
        "expand",
        "metadata",
        "method",
        "source_type",
        "statement_descriptor",
    }
)
PAYMENT_METHOD_RETRIEVE_PARAMS = frozenset({"expand"})
BALANCE_RETRIEVE_PARAMS = frozenset({"expand"})
DISPUTE_RETRIEVE_PARAMS = frozenset({"expand"})
DISPUTE_LIST_PARAMS = frozenset(
    {
        "charge",
        "created",
        "ending_before",
        "expand",
        "limit",
        "payment_intent",
        "starting_after",
    }
)
DISPUTE_UPDATE_PARAMS = frozenset({"evidence", "expand", "metadata", "submit"})
#: The fields of a dispute's evidence (``dispute_evidence``); the files
#: (``receipt``, ``uncategorized_file``...) are File ids.
DISPUTE_EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
#: Evidence texts of 20,000 characters at most, the others of 5,000
#: (files ids have no stated limit); 150,000 characters in all.
DISPUTE_EVIDENCE_LONG_FIELDS = frozenset(
    {
        "access_activity_log",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "duplicate_charge_explanation",
        "product_description",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "uncategorized_text",
    }
)
DISPUTE_EVIDENCE_MAX_TOTAL = 150000
#: The reasons a card holder's bank gives (the dispute's ``reason``).
DISPUTE_REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
DISPUTE_OPEN_STATUSES = (
    "warning_needs_response",
    "warning_under_review",
    "needs_response",
    "under_review",
)
DISPUTE_CLOSED_STATUSES = ("warning_closed", "won", "lost")

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
CANCELLATION_REASONS = ("abandoned", "duplicate", "fraudulent", "requested_by_customer")
CAPTURE_METHODS = ("automatic", "automatic_async", "manual")
#: Stripe's limits on metadata (https://docs.stripe.com/api/metadata): the
#: OpenAPI description states only the 500 characters of a value, on the
#: refund's and payout's schemas.
METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500
#: The stand-in's processing fee on a card charge, Stripe's standard price for
#: European cards: 1.5 % (rounded half up to the minor unit) + 25 minor units.
#: Refunds give no fee back, as on Stripe.
FEE_PERCENT_BASIS_POINTS = 150
FEE_FIXED = 25
#: Charges become available for payouts 2 days after they are made.
AVAILABILITY_DELAY = 2 * 24 * 3600
#: A payout reaches the bank the next day.
PAYOUT_DELAY = 24 * 3600
#: Stripe's dispute fee in Europe (15.00 EUR), taken from the balance with
#: the disputed amount in one balance transaction when the funds are
#: withdrawn.  Stripe does not give it back when the dispute is won (only the
#: disputed amount is reinstated; the "dispute countered" fee some accounts
#: pay when they submit evidence is not modelled).
DISPUTE_FEE = 1500
#: Some of Stripe's payout failure codes and their messages
#: (https://docs.stripe.com/api/payouts/failures).
PAYOUT_FAILURE_MESSAGES = {
    "account_closed": "The bank account has been closed.",
    "no_account": "The bank account details on file are probably incorrect.",
    "could_not_process": "The bank could not process this payout.",
}
#: The card holder's bank leaves this long to answer with evidence.
DISPUTE_EVIDENCE_DAYS = 7
EXPANDABLE = {
    "balance": (),
    "balance_transaction_list": ("data.source",),
    "charge": (),
    "payout": (),
    "refund": (),
    "customer": (),
    "payment_intent": ("customer", "latest_charge", "payment_method"),
    "payment_intent_list": (
        "data.customer",
        "data.latest_charge",
        "data.payment_method",
    ),
    "payment_method": ("customer",),
    "dispute": ("charge", "payment_intent"),
    "dispute_list": ("data.charge", "data.payment_intent"),
}
FAULT_MODES = ("drop", "error500")

_ALPHANUMERIC = string.ascii_letters + string.digits
_KEY_RE = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_TOKEN_RE = re.compile(r"\[([^\[\]]*)\]")


def _random(length):
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def new_id(prefix, length=24):
    """Return a Stripe-like object id such as ``pi_3NqXk...``."""
    return f"{prefix}_{_random(length)}"


class FormError(ValueError):
    """Form keys that cannot be combined, like ``a=1&a[b]=2``."""


def parse_form(pairs):
    """Parse form fields with Stripe's bracketed keys into nested structures.

    ``[("a[b][c]", "1"), ("l[]", "x"), ("i[0][k]", "v")]`` gives
    ``{"a": {"b": {"c": "1"}}, "l": ["x"], "i": [{"k": "v"}]}``.  Values stay
    strings.  Raises :class:`FormError` when a key is used both as a value and as
    a hash or an array.
    """
    root = {}
    for key, value in pairs:
        match = _KEY_RE.fullmatch(key)
        tokens = (
            [match.group(1), *_TOKEN_RE.findall(match.group(2))] if match else [key]
        )
        node = root
        for position, token in enumerate(tokens):
            last = position == len(tokens) - 1
            if isinstance(node, list):  # the previous token was "[]"
                if last:
                    node.append(value)
                    break
                if not node or not isinstance(node[-1], dict) or token in node[-1]:
                    node.append({})
                node = node[-1]
            if not isinstance(node, dict):
                raise FormError(f"Invalid hash: {key}")
            if last:
                if isinstance(node.get(token), (dict, list)):
                    raise FormError(f"Invalid hash: {key}")
                node[token] = value
                break
            following = tokens[position + 1]
            child = node.setdefault(token, [] if following == "" else {})
            if following == "" and not isinstance(child, list):
                raise FormError(f"Invalid array: {key}")
            if following != "" and not isinstance(child, dict):
                raise FormError(f"Invalid hash: {key}")
            node = child
    return _index_hashes_to_lists(root)


def _index_hashes_to_lists(node, key=None):
    """Turn ``{"0": a, "1": b}`` (from ``x[0]=a&x[1]=b``) into ``[a, b]``."""
    if isinstance(node, list):
        return [_index_hashes_to_lists(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {k: _index_hashes_to_lists(v, k) for k, v in node.items()}
    if node and key != "metadata" and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def _ordered(obj):
    """Stripe's key order: ``id`` and ``object`` first, then alphabetical."""
    head = {key: obj[key] for key in ("id", "object") if key in obj}
    return {**head, **{key: obj[key] for key in sorted(obj) if key not in head}}


class StripeError(Exception):
    """A Stripe error answer.

    ``executed`` tells whether the endpoint had started its work: only then is
    the answer kept for idempotent replays (validation errors are not).
    """

    def __init__(self, status, error_type, message, executed=False, **fields):
        super().__init__(message)
        self.status = status
        self.executed = executed
        self.error = {"type": error_type, "message": message}
        self.error.update({key: value for key, value in fields.items() if value})
        if self.error.get("code"):
            doc_page = self.error["code"].replace("_", "-")
            self.error.setdefault("doc_url", ERROR_DOCS + doc_page)

    def body(self):
        return {"error": _ordered(self.error)}


def _invalid(message, param=None, code=None):
    return StripeError(400, "invalid_request_error", message, param=param, code=code)


class _Request:
    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.lower_headers = {key.lower(): value for key, value in headers.items()}
        self.raw_body = body
        self.request_id = new_id("req", 14)
        self.idempotency_key = None
        self.form = None


class _Handler(BaseHTTPRequestHandler):
    def version_string(self):
        return "stripe-standin"

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        status, payload, headers, drop = self.server.standin._process(
            self.command, self.path, dict(self.headers.items()), body
        )
        if drop:  # the work is done, but the answer is lost
            self.close_connection = True
            return
        data = json.dumps(payload, indent=2).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

    def log_message(self, format, *args):
        _logger.debug("stripe stand-in: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin):
        self.standin = standin
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request, client_address):
        _logger.debug("stripe stand-in: connection error from %s", client_address)


class StripeStandIn:
    """In-memory Stripe, served over HTTP on 127.0.0.1 (see the module doc).

    Public state (guard it with ``lock`` while requests may run):
    ``customers``, ``payment_intents``, ``payment_methods``, ``charges``
    (dicts by id, as stored: a PaymentIntent's ``charges`` list is added when
    it is rendered, see :meth:`render_payment_intent`), ``events`` (oldest
    first) and ``requests``, the log of every request answered: dicts with
    ``method``, ``path``, ``query``, ``headers``, ``form`` (parameters parsed
    into nested structures, strings as sent), ``status``, ``body`` (the answer,
    also for a dropped one), ``request_id``, ``replayed`` and ``dropped``.
    """

    def __init__(self, webhook_secret="whsec_standin", api_key=None):
        self.webhook_secret = webhook_secret
        self.api_key = api_key  # None: any ``sk_test_...`` key is accepted
        self.lock = threading.RLock()
        self.customers = {}
        self.payment_intents = {}
        self.payment_methods = {}
        self.charges = {}
        self.refunds = {}
        self.payouts = {}
        self.disputes = {}  # by id, as stored (see :meth:`render_dispute`)
        self.balance_transactions = {}  # by id, oldest first
        self.bank_account_id = new_id("ba")  # where payouts go
        self.default_currency = "eur"  # the account's, listed by /v1/balance
        self._paid_out = {}  # payout id: balance transaction ids it paid out
        self._swept = set()  # balance transaction ids some payout paid out
        self.events = []
        self.requests = []
        self._charge_ids = {}  # payment intent id: charge ids, oldest first
        self._authorized_at = {}  # payment intent id: time of the authorisation
        self._declines = {}  # payment method id: decline code or None
        self._idempotent = {}  # (api key, idempotency key): first answer
        self._faults = []
        self._clock_offset = 0.0
        self._server = None
        self._thread = None

    # --- life cycle -------------------------------------------------------

    def start(self):
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="stripe-standin",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        """The API base URL, like Odoo's ``https://api.stripe.com/v1/``."""
        if self._server is None:
            raise RuntimeError("the Stripe stand-in is not started")
        return f"http://{HOST}:{self._server.server_address[1]}/v1/"

    # --- test controls ----------------------------------------------------

    def now(self):
        """The stand-in's clock, in epoch seconds (real time + advances)."""
        return int(time.time() + self._clock_offset)

    def advance(self, seconds=0, days=0):
        """Move the clock forward and let Stripe expire what is due.

        Authorisations older than 7 days are canceled (reason ``automatic``)
        and their uncaptured funds released.  Returns the new :meth:`now`.
        """
        with self.lock:
            self._clock_offset += seconds + days * 24 * 3600
            self._expire_authorizations()
            return self.now()

    def fail_next(self, path_contains, mode):
        """Make the next request whose path contains ``path_contains`` fail.

        ``"drop"``: the request is processed in full (state changes happen),
        then the connection is closed without any answer.  ``"error500"``:
        nothing changes and the answer is a 500 ``api_error``.  One-shot.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}, use one of {FAULT_MODES}")
        with self.lock:
            self._faults.append((path_contains, mode))

    def sign(self, payload, timestamp=None, secret=None):
        """Return a ``Stripe-Signature`` header value for ``payload``.

        ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<payload>">``; the
        timestamp defaults to the real time (Stripe signs at delivery, and
        Odoo refuses signatures older than 10 minutes of its own clock).
        """
        if isinstance(payload, str):
            payload = payload.encode()
        timestamp = int(time.time()) if timestamp is None else int(timestamp)
        secret = self.webhook_secret if secret is None else secret
        signature = hmac.new(
            secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
        ).hexdigest()
        return f"t={timestamp},v1={signature}"

    def webhook_request(self, event):
        """Return ``(body, headers)`` to POST ``event`` (or an event id) to a
        webhook endpoint such as Odoo's ``/payment/stripe/webhook``."""
        if isinstance(event, str):
            with self.lock:
                event = next(e for e in self.events if e["id"] == event)
        body = json.dumps(event, indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": self.sign(body),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return body, headers

    def events_of(self, event_type=None, object_id=None):
        """The events of a type and/or about an object, oldest first."""
        with self.lock:
            return [
                event
                for event in self.events
                if event_type in (None, event["type"])
                and object_id in (None, event["data"]["object"].get("id"))
            ]

    def render_payment_intent(self, intent_id, expand=()):
        """The PaymentIntent as the API returns it (a copy)."""
        with self.lock:
            return self._render_payment_intent(self.payment_intents[intent_id], expand)

    # --- disputes (opened and decided by the card holder's bank) -------------

    def open_dispute(
        self,
        charge_id,
        reason="fraudulent",
        amount=None,
        inquiry=False,
        evidence_days=DISPUTE_EVIDENCE_DAYS,
    ):
        """The card holder's bank disputes a captured charge; returns the
        dispute as the API renders it.

        A chargeback (the default) takes the funds at once: status
        ``needs_response``, one balance transaction (type ``adjustment``,
        reporting category ``dispute``) of ``-amount`` with the dispute fee
        (:data:`DISPUTE_FEE`), events ``charge.dispute.created`` and
        ``charge.dispute.funds_withdrawn``.  An ``inquiry`` (a retrieval
        request) takes nothing yet: status ``warning_needs_response``, event
        ``charge.dispute.created`` only (see :meth:`escalate_dispute`).
        ``amount`` defaults to the captured amount less refunds.
        """
        if reason not in DISPUTE_REASONS:
            raise ValueError(f"unknown dispute reason {reason!r}")
        with self.lock:
            charge = self.charges[charge_id]
            disputable = charge["amount_captured"] - charge["amount_refunded"]
            if not charge["captured"] or disputable <= 0:
                raise ValueError(f"charge {charge_id} has nothing to dispute")
            if any(d["charge"] == charge_id for d in self.disputes.values()):
                raise ValueError(f"charge {charge_id} is already disputed")
            amount = disputable if amount is None else amount
            if not 0 < amount <= disputable:
                raise ValueError(f"cannot dispute {amount} of {disputable}")
            due_by = self.now() + evidence_days * 24 * 3600
            brand = charge["payment_method_details"]["card"]["brand"]
            dispute = _ordered(
                {
                    "id": new_id("dp"),
                    "object": "dispute",
                    "amount": amount,
                    "balance_transactions": [],  # ids; rendered as objects
                    "charge": charge_id,
                    "created": self.now(),
                    "currency": charge["currency"],
                    "evidence": dict.fromkeys(DISPUTE_EVIDENCE_FIELDS),
                    "evidence_details": {
                        "due_by": due_by,
                        "has_evidence": False,
                        "past_due": False,
                        "submission_count": 0,
                    },
                    "is_charge_refundable": inquiry,
                    "livemode": False,
                    "metadata": {},
                    "payment_intent": charge["payment_intent"],
                    "payment_method_details": {
                        "card": {
                            "brand": brand,
                            "network_reason_code": "10.4"
                            if reason == "fraudulent"
                            else "13.1",
                        },
                        "type": "card",
                    },
                    "reason": reason,
                    "status": "warning_needs_response" if inquiry else "needs_response",
                }
            )
            self.disputes[dispute["id"]] = dispute
            charge["disputed"] = True
            if not inquiry:
                self._withdraw_dispute_funds(dispute)
            self._emit("charge.dispute.created", self._render_dispute(dispute), None)
            if not inquiry:
                self._emit(
                    "charge.dispute.funds_withdrawn",
                    self._render_dispute(dispute),
                    None,
                )
            return self._render_dispute(dispute)

    def escalate_dispute(self, dispute_id):
        """An inquiry becomes a chargeback: the funds and the fee are taken
        (status ``needs_response``; events ``charge.dispute.updated`` and
        ``charge.dispute.funds_withdrawn``)."""
        with self.lock:
            dispute = self.disputes[dispute_id]
            if not dispute["status"].startswith("warning_") or (
                dispute["status"] == "warning_closed"
            ):
                raise ValueError(f"dispute {dispute_id} is not an open inquiry")
            dispute.update(status="needs_response", is_charge_refundable=False)
            self._withdraw_dispute_funds(dispute)
            self._emit("charge.dispute.updated", self._render_dispute(dispute), None)
            self._emit(
                "charge.dispute.funds_withdrawn", self._render_dispute(dispute), None
            )
            return self._render_dispute(dispute)

    def close_dispute(self, dispute_id, status):
        """The bank decides: ``"won"`` gives the disputed amount back (a
        balance transaction of ``+amount``, type ``adjustment``, reporting
        category ``dispute_reversal``, no fee: the dispute fee stays taken;
        events ``charge.dispute.closed`` then
        ``charge.dispute.funds_reinstated``); ``"lost"`` keeps them taken
        (event ``charge.dispute.closed``).  An inquiry closes as
        ``warning_closed`` (nothing was taken): escalate it to lose it."""
        if status not in ("won", "lost", "warning_closed"):
            raise ValueError(f"a dispute closes won or lost, not {status!r}")
        with self.lock:
            dispute = self.disputes[dispute_id]
            if dispute["status"] in DISPUTE_CLOSED_STATUSES:
                raise ValueError(f"dispute {dispute_id} is already closed")
            inquiry = dispute["status"].startswith("warning_")
            if inquiry != (status == "warning_closed"):
                raise ValueError(
                    f"dispute {dispute_id} ({dispute['status']}) cannot close as "
                    f"{status}"
                )
            dispute.update(status=status, is_charge_refundable=False)
            reinstated = status == "won"
            if reinstated:
                charge = self.charges[dispute["charge"]]
                txn = self._new_balance_transaction(
                    "adjustment",
                    dispute["amount"],
                    dispute["currency"],
                    dispute["id"],
                    f"Chargeback reversal for {charge['id']}",
                    reporting_category="dispute_reversal",
                )
                dispute["balance_transactions"].append(txn["id"])
                charge["disputed"] = False
            self._emit("charge.dispute.closed", self._render_dispute(dispute), None)
            if reinstated:
                self._emit(
                    "charge.dispute.funds_reinstated",
                    self._render_dispute(dispute),
                    None,
                )
            return self._render_dispute(dispute)

    # --- payouts (refused by the bank) ------------------------------------------

    def fail_payout(self, payout_id, failure_code="account_closed"):
        """The bank refuses a payout: Stripe puts its amount back on the
        balance with a balance transaction of type ``payout_failure``
        (reporting category ``payout_reversal``, source the payout,
        available at once), the payout's status becomes ``failed`` with the
        failure's code, message and ``failure_balance_transaction``; events
        ``payout.updated`` and ``payout.failed``.  Returns the payout."""
        if failure_code not in PAYOUT_FAILURE_MESSAGES:
            raise ValueError(f"unknown payout failure code {failure_code!r}")
        with self.lock:
            payout = self.payouts[payout_id]
            if payout["status"] in ("failed", "canceled", "paid"):
                raise ValueError(f"payout {payout_id} is {payout['status']}")
            txn = self._new_balance_transaction(
                "payout_failure",
                payout["amount"],
                payout["currency"],
                payout["id"],
                payout["description"],
                reporting_category="payout_reversal",
            )
            payout.update(
                status="failed",
                failure_balance_transaction=txn["id"],
                failure_code=failure_code,
                failure_message=PAYOUT_FAILURE_MESSAGES[failure_code],
            )
            self._emit("payout.updated", copy.deepcopy(payout), None)
            self._emit("payout.failed", copy.deepcopy(payout), None)
            return copy.deepcopy(payout)

    def render_dispute(self, dispute_id, expand=()):
        """The dispute as the API returns it (a copy)."""
        with self.lock:
            return self._render_dispute(self.disputes[dispute_id], expand)

    def _withdraw_dispute_funds(self, dispute):
        charge = self.charges[dispute["charge"]]
        txn = self._new_balance_transaction(
            "adjustment",
            -dispute["amount"],
            dispute["currency"],
            dispute["id"],
            f"Chargeback withdrawal for {charge['id']}",
            fee=DISPUTE_FEE,
            reporting_category="dispute",
            fee_description="Dispute fee",
        )
        dispute["balance_transactions"].append(txn["id"])
        return txn

    def _render_dispute(self, dispute, expand=()):
        rendered = copy.deepcopy(dispute)
        rendered["balance_transactions"] = [
            self._render_balance_transaction(self.balance_transactions[txn_id])
            for txn_id in dispute["balance_transactions"]
        ]
        if "charge" in expand:
            rendered["charge"] = copy.deepcopy(self.charges[dispute["charge"]])
        if "payment_intent" in expand and dispute["payment_intent"]:
            rendered["payment_intent"] = self._render_payment_intent(
                self.payment_intents[dispute["payment_intent"]]
            )
        return rendered

    # --- request processing -----------------------------------------------

    def _process(self, method, raw_path, headers, body):
        url = urlsplit(raw_path)
        request = _Request(method, url.path, url.query, headers, body)
        with self.lock:
            entry = {
                "method": method,
                "path": url.path,
                "query": url.query,
                "headers": dict(headers),
                "form": None,
                "status": None,
                "body": None,
                "request_id": request.request_id,
                "replayed": False,
                "dropped": False,
            }
            self._expire_authorizations()
            response_headers = {"Request-Id": request.request_id}
            drop = replayed = False
            try:
                status, payload, drop, replayed = self._respond(
                    request, response_headers
                )
            except StripeError as error:
                status, payload = error.status, error.body()
            except Exception:
                _logger.exception("Stripe stand-in failed on %s %s", method, raw_path)
                status, payload = 500, self._api_error_body()
            entry.update(
                form=request.form,
                status=status,
                body=copy.deepcopy(payload),
                replayed=replayed,
                dropped=drop,
            )
            self.requests.append(entry)
            return status, payload, response_headers, drop

    def _respond(self, request, response_headers):
        """Return ``(status, body, drop, replayed)`` or raise a StripeError."""
        api_key = self._authenticate(request, response_headers)
        response_headers["Stripe-Version"] = request.lower_headers.get(
            "stripe-version", API_VERSION
        )
        fault = self._take_fault(request.path)
        try:
            pairs = parse_qsl(request.query, keep_blank_values=True)
            pairs += parse_qsl(request.raw_body.decode(), keep_blank_values=True)
            request.form = parse_form(pairs)
        except (ValueError, UnicodeDecodeError) as error:
            raise _invalid(f"Invalid request: {error}") from error
        if fault == "error500":
            return 500, self._api_error_body(), False, False
        key = request.lower_headers.get("idempotency-key")
        if request.method == "POST" and key:
            request.idempotency_key = key
            response_headers["Idempotency-Key"] = key
            stored = self._idempotent.get((api_key, key))
            if stored is not None:
                if (stored["method"], stored["path"], stored["form"]) != (
                    request.method,
                    request.path,
                    request.form,
                ):
                    raise StripeError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the "
                        "same parameters they were first used with. Try using a "
                        f"key other than '{key}' if you meant to execute a "
                        "different request.",
                    )
                response_headers["Idempotent-Replayed"] = "true"
                response_headers["Original-Request"] = stored["request_id"]
                payload = copy.deepcopy(stored["body"])
                return stored["status"], payload, fault == "drop", True
        handler, args = self._route(request)
        try:
            status, payload = 200, handler(request, request.form, *args)
            executed = True
        except StripeError as error:
            status, payload, executed = error.status, error.body(), error.executed
        if request.idempotency_key and executed:
            response_headers["Original-Request"] = request.request_id
            self._idempotent[(api_key, key)] = {
                "method": request.method,
                "path": request.path,
                "form": copy.deepcopy(request.form),
                "status": status,
                "body": copy.deepcopy(payload),
                "request_id": request.request_id,
            }
        return status, payload, fault == "drop", False

    def _authenticate(self, request, response_headers):
        authorization = request.lower_headers.get("authorization", "").strip()
        scheme, _sep, credentials = authorization.partition(" ")
        key = ""
        if scheme.lower() == "bearer":
            key = credentials.strip()
        elif scheme.lower() == "basic":  # curl -u sk_test_...:
            try:
                key = base64.b64decode(credentials).decode().partition(":")[0]
            except ValueError:
                key = ""
        if not authorization:
            message = (
                "You did not provide an API key. You need to provide your API key "
                "in the Authorization header, using Bearer auth (e.g. "
                "'Authorization: Bearer YOUR_SECRET_KEY'). See "
                "https://stripe.com/docs/api#authentication for details, or we can "
                "help at https://support.stripe.com/."
            )
        elif SECRET_KEY_RE.fullmatch(key) and self.api_key in (None, key):
            return key
        else:
            message = f"Invalid API Key provided: {key[:8]}{'*' * 12}{key[-4:]}"
        response_headers["WWW-Authenticate"] = 'Bearer realm="Stripe"'
        raise StripeError(401, "invalid_request_error", message)

    def _take_fault(self, path):
        for index, (path_contains, mode) in enumerate(self._faults):
            if path_contains in path:
                del self._faults[index]
                return mode
        return None

    @staticmethod
    def _api_error_body():
        return StripeError(
            500,
            "api_error",
            "An unknown error occurred while processing your request. Please "
            "retry, or contact Stripe support if the problem persists.",
        ).body()

    def _route(self, request):
        routes = (
            ("POST", r"/v1/customers", self._create_customer),
            ("POST", r"/v1/payment_intents", self._create_payment_intent),
            ("GET", r"/v1/payment_intents", self._list_payment_intents),
            ("GET", r"/v1/payment_intents/([^/]+)", self._retrieve_payment_intent),
            ("POST", r"/v1/payment_intents/([^/]+)/confirm", self._confirm_endpoint),
            ("POST", r"/v1/payment_intents/([^/]+)/capture", self._capture_endpoint),
            ("POST", r"/v1/payment_intents/([^/]+)/cancel", self._cancel_endpoint),
            ("GET", r"/v1/payment_methods/([^/]+)", self._retrieve_payment_method),
            ("POST", r"/v1/charges/([^/]+)", self._update_charge),
            ("POST", r"/v1/refunds", self._create_refund),
            ("GET", r"/v1/balance", self._retrieve_balance),
            ("GET", r"/v1/balance_transactions", self._list_balance_transactions),
            ("POST", r"/v1/payouts", self._create_payout),
            ("GET", r"/v1/disputes", self._list_disputes),
            ("GET", r"/v1/disputes/([^/]+)", self._retrieve_dispute),
            ("POST", r"/v1/disputes/([^/]+)", self._update_dispute),
        )
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                return handler, [unquote(group) for group in match.groups()]
        raise StripeError(
            404,
            "invalid_request_error",
            f"Unrecognized request URL ({request.method}: {request.path}). Please "
            "see https://stripe.com/docs or we can help at "
            "https://support.stripe.com/.",
        )

    # --- parameters ---------------------------------------------------------

    @staticmethod
    def _check_params(params, allowed, required=()):
        for name in sorted(params):
            if name not in allowed:
                raise _invalid(
                    f"Received unknown parameter: {name}", name, "parameter_unknown"
                )
        for name in required:
            if params.get(name) in (None, ""):
                raise _invalid(
                    f"Missing required param: {name}.", name, "parameter_missing"
                )

    @staticmethod
    def _string(params, name, max_length=5000):
        value = params.get(name)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise _invalid(f"Invalid string: {value!r}", name)
        if len(value) > max_length:
            raise _invalid(
                f"Invalid string: {value[:20]}...; must be at most {max_length} "
                "characters",
                name,
            )
        return value

    @classmethod
    def _integer(cls, params, name, minimum=None, maximum=None):
        value = cls._string(params, name)
        if value is None:
            return None
        if not re.fullmatch(r"-?[0-9]+", value):
            raise _invalid(
                f"Invalid integer: {value}", name, "parameter_invalid_integer"
            )
        number = int(value)
        if minimum is not None and number < minimum:
            raise _invalid(
                f"This value must be greater than or equal to {minimum}.",
                name,
                "parameter_invalid_integer",
            )
        if maximum is not None and number > maximum:
            raise _invalid(
                f"This value must be less than or equal to {maximum}.",
                name,
                "amount_too_large" if "amount" in name else "parameter_invalid_integer",
            )
        return number

    @classmethod
    def _boolean(cls, params, name, default=False):
        value = cls._string(params, name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise _invalid(f"Invalid boolean: {value}", name)
        return value.lower() == "true"

    @classmethod
    def _choice(cls, params, name, choices, default=None):
        value = cls._string(params, name)
        if value is None:
            return default
        if value not in choices:
            raise _invalid(f"Invalid {name}: must be one of {', '.join(choices)}", name)
        return value

    @staticmethod
    def _string_list(params, name, default=None):
        value = params.get(name)
        if value in (None, ""):
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid("Invalid array", name)
        return list(value)

    @classmethod
    def _expand(cls, params, object_type):
        fields = cls._string_list(params, "expand", default=[])
        for field in fields:
            if field not in EXPANDABLE[object_type]:
                raise _invalid(f"This property cannot be expanded ({field}).", "expand")
        return fields

    @staticmethod
    def _metadata(params, name="metadata"):
        value = params.get(name)
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(v, str) for v in value.values()
        ):
            raise _invalid("Invalid hash", name)
        for key, v in value.items():
            if len(key) > METADATA_MAX_KEY_LENGTH:
                raise _invalid(
                    f"Metadata keys can have up to {METADATA_MAX_KEY_LENGTH} "
                    f"characters. Key '{key}' has {len(key)} characters.",
                    f"{name}[{key}]",
                )
            if len(v) > METADATA_MAX_VALUE_LENGTH:
                raise _invalid(
                    f"Metadata values can have up to {METADATA_MAX_VALUE_LENGTH} "
                    f"characters, but you passed in a value that is {len(v)} "
                    f"characters. Invalid value: {v[:20]}...",
                    f"{name}[{key}]",
                )
        if len(value) > METADATA_MAX_KEYS:
            raise _invalid(
                f"Invalid {name}: {name} cannot have more than "
                f"{METADATA_MAX_KEYS} keys",
                name,
            )
        return {key: v for key, v in value.items() if v != ""}

    @classmethod
    def _update_metadata(cls, current, params, name="metadata"):
        """Stripe's update of an object's metadata: new keys merged, a key
        posted empty removed, ``metadata=`` (empty) removes all."""
        value = params.get(name)
        if value is None:
            return current
        if value == "":
            return {}
        merged = {**current}
        cls._metadata(params, name)  # the limits
        for key, v in value.items():
            if v == "":
                merged.pop(key, None)
            else:
                merged[key] = v
        if len(merged) > METADATA_MAX_KEYS:
            raise _invalid(
                f"Invalid {name}: {name} cannot have more than "
                f"{METADATA_MAX_KEYS} keys",
                name,
            )
        return merged

    @staticmethod
    def _address(value, name):
        if value in (None, ""):
            return None
        if not isinstance(value, dict):
            raise _invalid("Invalid hash", name)
        for field in value:
            if field not in ADDRESS_FIELDS:
                raise _invalid(
                    f"Received unknown parameter: {name}[{field}]",
                    f"{name}[{field}]",
                    "parameter_unknown",
                )
        return {field: value.get(field) or None for field in ADDRESS_FIELDS}

    @classmethod
    def _mandate_options(cls, params):
        """``payment_method_options[card][mandate_options]`` (India e-mandates)."""
        options = params.get("payment_method_options")
        card = options.get("card") if isinstance(options, dict) else None
        mandate = card.get("mandate_options") if isinstance(card, dict) else None
        if not isinstance(mandate, dict):
            return None
        prefix = "payment_method_options[card][mandate_options]"
        for name in ("amount", "amount_type", "interval", "reference", "start_date"):
            if mandate.get(name) in (None, ""):
                raise _invalid(
                    f"Missing required param: {prefix}[{name}].",
                    f"{prefix}[{name}]",
                    "parameter_missing",
                )
        return {
            "amount": cls._integer(mandate, "amount", minimum=0),
            "amount_type": cls._choice(mandate, "amount_type", ("fixed", "maximum")),
            "description": cls._string(mandate, "description", 200),
            "end_date": cls._integer(mandate, "end_date"),
            "interval": cls._choice(
                mandate, "interval", ("day", "month", "sporadic", "week", "year")
            ),
            "interval_count": cls._integer(mandate, "interval_count"),
            "reference": cls._string(mandate, "reference", 80),
            "start_date": cls._integer(mandate, "start_date"),
            "supported_types": cls._string_list(mandate, "supported_types"),
        }

    @classmethod
    def _shipping(cls, params):
        value = params.get("shipping")
        if value in (None, ""):
            return None
        if not isinstance(value, dict):
            raise _invalid("Invalid hash", "shipping")
        if not value.get("name"):
            raise _invalid(
                "Missing required param: shipping[name].",
                "shipping[name]",
                "parameter_missing",
            )
        return {
            "address": cls._address(value.get("address"), "shipping[address]")
            or dict.fromkeys(ADDRESS_FIELDS),
            "carrier": value.get("carrier") or None,
            "name": value["name"],
            "phone": value.get("phone") or None,
            "tracking_number": value.get("tracking_number") or None,
        }

    # --- objects ----------------------------------------------------------

    def _emit(self, event_type, obj, request, created=None):
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now() if created is None else created,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {
                "id": request.request_id if request else None,
                "idempotency_key": request.idempotency_key if request else None,
            },
            "type": event_type,
        }
        self.events.append(event)
        return event

    def _expand_fields(self, obj, fields):
        sources = {
            "customer": self.customers,
            "latest_charge": self.charges,
            "payment_method": self.payment_methods,
        }
        for field in fields:
            if obj.get(field) is not None:
                obj[field] = copy.deepcopy(sources[field][obj[field]])
        return obj

    def _render_payment_intent(self, intent, expand=()):
        rendered = copy.deepcopy(intent)
        charges = [
            copy.deepcopy(self.charges[charge_id])
            for charge_id in reversed(self._charge_ids[intent["id"]])
        ]
        rendered["charges"] = {  # API 2019-05-16: newest charge first
            "object": "list",
            "data": charges,
            "has_more": False,
            "total_count": len(charges),
            "url": f"/v1/charges?payment_intent={intent['id']}",
        }
        return _ordered(self._expand_fields(rendered, expand))

    def _resolve_payment_method(self, payment_method_id, param="payment_method"):
        """The PaymentMethod for an id; a test card id creates a new one."""
        if payment_method_id in self.payment_methods:
            return self.payment_methods[payment_method_id]
        if payment_method_id not in TEST_CARDS:
            raise _invalid(
                f"No such PaymentMethod: '{payment_method_id}'",
                param,
                "resource_missing",
            )
        brand, last4, decline = TEST_CARDS[payment_method_id]
        fingerprint = hashlib.sha256(payment_method_id.encode()).hexdigest()[:16]
        no_address = dict.fromkeys(ADDRESS_FIELDS)
        payment_method = _ordered(
            {
                "id": new_id("pm"),
                "object": "payment_method",
                "billing_details": {
                    "address": no_address,
                    "email": None,
                    "name": None,
                    "phone": None,
                },
                "card": {
                    "brand": brand,
                    "checks": {
                        "address_line1_check": None,
                        "address_postal_code_check": None,
                        "cvc_check": "unchecked",
                    },
                    "country": "US",
                    "exp_month": 12,
                    "exp_year": time.gmtime(self.now()).tm_year + 3,
                    "fingerprint": fingerprint,
                    "funding": "credit",
                    "generated_from": None,
                    "last4": last4,
                    "networks": {"available": [brand], "preferred": None},
                    "three_d_secure_usage": {"supported": True},
                    "wallet": None,
                },
                "created": self.now(),
                "customer": None,
                "livemode": False,
                "metadata": {},
                "type": "card",
            }
        )
        self.payment_methods[payment_method["id"]] = payment_method
        self._declines[payment_method["id"]] = decline
        return payment_method

    def _new_charge(self, intent, payment_method, decline):
        card = payment_method["card"]
        outcome = {
            "network_status": "declined_by_network"
            if decline
            else "approved_by_network",
            "reason": decline,
            "risk_level": "normal",
            "risk_score": 42,
            "seller_message": DECLINES[decline][1] if decline else "Payment complete.",
            "type": "issuer_declined" if decline else "authorized",
        }
        automatic = intent["capture_method"] != "manual"
        card_options = intent["payment_method_options"].get("card") or {}
        has_mandate = bool(card_options.get("mandate_options"))
        charge_id = new_id("ch")
        charge = _ordered(
            {
                "id": charge_id,
                "object": "charge",
                "amount": intent["amount"],
                "amount_captured": intent["amount"] if automatic and not decline else 0,
                "amount_refunded": 0,
                "application": None,
                "application_fee": None,
                "application_fee_amount": None,
                "balance_transaction": None,
                "billing_details": copy.deepcopy(payment_method["billing_details"]),
                "calculated_statement_descriptor": "STRIPE STAND-IN",
                "captured": automatic and not decline,
                "created": self.now(),
                "currency": intent["currency"],
                "customer": intent["customer"],
                "description": intent["description"],
                "disputed": False,
                "failure_balance_transaction": None,
                "failure_code": "card_declined" if decline else None,
                "failure_message": DECLINES[decline][0] if decline else None,
                "fraud_details": {},
                "invoice": None,
                "livemode": False,
                # copied once, when the intent is confirmed (Stripe does not
                # copy later updates of the intent's metadata)
                "metadata": copy.deepcopy(intent["metadata"]),
                "on_behalf_of": None,
                "outcome": outcome,
                "paid": not decline,
                "payment_intent": intent["id"],
                "payment_method": payment_method["id"],
                "payment_method_details": {
                    "card": {
                        "brand": card["brand"],
                        "checks": copy.deepcopy(card["checks"]),
                        "country": card["country"],
                        "exp_month": card["exp_month"],
                        "exp_year": card["exp_year"],
                        "fingerprint": card["fingerprint"],
                        "funding": card["funding"],
                        "installments": None,
                        "last4": card["last4"],
                        "mandate": new_id("mandate")
                        if has_mandate and not decline
                        else None,
                        "network": card["brand"],
                        "three_d_secure": None,
                        "wallet": None,
                    },
                    "type": "card",
                },
                "receipt_email": intent["receipt_email"],
                "receipt_number": None,
                "receipt_url": None,
                "refunded": False,
                "refunds": {
                    "object": "list",
                    "data": [],
                    "has_more": False,
                    "url": f"/v1/charges/{charge_id}/refunds",
                },
                "review": None,
                "shipping": copy.deepcopy(intent["shipping"]),
                "source_transfer": None,
                "statement_descriptor": intent["statement_descriptor"],
                "statement_descriptor_suffix": intent["statement_descriptor_suffix"],
                "status": "failed" if decline else "succeeded",
                "transfer_data": None,
                "transfer_group": intent["transfer_group"],
            }
        )
        self.charges[charge_id] = charge
        self._charge_ids[intent["id"]].append(charge_id)
        if automatic and not decline:
            self._charge_balance_transaction(charge, intent["amount"])
        return charge

    # --- balance ------------------------------------------------------------

    @staticmethod
    def fee_for(amount):
        """The stand-in's processing fee on a charge of ``amount`` minor units."""
        return (amount * FEE_PERCENT_BASIS_POINTS + 5000) // 10000 + FEE_FIXED

    def _new_balance_transaction(
        self,
        kind,
        amount,
        currency,
        source_id,
        description,
        fee=0,
        available_on=None,
        reporting_category=None,
        fee_description="Stripe processing fees",
    ):
        created = self.now()
        fee_details = (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": fee_description,
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        )
        txn = _ordered(
            {
                "id": new_id("txn"),
                "object": "balance_transaction",
                "amount": amount,
                "available_on": created if available_on is None else available_on,
                "created": created,
                "currency": currency,
                "description": description,
                "exchange_rate": None,
                "fee": fee,
                "fee_details": fee_details,
                "net": amount - fee,
                "reporting_category": reporting_category or kind,
                "source": source_id,
                "status": "pending",
                "type": kind,
            }
        )
        self.balance_transactions[txn["id"]] = txn
        return txn

    def _charge_balance_transaction(self, charge, amount):
        txn = self._new_balance_transaction(
            "charge",
            amount,
            charge["currency"],
            charge["id"],
            charge["description"],
            fee=self.fee_for(amount),
            available_on=self.now() + AVAILABILITY_DELAY,
        )
        charge["balance_transaction"] = txn["id"]
        return txn

    def _render_balance_transaction(self, txn, expand=()):
        rendered = copy.deepcopy(txn)
        rendered["status"] = (
            "available" if rendered["available_on"] <= self.now() else "pending"
        )
        if "source" in expand:
            source_id = rendered["source"]
            for objects in (self.charges, self.refunds, self.payouts):
                if source_id in objects:
                    rendered["source"] = copy.deepcopy(objects[source_id])
            if source_id in self.disputes:
                rendered["source"] = self._render_dispute(self.disputes[source_id])
        return rendered

    def balance(self, currency):
        """``(available, pending)`` of ``currency`` in minor units, as
        Stripe's ``/v1/balance`` adds them up: the net of every balance
        transaction, available once its ``available_on`` has come."""
        with self.lock:
            now = self.now()
            available = pending = 0
            for txn in self.balance_transactions.values():
                if txn["currency"] != currency.lower():
                    continue
                if txn["available_on"] <= now:
                    available += txn["net"]
                else:
                    pending += txn["net"]
            return available, pending

    def _retrieve_balance(self, request, params):
        """GET /v1/balance: the account's available and pending funds per
        currency (card funds only: the stand-in takes cards only); the
        account's default currency is listed even when nothing moved."""
        self._check_params(params, BALANCE_RETRIEVE_PARAMS)
        self._expand(params, "balance")
        currencies = sorted(
            {txn["currency"] for txn in self.balance_transactions.values()}
            | {self.default_currency}
        )
        funds = {currency: self.balance(currency) for currency in currencies}

        def amounts(index):
            return [
                {
                    "amount": funds[currency][index],
                    "currency": currency,
                    "source_types": {"card": funds[currency][index]},
                }
                for currency in currencies
            ]

        return {
            "object": "balance",
            "available": amounts(0),
            "livemode": False,
            "pending": amounts(1),
        }

    def _unexpected_state(self, intent, message):
        return StripeError(
            400,
            "invalid_request_error",
            message,
            executed=True,
            code="payment_intent_unexpected_state",
            payment_intent=self._render_payment_intent(intent),
        )

    def _confirm(self, request, intent, payment_method, off_session=False):
        """Try to pay ``intent`` with ``payment_method`` (Stripe's confirm);
        ``off_session``: the customer is not there to authenticate."""
        if intent["status"] not in CONFIRMABLE:
            raise self._unexpected_state(
                intent,
                "You cannot confirm this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following "
                f"statuses may be confirmed: {', '.join(CONFIRMABLE)}.",
            )
        if payment_method is None and intent["payment_method"]:
            payment_method = self.payment_methods[intent["payment_method"]]
        if payment_method is None:
            raise self._unexpected_state(
                intent,
                "You cannot confirm this PaymentIntent because it's missing a "
                "payment method. You can either update the PaymentIntent with a "
                "payment method and then confirm it again, or confirm it again "
                "directly with a payment method.",
            )
        if payment_method["type"] not in intent["payment_method_types"]:
            raise StripeError(
                400,
                "invalid_request_error",
                f"The PaymentMethod provided ({payment_method['type']}) is not "
                "allowed for this PaymentIntent. Please attach a PaymentMethod of "
                "one of the following types: "
                f"{', '.join(intent['payment_method_types'])}.",
                executed=True,
                param="payment_method",
            )
        decline = self._declines[payment_method["id"]]
        if decline == REQUIRES_ACTION_ALWAYS or (
            decline == REQUIRES_ACTION_ON_SESSION and not off_session
        ):
            self._require_action(request, intent, payment_method)
            return
        charge = self._new_charge(intent, payment_method, decline)
        intent["latest_charge"] = charge["id"]
        if decline:
            message = DECLINES[decline][0]
            error_code = DECLINE_ERROR_CODES.get(decline, "card_declined")
            intent.update(
                status="requires_payment_method",
                payment_method=None,
                next_action=None,
                last_payment_error=_ordered(
                    {
                        "charge": charge["id"],
                        "code": error_code,
                        "decline_code": decline,
                        "doc_url": ERROR_DOCS + "card-declined",
                        "message": message,
                        "payment_method": copy.deepcopy(payment_method),
                        "type": "card_error",
                    }
                ),
            )
            self._emit(
                "payment_intent.payment_failed",
                self._render_payment_intent(intent),
                request,
            )
            raise StripeError(
                402,
                "card_error",
                message,
                executed=True,
                code=error_code,
                decline_code=decline,
                doc_url=ERROR_DOCS + "card-declined",
                charge=charge["id"],
                payment_intent=self._render_payment_intent(intent),
                payment_method=copy.deepcopy(payment_method),
            )
        intent.update(
            payment_method=payment_method["id"],
            last_payment_error=None,
            next_action=None,
        )
        if intent["setup_future_usage"] and intent["customer"]:
            payment_method["customer"] = intent["customer"]
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self._authorized_at[intent["id"]] = self.now()
            event_type = "payment_intent.amount_capturable_updated"
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
            event_type = "payment_intent.succeeded"
        self._emit(event_type, self._render_payment_intent(intent), request)

    def _require_action(self, request, intent, payment_method):
        """The bank asks the customer to authenticate (3-D Secure): the
        intent waits in ``requires_action``, nothing is charged."""
        intent.update(
            status="requires_action",
            payment_method=payment_method["id"],
            last_payment_error=None,
            next_action=_ordered(
                {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {
                        "type": "three_d_secure_redirect",
                        "stripe_js": f"{self.url}3ds/{intent['id']}",
                        "source": new_id("src"),
                    },
                }
            ),
        )
        self._emit(
            "payment_intent.requires_action",
            self._render_payment_intent(intent),
            request,
        )

    def _cancel(self, request, intent, reason, at=None):
        at = self.now() if at is None else at
        if intent["status"] == "requires_capture":  # release the authorisation
            charge = self.charges[intent["latest_charge"]]
            refund = _ordered(
                {
                    "id": new_id("re"),
                    "object": "refund",
                    "amount": charge["amount"],
                    "balance_transaction": None,
                    "charge": charge["id"],
                    "created": at,
                    "currency": charge["currency"],
                    "metadata": {},
                    "payment_intent": intent["id"],
                    "reason": "expired_uncaptured_charge"
                    if reason == "automatic"
                    else None,
                    "receipt_number": None,
                    "source_transfer_reversal": None,
                    "status": "succeeded",
                    "transfer_reversal": None,
                }
            )
            charge.update(refunded=True, amount_refunded=charge["amount"])
            charge["refunds"]["data"].insert(0, refund)
        self._authorized_at.pop(intent["id"], None)
        intent.update(
            status="canceled",
            canceled_at=at,
            cancellation_reason=reason,
            amount_capturable=0,
        )
        self._emit(
            "payment_intent.canceled",
            self._render_payment_intent(intent),
            request,
            created=at,
        )

    def _expire_authorizations(self):
        now = self.now()
        for intent_id, authorized_at in sorted(
            self._authorized_at.items(), key=lambda item: item[1]
        ):
            expiry = authorized_at + AUTHORIZATION_VALIDITY
            if now >= expiry:
                self._cancel(None, self.payment_intents[intent_id], "automatic", expiry)

    def _get_payment_intent(self, intent_id):
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise StripeError(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{intent_id}'",
                code="resource_missing",
                param="intent",
            )
        return intent

    # --- endpoints ------------------------------------------------------------

    def _create_customer(self, request, params):
        self._check_params(params, CUSTOMER_CREATE_PARAMS)
        expand = self._expand(params, "customer")
        customer = {
            "id": new_id("cus", 14),
            "object": "customer",
            "address": self._address(params.get("address"), "address"),
            "balance": self._integer(params, "balance") or 0,
            "created": self.now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": self._string(params, "description"),
            "discount": None,
            "email": self._string(params, "email", max_length=512),
            "invoice_prefix": self._string(params, "invoice_prefix")
            or _random(8).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": self._metadata(params),
            "name": self._string(params, "name", max_length=256),
            "next_invoice_sequence": 1,
            "phone": self._string(params, "phone", max_length=20),
            "preferred_locales": self._string_list(params, "preferred_locales", [])
            or [],
            "shipping": self._shipping(params),
            "tax_exempt": "none",
            "test_clock": None,
        }
        customer = _ordered(customer)
        self.customers[customer["id"]] = customer
        self._emit("customer.created", copy.deepcopy(customer), request)
        return self._expand_fields(copy.deepcopy(customer), expand)

    def _create_payment_intent(self, request, params):
        self._check_params(
            params, PAYMENT_INTENT_CREATE_PARAMS, required=("amount", "currency")
        )
        amount = self._integer(params, "amount", minimum=1, maximum=99999999)
        currency = self._string(params, "currency")
        if not re.fullmatch(r"[A-Za-z]{3}", currency):
            raise _invalid(f"Invalid currency: {currency.lower()}.", "currency")
        capture_method = self._choice(
            params, "capture_method", CAPTURE_METHODS, default="automatic"
        )
        confirm = self._boolean(params, "confirm")
        off_session = self._string(params, "off_session")
        if off_session is not None:
            if off_session.lower() not in ("true", "false", "one_off", "recurring"):
                raise _invalid(f"Invalid off_session: {off_session}", "off_session")
            if not confirm:
                raise _invalid(
                    "You can only pass in `off_session` when `confirm` is true.",
                    "off_session",
                )
        customer_id = self._string(params, "customer")
        if customer_id is not None and customer_id not in self.customers:
            raise _invalid(
                f"No such customer: '{customer_id}'", "customer", "resource_missing"
            )
        payment_method_id = self._string(params, "payment_method")
        payment_method_types = self._string_list(
            params, "payment_method_types", ["card"]
        )
        setup_future_usage = self._choice(
            params, "setup_future_usage", ("off_session", "on_session")
        )
        expand = self._expand(params, "payment_intent")
        description = self._string(params, "description", max_length=1000)
        shipping = self._shipping(params)
        metadata = self._metadata(params)
        receipt_email = self._string(params, "receipt_email")
        statement_descriptor = self._string(params, "statement_descriptor", 22)
        descriptor_suffix = self._string(params, "statement_descriptor_suffix", 22)
        transfer_group = self._string(params, "transfer_group")
        mandate_options = self._mandate_options(params)
        payment_method = (
            self._resolve_payment_method(payment_method_id)
            if payment_method_id
            else None
        )
        intent_id = new_id("pi")
        intent = _ordered(
            {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_details": {"tip": {}},
                "amount_received": 0,
                "application": None,
                "application_fee_amount": None,
                "automatic_payment_methods": None,
                "canceled_at": None,
                "cancellation_reason": None,
                "capture_method": capture_method,
                "client_secret": f"{intent_id}_secret_{_random(25)}",
                "confirmation_method": "automatic",
                "created": self.now(),
                "currency": currency.lower(),
                "customer": customer_id,
                "description": description,
                "invoice": None,
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": metadata,
                "next_action": None,
                "on_behalf_of": None,
                "payment_method": payment_method and payment_method["id"],
                "payment_method_options": {
                    "card": {
                        "installments": None,
                        "mandate_options": mandate_options,
                        "network": None,
                        "request_three_d_secure": "automatic",
                    }
                }
                if "card" in payment_method_types
                else {},
                "payment_method_types": payment_method_types,
                "processing": None,
                "receipt_email": receipt_email,
                "review": None,
                "setup_future_usage": setup_future_usage,
                "shipping": shipping,
                "statement_descriptor": statement_descriptor,
                "statement_descriptor_suffix": descriptor_suffix,
                "status": "requires_confirmation"
                if payment_method
                else "requires_payment_method",
                "transfer_data": None,
                "transfer_group": transfer_group,
            }
        )
        self.payment_intents[intent_id] = intent
        self._charge_ids[intent_id] = []
        self._emit(
            "payment_intent.created", self._render_payment_intent(intent), request
        )
        if confirm:
            self._confirm(
                request,
                intent,
                payment_method,
                off_session=off_session is not None and off_session.lower() != "false",
            )
        return self._render_payment_intent(intent, expand)

    def _retrieve_payment_intent(self, request, params, intent_id):
        self._check_params(params, PAYMENT_INTENT_RETRIEVE_PARAMS)
        expand = self._expand(params, "payment_intent")
        intent = self._get_payment_intent(intent_id)
        return self._render_payment_intent(intent, expand)

    def _list_payment_intents(self, request, params):
        """GET /v1/payment_intents: newest first, filtered by ``customer``
        and ``created``, paginated like the balance transactions
        (``limit`` 1 to 100, default 10, ``starting_after`` /
        ``ending_before``).  What an off-session charge whose answer was
        lost is looked up with (issue 25)."""
        self._check_params(params, PAYMENT_INTENT_LIST_PARAMS)
        expand = self._expand(params, "payment_intent_list")
        limit = self._integer(params, "limit", minimum=1, maximum=100) or 10
        created = self._created_filter(params)
        customer_id = self._string(params, "customer")
        selected = [
            intent
            for intent in reversed(list(self.payment_intents.values()))
            if created(intent["created"]) and customer_id in (None, intent["customer"])
        ]
        page, has_more = self._page(
            selected, params, limit, self.payment_intents, "payment_intent"
        )
        fields = tuple(field.split(".", 1)[1] for field in expand)
        return {
            "object": "list",
            "data": [self._render_payment_intent(intent, fields) for intent in page],
            "has_more": has_more,
            "url": "/v1/payment_intents",
        }

    def _confirm_endpoint(self, request, params, intent_id):
        self._check_params(params, PAYMENT_INTENT_CONFIRM_PARAMS)
        expand = self._expand(params, "payment_intent")
        payment_method_id = self._string(params, "payment_method")
        capture_method = self._choice(params, "capture_method", CAPTURE_METHODS)
        setup_future_usage = params.get("setup_future_usage")
        if setup_future_usage not in (None, "", "off_session", "on_session"):
            raise _invalid(
                "Invalid setup_future_usage: must be one of off_session, on_session",
                "setup_future_usage",
            )
        receipt_email = self._string(params, "receipt_email")
        intent = self._get_payment_intent(intent_id)
        payment_method = (
            self._resolve_payment_method(payment_method_id)
            if payment_method_id
            else None
        )
        if intent["status"] in CONFIRMABLE:
            if capture_method:
                intent["capture_method"] = capture_method
            if setup_future_usage is not None:
                intent["setup_future_usage"] = setup_future_usage or None
            if receipt_email:
                intent["receipt_email"] = receipt_email
        self._confirm(request, intent, payment_method)
        return self._render_payment_intent(intent, expand)

    def _capture_endpoint(self, request, params, intent_id):
        self._check_params(params, PAYMENT_INTENT_CAPTURE_PARAMS)
        expand = self._expand(params, "payment_intent")
        amount = self._integer(params, "amount_to_capture", minimum=1)
        metadata = self._metadata(params)
        intent = self._get_payment_intent(intent_id)
        if intent["status"] != "requires_capture":
            raise self._unexpected_state(
                intent,
                "This PaymentIntent could not be captured because it has a status "
                f"of {intent['status']}. Only a PaymentIntent with one of the "
                "following statuses may be captured: requires_capture.",
            )
        capturable = intent["amount_capturable"]
        amount = capturable if amount is None else amount
        if amount > capturable:
            raise StripeError(
                400,
                "invalid_request_error",
                f"The amount_to_capture ({amount}) must be less than or equal to "
                f"the PaymentIntent's amount_capturable ({capturable}).",
                executed=True,
                code="amount_too_large",
                param="amount_to_capture",
                payment_intent=self._render_payment_intent(intent),
            )
        charge = self.charges[intent["latest_charge"]]
        charge.update(captured=True, amount_captured=amount)
        self._charge_balance_transaction(charge, amount)
        # the intent's metadata only: Stripe copied it to the charge once, at
        # the confirmation (update the charge to change the charge's)
        intent["metadata"].update(metadata)
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self._authorized_at.pop(intent_id, None)
        self._emit(
            "payment_intent.succeeded", self._render_payment_intent(intent), request
        )
        return self._render_payment_intent(intent, expand)

    def _cancel_endpoint(self, request, params, intent_id):
        self._check_params(params, PAYMENT_INTENT_CANCEL_PARAMS)
        expand = self._expand(params, "payment_intent")
        reason = self._choice(params, "cancellation_reason", CANCELLATION_REASONS)
        intent = self._get_payment_intent(intent_id)
        if intent["status"] not in CANCELABLE:
            raise self._unexpected_state(
                intent,
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following "
                f"statuses may be canceled: {', '.join(CANCELABLE)}.",
            )
        self._cancel(request, intent, reason)
        return self._render_payment_intent(intent, expand)

    def _retrieve_payment_method(self, request, params, payment_method_id):
        self._check_params(params, PAYMENT_METHOD_RETRIEVE_PARAMS)
        expand = self._expand(params, "payment_method")
        if (
            payment_method_id not in self.payment_methods
            and payment_method_id not in TEST_CARDS
        ):
            raise StripeError(
                404,
                "invalid_request_error",
                f"No such PaymentMethod: '{payment_method_id}'",
                code="resource_missing",
                param="payment_method",
            )
        payment_method = self._resolve_payment_method(payment_method_id)
        return self._expand_fields(copy.deepcopy(payment_method), expand)

    def _get_charge(self, charge_id, param="charge"):
        charge = self.charges.get(charge_id)
        if charge is None:
            raise StripeError(
                404 if param == "charge" and charge_id else 400,
                "invalid_request_error",
                f"No such charge: '{charge_id}'",
                code="resource_missing",
                param=param,
            )
        return charge

    def _update_charge(self, request, params, charge_id):
        """POST /v1/charges/{charge}: the stand-in updates the metadata and
        the description (the other parameters are accepted and ignored)."""
        self._check_params(params, CHARGE_UPDATE_PARAMS)
        expand = self._expand(params, "charge")
        charge = self._get_charge(charge_id)
        description = self._string(params, "description", max_length=1000)
        charge["metadata"] = self._update_metadata(charge["metadata"], params)
        if description is not None:
            charge["description"] = description
        self._emit("charge.updated", copy.deepcopy(charge), request)
        return self._expand_fields(copy.deepcopy(charge), expand)

    def _create_refund(self, request, params):
        """POST /v1/refunds on a captured charge (by ``charge`` or
        ``payment_intent``): the refund is made at once; its balance
        transaction takes the amount back, and no fee is returned."""
        self._check_params(params, REFUND_CREATE_PARAMS)
        expand = self._expand(params, "refund")
        amount = self._integer(params, "amount", minimum=1)
        metadata = self._metadata(params)
        reason = self._choice(
            params, "reason", ("duplicate", "fraudulent", "requested_by_customer")
        )
        charge_id = self._string(params, "charge")
        intent_id = self._string(params, "payment_intent")
        if bool(charge_id) == bool(intent_id):
            raise _invalid(
                "You must pass either `charge` or `payment_intent` (and not both)."
            )
        if intent_id:
            intent = self.payment_intents.get(intent_id)
            if intent is None:
                raise _invalid(
                    f"No such payment_intent: '{intent_id}'",
                    "payment_intent",
                    "resource_missing",
                )
            charge_id = intent["latest_charge"]
        charge = self._get_charge(charge_id, param="charge" if charge_id else "")
        refundable = charge["amount_captured"] - charge["amount_refunded"]
        if any(
            dispute["charge"] == charge["id"] and not dispute["is_charge_refundable"]
            for dispute in self.disputes.values()
        ):
            raise _invalid(
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        if not charge["captured"] or refundable <= 0:
            raise _invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = refundable if amount is None else amount
        if amount > refundable:
            raise _invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on "
                f"charge ({refundable})",
                "amount",
                "amount_too_large",
            )
        refund = _ordered(
            {
                "id": new_id("re"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge["id"],
                "created": self.now(),
                "currency": charge["currency"],
                "metadata": metadata,
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            }
        )
        txn = self._new_balance_transaction(
            "refund",
            -amount,
            charge["currency"],
            refund["id"],
            f"REFUND FOR CHARGE ({charge['description'] or charge['id']})",
        )
        refund["balance_transaction"] = txn["id"]
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        self._emit("charge.refunded", copy.deepcopy(charge), request)
        return self._expand_fields(copy.deepcopy(refund), expand)

    def _page(self, selected, params, limit, known, kind):
        """Stripe's cursor pagination of a list (newest first):
        ``(page, has_more)`` after ``starting_after`` or before
        ``ending_before``, an unknown cursor refused as Stripe does."""
        ids = [obj["id"] for obj in selected]
        after = self._string(params, "starting_after")
        before = self._string(params, "ending_before")
        for cursor, name in ((after, "starting_after"), (before, "ending_before")):
            if cursor and cursor not in known:
                raise _invalid(f"No such {kind}: '{cursor}'", name, "resource_missing")
        if after:
            start = ids.index(after) + 1 if after in ids else len(ids)
            return selected[start : start + limit], start + limit < len(selected)
        if before:
            end = ids.index(before) if before in ids else 0
            return selected[max(0, end - limit) : end], end - limit > 0
        return selected[:limit], len(selected) > limit

    @classmethod
    def _created_filter(cls, params):
        """``created=<t>`` or ``created[gt|gte|lt|lte]=<t>`` as a predicate."""
        value = params.get("created")
        if value in (None, ""):
            return lambda created: True
        if isinstance(value, str):
            exact = cls._integer(params, "created")
            return lambda created: created == exact
        if not isinstance(value, dict) or set(value) - {"gt", "gte", "lt", "lte"}:
            raise _invalid("Invalid range query: created", "created")
        bounds = {
            op: cls._integer(value, op) for op in value if value[op] not in (None, "")
        }
        tests = {
            "gt": lambda created, bound: created > bound,
            "gte": lambda created, bound: created >= bound,
            "lt": lambda created, bound: created < bound,
            "lte": lambda created, bound: created <= bound,
        }
        return lambda created: all(
            tests[op](created, bound) for op, bound in bounds.items()
        )

    def _list_balance_transactions(self, request, params):
        """GET /v1/balance_transactions: newest first, filtered by
        ``created``, ``currency``, ``type``, ``source`` and ``payout`` (the
        transactions a payout paid out), paginated by ``limit`` (1 to 100,
        default 10) and ``starting_after`` / ``ending_before``; ``expand[]=
        data.source`` gives each transaction's charge, refund or payout."""
        self._check_params(params, BALANCE_TRANSACTION_LIST_PARAMS)
        expand = self._expand(params, "balance_transaction_list")
        limit = self._integer(params, "limit", minimum=1, maximum=100) or 10
        created = self._created_filter(params)
        currency = (self._string(params, "currency") or "").lower()
        kind = self._string(params, "type")
        source = self._string(params, "source")
        payout_id = self._string(params, "payout")
        if payout_id and payout_id not in self.payouts:
            raise _invalid(
                f"No such payout: '{payout_id}'", "payout", "resource_missing"
            )
        paid_out = set(self._paid_out.get(payout_id, ())) if payout_id else None
        selected = [
            txn
            for txn in reversed(list(self.balance_transactions.values()))
            if created(txn["created"])
            and currency in ("", txn["currency"])
            and kind in (None, txn["type"])
            and source in (None, txn["source"])
            and (paid_out is None or txn["id"] in paid_out)
        ]
        page, has_more = self._page(
            selected, params, limit, self.balance_transactions, "balance_transaction"
        )
        expand_source = "data.source" in expand
        return {
            "object": "list",
            "data": [
                self._render_balance_transaction(
                    txn, ("source",) if expand_source else ()
                )
                for txn in page
            ],
            "has_more": has_more,
            "url": "/v1/balance_transactions",
        }

    def _create_payout(self, request, params):
        """POST /v1/payouts: a manual payout of the available balance to the
        account's bank; its balance transaction takes the amount out."""
        self._check_params(
            params, PAYOUT_CREATE_PARAMS, required=("amount", "currency")
        )
        expand = self._expand(params, "payout")
        amount = self._integer(params, "amount", minimum=1)
        currency = self._string(params, "currency")
        if not re.fullmatch(r"[A-Za-z]{3}", currency):
            raise _invalid(f"Invalid currency: {currency.lower()}.", "currency")
        currency = currency.lower()
        method = self._choice(params, "method", ("standard", "instant"), "standard")
        source_type = self._choice(
            params, "source_type", ("bank_account", "card", "fpx"), "card"
        )
        metadata = self._metadata(params)
        description = self._string(params, "description")
        descriptor = self._string(params, "statement_descriptor", 22)
        available, _pending = self.balance(currency)
        if amount > available:
            raise _invalid(
                "You have insufficient funds in your Stripe account for this "
                "transfer. Your card balance is too low.  You can use the "
                "/v1/balance endpoint to view your Stripe balance (for more "
                "details, see stripe.com/docs/api#balance).",
                "amount",
                "balance_insufficient",
            )
        payout = _ordered(
            {
                "id": new_id("po"),
                "object": "payout",
                "amount": amount,
                "arrival_date": self.now() + PAYOUT_DELAY,
                "automatic": False,
                "balance_transaction": None,
                "created": self.now(),
                "currency": currency,
                "description": description or "STRIPE PAYOUT",
                "destination": self.bank_account_id,
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "livemode": False,
                "metadata": metadata,
                "method": method,
                "original_payout": None,
                "reconciliation_status": "not_applicable",
                "reversed_by": None,
                "source_type": source_type,
                "statement_descriptor": descriptor,
                "status": "pending",
                "type": "bank_account",
            }
        )
        # the available transactions it pays out, oldest first, for
        # ``GET /v1/balance_transactions?payout=``
        now = self.now()
        self._paid_out[payout["id"]] = [
            txn["id"]
            for txn in self.balance_transactions.values()
            if txn["currency"] == currency
            and txn["available_on"] <= now
            and txn["id"] not in self._swept
        ]
        self._swept.update(self._paid_out[payout["id"]])
        txn = self._new_balance_transaction(
            "payout", -amount, currency, payout["id"], payout["description"]
        )
        payout["balance_transaction"] = txn["id"]
        self.payouts[payout["id"]] = payout
        self._emit("payout.created", copy.deepcopy(payout), request)
        return self._expand_fields(copy.deepcopy(payout), expand)

    # --- disputes -------------------------------------------------------------

    def _get_dispute(self, dispute_id):
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            raise StripeError(
                404,
                "invalid_request_error",
                f"No such dispute: '{dispute_id}'",
                code="resource_missing",
                param="dispute",
            )
        return dispute

    def _retrieve_dispute(self, request, params, dispute_id):
        """GET /v1/disputes/{dispute}."""
        self._check_params(params, DISPUTE_RETRIEVE_PARAMS)
        expand = self._expand(params, "dispute")
        return self._render_dispute(self._get_dispute(dispute_id), expand)

    def _list_disputes(self, request, params):
        """GET /v1/disputes: newest first, filtered by ``charge``,
        ``payment_intent`` and ``created``, paginated like the balance
        transactions (``limit``, ``starting_after``, ``ending_before``)."""
        self._check_params(params, DISPUTE_LIST_PARAMS)
        expand = self._expand(params, "dispute_list")
        limit = self._integer(params, "limit", minimum=1, maximum=100) or 10
        created = self._created_filter(params)
        charge_id = self._string(params, "charge")
        intent_id = self._string(params, "payment_intent")
        selected = [
            dispute
            for dispute in reversed(list(self.disputes.values()))
            if created(dispute["created"])
            and charge_id in (None, dispute["charge"])
            and intent_id in (None, dispute["payment_intent"])
        ]
        ids = [dispute["id"] for dispute in selected]
        after = self._string(params, "starting_after")
        before = self._string(params, "ending_before")
        for cursor, name in ((after, "starting_after"), (before, "ending_before")):
            if cursor and cursor not in self.disputes:
                raise _invalid(f"No such dispute: '{cursor}'", name, "resource_missing")
        if after:
            start = ids.index(after) + 1 if after in ids else len(ids)
            page = selected[start : start + limit]
            has_more = start + limit < len(selected)
        elif before:
            end = ids.index(before) if before in ids else 0
            page = selected[max(0, end - limit) : end]
            has_more = end - limit > 0
        else:
            page = selected[:limit]
            has_more = len(selected) > limit
        fields = tuple(field.split(".", 1)[1] for field in expand)
        return {
            "object": "list",
            "data": [self._render_dispute(dispute, fields) for dispute in page],
            "has_more": has_more,
            "url": "/v1/disputes",
        }

    def _update_dispute(self, request, params, dispute_id):
        """POST /v1/disputes/{dispute}: the evidence (merged into what is
        staged) and the metadata.  ``submit`` (default true, as on Stripe)
        sends the evidence to the bank: the dispute goes ``under_review``
        (``warning_under_review`` for an inquiry).  Evidence cannot change
        once submitted or once the dispute is closed.  Emits
        ``charge.dispute.updated``."""
        self._check_params(params, DISPUTE_UPDATE_PARAMS)
        expand = self._expand(params, "dispute")
        submit = self._boolean(params, "submit", default=True)
        evidence = params.get("evidence")
        if evidence in (None, ""):
            evidence = {}
        if not isinstance(evidence, dict):
            raise _invalid("Invalid hash", "evidence")
        total = 0
        for field in sorted(evidence):
            if field not in DISPUTE_EVIDENCE_FIELDS:
                raise _invalid(
                    f"Received unknown parameter: evidence[{field}]",
                    f"evidence[{field}]",
                    "parameter_unknown",
                )
            limit = 20000 if field in DISPUTE_EVIDENCE_LONG_FIELDS else 5000
            value = self._string(evidence, field, max_length=limit)
            total += len(value or "")
        if total > DISPUTE_EVIDENCE_MAX_TOTAL:
            raise _invalid(
                "The combined character count of all evidence fields is limited "
                f"to {DISPUTE_EVIDENCE_MAX_TOTAL}.",
                "evidence",
            )
        dispute = self._get_dispute(dispute_id)
        metadata = self._update_metadata(dispute["metadata"], params)
        # once submitted or closed, only the metadata can change: ``submit``
        # left to its default then submits nothing
        asked = bool(evidence) or (submit and params.get("submit") not in (None, ""))
        if asked and dispute["status"] in DISPUTE_CLOSED_STATUSES:
            raise _invalid(
                f"This dispute is already closed ({dispute['status']}): its "
                "evidence cannot be updated.",
            )
        if asked and dispute["status"] in ("under_review", "warning_under_review"):
            raise _invalid(
                "The evidence of this dispute has already been submitted and "
                "can no longer be updated.",
            )
        dispute["metadata"] = metadata
        details = dispute["evidence_details"]
        if evidence:
            dispute["evidence"].update(
                {field: value or None for field, value in evidence.items()}
            )
            details["has_evidence"] = True
        if submit and dispute["status"] in ("needs_response", "warning_needs_response"):
            details["submission_count"] += 1
            details["past_due"] = bool(
                details["due_by"] and self.now() > details["due_by"]
            )
            inquiry = dispute["status"].startswith("warning_")
            dispute["status"] = "warning_under_review" if inquiry else "under_review"
        self._emit("charge.dispute.updated", self._render_dispute(dispute), request)
        return self._render_dispute(dispute, expand)
