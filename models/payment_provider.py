# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from odoo import api, models


class PaymentProvider(models.Model):
    _name = "payment.provider"
    _inherit = "payment.provider"

    def _stripe_get_inline_form_values(self, *args, **kwargs):
        """Card holds are authorised only: tell Stripe Elements so."""
        values = super()._stripe_get_inline_form_values(*args, **kwargs)
        if not self.env.context.get("support_card_hold"):
            return values
        values = json.loads(values)
        values["capture_method"] = "manual"
        return json.dumps(values)

    @api.model
    def _support_filter_hold_providers(self, providers):
        """Providers that can authorise a card hold without charging it.

        Stripe authorises holds only (its other payments stay immediate, and
        its capture wizard stays full-only as in Odoo); the hold captures part
        of the authorisation itself (``amount_to_capture``). Other providers
        must be set to capture manually and capture part of an authorisation
        (``support_manual_capture == 'partial'``): one that captures in full
        only (Authorize.net, Razorpay) would charge the whole hold, or leave
        it partially captured with nothing to release the rest.
        """
        return providers.filtered(
            lambda p: (
                p.code == "stripe"
                or (p.capture_manually and p.support_manual_capture == "partial")
            )
        )

    def _parse_response_error(self, response):
        """Stripe's error object (its decline code) for the caller that asked
        for it: the automatic payment of a subscription invoice passes a list
        in the context (``support_stripe_errors``) to read what Odoo's
        ``ValidationError`` keeps only as a sentence."""
        sink = self.env.context.get("support_stripe_errors")
        if self.code == "stripe" and isinstance(sink, list):
            try:
                sink.append(response.json().get("error") or {})
            except ValueError:
                sink.append({})
        return super()._parse_response_error(response)
