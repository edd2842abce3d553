#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the support-time billing run against Odoo's own floor (issue 16).

    python3 scripts/bench_billing.py [--dir /var/tmp/sb-bench] [--sizes 100,1000]

One command, one run: the script starts a private PostgreSQL cluster in
``--dir`` (scripts/dev.py's ``Cluster``), creates its own database with
``support_billing`` installed (no demo data; the installed database is kept
as a template named after a hash of the addon's code, so a second run with the
same code only copies it), then runs Odoo in-process and, for each size N:

1. creates N customers, each with 2 closed tickets of 5 time entries;
2. measures **the floor**: Odoo's own batched ``account.move.create`` of the
   same invoices (same partners, product, one line per ticket, same prices),
   without the addon's logic -- then rolls it back;
3. measures **the addon**: the monthly cron ``_cron_invoice_support_time``
   and the accountant's wizard (``_create_support_invoices`` on all the
   entries) -- each rolled back;

each ``--repeat`` times, interleaved, keeping the fastest run (the load of a
shared machine only ever adds time), and prints the table: wall time (and
the CPU time of the Odoo process), queries per customer, ratio to the floor,
growth from the smallest to the largest size.  Timings include the final
flush.

TARGETS (exit code 1 when one is missed): at the largest size the billing
run takes at most ``TARGET_RATIO`` times the floor, and growth of the time
from the smallest to the largest size is at most ``TARGET_GROWTH`` times the
growth of the customers (10x customers: at most 11x the time).
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev

TARGET_RATIO = 1.3
TARGET_GROWTH = 1.1  # x the growth of the customers
TICKETS_PER_CUSTOMER = 2
ENTRIES_PER_TICKET = 5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/var/tmp/sb-bench")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="runs of each measure (interleaved); the fastest counts: the "
        "load of a shared machine only ever adds time",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the run's database afterwards"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the last installed database even if the code changed "
        "(quick iterations on Python code that changes no field or data)",
    )
    return parser.parse_args()


def code_hash():
    digest = hashlib.sha256()
    for path in sorted(dev.REPO.rglob("*")):
        rel = path.relative_to(dev.REPO)
        if (
            path.is_file()
            and rel.parts[0] not in ("tests", "scripts", ".git", ".devdata")
            and path.suffix in (".py", ".xml", ".csv", ".po")
        ):
            digest.update(str(rel).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def prepare_database(args):
    """Cluster and database with the addon installed; returns (port, db, paths)."""
    python, env = dev.find_odoo()
    workdir = Path(args.dir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    cluster = dev.Cluster(workdir / "pg" / "data")
    cluster.init()
    port = cluster.running_port() or cluster.start()
    addons_path = dev.addons_dir(workdir)
    filestore = workdir / "filestore"
    base = f"benchbase_{code_hash()}"
    if args.reuse:
        last = dev._psql(
            cluster,
            port,
            "SELECT datname FROM pg_database WHERE datname LIKE 'benchbase_%' "
            "ORDER BY oid DESC LIMIT 1",
        ).stdout.strip()
        base = last or base
    exists = dev._psql(
        cluster, port, f"SELECT 1 FROM pg_database WHERE datname='{base}'"
    )
    if exists.stdout.strip() != "1":
        dev.say(f"installing {dev.MODULE} in a fresh database {base} (no demo)")
        logfile = workdir / "install.log"
        cmd = dev.odoo_cmd(
            python,
            addons_path,
            port,
            base,
            filestore,
            "-i",
            dev.MODULE,
            "--stop-after-init",
            "--log-level=warn",
        )
        with open(logfile, "w", encoding="utf-8") as log:
            rc = subprocess.run(
                cmd,
                check=False,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
            ).returncode
        if rc:
            dev.die(f"installing failed, see {logfile}", 1)
    db = f"bench{os.getpid()}"
    dev._psql(cluster, port, f'CREATE DATABASE "{db}" TEMPLATE "{base}"')
    if (filestore / "filestore" / base).is_dir():
        shutil.copytree(filestore / "filestore" / base, filestore / "filestore" / db)
    return cluster, port, db, addons_path, filestore


def start_odoo(port, db, addons_path, filestore):
    import odoo
    from odoo.tools import config

    config.parse_config(
        [
            f"--addons-path={addons_path}",
            f"--data-dir={filestore}",
            "--db_host=127.0.0.1",
            f"--db_port={port}",
            f"--db_user={dev.DB_USER}",
            "--db_password=",
            f"--database={db}",
            "--http-interface=127.0.0.1",
            "--log-level=warn",
        ]
    )
    from odoo.modules.registry import Registry

    return odoo, Registry(db)


def close_connections(db):
    """Close this process's connections to ``db`` (before dropping it)."""
    if "odoo.sql_db" in sys.modules:
        sys.modules["odoo.sql_db"].close_db(db)


def fill(env, size, tag):
    """``size`` customers with 2 closed tickets of 5 entries each; returns
    the customers."""
    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    env = env(context=ctx)
    done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench {tag} {i}",
                "is_company": True,
                "email": f"b{tag}{i}@x.test",
            }
            for i in range(size)
        ]
    )
    tickets = env["helpdesk.ticket"].create(
        [
            {
                "name": f"Bench ticket {tag} {i}-{t}",
                "description": "bench",
                "partner_id": partner.id,
                "stage_id": done.id,
            }
            for i, partner in enumerate(partners)
            for t in range(TICKETS_PER_CUSTOMER)
        ]
    )
    env["support.time.entry"].create(
        [
            {"ticket_id": ticket.id, "minutes": 7 + (j * 5 + k) % 17}
            for j, ticket in enumerate(tickets)
            for k in range(ENTRIES_PER_TICKET)
        ]
    )
    env.flush_all()
    return partners


def floor_vals(env, partners):
    """The same invoices built directly: one line per ticket, same prices."""
    from odoo import Command

    from odoo.addons.support_billing import rules

    company = env.company
    product = company._get_support_time_product()
    entries = env["support.time.entry"].search([("partner_id", "in", partners.ids)])
    vals_list = []
    for partner, partner_entries in entries.grouped("partner_id").items():
        rate = partner._get_support_hourly_rate(product)
        lines = []
        for ticket, ticket_entries in partner_entries.grouped("ticket_id").items():
            billed = rules.billed_minutes(sum(ticket_entries.mapped("minutes")))
            amount = rules.time_amount(billed, rate, rounding="0.01")
            lines.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "name": f"{ticket.number} - {ticket.name}",
                        "quantity": 1.0,
                        "price_unit": float(amount),
                    }
                )
            )
        vals_list.append(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_line_ids": lines,
            }
        )
    return vals_list


def measure(registry, api, work):
    """Run ``work(env)`` in a new cursor, flush, roll back: (wall seconds,
    CPU seconds of this process, queries, result)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        prepared = work(env, None)  # preparation, not measured
        env.flush_all()
        env.invalidate_all()
        before = cr.sql_log_count
        start, cpu = time.perf_counter(), time.process_time()
        result = work(env, prepared)
        env.flush_all()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        queries = cr.sql_log_count - before
        cr.rollback()
    return elapsed, cpu, queries, result


def main():
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cluster, port, db, addons_path, filestore = prepare_database(args)
    try:
        odoo, registry = start_odoo(port, db, addons_path, filestore)
        api = odoo.api
        results = {}
        for size in sizes:
            dev.say(
                f"creating {size} customers ({size * 2} tickets, {size * 10} entries)"
            )
            with registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                partners = fill(env, size, size)
                partner_ids = partners.ids
                cr.commit()
                # statistics of the new rows: without them PostgreSQL may plan
                # Odoo's payment-state query of 1,000 new invoices (floor and
                # addon alike) as a scan that runs for many minutes
                cr.execute("ANALYZE")
                cr.commit()

            def floor(env, prepared, ids=partner_ids):
                if prepared is None:
                    return floor_vals(env, env["res.partner"].browse(ids))
                moves = env["account.move"].create(prepared)
                return len(moves)

            def cron(env, prepared, ids=partner_ids):
                if prepared is None:
                    return True
                env["support.time.entry"]._cron_invoice_support_time()
                return env["account.move"].search_count(
                    [("partner_id", "in", ids), ("move_type", "=", "out_invoice")]
                )

            def wizard(env, prepared, ids=partner_ids):
                if prepared is None:
                    return True
                wiz = env["support.invoice.wizard"].create(
                    {"partner_ids": [(6, 0, ids)]}
                )
                wiz.action_create_invoices()
                return env["account.move"].search_count(
                    [("partner_id", "in", ids), ("move_type", "=", "out_invoice")]
                )

            works = [("floor", floor), ("cron", cron), ("wizard", wizard)]
            for round_ in range(args.repeat):
                # each round in another order: no work always runs first
                shift = round_ % len(works)
                for name, work in works[shift:] + works[:shift]:
                    elapsed, cpu, queries, count = measure(registry, api, work)
                    if count != size:
                        dev.die(f"{name}: {count} invoices for {size} customers", 1)
                    best = results.get((name, size))
                    if not best or elapsed < best[0]:
                        results[(name, size)] = (elapsed, cpu, queries)
                    dev.say(
                        f"{size} customers, {name}: {elapsed:.1f} s "
                        f"(CPU {cpu:.1f} s), {queries} queries"
                    )
            # these customers' time is out of the way of the next size's run
            with registry.cursor() as cr:
                cr.execute(
                    "UPDATE support_time_entry SET billable = false, "
                    "state = 'non_billable' WHERE partner_id = ANY(%s)",
                    [partner_ids],
                )
        return report(results, sizes)
    finally:
        if not args.keep:
            close_connections(db)
            dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')
            shutil.rmtree(filestore / "filestore" / db, ignore_errors=True)


def report(results, sizes):
    small, large = sizes[0], sizes[-1]
    rows = []
    for name, label in (("cron", "cron path"), ("wizard", "wizard path")):
        for size in sizes:
            t, cpu, q = results[(name, size)]
            ft, fcpu, fq = results[("floor", size)]
            rows.append(
                (
                    f"billing run, {size:,} customers ({label})",
                    f"{t:.1f} s (CPU {cpu:.1f} s), {q / size:.1f} queries per customer",
                    f"{ft:.1f} s (CPU {fcpu:.1f} s), {fq / size:.1f} per customer",
                    f"{t / ft:.2f}x (CPU {cpu / fcpu:.2f}x)",
                )
            )
    growth = {
        name: results[(name, large)][0] / results[(name, small)][0]
        for name in ("floor", "cron", "wizard")
    }
    rows.append(
        (
            f"growth {small:,} -> {large:,} customers",
            f"cron {growth['cron']:.1f}x, wizard {growth['wizard']:.1f}x",
            f"{growth['floor']:.1f}x",
            "",
        )
    )
    print()
    print("| work | the addon | the floor | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    failed = []
    if len(sizes) > 1:
        for name in ("cron", "wizard"):
            ratio = results[(name, large)][0] / results[("floor", large)][0]
            if ratio > TARGET_RATIO:
                failed.append(f"{name}: {ratio:.2f}x the floor > {TARGET_RATIO}x")
            allowed = TARGET_GROWTH * large / small
            if growth[name] > allowed:
                failed.append(f"{name}: growth {growth[name]:.1f}x > {allowed:.1f}x")
    for line in failed:
        print(f"TARGET MISSED: {line}")
    if not failed:
        print("All targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
