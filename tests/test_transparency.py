# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.base.tests.common import BaseCommon

NOW = datetime(2030, 6, 1, 12, 0, 0)


class TransparencyCommon(BaseCommon):
    #: the date the figures are computed at: dates are relative to it
    now = NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Anna Acme", "email": "anna@acme.test"}
        )
        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.Transparency = cls.env["support.transparency"]
        # a known data set: the database's own tickets (demo) and their
        # ratings move to another company, out of the figures
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL("UPDATE helpdesk_ticket SET company_id = %s", cls.other_company.id)
        )
        cls.env.invalidate_all()

    @classmethod
    def _ticket(cls, priority="1", first=None, resolved=None, company=None, **kw):
        """A ticket whose service-level figures are forced in SQL.

        :param first: (days ago, opening hours taken, breached) of the first
            response
        :param resolved: same for the resolution (the ticket is then closed)
        """
        ticket = (
            cls.env["helpdesk.ticket"]
            .with_context(mail_create_nolog=True, mail_notrack=True)
            .create(
                {
                    "name": kw.get("name", "Ticket"),
                    "description": kw.get("description", "<p>Details</p>"),
                    "partner_id": kw.get("partner", cls.customer).id,
                    "company_id": (company or cls.company).id,
                    "priority": priority,
                }
            )
        )
        vals = {}
        if first:
            vals.update(
                support_first_response_date=cls.now - timedelta(days=first[0]),
                support_first_response_hours=first[1],
                support_first_response_breached=first[2],
            )
        if resolved:
            vals.update(
                closed_date=cls.now - timedelta(days=resolved[0]),
                support_resolution_hours=resolved[1],
                support_resolution_breached=resolved[2],
                stage_id=kw.get("stage", cls.stage_done).id,
            )
        if vals:
            cls.env.flush_all()
            cls.env.cr.execute(
                SQL(
                    "UPDATE helpdesk_ticket SET %s WHERE id = %s",
                    SQL(", ").join(
                        SQL("%s = %s", SQL.identifier(k), v) for k, v in vals.items()
                    ),
                    ticket.id,
                )
            )
            ticket.invalidate_recordset()
        return ticket

    @classmethod
    def _rate(cls, ticket, rating, days_ago=1, feedback=None, consumed=True):
        rating = cls.env["rating.rating"].create(
            {
                "res_model_id": cls.env["ir.model"]._get_id("helpdesk.ticket"),
                "res_id": ticket.id,
                "partner_id": ticket.partner_id.id,
                "rating": rating,
                "feedback": feedback,
                "consumed": consumed,
            }
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE rating_rating SET rated_on = %s WHERE id = %s",
                cls.now - timedelta(days=days_ago),
                rating.id,
            )
        )
        rating.invalidate_recordset()
        return rating


@tagged("post_install", "-at_install")
class TestTransparency(TransparencyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls._ticket
        # urgent: first responses 1, 2, 3, 4, 10 (late) h in the last 30 days,
        # 20 h (late) 60 days ago, 50 h 100 days ago (outside both windows)
        for hours, late in ((1, False), (2, False), (3, False), (4, False)):
            t("3", first=(5, hours, late))
        t("3", first=(10, 10, True), resolved=(3, 5, False))
        t("3", first=(60, 20, True), resolved=(2, 8, False))
        t("3", first=(100, 50, False), resolved=(100, 70, True))
        # medium: 6 h and 12 h (late); resolution 40 h (late) 45 days ago
        t("1", first=(1, 6, False))
        t("1", first=(2, 12, True), resolved=(45, 40, True))
        # closed date in the window but reopened: not a resolution
        t("1", resolved=(4, 1, False), stage=cls.stage_new)
        # another company's tickets never count
        cls.other_ticket = t(
            "3", first=(1, 99, True), resolved=(1, 99, True), company=cls.other_company
        )

    def _fig(self, figures, priority, metric, days):
        return figures[priority][metric, days]

    def assertFigure(self, fig, count, median, p90, within):
        self.assertEqual(fig["count"], count)
        self.assertAlmostEqual(fig["median"], median, places=6)
        self.assertAlmostEqual(fig["p90"], p90, places=6)
        self.assertEqual(fig["within"], within)
        self.assertAlmostEqual(fig["share"], within / count, places=6)

    def test_response_figures_per_priority_and_window(self):
        figures = self.Transparency._get_response_figures(self.company, now=NOW)
        self.assertEqual(set(figures), {"3", "1", "all"})
        # urgent, 30 days: [1, 2, 3, 4, 10]: median 3, p90 = 4 + 0.6 * 6
        self.assertFigure(self._fig(figures, "3", "first_response", 30), 5, 3, 7.6, 4)
        # urgent, 90 days: [1, 2, 3, 4, 10, 20]: median 3.5, p90 = 10 + 0.5 * 10
        self.assertFigure(self._fig(figures, "3", "first_response", 90), 6, 3.5, 15, 4)
        # urgent resolutions [5, 8]: median 6.5, p90 = 5 + 0.9 * 3
        self.assertFigure(self._fig(figures, "3", "resolution", 30), 2, 6.5, 7.7, 2)
        self.assertFigure(self._fig(figures, "3", "resolution", 90), 2, 6.5, 7.7, 2)
        # medium: [6, 12]; resolution only at 90 days, late
        self.assertFigure(self._fig(figures, "1", "first_response", 30), 2, 9, 11.4, 1)
        fig = self._fig(figures, "1", "resolution", 30)
        self.assertEqual((fig["count"], fig["median"], fig["share"]), (0, None, None))
        self.assertFigure(self._fig(figures, "1", "resolution", 90), 1, 40, 40, 0)
        # all priorities, 30 days: [1, 2, 3, 4, 6, 10, 12]: p90 = 10 + 0.4 * 2
        self.assertFigure(
            self._fig(figures, "all", "first_response", 30), 7, 4, 10.8, 5
        )
        # all, 90 days resolutions: [5, 8, 40]: median 8, p90 = 8 + 0.8 * 32
        self.assertFigure(self._fig(figures, "all", "resolution", 90), 3, 8, 33.6, 2)

    def test_rating_figures(self):
        tickets = self.env["helpdesk.ticket"].search(
            [("company_id", "=", self.company.id)], limit=4
        )
        self._rate(tickets[0], 5, days_ago=1)
        self._rate(tickets[1], 5, days_ago=40)
        self._rate(tickets[2], 3, days_ago=10)
        self._rate(tickets[3], 1, days_ago=200)
        # not counted: not filled in, and another company's
        self._rate(tickets[3], 0, days_ago=1, consumed=False)
        self._rate(self.other_ticket, 1, days_ago=1)
        figures = self.Transparency._get_rating_figures(self.company, now=NOW)
        self.assertEqual(
            {k: (v["count"], v["top"], v["ok"], v["ko"]) for k, v in figures.items()},
            {30: (2, 1, 1, 0), 90: (3, 2, 1, 0), "all": (4, 2, 1, 1)},
        )
        self.assertAlmostEqual(figures["all"]["average"], 3.5)
        rated = self.Transparency._get_rated_tickets(self.company, offset=0, limit=2)
        self.assertEqual([r["rating"] for r in rated], [5, 3])
        rated = self.Transparency._get_rated_tickets(self.company, offset=2, limit=2)
        self.assertEqual([r["rating"] for r in rated], [5, 1])
        self.assertEqual(rated[1]["date"], NOW - timedelta(days=200))

    def test_comment_anonymised(self):
        staff = self.env["res.users"].create(
            {"name": "Steve Staffer", "login": "steve-transp"}
        )
        ticket = self._ticket("2", first=(1, 1, False))
        ticket.user_id = staff
        self._rate(
            ticket,
            5,
            feedback="Steve was great! Anna Acme here, anna@acme.test, "
            "+34 600 11 22 33",
        )
        (item,) = self.Transparency._get_rated_tickets(self.company)
        self.assertEqual(item["comment"], "[…] was great! […] here, […], […]")

    def test_query_count_does_not_grow_with_tickets(self):
        def figures():
            self.env.flush_all()
            with self.assertQueryCount(4):
                self.Transparency._get_response_figures(self.company, now=NOW)
                self.Transparency._get_rating_figures(self.company, now=NOW)
                self.Transparency._get_rated_tickets(self.company)

        ticket = self._ticket("2", first=(1, 1, False))
        self._rate(ticket, 5, feedback="Good")
        figures()
        for i in range(30):
            ticket = self._ticket(
                str(i % 4), first=(i % 90, i, bool(i % 3)), resolved=(i % 60, i, False)
            )
            self._rate(ticket, (1, 3, 5)[i % 3], days_ago=i, feedback=f"Note {i}")
        figures()

    def test_public_figures_cached(self):
        T = self.Transparency
        self.env.registry.clear_cache()
        first = T._get_public_figures(self.company)
        with self.assertQueryCount(0):
            self.assertIs(T._get_public_figures(self.company), first)
        self.assertEqual(set(first), {"response", "ratings"})
