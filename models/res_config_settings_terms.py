# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    """Settings → IT Support → Commercial terms: the terms in force, and
    "New terms from a date", which creates a new version of
    ``support.terms`` (a version in force is never rewritten)."""

    _name = "res.config.settings"
    _inherit = "res.config.settings"

    support_terms_summary = fields.Text(
        string="Terms in Force",
        compute="_compute_support_terms_summary",
    )

    @api.depends("company_id")
    def _compute_support_terms_summary(self):
        for settings in self:
            company = settings.company_id
            settings.support_terms_summary = "\n".join(
                f"{label}: {value}"
                for label, value in company._support_terms_lines(
                    company._support_terms()
                )
            )

    def action_support_new_terms(self):
        """Open a new version of the terms, filled with those in force,
        effective tomorrow: saving it applies it to time worked from its
        date."""
        self.ensure_one()
        company = self.company_id
        Terms = self.env["support.terms"]
        defaults = {
            f"default_{fname}": value
            for fname, value in Terms._vals_from_terms(company._support_terms()).items()
        }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Terms"),
            "res_model": "support.terms",
            "view_mode": "form",
            "target": "new",
            "context": dict(
                defaults,
                default_company_id=company.id,
                default_date_from=company._support_today() + timedelta(days=1),
            ),
        }

    def action_support_view_terms(self):
        self.ensure_one()
        company = self.company_id
        action = {
            "type": "ir.actions.act_window",
            "res_model": "support.terms",
            "view_mode": "list,form",
            "domain": [("company_id", "=", company.id)],
            "context": {"default_company_id": company.id},
        }
        action["name"] = self.env._("Terms Versions")
        return action
