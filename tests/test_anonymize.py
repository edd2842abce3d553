# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import BaseCase, tagged

from ..anonymize import MASK, anonymize_comment, name_patterns


@tagged("at_install", "-post_install")
class TestAnonymize(BaseCase):
    def test_personal_data_removed(self):
        text = (
            "Thanks Anna! Mail anna.acme@acme.test or call +33 6 12 34 56 78 "
            "(or 0612345678), see https://acme.test/case?id=4 and www.acme.com. "
            "Tom Tech fixed it in 2 hours, ticket 2024."
        )
        result = anonymize_comment(text, names=["Anna Acme", "Tom Tech"])
        for leaked in (
            "Anna",
            "anna.acme",
            "acme.test",
            "12 34",
            "0612345678",
            "https",
            "www",
            "Tom",
            "Tech",
        ):
            self.assertNotIn(leaked, result)
        # ordinary numbers and words stay
        self.assertIn("fixed it in 2 hours, ticket 2024.", result)
        self.assertTrue(result.startswith(f"Thanks {MASK}! Mail {MASK} or call"))

    def test_names_case_insensitive_whole_words(self):
        self.assertEqual(
            anonymize_comment("BEN was great, benefit!", names=["Ben Stone"]),
            f"{MASK} was great, benefit!",
        )
        # short name parts are not hidden alone (too many false hits)
        self.assertEqual(name_patterns(["Al Li Bo"]), ["Al Li Bo"])

    def test_truncated_on_a_word(self):
        result = anonymize_comment("word " * 100, max_length=30)
        self.assertLessEqual(len(result), 30)
        self.assertTrue(result.endswith("word…"))
        self.assertEqual(anonymize_comment("  short \n text "), "short text")
        self.assertEqual(anonymize_comment(None), "")
        self.assertEqual(anonymize_comment(False), "")
