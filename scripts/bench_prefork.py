#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The addon's crons run twice at the same moment by a prefork server (issue 16).

    python3 scripts/bench_prefork.py [--dir /var/tmp/sb-bench] [--customers 30]

The script creates its own database (scripts/bench_billing.py's template),
fills it in-process with work for four crons -- the monthly time invoicing
(customers with closed tickets), pack expiry (expired packs with unused
tickets), card-hold expiry (authorised holds 5 days old: the accountant is
warned) and the SLA breach flags (open tickets past their first-response
deadline) -- and gives each of these crons a twin (a copy of the ``ir.cron``
record calling the same method).  It then starts Odoo in prefork mode
(``--workers 2 --max-cron-threads 2``) and triggers the eight crons at
once: the two cron workers run a cron and its twin at the same moment, in
two processes and transactions.  When all have run, it checks that the work
was done once: one invoice per customer, one expiry line and one message per
pack, one warning activity per hold, and prints what the crons logged.

A card hold's *void* at 6 days goes through the payment provider (Stripe):
it is not part of this run (no provider in a fresh database); the warning at
5 days is.

Then card holds authorised through Odoo's demo provider are charged, each in
its own transaction as an accountant's click: the charge invoices and
captures, and triggers Odoo's post-processing cron, which a cron worker of
the server runs at once to record the capture's payment.  The script checks
that each capture gets its payment once, reconciled, and prints how long it
took after the charge, with the charge's queries.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_billing
import dev

CRONS = [
    "support_billing.ir_cron_invoice_support_time",
    "support_billing.ir_cron_expire_ticket_packs",
    "support_billing.ir_cron_expire_card_holds",
    "support_billing.ir_cron_support_sla_breach",
]
TIMEOUT = 900


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/var/tmp/sb-bench")
    parser.add_argument("--customers", type=int, default=30)
    parser.add_argument("--holds", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args()


def fill(env, customers):
    """Work for the four crons; returns what the checks need."""
    from datetime import timedelta

    from odoo import fields

    from odoo.addons.support_billing import const

    partners = bench_billing.fill(env, customers, "prefork")
    ctx = {"tracking_disable": True, "mail_create_nolog": True}
    env = env(context=ctx)
    today = env.company._support_today()
    product = env["product.product"].create(
        {
            "name": "Bench pack",
            "type": "service",
            "support_is_pack": True,
            "list_price": 100,
            "support_pack_ticket_count": 10,
            "support_pack_validity_months": 12,
        }
    )
    packs = env["support.ticket.pack"].create(
        [
            {
                "product_id": product.id,
                "partner_id": partner.id,
                "buyer_id": partner.id,
                "company_id": env.company.id,
                "purchase_date": today - timedelta(days=400),
                "expiry_date": today - timedelta(days=1),
            }
            for partner in partners[:10]
        ]
    )
    for pack in packs:
        pack._add_move(const.PACK_MOVE_PURCHASE, tickets=10)
    tickets = env["helpdesk.ticket"].create(
        [
            {"name": f"Open {i}", "description": "x", "partner_id": partner.id}
            for i, partner in enumerate(partners[:10])
        ]
    )
    env.flush_all()
    env.cr.execute(
        "UPDATE helpdesk_ticket SET support_first_response_deadline = %s, "
        "support_first_response_date = NULL, "
        "support_first_response_breached = false WHERE id = ANY(%s)",
        [fields.Datetime.now() - timedelta(hours=2), tickets.ids],
    )
    holds = env["support.card.hold"].create(
        [
            {
                "partner_id": partner.id,
                "company_id": env.company.id,
                "currency_id": env.company.currency_id.id,
                "hourly_rate": 90,
            }
            for partner in partners[:10]
        ]
    )
    env.flush_all()
    env.cr.execute(
        "UPDATE support_card_hold SET state = 'authorized', authorized_at = %s, "
        "warned = false WHERE id = ANY(%s)",
        [fields.Datetime.now() - timedelta(days=5, hours=2), holds.ids],
    )
    return partners.ids, packs.ids, tickets.ids, holds.ids


def install_demo_provider(args, port, db, addons_path, filestore):
    """Odoo's demo payment provider (``payment_demo``: authorisation and
    partial capture without the internet), in this run's database only."""
    dev.say("installing payment_demo in this run's database")
    logfile = Path(args.dir).resolve() / "prefork-install.log"
    bench_billing.install(port, db, addons_path, filestore, "payment_demo", logfile)


def fill_holds(env, count):
    """``count`` customers, each with a ticket, 30 minutes of work and a card
    hold of one hour authorised through Odoo's demo provider (manual
    capture); returns the holds' ids."""
    provider = env.ref("payment.payment_provider_demo")
    provider.write({"state": "test", "capture_manually": True})
    method = env.ref("payment_demo.payment_method_demo")
    hold_ids = []
    for i in range(count):
        customer = env["res.partner"].create(
            {
                "name": f"Bench hold customer {i}",
                "is_company": True,
                "support_trial_eligible": False,
                "support_hourly_rate": 90,
            }
        )
        ticket = env["helpdesk.ticket"].create(
            {"name": f"Hold {i}", "description": "x", "partner_id": customer.id}
        )
        hold = env["support.card.hold"].create(
            {
                "partner_id": customer.id,
                "ticket_id": ticket.id,
                "duration_minutes": 60,
                "hourly_rate": 90,
                "company_id": env.company.id,
            }
        )
        tx = env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "reference": hold.name,
                "amount": hold.amount,
                "currency_id": hold.currency_id.id,
                "partner_id": customer.id,
                "operation": "online_direct",
                "support_card_hold_id": hold.id,
            }
        )
        hold.transaction_id = tx
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        env["support.time.entry"].create(
            {
                "ticket_id": ticket.id,
                "minutes": 30,
                "user_id": env.ref("base.user_admin").id,
                "description": "Work",
            }
        )
        hold_ids.append(hold.id)
    return hold_ids


def charge_holds(registry, api, hold_ids):
    """Charge each hold in its own transaction, as the administrator (an
    accountant) clicking *Charge Time*; wait for the post-processing cron
    to record each capture's payment.  Returns the table's rows."""
    from odoo.service.model import retrying

    admin = None
    charged_at, queries, attempts = {}, [], []
    for hold_id in hold_ids:
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            admin = admin or env.ref("base.user_admin").id
            env = api.Environment(cr, admin, {})
            hold = env["support.card.hold"].browse(hold_id)
            tries = []

            def charge(hold=hold, tries=tries):
                tries.append(cr.sql_log_count)
                return hold.action_charge_time()

            # as Odoo serves the click: retried on a serialization failure
            retrying(charge, env)
            queries.append(cr.sql_log_count - tries[-1])
            attempts.append(len(tries))
            cr.commit()
            charged_at[hold_id] = time.monotonic()
    recorded_at = {}
    deadline = time.monotonic() + 120
    while len(recorded_at) < len(hold_ids) and time.monotonic() < deadline:
        with registry.cursor() as cr:
            cr.execute(
                "SELECT tx.support_card_hold_id FROM payment_transaction tx "
                "WHERE tx.support_card_hold_id = ANY(%s) "
                "AND tx.source_transaction_id IS NOT NULL "
                "AND tx.state = 'done' AND tx.payment_id IS NOT NULL",
                [hold_ids],
            )
            for (hold_id,) in cr.fetchall():
                recorded_at.setdefault(hold_id, time.monotonic())
        time.sleep(0.2)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        holds = env["support.card.hold"].browse(hold_ids)
        once = twice = paid = 0
        for hold in holds:
            payments = env["account.payment"].search(
                [("payment_transaction_id", "in", hold.transaction_ids.ids)]
            )
            once += len(payments) == 1
            twice += len(payments) > 1
            paid += hold.invoice_id.currency_id.is_zero(hold.invoice_id.amount_residual)
        captured = sum(hold.captured_amount > 0 for hold in holds)
    delays = sorted(recorded_at[h] - charged_at[h] for h in recorded_at)
    return {
        "holds": len(hold_ids),
        "captured": captured,
        "payment once": once,
        "payment twice": twice,
        "no payment": len(hold_ids) - once - twice,
        "invoice paid": paid,
        "queries per charge (least, most)": (min(queries), max(queries)),
        "charges retried (a serialization failure)": sum(n > 1 for n in attempts),
        "payment recorded after the charge (s)": (
            (
                round(delays[0], 1),
                round(delays[len(delays) // 2], 1),
                round(delays[-1], 1),
            )
            if delays
            else None
        ),
    }


def twin_crons(env):
    """Each cron and its twin, due now; returns the ids of the eight."""
    from datetime import timedelta

    from odoo import fields

    crons = env["ir.cron"]
    for priority, xmlid in enumerate(CRONS):
        cron = env.ref(xmlid)
        twin = cron.copy({"name": f"{cron.name} (twin)"})
        # a cron and its twin first in line together: the two cron workers
        # take them at the same moment
        (cron | twin).write({"priority": priority})
        crons |= cron | twin
    # the other crons (all due in a fresh database) do not get in the way;
    # the payments' post-processing stays, waiting for a charge's trigger
    post_process = env.ref("payment.cron_post_process_payment_tx")
    env["ir.cron"].search([("id", "not in", (crons | post_process).ids)]).active = False
    post_process.write(
        {"active": True, "nextcall": fields.Datetime.now() + timedelta(days=1)}
    )
    crons.write({"active": True, "nextcall": fields.Datetime.now()})
    env.cr.execute("UPDATE ir_cron SET lastcall = NULL WHERE id = ANY(%s)", [crons.ids])
    return crons.ids


def check(env, partners, packs, tickets, holds):
    """Count the work done: {what: (done once, done more than once, not done)}."""
    from collections import Counter

    from odoo.addons.support_billing import const

    def tally(counter, ids):
        once = sum(1 for i in ids if counter.get(i, 0) == 1)
        many = sum(1 for i in ids if counter.get(i, 0) > 1)
        return once, many, len(ids) - once - many

    invoices = env["account.move"].search(
        [("partner_id", "in", partners), ("move_type", "=", "out_invoice")]
    )
    expiries = env["support.ticket.pack.move"].search(
        [("pack_id", "in", packs), ("reason", "=", const.PACK_MOVE_EXPIRY)]
    )
    messages = env["mail.message"].search(
        [
            ("model", "=", "support.ticket.pack"),
            ("res_id", "in", packs),
            ("body", "ilike", "expired on"),
        ]
    )
    activities = env["mail.activity"].search(
        [("res_model", "=", "support.card.hold"), ("res_id", "in", holds)]
    )
    flagged = env["helpdesk.ticket"].search(
        [("id", "in", tickets), ("support_first_response_breached", "=", True)]
    )
    return {
        "invoice per customer": tally(Counter(invoices.partner_id.ids), partners),
        "expiry line per pack": tally(Counter(expiries.pack_id.ids), packs),
        "expiry message per pack": tally(Counter(messages.mapped("res_id")), packs),
        "hold warning activity": tally(Counter(activities.mapped("res_id")), holds),
        "SLA breach flagged": tally(Counter(flagged.ids), tickets),
    }


def main():
    args = parse_args()
    args.sizes = ""
    cluster, port, db, addons_path, filestore = bench_billing.prepare_database(args)
    server = None
    try:
        install_demo_provider(args, port, db, addons_path, filestore)
        odoo, registry = bench_billing.start_odoo(port, db, addons_path, filestore)
        api = odoo.api
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            dev.say(f"filling: {args.customers} customers, packs, holds, tickets")
            data = fill(env, args.customers)
            hold_ids = fill_holds(env, args.holds)
            cron_ids = twin_crons(env)
            cr.commit()
        python, env_vars = dev.find_odoo()
        logfile = Path(args.dir).resolve() / "prefork.log"
        cmd = dev.odoo_cmd(
            python,
            addons_path,
            port,
            db,
            filestore,
            "--workers=2",
            "--max-cron-threads=2",
            f"--http-port={dev.free_port()}",
            "--limit-time-real=900",
            "--limit-time-cpu=900",
            "--log-level=info",
        )
        dev.say("starting Odoo with --workers 2 --max-cron-threads 2")
        server = bench_billing.popen_prefork(python, cmd, env_vars, logfile)
        # the cron workers listen for triggers once they are up
        started = time.monotonic()
        while time.monotonic() - started < 300:
            if logfile.read_text(errors="replace").count("WorkerCron") >= 2:
                break
            time.sleep(2)
        time.sleep(3)
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            for cron in env["ir.cron"].browse(cron_ids):
                cron._trigger()
            cr.commit()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM ir_cron WHERE id = ANY(%s) "
                    "AND lastcall IS NOT NULL",
                    [cron_ids],
                )
                done = cr.fetchone()[0]
            if done == len(cron_ids):
                break
            time.sleep(5)
        dev.say(f"{done} of {len(cron_ids)} cron runs finished")
        time.sleep(2)
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            results = check(env, *data)
        log_lines = [
            line.rstrip()
            for line in logfile.read_text(errors="replace").splitlines()
            if "support_billing" in line
            or "ir_cron" in line
            and ("Job" in line or "failed" in line or "ERROR" in line)
        ]
        print("\nWhat the crons logged (support_billing and ir_cron lines):")
        for line in log_lines[-40:]:
            print("   ", line[:200])
        print("\n| work (each cron started twice) | once | more than once | not done |")
        print("|---|---|---|---|")
        twice = sum(many for _once, many, _missing in results.values())
        left = sum(missing for _once, _many, missing in results.values())
        for what, (once, many, missing) in results.items():
            print(f"| {what} | {once} | {many} | {missing} |")
        print()
        print("Nothing done twice." if not twice else f"DONE TWICE: {twice} items.")
        if left:
            print(
                f"NOT DONE in this run: {left} items (each twin left them to "
                "the other: see the log lines above); the next run does them."
            )
        dev.say(f"charging {len(hold_ids)} card holds, one transaction each")
        charges = charge_holds(registry, api, hold_ids)
        print(
            "\n| card holds charged (the payment recorded by the triggered "
            "post-processing cron) | |"
        )
        print("|---|---|")
        for what, value in charges.items():
            print(f"| {what} | {value} |")
        charges_ok = (
            charges["payment once"] == charges["holds"] == charges["invoice paid"]
            and charges["captured"] == charges["holds"]
        )
        print()
        print(
            "Each capture's payment recorded once."
            if charges_ok
            else "CARD HOLD CHARGES: a payment missing or recorded twice."
        )
        ok = done == len(cron_ids) and not twice and not left
        return 0 if ok and charges_ok else 1
    finally:
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not args.keep:
            bench_billing.close_connections(db)
            dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')
            shutil.rmtree(filestore / "filestore" / db, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
