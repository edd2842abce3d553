# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rate limit of the public forms (issue 13): one row per POST, kept a day."""

from datetime import timedelta

from odoo import api, fields, models

#: ir.config_parameter keys and defaults: posts accepted per hour.
PARAM_PER_CLIENT = "support_billing.public_posts_per_client_hour"
PARAM_PER_EMAIL = "support_billing.public_posts_per_email_hour"
DEFAULT_PER_CLIENT = 30
DEFAULT_PER_EMAIL = 5


class SupportPublicRequest(models.Model):
    _name = "support.public.request"
    _description = "Public form post (rate limit)"
    _order = "id desc"

    route = fields.Char(required=True)
    client = fields.Char(index=True, help="The client's network address.")
    email = fields.Char(index=True, help="The valid address typed, if any.")

    def _limit(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            return max(int(value), 1)
        except (TypeError, ValueError):
            return default

    @api.model
    def _support_throttle(self, route, client, email=False):
        """``True`` when ``client`` or ``email`` posted too often in the last
        hour (nothing is logged then); else log this post and return
        ``False``.  Every post counts for its client address, refused ones
        too; only valid addresses count for the e-mail limit."""
        requests = self.sudo()
        since = fields.Datetime.now() - timedelta(hours=1)
        recent = [("create_date", ">=", since)]
        if client and requests.search_count(
            [*recent, ("client", "=", client)]
        ) >= self._limit(PARAM_PER_CLIENT, DEFAULT_PER_CLIENT):
            return True
        if email and requests.search_count(
            [*recent, ("email", "=", email)]
        ) >= self._limit(PARAM_PER_EMAIL, DEFAULT_PER_EMAIL):
            return True
        requests.create({"route": route, "client": client, "email": email or False})
        return False

    @api.autovacuum
    def _gc_public_requests(self):
        self.sudo().search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=1))]
        ).unlink()
