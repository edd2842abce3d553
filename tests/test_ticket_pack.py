# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import config

from .common import SupportBillingCommon
from .pdf_layout import assert_letterhead, render_pdf_text, set_letterhead


class TicketPackCommon(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"support_trial_eligible": False, "support_hourly_rate": 90})
        product = cls.env["product.product"]
        common = {"type": "service", "support_is_pack": True, "taxes_id": [(5, 0, 0)]}
        cls.pack10 = product.create(
            {
                **common,
                "name": "10 tickets",
                "list_price": 400,
                "support_pack_ticket_count": 10,
                "support_pack_validity_months": 12,
            }
        )
        cls.pack1 = product.create(
            {
                **common,
                "name": "1 ticket",
                "list_price": 45,
                "support_pack_ticket_count": 1,
                "support_pack_validity_months": 6,
            }
        )
        cls.pack_multi = product.create(
            {
                **common,
                "name": "Multi-user 20",
                "list_price": 800,
                "support_pack_ticket_count": 20,
                "support_pack_validity_months": 12,
                "support_pack_scope": "multi",
            }
        )

    @classmethod
    def _pay(cls, invoice):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()

    @classmethod
    def _buy(cls, product, buyer=None, pay=True):
        invoice = cls.env["account.move"]._support_create_pack_invoice(
            buyer or cls.customer_contact, product
        )
        if pay:
            cls._pay(invoice)
        return invoice, cls.env["support.ticket.pack"].search(
            [("invoice_id", "=", invoice.id)]
        )


@tagged("post_install", "-at_install")
class TestTicketPack(TicketPackCommon):
    def test_product_constraints(self):
        product = self.env["product.template"]
        base = {"name": "Bad pack", "type": "service", "support_is_pack": True}
        with self.assertRaisesRegex(ValidationError, "at least 6 months"):
            product.create({**base, "support_pack_validity_months": 5})
        with self.assertRaisesRegex(ValidationError, "at least 20 tickets"):
            product.create({**base, "support_pack_scope": "multi"})
        with self.assertRaisesRegex(ValidationError, "at least 20 tickets"):
            product.create(
                {**base, "support_pack_scope": "multi", "support_pack_ticket_count": 19}
            )
        self.pack_multi.support_pack_ticket_count = 20  # the minimum is accepted

    @freeze_time("2026-03-15")
    def test_purchase_on_bank_payment(self):
        invoice, pack = self._buy(self.pack10, pay=False)
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(pack, "no pack before the invoice is paid")
        self._pay(invoice)
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual(len(pack), 1)
        self.assertEqual(pack.partner_id, self.customer)
        self.assertEqual(pack.buyer_id, self.customer_contact)
        self.assertEqual(pack.purchase_date, date(2026, 3, 15))
        self.assertEqual(pack.expiry_date, date(2027, 3, 15))
        self.assertEqual(
            (pack.tickets_bought, pack.remaining_tickets, pack.state),
            (10, 10, "active"),
        )
        self.assertEqual(self.customer.support_pack_remaining, 10)
        # idempotent: the hook running again sells no second pack
        invoice._invoice_paid_hook()
        self.assertEqual(
            self.env["support.ticket.pack"].search_count(
                [("invoice_id", "=", invoice.id)]
            ),
            1,
        )

    def test_purchase_online_payment(self):
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write(
            {"state": "test", "company_id": self.company.id, "capture_manually": False}
        )
        invoice, pack = self._buy(self.pack1, pay=False)
        self.assertFalse(pack)
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "reference": "PACK-TX-1",
                "amount": invoice.amount_total,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.customer_contact.id,
                "operation": "online_direct",
                "invoice_ids": [(6, 0, invoice.ids)],
            }
        )
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        tx._post_process()
        self.assertIn(
            invoice.payment_state,
            ("paid", "in_payment"),
            f"{tx.state} {tx.payment_id.state} {tx.payment_id.amount} {tx.invoice_ids}",
        )
        pack = self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual(pack.remaining_tickets, 1)

    def test_expiry_order_across_packs(self):
        with freeze_time("2026-01-10"):
            _inv, late = self._buy(self.pack10)  # expires 2027-01-10
        with freeze_time("2026-02-01"):
            _inv, early = self._buy(self.pack1)  # expires 2026-08-01
            _inv, early2 = self._buy(self.pack1)
            ticket = self._create_ticket(self.customer_contact, closed=False)
            self._log(ticket, 61)  # 61 min billed: 3 tickets
        self.assertEqual(ticket.support_pack_tickets, 3)
        self.assertEqual(early.remaining_tickets, 0)
        self.assertEqual(early2.remaining_tickets, 0)
        self.assertEqual(late.remaining_tickets, 9)
        self.assertEqual(ticket.support_billing_mode, "pack")
        self.assertIn(early.name, ticket.support_pack_names)
        self.assertTrue(
            ticket.message_ids.filtered(lambda m: "prepaid tickets used" in m.body)
        )
        # a paid ticket is not invoiced by the time-billing run
        ticket.stage_id = self.stage_done
        with self.assertRaises(UserError):
            self._invoice(partners=self.customer)

    def test_correction_gives_tickets_back(self):
        _inv, pack = self._buy(self.pack10)
        ticket = self._create_ticket(self.customer_contact, closed=False)
        entry = self._log(ticket, 75)  # 3 tickets
        self.assertEqual(pack.remaining_tickets, 7)
        entry.minutes = 20  # corrected: 1 ticket
        self.assertEqual(pack.remaining_tickets, 9)
        self.assertEqual(ticket.support_pack_tickets, 1)
        correction = pack.move_ids.filtered(lambda m: m.reason == "correction")
        self.assertEqual(correction.tickets, 2)
        self.assertTrue(ticket.message_ids.filtered(lambda m: "given back" in m.body))
        entry.unlink()
        self.assertEqual(pack.remaining_tickets, 10)
        self.assertEqual(ticket.support_pack_tickets, 0)

    def test_pool_sharing_vs_single_user_pack(self):
        _inv, single = self._buy(self.pack10)  # Anna's own tickets
        ben_ticket = self._create_ticket(self.customer_contact2, closed=False)
        self._log(ben_ticket, 20)
        # Ben may not use Anna's single-user pack: billed by time, Ben is told
        self.assertEqual(single.remaining_tickets, 10)
        self.assertEqual(ben_ticket.support_pack_tickets, 0)
        self.assertEqual(ben_ticket.support_billing_mode, "time")
        self.assertEqual(ben_ticket.support_pack_shortfall, 1)
        # a multi-user pack bought by Anna is shared with Ben
        _inv, pool = self._buy(self.pack_multi)
        self.assertIn(self.customer_contact2, pool.user_ids)
        ben_ticket2 = self._create_ticket(self.customer_contact2, closed=False)
        self._log(ben_ticket2, 45)
        self.assertEqual(pool.remaining_tickets, 18)
        self.assertEqual(single.remaining_tickets, 10)
        self.assertEqual(ben_ticket2.support_billing_mode, "pack")
        # the other customer's contact cannot use it
        other_ticket = self._create_ticket(self.other_customer, closed=False)
        self._log(other_ticket, 30)
        self.assertEqual(pool.remaining_tickets, 18)
        self.assertEqual(other_ticket.support_billing_mode, "time")

    def test_fallback_to_time_billing(self):
        _inv, pack = self._buy(self.pack1)
        ticket = self._create_ticket(self.customer_contact, closed=True)
        self._log(ticket, 75)  # 3 tickets needed, 1 available
        self.assertEqual(pack.remaining_tickets, 0)
        self.assertEqual(ticket.support_pack_tickets, 1)
        self.assertEqual(ticket.support_pack_shortfall, 2)
        self.assertEqual(ticket.support_billing_mode, "time")
        self.assertEqual(ticket._get_support_prepaid_minutes(), 30)
        told = ticket.message_ids.filtered(lambda m: "ran out" in m.body)
        self.assertEqual(len(told), 1)
        self.assertIn(self.customer_contact, told.partner_ids)
        invoice = self._invoice(partners=self.customer)
        line = invoice.invoice_line_ids.filtered("support_ticket_id")
        # 75 min billed, 30 paid by the ticket: 45 min at 90.00 per hour
        self.assertEqual(line.support_minutes_billed, 45)
        self.assertAlmostEqual(line.price_unit, 67.5)
        self.assertIn("prepaid tickets", line.name)

    def test_rollover_on_new_purchase(self):
        with freeze_time("2026-01-01"):
            _inv, old = self._buy(self.pack10)
            ticket = self._create_ticket(self.customer_contact, closed=False)
            self._log(ticket, 90)  # 3 tickets
        with freeze_time("2027-01-02"):
            self.env["support.ticket.pack"]._cron_expire_packs()
            self.assertEqual((old.remaining_tickets, old.tickets_expired), (0, 7))
            self.assertEqual(old.state, "expired")
            _inv, new = self._buy(self.pack10)
        self.assertEqual(new.tickets_bought, 10)
        self.assertEqual(new.tickets_rolled_in, 7)
        self.assertEqual(new.remaining_tickets, 17)
        self.assertEqual(old.tickets_expired, 0)
        self.assertTrue(new.message_ids.filtered(lambda m: "carried over" in m.body))
        self.assertTrue(old.message_ids.filtered(lambda m: "carried over" in m.body))
        rollover = (old | new).move_ids.filtered(lambda m: m.reason == "rollover")
        self.assertEqual(sorted(rollover.mapped("tickets")), [0, 7])

    def test_expiry_cron_and_notice(self):
        with freeze_time("2026-01-01"):
            _inv, pack = self._buy(self.pack10)
        cron = self.env["support.ticket.pack"]._cron_expire_packs
        with freeze_time("2026-11-15"):
            cron()
            self.assertFalse(pack.expiry_notice_sent)
        with freeze_time("2026-12-05"):
            cron()
            cron()
        notices = pack.message_ids.filtered(lambda m: "expire on" in m.body)
        self.assertEqual(len(notices), 1, "the 30-day notice is sent once")
        self.assertIn("10", notices.body)
        self.assertIn(self.customer_contact, notices.partner_ids)
        self.assertTrue(pack.expiry_notice_sent)
        self.assertEqual(pack.remaining_tickets, 10)
        with freeze_time("2027-01-01"):
            cron()
            self.assertEqual(pack.state, "expired")
        self.assertEqual((pack.remaining_tickets, pack.tickets_expired), (0, 10))
        self.assertEqual(self.customer.support_pack_remaining, 0)

    def test_reopen_keeps_ledger(self):
        _inv, pack = self._buy(self.pack10)
        ticket = self._create_ticket(self.customer_contact, closed=True)
        self._log(ticket, 40)
        self.assertEqual(pack.remaining_tickets, 8)
        ticket.stage_id = self.stage_new  # reopened: ledger unchanged
        self.assertEqual(ticket.support_pack_tickets, 2)

    def test_access_rights(self):
        _inv, pack = self._buy(self.pack10)
        # technicians read packs, cannot change them
        self.assertEqual(pack.with_user(self.technician).remaining_tickets, 10)
        with self.assertRaises(AccessError):
            pack.with_user(self.technician).write({"expiry_date": "2030-01-01"})
        # portal: their own packs only
        packs = self.env["support.ticket.pack"]
        self.assertEqual(packs.with_user(self.portal_user).search([]), pack)
        self.assertFalse(packs.with_user(self.other_portal_user).search([]))
        with self.assertRaises(AccessError):
            pack.with_user(self.other_portal_user).read(["remaining_tickets"])
        with self.assertRaises(AccessError):
            pack.move_ids.with_user(self.other_portal_user).read(["tickets"])

    def test_statement_pdf(self):
        set_letterhead(self.env)
        _inv, pack = self._buy(self.pack10)
        text = render_pdf_text(
            self,
            "support_billing.action_report_support_pack_statement",
            self.customer_contact.ids,
        )
        assert_letterhead(self, text)
        self.assertIn("Prepaid tickets statement", text)
        self.assertIn(pack.name, text)

    def test_statement_report(self):
        _inv, _pack = self._buy(self.pack10)
        self.customer.lang = "en_US"
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "support_billing.action_report_support_pack_statement", self.customer.ids
        )
        self.assertIn(b"Prepaid tickets statement", html)
        self.assertIn(_pack.name.encode(), html)


@tagged("post_install", "-at_install")
class TestTicketPackPortal(TicketPackCommon, HttpCase):
    def test_portal_balance_isolation(self):
        _inv, pack = self._buy(self.pack10)
        self.authenticate("sb-portal", "sb-portal")
        page = self.url_open("/my/support_balance")
        self.assertEqual(page.status_code, 200)
        self.assertIn(pack.name, page.text)
        self.authenticate("sb-portal-other", "sb-portal-other")
        page = self.url_open("/my/support_balance")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(pack.name, page.text)
        self.assertIn("You have no prepaid tickets yet.", page.text)

    def test_portal_statement_download(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:%s" % config["http_port"]
        )
        _inv, _pack = self._buy(self.pack10)
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open("/my/support_balance/statement")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")

    def test_portal_buy_tickets(self):
        self.authenticate("sb-portal", "sb-portal")
        response = self.url_open(
            "/my/support_balance/buy",
            data={
                "product_id": self.pack10.id,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        invoice = self.env["account.move"].search(
            [("partner_id", "=", self.customer_contact.id)], order="id desc", limit=1
        )
        self.assertEqual(invoice.invoice_line_ids.product_id, self.pack10)
        self.assertEqual(invoice.state, "posted")
        self.assertIn(f"/my/invoices/{invoice.id}", response.headers["Location"])
        # no pack until paid
        self.assertFalse(
            self.env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        )


@tagged("post_install", "-at_install")
class TestTicketPackConcurrency(TransactionCase):
    """Two transactions want the last ticket of a pack at the same time."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            customer = env["res.partner"].create(
                {
                    "name": "Race Corp",
                    "is_company": True,
                    "support_trial_eligible": False,
                }
            )
            contact = env["res.partner"].create(
                {"name": "Rita Race", "parent_id": customer.id}
            )
            product = env["product.product"].create(
                {
                    "name": "Race pack",
                    "type": "service",
                    "support_is_pack": True,
                    "support_pack_ticket_count": 1,
                    "support_pack_validity_months": 6,
                }
            )
            pack = env["support.ticket.pack"].create(
                {
                    "company_id": company.id,
                    "product_id": product.id,
                    "partner_id": customer.id,
                    "buyer_id": contact.id,
                    "user_ids": [(6, 0, contact.ids)],
                    "expiry_date": "2099-01-01",
                }
            )
            pack._add_move("purchase", tickets=1)
            stage = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
            tickets = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Race {i}",
                        "description": "<p>race</p>",
                        "partner_id": contact.id,
                        "company_id": company.id,
                        "stage_id": stage.id,
                    }
                    for i in (1, 2)
                ]
            )
            self.ids = {
                "partner": (customer | contact).ids,
                "product": product.id,
                "pack": pack.id,
                "tickets": tickets.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tickets = env["helpdesk.ticket"].browse(self.ids["tickets"])
            env["support.time.entry"].search(
                [("ticket_id", "in", tickets.ids)]
            ).unlink()
            env["support.ticket.pack"].browse(self.ids["pack"]).unlink()
            tickets.unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _log(self, env, ticket_id, minutes=20):
        env["support.time.entry"].create(
            {
                "ticket_id": ticket_id,
                "minutes": minutes,
                "user_id": env.ref("base.user_admin").id,
            }
        )

    def test_last_ticket_taken_once(self):
        ticket_a, ticket_b = self.ids["tickets"]
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            # A is consuming the pack: it holds the pack's row lock
            locked = env_a["support.ticket.pack"].browse(self.ids["pack"])._lock()
            self.assertEqual(locked.ids, [self.ids["pack"]])
            # B logs time at the same moment: the pack is skipped, time billing
            self._log(env_b, ticket_b)
            cr_b.commit()
            # A takes the last ticket
            self._log(env_a, ticket_a)
            cr_a.commit()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            pack = env["support.ticket.pack"].browse(self.ids["pack"])
            a, b = env["helpdesk.ticket"].browse(self.ids["tickets"])
            self.assertEqual(a.support_pack_tickets, 1)
            self.assertEqual(a.support_billing_mode, "pack")
            self.assertEqual(b.support_pack_tickets, 0)
            self.assertEqual(b.support_pack_shortfall, 1)
            self.assertEqual(b.support_billing_mode, "time")
            self.assertTrue(b.message_ids.filtered(lambda m: "ran out" in m.body))
            self.assertEqual(pack.remaining_tickets, 0)
            self.assertEqual(sum(pack.move_ids.mapped("tickets")), 0)
