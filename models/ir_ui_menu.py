# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class IrUiMenu(models.Model):
    _name = "ir.ui.menu"
    _inherit = "ir.ui.menu"

    def _load_menus_blacklist(self):
        """Support technicians work in the IT Support app: OCA's Helpdesk
        app, which lists the same tickets, is not shown to them (other
        helpdesk users keep it)."""
        res = super()._load_menus_blacklist()
        if self.env.user.has_group("support_billing.group_support_technician"):
            helpdesk = self.env.ref(
                "helpdesk_mgmt.helpdesk_ticket_main_menu", raise_if_not_found=False
            )
            if helpdesk:
                res.append(helpdesk.id)
        return res

    @api.model
    def _support_get_landing_action(self):
        """The IT Support app's first page for the user's role: the tickets
        for technicians and managers, the time to invoice for accountants."""
        user = self.env.user
        xmlid = "support_billing.helpdesk_ticket_action"
        if not user.has_group(
            "support_billing.group_support_technician"
        ) and user.has_group("account.group_account_invoice"):
            xmlid = "support_billing.support_time_entry_action_to_invoice"
        return self.env["ir.actions.act_window"]._for_xml_id(xmlid)
