# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class RatingRating(models.Model):
    """Index of the published ratings (README: Customer ratings): newest
    first, per model."""

    _inherit = "rating.rating"

    _support_rated_on_idx = models.Index(
        "(res_model, rated_on DESC NULLS LAST, id DESC) WHERE consumed"
    )
