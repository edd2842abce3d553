# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""axe-core on the public and portal pages (issue 29, docs/accessibility.md).

axe-core's own script (4.12.1, shipped by the PyPI package
``axe-playwright-python``, pinned and installed by ``scripts/dev.py``; never
fetched at run time) runs in the tour browser on every public page of the
addon in English, French and Spanish, on each public form sent empty (its
error state), and on the portal pages of a customer with data (the demo's
Marie) and of one without (empty states), each at 1440x900 and 390x844.
Any violation of the WCAG 2.0/2.1 A and AA rules fails, named by page,
size, rule and element.
"""

import json
import re
from importlib import resources

from odoo.tests import HttpCase, new_test_user, tagged

from .keyboard import keyboard_session

SIZES = [[1440, 900], [390, 844]]
PUBLIC_PAGES = [
    {"url": "/support/policy"},
    {"url": "/support/faq"},
    {"url": "/support/transparency"},
    {"url": "/support/contact", "submit": "form.o_support_contact_form"},
    {"url": "/support/pay", "submit": "form.o_support_hold_form"},
    {
        "url": "/support/intervention/request",
        "submit": "form[data-captcha=support_intervention_request]",
    },
    # the step after each form: the card step, the acknowledgements
    {
        "url": "/support/pay",
        "submit": "form.o_support_hold_form",
        "fill": [["#name", "Ada Lovelace"], ["#email", "ada{n}@example.com"]],
    },
    {
        "url": "/support/contact",
        "submit": "form.o_support_contact_form",
        "fill": [
            ["#support_contact_name", "Ada Lovelace"],
            ["#support_contact_email", "ada{n}@example.com"],
            ["#support_contact_request_type", 1],
            ["#support_contact_subject", "Printer {n}"],
            ["#support_contact_description", "The printer is offline ({n})."],
        ],
    },
    {
        "url": "/support/intervention/request",
        "submit": "form[data-captcha=support_intervention_request]",
        "fill": [
            ["#name", "Ada Lovelace"],
            ["#email", "ada{n}@example.com"],
            ["#phone", "+33 1 23 45 67 89"],
            ["#address", "1 rue de Rivoli, Paris"],
            ["#description", "The server does not start ({n})."],
        ],
    },
]


def axe_source():
    """axe-core's own ``axe.min.js``, from the installed package."""
    try:
        package = resources.files("axe_playwright_python")
    except ModuleNotFoundError as error:
        raise AssertionError(
            "axe-playwright-python is not installed: run the tests with "
            "scripts/dev.py test, which installs it"
        ) from error
    return (package / "axe.min.js").read_bytes()


@tagged("post_install", "-at_install")
class TestAccessibility(HttpCase):
    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        source = axe_source()
        assert source.startswith(b"/*! axe v4."), source[:20]
        cls.axe = cls.env["ir.attachment"].create(
            {
                "name": "axe.min.js",
                "raw": source,
                "mimetype": "text/javascript",
                "public": True,
            }
        )
        # the public forms are sent many times from 127.0.0.1 here
        cls.env["ir.config_parameter"].sudo().set_param(
            "support_billing.public_posts_per_client_hour", "1000"
        )
        cls.marie = cls.env.ref("support_billing.user_portal")
        cls.newcomer = new_test_user(
            cls.env,
            login="a11y-newcomer",
            groups="base.group_portal",
            name="Nina Newcomer",
            email="nina@example.com",
        )

    def _axe(self, pages, lang, login=None):
        config = {
            "axe_url": f"/web/content/{self.axe.id}",
            "pages": pages,
            "sizes": SIZES,
            "lang": lang,
        }
        driver = (resources.files(__package__) / "data" / "axe_driver.js").read_text()
        code = driver.replace("AXE_CONFIG", json.dumps(config))
        # the driver's own frames: the start page itself is not measured
        start = "/my" if login else "/support/policy"
        self.browser_js(start, code, login=login, timeout=600)

    def _public(self, prefix, lang):
        code = lang.replace("-", "_")
        if code != "en_US":
            self.env["res.lang"]._activate_lang(code)
            self.env["ir.module.module"]._load_module_terms(
                ["portal", "support_billing"], [code], overwrite=True
            )
        pages = [{**page, "url": f"{prefix}{page['url']}"} for page in PUBLIC_PAGES]
        self._axe(pages, lang)

    def test_public_pages_en(self):
        self._public("", "en-US")

    def test_public_pages_fr(self):
        self._public("/fr", "fr-FR")

    def test_public_pages_es(self):
        self._public("/es", "es-ES")

    def _portal_pages(self, user):
        partner = user.partner_id.commercial_partner_id
        pages = [
            "/my",
            "/my/home",
            "/my/tickets",
            "/my/card_holds",
            "/my/subscription",
            "/my/support_balance",
            "/my/interventions",
        ]
        env = self.env(user=user)
        records = (
            (env["helpdesk.ticket"], "/my/ticket/%s"),
            (env["support.card.hold"], "/my/card_holds/%s"),
            (env["support.intervention"], "/my/interventions/%s"),
        )
        for model, url in records:
            for record in model.search(
                [("partner_id", "child_of", partner.id)], limit=3
            ):
                pages.append(url % record.id)
        return [{"url": url} for url in pages]

    def test_portal_pages_with_data(self):
        pages = self._portal_pages(self.marie)
        self.assertGreater(len(pages), 9, "the demo customer has records")
        self._axe(pages, "en-US", login="marie")

    def test_portal_card_pages(self):
        """Issue 25: the demo subscription paid by a saved card: its page,
        the card form and the confirmation to stop."""
        sub = self.env["support.subscription"].search(
            [("payment_token_id", "!=", False), ("state", "=", "active")], limit=1
        )
        user = self.env["res.users"].search(
            [("partner_id", "in", sub.authorized_user_ids.ids)], limit=1
        )
        if not user:
            self.skipTest("no demo subscription paid by a saved card")
        user.password = user.login  # HttpCase logs in with the login as password
        pages = [
            {"url": url}
            for url in (
                "/my/subscription",
                f"/my/subscription/{sub.id}/card",
                f"/my/subscription/{sub.id}/card/stop",
            )
        ]
        self._axe(pages, "en-US", login=user.login)

    def test_portal_pages_empty(self):
        pages = self._portal_pages(self.newcomer)
        self._axe(pages, "en-US", login="a11y-newcomer")


@tagged("post_install", "-at_install")
class TestKeyboard(HttpCase):
    """Each public form and the card hold up to the card step, with the
    keyboard only (real key presses), the focus visible all along; a form
    refused by the server puts the focus on the first field in error, which
    names its message (aria-describedby)."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "support_billing.public_posts_per_client_hour", "1000"
        )

    def _fill(self, kb, fields):
        for selector, text in fields:
            kb.tab_to(selector)
            kb.type(text)

    def test_card_hold_up_to_the_card_step(self):
        with keyboard_session(self) as kb:
            kb.open("/support/pay")
            # a duration chosen with the keyboard: the arrows move the radio
            kb.tab_to("input[name=duration]:checked")
            kb.press("ArrowDown")
            self.assertTrue(kb.js("document.activeElement.checked"))
            # refused by the server: the focus goes to the field in error
            self._fill(kb, [("#name", "Ada Lovelace"), ("#email", "ada@example")])
            kb.tab_to("button[name=support_hold_next]")
            with kb.new_page():
                kb.press("Enter")
            self.assertTrue(kb.focused_matches("#email[aria-invalid=true]"))
            message = kb.js(
                "document.getElementById("
                "document.activeElement.getAttribute('aria-describedby')"
                ").textContent"
            )
            self.assertIn("valid e-mail", message)
            self.assertTrue(kb.js("!!document.querySelector('[role=alert]')"))
            # corrected, sent: the card step
            kb.js("document.activeElement.select()")
            kb.type("ada@example.com")
            kb.tab_to("button[name=support_hold_next]")
            with kb.new_page():
                kb.press("Enter")
            self.assertRegex(kb.js("location.pathname"), r"^/support/pay/\d+$")
            kb.tab_to("button[name=o_payment_submit_button]")

    def test_contact_form(self):
        with keyboard_session(self) as kb:
            kb.open("/support/contact")
            self._fill(
                kb,
                [
                    ("#support_contact_name", "Ada Lovelace"),
                    ("#support_contact_email", "ada@example.com"),
                ],
            )
            kb.tab_to("#support_contact_request_type")
            kb.press("ArrowDown")
            self.assertTrue(kb.js("document.activeElement.value"))
            self._fill(
                kb,
                [
                    ("#support_contact_subject", "Printer offline"),
                    ("#support_contact_description", "It prints nothing."),
                ],
            )
            kb.tab_to("#support_contact_submit")
            with kb.new_page():
                kb.press("Enter")
            self.assertTrue(
                kb.js("!!document.querySelector('.o_support_contact_done')")
            )

    def test_intervention_request_form(self):
        with keyboard_session(self) as kb:
            kb.open("/support/intervention/request")
            self._fill(
                kb,
                [
                    ("#name", "Ada Lovelace"),
                    ("#email", "ada@example.com"),
                    ("#phone", "+33 1 23 45 67 89"),
                    ("#address", "1 rue de Rivoli, Paris"),
                    ("#description", "The server does not start."),
                ],
            )
            kb.tab_to("button[name=support_intervention_send]")
            with kb.new_page():
                kb.press("Enter")
            self.assertTrue(
                kb.js("!!document.getElementById('support_intervention_done')")
            )


@tagged("post_install", "-at_install")
class TestFormErrors(HttpCase):
    """Issue 27 item 6 and issue 29: each refused field of a public form
    shows its message beside it, and names it (aria-describedby,
    aria-invalid), the list above the form being an alert."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "support_billing.public_posts_per_client_hour", "1000"
        )

    def _post(self, url, **data):
        page = self.url_open(url).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.url_open(url, data={"csrf_token": csrf, **data})
        self.assertEqual(response.status_code, 400, url)
        self.assertIn('role="alert"', response.text)
        return response.text

    def assertBeside(self, html, field_id, message):
        field = re.search(
            rf'<(?:input|textarea|select)[^>]*\sid="{field_id}"[^>]*>', html
        )
        self.assertTrue(field, field_id)
        self.assertIn(f'aria-describedby="{field_id}_error"', field.group(0))
        self.assertIn('aria-invalid="true"', field.group(0))
        # the message follows the field, in the same group
        after = html[field.end() :]
        feedback = re.search(
            rf'<div class="invalid-feedback" id="{field_id}_error">([^<]*)</div>', after
        )
        self.assertTrue(feedback, f"no message beside {field_id}")
        next_label = after.find("<label")
        if next_label != -1:
            self.assertLess(feedback.start(), next_label, field_id)
        self.assertIn(message, feedback.group(1))

    def test_intervention_request_errors_beside_fields(self):
        html = self._post(
            "/support/intervention/request",
            name="Ada",
            email="ada@example.com",
            phone="+33 1 23 45 67 89",
            address="",
            description="",
            desired_date="2000-01-01",
        )
        self.assertBeside(html, "address", "")
        self.assertBeside(html, "description", "")
        self.assertBeside(html, "desired_date", "past")

    def test_contact_errors_beside_fields(self):
        html = self._post(
            "/support/contact",
            name="Ada",
            email="ada@example.com",
            subject="Printer",
            description="",
        )
        self.assertBeside(html, "support_contact_description", "")

    def test_pay_minutes_error_beside_the_box(self):
        html = self._post(
            "/support/pay",
            name="Ada",
            email="ada@example.com",
            duration="other",
            other_minutes="",
        )
        self.assertBeside(html, "other_minutes", "")
        # the box has a label of its own
        self.assertIn('for="other_minutes"', html)
