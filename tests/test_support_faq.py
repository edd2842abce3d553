# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_support_policy import PublicPagesCommon


@tagged("post_install", "-at_install")
class TestSupportFaq(PublicPagesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Faq = cls.env["support.faq"].with_user(cls.manager)
        cls.category = cls.env["support.faq.category"].create({"name": "Tests"})
        cls.published = Faq.create(
            {
                "question": "Published question?",
                "answer": "<p>Yes.</p>",
                "category_id": cls.category.id,
            }
        )
        cls.hidden = Faq.create(
            {
                "question": "Draft question?",
                "answer": "<p>Not yet.</p>",
                "is_published": False,
            }
        )

    def test_default_entries_from_seeds(self):
        faq = self.env["support.faq"].search([("is_published", "=", True)])
        questions = " ".join(faq.mapped("question"))
        # issue 28: the answers name the terms, filled in from the terms in force
        terms = self.env.company._support_terms()
        shown = " ".join(faq.mapped(lambda f: str(f._support_answer(terms))))
        for text in ("15 minutes", "3 months", "30 minutes", "24 to 48"):
            self.assertIn(text, shown)
        self.assertIn("{trial_minutes} minutes", " ".join(faq.mapped("answer")))
        self.assertIn("In which languages", questions)
        self.assertGreaterEqual(len(faq.category_id), 4)

    def test_visitors_read_published_entries_only(self):
        entries = self.published | self.hidden
        for user in (self.public_user, self.portal_user):
            visible = (
                self.env["support.faq"]
                .with_user(user)
                .search([("id", "in", entries.ids)])
            )
            self.assertEqual(visible, self.published)
            with self.assertRaises(AccessError):
                self.hidden.with_user(user).read(["question"])
        # staff see drafts in the back office
        for user in (self.technician, self.manager):
            visible = (
                self.env["support.faq"]
                .with_user(user)
                .search([("id", "in", entries.ids)])
            )
            self.assertEqual(visible, entries)

    def test_only_managers_edit(self):
        for user in (self.public_user, self.portal_user, self.technician):
            with self.assertRaises(AccessError):
                self.published.with_user(user).write({"question": "Hacked?"})
            with self.assertRaises(AccessError):
                self.env["support.faq"].with_user(user).create(
                    {"question": "Mine?", "answer": "<p>x</p>"}
                )
            with self.assertRaises(AccessError):
                self.category.with_user(user).write({"name": "Hacked"})
            with self.assertRaises(AccessError):
                self.published.with_user(user).unlink()
        self.published.with_user(self.manager).write({"question": "Edited?"})
        self.assertEqual(self.published.question, "Edited?")
        self.hidden.with_user(self.manager).unlink()
        self.assertFalse(self.hidden.exists())
