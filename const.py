# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Constants of the addon: billing modes, states and defaults."""

# How a ticket is paid: the answer of helpdesk.ticket._get_support_billing_mode().
BILLING_MODE_TIME = "time"  # per-minute time billing, invoiced by this addon
BILLING_MODE_NONE = "none"  # nothing to bill (no customer)
BILLING_MODE_HOLD = "hold"  # charged on the customer's card hold
BILLING_MODE_PACK = "pack"  # paid with prepaid credits
BILLING_MODE_SUBSCRIPTION = "subscription"  # covered by a support subscription
BILLING_MODE_INTERVENTION = "intervention"  # billed by its on-site intervention
BILLING_MODES = [
    (BILLING_MODE_TIME, "Time billing"),
    (BILLING_MODE_HOLD, "Card hold"),
    (BILLING_MODE_PACK, "Prepaid credits"),
    (BILLING_MODE_SUBSCRIPTION, "Subscription"),
    (BILLING_MODE_INTERVENTION, "On-site intervention"),
    (BILLING_MODE_NONE, "Not billed"),
]
#: Which way a ticket is paid, in one place (README "How a ticket is paid"):
#: the modes are tried by increasing priority and the first whose condition
#: holds wins.  The condition of mode ``m`` is the ticket method
#: ``_support_billing_mode_is_<m>()``; ``time`` is the fallback.
BILLING_MODE_PRECEDENCE = (
    # (priority, mode, condition)
    (10, BILLING_MODE_NONE, "the ticket has no customer"),
    (20, BILLING_MODE_INTERVENTION, "it belongs to an on-site intervention"),
    (30, BILLING_MODE_HOLD, "a card hold of its customer is authorised for it"),
    (40, BILLING_MODE_SUBSCRIPTION, "a subscription covers all its time"),
    (50, BILLING_MODE_PACK, "prepaid credits pay all its billed minutes"),
    (100, BILLING_MODE_TIME, "otherwise: invoiced by the minute"),
)

# support.time.entry states, derived from the entry and its invoice line.
ENTRY_STATE_NON_BILLABLE = "non_billable"
ENTRY_STATE_TO_INVOICE = "to_invoice"
ENTRY_STATE_INVOICED = "invoiced"
#: Time of a subscription's authorised user, settled when it was logged.
ENTRY_STATE_COVERED = "covered"
#: Time whose invoice was fully credited or cancelled: billed again only when
#: an accountant decides so ("Bill Again").
ENTRY_STATE_TO_REVIEW = "to_review"

# support.card.hold states, derived from its payment transactions.
HOLD_STATES = [
    ("draft", "Awaiting card"),
    ("authorized", "Authorised"),
    ("partial", "Partially captured"),
    ("captured", "Captured"),
    ("released", "Released"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
    ("error", "Error"),
]
# A hold still awaiting the card, or holding money on it: one per ticket.
HOLD_LIVE_STATES = ("draft", "authorized", "partial")
# Why an authorised hold ended without capture.
HOLD_END_RELEASED = "released"  # an accountant released it
HOLD_END_EXPIRED = "expired"  # the 6-day cron or Stripe's 7-day limit

# Card holds
HOLD_DURATIONS = [30, 60, 120]  # minutes offered on the public page

# Prepaid credit packs
PACK_SCOPES = [
    ("single", "Single user"),
    ("multi", "Multi-user"),
]
PACK_SCOPE_SINGLE = "single"
PACK_SCOPE_MULTI = "multi"
PACK_MOVE_PURCHASE = "purchase"
PACK_MOVE_CONSUMPTION = "consumption"
PACK_MOVE_CORRECTION = "correction"
PACK_MOVE_EXPIRY = "expiry"
PACK_MOVE_ROLLOVER = "rollover"
PACK_MOVE_REFUND = "refund"
PACK_MOVE_CANCELLATION = "cancellation"
PACK_MOVE_RESTORE = "restore"  # a credit note or a cancellation undone
PACK_MOVE_REASONS = [
    (PACK_MOVE_PURCHASE, "Purchase"),
    (PACK_MOVE_CONSUMPTION, "Consumption"),
    (PACK_MOVE_CORRECTION, "Correction"),
    (PACK_MOVE_EXPIRY, "Expiry"),
    (PACK_MOVE_ROLLOVER, "Rollover"),
    (PACK_MOVE_REFUND, "Refund"),
    (PACK_MOVE_CANCELLATION, "Invoice cancelled"),
    (PACK_MOVE_RESTORE, "Given back"),
]
PACK_STATES = [
    ("active", "Active"),
    ("unpaid", "Awaiting payment"),
    ("used", "Used up"),
    ("expired", "Expired"),
]

# Payment states of the invoice of a pack in which its tickets are usable:
# paid, or a payment registered and not matched with the bank yet.
PACK_PAID_STATES = ("paid", "in_payment")

# support.subscription states.
SUBSCRIPTION_STATES = [
    ("draft", "Draft"),
    ("waiting", "Waiting for payment"),
    ("active", "Active"),
    ("cancelled", "Cancelled at period end"),
    ("closed", "Closed"),
]
#: States in which a subscription is open (a customer has at most one).
SUBSCRIPTION_OPEN_STATES = ("draft", "waiting", "active", "cancelled")
#: States in which an activated subscription may cover tickets.
SUBSCRIPTION_COVERING_STATES = ("active", "cancelled", "closed")
SUBSCRIPTION_STARTUP_CONTACTS = [
    ("phone", "Phone call"),
    ("email", "E-mail"),
]

# Remote sessions (support.remote.session): tools, consent channels, states.
REMOTE_SESSION_TOOLS = [
    ("teamviewer", "TeamViewer"),
    ("anydesk", "AnyDesk"),
    ("rustdesk", "RustDesk"),
    ("quick_assist", "Windows Quick Assist"),
    ("other", "Other"),
]
REMOTE_CONSENT_METHODS = [
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("portal", "Customer portal"),
    ("in_person", "In person"),
]
REMOTE_SESSION_STATES = [
    ("draft", "Waiting for consent"),
    ("consented", "Consent given"),
    ("running", "Running"),
    ("done", "Done"),
    ("stopped", "Stopped by the customer"),
    ("cancelled", "Cancelled"),
]
#: States of a session that has ended (its time is logged).
REMOTE_SESSION_ENDED_STATES = ("done", "stopped")
#: States that need the customer's consent for the session.
REMOTE_SESSION_CONSENTED_STATES = ("consented", "running", "done", "stopped")

# Payments on site, as journal methods: code -> journal types offering it.
SUPPORT_PAYMENT_METHODS = {
    "support_cash": ("cash",),
    "support_cheque": ("bank",),
    "support_bank_transfer": ("bank",),
    "support_interac": ("bank",),
    "support_card_terminal": ("bank",),
}
# helpdesk.ticket priority values (helpdesk_mgmt): '3' is the most critical.
SUPPORT_PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
    ("3", "Very High"),
]
# Kinds of request types: disputes go to managers, suggestions get answered.
SUPPORT_REQUEST_KINDS = [
    ("standard", "Standard"),
    ("dispute", "Dispute"),
    ("suggestion", "Suggestion"),
]
# Contact form limits (characters).
CONTACT_NAME_MAX = 128
CONTACT_EMAIL_MAX = 254
CONTACT_SUBJECT_MAX = 200
CONTACT_DESCRIPTION_MAX = 5000
# On-site interventions
INTERVENTION_STATES = [
    ("requested", "Requested"),
    ("scheduled", "Scheduled"),
    ("in_progress", "In progress"),
    ("diagnostic", "Diagnostic"),
    ("estimate", "Estimate"),
    ("accepted", "Accepted"),
    ("refused", "Refused"),
    ("stopped", "Stopped"),
    ("done", "Done"),
    ("invoiced", "Invoiced"),
    ("cancelled", "Cancelled"),
]
#: How the customer signed a policy or an estimate (issue 29): both are the
#: same electronic signature (name, date, signed PDF, chatter); the typed one
#: is the accessible alternative to drawing.
SIGNATURE_DRAWN = "drawn"
SIGNATURE_TYPED = "typed"
SIGNATURE_METHODS = [
    (SIGNATURE_DRAWN, "Drawn signature"),
    (SIGNATURE_TYPED, "Typed name and consent"),
]
INTERVENTION_REPAIR_PLACES = [
    ("on_site", "On site"),
    ("workshop", "In the workshop"),
]
#: How the intervention ended, for its fees (rules.intervention_fees).
OUTCOME_ACCEPTED = "accepted"
OUTCOME_REFUSED = "refused"
OUTCOME_STOPPED = "stopped"
ESTIMATE_LINE_TYPES = [
    ("part", "Part"),
    ("labour", "Labour"),
]
DEFAULT_SERVICE_RADIUS_KM = 15.0
DEFAULT_COMPENSATION_RATE = 20.0  # percent of the diagnostic price
DEFAULT_CANCEL_NOTICE_HOURS = 24
#: Issue 25: retries of a declined automatic charge, days after the first.
DEFAULT_AUTOPAY_RETRY_DAYS = "1,3,7"

# Transparency figures: windows of the published figures, in days, and rated
# tickets per page.
TRANSPARENCY_WINDOWS = (30, 90)
#: Context key of the automatic notices the addon posts to the customer on a
#: ticket (prepaid credits ran out...): they do not stop the first-response
#: clock, only a person's reply does.
AUTOMATIC_MESSAGE_CONTEXT = "support_automatic_message"
TRANSPARENCY_PAGE_SIZE = 20
# The public page reuses its aggregates for this long (seconds).
TRANSPARENCY_CACHE_SECONDS = 300

# Issue 13: the link that proves a visitor's e-mail address (hash_sign scope
# and validity, in hours).
ADDRESS_PROOF_SCOPE = "support_billing.address_proof"
ADDRESS_PROOF_HOURS = 72
#: Requests a proof link may confirm (one link per request).
ADDRESS_PROOF_MODELS = ("helpdesk.ticket", "support.intervention")
#: Staff-visible proof of a public request (empty: not a visitor's request).
ADDRESS_PROOF_STATES = [
    ("proven", "Address proven"),
    ("pending", "Not proven"),
]

#: work types of the rate card (issue 28): the time entry's type, a channel's
#: default
WORK_TYPES = [
    ("remote", "Remote"),
    ("on_site", "On site"),
    ("after_hours", "After hours"),
    ("weekend", "Weekend / holiday"),
]

# Stripe reconciliation (issue 24, item 5): the balance transaction types the
# accountant's screen tells apart on the lines OCA imports from Stripe
STRIPE_LINE_TYPES = [
    ("charge", "Charge"),
    ("payment", "Payment"),
    ("fee", "Fee"),
    ("refund", "Refund"),
    ("payout", "Payout"),
    ("payout_failure", "Failed payout"),
    ("adjustment", "Adjustment"),
    ("other", "Other"),
]
STRIPE_BALANCE_STATES = [
    ("ok", "Read from Stripe"),
    ("not_configured", "Not configured"),
    ("unreachable", "Not reachable"),
]
# at most this many balance transactions are listed to find those not imported
STRIPE_NOT_IMPORTED_MAX_PAGES = 10

# Issue 24: the reconciliation models the accountant's one-click set-up makes
# for a company's Stripe account, by role (one model per role and company).
# ``charge``, ``refund``, ``payout_failure`` and ``payout_arrival`` find their
# counterpart (a payment, an invoice, the payout a failure brings back, a
# payout in transit); ``dispute`` settles the customer's receivable of a
# dispute Odoo knows (docs/accountant.md); the others post the line.
STRIPE_RECONCILE_ROLES = [
    ("fee", "Stripe fees"),
    ("charge", "Stripe charges"),
    ("refund", "Stripe refunds"),
    ("payout", "Stripe payouts"),
    ("payout_failure", "Stripe failed payouts"),
    ("dispute", "Stripe disputes"),
    ("payout_arrival", "Stripe payouts at the bank"),
]
STRIPE_MATCHING_ROLES = ("charge", "refund", "payout_failure", "payout_arrival")
#: labels of OCA's Stripe import (``stripe_label``: "stripe <invoice number>
#: <object> <id> <method>", ``stripe_fee_label``: "stripe fee ..."), as
#: regular expressions (PostgreSQL's ``~*`` and Python's ``re`` both read
#: them), with the model's sequence: fees first (their label names the charge)
STRIPE_RECONCILE_LABELS = {
    "fee": (10, r"^stripe fee "),
    "charge": (20, r"(^| )charge ch_"),
    "refund": (30, r"(^| )refund (re|pyr)_"),
    "payout": (40, r"(^| )payout po_"),
    # a failed payout's balance transaction (type ``payout_failure``) names
    # the payout too: this model takes it when it finds the payout in transit
    "payout_failure": (35, r"(^| )payout po_"),
    "dispute": (50, r"(^| )dispute (du|dp)_"),
    "payout_arrival": (60, r"stripe"),
}

# Issue 24: Stripe disputes (chargebacks), synchronised from the webhook.
STRIPE_DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
#: Stripe's dispute statuses, in the order a dispute moves through them: a
#: status is replaced only by a later one (an event delivered late or twice
#: changes nothing); the three closed ones end it.
DISPUTE_STATUSES = [
    ("warning_needs_response", "Inquiry: needs response"),
    ("warning_under_review", "Inquiry: under review"),
    ("needs_response", "Needs response"),
    ("under_review", "Under review"),
    ("warning_closed", "Inquiry closed"),
    ("won", "Won"),
    ("lost", "Lost"),
]
DISPUTE_CLOSED_STATUSES = ("warning_closed", "won", "lost")
#: Closed in the merchant's favour: the invoice is no longer disputed.
DISPUTE_CLEARED_STATUSES = ("warning_closed", "won")
#: The reasons the card holder's bank gives (Stripe's ``reason``); an
#: unknown one is kept as "General".
DISPUTE_REASONS = [
    ("fraudulent", "Fraudulent: the card holder did not authorise it"),
    ("product_not_received", "Service not received"),
    ("product_unacceptable", "Service unacceptable"),
    ("duplicate", "Charged twice"),
    ("subscription_canceled", "Subscription cancelled"),
    ("credit_not_processed", "Refund not processed"),
    ("unrecognized", "Charge not recognised"),
    ("general", "General"),
    ("bank_cannot_process", "Bank cannot process"),
    ("check_returned", "Cheque returned"),
    ("customer_initiated", "Customer initiated"),
    ("debit_not_authorized", "Debit not authorised"),
    ("incorrect_account_details", "Incorrect account details"),
    ("insufficient_funds", "Insufficient funds"),
]
# Issue 25: automatic collection of a subscription's invoices by its saved card.
#: Outcome of one automatic charge attempt.
AUTOPAY_PENDING = "pending"
AUTOPAY_SUCCEEDED = "succeeded"
AUTOPAY_DECLINED = "declined"
AUTOPAY_AUTHENTICATION = "authentication_required"
AUTOPAY_ERROR = "error"
AUTOPAY_OUTCOMES = [
    (AUTOPAY_PENDING, "In progress"),
    (AUTOPAY_SUCCEEDED, "Succeeded"),
    (AUTOPAY_DECLINED, "Declined"),
    (AUTOPAY_AUTHENTICATION, "Authentication required"),
    (AUTOPAY_ERROR, "Error"),
]
#: Where an invoice's automatic collection stands (``account.move``
#: ``support_autopay_state``): read by the dunning of issue 25's other half.
AUTOPAY_STATES = [
    ("to_charge", "To charge"),
    ("retrying", "Retry scheduled"),
    ("authentication", "Waiting for the customer's authentication"),
    ("exhausted", "Retries exhausted"),
    ("paid", "Paid by card"),
    ("stopped", "Stopped"),
]
#: Stripe's decline codes that mean the bank wants the customer to
#: authenticate (3-D Secure): no retry, the customer pays on-session.
AUTOPAY_AUTHENTICATION_CODES = ("authentication_required",)
#: Transaction states that mean a payment of the invoice is under way or made.
AUTOPAY_BLOCKING_TX_STATES = ("pending", "authorized", "done")
#: A customer's online payment started this recently (hours) stops the
#: automatic charge: she may be confirming it on the provider's page.
AUTOPAY_ONLINE_PAYMENT_HOURS = 1
#: The pages (100 PaymentIntents each) of a customer's PaymentIntents read
#: at most to find a charge whose answer was lost.
AUTOPAY_LOOKUP_MAX_PAGES = 10
