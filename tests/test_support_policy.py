# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import BaseCommon


class PublicPagesCommon(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="sp-manager",
            name="Mona Manager",
            groups="support_billing.group_support_manager",
        )
        cls.technician = new_test_user(
            cls.env,
            login="sp-tech",
            name="Theo Tech",
            groups="support_billing.group_support_technician",
        )
        cls.portal_user = new_test_user(
            cls.env, login="sp-portal", name="Paula Portal", groups="base.group_portal"
        )
        cls.public_user = cls.env.ref("base.public_user")


@tagged("post_install", "-at_install")
class TestSupportPolicy(PublicPagesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2030-01-10 08:00:00"):
            cls.policy = (
                cls.env["support.policy"]
                .with_user(cls.manager)
                .create(
                    {
                        "name": "Test policy",
                        "content": "<p>We answer within 48 hours.</p>",
                        "change_summary": "First version",
                        "company_id": cls.env.company.id,
                    }
                )
            )

    def test_default_policy_installed(self):
        policy = self.env.ref("support_billing.support_policy_default")
        self.assertIn("9:00 to 18:00", policy.content)
        self.assertIn("24 to 48", policy.content)
        self.assertTrue(policy.last_updated)

    def test_change_updates_date_and_keeps_previous_version(self):
        self.assertEqual(str(self.policy.last_updated), "2030-01-10 08:00:00")
        self.assertFalse(self.policy.version_ids)
        with freeze_time("2030-02-20 15:30:00"):
            self.policy.with_user(self.manager).write(
                {
                    "content": "<p>We answer within 24 hours.</p>",
                    "change_summary": "Faster answers",
                }
            )
        self.assertEqual(str(self.policy.last_updated), "2030-02-20 15:30:00")
        self.assertEqual(self.policy.author_id, self.manager)
        self.assertEqual(self.policy.change_summary, "Faster answers")
        version = self.policy.version_ids
        self.assertEqual(len(version), 1)
        self.assertIn("48 hours", version.content)
        self.assertEqual(str(version.date), "2030-01-10 08:00:00")
        self.assertEqual(str(version.replaced_date), "2030-02-20 15:30:00")
        self.assertEqual(version.author_id, self.manager)
        self.assertEqual(version.change_summary, "First version")
        self.assertEqual(self.policy.version_count, 1)

        # a change without summary: the date moves, the summary is not repeated
        with freeze_time("2030-03-01 09:00:00"):
            self.policy.with_user(self.manager).write(
                {"content": "<p>We answer within 12 hours.</p>"}
            )
        self.assertEqual(str(self.policy.last_updated), "2030-03-01 09:00:00")
        self.assertFalse(self.policy.change_summary)
        self.assertEqual(len(self.policy.version_ids), 2)
        self.assertEqual(
            self.policy.version_ids.sorted("date")[-1].change_summary, "Faster answers"
        )

    def test_no_version_without_content_change(self):
        with freeze_time("2030-02-20 15:30:00"):
            self.policy.with_user(self.manager).write({"name": "Renamed"})
            self.policy.with_user(self.manager).write(
                {"content": "<p>We answer within 48 hours.</p>"}
            )
        self.assertEqual(str(self.policy.last_updated), "2030-01-10 08:00:00")
        self.assertFalse(self.policy.version_ids)

    def test_translations_kept_in_version(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.policy.update_field_translations(
            "content",
            {"fr_FR": {"We answer within 48 hours.": "Réponse sous 48 heures."}},
        )
        self.assertIn("48 heures", self.policy.with_context(lang="fr_FR").content)
        self.policy.write({"content": "<p>We answer within 24 hours.</p>"})
        version = self.policy.version_ids.sorted("id")[-1]
        self.assertIn("48 heures", version.with_context(lang="fr_FR").content)
        self.assertIn("48 hours", version.with_context(lang="en_US").content)

    def test_empty_content_refused(self):
        with self.assertRaises(ValidationError), mute_logger("odoo.sql_db"):
            self.policy.write({"content": "<p> </p>"})
        self.assertIn("48 hours", self.policy.content)

    def test_access(self):
        for user in (self.public_user, self.portal_user, self.technician):
            self.assertTrue(
                self.policy.with_user(user).content,
                "everybody reads the policy",
            )
            with self.assertRaises(AccessError):
                self.policy.with_user(user).write({"content": "<p>Hacked</p>"})
            with self.assertRaises(AccessError):
                self.env["support.policy"].with_user(user).create(
                    {"content": "<p>Mine</p>"}
                )
        self.policy.write({"content": "<p>New</p>"})
        for user in (self.public_user, self.portal_user, self.technician):
            with self.assertRaises(AccessError):
                self.policy.version_ids.with_user(user).read(["content"])
        self.assertTrue(self.policy.version_ids.with_user(self.manager).content)
        with self.assertRaises(AccessError):
            self.policy.version_ids.with_user(self.manager).write({"content": "x"})
