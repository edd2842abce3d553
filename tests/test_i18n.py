# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every user-facing string of the addon is translated in French and Spanish."""

import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import PoFileReader, TranslationModuleReader

PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d|\{\{.*?\}\}")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reader = TranslationModuleReader(cls.env.cr, modules=["support_billing"])
        cls.terms = {source for _m, _t, _n, _r, source, _v, _c in reader if source}

    def test_every_term_translated(self):
        self.assertGreater(len(self.terms), 50)
        for lang in ("fr", "es"):
            po = polib.pofile(file_path(f"support_billing/i18n/{lang}.po"))
            translated = {e.msgid: e.msgstr for e in po if e.msgstr and not e.obsolete}
            missing = sorted(self.terms - set(translated))
            self.assertFalse(missing, f"untranslated in {lang}.po: {missing[:10]}")
            for msgid in self.terms:
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(msgid)),
                    sorted(PLACEHOLDER.findall(translated[msgid])),
                    f"placeholders differ in {lang}.po for {msgid!r}",
                )

    def test_template_current_and_translations_loaded(self):
        """Odoo reads a .po through the module's .pot (PoFileReader merges
        them): a term missing from the .pot is dropped, its translation never
        loaded (issue 15: "Card hold created" stayed English in a French
        company). The shipped .pot holds every term the exporter finds."""
        pot = polib.pofile(file_path("support_billing/i18n/support_billing.pot"))
        missing = sorted(self.terms - {e.msgid for e in pot})
        self.assertFalse(missing, f"missing from support_billing.pot: {missing[:10]}")
        for lang in ("fr", "es"):
            rows = PoFileReader(file_path(f"support_billing/i18n/{lang}.po"))
            loaded = {row["src"] for row in rows if row["value"]}
            missing = sorted(self.terms - loaded)
            self.assertFalse(missing, f"not loaded from {lang}.po: {missing[:10]}")
