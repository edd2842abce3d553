#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Take the README's, the docs' and the Apps listing's screenshots.

Drives Chromium (headless, through the DevTools protocol) against a running
demo server, logs in as each demo user and saves every shot at desktop
(1440x900) and phone (390x844) size into static/description/ as
``<name>_desktop.png`` and ``<name>_phone.png``::

    python3 scripts/dev.py run --reset --port 8071 &   # the demo database
    python3 scripts/screenshots.py --url http://127.0.0.1:8071
    python3 scripts/screenshots.py --only portal_balance_en ticket_form
    python3 scripts/screenshots.py --list

Needs Chromium (``chromium``, ``chromium-browser`` or ``google-chrome`` on
PATH, or CHROMIUM=/path) and websocket-client (a test dependency, installed by
``scripts/dev.py``). Every shot waits until its page is loaded: the web
client's view controller (or the portal's main block) is there, no request is
pending and the fonts are ready.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import websocket
except ImportError:  # pragma: no cover - said clearly below
    websocket = None

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "static" / "description"
SIZES = {"desktop": (1440, 900, False), "phone": (390, 844, True)}
#: demo logins of scripts/dev.py (DEMO_LOGINS); None is the anonymous visitor
LOGINS = {
    "admin": ("admin", "admin"),
    "tech": ("tech", "tech"),
    "accountant": ("accountant", "accountant"),
    "marie": ("marie", "marie"),
    None: None,
}
LANG_PREFIX = {"en": "", "fr": "/fr", "es": "/es"}
LANG_CODE = {"en": "en_US", "fr": "fr_FR", "es": "es_ES"}
BACKEND_READY = ".o_action_manager .o_view_controller"
FORM_READY = ".o_action_manager .o_form_view .o_form_sheet_bg, .modal .o_form_view"
PORTAL_READY = "#wrap, main"


@dataclass
class Shot:
    """One screen: where it is, who sees it, what to wait for."""

    name: str
    login: str | None
    path: str
    ready: str = BACKEND_READY
    #: CSS selector clicked once the page is ready (a tab, a group header)
    click: tuple = ()
    #: CSS selector scrolled into view (to the top) before the shot
    scroll: str = ""
    #: (model, domain, order) whose first record's id replaces {id} in path
    #: ("new": the empty form, when the demo has no such record)
    record: tuple | None = None
    lang: str = "en"
    sizes: tuple = ("desktop", "phone")
    #: what the shot is for, printed by --list
    about: str = ""
    extra_wait: float = 0.0
    tags: list = field(default_factory=list)


def _portal_shots():
    pages = [
        ("portal_home", "/my", "the customer's portal home"),
        ("portal_tickets", "/my/tickets", "the customer's tickets"),
        ("portal_balance", "/my/support_balance", "time, packs and holds balance"),
        ("portal_subscription", "/my/subscription", "the customer's subscription"),
    ]
    public = [
        ("portal_pay", "/support/pay", "the public 'Pay here' page (card hold)"),
        ("portal_policy", "/support/policy", "the public support policy"),
        ("portal_transparency", "/support/transparency", "the transparency page"),
    ]
    shots = []
    for lang in ("en", "fr", "es"):
        for name, path, about in pages:
            shots.append(
                Shot(
                    f"{name}_{lang}" if lang != "en" else name,
                    "marie",
                    LANG_PREFIX[lang] + path,
                    ready=PORTAL_READY,
                    lang=lang,
                    about=f"{about} ({lang})",
                )
            )
        for name, path, about in public:
            shots.append(
                Shot(
                    f"{name}_{lang}" if lang != "en" else name,
                    None,
                    LANG_PREFIX[lang] + path,
                    ready=PORTAL_READY,
                    lang=lang,
                    about=f"{about} ({lang})",
                )
            )
    return shots


SHOTS = [
    # the three screens that sell the addon (README)
    Shot(
        "sell_invoice_per_ticket",
        "accountant",
        "/odoo/action-account.action_move_out_invoice_type/{id}",
        ready=FORM_READY,
        record=(
            "account.move",
            [
                ["move_type", "=", "out_invoice"],
                ["invoice_line_ids.support_time_entry_ids", "!=", False],
            ],
            "id desc",
        ),
        about="an invoice showing the time worked per ticket",
    ),
    Shot(
        "sell_ticket_time",
        "tech",
        "/odoo/action-support_billing.helpdesk_ticket_action/{id}",
        ready=FORM_READY,
        click=("a[name='support_time']",),
        record=(
            "helpdesk.ticket",
            [["support_time_entry_ids", "!=", False]],
            "id desc",
        ),
        about="a ticket on its Time tab: minutes, billing mode, what is billed",
    ),
    Shot(
        "sell_pay_here",
        None,
        "/support/pay",
        ready=PORTAL_READY,
        about="the public 'Pay here' page: a card hold for the time asked",
    ),
    # back office
    Shot(
        "time_to_invoice",
        "accountant",
        "/odoo/action-support_billing.support_time_entry_action_to_invoice",
        click=(".o_group_header", "tr.o_group_header ~ tr.o_group_header"),
        extra_wait=1.0,
        about="Billing > Time to Invoice",
    ),
    Shot(
        "invoice_wizard",
        "accountant",
        "/odoo/support-time-to-invoice/action-support_billing.support_invoice_wizard_action",
        ready=".modal .o_form_view",
        click=(".modal div[name='include_open'] input",),
        about="Billing > Invoice Support Time (wizard), open tickets included",
    ),
    Shot(
        "ticket_list",
        "tech",
        "/odoo/action-support_billing.helpdesk_ticket_action",
        about="Tickets (list)",
    ),
    Shot(
        "ticket_form_time",
        "tech",
        "/odoo/action-support_billing.helpdesk_ticket_action/{id}",
        ready=FORM_READY,
        click=("a[name='support_time']",),
        record=(
            "helpdesk.ticket",
            [["support_time_entry_ids", "!=", False]],
            "id",
        ),
        about="a ticket form on its Time tab",
    ),
    Shot(
        "card_hold_form",
        "accountant",
        "/odoo/action-support_billing.support_card_hold_action/{id}",
        ready=FORM_READY,
        record=("support.card.hold", [], "id desc"),
        about="a card hold",
    ),
    Shot(
        "intervention_form",
        "admin",
        "/odoo/action-support_billing.support_intervention_action/{id}",
        ready=FORM_READY,
        record=("support.intervention", [], "id"),
        about="an on-site intervention",
    ),
    Shot(
        "settings",
        "admin",
        "/odoo/action-support_billing.res_config_settings_action",
        ready=".o_action_manager .o_setting_container, .o_action_manager .settings",
        about="Settings, IT Support section",
    ),
    Shot(
        "settings_terms",
        "admin",
        "/odoo/action-support_billing.res_config_settings_action",
        ready=".o_action_manager .o_setting_container, .o_action_manager .settings",
        scroll="#support_terms",
        extra_wait=0.5,
        about="Settings, the commercial terms in force (issue 28)",
    ),
    Shot(
        "reporting",
        "admin",
        "/odoo/action-support_billing.support_billing_report_action",
        about="Reporting > Support Time Analysis",
    ),
    # issue 24: the accountant's Stripe reconciliation (demo month)
    Shot(
        "stripe_reconciliation",
        "admin",
        "/odoo/stripe-reconciliation",
        ready=FORM_READY,
        about="Accounting > Reporting > Stripe Reconciliation, last month",
    ),
    Shot(
        "stripe_lines_to_reconcile",
        "admin",
        "/odoo/account.journal/{id}/"
        "action-account_reconcile_oca.action_bank_statement_line_reconcile",
        record=("account.journal", [["code", "=", "STRP"]], "id"),
        # every line (the demo month is reconciled), the second opened: the
        # won dispute's reinstatement, settling its withdrawal
        click=(
            ".o_searchview_facet .o_facet_remove",
            ".o_kanban_renderer .o_kanban_record:nth-child(2)",
        ),
        extra_wait=1.0,
        # on a phone the search's filters hide behind a button
        sizes=("desktop",),
        about="the Stripe journal's lines in account_reconcile_oca's screen, "
        "a won dispute's reinstatement settling its withdrawal",
    ),
    *_portal_shots(),
]


# ------------------------------------------------------------------ browser
def find_chromium():
    for candidate in (
        os.environ.get("CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    sys.exit("screenshots: no Chromium found (install it, or set CHROMIUM=/path)")


class Browser:
    """A headless Chromium and one DevTools connection (flattened sessions)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="support_billing-shots-")
        self.proc = subprocess.Popen(
            [
                find_chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-allow-origins=*",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                sys.exit("screenshots: Chromium did not start")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True
        )
        self.next_id = 0

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
        raise TimeoutError(method)

    def close(self):
        if getattr(self, "ws", None):
            try:
                self.send("Browser.close", timeout=5)
            except (OSError, TimeoutError, websocket.WebSocketException) as exc:
                print(f"[shots] closing Chromium: {exc}", file=sys.stderr)
            self.ws.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A tab in its own browser context: its own cookies, one login."""

    def __init__(self, browser):
        self.b = browser
        self.context = browser.send("Target.createBrowserContext")["browserContextId"]
        target = browser.send(
            "Target.createTarget",
            {"url": "about:blank", "browserContextId": self.context},
        )["targetId"]
        self.session = browser.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method, params=None, timeout=60):
        return self.b.send(method, params, session=self.session, timeout=timeout)

    def eval(self, expression, await_promise=False):
        result = self.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": await_promise,
            },
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition, timeout=60, what=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.eval(condition):
                    return
            except RuntimeError:
                pass  # the page is changing under us: ask again
            time.sleep(0.2)
        raise TimeoutError(what or condition)

    def size(self, name):
        width, height, mobile = SIZES[name]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": mobile,
            },
        )
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": mobile})

    def goto(self, url):
        self.send("Page.navigate", {"url": url})
        time.sleep(0.3)
        self.wait_for("document.readyState === 'complete'", what=f"loading {url}")

    def settle(self, selector, timeout=60):
        """Wait until `selector` is there and nothing is loading."""
        self.wait_for(
            f"!!document.querySelector({json.dumps(selector)})",
            timeout,
            what=f"{selector} on {self.eval('location.href')}",
        )
        quiet = (
            "!document.querySelector('.o_loading_indicator, .o_blockUI, "
            ".o-main-components-container .o_loading, .o_skeleton')"
        )
        self.wait_for(quiet, timeout, what="the page to stop loading")
        self.eval("document.fonts.ready.then(() => true)", await_promise=True)
        time.sleep(0.8)  # animations (dialogs fade in, list columns resize)
        self.wait_for(quiet, timeout, what="the page to stop loading")

    def login(self, base, login, password):
        self.goto(f"{base}/web/login")
        self.settle("form input[name='login']")
        self.eval(
            "(() => {const f = document.querySelector('form.oe_login_form') || "
            "document.querySelector('input[name=login]').form;"
            f"f.login.value = {json.dumps(login)};"
            f"f.password.value = {json.dumps(password)};"
            "f.submit(); return true;})()"
        )
        self.wait_for(
            "document.readyState === 'complete' && "
            "!location.pathname.startsWith('/web/login')",
            what=f"logging in as {login}",
        )

    def rpc(self, model, method, args, kwargs=None):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        }
        answer = self.eval(
            f"fetch('/web/dataset/call_kw/{model}/{method}', {{method: 'POST', "
            "headers: {'Content-Type': 'application/json'}, "
            f"body: {json.dumps(json.dumps(body))}}}).then(r => r.json())",
            await_promise=True,
        )
        if "error" in answer:
            raise RuntimeError(
                f"{model}.{method}: {answer['error']['data']['message']}"
            )
        return answer["result"]

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.b.send("Target.disposeBrowserContext", {"browserContextId": self.context})


# ------------------------------------------------------------------ shots
def take(browser, base, shots, out, sizes):
    made, failed = [], []
    by_login = {}
    for shot in shots:
        by_login.setdefault(shot.login, []).append(shot)
    for login, group in by_login.items():
        page = Page(browser)
        try:
            if login:
                page.login(base, *LOGINS[login])
            for shot in group:
                for size in [s for s in shot.sizes if s in sizes]:
                    target = out / f"{shot.name}_{size}.png"
                    try:
                        page.size(size)
                        path = shot.path
                        if shot.record:
                            model, domain, order = shot.record
                            ids = page.rpc(
                                model,
                                "search",
                                [domain],
                                {"limit": 1, "order": order},
                            )
                            path = path.format(id=ids[0] if ids else "new")
                        page.goto(base + path)
                        page.settle(shot.ready)
                        for selector in shot.click:
                            page.eval(
                                f"(document.querySelector({json.dumps(selector)})"
                                " || {click() {}}).click(), true"
                            )
                            page.settle(shot.ready)
                        if shot.scroll:
                            page.eval(
                                f"(document.querySelector({json.dumps(shot.scroll)})"
                                " || {scrollIntoView() {}}).scrollIntoView(), true"
                            )
                        time.sleep(shot.extra_wait)
                        page.screenshot(target)
                        made.append(target)
                        print(f"[shots] {target}")
                    except (RuntimeError, TimeoutError) as exc:
                        failed.append((target.name, str(exc)))
                        print(f"[shots] FAILED {target.name}: {exc}", file=sys.stderr)
        finally:
            page.close()
    return made, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:8069",
        help="the demo server (scripts/dev.py run), default http://127.0.0.1:8069",
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="only these shots (see --list)"
    )
    parser.add_argument(
        "--size",
        nargs="+",
        choices=sorted(SIZES),
        default=sorted(SIZES),
        help="desktop (1440x900), phone (390x844) or both (default)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"folder (default {DEFAULT_OUT})"
    )
    parser.add_argument("--list", action="store_true", help="list the shots and stop")
    args = parser.parse_args(argv)
    if args.list:
        for shot in SHOTS:
            print(f"{shot.name:<28} {shot.login or 'anonymous':<11} {shot.about}")
        return 0
    shots = SHOTS
    if args.only:
        unknown = set(args.only) - {s.name for s in SHOTS}
        if unknown:
            parser.error(f"unknown shot(s): {', '.join(sorted(unknown))} (see --list)")
        shots = [s for s in SHOTS if s.name in args.only]
    if websocket is None:
        sys.exit("screenshots: pip install websocket-client")
    args.out.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    try:
        made, failed = take(browser, args.url.rstrip("/"), shots, args.out, args.size)
    finally:
        browser.close()
    print(f"[shots] {len(made)} made, {len(failed)} failed, in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
