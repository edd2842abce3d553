# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Property-based fuzzing of every public route that takes input (issue 13).

Each route gets at least ``EXAMPLES`` generated requests (the read-only amount
route of the pay page ``AMOUNT_EXAMPLES``): any type of value
(text, bytes, file uploads, lists), encodings, control characters, huge
lengths, injection strings, missing or duplicated fields, and bad or foreign
CSRF tokens.  The requests go through Odoo's WSGI application in-process
(``odoo.http.root`` with werkzeug's test client: routing, session, CSRF and
error handling are Odoo's own, only the socket is skipped, which keeps the
suite fast on a small machine).

The forms are posted as the visitor's browser would: most requests carry the
visitor's session and the CSRF token its page gave, on a valid form with up
to three fields replaced by hostile values or left out, so the validator, the
rate limiter and the record creation are all reached; a minority carry a
missing, garbage or foreign token, or come from a client over its rate limit
(which must get the 429 page).

Properties: no answer is a server error (5xx); a refused request (4xx)
leaves every business table as it was and sends no e-mail; only a client over
its limit gets a 429.  Each route logs its counts (INFO ``fuzz <route>: ...``):
inputs, accepted, refused by CSRF, rate limit and validation, server errors,
records written on refusal, seconds.
"""

import io
import json
import logging
import os
import re
import string
import time
from datetime import date, timedelta
from types import SimpleNamespace
from unittest.mock import patch
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client
from werkzeug.wrappers import Response as WerkzeugResponse

import odoo.http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.support_public_request import PARAM_PER_CLIENT, PARAM_PER_EMAIL
from .test_card_hold import CardHoldCommon

_logger = logging.getLogger(__name__)

#: Generated requests per public POST route: 1,000 for the measured run
#: (``SUPPORT_BILLING_FUZZ_EXAMPLES=1000``, run by ``.ci/run``); fewer in the
#: everyday run, whose whole test command must stay under ten minutes (a
#: request through Odoo's stack costs about 0.1 s on a small machine).
EXAMPLES = int(os.environ.get("SUPPORT_BILLING_FUZZ_EXAMPLES") or 120)
#: Generated requests of the GET routes (they write nothing but ratings).
PATH_EXAMPLES = max(EXAMPLES // 4, 50)
#: The pay page's amount route only computes (it writes nothing, takes three
#: arguments): fewer requests keep the suite short (issue 16).
AMOUNT_EXAMPLES = PATH_EXAMPLES
#: The visitor's network address (TEST-NET-2) and the raised rate limit.
CLIENT = "198.51.100.7"
UNLIMITED = 10**9

INJECTIONS = [
    "' OR 1=1 --",
    "'); DROP TABLE res_partner; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "${7*7}",
    "%s%s%s%n",
    "%(name)s",
    "\\",
    "HT%",
    "HT_0001\\",
    "../../../../etc/passwd",
    "\x00",
    "a\x00b",
    "\r\nBcc: victim@example.com",
    "=cmd|' /C calc'!A0",
    "\u202e\u0000\ufeff",
    "\uffff\ufffe",
    "null",
    "None",
    "[]",
    "{}",
    "-1",
    "0",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "x@@y.com",
    "@b.c",
    "a b@c.d",
    "<script>@x.com",
    "foo@bar",
    "a@b.c" + "c" * 300,
    "a" * 100_000 + "@x.com",
]


def _text():
    return st.one_of(
        st.text(max_size=40),
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
            max_size=80,
        ),
        st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),
        st.sampled_from(INJECTIONS),
        st.builds(
            lambda c, n: c * n,
            st.sampled_from(["a", "é", "\x00", "@", "%", " "]),
            st.sampled_from([33, 129, 255, 256, 5001]),
        ),
        st.builds(
            "{}@{}{}".format,
            st.text(
                alphabet=string.ascii_letters + string.digits + ".+-_'", max_size=12
            ),
            st.sampled_from(["example.test", "x", "", "@y.com", "b.c", "ex ample.com"]),
            st.sampled_from(["", ".", "\x00", " ", "<>", "\\"]),
        ),
        st.integers(-(10**12), 10**12).map(str),
    )


#: One field's value in a form: missing, a text, several texts, a file.
_FORM_VALUE = st.one_of(
    st.none(),
    _text(),
    _text(),
    _text(),
    st.lists(_text(), min_size=2, max_size=3),
    st.binary(max_size=40).map(lambda b: ("file", b)),
)


def _json_value():
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=True, allow_infinity=True),
        _text(),
    )
    return st.one_of(
        scalar, st.lists(scalar, max_size=3), st.dictionaries(_text(), scalar)
    )


@tagged("post_install", "-at_install")
class TestFuzzPublic(CardHoldCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.is_published = True
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )
        # the limits are raised so that validation and creation are reached;
        # each form also draws a few "limited" posts that must get a 429
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param(PARAM_PER_CLIENT, UNLIMITED)
        icp.set_param(PARAM_PER_EMAIL, UNLIMITED)
        cls.hold = cls._create_hold(minutes=60)
        cls.hold._portal_ensure_token()
        cls.request_type = cls.env.ref("support_billing.support_request_type_technical")
        ticket = cls._create_ticket(cls.customer_contact, closed=False)
        ticket.stage_id = cls.stage_done
        cls.rating = ticket.rating_ids[:1]
        # a visitor who typed Ben's address, and the link that proves it
        cls.visitor = cls.env["res.partner"].create(
            {
                "name": "Visitor",
                "email": cls.customer_contact2.email,
                "support_claimed_partner_id": cls.customer_contact2.id,
            }
        )
        visitor_ticket = cls._create_ticket(cls.visitor, closed=False)
        cls.proof_token = cls.visitor._support_address_proof_token(visitor_ticket)
        cls.counts = {}

    def setUp(self):
        super().setUp()
        self.http_request_allow_all = True
        # no cookie jar: each request carries the visitor's session cookie
        # (werkzeug's jar would drop it and Odoo would open a new session)
        self.client = Client(odoo.http.root, WerkzeugResponse, use_cookies=False)
        store = odoo.http.root.session_store
        # a token of another visitor's (live) session
        other = store.new()
        other.update(odoo.http.get_default_session(), db=self.env.cr.dbname)
        store.save(other)
        self.addCleanup(store.delete, other)
        self.foreign_csrf = odoo.http.Request.csrf_token(
            SimpleNamespace(session=other, env=self.env)
        )
        session = self.authenticate(None, None)
        self.cookie = f"session_id={session.sid}"
        # the token the page gives this visitor
        page = self._call("GET", "/support/contact")
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.assertNotEqual(self.csrf, self.foreign_csrf)
        self.serial = iter(range(10**9))

    # ------------------------------------------------------------ helpers
    def _call(self, method, path, cookie=None, **kwargs):
        self.env.flush_all()
        self.env.cr.flush()
        self.env.cr.clear()
        response = self.client.open(
            path,
            method=method,
            headers=[("Cookie", cookie or self.cookie)],
            environ_base={"REMOTE_ADDR": CLIENT},
            **kwargs,
        )
        response.text = response.get_data(as_text=True)
        return response

    def _snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT (SELECT count(*) FROM res_partner),
                   (SELECT count(*) FROM helpdesk_ticket),
                   (SELECT count(*) FROM support_card_hold),
                   (SELECT count(*) FROM support_intervention),
                   (SELECT count(*) FROM payment_transaction),
                   (SELECT count(*) FROM mail_mail),
                   (SELECT count(*) FROM mail_message),
                   (SELECT string_agg(concat(id, rating, consumed, feedback), ',')
                      FROM rating_rating),
                   (SELECT string_agg(concat(id, partner_id), ',')
                      FROM helpdesk_ticket WHERE partner_id = %s)
            """,
            [self.visitor.id],
        )
        return self.env.cr.fetchone()

    def _count_mails(self):
        """The acknowledgement and proof e-mails are recorded, not rendered
        (their content is tested elsewhere; rendering them would triple the
        cost of an accepted post)."""
        calls = []
        template = type(self.env["mail.template"])
        patcher = patch.object(
            template,
            "send_mail",
            lambda tmpl, res_id, *args, **kwargs: calls.append((tmpl, res_id)),
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        intervention = type(self.env["support.intervention"])
        patcher = patch.object(
            intervention,
            "message_post_with_source",
            lambda record, source, *args, **kwargs: calls.append((source, record)),
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        return calls

    def _csrf_value(self, kind):
        return {
            "valid": self.csrf,
            "missing": None,
            "garbage": "deadbeefo9999999999",
            "foreign": self.foreign_csrf,
        }[kind]

    def _set_limited(self, limited):
        """A client over its hourly limit (one post already, limit one)."""
        self.env["ir.config_parameter"].sudo().set_param(
            PARAM_PER_CLIENT, 1 if limited else UNLIMITED
        )
        if limited:
            self.env["support.public.request"].sudo().create(
                {"route": "fuzz", "client": CLIENT}
            )

    def _email(self, kind):
        """A valid address: a new one each time, or a customer's."""
        if kind == "customer":
            return self.customer_contact2.email
        return f"fuzz.{next(self.serial)}@example.test"

    def _form(self, values, csrf):
        """A multipart/urlencoded body of the drawn values."""
        data = {}
        for name, value in values.items():
            if value is None:
                continue
            if isinstance(value, tuple):
                data[name] = (io.BytesIO(value[1]), "x.txt")
            else:
                data[name] = value
        if csrf is not None:
            data["csrf_token"] = csrf
        return data

    def _start(self, route):
        self.counts[route] = dict.fromkeys(
            (
                "total",
                "accepted",
                "refused",
                "csrf",
                "limited",
                "invalid",
                "server_errors",
                "written_on_refusal",
            ),
            0,
        )
        self.counts[route]["started"] = time.monotonic()

    def _check(self, route, response, before):
        counts = self.counts[route]
        counts["total"] += 1
        status = response.status_code
        if status >= 500:
            counts["server_errors"] += 1
        elif status >= 400:
            counts["refused"] += 1
            if self._snapshot() != before:
                counts["written_on_refusal"] += 1
        else:
            counts["accepted"] += 1
        self.assertLess(status, 500, f"{route}: server error\n{response.text[:2000]}")
        if status >= 400:
            self.assertEqual(self._snapshot(), before, f"{route}: refused but written")

    def _report(self, route, examples=EXAMPLES, form=False, throttled=False):
        counts = self.counts[route]
        seconds = time.monotonic() - counts.pop("started")
        _logger.info(
            "fuzz %s: %s inputs, %s accepted (2xx/3xx), %s refused (4xx: %s CSRF, "
            "%s rate limit, %s validation), %s server errors (5xx), %s written "
            "on refusal, %.1f s",
            route,
            counts["total"],
            counts["accepted"],
            counts["refused"],
            counts["csrf"],
            counts["limited"],
            counts["refused"] - counts["csrf"] - counts["limited"],
            counts["server_errors"],
            counts["written_on_refusal"],
            seconds,
        )
        self.assertGreaterEqual(counts["total"], examples)
        self.assertFalse(counts["server_errors"])
        self.assertFalse(counts["written_on_refusal"])
        if form:
            # the validator, the limiter and the creation were all reached
            for key in ("accepted", "csrf"):
                self.assertGreater(counts[key], examples // 50, f"{route}: {key}")
            if throttled:
                self.assertTrue(counts["limited"], f"{route}: no 429 drawn")
            invalid = counts["refused"] - counts["csrf"] - counts["limited"]
            self.assertGreater(invalid, examples // 10, f"{route}: validation")

    def _form_test(self, route, path, valid, extra=None, throttled=True):
        """Fuzz a public form: most posts are a valid form (a valid CSRF token
        of the visitor's session) with up to three fields replaced by hostile
        values or left out; a few carry a missing, garbage or foreign token,
        or come from a client over its rate limit."""
        self._start(route)
        mails = self._count_mails()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(
            good=st.fixed_dictionaries(valid),
            # about one form in eight is left valid (an accepted post costs
            # several times a refused one)
            broken=st.one_of(
                *[
                    st.dictionaries(
                        st.sampled_from(sorted(valid)),
                        _FORM_VALUE,
                        min_size=1,
                        max_size=3,
                    )
                ]
                * 7,
                st.just({}),
            ),
            duplicated=st.lists(st.sampled_from(sorted(valid)), max_size=1),
            csrf=st.sampled_from(["valid"] * 17 + ["missing", "garbage", "foreign"]),
            limited=st.sampled_from([False] * 9 + [throttled]),
            more=extra if extra is not None else st.just({}),
        )
        def run(good, broken, duplicated, csrf, limited, more):
            good = {
                key: self._email(value) if key == "email" else value
                for key, value in good.items()
            }
            values = {**good, **broken, **more}
            for key in duplicated:
                if isinstance(values.get(key), str):
                    values[key] = [values[key], values[key] + "x"]
            before = self._snapshot()
            mails.clear()
            data = self._form(values, self._csrf_value(csrf))
            if limited:
                self._set_limited(True)
            try:
                with mute_logger("odoo.http"):
                    response = self._call("POST", path, data=data)
            finally:
                if limited:
                    self._set_limited(False)
            status = response.status_code
            if csrf != "valid":
                self.assertEqual(status, 400)
                self.counts[route]["csrf"] += 1
            elif status == 429:
                self.assertTrue(limited, "a 429 although the limits are raised")
                self.counts[route]["limited"] += 1
            elif limited and not more:
                self.fail(
                    f"{route}: over the limit but {status}: {response.text[:500]}"
                )
            if status >= 400:
                self.assertFalse(mails, f"{route}: refused but e-mailed")
            self._check(route, response, before)

        run()
        self._report(route, form=True, throttled=throttled)

    # -------------------------------------------------------------- routes
    def test_fuzz_support_pay(self):
        self._form_test(
            "POST /support/pay",
            "/support/pay",
            {
                "duration": st.sampled_from(["30", "60", "120", "other"]),
                "other_minutes": st.integers(15, 480).map(str),
                "name": st.sampled_from(["Ben Acme", "Zoé Ñandú", "O'Brien"]),
                "email": st.sampled_from(["customer", "new"]),
                "ticket_ref": st.just(""),
                "lang": st.sampled_from(["en_US", "fr_FR", "es_ES"]),
            },
            extra=st.one_of(
                st.just({}),
                st.just({}),
                st.just({}),
                st.fixed_dictionaries({"hold_id": _text(), "access_token": _text()}),
                st.just({"hold_id": str(self.hold.id), "access_token": "wrong-token"}),
            ),
        )

    def test_fuzz_support_contact(self):
        self._form_test(
            "POST /support/contact",
            "/support/contact",
            {
                "name": st.sampled_from(["Ben Acme", "Zoé Ñandú", "O'Brien"]),
                "email": st.sampled_from(["customer", "new"]),
                "request_type_id": st.just(str(self.request_type.id)),
                "subject": st.sampled_from(["Printer", "Mot de passe", "VPN"]),
                "description": st.sampled_from(["It prints nothing.", "Ça plante."]),
            },
            extra=st.one_of(
                st.just({}),
                st.just({}),
                st.just({}),
                st.fixed_dictionaries({"website_url": _text()}),
            ),
        )

    def test_fuzz_intervention_request(self):
        self._form_test(
            "POST /support/intervention/request",
            "/support/intervention/request",
            {
                "name": st.sampled_from(["Ben Acme", "Zoé Ñandú", "O'Brien"]),
                "email": st.sampled_from(["customer", "new"]),
                "phone": st.sampled_from(["+1 514 555 0100", "01 23 45 67 89"]),
                "address": st.sampled_from(["3 rue Neuve, Montréal", "1 Main St"]),
                "description": st.sampled_from(
                    ["My printer prints blank pages.", "Le serveur ne démarre plus."]
                ),
                "desired_date": st.integers(0, 30).map(
                    lambda days: (date.today() + timedelta(days)).isoformat()
                ),
            },
            extra=st.one_of(
                st.just({}), st.just({}), st.fixed_dictionaries({"lang": _text()})
            ),
        )

    def test_fuzz_address_proof(self):
        self._form_test(
            "POST /support/verify",
            "/support/verify",
            {"token": st.sampled_from([self.proof_token, self.proof_token[:-1]])},
        )

    def test_fuzz_rating_submit(self):
        token = self.rating.access_token
        self._form_test(
            "POST /rate/<token>/submit_feedback",
            f"/rate/{token}/submit_feedback",
            {
                "rate": st.sampled_from(["1", "3", "5"]),
                "feedback": st.sampled_from(["", "Merci !", "Too slow."]),
            },
            throttled=False,
        )

    def test_fuzz_paths(self):
        """The GET routes whose path and query carry the input: the card
        page of a hold and the rating links."""
        route = "GET /support/pay/<id> and /rate/<token>/<rate>"
        self._start(route)
        hold = self.hold
        token = self.rating.access_token
        segment = st.one_of(
            _text(),
            st.sampled_from([str(hold.id), hold.access_token, token, "5", "0"]),
        )

        @settings(
            max_examples=PATH_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(kind=st.integers(0, 3), first=segment, second=segment)
        def run(kind, first, second):
            before = self._snapshot()
            if kind == 0:
                path = f"/support/pay/{hold.id}"
                query = {"access_token": first, "lang": second}
            elif kind == 1:
                path = f"/support/pay/{quote(first, safe='')}"
                query = {"access_token": second}
            elif kind == 2:
                path = f"/rate/{token}/{quote(first, safe='')}"
                query = {"x": second}
            else:
                path = f"/rate/{quote(first, safe='')}/{quote(second, safe='')}"
                query = {}
            with mute_logger("odoo.http"):
                response = self._call("GET", path, query_string=query)
            self._check(route, response, before)

        run()
        self._report(route, PATH_EXAMPLES)

    def test_fuzz_hold_transaction(self):
        """The JSON-RPC route of the card form: whatever the body, no other
        transaction than the hold's own authorisation, no server error."""
        route = "POST /support/pay/<id>/transaction"
        self._start(route)
        current = {"hold": self.hold}
        keys = (
            "access_token",
            "provider_id",
            "payment_method_id",
            "token_id",
            "amount",
            "flow",
            "tokenization_requested",
            "landing_route",
            "is_validation",
            "reference_prefix",
            "currency_id",
            "partner_id",
        )
        good = {
            "access_token": None,  # the current hold's
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method.id,
            "flow": "direct",
        }

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(
            params=st.dictionaries(st.sampled_from(keys), _json_value()),
            keep=st.lists(st.sampled_from(list(good)), unique=True),
            raw=st.one_of(st.none(), st.binary(max_size=60)),
            hold_path=st.sampled_from(["current", "current", "0", "999999999"]),
        )
        def run(params, keep, raw, hold_path):
            before = self._snapshot()
            hold = current["hold"]
            good["access_token"] = hold.access_token
            if hold_path == "current":
                hold_path = str(hold.id)
            params = {**params, **{key: good[key] for key in keep}}
            body = (
                raw
                if raw is not None
                else json.dumps(
                    {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
                ).encode()
            )
            with mute_logger("odoo.http"):
                response = self._call(
                    "POST",
                    f"/support/pay/{hold_path}/transaction",
                    data=body,
                    content_type="application/json",
                )
            self.assertLess(response.status_code, 500, response.text[:2000])
            try:
                payload = json.loads(response.text)
            except ValueError:
                payload = {"error": response.status_code}
            if "error" in payload or response.status_code >= 400:
                self.assertEqual(self._snapshot(), before, "refused but written")
                self.counts[route]["refused"] += 1
            else:
                # the one transaction a hold gets: its amount, authorised only
                tx = hold.transaction_id
                self.assertEqual(tx.amount, hold.amount)
                self.assertEqual(tx.operation, "online_direct")
                self.assertTrue(tx.provider_id.capture_manually)
                self.assertEqual(tx.support_card_hold_id, hold)
                self.counts[route]["accepted"] += 1
                # a new hold for the next examples, on a ticket of its own
                # (issue 27: one live hold per ticket)
                current["hold"] = self._create_hold(
                    minutes=60,
                    ticket=self._create_ticket(self.customer_contact, closed=False),
                )
                current["hold"]._portal_ensure_token()
            self.counts[route]["total"] += 1

        run()
        self._report(route)

    def test_fuzz_pay_amount(self):
        """The amount the pay page shows while the visitor types minutes
        (issue 15): whatever the body, an amount or none, never a server
        error, nothing written."""
        route = "POST /support/pay/amount"
        self._start(route)
        refused = {"werkzeug.exceptions.NotFound", "werkzeug.exceptions.BadRequest"}

        @settings(
            max_examples=AMOUNT_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(
            params=st.dictionaries(
                st.sampled_from(["minutes", "hold_id", "access_token"]),
                st.one_of(_json_value(), st.integers(0, 600)),
            ),
            raw=st.one_of(st.none(), st.none(), st.binary(max_size=60)),
        )
        def run(params, raw):
            before = self._snapshot()
            body = (
                raw
                if raw is not None
                else json.dumps(
                    {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
                ).encode()
            )
            with mute_logger("odoo.http"):
                response = self._call(
                    "POST",
                    "/support/pay/amount",
                    data=body,
                    content_type="application/json",
                )
            self.assertLess(response.status_code, 500, response.text[:2000])
            self.assertEqual(self._snapshot(), before, "the amount wrote something")
            try:
                payload = json.loads(response.text)
            except ValueError:
                payload = {"error": {"data": {"name": "not json"}}}
            if "error" in payload or response.status_code >= 400:
                name = (payload.get("error") or {}).get("data", {}).get("name")
                if raw is None and name:
                    # an unknown hold or a bad argument, not a crash
                    self.assertIn(name, refused, f"server error: {payload}")
                self.counts[route]["refused"] += 1
            else:
                amount = payload["result"]["amount"]
                minutes = params.get("minutes")
                valid = (
                    type(minutes) is int  # a bool is refused
                    and 30 <= minutes <= 480
                )
                self.assertEqual(bool(amount), valid, (params, amount))
                self.counts[route]["accepted"] += 1
            self.counts[route]["total"] += 1

        run()
        counts = self.counts[route]
        _logger.info(
            "fuzz %s: %s requests, %s refused, %s accepted",
            route,
            counts["total"],
            counts["refused"],
            counts["accepted"],
        )
        self.assertGreaterEqual(counts["total"], AMOUNT_EXAMPLES)
        self.assertTrue(counts["accepted"] and counts["refused"])

    def test_fuzz_goes_through_odoo(self):
        """The in-process client is Odoo's real stack: CSRF is checked, a
        valid post creates its ticket."""
        data = {
            "name": "Fuzz Check",
            "email": "fuzz.check@example.test",
            "request_type_id": str(self.request_type.id),
            "subject": "Printer",
            "description": "It prints nothing.",
        }
        with mute_logger("odoo.http"):
            response = self._call("POST", "/support/contact", data=data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("CSRF", response.text)
        with mute_logger("odoo.http"):
            response = self._call(
                "POST",
                "/support/contact",
                data={**data, "csrf_token": self.foreign_csrf},
            )
        self.assertEqual(response.status_code, 400)
        response = self._call(
            "POST", "/support/contact", data={**data, "csrf_token": self.csrf}
        )
        self.assertEqual(response.status_code, 200, response.text[:1000])
        self.assertTrue(
            self.env["helpdesk.ticket"].search(
                [("partner_email", "=", "fuzz.check@example.test")]
            )
        )
