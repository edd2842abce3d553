# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import requests

from odoo import Command, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const, rules


class ResCompany(models.Model):
    """The accountant's one-click Stripe reconciliation set-up (issue 24)."""

    _name = "res.company"
    _inherit = "res.company"

    support_stripe_fee_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Stripe Fees Account",
        check_company=True,
        help="Expense account of Stripe's processing and dispute fees.",
    )
    support_stripe_dispute_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Stripe Disputes Account",
        check_company=True,
        help="Money a dispute withdrew from the Stripe balance, until the "
        "dispute is won (reinstated) or written off.",
    )
    support_stripe_payout_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Stripe Payouts Bank",
        domain="[('type', '=', 'bank')]",
        check_company=True,
        help="The bank journal whose account receives Stripe's payouts.",
    )

    # ------------------------------------------------------------ set-up
    def _support_stripe_setup_reconciliation(self):
        """Configure the reconciliation of this company's Stripe account:
        its journal imported online from Stripe (OCA's importer reading the
        payment provider's secret key), the fees and disputes accounts and
        one reconciliation model per role.  Whatever exists is kept: a second
        run changes nothing.  Returns what was made, as text lines."""
        self.ensure_one()
        company = self.sudo()
        done = []
        provider = (
            self.env["payment.provider"]
            .sudo()
            .search(
                [
                    ("code", "=", "stripe"),
                    ("company_id", "=", company.id),
                    ("state", "in", ("enabled", "test")),
                ],
                order="state, sequence, id",  # a live account before a test one
                limit=1,
            )
        )
        if not provider:
            raise UserError(
                self.env._(
                    "%(company)s has no Stripe payment provider: set one up in "
                    "Invoicing > Configuration > Payment Providers first.",
                    company=company.name,
                )
            )
        if not provider.stripe_secret_key:
            raise UserError(
                self.env._(
                    "The Stripe payment provider %(provider)s has no secret key: "
                    "enter it on the payment provider first.",
                    provider=provider.name,
                )
            )
        if not company.transfer_account_id:
            raise UserError(
                self.env._(
                    "%(company)s has no internal transfer account (Accounting "
                    "settings): Stripe's payouts go through it to the bank.",
                    company=company.name,
                )
            )
        bank = company._support_stripe_payout_journal(provider)
        unchecked = company._support_stripe_check_currency(provider, bank)
        if unchecked:
            done.append(unchecked)
        journal = company._support_stripe_journal(provider, bank, done)
        company._support_stripe_statement_provider(provider, journal, done)
        accounts = company._support_stripe_accounts(done)
        company._support_stripe_reconcile_models(journal, bank, accounts, done)
        return done

    def _support_stripe_payout_journal(self, provider):
        """The bank journal that receives the payouts: the company's choice,
        else its first bank journal with a bank account, else its first bank
        journal that is not the Stripe account's."""
        if self.support_stripe_payout_journal_id:
            return self.support_stripe_payout_journal_id
        journals = self.env["account.journal"].search(
            [
                ("company_id", "=", self.id),
                ("type", "=", "bank"),
                ("online_bank_statement_provider", "!=", "stripe"),
            ]
        )
        bank = journals.filtered("bank_account_id")[:1] or journals[:1]
        if not bank:
            raise UserError(
                self.env._(
                    "%(company)s has no bank journal to receive Stripe's payouts.",
                    company=self.name,
                )
            )
        self.support_stripe_payout_journal_id = bank
        return bank

    def _support_stripe_check_currency(self, provider, bank):
        """Refuse a Stripe account whose balance is not in the company's
        currency (or a provider's journal in another currency): OCA's
        importer would skip its transactions (a statement short of
        everything) and the models would post wrong amounts.  Stripe's
        balance (``GET /v1/balance``) lists the currencies the account
        holds.  Stripe out of reach: the text saying it was not checked."""
        currency = self.currency_id
        journal = provider.journal_id if provider.journal_id != bank else False
        if journal and journal.currency_id and journal.currency_id != currency:
            raise UserError(
                self.env._(
                    "The journal %(journal)s of the Stripe payment provider is "
                    "in %(journal_currency)s, not in %(currency)s, the currency "
                    "of %(company)s: Odoo reconciles a Stripe account in the "
                    "company's currency only. Give the payment provider a "
                    "journal in %(currency)s, then set up again.",
                    journal=journal.name,
                    journal_currency=journal.currency_id.name,
                    currency=currency.name,
                    company=self.name,
                )
            )
        try:
            balance = provider._send_api_request("GET", "balance")
            held = {
                str(fund.get("currency") or "").upper()
                for key in ("available", "pending")
                for fund in balance.get(key) or []
            }
        except (
            UserError,
            ValidationError,
            requests.exceptions.RequestException,
            AttributeError,
            TypeError,
        ) as error:
            message = error.args[0] if error.args else str(error)
            return self.env._(
                "Stripe could not be reached to check the currency of its "
                "account (%(error)s): set up Stripe reconciliation again when "
                "it can be, to check it.",
                error=message,
            )
        if currency.name not in held:
            raise UserError(
                self.env._(
                    "The Stripe account of %(provider)s holds its balance in "
                    "%(stripe_currencies)s, not in %(currency)s, the currency "
                    "of %(company)s: Odoo reconciles a Stripe account in the "
                    "company's currency only (its statements would be imported "
                    "with wrong or missing amounts). Use a Stripe account that "
                    "settles in %(currency)s, then set up again.",
                    provider=provider.name,
                    stripe_currencies=", ".join(sorted(held)) or "-",
                    currency=currency.name,
                    company=self.name,
                )
            )
        return False

    def _support_stripe_journal(self, provider, bank, done):
        """The Stripe balance's own bank journal: the provider's, unless it is
        the bank that receives the payouts (then a new "Stripe" journal, where
        the provider records its payments from now on)."""
        journal = provider.journal_id
        if journal and journal != bank:
            return journal
        codes = set(
            self.env["account.journal"]
            .search([("company_id", "=", self.id)])
            .mapped("code")
        )
        code = next(
            c for c in ("STRP", *(f"STR{n}" for n in range(1, 100))) if c not in codes
        )
        journal = self.env["account.journal"].create(
            {
                "name": self.env._("Stripe"),
                "code": code,
                "type": "bank",
                "company_id": self.id,
            }
        )
        provider.journal_id = journal
        done.append(
            self.env._(
                "Journal %(journal)s made for the Stripe balance; Stripe's "
                "payments are recorded there from now on.",
                journal=journal.name,
            )
        )
        return journal

    def _support_stripe_statement_provider(self, provider, journal, done):
        """The journal's statements imported from Stripe by OCA's importer,
        which reads the payment provider's key (OCA's ``password`` stays
        empty)."""
        if (
            journal.bank_statements_source != "online"
            or journal.online_bank_statement_provider != "stripe"
        ):
            journal.write(
                {
                    "bank_statements_source": "online",
                    "online_bank_statement_provider": "stripe",
                }
            )
            done.append(
                self.env._(
                    "Journal %(journal)s imports its statements from Stripe.",
                    journal=journal.name,
                )
            )
        statement_provider = journal.online_bank_statement_provider_id
        vals = {}
        if statement_provider.support_payment_provider_id != provider:
            vals["support_payment_provider_id"] = provider.id
        if statement_provider.password:
            vals["password"] = False
        if vals:
            statement_provider.write(vals)

    def _support_stripe_accounts(self, done):
        Account = self.env["account.account"].with_company(self)
        if not self.support_stripe_fee_account_id:
            self.support_stripe_fee_account_id = self._support_stripe_new_account(
                self.env._("Stripe fees"), "expense", False
            )
            done.append(
                self.env._(
                    "Account %(account)s made for Stripe's fees.",
                    account=self.support_stripe_fee_account_id.display_name,
                )
            )
        if not self.support_stripe_dispute_account_id:
            self.support_stripe_dispute_account_id = self._support_stripe_new_account(
                self.env._("Stripe disputes"), "asset_current", True
            )
            done.append(
                self.env._(
                    "Account %(account)s made for the money of Stripe disputes.",
                    account=self.support_stripe_dispute_account_id.display_name,
                )
            )
        return {
            "fee": Account.browse(self.support_stripe_fee_account_id.id),
            "dispute": Account.browse(self.support_stripe_dispute_account_id.id),
            "payout": Account.browse(self.transfer_account_id.id),
        }

    def _support_stripe_new_account(self, name, account_type, reconcile):
        Account = self.env["account.account"].with_company(self)
        last = Account.search(
            [
                *Account._check_company_domain(self),
                ("account_type", "=", account_type),
            ],
            order="code desc",
            limit=1,
        )
        return Account.create(
            {
                "name": name,
                "code": Account._search_new_account_code(last.code or "999000"),
                "account_type": account_type,
                "reconcile": reconcile,
                "company_ids": [Command.link(self.id)],
            }
        )

    def _support_stripe_fee_taxes(self):
        """The tax of Stripe's fees: the company's reverse charge on services
        bought in the EU when Stripe Payments Europe reverse-charges them
        (``rules.stripe_fee_reverse_charge``), none otherwise."""
        if not rules.stripe_fee_reverse_charge(self.account_fiscal_country_id.code):
            return self.env["account.tax"]
        taxes = self.env["account.tax"].search(
            [
                *self.env["account.tax"]._check_company_domain(self),
                ("type_tax_use", "=", "purchase"),
                ("amount_type", "=", "percent"),
                ("tax_scope", "in", ("service", False)),
                ("country_id", "=", self.account_fiscal_country_id.id),
            ],
            order="sequence, id",
        )
        reverse_charge = taxes.filtered(
            lambda tax: any(
                line.factor_percent < 0 for line in tax.invoice_repartition_line_ids
            )
        )
        return reverse_charge.sorted(lambda tax: tax.tax_scope != "service")[:1]

    def _support_stripe_reconcile_models(self, journal, bank, accounts, done):
        Model = self.env["account.reconcile.model"]
        existing = Model.with_context(active_test=False).search(
            [("company_id", "=", self.id), ("support_stripe_role", "!=", False)]
        )
        have = set(existing.mapped("support_stripe_role"))
        names = dict(
            Model._fields["support_stripe_role"]._description_selection(self.env)
        )
        vals_list = []
        for role, _label in const.STRIPE_RECONCILE_ROLES:
            if role in have:
                continue
            sequence, label = const.STRIPE_RECONCILE_LABELS[role]
            vals = {
                "name": names[role],
                "sequence": sequence,
                "company_id": self.id,
                "trigger": "auto_reconcile",
                "support_stripe_role": role,
                "match_journal_ids": [
                    Command.set((bank if role == "payout_arrival" else journal).ids)
                ],
                "match_label": "match_regex",
                "match_label_param": label,
            }
            if role == "payout_arrival":
                vals.update({"match_amount": "greater", "match_amount_min": 0.0})
            if role in accounts:
                line = {
                    "account_id": accounts[role].id,
                    "amount_type": "percentage",
                    "amount_string": "100",
                }
                if role == "fee":
                    line["tax_ids"] = [
                        Command.set(self._support_stripe_fee_taxes().ids)
                    ]
                vals["line_ids"] = [Command.create(line)]
            vals_list.append(vals)
        if vals_list:
            created = Model.create(vals_list)
            done.append(
                self.env._(
                    "Reconciliation models made: %(models)s.",
                    models=", ".join(created.mapped("name")),
                )
            )
