# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .. import const
from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestPaymentMethods(SupportBillingCommon):
    """Payments on site: cash, cheque, bank transfer, Interac and the technician's card
    terminal are payment methods of the bank and cash journals."""

    def _codes(self, journal):
        return set(journal.inbound_payment_method_line_ids.mapped("code"))

    def _journal_for(self, code, company=None):
        journal_type = const.SUPPORT_PAYMENT_METHODS[code][0]
        return self.env["account.journal"].search(
            [
                ("type", "=", journal_type),
                ("company_id", "=", (company or self.company).id),
                ("inbound_payment_method_line_ids.code", "=", code),
            ],
            limit=1,
        )

    def test_methods_exist_inbound(self):
        methods = self.env["account.payment.method"].search(
            [("code", "in", list(const.SUPPORT_PAYMENT_METHODS))]
        )
        self.assertEqual(len(methods), 5)
        self.assertEqual(set(methods.mapped("payment_type")), {"inbound"})
        self.assertIn(
            "Interac e-Transfer",
            methods.mapped("name"),
        )

    def test_installed_on_existing_journals(self):
        """Bank journals that existed at install got them (the demo
        companies), next to Odoo's manual method."""
        banks = (
            self.env["account.journal"]
            .sudo()
            .search([("type", "=", "bank"), ("company_id", "!=", self.company.id)])
        )
        self.assertIn(self.env.ref("base.main_company"), banks.company_id)
        for journal in banks:
            self.assertGreaterEqual(
                self._codes(journal),
                {
                    "manual",
                    "support_cheque",
                    "support_bank_transfer",
                    "support_interac",
                    "support_card_terminal",
                },
            )
            self.assertNotIn("support_cash", self._codes(journal))

    def test_new_company_and_new_journal(self):
        """The test company is created after install, by its chart template."""
        bank = self.company_data["default_journal_bank"]
        cash = self.company_data["default_journal_cash"]
        self.assertIn("support_interac", self._codes(bank))
        self.assertIn("support_card_terminal", self._codes(bank))
        self.assertIn("support_cash", self._codes(cash))
        self.assertNotIn("support_cheque", self._codes(cash))
        # a sale journal offers no payment method
        self.assertFalse(
            self.company_data["default_journal_sale"].inbound_payment_method_line_ids
        )
        other = self.setup_other_company(name="Second support company")
        self.assertIn("support_cheque", self._codes(other["default_journal_bank"]))
        journal = self.env["account.journal"].create(
            {"name": "Technician terminal", "type": "bank", "code": "TERM"}
        )
        self.assertIn("support_card_terminal", self._codes(journal))

    def test_register_payment_with_each_method(self):
        for code in const.SUPPORT_PAYMENT_METHODS:
            with self.subTest(code=code):
                invoice = self.init_invoice(
                    "out_invoice", partner=self.customer, amounts=[120.0], post=True
                )
                journal = self._journal_for(code)
                line = journal.inbound_payment_method_line_ids.filtered(
                    lambda m, c=code: m.code == c
                )
                payment = (
                    self.env["account.payment.register"]
                    .with_user(self.accountant)
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create(
                        {"journal_id": journal.id, "payment_method_line_id": line.id}
                    )
                    ._create_payments()
                )
                self.assertEqual(payment.payment_method_line_id, line)
                self.assertEqual(payment.amount, 120.0)
                self.assertEqual(invoice.amount_residual, 0.0)
                self.assertIn(invoice.payment_state, ("in_payment", "paid"))
                receivable = invoice.line_ids.filtered(
                    lambda ml: ml.account_id.account_type == "asset_receivable"
                )
                self.assertTrue(receivable.reconciled)
                self.assertEqual(
                    receivable.matched_credit_ids.credit_move_id.payment_id, payment
                )

    def test_technician_cannot_register_payments(self):
        invoice = self.init_invoice(
            "out_invoice", partner=self.customer, amounts=[50.0], post=True
        )
        with self.assertRaises(AccessError):
            self.env["account.payment.register"].with_user(
                self.technician
            ).with_context(active_model="account.move", active_ids=invoice.ids).create(
                {}
            )
