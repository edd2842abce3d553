# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every user-facing string of the addon is translated in French and Spanish."""

import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

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
