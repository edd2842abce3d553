# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = "res.company"

    support_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Support Opening Hours",
        help="Opening hours in which response times are counted (Monday to "
        "Friday 9:00-18:00). Its public holidays are skipped. Empty: the "
        "company's working hours.",
    )
    support_weekend_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Urgent Tickets Opening Hours",
        help="Opening hours including the limited weekend and holiday service: "
        "the deadlines of very high priority tickets are counted in them. "
        "Empty: urgent tickets use the support opening hours.",
    )

    def _get_support_calendar(self, priority=None):
        """Calendar in which a ticket of this priority counts its deadlines:
        the company's own setting, else its working hours (the field's help).
        The addon's Paris calendars are set on the main company at install;
        another company never inherits them."""
        self.ensure_one()
        if priority == "3" and self.support_weekend_calendar_id.active:
            return self.support_weekend_calendar_id
        if self.support_calendar_id.active:
            return self.support_calendar_id
        return self.resource_calendar_id
