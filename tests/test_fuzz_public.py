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

Properties: no answer is a server error (5xx), and a refused request (4xx)
leaves every business table as it was.
"""

import io
import json
import logging
import re
import string
from types import SimpleNamespace
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client
from werkzeug.wrappers import Response as WerkzeugResponse

import odoo.http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_card_hold import CardHoldCommon

_logger = logging.getLogger(__name__)

#: Generated requests per route.
EXAMPLES = 1000
#: The pay page's amount route only computes (it writes nothing, takes three
#: arguments): fewer requests keep the suite short (issue 16).
AMOUNT_EXAMPLES = 250

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
        icp = cls.env["ir.config_parameter"].sudo()
        # the fuzz is about input, not about the rate limit (tested elsewhere)
        icp.set_param("support_billing.public_posts_per_client_hour", 10**9)
        icp.set_param("support_billing.public_posts_per_email_hour", 10**9)
        cls.hold = cls._create_hold(minutes=60)
        cls.hold._portal_ensure_token()
        cls.request_type = cls.env.ref("support_billing.support_request_type_technical")
        ticket = cls._create_ticket(cls.customer_contact, closed=False)
        ticket.stage_id = cls.stage_done
        cls.rating = ticket.rating_ids[:1]
        cls.counts = {}

    def setUp(self):
        super().setUp()
        self.http_request_allow_all = True
        self.client = Client(odoo.http.root, WerkzeugResponse)
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

    # ------------------------------------------------------------ helpers
    def _call(self, method, path, cookie=None, **kwargs):
        self.env.flush_all()
        self.env.cr.flush()
        self.env.cr.clear()
        response = self.client.open(
            path,
            method=method,
            headers=[("Cookie", cookie or self.cookie)],
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
                      FROM rating_rating)
            """
        )
        return self.env.cr.fetchone()

    def _csrf_strategy(self):
        return st.sampled_from(["valid"] * 6 + ["missing", "garbage", "foreign"])

    def _csrf_value(self, kind):
        return {
            "valid": self.csrf,
            "missing": None,
            "garbage": "deadbeefo9999999999",
            "foreign": self.foreign_csrf,
        }[kind]

    def _form(self, fields, values, csrf, extra):
        """A multipart/urlencoded body of ``fields`` with the drawn values."""
        data = {}
        for name, value in zip(fields, values, strict=True):
            if value is None:
                continue
            if isinstance(value, tuple):
                data[name] = (io.BytesIO(value[1]), "x.txt")
            else:
                data[name] = value
        data.update(extra)
        if csrf is not None:
            data["csrf_token"] = csrf
        return data

    def _check(self, route, response, before):
        self.assertLess(
            response.status_code, 500, f"{route}: server error\n{response.text[:2000]}"
        )
        if response.status_code >= 400:
            self.assertEqual(self._snapshot(), before, f"{route}: refused but written")
            self.counts[route]["refused"] += 1
        else:
            self.counts[route]["accepted"] += 1
        self.counts[route]["total"] += 1

    def _start(self, route):
        self.counts[route] = {"total": 0, "refused": 0, "accepted": 0}

    def _report(self, route):
        counts = self.counts[route]
        _logger.info(
            "fuzz %s: %s requests, %s refused (4xx), %s accepted, 0 server errors",
            route,
            counts["total"],
            counts["refused"],
            counts["accepted"],
        )
        self.assertGreaterEqual(counts["total"], EXAMPLES)

    def _form_test(self, route, path, fields, data_strategy):
        self._start(route)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(
            values=st.tuples(*[_FORM_VALUE for _f in fields]),
            csrf=self._csrf_strategy(),
            extra=data_strategy,
        )
        def run(values, csrf, extra):
            before = self._snapshot()
            data = self._form(fields, values, self._csrf_value(csrf), extra)
            with mute_logger("odoo.http"):
                response = self._call("POST", path, data=data)
            if csrf != "valid":
                self.assertEqual(response.status_code, 400)
            self._check(route, response, before)

        run()
        self._report(route)

    # -------------------------------------------------------------- routes
    def test_fuzz_support_pay(self):
        self._form_test(
            "POST /support/pay",
            "/support/pay",
            ("duration", "other_minutes", "name", "email", "ticket_ref", "lang"),
            st.one_of(
                st.just({}),
                st.fixed_dictionaries({"hold_id": _text(), "access_token": _text()}),
                st.just({"hold_id": str(self.hold.id), "access_token": "wrong-token"}),
            ),
        )

    def test_fuzz_support_contact(self):
        self._form_test(
            "POST /support/contact",
            "/support/contact",
            ("name", "email", "request_type_id", "subject", "description"),
            st.one_of(
                st.just({}),
                st.just({"request_type_id": str(self.request_type.id)}),
                st.fixed_dictionaries({"website_url": _text()}),
            ),
        )

    def test_fuzz_intervention_request(self):
        self._form_test(
            "POST /support/intervention/request",
            "/support/intervention/request",
            ("name", "email", "phone", "address", "description", "desired_date"),
            st.one_of(st.just({}), st.fixed_dictionaries({"lang": _text()})),
        )

    def test_fuzz_rating_submit(self):
        token = self.rating.access_token
        self._form_test(
            "POST /rate/<token>/submit_feedback",
            f"/rate/{token}/submit_feedback",
            ("rate", "feedback"),
            st.one_of(
                st.just({}),
                st.fixed_dictionaries({"rate": st.sampled_from(["1", "3", "5"])}),
            ),
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
            max_examples=EXAMPLES,
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
        self._report(route)

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
                # a new hold for the next examples
                current["hold"] = self._create_hold(minutes=60)
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
