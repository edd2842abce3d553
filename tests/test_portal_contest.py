# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24, item 4: "Contest this charge" on the portal's invoice and card
hold pages opens a ticket for the disputes team, linked to the invoice; only
the invoice's customer may."""

import re
from html import unescape

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_card_hold import CardHoldCommon

REASON = "I was charged for 30 minutes but the technician never called me."


@tagged("post_install", "-at_install")
class TestPortalContest(CardHoldCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = new_test_user(
            cls.env,
            login="sb-contest-colleague",
            groups="base.group_portal",
            partner_id=cls.customer_contact2.id,
            email=cls.customer_contact2.email,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer_contact.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product_time.id,
                            "quantity": 1,
                            "price_unit": 50.0,
                            "tax_ids": [Command.set(cls.sales_tax.ids)],
                        }
                    )
                ],
            }
        )
        cls.invoice.action_post()
        cls.contest_url = f"/my/invoices/{cls.invoice.id}/contest"

    # ------------------------------------------------------------ helpers
    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response.text

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def _contest(self, reason=REASON, page=None, **extra):
        page = page or self._page(f"/my/invoices/{self.invoice.id}")
        data = {"csrf_token": self._csrf(page), "contest_reason": reason, **extra}
        return self.url_open(self.contest_url, data=data, allow_redirects=False)

    def _tickets(self):
        return self.env["helpdesk.ticket"].search(
            [("support_invoice_id", "=", self.invoice.id)]
        )

    # -------------------------------------------------------------- tests
    def test_customer_contests_her_invoice(self):
        self.authenticate("sb-portal", "sb-portal")
        page = self._page(f"/my/invoices/{self.invoice.id}")
        self.assertIn('id="support_contest"', page)
        self.assertIn(f'action="{self.contest_url}"', page)
        self.assertIn('for="support_contest_reason"', page)
        response = self._contest()
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertIn(f"/my/invoices/{self.invoice.id}", response.headers["Location"])
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.customer_contact)
        self.assertEqual(ticket.company_id, self.invoice.company_id)
        self.assertEqual(
            ticket.team_id, self.env.ref("support_billing.helpdesk_team_disputes")
        )
        self.assertIn(self.invoice.name, ticket.name)
        self.assertIn("technician never called me", unescape(ticket.description))
        self.assertIn(self.customer_contact, ticket.message_partner_ids)
        self.assertTrue(
            any(
                ticket.number in unescape(body)
                for body in self.invoice.message_ids.mapped("body")
            )
        )
        # the accountant sees it from the invoice (smart button), and reads it
        self.assertEqual(self.invoice.support_contest_count, 1)
        action = self.invoice.with_user(self.accountant).action_view_support_contests()
        self.assertEqual(
            self.env["helpdesk.ticket"]
            .with_user(self.accountant)
            .search(action["domain"]),
            ticket,
        )
        # the customer sees its status on the invoice page and in her tickets
        page = self._page(f"/my/invoices/{self.invoice.id}")
        self.assertIn(ticket.number, page)
        self.assertIn(ticket.stage_id.name, page)
        self.assertNotIn('name="contest_reason"', page)  # one open contest
        self.assertIn(ticket.number, self._page("/my/tickets"))
        self.assertIn(REASON[:20], unescape(self._page(f"/my/ticket/{ticket.id}")))

        # a second contest while the first is open: refused, said clearly
        page = self._page("/my/tickets")
        response = self._contest(page=page)
        self.assertEqual(response.status_code, 409)
        self.assertIn("You already contest this invoice", response.text)
        self.assertEqual(len(self._tickets()), 1)
        # closed, the invoice may be contested again
        ticket.stage_id = self.stage_done
        self.assertIn(
            'name="contest_reason"', self._page(f"/my/invoices/{self.invoice.id}")
        )

    def test_colleague_of_the_same_company_may_contest(self):
        self.authenticate("sb-contest-colleague", "sb-contest-colleague")
        response = self._contest()
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._tickets().partner_id, self.customer_contact2)

    def test_reason_required_and_limited(self):
        self.authenticate("sb-portal", "sb-portal")
        for reason, message in (
            ("   ", "Tell us why you contest this charge."),
            ("x" * 2001, "too long"),
        ):
            response = self._contest(reason=reason)
            self.assertEqual(response.status_code, 400)
            html = response.text
            field = re.search(
                r'<textarea[^>]*\sid="support_contest_reason"[^>]*>', html
            )
            self.assertTrue(field)
            self.assertIn('aria-invalid="true"', field.group(0))
            self.assertIn(
                'aria-describedby="support_contest_reason_error"', field.group(0)
            )
            feedback = re.search(
                r'<div class="invalid-feedback" id="support_contest_reason_error">'
                r"([^<]*)</div>",
                html,
            )
            self.assertIn(message, feedback.group(1))
            self.assertIn('role="alert"', html)
        self.assertFalse(self._tickets())

    def test_others_cannot_contest(self):
        """Another customer's portal user gets a 404, with or without the
        invoice's access token; the public is sent to the login page; no
        CSRF token, no ticket."""
        token = self.invoice._portal_ensure_token()
        self.authenticate("sb-portal-other", "sb-portal-other")
        page = self._page("/my")
        with mute_logger("odoo.http"):
            for extra in ({}, {"access_token": token}, {"access_token": "guessed"}):
                response = self._contest(page=page, **extra)
                self.assertEqual(response.status_code, 404, extra)
        # the invoice page opened with its token shows no contest form
        page = self._page(f"/my/invoices/{self.invoice.id}?access_token={token}")
        self.assertNotIn('name="contest_reason"', page)
        self.authenticate(None, None)
        page = self._page(f"/my/invoices/{self.invoice.id}?access_token={token}")
        self.assertNotIn('name="contest_reason"', page)
        response = self.url_open(
            self.contest_url,
            data={"contest_reason": REASON},
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        # the customer herself, without the CSRF token
        self.authenticate("sb-portal", "sb-portal")
        with mute_logger("odoo.http"):
            response = self.url_open(
                self.contest_url,
                data={"contest_reason": REASON},
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._tickets())

    def test_contest_from_the_card_hold_page(self):
        hold = self._create_hold()
        self._authorize(hold)
        self._log(self.ticket, 30)
        self._charge(hold)
        self.assertTrue(hold.invoice_id)
        self.authenticate("sb-portal", "sb-portal")
        page = self._page(f"/my/card_holds/{hold.id}")
        self.assertIn('id="support_contest"', page)
        self.assertIn(f'action="/my/invoices/{hold.invoice_id.id}/contest"', page)
        response = self.url_open(
            f"/my/invoices/{hold.invoice_id.id}/contest",
            data={"csrf_token": self._csrf(page), "contest_reason": REASON},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["helpdesk.ticket"].search(
            [("support_invoice_id", "=", hold.invoice_id.id)]
        )
        self.assertEqual(len(ticket), 1)
        self.assertIn(ticket.number, self._page(f"/my/card_holds/{hold.id}"))

    def test_invoice_link_set_by_the_portal_only(self):
        ticket = self._create_ticket(self.customer_contact, closed=False)
        with self.assertRaises(AccessError):
            ticket.with_user(self.technician).write(
                {"support_invoice_id": self.invoice.id}
            )
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket"].with_user(self.technician).create(
                {
                    "name": "Forged contest",
                    "description": "x",
                    "partner_id": self.customer_contact.id,
                    "support_invoice_id": self.invoice.id,
                }
            )
        self.assertFalse(self._tickets())
