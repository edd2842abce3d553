# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportPolicyVersion(models.Model):
    """A previous content of the support policy, kept when it changes."""

    _name = "support.policy.version"
    _description = "Support Policy Version"
    _order = "policy_id, date desc, id desc"
    _rec_name = "date"
    _check_company_auto = True

    policy_id = fields.Many2one(
        comodel_name="support.policy",
        string="Policy",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    content = fields.Html(translate=True, sanitize_style=True, readonly=True)
    date = fields.Datetime(
        string="Published On",
        readonly=True,
        help="When this content was published (the policy's last-updated date "
        "at that time).",
    )
    author_id = fields.Many2one(
        comodel_name="res.users",
        string="Author",
        readonly=True,
        help="Who published this content.",
    )
    replaced_date = fields.Datetime(
        string="Replaced On",
        readonly=True,
        default=fields.Datetime.now,
    )
    change_summary = fields.Char(
        translate=True,
        readonly=True,
        help="What changed when this content was published.",
    )
