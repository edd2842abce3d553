# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.base.tests.common import BaseCommon


@tagged("post_install", "-at_install")
class TestInstall(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = new_test_user(
            cls.env, login="sb-tech", groups="support_billing.group_support_technician"
        )
        cls.portal = new_test_user(
            cls.env, login="sb-portal", groups="base.group_portal"
        )

    def test_module_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "support_billing")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.shortdesc, "IT Support Billing")

    def test_groups_and_privilege(self):
        technician = self.env.ref("support_billing.group_support_technician")
        manager = self.env.ref("support_billing.group_support_manager")
        privilege = self.env.ref("support_billing.res_groups_privilege_support_billing")
        self.assertEqual(technician.privilege_id, privilege)
        self.assertEqual(manager.privilege_id, privilege)
        self.assertIn(technician, manager.all_implied_ids)
        self.assertIn(self.env.ref("base.user_admin"), manager.all_user_ids)
        self.assertTrue(self.technician.has_group("helpdesk_mgmt.group_helpdesk_user"))
        self.assertFalse(
            self.technician.has_group("support_billing.group_support_manager")
        )

    def test_menus(self):
        root = self.env.ref("support_billing.menu_support_root")
        config = self.env.ref("support_billing.menu_support_config")
        self.assertEqual(root.name, "IT Support")
        self.assertEqual(config.parent_id, root)
        manager = self.env.ref("support_billing.group_support_manager")
        self.assertEqual(config.group_ids, manager)
        visible = self.env["ir.ui.menu"].with_user(self.technician)._visible_menu_ids()
        self.assertIn(root.id, visible)
        self.assertNotIn(config.id, visible)

    def test_manager_only_configuration(self):
        """Technicians and portal users cannot change the configuration."""
        settings = self.env["res.config.settings"]
        for user in (self.technician, self.portal):
            with self.assertRaises(AccessError):
                settings.with_user(user).create({}).execute()
        product = self.env.ref("support_billing.product_support_time")
        for user in (self.technician, self.portal):
            with self.assertRaises(AccessError):
                product.with_user(user).write({"list_price": 1.0})

    def test_demo_transparency_figures(self):
        """Issue 15: on the demo, the transparency page shows real medians
        and resolved tickets, not "0.0 h" and 0."""
        if not self.env.ref("support_billing.user_tech", raise_if_not_found=False):
            self.skipTest("installed without demo data")
        figures = self.env["support.transparency"]._get_response_figures(
            self.env.ref("base.main_company")
        )["all"]
        for days in (30, 90):
            resolved = figures["resolution", days]
            first = figures["first_response", days]
            self.assertGreaterEqual(resolved["count"], 3)
            self.assertGreater(resolved["median"], 0)
            self.assertGreaterEqual(first["count"], 3)
            self.assertGreater(first["median"], 0)

    def test_demo_data(self):
        tech = self.env.ref("support_billing.user_tech", raise_if_not_found=False)
        if not tech:
            self.skipTest("installed without demo data")
        self.assertTrue(tech.has_group("support_billing.group_support_technician"))
        portal = self.env.ref("support_billing.user_portal")
        self.assertTrue(portal.share)
        accountant = self.env.ref("support_billing.user_accountant")
        self.assertTrue(accountant.has_group("account.group_account_invoice"))
        stages = (
            self.env["helpdesk.ticket"]
            .search(
                [
                    (
                        "partner_id",
                        "child_of",
                        self.env.ref("support_billing.partner_dupont").id,
                    )
                ]
            )
            .stage_id
        )
        self.assertGreater(len(stages), 1)
        self.assertEqual(
            self.env.ref("support_billing.ticket_printer").support_minutes_billed, 47
        )


@tagged("post_install", "-at_install")
class TestNavigation(BaseCommon):
    """Issue 15: one app, 4-6 top menus grouped by job, a landing page per
    role; technicians do not get OCA's Helpdesk app next to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = new_test_user(
            cls.env,
            login="sb-nav-tech",
            groups="support_billing.group_support_technician",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="sb-nav-accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.helpdesk_user = new_test_user(
            cls.env, login="sb-nav-helpdesk", groups="helpdesk_mgmt.group_helpdesk_user"
        )
        cls.root = cls.env.ref("support_billing.menu_support_root")
        cls.helpdesk_root = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu")

    def _top_menus(self, user):
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        return self.root.child_id.filtered(lambda m: m.id in visible).mapped("name")

    def test_top_menus_grouped_by_job(self):
        self.assertEqual(
            self.root.child_id.sorted("sequence").mapped("name"),
            ["Tickets", "Planning", "Billing", "Reporting", "Configuration"],
        )
        self.assertEqual(
            self._top_menus(self.technician), ["Tickets", "Planning", "Billing"]
        )
        self.assertEqual(
            self._top_menus(self.accountant),
            ["Tickets", "Planning", "Billing", "Reporting"],
        )
        # accountants get the ticket list (read)
        visible = self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids()
        self.assertIn(self.env.ref("support_billing.menu_support_tickets").id, visible)

    def test_landing_page_per_role(self):
        action = self.env.ref("support_billing.action_support_landing")
        self.assertEqual(self.root.action, action)
        landing = action.with_user(self.technician).run()
        self.assertEqual(landing["res_model"], "helpdesk.ticket")
        landing = action.with_user(self.accountant).run()
        self.assertEqual(landing["res_model"], "support.time.entry")
        self.assertIn("to_invoice", landing["context"])

    def test_helpdesk_app_hidden_for_technicians_only(self):
        menus = self.env["ir.ui.menu"]
        tech_menus = menus.with_user(self.technician).load_menus(debug=False)
        self.assertNotIn(self.helpdesk_root.id, tech_menus)
        self.assertIn(self.root.id, tech_menus)
        helpdesk_menus = menus.with_user(self.helpdesk_user).load_menus(debug=False)
        self.assertIn(self.helpdesk_root.id, helpdesk_menus)
