# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "IT Support Billing",
    "summary": "Bill IT user support: time by the minute, ticket packs, "
    "subscriptions and card holds, on top of OCA Helpdesk",
    "version": "19.0.1.0.0",
    "category": "Services/Helpdesk",
    "license": "AGPL-3",
    "author": "IT Support Billing contributors",
    "website": "https://github.com/it-support-billing/support_billing",
    "depends": [
        "helpdesk_mgmt",
        "account_payment",
        "payment_stripe",
        "portal",
    ],
    "data": [
        "security/support_billing_security.xml",
        "security/ir.model.access.csv",
        "data/product_data.xml",
        "data/ir_cron_data.xml",
        "data/card_hold_data.xml",
        "data/ticket_pack_data.xml",
        "views/support_time_entry_views.xml",
        "views/support_card_hold_views.xml",
        "views/support_ticket_pack_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/support_billing_menus.xml",
        "views/portal_templates.xml",
        "views/portal_hold_templates.xml",
        "views/portal_pack_templates.xml",
        "views/card_hold_templates.xml",
        "wizards/support_invoice_wizard_views.xml",
        "report/report_invoice.xml",
        "report/report_ticket_pack.xml",
    ],
    "demo": [
        "demo/support_billing_demo.xml",
        "demo/ticket_pack_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "support_billing/static/tests/tours/*.js",
        ],
    },
    "development_status": "Alpha",
    "application": True,
    "installable": True,
}
