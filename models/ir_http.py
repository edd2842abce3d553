# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _serve_fallback(cls):
        """A path with a NUL byte (``/support/pay/%00``) is no attachment: a
        404, not a database error (issue 13)."""
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
