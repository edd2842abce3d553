# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import SupportBillingCommon
from .pdf_layout import (
    assert_letterhead,
    render_pdf_pages,
    render_pdf_text,
    set_letterhead,
)


@tagged("post_install", "-at_install")
class TestInvoiceReport(SupportBillingCommon):
    """Invoicing: the invoice PDF lists the time billed per ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_letterhead(cls.env)
        cls.ticket = cls._create_ticket(cls.customer_contact, name="Printer offline")
        cls._log(cls.ticket, 25, user=cls.technician, date="2026-03-02")
        cls._log(cls.ticket, 22, user=cls.technician2, date="2026-03-03")

    def _html(self, invoice):
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        return html.decode()

    def test_invoice_pdf_lists_time_per_ticket(self):
        invoice = self._invoice()
        text = render_pdf_text(self, "account.account_invoices", invoice.ids)
        assert_letterhead(self, text)
        self.assertIn("Support time per ticket", text)
        self.assertIn(self.ticket.number, text)
        for expected in ("Tom Tech", "Sara Tech", "25", "22", "47"):
            self.assertIn(expected, text)
        self.assertIn("Free trial offered", text)

    def test_time_table_and_footnotes_on_one_page(self):
        """Issue 15: a one-ticket invoice fits one page; the free-trial
        footnote is never alone on a page of its own, and the charged
        minutes are stated beside it."""
        invoice = self._invoice()
        pages = render_pdf_pages(self, "account.account_invoices", invoice.ids)
        self.assertEqual(len(pages), 1, pages)
        self.assertIn("Free trial offered", pages[0])
        self.assertIn(self.ticket.number, pages[0])
        self.assertIn("Minutes charged", pages[0])

    def test_invoice_in_partner_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        invoice = self._invoice()
        html = self._html(invoice)
        self.assertIn("Temps de support par ticket", html)
        self.assertIn("Minutes travaillées", html)
        self.assertNotIn("Support time per ticket", html)
