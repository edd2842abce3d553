# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class SupportBillingCommon(AccountTestInvoicingCommon):
    """Customers, staff, portal users and helpers to log support time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # the accounting test user also manages support, to create fixtures
        cls.env.user.group_ids += cls.env.ref("support_billing.group_support_manager")
        company_vals = {
            "company_id": cls.company.id,
            "company_ids": [(6, 0, cls.company.ids)],
        }
        cls.technician = new_test_user(
            cls.env,
            login="sb-tech",
            name="Tom Tech",
            groups="support_billing.group_support_technician",
            **company_vals,
        )
        cls.technician2 = new_test_user(
            cls.env,
            login="sb-tech2",
            name="Sara Tech",
            groups="support_billing.group_support_technician",
            **company_vals,
        )
        cls.support_manager = new_test_user(
            cls.env,
            login="sb-manager",
            groups="support_billing.group_support_manager",
            **company_vals,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="sb-accountant",
            groups="base.group_user,account.group_account_invoice",
            **company_vals,
        )
        partner = cls.env["res.partner"]
        cls.customer = partner.create({"name": "Acme Corp", "is_company": True})
        cls.customer_contact = partner.create(
            {"name": "Anna Acme", "parent_id": cls.customer.id, "email": "a@acme.test"}
        )
        cls.customer_contact2 = partner.create(
            {"name": "Ben Acme", "parent_id": cls.customer.id, "email": "b@acme.test"}
        )
        cls.other_customer = partner.create(
            {"name": "Zeta Person", "email": "zeta@example.test"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="sb-portal",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
            # keep the contact's own address (new_test_user would make one up,
            # the same for every login starting with "s")
            email=cls.customer_contact.email,
            **company_vals,
        )
        cls.other_portal_user = new_test_user(
            cls.env,
            login="sb-portal-other",
            groups="base.group_portal",
            partner_id=cls.other_customer.id,
            email=cls.other_customer.email,
            **company_vals,
        )
        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.product_time = cls.env.ref("support_billing.product_support_time")
        cls.product_time.write({"list_price": 90.0, "taxes_id": [(5, 0, 0)]})
        cls.company.support_time_product_id = cls.product_time

    @classmethod
    def _create_ticket(cls, partner, closed=True, name="Printer offline"):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": name,
                "description": "<p>%s</p>" % name,
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "stage_id": (cls.stage_done if closed else cls.stage_new).id,
            }
        )

    @classmethod
    def _log(cls, ticket, minutes, user=None, billable=True, date=None):
        vals = {
            "ticket_id": ticket.id,
            "minutes": minutes,
            "user_id": (user or cls.technician).id,
            "billable": billable,
            "description": "Work",
        }
        if date:
            vals["date"] = date
        return cls.env["support.time.entry"].create(vals)

    def _invoice(self, partners=None, tickets=None, include_open=False, user=None):
        """Invoice through the accountant's wizard; return the invoices."""
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(user or self.accountant)
            .create(
                {
                    "partner_ids": [(6, 0, (partners or self.env["res.partner"]).ids)],
                    "ticket_ids": [
                        (6, 0, (tickets or self.env["helpdesk.ticket"]).ids)
                    ],
                    "include_open": include_open,
                }
            )
        )
        action = wizard.action_create_invoices()
        return self.env["account.move"].search(action["domain"])
