# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from .test_transparency import TransparencyCommon


@tagged("post_install", "-at_install")
class TestSupportPages(TransparencyCommon, HttpCase):
    """The public policy, FAQ and transparency pages, and the rating flow."""

    now = fields.Datetime.now() - timedelta(minutes=5)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env.ref("support_billing.support_policy_default")
        cls.manager = new_test_user(
            cls.env,
            login="pages-manager",
            groups="support_billing.group_support_manager",
        )

    def _page(self, url):
        # the figures are cached for a few minutes: each test wants its own
        self.env.registry.clear_cache()
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response.text

    def _csrf(self, html):
        return re.search(r'name="csrf_token"\s+value="([^"]+)"', html).group(1)

    def test_pages_are_public_and_linked(self):
        for url in (
            "/support/policy",
            "/support/faq",
            "/support/transparency",
            "/support/contact",
            "/support/intervention/request",
        ):
            html = self._page(url)
            for link in (
                "/support/policy",
                "/support/faq",
                "/support/transparency",
                "/support/contact",
                "/support/intervention/request",
            ):
                self.assertIn(f'href="{link}"', html, f"{url} links to {link}")

    def test_policy_page_shows_current_version_and_date(self):
        self.env.cr.execute(
            SQL(
                "UPDATE support_policy SET last_updated = %s WHERE id = %s",
                "2030-01-10 08:00:00",
                self.policy.id,
            )
        )
        self.policy.invalidate_recordset()
        html = self._page("/support/policy")
        self.assertIn("9:00 to 18:00", html)
        self.assertIn("01/10/2030", html)
        self.policy.with_user(self.manager).write(
            {
                "content": "<p>Open on Saturdays from now on.</p>",
                "change_summary": "Saturday opening",
            }
        )
        html = self._page("/support/policy")
        self.assertIn("Open on Saturdays from now on.", html)
        self.assertNotIn("9:00 to 18:00", html)
        self.assertIn("Saturday opening", html)
        self.assertIn(self.policy.last_updated.strftime("%m/%d/%Y"), html)
        self.assertNotIn("01/10/2030", html.split("Changes to this policy")[0])

    def test_faq_page_shows_published_entries_only(self):
        Faq = self.env["support.faq"]
        Faq.create({"question": "Visible question?", "answer": "<p>Visible.</p>"})
        Faq.create(
            {
                "question": "Draft question?",
                "answer": "<p>Secret draft answer.</p>",
                "is_published": False,
            }
        )
        html = self._page("/support/faq")
        self.assertIn("Visible question?", html)
        self.assertIn("In which languages do you offer your services?", html)
        self.assertNotIn("Draft question?", html)
        self.assertNotIn("Secret draft answer", html)

    def test_language_prefix(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["support.faq.category"].search([], limit=1).with_context(
            lang="fr_FR"
        ).name = "Catégorie en français"
        for url in ("/fr/support/faq", "/support/faq?lang=fr_FR"):
            html = self._page(url)
            self.assertIn('js_change_lang active" role="menuitem" href="/fr/', html)
            self.assertIn("Catégorie en français", html)
        self.assertEqual(self.url_open("/fr/support/transparency").status_code, 200)
        self.assertEqual(self.url_open("/fr/support/policy").status_code, 200)

    @staticmethod
    def _active_lang(html):
        """url_code of the language the page is in (the active entry of
        the language selector)."""
        for tag in re.findall(r"<a [^>]*js_change_lang[^>]*>", html):
            if re.search(r'class="[^"]*\bactive\b', tag):
                return re.search(r'data-url_code="([^"]+)"', tag).group(1)
        return None

    def test_the_url_decides_the_language(self):
        """Issue 15: the address always says the language of the page."""
        self.env["res.lang"]._activate_lang("es_ES")
        # a fresh visitor: the plain address is the default language
        page = self.url_open("/support/contact", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self._active_lang(page.text), "en")
        # on a Spanish page, the links and forms keep /es
        page = self._page("/es/support/faq")
        self.assertEqual(self._active_lang(page), "es")
        self.assertIn('href="/es/support/contact"', page)
        self.assertIn('href="/es/support/pay"', page)
        contact = self._page("/es/support/contact")
        self.assertIn('action="/es/support/contact"', contact)
        self.assertIn('action="/es/support/pay"', self._page("/es/support/pay"))
        # the plain address then leads to the Spanish address (Odoo's rule:
        # the visitor's language is remembered), never Spanish under /support
        page = self.url_open("/support/contact", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
        self.assertTrue(
            page.headers["Location"].endswith("/es/support/contact"),
            page.headers["Location"],
        )
        # ?lang= (e-mail links) leads to the language's address too
        page = self.url_open("/support/faq?lang=en_US", allow_redirects=True)
        self.assertEqual(self._active_lang(page.text), "en")
        self.assertNotIn("/es/", page.url)
        self.assertNotIn("lang=", page.url)
        page = self.url_open(
            "/support/contact?type=1&lang=es_ES", allow_redirects=False
        )
        self.assertIn(page.status_code, (302, 303))
        self.assertTrue(
            page.headers["Location"].endswith("/es/support/contact?type=1"),
            page.headers["Location"],
        )

    def test_no_personal_data_on_transparency_page(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Zoe Zimmerman",
                "email": "zoe.zimmerman@secret-mail.test",
                "phone": "+33 6 11 22 33 44",
            }
        )
        staff = new_test_user(self.env, login="steve-pages", name="Steve Staffer")
        ticket = self._ticket(
            "3",
            first=(1, 2, False),
            resolved=(1, 3, False),
            partner=customer,
            name="Quarterly payroll export crashes",
            description="<p>My password is hunter2-blue</p>",
        )
        ticket.user_id = staff
        self._rate(
            ticket,
            5,
            feedback="Thanks Zoe here: Steve fixed it! Call +33 6 11 22 33 44, "
            "write zoe.zimmerman@secret-mail.test or see https://zoe.example.com/cv",
        )
        html = self._page("/support/transparency")
        self.assertIn("Thanks", html)
        self.assertIn("fixed it!", html)
        for leak in (
            "Zoe",
            "Zimmerman",
            "secret-mail",
            "11 22 33",
            "zoe.example",
            "Steve",
            "Staffer",
            "Quarterly payroll",
            "hunter2",
            ticket.number,
        ):
            self.assertNotIn(leak.lower(), html.lower(), leak)

    def test_transparency_page_figures_and_pagination(self):
        ticket = self._ticket("3", first=(1, 2, False), resolved=(1, 3, True))
        for i in range(23):
            self._rate(
                ticket, 5 if i % 2 else 1, days_ago=i, feedback=f"Comment {i:02d}"
            )
        html = self._page("/support/transparency")
        table = html.split('data-window="30"')[1]
        row = table.split('data-priority="3"')[1].split("</tr>")[0]
        self.assertRegex(row, r'class="o_median">\s*2\.0 h')
        self.assertRegex(row, r'data-metric="resolution">\s*1\s*<')
        self.assertRegex(row, r'class="o_share">\s*0 %')
        self.assertIn("Comment 00", html)
        self.assertNotIn("Comment 22", html)
        self.assertIn("/support/transparency/page/2", html)
        html = self._page("/support/transparency/page/2")
        self.assertIn("Comment 22", html)
        self.assertNotIn("Comment 00", html)

    def test_rating_flow_over_http(self):
        ticket = self._ticket("1", first=(1, 1, False))
        ticket.stage_id = self.stage_done
        rating = ticket.rating_ids
        self.assertEqual(len(rating), 1, "closing asks for a rating")
        self.assertFalse(rating.consumed)
        request_message = ticket.message_ids.filtered(
            lambda m: f"/rate/{rating.access_token}/5" in str(m.body)
        )
        self.assertTrue(request_message)
        self.assertEqual(request_message.partner_ids, self.customer)

        html = self._page(f"/rate/{rating.access_token}/5")
        response = self.url_open(
            f"/rate/{rating.access_token}/submit_feedback",
            data={
                "rate": 5,
                "feedback": "Quick and kind, thanks Anna's helper!",
                "csrf_token": self._csrf(html),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(rating.consumed)
        self.assertEqual(rating.rating, 5)
        self.assertEqual(rating.rating_text, "top")
        self.assertTrue(rating.rated_on)
        html = self._page("/support/transparency")
        self.assertIn("Quick and kind, thanks […]", html)
        # a wrong token is refused
        self.assertEqual(self.url_open("/rate/not-a-token/5").status_code, 404)

    def test_rating_request_in_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.env.ref("support_billing.mail_template_ticket_rating")
        template.with_context(
            lang="fr_FR"
        ).subject = "Notez le ticket {{ object.number }}"
        french = self.env["res.partner"].create(
            {"name": "Jean Dupont", "email": "jean@dupont.test", "lang": "fr_FR"}
        )
        for partner, expected in (
            (french, "Notez le ticket"),
            (self.customer, "How did we do?"),
        ):
            ticket = self._ticket("1", partner=partner)
            ticket.stage_id = self.stage_done
            message = ticket.message_ids.filtered(lambda m: "/rate/" in str(m.body))
            self.assertTrue(message.subject.startswith(expected), message.subject)
            self.assertIn(ticket.number, message.subject)

    def test_rate_from_portal_ticket_page(self):
        portal = new_test_user(
            self.env,
            login="pages-portal",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        ticket = self._ticket("1", first=(1, 1, False))
        self.authenticate(portal.login, portal.login)
        html = self._page(f"/my/ticket/{ticket.id}")
        self.assertNotIn("/rate/", html, "an open ticket is not rated")
        ticket.stage_id = self.stage_done
        html = self._page(f"/my/ticket/{ticket.id}")
        self.assertIn(f"/rate/{ticket.rating_ids.access_token}/5", html)
        ticket.rating_ids.write({"rating": 5, "consumed": True})
        html = self._page(f"/my/ticket/{ticket.id}")
        self.assertIn("Your rating:", html)
        self.assertNotIn("/rate/", html)
