# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The one validation helper of every public form (issue 13).

Limits, text cleaning and e-mail checks live here only: the card hold page,
the contact form and the intervention request read their fields through
:class:`PublicForm`.  A field that is not plain text (a file upload, a list),
holds control characters that cannot be typed (NUL...), is too long, or an
address that is not a plain ``local@domain.tld`` is refused with a translated
message for that field; nothing is written by this module.
"""

import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

#: Length limits shared by the public forms (characters).
LIMITS = {
    "name": 128,
    "email": 254,
    "subject": 200,
    "description": 5000,
    "phone": 32,
    "address": 500,
    "ticket_ref": 32,
    "minutes": 8,
    "date": 10,
    "contest_reason": 2000,
}

#: Characters removed from free text: C0 controls but tab and new lines, DEL,
#: C1 controls, and the Unicode non-characters that PostgreSQL refuses.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SINGLE_LINE_RE = re.compile(r"[\t\r\n]+")
#: A plain address: the dot-atom local part of RFC 5322, a dotted host name.
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]{6,32}$")


def clean_text(value, multiline=False):
    """``value`` as clean text, or ``None`` when it is not text at all
    (a file upload, a list, bytes).  Control characters are removed, a
    single-line field loses its line breaks, both ends are stripped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    value = _CONTROL_RE.sub("", value)
    if not multiline:
        value = _SINGLE_LINE_RE.sub(" ", value)
    else:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    # lone surrogates cannot be stored as UTF-8
    value = value.encode("utf-8", "ignore").decode("utf-8")
    return value.strip()


def clean_email(value):
    """The address lower-cased, or ``False`` when it is not one plain
    address (``x@@y.com``, ``a b@c.d``, ``<script>@x.com``, ``foo@bar``...)."""
    if not isinstance(value, str):
        return False
    value = value.strip()
    if not value or len(value) > LIMITS["email"]:
        return False
    if not _EMAIL_RE.match(value) or len(value.split("@")[0]) > 64:
        return False
    return value.lower()


def like_escape(value):
    """``value`` matched literally by ``=ilike``: ``%``, ``_`` and ``\\``
    are no wildcards."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def display_value(value):
    """What a refused form shows back in a field: text only."""
    text = clean_text(value, multiline=True)
    return text or ""


class PublicForm:
    """Read a public form's fields; collect the errors per field.

    ``env`` is the request's environment (messages in the visitor's
    language).  Each reader returns the clean value and records a message in
    ``errors`` under the field's name when the value is refused.
    """

    def __init__(self, env, post):
        self.env = env
        self.post = post
        self.errors = {}

    def error(self, field, message):
        self.errors.setdefault(field, message)

    def text(
        self,
        field,
        required=True,
        multiline=False,
        message=None,
        minimum=0,
        message_for_length=False,
    ):
        """The field's clean text.  ``message``: the error when it is
        missing (and when too long, with ``message_for_length``)."""
        limit = LIMITS[field]
        value = clean_text(self.post.get(field), multiline=multiline)
        if value is None:
            self.error(field, self.env._("This field only accepts text."))
            return ""
        if len(value) > limit:
            self.error(
                field,
                (message_for_length and message)
                or self.env._(
                    "This field is too long (at most %(max)s characters).", max=limit
                ),
            )
            return ""
        if (required and not value) or (value and len(value) < minimum):
            self.error(field, message or self.env._("This field is required."))
        return value

    def email(self, message=None):
        raw = self.post.get("email")
        if raw is not None and not isinstance(raw, str):
            self.error("email", self.env._("This field only accepts text."))
            return False
        email = clean_email(raw)
        if not email:
            self.error(
                "email",
                message
                or self.env._("Enter one valid e-mail address, like name@example.com."),
            )
        return email

    def phone(self, message):
        phone = self.text("phone", message=message)
        if phone and not PHONE_RE.match(phone):
            self.error("phone", message)
        return phone

    def integer(self, field, minimum, maximum, message):
        value = self.post.get(field)
        text = clean_text(value)
        try:
            number = int(text) if text and len(text) <= LIMITS["minutes"] else None
        except ValueError:
            number = None
        if number is None or not minimum <= number <= maximum:
            self.error(field, message)
            return None
        return number

    def date(self, field, max_days):
        """A date from today to ``max_days`` ahead, or ``False`` if empty."""
        text = clean_text(self.post.get(field))
        if text is None or len(text) > LIMITS["date"]:
            self.error(field, self.env._("Enter the desired date as a date."))
            return False
        if not text:
            return False
        try:
            day = fields.Date.to_date(text)
        except (ValueError, TypeError):
            day = None
        if not day:
            self.error(field, self.env._("Enter the desired date as a date."))
            return False
        today = fields.Date.context_today(self.env.user)
        if day < today:
            self.error(field, self.env._("The desired date cannot be in the past."))
        elif day > today + timedelta(days=max_days):
            self.error(field, self.env._("The desired date is too far ahead."))
        return day


def captcha_refused(request, action):
    """Odoo's anti-bot check of a public POST: the message to show when it
    fails, else ``None``.  ``ir.http._verify_request_recaptcha_token`` does
    nothing unless the database has an anti-bot module (``google_recaptcha``,
    ``website_cf_turnstile``); their scripts add the token to every
    ``form[data-captcha]`` of the page, named by ``action``."""
    try:
        request.env["ir.http"]._verify_request_recaptcha_token(action)
    except UserError:
        return request.env._(
            "The anti-robot check failed: reload the page and send the form again."
        )
    return None


def throttled(request, route, email=False):
    """``True`` when the visitor posted too often (see
    ``support.public.request``); the caller answers with
    :func:`too_many_requests`."""
    client = (request.httprequest.remote_addr or "")[:64]
    return (
        request.env["support.public.request"]
        .sudo()
        ._support_throttle(route, client, email)
    )


def too_many_requests(request):
    """The "try again later" page, HTTP 429."""
    return request.render("support_billing.support_rate_limited_page", {}, status=429)


def visitor_unverified(request, email):
    """``True`` unless the visitor is logged in as the owner of ``email``."""
    user = request.env.user
    return user._is_public() or user.partner_id.email_normalized != email
