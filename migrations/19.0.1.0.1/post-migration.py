# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 30: interventions signed before the diagnostic rate and the
cancellation terms were stored with the signature keep those they were last
shown (the policy's rate, their company's notice and fee)."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE support_intervention
           SET signed_hourly_rate = hourly_rate
         WHERE policy_signed_on IS NOT NULL
           AND signed_hourly_rate IS NULL
        """
    )
    cr.execute(
        """
        UPDATE support_intervention i
           SET signed_cancel_notice_hours = c.support_cancel_notice_hours,
               signed_late_cancel_fee = c.support_late_cancel_fee
          FROM res_company c
         WHERE c.id = i.company_id
           AND i.policy_signed_on IS NOT NULL
           AND i.signed_cancel_notice_hours IS NULL
        """
    )
