# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL


class SupportBillingReport(models.Model):
    """Support time analysis for managers and accountants (README
    "Reporting"): minutes worked, billed, given free and charged, per
    customer, technician and month, and the time not billed yet by age.

    One row per time entry (worked, covered, unbilled minutes, by its
    technician and day) and one per posted support invoice or credit note
    line (billed, free and charged minutes on the line that bills the time
    now; the untaxed amount, negative for credit notes), so every measure
    adds up in a pivot.

    Amounts are in the currency of the first active company: each
    company's amounts are converted at today's rate (Odoo's own invoice
    analysis does the same), so several companies' amounts add up.
    """

    _name = "support.billing.report"
    _description = "Support Time Analysis"
    _auto = False
    _order = "date desc"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", string="Ticket", readonly=True)
    user_id = fields.Many2one("res.users", string="Technician", readonly=True)
    source = fields.Selection(
        selection=[("work", "Time worked"), ("invoice", "Invoiced")],
        readonly=True,
    )
    minutes_worked = fields.Integer(string="Minutes Worked", readonly=True)
    minutes_covered = fields.Integer(
        string="Minutes Covered by Subscription", readonly=True
    )
    minutes_unbilled = fields.Integer(
        string="Minutes Not Billed Yet",
        readonly=True,
        help="Billable time still to invoice (or credited and to review).",
    )
    unbilled_age_days = fields.Integer(
        string="Age of Unbilled Time (days)", readonly=True, aggregator="max"
    )
    unbilled_age_bucket = fields.Selection(
        selection=[
            ("0_30", "0-30 days"),
            ("31_60", "31-60 days"),
            ("61_90", "61-90 days"),
            ("over_90", "Over 90 days"),
        ],
        string="Unbilled Since",
        readonly=True,
        help="Age of the time not billed yet, in buckets.",
    )
    minutes_billed = fields.Integer(string="Minutes Billed", readonly=True)
    minutes_free = fields.Integer(
        string="Minutes Free",
        readonly=True,
        help="Billed minutes given free: trial and prepaid credits.",
    )
    minutes_charged = fields.Integer(string="Minutes Charged", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_charged = fields.Monetary(
        string="Amount Charged (untaxed)",
        currency_field="currency_id",
        readonly=True,
    )

    def init(self):
        # a query now (``_table_query``): the view of earlier versions goes
        tools.drop_view_if_exists(self.env.cr, self._table)

    @property
    def _table_query(self):
        return SQL(
            """
                SELECT
                    e.id * 2 AS id,
                    e.date AS date,
                    e.company_id AS company_id,
                    e.partner_id AS partner_id,
                    e.ticket_id AS ticket_id,
                    e.user_id AS user_id,
                    'work' AS source,
                    e.minutes AS minutes_worked,
                    CASE WHEN e.state = 'covered' THEN e.minutes ELSE 0 END
                        AS minutes_covered,
                    CASE WHEN e.state IN ('to_invoice', 'to_review')
                        THEN e.minutes ELSE 0 END AS minutes_unbilled,
                    CASE WHEN e.state IN ('to_invoice', 'to_review')
                        THEN (CURRENT_DATE - e.date) ELSE 0 END
                        AS unbilled_age_days,
                    CASE WHEN e.state NOT IN ('to_invoice', 'to_review') THEN NULL
                        WHEN CURRENT_DATE - e.date <= 30 THEN '0_30'
                        WHEN CURRENT_DATE - e.date <= 60 THEN '31_60'
                        WHEN CURRENT_DATE - e.date <= 90 THEN '61_90'
                        ELSE 'over_90' END AS unbilled_age_bucket,
                    0 AS minutes_billed,
                    0 AS minutes_free,
                    0 AS minutes_charged,
                    0.0 AS amount_charged,
                    %(currency)s AS currency_id
                FROM support_time_entry e
                UNION ALL
                SELECT
                    l.id * 2 + 1 AS id,
                    m.invoice_date AS date,
                    m.company_id AS company_id,
                    m.commercial_partner_id AS partner_id,
                    l.support_ticket_id AS ticket_id,
                    NULL AS user_id,
                    'invoice' AS source,
                    0, 0, 0, 0, NULL,
                    -- the figures of the line (rules.minute_figures): billed
                    -- before the prepaid minutes are deducted, free = trial
                    -- and prepaid credits
                    b.billing * (
                        l.support_minutes_billed
                        + COALESCE(l.support_minutes_prepaid, 0)
                    ),
                    b.billing * (
                        l.support_minutes_free + COALESCE(l.support_minutes_prepaid, 0)
                    ),
                    b.billing * (l.support_minutes_billed - l.support_minutes_free),
                    -l.balance * account_currency_table.rate,
                    %(currency)s
                FROM account_move_line l
                JOIN account_move m ON m.id = l.move_id
                JOIN %(currency_table)s
                    ON account_currency_table.company_id = l.company_id
                -- minutes count on the line that bills the time now: not on a
                -- credit note, nor on a line whose time a full credit freed
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN EXISTS (
                        SELECT 1 FROM support_time_entry t
                        WHERE t.invoice_line_id = l.id
                    ) THEN 1 ELSE 0 END AS billing
                ) b
                WHERE l.support_ticket_id IS NOT NULL
                  AND m.state = 'posted'
                  AND m.move_type IN ('out_invoice', 'out_refund')
                  AND l.display_type = 'product'
            """,
            currency=self.env.company.currency_id.id,
            currency_table=self.env["res.currency"]._get_simple_currency_table(
                self.env.companies
            ),
        )
