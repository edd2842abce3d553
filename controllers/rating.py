# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The public rating links of the support e-mails (spec C4): bad input gets
a 400 answer, never a server error (issue 13)."""

from werkzeug.exceptions import BadRequest, NotFound

from odoo import http
from odoo.http import request

from odoo.addons.rating.controllers.main import Rating
from odoo.addons.rating.models.rating_data import (
    RATING_HAPPY_VALUE,
    RATING_NEUTRAL_VALUE,
    RATING_UNHAPPY_VALUE,
)

from .form_validation import LIMITS, clean_text

RATES = (RATING_HAPPY_VALUE, RATING_NEUTRAL_VALUE, RATING_UNHAPPY_VALUE)


def _bad_rating():
    return BadRequest(
        request.env._("Incorrect rating: choose one of the faces of the e-mail.")
    )


class SupportRating(Rating):
    def _get_rating_and_record(self, token):
        # a token is printable ASCII: a NUL byte would fail in the database
        if not token.isascii() or not token.isprintable() or len(token) > 64:
            raise NotFound()
        return super()._get_rating_and_record(token)

    @http.route()
    def action_open_rating(self, token, rate, **kwargs):
        if rate not in RATES:
            raise _bad_rating()
        return super().action_open_rating(token, rate, **kwargs)

    @http.route()
    def action_submit_rating(self, token, rate=0, **kwargs):
        if request.httprequest.method == "POST":
            text = clean_text(rate)
            if not text or not text.isascii() or not text.isdigit():
                raise _bad_rating()
            rate = int(text[:3])
            if rate not in RATES:
                raise _bad_rating()
            feedback = clean_text(kwargs.get("feedback"), multiline=True)
            if feedback is None or len(feedback) > LIMITS["description"]:
                raise BadRequest(
                    request.env._(
                        "Your comment must be text (at most %(max)s characters).",
                        max=LIMITS["description"],
                    )
                )
            kwargs["feedback"] = feedback
        return super().action_submit_rating(token, rate=rate, **kwargs)
