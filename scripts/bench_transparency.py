#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the public transparency page (README: Benchmark) with 100,000 tickets.

    python3 scripts/bench_transparency.py -d DB --addons-path=PATH [odoo options]
        [--tickets 100000] [--small 1000] [--port 8199]

DB must be a THROWAWAY database with ``support_billing`` installed (e.g. a
copy made with ``createdb -T``). In one run the script

1. fills the main company with ``--small`` tickets (+ ratings) through SQL,
   measures the figures' computation in-process (uncached), then starts a
   server and measures ``/support/transparency``: the first request
   (computes the figures: "cold") and the next ones (figures cached for
   ``TRANSPARENCY_CACHE_SECONDS``: "warm"), the last page of ratings, and two
   trivial public pages (``/support/faq`` with the same layout, ``/web/login``);
2. adds tickets up to ``--tickets`` and measures again (new server);
3. prints the times and their ratios and checks the targets below.

The rows stay in DB (deleting 100,000 tickets takes long): drop the copy
afterwards. The script refuses a database that already holds its rows.

Timings are medians of several runs after a warm-up. The ratios, not the
absolute times, are the point: they come from the same machine and run.

TARGETS (the exit code is 1 when one is missed), on a small shared machine:
- the SQL figures of 100,000 tickets take at most ``TARGET_FIGURES_SECONDS``
  (uncached, with the rated-tickets list);
- the first page view with 100,000 tickets takes at most
  ``TARGET_COLD_PAGE_SECONDS``;
- later views take at most ``TARGET_PAGE_VS_TRIVIAL`` times the FAQ page;
- the number of queries of the figures is the same at both sizes.
"""

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

TARGET_FIGURES_SECONDS = 1.0
TARGET_COLD_PAGE_SECONDS = 1.5
TARGET_PAGE_VS_TRIVIAL = 2.0
RUNS = 7
MARK = "BENCH-TRANSPARENCY"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--port", type=int, default=8199)
    args, odoo_args = parser.parse_known_args()
    return args, odoo_args


def fill(env, first, last):
    """Tickets ``first``..``last`` of the main company, spread over the last
    365 days, 80 % closed, and ratings on most closed tickets."""
    from odoo.tools import SQL

    company = env.ref("base.main_company")
    partner = env["res.partner"].search([("customer_rank", ">=", 0)], limit=1)
    done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    new = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO helpdesk_ticket (
                name, description, number, company_id, priority, stage_id,
                partner_id, active, rating_status, create_date, write_date,
                create_uid, write_uid, support_first_response_date,
                support_first_response_hours, support_first_response_breached,
                closed_date, support_resolution_hours, support_resolution_breached)
            SELECT %(mark)s || ' ' || g, '<p>bench</p>', %(mark)s || '-' || g,
                   %(company)s, (g %% 4)::text,
                   CASE WHEN g %% 5 = 0 THEN %(new)s ELSE %(done)s END,
                   %(partner)s, TRUE, 'stage_change', c, c, 1, 1,
                   c + make_interval(hours => g %% 48), (g * 7 %% 480) / 10.0,
                   g %% 11 = 0,
                   CASE WHEN g %% 5 <> 0
                        THEN c + make_interval(hours => 24 + g %% 200) END,
                   CASE WHEN g %% 5 <> 0 THEN (g * 13 %% 1200) / 10.0 END,
                   CASE WHEN g %% 5 <> 0 THEN g %% 7 = 0 END
              FROM (SELECT g, (now() AT TIME ZONE 'UTC')
                              - make_interval(secs => g * 7919 %% (365 * 86400)) AS c
                      FROM generate_series(%(first)s, %(last)s) g) s
            """,
            mark=MARK,
            company=company.id,
            new=new.id,
            done=done.id,
            partner=partner.id,
            first=first,
            last=last,
        )
    )
    env.cr.execute(
        SQL(
            """
            INSERT INTO rating_rating (
                res_model_id, res_model, res_id, partner_id, rating, rating_text,
                consumed, rated_on, feedback, access_token, create_date,
                write_date, create_uid, write_uid)
            SELECT %(model)s, 'helpdesk.ticket', t.id, t.partner_id, r.v,
                   CASE r.v WHEN 5 THEN 'top' WHEN 3 THEN 'ok' ELSE 'ko' END,
                   TRUE, t.closed_date + interval '2 hours',
                   'Bench comment ' || t.id || ', call me at 06 12 34 56 78',
                   md5(t.id::text || %(mark)s), t.closed_date, t.closed_date, 1, 1
              FROM helpdesk_ticket t,
                   LATERAL (SELECT (ARRAY[5, 5, 5, 3, 1])[1 + t.id %% 5] AS v) r
             WHERE t.number LIKE %(mark)s || '-%%' AND t.closed_date IS NOT NULL
               AND t.id %% 5 <> 1
               AND t.number::text NOT IN (
                   SELECT %(mark)s || '-' || g FROM generate_series(1, %(before)s) g)
            """,
            model=env["ir.model"]._get_id("helpdesk.ticket"),
            mark=MARK,
            before=first - 1,
        )
    )
    env.cr.execute(SQL("ANALYZE helpdesk_ticket"))
    env.cr.execute(SQL("ANALYZE rating_rating"))
    env.cr.commit()


def already_filled(env):
    from odoo.tools import SQL

    env.cr.execute(
        SQL(
            "SELECT 1 FROM helpdesk_ticket WHERE number = %s LIMIT 1",
            f"{MARK}-1",
        )
    )
    return bool(env.cr.fetchone())


def time_figures(env):
    """Median seconds of the figures and the number of queries of one run."""
    Transparency = env["support.transparency"]
    company = env.ref("base.main_company")

    def run():
        Transparency._get_response_figures(company)
        Transparency._get_rating_figures(company)
        Transparency._get_rated_tickets(company)

    run()
    times = []
    for _i in range(RUNS):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        queries = env.cr.sql_log_count - before
    return statistics.median(times), queries


def get(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        assert response.status == 200, url
    return time.perf_counter() - start


def time_url(url):
    get(url)
    get(url)
    times = []
    for _i in range(RUNS):
        times.append(get(url))
    return statistics.median(times)


def start_server(odoo_args, port):
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        "server",
        *odoo_args,
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    server = subprocess.Popen(cmd)
    for _i in range(120):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(1)
    server.terminate()
    raise SystemExit("the Odoo server did not start")


def main():
    args, odoo_args = parse_args()
    import odoo
    from odoo.api import SUPERUSER_ID, Environment
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(odoo_args, setup_logging=True)
    db = config["db_name"]
    db = db[0] if isinstance(db, list) else db
    if not db:
        raise SystemExit("give the throwaway database with -d")
    odoo.tools.config["list_db"] = False
    registry = Registry(db)
    base = f"http://127.0.0.1:{args.port}"
    results = {}
    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        if already_filled(env):
            raise SystemExit(f"{db} already holds benchmark tickets: use a fresh copy")
        for label, first, last in (
            ("small", 1, args.small),
            ("large", args.small + 1, args.tickets),
        ):
            start = time.perf_counter()
            fill(env, first, last)
            print(
                f"filled {last} tickets in {time.perf_counter() - start:.1f} s",
                flush=True,
            )
            figures, queries = time_figures(env)
            # a new server: its cache of the figures is empty
            server = start_server(odoo_args, args.port)
            try:
                get(f"{base}/web/login")
                results[label] = {
                    "figures": figures,
                    "queries": queries,
                    "cold": get(f"{base}/support/transparency"),
                    "page": time_url(f"{base}/support/transparency"),
                    "page_last": time_url(f"{base}/support/transparency/page/500"),
                    "faq": time_url(f"{base}/support/faq"),
                    "trivial": time_url(f"{base}/web/login"),
                }
            finally:
                server.terminate()
                server.wait(timeout=60)

    small, large = results["small"], results["large"]
    print(f"\n{'':28}{args.small:>12,}{args.tickets:>12,}   ratio")
    for key, name in (
        ("figures", "SQL figures (s)"),
        ("cold", "page, first view (s)"),
        ("page", "page, next views (s)"),
        ("page_last", "page 500 of ratings (s)"),
        ("faq", "FAQ page (s)"),
        ("trivial", "/web/login (s)"),
        ("queries", "queries of the figures"),
    ):
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{name:28}{small[key]:>12.4f}{large[key]:>12.4f}{ratio:>8.2f}")
    page_vs_trivial = large["page"] / large["faq"]
    print(f"\npage / FAQ page with {args.tickets:,} tickets: {page_vs_trivial:.2f}")
    print(
        f"figures: {args.tickets / args.small:.0f} x the tickets, "
        f"{large['figures'] / small['figures']:.1f} x the time"
    )
    checks = [
        (
            f"figures of {args.tickets:,} tickets <= {TARGET_FIGURES_SECONDS} s",
            large["figures"] <= TARGET_FIGURES_SECONDS,
        ),
        (
            f"first view <= {TARGET_COLD_PAGE_SECONDS} s",
            large["cold"] <= TARGET_COLD_PAGE_SECONDS,
        ),
        (
            f"next views <= {TARGET_PAGE_VS_TRIVIAL} x FAQ page",
            page_vs_trivial <= TARGET_PAGE_VS_TRIVIAL,
        ),
        ("same number of queries", small["queries"] == large["queries"]),
    ]
    for name, ok in checks:
        print(f"{'OK  ' if ok else 'MISS'} {name}")
    return 0 if all(ok for _name, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
