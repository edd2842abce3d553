# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Figures of the public transparency page (README: Transparency figures).

Every figure comes from a few SQL aggregates whose number does not depend on
the number of tickets: one query for the response times of every priority and
window (``percentile_cont`` + ``FILTER`` + ``GROUPING SETS``), one for the
rating distribution, one for a page of rated tickets and one for the staff
names to hide from the comments.
"""

import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, ormcache

from .. import anonymize, const

#: (key, event date, hours taken, breached flag) of the published response
#: times; the columns are the SLA contract of ``helpdesk.ticket``.
RESPONSE_METRICS = (
    (
        "first_response",
        "support_first_response_date",
        "support_first_response_hours",
        "support_first_response_breached",
    ),
    (
        "resolution",
        "closed_date",
        "support_resolution_hours",
        "support_resolution_breached",
    ),
)
RATING_BUCKETS = ("top", "ok", "ko")


class SupportTransparency(models.AbstractModel):
    _name = "support.transparency"
    _description = "Support Transparency Figures"

    # ------------------------------------------------------------ public page
    @api.model
    def _get_public_figures(self, company):
        """The aggregates of the public page, computed at most once every
        ``const.TRANSPARENCY_CACHE_SECONDS`` per company and process: every
        visitor does not re-read the tickets of the last 90 days."""
        bucket = int(time.time() // const.TRANSPARENCY_CACHE_SECONDS)
        return self._get_public_figures_cached(company.id, bucket)

    @ormcache("company_id", "bucket")
    def _get_public_figures_cached(self, company_id, bucket):
        company = self.env["res.company"].browse(company_id)
        return {
            "response": self._get_response_figures(company),
            "ratings": self._get_rating_figures(company),
        }

    # ------------------------------------------------------- response times
    @api.model
    def _response_figures_available(self):
        ticket_fields = self.env["helpdesk.ticket"]._fields
        return all(
            name in ticket_fields for metric in RESPONSE_METRICS for name in metric[1:]
        )

    def _col(self, name):
        Ticket = self.env["helpdesk.ticket"]
        return SQL.identifier("t", name, to_flush=Ticket._fields[name])

    @api.model
    def _get_response_figures(self, company=None, now=None):
        """Median and 90th percentile of the opening hours taken to answer
        first and to resolve, and the share within target, per priority and
        for all priorities, over each window of ``const.TRANSPARENCY_WINDOWS``.

        :return: ``{priority or "all": {(metric, days): {"count", "median",
            "p90", "within", "share"}}}``; ``{}`` when the service-level
            fields are not installed.
        """
        if not self._response_figures_available():
            return {}
        company = company or self.env.company
        now = now or fields.Datetime.now()
        since = {
            days: now - timedelta(days=days) for days in const.TRANSPARENCY_WINDOWS
        }
        columns = []
        for key, date_name, hours_name, breached_name in RESPONSE_METRICS:
            date_col, hours_col = self._col(date_name), self._col(hours_name)
            breached_col = self._col(breached_name)
            for days in const.TRANSPARENCY_WINDOWS:
                cond = SQL(
                    "%s >= %s AND %s <= %s AND %s IS NOT NULL",
                    date_col,
                    since[days],
                    date_col,
                    now,
                    hours_col,
                )
                if key == "resolution":
                    # a reopened ticket keeps its closed date: not resolved
                    cond = SQL("%s AND s.closed", cond)
                alias = f"{key}_{days}"
                columns += [
                    SQL(
                        "COUNT(*) FILTER (WHERE %s) AS %s",
                        cond,
                        SQL.identifier(f"{alias}_count"),
                    ),
                    SQL(
                        "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s) "
                        "FILTER (WHERE %s) AS %s",
                        hours_col,
                        cond,
                        SQL.identifier(f"{alias}_median"),
                    ),
                    SQL(
                        "percentile_cont(0.9) WITHIN GROUP (ORDER BY %s) "
                        "FILTER (WHERE %s) AS %s",
                        hours_col,
                        cond,
                        SQL.identifier(f"{alias}_p90"),
                    ),
                    SQL(
                        "COUNT(*) FILTER (WHERE %s AND %s IS NOT TRUE) AS %s",
                        cond,
                        breached_col,
                        SQL.identifier(f"{alias}_within"),
                    ),
                ]
        oldest = since[max(const.TRANSPARENCY_WINDOWS)]
        first_date = self._col(RESPONSE_METRICS[0][1])
        closed_date = self._col(RESPONSE_METRICS[1][1])
        query = SQL(
            """
            SELECT %(priority)s AS priority, GROUPING(%(priority)s) AS is_total,
                   %(columns)s
              FROM helpdesk_ticket t
         LEFT JOIN helpdesk_ticket_stage s ON s.id = t.stage_id
             WHERE t.company_id = %(company)s
               AND (%(first_date)s >= %(oldest)s OR %(closed_date)s >= %(oldest)s)
          GROUP BY GROUPING SETS ((%(priority)s), ())
            """,
            priority=self._col("priority"),
            columns=SQL(", ").join(columns),
            company=company.id,
            first_date=first_date,
            closed_date=closed_date,
            oldest=oldest,
        )
        result = {}
        for row in self.env.execute_query_dict(query):
            key = "all" if row["is_total"] else row["priority"]
            figures = result[key] = {}
            for metric in RESPONSE_METRICS:
                for days in const.TRANSPARENCY_WINDOWS:
                    alias = f"{metric[0]}_{days}"
                    count = row[f"{alias}_count"]
                    figures[metric[0], days] = {
                        "count": count,
                        "median": row[f"{alias}_median"],
                        "p90": row[f"{alias}_p90"],
                        "within": row[f"{alias}_within"],
                        "share": row[f"{alias}_within"] / count if count else None,
                    }
        return result

    # --------------------------------------------------------------- ratings
    @api.model
    def _rating_from_where(self, company):
        Rating = self.env["rating.rating"]
        return SQL(
            """
              FROM rating_rating r
              JOIN helpdesk_ticket t ON t.id = r.res_id
             WHERE r.res_model = 'helpdesk.ticket'
               AND r.consumed AND r.rating >= 1
               AND t.company_id = %s
            """,
            company.id,
            to_flush=Rating._fields["rating"],
        )

    @api.model
    def _get_rating_figures(self, company=None, now=None):
        """Distribution of the customers' ratings (satisfied / neutral /
        dissatisfied) over each window and since the beginning.

        :return: ``{days or "all": {"count", "top", "ok", "ko", "average"}}``
        """
        company = company or self.env.company
        now = now or fields.Datetime.now()
        windows = {
            days: now - timedelta(days=days) for days in const.TRANSPARENCY_WINDOWS
        }
        windows["all"] = None
        columns = []
        for key, since in windows.items():
            cond = SQL("r.rated_on >= %s", since) if since else SQL("TRUE")
            columns.append(
                SQL(
                    "COUNT(*) FILTER (WHERE %s) AS %s, "
                    "AVG(r.rating) FILTER (WHERE %s) AS %s",
                    cond,
                    SQL.identifier(f"w{key}_count"),
                    cond,
                    SQL.identifier(f"w{key}_average"),
                )
            )
            for bucket in RATING_BUCKETS:
                columns.append(
                    SQL(
                        "COUNT(*) FILTER (WHERE %s AND r.rating_text = %s) AS %s",
                        cond,
                        bucket,
                        SQL.identifier(f"w{key}_{bucket}"),
                    )
                )
        (row,) = self.env.execute_query_dict(
            SQL(
                "SELECT %s %s",
                SQL(", ").join(columns),
                self._rating_from_where(company),
            )
        )
        return {
            key: {
                "count": row[f"w{key}_count"],
                "average": row[f"w{key}_average"],
                **{bucket: row[f"w{key}_{bucket}"] for bucket in RATING_BUCKETS},
            }
            for key in windows
        }

    @api.model
    def _get_rated_tickets(self, company=None, offset=0, limit=None):
        """One page of ratings, newest first, with their date and their
        anonymised comment: no name, e-mail, title or description leaves this
        method."""
        company = company or self.env.company
        limit = limit or const.TRANSPARENCY_PAGE_SIZE
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT r.id, r.rating, r.rating_text, r.rated_on, r.feedback,
                       p.name AS partner_name, rp.name AS rated_name,
                       t.partner_name AS ticket_partner_name,
                       tp.name AS ticket_contact_name, cp.name AS commercial_name,
                       up.name AS user_name
                  %(from_where)s
              ORDER BY r.rated_on DESC NULLS LAST, r.id DESC
                 LIMIT %(limit)s OFFSET %(offset)s
                """,
                from_where=SQL(
                    """
                      FROM rating_rating r
                      JOIN helpdesk_ticket t ON t.id = r.res_id
                 LEFT JOIN res_partner p ON p.id = r.partner_id
                 LEFT JOIN res_partner rp ON rp.id = r.rated_partner_id
                 LEFT JOIN res_partner tp ON tp.id = t.partner_id
                 LEFT JOIN res_partner cp ON cp.id = t.commercial_partner_id
                 LEFT JOIN res_users u ON u.id = t.user_id
                 LEFT JOIN res_partner up ON up.id = u.partner_id
                     WHERE r.res_model = 'helpdesk.ticket'
                       AND r.consumed AND r.rating >= 1
                       AND t.company_id = %s
                    """,
                    company.id,
                    to_flush=self.env["rating.rating"]._fields["feedback"],
                ),
                limit=limit,
                offset=max(int(offset), 0),
            )
        )
        staff = self._get_staff_names() if any(row["feedback"] for row in rows) else []
        return [
            {
                "rating": row["rating"],
                "rating_text": row["rating_text"],
                "date": row["rated_on"],
                "comment": anonymize.anonymize_comment(
                    row["feedback"],
                    names=[
                        row["partner_name"],
                        row["rated_name"],
                        row["ticket_partner_name"],
                        row["ticket_contact_name"],
                        row["commercial_name"],
                        row["user_name"],
                        *staff,
                    ],
                ),
            }
            for row in rows
        ]

    @api.model
    def _get_staff_names(self):
        """Names of the internal users, hidden from the published comments."""
        return [
            name
            for (name,) in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT p.name
                      FROM res_users u
                      JOIN res_partner p ON p.id = u.partner_id
                     WHERE u.share IS NOT TRUE AND p.name IS NOT NULL
                    """
                )
            )
        ]
