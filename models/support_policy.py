# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, html2plaintext


class SupportPolicy(models.Model):
    """The public support policy (README: Support policy).

    Its "last updated" date is set whenever the content changes, and the
    previous content is kept as a :class:`support.policy.version`.
    """

    _name = "support.policy"
    _description = "Support Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, default="Support Policy")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        index=True,
        help="Leave empty to publish the policy in every company without its own.",
    )
    content = fields.Html(required=True, translate=True, sanitize_style=True)
    change_summary = fields.Char(
        translate=True,
        help="A short summary of the latest change, published with the policy.",
    )
    last_updated = fields.Datetime(
        string="Last Updated",
        readonly=True,
        copy=False,
        default=fields.Datetime.now,
        tracking=True,
        help="Set automatically when the content changes.",
    )
    author_id = fields.Many2one(
        comodel_name="res.users",
        string="Last Updated By",
        readonly=True,
        copy=False,
        default=lambda self: self.env.user,
    )
    version_ids = fields.One2many(
        comodel_name="support.policy.version",
        inverse_name="policy_id",
        string="Previous Versions",
        readonly=True,
        copy=False,
    )
    version_count = fields.Integer(compute="_compute_version_count")

    # ------------------------------------------------------------ compute
    @api.depends("version_ids")
    def _compute_version_count(self):
        counts = dict(
            self.env["support.policy.version"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.version_count = counts.get(policy, 0)

    # -------------------------------------------------------- constraints
    @api.constrains("content")
    def _check_content(self):
        for policy in self:
            if not html2plaintext(policy.content or "").strip():
                raise ValidationError(self.env._("The support policy cannot be empty."))

    # --------------------------------------------------------------- CRUD
    def write(self, vals):
        if "content" in vals:
            field = self._fields["content"]
            changed = self.filtered(
                lambda p: field.convert_to_cache(vals["content"], p) != p.content
            )
            if changed:
                changed._archive_current_version()
                extra = {
                    "last_updated": fields.Datetime.now(),
                    "author_id": self.env.uid,
                }
                if "change_summary" not in vals:
                    # the previous summary went with its version
                    extra["change_summary"] = False
                super(SupportPolicy, changed).write(dict(vals, **extra))
                return super(SupportPolicy, self - changed).write(vals)
        return super().write(vals)

    # ----------------------------------------------------------- business
    def _archive_current_version(self):
        """Keep the current content, in every language, with its date,
        author and summary, before it is replaced."""
        self.flush_recordset(["content", "change_summary"])
        Version = self.env["support.policy.version"].sudo()
        for policy in self:
            version = Version.create(
                {
                    "policy_id": policy.id,
                    "content": policy.content,
                    "change_summary": policy.change_summary,
                    "date": policy.last_updated,
                    "author_id": policy.author_id.id,
                }
            )
            # the translated values as they are (jsonb, one key per language)
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE support_policy_version v
                       SET content = p.content, change_summary = p.change_summary
                      FROM support_policy p
                     WHERE p.id = %s AND v.id = %s
                    """,
                    policy.id,
                    version.id,
                )
            )
            version.invalidate_recordset(["content", "change_summary"])

    @api.model
    def _get_published_policy(self):
        """The policy shown on the public page of the current company."""
        policies = self.search([("company_id", "in", [self.env.company.id, False])])
        return (policies.filtered("company_id") or policies)[:1]

    def action_view_versions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Policy Versions"),
            "res_model": "support.policy.version",
            "view_mode": "list,form",
            "domain": [("policy_id", "=", self.id)],
            "context": {"default_policy_id": self.id},
        }
