# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The billing rules of the seeds, as plain arithmetic.

Nothing here imports the ORM: the models call these functions and the tests
exercise them on their own (``tests/test_rules.py``, with hypothesis).
Minutes are integers; money is ``decimal.Decimal`` rounded half-up to the
currency's smallest unit.
"""

import calendar
import itertools
import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

#: A time entry cannot exceed a day.
MAX_ENTRY_MINUTES = 24 * 60

# ----------------------------------------------------------------- the terms
#: Kinds of work a time entry can be, each priced by the rate card.
WORK_TYPES = ("remote", "on_site", "after_hours", "weekend")
#: How a rate card line prices an hour: the customer's rate times a
#: multiplier, or a fixed hourly rate.
RATE_MODES = ("multiplier", "fixed")
#: How the minutes beyond the minimum are rounded to the increment.
INCREMENT_ROUNDINGS = ("up", "nearest")
#: Who gets the free trial: new customers, or nobody.
TRIAL_AUDIENCES = ("new", "none")
#: A card network keeps an uncaptured authorisation this many days at most.
CARD_HOLD_LIMIT_DAYS = 7


@dataclass(frozen=True)
class Terms:
    """The commercial terms a business sells on (README: Billing rule).

    A small immutable value: the models read it once (``res.company.
    _support_terms``) and pass it to every function here.  Its defaults are
    the seeds' terms.
    """

    #: the first minutes of a ticket are indivisible
    minimum_minutes: int = 30
    #: beyond the minimum, minutes are billed by this increment ...
    increment_minutes: int = 1
    #: ... rounded up, or to the nearest increment
    increment_rounding: str = "up"
    #: free minutes offered once, to new customers (or nobody)
    trial_minutes: int = 15
    trial_audience: str = "new"
    #: billed minutes one prepaid ticket (credit) pays
    credit_minutes: int = 30
    #: a pack is valid at least this many months
    pack_validity_months: int = 6
    #: card hold: durations offered on the public page, "Other" bounds
    hold_durations: tuple = (30, 60, 120)
    hold_min_minutes: int = 30
    hold_max_minutes: int = 8 * 60
    #: an uncaptured hold expires after this many days: voided the day
    #: before, the accountant warned the day before that
    hold_expiry_days: int = 7
    #: rate card: ``(work type, mode, value)`` per work type
    rate_card: tuple = (
        ("remote", "multiplier", 1.0),
        ("on_site", "multiplier", 1.0),
        ("after_hours", "multiplier", 1.0),
        ("weekend", "multiplier", 1.0),
    )

    @property
    def trial_offered(self):
        """Free minutes a new customer gets (0 when the trial is off)."""
        return self.trial_minutes if self.trial_audience == "new" else 0

    @property
    def hold_void_days(self):
        return self.hold_expiry_days - 1

    @property
    def hold_warning_days(self):
        return max(0, self.hold_expiry_days - 2)

    def rate_line(self, work_type):
        """``(mode, value)`` of ``work_type`` on the rate card."""
        for kind, mode, value in self.rate_card:
            if kind == work_type:
                return mode, value
        return "multiplier", 1.0


#: The seeds' terms: 30-minute minimum, by the minute, 15 trial minutes,
#: 30 minutes per prepaid ticket, 6-month packs, holds of 30/60/120 minutes
#: (30 to 480), voided on day 6.
DEFAULT_TERMS = Terms()


def check_terms(terms):
    """Why ``terms`` are refused, or None: the name of the first bad term."""
    if terms.minimum_minutes < 0:
        return "minimum_minutes"
    if terms.increment_minutes < 1:
        return "increment_minutes"
    if terms.increment_rounding not in INCREMENT_ROUNDINGS:
        return "increment_rounding"
    if terms.trial_minutes < 0 or terms.trial_audience not in TRIAL_AUDIENCES:
        return "trial_minutes"
    if terms.credit_minutes < 1:
        return "credit_minutes"
    if terms.pack_validity_months < 1:
        return "pack_validity_months"
    if not 1 <= terms.hold_min_minutes <= terms.hold_max_minutes <= MAX_ENTRY_MINUTES:
        return "hold_min_minutes"
    if not terms.hold_durations or any(
        not terms.hold_min_minutes <= d <= terms.hold_max_minutes
        for d in terms.hold_durations
    ):
        return "hold_durations"
    if not 2 <= terms.hold_expiry_days <= CARD_HOLD_LIMIT_DAYS:
        return "hold_expiry_days"
    for kind, mode, value in terms.rate_card:
        if kind not in WORK_TYPES or mode not in RATE_MODES or value < 0:
            return "rate_card"
    return None


def billed_minutes(worked_minutes, terms=DEFAULT_TERMS):
    """Minutes billed for one ticket from the minutes worked on it.

    0 if nothing billable was worked, else the minimum, then the minutes
    beyond it rounded to the increment (up, or to the nearest): at the
    seeds' terms (30, by the minute) 5 -> 30, 30 -> 30, 31 -> 31, 47 -> 47;
    with a 15-minute minimum and 6-minute increments rounded up, 16 -> 21.
    """
    if worked_minutes < 0:
        raise ValueError("worked minutes cannot be negative")
    if worked_minutes == 0:
        return 0
    minimum = terms.minimum_minutes
    beyond = worked_minutes - minimum
    if beyond <= 0:
        return minimum
    step = terms.increment_minutes
    if terms.increment_rounding == "nearest":
        # half an increment or more counts as a whole one
        steps = (2 * beyond + step) // (2 * step)
    else:
        steps = -(-beyond // step)
    return minimum + steps * step


@dataclass(frozen=True)
class TicketCharge:
    """What one ticket costs in minutes once the free trial is applied."""

    worked: int
    billed: int
    free: int
    trial_used: int = 0

    @property
    def charged(self):
        return self.billed - self.free


def apply_trial(worked_per_ticket, trial_left=None, terms=DEFAULT_TERMS):
    """Split each ticket's billed minutes into free and charged minutes.

    ``worked_per_ticket`` lists the billable minutes worked per ticket, the
    customer's earliest ticket first; ``trial_left`` is what remains of the
    customer's free trial.  Returns ``(charges, trial_left_after)``.

    The trial counts minutes *worked*, starting on the customer's earliest
    billable ticket:

    * a ticket whose worked minutes fit in what is left of the trial is free
      (the 30-minute minimum is not charged on it) and uses only the minutes
      worked, so a 5-minute trial call leaves 10 minutes for the next ticket;
    * a ticket that goes beyond the trial is billed with the usual rule
      (30-minute minimum) less the trial minutes left: 20 minutes worked with
      the whole trial left bills 30 - 15 = 15 minutes, 47 bills 47 - 15 = 32.
    """
    if trial_left is None:
        trial_left = terms.trial_offered
    if trial_left < 0:
        raise ValueError("trial minutes cannot be negative")
    charges = []
    for worked in worked_per_ticket:
        billed = billed_minutes(worked, terms)
        free = used = 0
        if worked and trial_left:
            if worked <= trial_left:
                free = billed
                used = worked
            else:
                free = used = trial_left
            trial_left -= used
        charges.append(
            TicketCharge(worked=worked, billed=billed, free=free, trial_used=used)
        )
    return charges, trial_left


@dataclass(frozen=True)
class MinuteFigures:
    """The minutes of a ticket (or of its invoice line) as the customer sees
    them: worked, billed (30-minute minimum), given free -- by the trial, by
    prepaid tickets, by a subscription -- and charged.  The ticket form, the
    invoice line's text and the invoice PDF all show these figures."""

    worked: int
    billed: int
    trial: int = 0
    prepaid: int = 0
    subscription: int = 0

    @property
    def free(self):
        return self.trial + self.prepaid + self.subscription

    @property
    def charged(self):
        return self.billed - self.free


def minute_figures(worked, billed, trial=0, prepaid=0, subscription=0):
    """The figures of ``worked`` minutes ``billed`` so, less what is free.

    Each free part is capped by what the earlier ones left of the billed
    minutes (trial first, then prepaid tickets, then the subscription), so
    the minutes charged are never negative: 17 worked, 30 billed, 15 of
    trial -> 15 charged; 75 billed with 30 prepaid -> 45 charged.
    """
    if min(worked, billed, trial, prepaid, subscription) < 0:
        raise ValueError("minutes cannot be negative")
    left = billed
    parts = []
    for part in (trial, prepaid, subscription):
        part = min(part, left)
        parts.append(part)
        left -= part
    return MinuteFigures(worked, billed, *parts)


def billed_increment(worked_before, billed_before, worked_now, terms=DEFAULT_TERMS):
    """Minutes to bill now on a ticket that was already partly invoiced.

    The rule applies per ticket, not per invoice: the ticket's billed total is
    ``billed_minutes(all minutes worked)``; what was billed before is deducted.
    5 minutes invoiced (30 billed), then 10 more: 0 more to bill; then 20 more
    (35 worked in all): 5 more.
    """
    if min(worked_before, billed_before, worked_now) < 0:
        raise ValueError("minutes cannot be negative")
    return max(0, billed_minutes(worked_before + worked_now, terms) - billed_before)


def to_decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


def time_amount(minutes, hourly_rate, rounding="0.01"):
    """Price of ``minutes`` at ``hourly_rate``, rounded half-up to ``rounding``."""
    if minutes < 0:
        raise ValueError("minutes cannot be negative")
    amount = to_decimal(hourly_rate) * minutes / 60
    return amount.quantize(to_decimal(rounding), rounding=ROUND_HALF_UP)


def check_entry_minutes(minutes):
    """True when a time entry's minutes are acceptable (1 to a day)."""
    return isinstance(minutes, int) and 0 < minutes <= MAX_ENTRY_MINUTES


def days_left(now, expiry):
    """Whole days from ``now`` until ``expiry`` (0 once it is past): 6 days
    and 2 hours -> 6, 3 hours -> 0."""
    return max(0, (expiry - now).days)


def hold_duration_ok(duration_minutes, terms=DEFAULT_TERMS):
    """True when a hold of ``duration_minutes`` is within the terms' bounds."""
    return terms.hold_min_minutes <= duration_minutes <= terms.hold_max_minutes


def hold_amount(duration_minutes, hourly_rate, rounding="0.01", terms=DEFAULT_TERMS):
    """Amount of ``duration_minutes`` of work at ``hourly_rate`` (untaxed).

    The duration must be within the terms' bounds (30 minutes to a working
    day by default): "1 h" at 90.00 per hour holds 90.00, 30 minutes hold
    45.00 (before sales taxes).
    """
    if not hold_duration_ok(duration_minutes, terms):
        raise ValueError("hold duration out of bounds")
    if to_decimal(hourly_rate) <= 0:
        raise ValueError("the hourly rate must be positive")
    return time_amount(duration_minutes, hourly_rate, rounding=rounding)


def capture_split(hold, already_captured, to_charge):
    """Split a hold into what to capture now and what to release.

    Never more than the hold: ``capture = min(to_charge, hold - already
    captured)``; everything not captured is released at once (Stripe allows a
    single capture and frees the rest).  Hold 200, charge 25: capture 25,
    release 175.  Returns ``(capture, release, still_due)`` where
    ``still_due`` is what the hold could not cover.
    """
    hold, captured, charge = map(to_decimal, (hold, already_captured, to_charge))
    if min(hold, captured, charge) < 0:
        raise ValueError("amounts cannot be negative")
    capturable = max(hold - captured, Decimal(0))
    capture = min(charge, capturable)
    return capture, capturable - capture, charge - capture


#: A pack shared by several users holds at least 20 tickets (README: Prepaid ticket
#: packs).
MINIMUM_MULTI_USER_TICKETS = 20
#: The customer is told this many days before a pack expires.
PACK_EXPIRY_NOTICE_DAYS = 30


def tickets_needed(worked_minutes, terms=DEFAULT_TERMS):
    """Prepaid tickets a ticket consumes for its billable minutes worked.

    One ticket per started ``credit_minutes`` of *billed* time (at the
    seeds' terms, 30 minutes with a 30-minute minimum): 0 -> 0, 5 -> 1,
    30 -> 1, 31 -> 2, 61 -> 3.
    """
    billed = billed_minutes(worked_minutes, terms)
    return -(-billed // terms.credit_minutes)


def prepaid_minutes(tickets, billed, terms=DEFAULT_TERMS):
    """Billed minutes covered by ``tickets`` prepaid tickets (capped)."""
    if min(tickets, billed) < 0:
        raise ValueError("tickets and minutes cannot be negative")
    return min(tickets * terms.credit_minutes, billed)


def allocate_tickets(needed, balances):
    """Take ``needed`` tickets from packs, earliest expiry first.

    ``balances`` is a list of ``(key, remaining, expiry)``; ties on the expiry
    keep the given order.  Returns ``(allocation, shortfall)``: the list of
    ``(key, tickets)`` taken (no zero entry) and the tickets no pack could
    give.
    """
    if needed < 0:
        raise ValueError("needed tickets cannot be negative")
    allocation = []
    ordered = sorted(enumerate(balances), key=lambda item: (item[1][2], item[0]))
    for _index, (key, remaining, _expiry) in ordered:
        if not needed:
            break
        if remaining < 0:
            raise ValueError("a pack balance cannot be negative")
        take = min(needed, remaining)
        if take:
            allocation.append((key, take))
            needed -= take
    return allocation, needed


def give_back(excess, consumed):
    """Return ``excess`` tickets to the packs they came from.

    ``consumed`` lists ``(key, tickets, expiry)`` a ticket took; tickets go
    back to the latest-expiring pack first, so the customer keeps the longest
    validity.  Returns the list of ``(key, tickets)`` given back.
    """
    if excess < 0:
        raise ValueError("tickets cannot be negative")
    back = []
    for key, tickets, _expiry in sorted(consumed, key=lambda c: c[2], reverse=True):
        if not excess:
            break
        take = min(excess, max(tickets, 0))
        if take:
            back.append((key, take))
            excess -= take
    return back


def packs_in_quantity(quantity, precision=1e-6):
    """Whole packs an invoice line of ``quantity`` sells, or None.

    Only a positive whole number sells packs: 1 -> 1, 3.0 -> 3; 0, 0.5, -1
    are refused (None): a line never sells a fraction of a pack.
    """
    whole = round(quantity)
    if whole < 1 or abs(quantity - whole) > precision:
        return None
    return int(whole)


def refunded_tickets(bought, sold_amount, refunded_amount):
    """Tickets a pack loses for the credit notes of its invoice line.

    The refunded share of the line (``refunded_amount`` of ``sold_amount``,
    capped at the whole line) of the ``bought`` tickets, rounded up to a
    whole ticket after rounding to hundredths (so a cent of rounding in the
    amounts never costs a ticket): the customer keeps only the tickets still
    paid in full (a 10-ticket pack sold 400.00 and refunded 100.00 loses 3
    tickets, refunded 40.00 loses 1, refunded 400.00 loses 10).  Tickets
    already used are not taken back: the caller caps the result at the
    pack's unused balance.
    """
    bought, sold, refunded = (
        to_decimal(v) for v in (bought, sold_amount, refunded_amount)
    )
    if min(bought, sold, refunded) < 0:
        raise ValueError("tickets and amounts cannot be negative")
    if not sold or not refunded:
        return 0
    share = min(refunded / sold, Decimal(1))
    lost = (bought * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(lost.to_integral_value(rounding=ROUND_CEILING))


def rollover_count(expired_unused):
    """Tickets carried over to a new pack: all expired unused tickets."""
    if any(n < 0 for n in expired_unused):
        raise ValueError("expired tickets cannot be negative")
    return sum(expired_unused)


def pack_expiry_date(purchase_date, validity_months, terms=DEFAULT_TERMS):
    """Expiry date of a pack bought on ``purchase_date``: at least the
    terms' validity floor (6 months by default)."""
    if validity_months < terms.pack_validity_months:
        raise ValueError("a pack is valid at least the terms' minimum months")
    return purchase_date + relativedelta(months=validity_months)


def check_pack_definition(tickets, validity_months, multi_user, terms=DEFAULT_TERMS):
    """Why a pack definition is refused, or None: ``"tickets"``,
    ``"validity"`` or ``"multi_user"``."""
    if tickets < 1:
        return "tickets"
    if validity_months < terms.pack_validity_months:
        return "validity"
    if multi_user and tickets < MINIMUM_MULTI_USER_TICKETS:
        return "multi_user"
    return None


# --------------------------------------------------------------- subscriptions
#: A customer who cancelled may subscribe again this many months after the
#: cancellation date (README: Subscriptions).
RESUBSCRIBE_DELAY_MONTHS = 3


def month_end(day):
    """Last day of the month of ``day`` (a ``datetime.date``)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month_start(day):
    """First day of the month after the month of ``day``."""
    return month_end(day) + timedelta(days=1)


def prorata(day):
    """Share of its month covered from ``day`` to the month's end, included.

    Returns ``(days covered, days in the month)``: the 1st covers the whole
    month, the 16th of a 31-day month covers 16/31, the last day 1/N.
    """
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return days_in_month - day.day + 1, days_in_month


def extra_users(users, users_included):
    """Authorised users beyond those the plan includes (never negative)."""
    if users < 0 or users_included < 0:
        raise ValueError("user counts cannot be negative")
    return max(0, users - users_included)


@dataclass(frozen=True)
class SubscriptionCharge:
    """What one month (or the prorated first month) of a subscription costs."""

    base: Decimal  # the plan's price, prorated
    extra_users: int  # users beyond the included ones
    extra_unit: Decimal  # price of one extra user, prorated
    days: int  # days covered
    days_in_month: int

    @property
    def total(self):
        return self.base + self.extra_users * self.extra_unit


def subscription_charge(
    monthly_price,
    users_included,
    extra_user_price,
    users,
    start=None,
    rounding="0.01",
):
    """Invoice amounts of a month of subscription.

    The plan's monthly price includes ``users_included`` authorised users; each
    user beyond costs ``extra_user_price`` a month.  With ``start`` (the first
    month), every price is prorated by days, from ``start`` to the end of its
    month included, and rounded half-up to ``rounding`` on its own: 100.00 a
    month from the 16th of a 30-day month bills 15/30 = 50.00.  Without
    ``start`` the month is whole.
    """
    price, extra = to_decimal(monthly_price), to_decimal(extra_user_price)
    if min(price, extra) < 0:
        raise ValueError("prices cannot be negative")
    days, days_in_month = prorata(start) if start else (1, 1)
    quantum = to_decimal(rounding)

    def _prorate(amount):
        return (amount * days / days_in_month).quantize(quantum, ROUND_HALF_UP)

    return SubscriptionCharge(
        base=_prorate(price),
        extra_users=extra_users(users, users_included),
        extra_unit=_prorate(extra),
        days=days,
        days_in_month=days_in_month,
    )


def cancellation_end_date(cancellation_date):
    """A cancellation is effective at the end of the current month."""
    return month_end(cancellation_date)


def resubscribe_date(cancellation_date):
    """First day a customer who cancelled on ``cancellation_date`` may
    subscribe again: 3 months later (31 January -> 30 April)."""
    return cancellation_date + relativedelta(months=RESUBSCRIBE_DELAY_MONTHS)


def can_resubscribe(cancellation_date, today):
    """True when a customer who cancelled on that date may subscribe today."""
    return not cancellation_date or today >= resubscribe_date(cancellation_date)


def session_minutes(start, end):
    """Minutes worked in a remote session from ``start`` to ``end``.

    Every started minute counts (the diagnostic time done is billed, even
    when the customer stops early), at least 1 and at most one day (the
    largest time entry).  ``None`` when the session has not ended.
    """
    if not start or not end:
        return None
    if end < start:
        raise ValueError("a session cannot end before it starts")
    seconds = (end - start).total_seconds()
    return min(max(1, int(-(-seconds // 60))), MAX_ENTRY_MINUTES)


# --------------------------------------------------------------------------
# On-site interventions (README: Fees)
# --------------------------------------------------------------------------
#: Mean Earth radius used by the distance of a request (km).
EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between two points in degrees (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def outside_service_area(distance, radius):
    """True when a known ``distance`` (km) is beyond the service ``radius``.

    An unknown distance (``None``) is not flagged: the dispatcher checks the
    address on the phone call.
    """
    if radius is not None and radius < 0:
        raise ValueError("the service radius cannot be negative")
    return distance is not None and distance > radius


def travel_fee(distance=None, zones=(), flat=0, per_km=0, rounding="0.01"):
    """Travel fee of an intervention ``distance`` km away.

    ``zones`` lists ``(max_km, fee)``: the fee of the first zone (nearest
    first) that contains the distance applies.  Without zones, beyond the
    last zone, or when the distance is unknown: ``flat + per_km x distance``
    (``flat`` alone when the distance is unknown).  5 km with zones
    ``[(10, 25), (20, 40)]`` costs 25, 12 km 40; without zones, flat 30 +
    0.50/km x 12 km = 36.
    """
    flat, per_km = to_decimal(flat), to_decimal(per_km)
    if flat < 0 or per_km < 0:
        raise ValueError("travel fees cannot be negative")
    if distance is not None:
        if distance < 0:
            raise ValueError("a distance cannot be negative")
        for max_km, fee in sorted(zones, key=lambda zone: zone[0]):
            if distance <= max_km:
                return to_decimal(fee).quantize(
                    to_decimal(rounding), rounding=ROUND_HALF_UP
                )
    amount = flat + (per_km * to_decimal(round(distance, 3)) if distance else 0)
    return amount.quantize(to_decimal(rounding), rounding=ROUND_HALF_UP)


def work_type_rate(customer_rate, work_type, terms=DEFAULT_TERMS):
    """Hourly rate of ``work_type`` for a customer whose rate is
    ``customer_rate``: the rate card's fixed rate, or the customer's rate
    times its multiplier (1 for every type at the seeds' terms)."""
    mode, value = terms.rate_line(work_type)
    if mode == "fixed":
        return to_decimal(value)
    return to_decimal(customer_rate) * to_decimal(value)


def blended_amount(charged, minutes_by_rate, rounding="0.01"):
    """Price of ``charged`` minutes of a ticket whose time was worked at
    several rates: ``minutes_by_rate`` maps an hourly rate to the minutes
    worked at it.  The charged minutes are shared in proportion to the
    minutes worked at each rate, and the sum rounded once: one rate gives
    ``time_amount(charged, rate)`` exactly."""
    if charged < 0:
        raise ValueError("minutes cannot be negative")
    total = sum(minutes_by_rate.values())
    if not total or not charged:
        return Decimal(0).quantize(to_decimal(rounding))
    amount = sum(
        to_decimal(rate) * minutes for rate, minutes in minutes_by_rate.items()
    )
    amount = amount * charged / total / 60
    return amount.quantize(to_decimal(rounding), rounding=ROUND_HALF_UP)


def diagnostic_amount(minutes, hourly_rate, rounding="0.01"):
    """Diagnostic time at the hourly rate: exactly the minutes worked."""
    return time_amount(minutes, hourly_rate, rounding=rounding)


def compensation_amount(diagnostic, rate_percent, rounding="0.01"):
    """Compensation owed when the workshop is refused: ``rate %`` of the
    diagnostic price (20 %).  20 % of 67.50 is 13.50."""
    rate = to_decimal(rate_percent)
    if rate < 0 or rate > 100:
        raise ValueError("the compensation rate must be between 0 and 100 %")
    amount = to_decimal(diagnostic) * rate / 100
    return amount.quantize(to_decimal(rounding), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InterventionFees:
    """What an intervention costs, by kind."""

    travel: Decimal = Decimal(0)
    diagnostic: Decimal = Decimal(0)
    compensation: Decimal = Decimal(0)
    estimate: Decimal = Decimal(0)

    @property
    def total(self):
        return self.travel + self.diagnostic + self.compensation + self.estimate


def intervention_fees(
    outcome, travel, diagnostic, compensation_rate, estimate=0, rounding="0.01"
):
    """The fees of an intervention by how it ended (README: Fees).

    * ``accepted``: the estimate's lines (parts and labour) and nothing else;
    * ``refused``: travel + diagnostic time, at once;
    * ``stopped`` (workshop refused, intervention stopped): travel +
      diagnostic + ``compensation_rate`` % of the diagnostic price.
    """
    travel, diagnostic = to_decimal(travel), to_decimal(diagnostic)
    if min(travel, diagnostic, to_decimal(estimate)) < 0:
        raise ValueError("fees cannot be negative")
    if outcome == "accepted":
        return InterventionFees(estimate=to_decimal(estimate))
    if outcome == "refused":
        return InterventionFees(travel=travel, diagnostic=diagnostic)
    if outcome == "stopped":
        return InterventionFees(
            travel=travel,
            diagnostic=diagnostic,
            compensation=compensation_amount(
                diagnostic, compensation_rate, rounding=rounding
            ),
        )
    raise ValueError(f"unknown intervention outcome {outcome!r}")


def is_late_cancellation(start, cancelled_at, notice_hours=24):
    """True when a cancellation comes less than ``notice_hours`` before the
    appointment ``start`` (both naive UTC datetimes); never without a start."""
    if notice_hours < 0:
        raise ValueError("the notice cannot be negative")
    if not start:
        return False
    return cancelled_at > start - timedelta(hours=notice_hours)


def reminder_date(start_date):
    """The reminder call is due the day before the appointment."""
    return start_date - timedelta(days=1)


#: Stripe's limits on an object's metadata (https://docs.stripe.com/api/metadata;
#: Stripe's OpenAPI description does not state them): 50 keys, keys of at most
#: 40 characters without square brackets, values of at most 500 characters.
STRIPE_METADATA_MAX_KEYS = 50
STRIPE_METADATA_MAX_KEY_LENGTH = 40
STRIPE_METADATA_MAX_VALUE_LENGTH = 500


def stripe_metadata(pairs):
    """Stripe metadata from ``(key, value)`` pairs, in their order.

    Empty values are left out (Stripe would read an empty value as "unset
    this key"); a value longer than Stripe allows is cut at a ", " boundary
    when it is a list, and ends with "…" to say it was cut.  A key that
    Stripe would refuse is a programming error (``ValueError``).
    """
    metadata = {}
    for key, value in pairs:
        if (
            not key
            or len(key) > STRIPE_METADATA_MAX_KEY_LENGTH
            or "[" in key
            or "]" in key
        ):
            raise ValueError(f"invalid Stripe metadata key: {key!r}")
        value = "" if value in (None, False) else str(value).strip()
        if not value:
            continue
        if len(value) > STRIPE_METADATA_MAX_VALUE_LENGTH:
            head = value[: STRIPE_METADATA_MAX_VALUE_LENGTH - 1]
            if ", " in head:
                head = head.rsplit(", ", 1)[0] + ", "
            value = head + "…"
        metadata[key] = value
    if len(metadata) > STRIPE_METADATA_MAX_KEYS:
        raise ValueError(f"{len(metadata)} Stripe metadata keys, at most 50")
    return metadata


@dataclass(frozen=True)
class StripeDifference:
    """Stripe's balance against the Stripe journal's, and what the gap is
    made of (README: The monthly routine, accountant.md)."""

    difference: Decimal  # Stripe's balance minus Odoo's
    not_imported: Decimal  # Stripe's transactions not in the journal yet
    outside_statements: Decimal  # Odoo entries on the account, no statement line
    unexplained: Decimal  # the rest: to investigate

    @property
    def balanced(self):
        return not self.difference


def stripe_difference(stripe_balance, odoo_balance, not_imported, outside_statements):
    """Split ``stripe_balance - odoo_balance`` (to the cent) into the
    transactions Stripe has that the journal has not imported yet (their net,
    as Stripe counts them), the entries on the journal's account that no
    statement line made (they count in Odoo's balance, not in Stripe's), and
    what neither explains."""
    cent = Decimal("0.01")
    stripe_balance, odoo_balance, not_imported, outside = (
        to_decimal(value).quantize(cent, ROUND_HALF_UP)
        for value in (stripe_balance, odoo_balance, not_imported, outside_statements)
    )
    difference = stripe_balance - odoo_balance
    return StripeDifference(
        difference=difference,
        not_imported=not_imported,
        outside_statements=outside,
        unexplained=difference - not_imported + outside,
    )


#: member states of the European Union (VAT directive 2006/112/EC)
EU_COUNTRY_CODES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def stripe_fee_reverse_charge(country_code):
    """Whether Stripe's fees are reverse-charged to a business of this
    country: Stripe Payments Europe (Ireland) invoices its fees to EU
    businesses outside Ireland without VAT, the buyer accounting for it
    (article 196 of the VAT directive); an Irish business is invoiced Irish
    VAT and a business outside the EU no EU VAT."""
    code = (country_code or "").upper()
    return code in EU_COUNTRY_CODES and code != "IE"


def stripe_counterparts(amount, payments=(), open_items=()):
    """The open items a Stripe statement line of ``amount`` settles, or none.

    ``payments`` are the recorded payments' open lines and ``open_items`` the
    documents' open receivable or payable lines, as ``(key, residual)`` pairs
    in minor units, oldest first.  The line settles one payment of its exact
    amount, else one open item of its exact amount, else all the payments
    together, else everything together; otherwise it settles nothing (the
    accountant decides): never part of an item, never a guess."""
    for items in (payments, open_items):
        for key, residual in items:
            if residual == amount:
                return [key]
    for items in (payments, [*payments, *open_items]):
        if items and sum(residual for _key, residual in items) == amount:
            return [key for key, _residual in items]
    return []


def dispute_status_advances(current, new, statuses=None):
    """Whether a Stripe dispute's status ``new`` replaces ``current``.

    Stripe's events may arrive late, twice or out of order: a status is
    replaced only by a later one in the life of a dispute (inquiry, then
    chargeback, then review, then closed), never once closed.  ``current``
    empty (no dispute yet) takes any status.
    """
    order = statuses or (
        "warning_needs_response",
        "warning_under_review",
        "needs_response",
        "under_review",
        ("warning_closed", "won", "lost"),
    )
    rank = {}
    for position, step in enumerate(order):
        for status in step if isinstance(step, tuple) else (step,):
            rank[status] = position
    if new not in rank:
        raise ValueError(f"unknown dispute status {new!r}")
    if not current:
        return True
    return rank[new] > rank[current]


def dispute_credit_ratio(disputed, invoiced):
    """The share of the invoices a lost dispute takes back: the disputed
    amount over the invoices' total, at most the whole (a charge may pay
    more than its invoices when a dispute covers part of it only)."""
    disputed = Decimal(str(disputed))
    invoiced = Decimal(str(invoiced))
    if disputed <= 0 or invoiced <= 0:
        return Decimal(0)
    return min(Decimal(1), disputed / invoiced)


# ------------------------------------------- subscription collection (dunning)
#: Days after the last automatic retry on which an unpaid subscription
#: invoice is reminded by e-mail (company setting, default).
DUNNING_REMINDER_DAYS = (10, 20)
#: Days an invoice may stay unpaid after its due date before the
#: subscription is suspended (company setting, default).
SUSPEND_AFTER_DAYS = 30


def parse_day_list(text):
    """``"10, 20"`` -> ``(10, 20)``: positive whole days, sorted, no
    duplicates.  Raises ``ValueError`` on anything else (a negative day, a
    word)."""
    days = set()
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        day = int(part)
        if day <= 0:
            raise ValueError(part)
        days.add(day)
    return tuple(sorted(days))


def last_retry_date(due_date, retry_days=()):
    """The day of the last automatic charge of an invoice due on
    ``due_date``: the due date itself when there is no retry, else the
    due date plus the largest retry offset (days after the due date)."""
    return due_date + timedelta(days=max(retry_days, default=0))


def dunning_reminder_dates(
    due_date, retry_days=(), reminder_days=DUNNING_REMINDER_DAYS
):
    """The days the customer is reminded of an unpaid invoice: each
    ``reminder_days`` after the last retry (``last_retry_date``)."""
    last = last_retry_date(due_date, retry_days)
    return tuple(last + timedelta(days=day) for day in sorted(set(reminder_days)))


def reminders_due(today, due_date, retry_days, reminder_days, sent):
    """How many reminders should have been sent by ``today`` (reminders
    whose day has come), and whether one is to send now: ``sent`` is how
    many were sent.  Only one reminder goes per run, however late the run:
    a missed day sends the latest one, never two at once."""
    dates = dunning_reminder_dates(due_date, retry_days, reminder_days)
    owed = sum(1 for day in dates if day <= today)
    return owed, owed > sent


def suspension_date(due_date, suspend_after=SUSPEND_AFTER_DAYS):
    """The day a subscription whose invoice, due on ``due_date``, is still
    unpaid is suspended: ``suspend_after`` days after the due date."""
    return due_date + timedelta(days=suspend_after)


def is_suspended_on(day, suspended_from):
    """Coverage during a suspension: time worked on ``day`` is covered
    unless the subscription is suspended since that day or earlier."""
    return not (suspended_from and day >= suspended_from)


def card_expires_in_month(exp_month, exp_year, today):
    """A card (``exp_month``/``exp_year``, unknown when 0 or empty) expires
    at the end of ``today``'s month."""
    return bool(exp_month and exp_year) and (exp_year, exp_month) == (
        today.year,
        today.month,
    )


def card_expired(exp_month, exp_year, today):
    """A card is expired once its expiry month is over."""
    return bool(exp_month and exp_year) and (exp_year, exp_month) < (
        today.year,
        today.month,
    )


def month_key(day):
    """``2030-03``: the month a reminder was sent in (once per month)."""
    return f"{day.year:04d}-{day.month:02d}"


#: Automatic collection of a subscription's invoices (issue 25): the retries
#: after a declined charge, in days after the first attempt.
DEFAULT_AUTOPAY_RETRY_DAYS = (1, 3, 7)
MAX_AUTOPAY_RETRIES = 10
MAX_AUTOPAY_RETRY_DAY = 60


def parse_retry_days(text):
    """The retry schedule typed in the settings ("1,3,7") as a tuple of days
    after the first attempt, strictly increasing, each from 1 to 60, at most
    10 retries; an empty text means no retry.  Anything else is a
    ``ValueError``."""
    text = (text or "").strip()
    if not text:
        return ()
    days = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise ValueError(f"not a whole number of days: {part!r}")
        days.append(int(part))
    if len(days) > MAX_AUTOPAY_RETRIES:
        raise ValueError(f"{len(days)} retries, at most {MAX_AUTOPAY_RETRIES}")
    if any(day < 1 or day > MAX_AUTOPAY_RETRY_DAY for day in days):
        raise ValueError(f"each retry from 1 to {MAX_AUTOPAY_RETRY_DAY} days")
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        raise ValueError("the days must increase")
    return tuple(days)


def next_retry_date(first_attempt_date, attempt_number, retry_days):
    """The date of the attempt after attempt ``attempt_number`` (1 for the
    first charge) of an invoice first charged on ``first_attempt_date``, or
    ``None`` when it was the last one: the retries are ``retry_days`` days
    after the first attempt."""
    if attempt_number < 1:
        raise ValueError("attempts are numbered from 1")
    if attempt_number > len(retry_days):
        return None
    return first_attempt_date + timedelta(days=retry_days[attempt_number - 1])


#: A charge whose answer was lost (issue 25) is looked up among the
#: customer's PaymentIntents created since this long (seconds) before the
#: attempt was recorded: the clocks of Odoo and Stripe may differ.
AUTOPAY_LOOKUP_MARGIN = 3600
#: A charge whose answer was lost this recently (seconds) may still be
#: running at Stripe: not finding its PaymentIntent proves nothing yet.
AUTOPAY_SETTLE_SECONDS = 300
#: PaymentIntent statuses (Stripe) and what they mean for a lost charge.
_AUTOPAY_RECOVERY = {
    "succeeded": "paid",
    "processing": "wait",
    "requires_capture": "wait",
    "requires_action": "authentication",
    "requires_confirmation": "authentication",
    "requires_payment_method": "charge",
    "canceled": "charge",
}


def autopay_lookup_since(attempt_timestamp):
    """The ``created[gte]`` bound (epoch seconds) of the look-up of the
    PaymentIntent of a charge recorded at ``attempt_timestamp``."""
    return max(0, int(attempt_timestamp) - AUTOPAY_LOOKUP_MARGIN)


def autopay_find_intent(intents, reference):
    """The PaymentIntent, among ``intents`` (Stripe's objects), that the
    transaction ``reference`` created: its ``metadata.odoo_reference`` or,
    as Odoo writes it, its ``description``.  Several (never expected): the
    one that took the money first, else the newest.  ``None`` if none."""
    mine = [
        intent
        for intent in intents
        if reference
        and reference
        in (
            (intent.get("metadata") or {}).get("odoo_reference"),
            intent.get("description"),
        )
    ]
    if not mine:
        return None
    succeeded = [i for i in mine if i.get("status") == "succeeded"]
    if succeeded:
        return min(succeeded, key=lambda i: i.get("created", 0))
    return max(mine, key=lambda i: i.get("created", 0))


def autopay_recovery(status, age_seconds):
    """What to do with a charge whose answer was lost, once Stripe was asked:
    ``status`` of its PaymentIntent (``None``: Stripe has none), the charge
    made ``age_seconds`` ago.

    ``"paid"``: the card was charged, record that payment and charge nothing
    more; ``"authentication"``: the bank asks the customer to authenticate,
    no new charge; ``"wait"``: still under way at Stripe (or too recent to
    tell), charge nothing now; ``"charge"``: nothing was taken, a new
    attempt may charge the card."""
    if status is None:
        return "wait" if age_seconds < AUTOPAY_SETTLE_SECONDS else "charge"
    return _AUTOPAY_RECOVERY.get(status, "wait")
