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

Then Stripe's webhook (``--webhooks``, ``bench_webhooks``): card holds
authorised at the Stripe stand-in, their events posted twice (first delivery,
replay), served in-process (queries counted) and by a prefork server
(``--workers``, as in production).  Both serve the database named by
``--database`` without ``--db-filter``, as a production server of one
database does: with a db-filter, Odoo lists the databases at every request
without a session cookie (every webhook), over a new connection.

TARGETS (exit code 1 when one is missed): at the largest size the billing
run takes at most ``TARGET_RATIO`` times the floor, and growth of the time
from the smallest to the largest size is at most ``TARGET_GROWTH`` times the
growth of the customers (10x customers: at most 11x the time); the webhook
handles at least ``TARGET_EVENTS_PER_SECOND`` events per second, first
delivery and replay (prefork's figures when measured), with one effect per
event.
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
        "--webhooks",
        type=int,
        default=200,
        help="Stripe webhook events handled in the webhook measure (0: skip)",
    )
    parser.add_argument(
        "--webhook-threads",
        type=int,
        default=2,
        help="webhook requests handled at once (as by a server with that many "
        "workers; this machine has 2 cores)",
    )
    parser.add_argument(
        "--webhook-servers",
        default="in-process,prefork",
        help="where the webhook measure's requests are served, comma-separated: "
        "in-process (Odoo's WSGI application in this process, one thread per "
        "request at a time: one Python process, one GIL) and/or prefork (an "
        "Odoo server started with --workers N, N = --webhook-threads, posted "
        "to over HTTP: N processes, as in production)",
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
    dev.find_odoo()  # fails early, saying how to install Odoo, if it is missing
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
        install(port, base, addons_path, filestore, dev.MODULE, workdir / "install.log")
    db = f"bench{os.getpid()}"
    dev._psql(cluster, port, f'CREATE DATABASE "{db}" TEMPLATE "{base}"')
    if (filestore / "filestore" / base).is_dir():
        shutil.copytree(filestore / "filestore" / base, filestore / "filestore" / db)
    return cluster, port, db, addons_path, filestore


def install(port, db, addons_path, filestore, modules, logfile):
    """Install ``modules`` (comma-separated) in ``db``, by Odoo's command
    line; its output goes to ``logfile``."""
    python, env = dev.find_odoo()
    cmd = dev.odoo_cmd(
        python,
        addons_path,
        port,
        db,
        filestore,
        "-i",
        modules,
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
        dev.die(f"installing {modules} failed, see {logfile}", 1)


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
            # the webhook measure's requests: this database alone, named by
            # ``--database`` without ``--db-filter``, as a production server
            # serving one database is set up.  With a ``--db-filter``, Odoo
            # lists the databases (a new connection to ``postgres``, closed
            # afterwards) at every request without a session: every webhook.
            "--no-database-list",
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
    the customers.  Every other customer has terms of its own (issue 28: a
    15-minute minimum, 6-minute increments), so that the run reads
    per-customer terms."""
    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    env = env(context=ctx)
    done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench {tag} {i}",
                "is_company": True,
                "email": f"b{tag}{i}@x.test",
                **(
                    {
                        "support_terms_override": True,
                        "support_minimum_minutes": 15,
                        "support_increment_minutes": 6,
                    }
                    if i % 2 == 0
                    else {}
                ),
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
    """The same invoices built directly: one line per ticket, same prices
    (under each customer's terms)."""
    import dataclasses

    from odoo import Command

    from odoo.addons.support_billing import rules

    company = env.company
    product = company._get_support_time_product()
    entries = env["support.time.entry"].search([("partner_id", "in", partners.ids)])
    vals_list = []
    for partner, partner_entries in entries.grouped("partner_id").items():
        rate = partner._get_support_hourly_rate(product)
        terms = rules.DEFAULT_TERMS
        if partner.support_terms_override:
            terms = dataclasses.replace(terms, **partner._support_terms_overrides())
        lines = []
        for ticket, ticket_entries in partner_entries.grouped("ticket_id").items():
            billed = rules.billed_minutes(sum(ticket_entries.mapped("minutes")), terms)
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
    settle(registry)
    return elapsed, cpu, queries, result


#: Tables a billing run writes to (and the floor's): their dead rows and
#: statistics are reset after each rolled-back measure.
WRITTEN_TABLES = (
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "account_payment",
    "mail_message",
    "mail_followers",
    "res_partner",
    "support_time_entry",
)


def settle(registry, everything=False):
    """The database as before a measure: the rolled-back rows vacuumed and
    the statistics of the live ones taken again, the same for every measure.

    Without it, a 1,000-customer run once stayed for many minutes in one of
    Odoo's payment-state queries over the new invoices
    (``_compute_payment_state``, ``_compute_reconciled_payment_ids``: joins
    on ``OR`` conditions, planned as nested loops of sequential scans), floor
    and addon alike.  The likely cause: autovacuum, between two measures,
    takes statistics of pages that hold only the previous measure's
    rolled-back rows, and PostgreSQL then estimates those tables empty
    whatever the next measure inserts.  A database in use has live rows and
    statistics.
    """
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        try:
            for table in WRITTEN_TABLES:
                cr.execute(f"VACUUM ANALYZE {table}")
            if everything:
                cr.execute("ANALYZE")
        finally:
            cr._cnx.autocommit = False


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
            # statistics of the new rows (see ``settle``)
            settle(registry, everything=True)

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
        webhooks = bench_webhooks(
            odoo,
            registry,
            args.webhooks,
            args.webhook_threads,
            servers=args.webhook_servers.split(","),
            server_args=(args.dir, port, db, addons_path, filestore),
            pg_pid=int((cluster.datadir / "postmaster.pid").read_text().split()[0]),
            repeat=args.repeat,
        )
        return report(results, sizes, webhooks)
    finally:
        if not args.keep:
            close_connections(db)
            dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')
            shutil.rmtree(filestore / "filestore" / db, ignore_errors=True)


WEBHOOK_SECRET = "whsec_bench"
TARGET_EVENTS_PER_SECOND = 50


def post_events(odoo, requests_, threads, url=None):
    """POST the signed webhook requests (``(body, headers)``, signed before
    the measure: Stripe signs on its own servers) to Odoo's webhook route,
    ``threads`` at a time (as a server with that many workers receives
    them): through Odoo's WSGI application in this process, or over HTTP to
    ``url`` with the standard library's client, a new connection each (Odoo's
    server closes it after the answer); returns the statuses."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    from werkzeug.test import Client

    path = "/payment/stripe/webhook"
    address = urlsplit(url) if url else None

    def deliver(share):
        client = None if url else Client(odoo.http.root)
        statuses = []
        for body, headers in share:
            if url:
                connection = http.client.HTTPConnection(
                    address.hostname, address.port, timeout=60
                )
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    statuses.append(response.status)
                finally:
                    connection.close()
            else:
                statuses.append(
                    client.post(path, data=body, headers=headers).status_code
                )
        return statuses

    shares = [requests_[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        return [status for part in pool.map(deliver, shares) for status in part]


def start_prefork_server(server_args, workers):
    """An Odoo server in prefork mode (``--workers``), on this database alone
    (``--database``, no ``--db-filter``, no cron worker); returns (process,
    base URL).  Started like scripts/bench_prefork.py does."""
    import requests

    workdir, port, db, addons_path, filestore = server_args
    python, env_vars = dev.find_odoo()
    http_port = dev.free_port()
    cmd = [
        arg
        for arg in dev.odoo_cmd(
            python,
            addons_path,
            port,
            db,
            filestore,
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--http-port={http_port}",
            "--log-level=warn",
        )
        if not arg.startswith("--db-filter")
    ]
    logfile = Path(workdir).resolve() / "webhook-server.log"
    server = popen_prefork(python, cmd, env_vars, logfile)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            dev.die(f"the prefork server stopped, see {logfile}", 1)
        try:
            if requests.get(url + "/web/health", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    else:
        stop_server(server)
        dev.die(f"the prefork server did not answer, see {logfile}", 1)
    # every worker has loaded the registry before the measure starts
    for _i in range(4 * workers):
        requests.get(url + "/web/health", timeout=30)
    return server, url


def popen_prefork(python, cmd, env_vars, logfile):
    """Start the prefork server of ``cmd`` (``dev.odoo_cmd``), its output in
    ``logfile``, in its own process group; returns the process.

    Prefork re-executes sys.argv[0] for its gevent (websocket) worker: Odoo
    is started through a launcher script, like odoo-bin.  That worker serves
    neither webhooks nor crons: here it idles (on this machine, gevent's
    plugin loading fails and the master would respawn it, a new Odoo process
    every second)."""
    launcher = logfile.with_name("odoo-bin-prefork")
    launcher.write_text(
        "import sys, time\n"
        "if sys.argv[1:2] == ['gevent']:\n"
        "    while True:\n"
        "        time.sleep(3600)\n"
        "from odoo.cli.command import main\n"
        "main()\n"
    )
    cmd = list(cmd)
    cmd[: cmd.index("server")] = [python, str(launcher)]
    with open(logfile, "w", encoding="utf-8") as log:
        return subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env_vars},
            start_new_session=True,
        )


def stop_server(server):
    import signal

    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def cpu_seconds(pgid=None, ppid=None):
    """CPU time (user + system, seconds) of the live processes of process
    group ``pgid`` or children of ``ppid`` (PostgreSQL's backends)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # state, ppid, pgrp, ...
        if (pgid and int(fields[2]) == pgid) or (ppid and int(fields[1]) == ppid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def bench_webhooks(
    odoo,
    registry,
    count,
    threads=2,
    servers=("in-process",),
    server_args=None,
    pg_pid=None,
    repeat=1,
):
    """Stripe's webhook: for each way of serving (``servers``), ``count``
    card holds authorised at the Stripe stand-in (tests/stripe_standin.py),
    their ``amount_capturable_updated`` events posted to
    ``/payment/stripe/webhook`` (each a real request and transaction), then
    posted again (Stripe delivers at least once).

    ``in-process``: through Odoo's WSGI application in this process, with the
    queries counted; ``prefork``: over HTTP to an Odoo server started with
    ``--workers threads`` (the production setup: ``threads`` processes, where
    the threads of one process share one GIL); its queries are not counted
    (other processes).  Returns the figures and the effects counted after
    each pass, or None when skipped."""
    if not count:
        return None
    import importlib.util
    from unittest.mock import patch

    api = odoo.api
    spec = importlib.util.spec_from_file_location(
        "stripe_standin", dev.REPO / "tests" / "stripe_standin.py"
    )
    standin_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin_module)
    standin = standin_module.StripeStandIn(webhook_secret=WEBHOOK_SECRET).start()
    secret_key = "sk_test_bench"
    passes = []
    try:
        provider_class = registry["payment.provider"]
        with patch.object(
            provider_class,
            "_build_request_url",
            lambda _self, endpoint, **kw: standin.url + endpoint,
        ):
            for server_name in servers:
                passes += _bench_webhooks_served(
                    odoo,
                    registry,
                    api,
                    standin,
                    secret_key,
                    count,
                    threads,
                    server_name,
                    server_args,
                    pg_pid,
                    repeat,
                )
        return {
            "count": count,
            "threads": threads,
            "repeat": repeat,
            "passes": passes,
        }
    finally:
        standin.stop()


def _bench_webhooks_served(
    odoo,
    registry,
    api,
    standin,
    secret_key,
    count,
    threads,
    server_name,
    server_args,
    pg_pid,
    repeat=1,
):
    """The two passes (first delivery, replay) of ``count`` events, ``repeat``
    times over as many new holds: the fastest of each pass counts (the load
    of a shared machine only ever adds time), the effects of every pass are
    checked.  Each worker has served real webhooks before the measure (a
    server's workers are long-lived: their caches are warm)."""
    warmup = 10 * threads
    total = warmup + count * repeat
    dev.say(f"webhooks ({server_name}): {total} card holds authorised at the stand-in")
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        hold_ids = list(_webhook_holds(env, total, standin, secret_key).items())
    batches = [hold_ids[:warmup]] + [
        hold_ids[warmup + i * count : warmup + (i + 1) * count] for i in range(repeat)
    ]
    server, url = None, None
    if server_name == "prefork":
        dev.say(f"webhooks: starting Odoo with --workers {threads}")
        server, url = start_prefork_server(server_args, threads)
    elif server_name != "in-process":
        dev.die(f"unknown webhook server {server_name}", 2)
    best = {}
    try:
        warm = _webhook_requests(standin, batches[0])
        if any(status != 200 for status in post_events(odoo, warm, threads, url=url)):
            dev.die("webhooks: the warm-up was refused", 1)
        for round_, batch in enumerate(batches[1:], 1):
            signed = _webhook_requests(standin, batch)
            for name in ("first delivery", "replay"):
                figures = _webhook_pass(
                    odoo,
                    registry,
                    api,
                    signed,
                    [h for h, _i in batch],
                    threads,
                    server,
                    url,
                    pg_pid,
                )
                elapsed, queries, effects, refused, cpu_ms = figures
                label = f"{server_name}, {name}"
                passed = (label, *figures)
                dev.say(
                    f"webhooks, {label} ({round_}/{repeat}): {count} events in "
                    f"{elapsed:.1f} s ({count / elapsed:.0f}/s, "
                    + ("" if queries is None else f"{queries:.1f} queries each, ")
                    + f"{refused} refused), {effects}, CPU per event: "
                    f"{_cpu(cpu_ms)}, load {os.getloadavg()[0]:.1f}"
                )
                wrong = (effects != dict.fromkeys(effects, count)) or refused
                # the fastest round counts, unless a round did not do the
                # work exactly once: that round is reported (and fails)
                kept, kept_wrong = best.get(label, (None, False))
                if not kept or (not kept_wrong and (wrong or elapsed < kept[1])):
                    best[label] = (passed, wrong)
    finally:
        if server:
            stop_server(server)
    return [passed for passed, _wrong in best.values()]


def _webhook_requests(standin, batch):
    """The signed requests of the authorisation events of ``batch``
    (``[(hold id, PaymentIntent id)]``)."""
    events = [
        event
        for _hold_id, intent_id in batch
        for event in standin.events_of(
            "payment_intent.amount_capturable_updated", intent_id
        )
    ]
    if len(events) != len(batch):
        dev.die(f"webhooks: {len(events)} events for {len(batch)} holds", 1)
    return [standin.webhook_request(event) for event in events]


def _webhook_pass(odoo, registry, api, signed, hold_ids, threads, server, url, pg_pid):
    """Post the signed requests once; returns (elapsed, queries per event or
    None, effects, refused, CPU per event in ms)."""
    count = len(signed)
    sql_db = sys.modules["odoo.sql_db"]
    queries = sql_db.sql_counter
    # CPU of the Odoo side (this process, or the server's processes: then
    # this process is the client), PostgreSQL's backends
    cpu = (
        time.process_time(),
        cpu_seconds(pgid=server.pid) if server else 0.0,
        cpu_seconds(ppid=pg_pid) if pg_pid else 0.0,
    )
    start = time.perf_counter()
    statuses = post_events(odoo, signed, threads, url=url)
    elapsed = time.perf_counter() - start
    own, served, pg = (
        time.process_time() - cpu[0],
        (cpu_seconds(pgid=server.pid) if server else 0.0) - cpu[1],
        (cpu_seconds(ppid=pg_pid) if pg_pid else 0.0) - cpu[2],
    )
    cpu_ms = {
        "odoo": 1000 * (served if server else own) / count,
        "postgres": 1000 * pg / count,
        "client": 1000 * own / count if server else None,
    }
    queries = None if url else (sql_db.sql_counter - queries) / count
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        effects = _webhook_effects(env, hold_ids)
    refused = sum(1 for status in statuses if status != 200)
    return elapsed, queries, effects, refused, cpu_ms


def _cpu(cpu_ms):
    text = f"Odoo {cpu_ms['odoo']:.0f} ms + PostgreSQL {cpu_ms['postgres']:.0f} ms"
    if cpu_ms["client"] is not None:
        text += f" (client {cpu_ms['client']:.0f} ms)"
    return text


def _webhook_holds(env, count, standin, secret_key):
    """``count`` holds with a Stripe transaction confirmed by the card at the
    stand-in (authorised there; Odoo learns it from the webhook only).
    Returns {hold id: PaymentIntent id}."""
    import requests

    stripe = env.ref("payment.payment_provider_stripe")
    card = env.ref("payment.payment_method_card")
    stripe.write(
        {
            "state": "test",
            "company_id": env.company.id,
            "stripe_secret_key": secret_key,
            "stripe_publishable_key": "pk_test_bench",
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "payment_method_ids": [(6, 0, card.ids)],
        }
    )
    ctx = {"tracking_disable": True, "mail_create_nolog": True}
    partner = env["res.partner"].create(
        {"name": "Webhook customer", "email": "w@x.test"}
    )
    ticket = (
        env["helpdesk.ticket"]
        .with_context(**ctx)
        .create(
            {"name": "Webhook ticket", "description": "x", "partner_id": partner.id}
        )
    )
    holds = (
        env["support.card.hold"]
        .with_context(**ctx)
        .create(
            [
                {
                    "partner_id": partner.id,
                    "ticket_id": ticket.id,
                    "duration_minutes": 60,
                    "hourly_rate": 90,
                    "company_id": env.company.id,
                }
                for _i in range(count)
            ]
        )
    )
    intents = {}
    for hold in holds:
        tx = env["payment.transaction"].create(
            {
                "provider_id": stripe.id,
                "payment_method_id": card.id,
                "reference": hold.name,
                "amount": hold.amount,
                "currency_id": hold.currency_id.id,
                "partner_id": partner.id,
                "operation": "online_direct",
                "support_card_hold_id": hold.id,
            }
        )
        hold.transaction_id = tx
        intent_id = tx._get_processing_values()["client_secret"].split("_secret")[0]
        response = requests.post(
            f"{standin.url}payment_intents/{intent_id}/confirm",
            data={"payment_method": "pm_card_visa"},
            headers={"Authorization": f"Bearer {secret_key}"},
            timeout=30,
        )
        response.raise_for_status()
        intents[hold.id] = intent_id
    env.cr.commit()
    return intents


def _webhook_effects(env, hold_ids):
    """What the events did: holds authorised, authorisation messages and
    transactions (each should be one per hold)."""
    holds = env["support.card.hold"].browse(hold_ids)
    messages = env["mail.message"].search_count(
        [
            ("model", "=", "support.card.hold"),
            ("res_id", "in", hold_ids),
            ("body", "ilike", "Authorised on the card"),
        ]
    )
    transactions = env["payment.transaction"].search_count(
        [("support_card_hold_id", "in", hold_ids)]
    )
    return {
        "authorised": len(holds.filtered(lambda h: h.state == "authorized")),
        "messages": messages,
        "transactions": transactions,
    }


def report(results, sizes, webhooks=None):
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
    cpu_growth = {
        name: results[(name, large)][1] / results[(name, small)][1]
        for name in ("floor", "cron", "wizard")
    }
    rows.append(
        (
            f"growth {small:,} -> {large:,} customers",
            (
                f"cron {growth['cron']:.1f}x (CPU {cpu_growth['cron']:.1f}x), "
                f"wizard {growth['wizard']:.1f}x (CPU {cpu_growth['wizard']:.1f}x)"
            ),
            f"{growth['floor']:.1f}x (CPU {cpu_growth['floor']:.1f}x)",
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
            if cpu_growth[name] > allowed:
                failed.append(
                    f"{name}: CPU growth {cpu_growth[name]:.1f}x > {allowed:.1f}x"
                )
    if webhooks:
        count = webhooks["count"]
        print(
            f"| Stripe webhooks ({count} card-hold authorisations, "
            f"{webhooks['threads']} at a time, the fastest of "
            f"{webhooks['repeat']} rounds) | | | |"
        )
        print("|---|---|---|---|")
        first_effects = webhooks["passes"][0][3]
        # the rate target is the production setup's (prefork) when measured:
        # threads in this one process share one GIL, unlike a server's workers
        served = {name.split(",")[0] for name, *_rest in webhooks["passes"]}
        timed = "prefork" if "prefork" in served else "in-process"
        for name, elapsed, queries, effects, refused, cpu_ms in webhooks["passes"]:
            per_event = (
                "queries not counted (other processes)"
                if queries is None
                else f"{queries:.1f} queries per event"
            )
            print(
                f"| {name} | {elapsed:.1f} s, {count / elapsed:.0f} events/s, "
                f"{per_event}, CPU per event: {_cpu(cpu_ms)} | "
                f"{effects['authorised']} authorised, {effects['messages']} "
                f"messages, {effects['transactions']} transactions | "
                f"{refused} refused |"
            )
            rate = count / elapsed
            if name.startswith(timed) and rate < TARGET_EVENTS_PER_SECOND:
                failed.append(
                    f"webhooks ({name}): {rate:.0f} events/s "
                    f"< {TARGET_EVENTS_PER_SECOND}"
                )
            once = dict.fromkeys(("authorised", "messages", "transactions"), count)
            if effects != once or effects != first_effects or refused:
                failed.append(f"webhooks ({name}): not exactly once: {effects}")
        print()
    for line in failed:
        print(f"TARGET MISSED: {line}")
    if not failed:
        print("All targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
