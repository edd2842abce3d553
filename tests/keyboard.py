# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A keyboard in the tour browser (issue 29): real key presses sent through
the Chrome DevTools protocol (``Input.dispatchKeyEvent``), trusted by the
page as a person's, so Tab moves the focus, Enter sends a form, Space ticks
a box, as they do for someone without a mouse."""

import json
import time
from contextlib import contextmanager
from urllib.parse import urljoin

from odoo.tests.common import ChromeBrowser

KEYS = {
    "Tab": ("Tab", 9, ""),
    "Enter": ("Enter", 13, "\r"),
    "Space": ("Space", 32, " "),
    "ArrowDown": ("ArrowDown", 40, ""),
}

#: The focused element, and whether its focus can be seen (an outline or a
#: focus ring drawn by a box shadow).
FOCUSED = """(() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {
        html: el.outerHTML.slice(0, 120),
        visible: outline || style.boxShadow !== "none",
        matches: el.matches(%s),
    };
})()"""


class Keyboard:
    def __init__(self, case, browser):
        self.case = case
        self.browser = browser

    def js(self, expression):
        result = self.browser._websocket_request(
            "Runtime.evaluate",
            params={
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if result.get("exceptionDetails"):
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key):
        code, vk, text = KEYS[key]
        down = {
            "type": "keyDown",
            "key": " " if key == "Space" else key,
            "code": code,
            "windowsVirtualKeyCode": vk,
            "nativeVirtualKeyCode": vk,
        }
        if text:
            down["text"] = text
        self.browser._websocket_request("Input.dispatchKeyEvent", params=down)
        self.browser._websocket_request(
            "Input.dispatchKeyEvent",
            params={**down, "type": "keyUp", "text": ""},
        )

    def type(self, text):
        self.browser._websocket_request("Input.insertText", params={"text": text})

    def tab_to(self, selector, limit=60):
        """Tab until ``selector`` has the focus; every element met on the
        way shows its focus."""
        for _i in range(limit):
            self.press("Tab")
            focused = self.js(FOCUSED % json.dumps(selector))
            if focused is None:
                continue
            self.case.assertTrue(
                focused["visible"], f"the focus is not visible on {focused['html']}"
            )
            if focused["matches"]:
                return
        self.case.fail(f"{selector} is not reached with the Tab key")

    def focused_matches(self, selector):
        focused = self.js(FOCUSED % json.dumps(selector))
        return bool(focused and focused["matches"])

    def settle(self, timeout=10):
        """Wait until the page loads nothing more (its lazy bundles, the
        portal's chatter): leaving it earlier aborts them, which the browser
        reports as errors."""
        deadline = time.time() + timeout
        last, stable = -1, 0
        while time.time() < deadline and stable < 3:
            count = self.js("performance.getEntriesByType('resource').length")
            stable = stable + 1 if count == last else 0
            last = count
            time.sleep(0.2)

    @contextmanager
    def new_page(self, timeout=20):
        """Wait for the page that an action (Enter on a form) loads."""
        self.settle()
        self.js("window.__keyboardOldPage = true")
        yield
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.js(
                "!window.__keyboardOldPage && document.readyState === 'complete'"
            ):
                self.settle()
                return
            time.sleep(0.1)
        self.case.fail("no new page after the key press")

    def open(self, path):
        url = urljoin(self.case.base_url(), path)
        self.browser.navigate_to(url, wait_stop=True)
        self.case.assertTrue(self.browser._wait_ready(), f"{path} not ready")
        self.settle()


@contextmanager
def keyboard_session(case, login=None):
    """A Chromium of the test, logged in as ``login`` (public if None)."""
    browser = ChromeBrowser(case, headless=True)
    try:
        with case.allow_requests(browser=browser):
            case.authenticate(login, login, browser=browser)
            case.cr.flush()
            case.cr.clear()
            try:
                yield Keyboard(case, browser)
            finally:
                case._wait_remaining_requests()
    finally:
        browser.stop()
