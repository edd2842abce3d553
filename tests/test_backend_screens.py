# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 15, back office: the screens say what they show (view arch through
``get_views``, field attributes, ORM behaviour)."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import SupportBillingCommon


@tagged("post_install", "-at_install")
class TestBackendScreens(SupportBillingCommon):
    def _arch(self, model, view_type, view_ref=None):
        views = self.env[model].get_views([(view_ref or False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    # ------------------------------------------------------------ tickets
    def test_ticket_from_visitor_or_system_is_unassigned(self):
        self.company.helpdesk_mgmt_ticket_auto_assign = True
        vals = {"name": "Help", "description": "<p>Help</p>"}
        public = self.env.ref("base.public_user")
        tickets = self.env["helpdesk.ticket"]
        by_visitor = tickets.with_user(public).sudo().create(dict(vals))
        by_customer = tickets.with_user(self.portal_user).sudo().create(dict(vals))
        by_system = tickets.with_user(self.env.ref("base.user_root")).create(dict(vals))
        for ticket in by_visitor | by_customer | by_system:
            self.assertFalse(ticket.user_id, ticket.user_id.name)
        # a technician creating a ticket still gets it (OCA's auto-assignment)
        mine = tickets.with_user(self.technician).create(dict(vals))
        self.assertEqual(mine.user_id, self.technician)

    def test_demo_tickets_assigned_to_technicians_and_packs(self):
        smith = self.env.ref("support_billing.ticket_smith_wifi", False)
        if not smith:
            self.skipTest("installed without demo data")
        smith = smith.sudo()  # the demo company, not the tests' one
        bots = self.env.ref("base.user_root") | self.env.ref("base.public_user")
        demo = self.env["ir.model.data"].search(
            [("module", "=", "support_billing"), ("model", "=", "helpdesk.ticket")]
        )
        tickets = self.env["helpdesk.ticket"].sudo().browse(demo.mapped("res_id"))
        self.assertTrue(tickets)
        self.assertFalse(tickets.filtered(lambda t: t.user_id in bots))
        # the Prepaid Tickets tab has something to show
        self.assertEqual(smith.support_pack_tickets, 2)
        self.assertEqual(smith.support_billing_mode, "pack")

    def test_ticket_list_and_form(self):
        form = self._arch("helpdesk.ticket", "form")
        for name in ("partner_name", "partner_email"):
            [node] = form.xpath(f"//field[@name='{name}']")
            self.assertIn("partner_id", node.get("invisible", ""))
        # one channel field: OCA's
        self.assertFalse(form.xpath("//field[@name='support_channel']"))
        self.assertTrue(form.xpath("//field[@name='channel_id']"))
        listing = self._arch("helpdesk.ticket", "list")
        fields_info = self.env["helpdesk.ticket"].fields_get()
        for node in listing.xpath("//field"):
            name = node.get("name")
            if node.get("column_invisible") or not name.startswith("support_"):
                continue
            label = node.get("string") or fields_info[name]["string"]
            self.assertLessEqual(len(label), 12, f"header {label!r} is cut")

    # ------------------------------------------------------------ lists
    # Odoo fixes the width of numeric, date and boolean columns
    # (web/static/src/views/list/column_width_hook.js, FIELD_WIDTHS); a
    # longer header is cut ("Minutes …"). About 7.5 px per character of a
    # bold 14 px header (measured in Chromium with Arial), 8 px of padding.
    # Dates: the width of "Sep 20, 2017" (+5 %), about 90 px.
    FIXED_COLUMN_PX = {
        "integer": 71,
        "float": 93,
        "monetary": 105,
        "boolean": 100,
        "date": 90,
        "datetime": 180,
    }

    def _cut_headers(self, lang):
        """The headers of the addon's list views that are visible by default
        and longer than their fixed-width column, in ``lang``."""
        data = self.env["ir.model.data"].search(
            [("module", "=", "support_billing"), ("model", "=", "ir.ui.view")]
        )
        views = (
            self.env["ir.ui.view"]
            .browse(data.mapped("res_id"))
            .filtered(lambda v: v.type == "list" and v.mode == "primary")
        ) | self.env.ref("helpdesk_mgmt.ticket_view_tree")  # our columns only
        self.assertGreaterEqual(len(views), 10)
        cut = []
        for view in views:
            model = self.env[view.model].with_context(lang=lang)
            arch = etree.fromstring(model.get_view(view.id, "list")["arch"])
            fields_info = model.fields_get(attributes=["string", "type"])
            for node in arch.xpath("/list/field"):
                name = node.get("name")
                if view.model == "helpdesk.ticket" and not name.startswith("support_"):
                    continue
                info = fields_info[name]
                kind = node.get("widget") or info["type"]
                width = node.get("width") or self.FIXED_COLUMN_PX.get(kind)
                if (
                    not width
                    or node.get("column_invisible") in ("1", "True")
                    or node.get("optional") == "hide"
                ):
                    continue
                label = node.get("string") or info["string"]
                if len(label) * 7.5 + 8 > int(str(width).removesuffix("px")):
                    cut.append(f"{view.model} {name}: {label!r}")
        return cut

    def test_list_headers_fit_their_columns(self):
        """Issue 15: no list of the addon shows a cut header at 1440 px, in
        English, French or Spanish."""
        for lang in ("fr_FR", "es_ES"):
            self.env["res.lang"]._activate_lang(lang)
        self.env["ir.module.module"]._load_module_terms(
            ["support_billing"], ["fr_FR", "es_ES"], overwrite=True
        )
        for lang in ("en_US", "fr_FR", "es_ES"):
            with self.subTest(lang=lang):
                self.assertFalse(self._cut_headers(lang))

    # ----------------------------------------------------------- settings
    def test_support_time_product_set_after_install(self):
        product = self.env.ref("support_billing.product_support_time")
        self.assertEqual(
            self.env.ref("base.main_company").support_time_product_id, product
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.support_time_product_id, product)

    def test_support_products_lists_only_support_products(self):
        furniture = self.env["product.template"].create(
            {"name": "Furniture Assembly", "type": "service"}
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_billing.product_action_support"
        )
        listed = self.env["product.template"].search(safe_eval(action["domain"]))
        self.assertIn(
            self.env.ref("support_billing.product_support_time").product_tmpl_id, listed
        )
        self.assertIn(
            self.env.ref(
                "support_billing.product_support_subscription"
            ).product_tmpl_id,
            listed,
        )
        self.assertNotIn(furniture, listed)

    def test_sla_targets_empty_not_zero(self):
        listing = self._arch("support.sla.target", "list")
        for name in ("first_response_hours", "resolution_hours"):
            [node] = listing.xpath(f"//field[@name='{name}']")
            self.assertEqual(node.get("invisible"), f"not {name}")

    def test_every_list_has_a_helpful_empty_state(self):
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "support_billing"),
                ("model", "=", "ir.actions.act_window"),
            ]
        )
        actions = self.env["ir.actions.act_window"].browse(data.mapped("res_id"))
        missing = [
            action.name
            for action in actions
            if action.target != "new"
            and action.res_model != "res.config.settings"
            and "o_view_nocontent" not in (action.help or "")
        ]
        self.assertFalse(missing)

    def test_intervention_buttons_say_what_happens(self):
        form = self._arch("support.intervention", "form")
        labels = {b.get("string") for b in form.xpath("//header/button")}
        for vague in ("Customer answer", "Estimate refused", "Workshop refused: stop"):
            self.assertNotIn(vague, labels)
        self.assertIn("Refuse Estimate: Invoice Fees", labels)

    def test_unset_hourly_rate_shows_the_rate_that_applies(self):
        form = self._arch("res.partner", "form")
        [node] = form.xpath("//field[@name='support_hourly_rate']")
        self.assertEqual(node.get("widget"), "support_rate")
        self.assertIn("support_hourly_rate_placeholder", node.get("options"))
        self.assertFalse(self.customer.support_hourly_rate)
        self.assertIn(
            self.company.currency_id.format(90.0),
            self.customer.support_hourly_rate_placeholder,
        )
        # the widget that shows 0 as empty is in the back-office bundle
        paths = [
            path
            for path, *_rest in self.env["ir.asset"]._get_asset_paths(
                "web.assets_backend", {}
            )
        ]
        self.assertTrue(any(p.endswith("support_rate_field.js") for p in paths))
