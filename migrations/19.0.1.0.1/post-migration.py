# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 30: interventions signed before the diagnostic rate was stored with
the signature keep the rate they were last shown (the policy's rate)."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE support_intervention
           SET signed_hourly_rate = hourly_rate
         WHERE policy_signed_on IS NOT NULL
           AND signed_hourly_rate IS NULL
        """
    )
