#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the automatic card payment of subscription invoices (issue 25).

    python3 scripts/bench_autopay.py [--dir /var/tmp/sb-bench] [--sizes 100,1000]

The same private cluster and installed database as ``bench_billing.py``
(its ``prepare_database``), Odoo in-process; for each size N:

1. N customers with an active subscription and a saved Stripe card, and
   their N monthly invoices posted (to charge);
2. **the floor**: Odoo's own token payment of the same invoices, one
   ``payment.transaction`` per invoice created with the token (operation
   ``offline``) and ``_charge_with_token()`` called directly;
3. **the addon**: one run of the charging cron ``_cron_support_autopay``
   (lock, checks, transaction, attempt, charge, outcome, post-processing
   triggered), committing each invoice once charged, as in production;

both against the project's Stripe stand-in (``tests/stripe_standin.py``, a
fresh one for every measure: no idempotent replay), so that each charge
makes the same HTTP request on both sides, and both committing each charge
(a card charged must never be forgotten by a later failure).  Each measure
runs on its own copy of the database (``CREATE DATABASE … TEMPLATE``, not
measured), dropped afterwards: the commits are real, as in production, and
every measure starts from the same data.  Run ``--repeat`` times
interleaved, the fastest kept.  Prints wall time per invoice, queries per
invoice, and the ratio to the floor.

(Measured inside one rolled-back transaction instead, the cron's savepoint
per invoice would keep 1,000 subtransactions open at once, past
PostgreSQL's cache of 64, and slow every visibility check: an artefact no
production run has, since each invoice is committed.)

TARGETS (exit code 1 when one is missed): queries per invoice constant from
the smallest to the largest size (at most ``TARGET_QUERY_GROWTH`` more per
invoice), and the cron at most ``TARGET_RATIO`` times the floor's time per
invoice at the largest size.
"""

import argparse
import sys
import time
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import bench_billing
import dev
from stripe_standin import StripeStandIn

TARGET_RATIO = 1.5
TARGET_QUERY_GROWTH = 1.0  # queries per invoice, largest size minus smallest


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/var/tmp/sb-bench")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args()


def fill(env, size, tag):
    """``size`` customers, each with an active subscription paid by a saved
    card, and their monthly invoices posted; returns the invoices' ids."""
    from odoo import fields

    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    env = env(context=ctx)
    company = env.ref("base.main_company")
    stripe = env.ref("payment.payment_provider_stripe")
    card = env.ref("payment.payment_method_card")
    stripe.write(
        {
            "state": "test",
            "company_id": company.id,
            "stripe_secret_key": "sk_test_bench",
            "stripe_publishable_key": "pk_test_bench",
            "payment_method_ids": [(6, 0, card.ids)],
            "capture_manually": False,
        }
    )
    partners = env["res.partner"].create(
        [
            {"name": f"Autopay {tag} {i}", "is_company": True, "email": f"a{i}@x.test"}
            for i in range(size)
        ]
    )
    today = fields.Date.context_today(partners)
    plan = env.ref("support_billing.support_plan_all_inclusive")
    subs = env["support.subscription"].create(
        [
            {
                "partner_id": p.id,
                "company_id": company.id,
                "plan_id": plan.id,
                "authorized_user_ids": [(6, 0, p.ids)],
            }
            for p in partners
        ]
    )
    subs.write(
        {
            "state": "active",
            "date_start": today.replace(day=1),
            "activation_date": today.replace(day=1),
            "next_invoice_date": today.replace(day=1),
        }
    )
    tokens = env["payment.token"].create(
        [
            {
                "provider_id": stripe.id,
                "payment_method_id": card.id,
                "partner_id": p.id,
                "provider_ref": "cus_bench",  # set per measure (fresh stand-in)
                "stripe_payment_method": "pm_card_visa",
                "payment_details": "4242",
            }
            for p in partners
        ]
    )
    subs.sudo().write({"payment_token_id": False})
    for sub, token in zip(subs, tokens, strict=True):
        sub.sudo().payment_token_id = token
    invoices = subs.with_company(company)._invoice_next_period()
    env.flush_all()
    return invoices.ids, tokens.ids


def main():
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cluster, port, db, addons_path, filestore = bench_billing.prepare_database(args)
    results = {}
    try:
        odoo, registry = bench_billing.start_odoo(port, db, addons_path, filestore)
        api = odoo.api
        for size in sizes:
            dev.say(f"creating {size} subscriptions with a saved card and invoices")
            with registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                invoice_ids, token_ids = fill(env, size, size)
                cr.commit()
            bench_billing.settle(registry, everything=True)
            standin = {}

            def prepare(env, ids=token_ids, standin=standin):
                """A fresh stand-in and its customer (not measured)."""
                if standin.get("server"):
                    standin["server"].stop()
                server = standin["server"] = StripeStandIn().start()
                standin["url"] = server.url
                customer = (
                    env["payment.provider"]
                    .browse(env.ref("payment.payment_provider_stripe").id)
                    ._send_api_request("POST", "customers", data={})
                )
                env["payment.token"].browse(ids).write({"provider_ref": customer["id"]})
                return True

            def floor(env, prepared, ids=invoice_ids):
                if prepared is None:
                    return prepare(env)
                from odoo import Command

                transactions = env["payment.transaction"]
                done = 0
                for invoice in env["account.move"].browse(ids):
                    token = invoice.support_subscription_id.payment_token_id
                    tx = transactions.create(
                        {
                            "provider_id": token.provider_id.id,
                            "payment_method_id": token.payment_method_id.id,
                            "reference": transactions._compute_reference(
                                "stripe", invoice_ids=[Command.set(invoice.ids)]
                            ),
                            "amount": invoice.amount_residual,
                            "currency_id": invoice.currency_id.id,
                            "partner_id": invoice.partner_id.id,
                            "token_id": token.id,
                            "operation": "offline",
                            "invoice_ids": [Command.set(invoice.ids)],
                        }
                    )
                    tx._charge_with_token()
                    done += tx.state == "done"
                    env.cr.commit()  # the card was charged: kept
                return done

            def cron(env, prepared, ids=invoice_ids):
                if prepared is None:
                    return prepare(env)
                # outside a cron job, ``_commit_progress`` commits (each invoice)
                env["account.move"]._cron_support_autopay()
                return env["account.move"].search_count(
                    [("id", "in", ids), ("support_autopay_state", "=", "paid")]
                )

            def _build_request_url(self, endpoint, standin=standin, **kwargs):
                return standin["url"] + endpoint

            works = [("floor", floor), ("cron", cron)]
            for round_ in range(args.repeat):
                shift = round_ % len(works)
                for name, work in works[shift:] + works[:shift]:
                    elapsed, cpu, queries, count = measure_on_copy(
                        odoo, cluster, port, db, work, _build_request_url
                    )
                    if count != size:
                        dev.die(f"{name}: {count} charged of {size}", 1)
                    best = results.get((name, size))
                    if not best or elapsed < best[0]:
                        results[(name, size)] = (elapsed, cpu, queries)
                    dev.say(
                        f"{size} invoices, {name}: {elapsed:.1f} s "
                        f"(CPU {cpu:.1f} s), {queries} queries"
                    )
            if standin.get("server"):
                standin["server"].stop()
            # these invoices are out of the way of the next size's run
            with registry.cursor() as cr:
                cr.execute(
                    "UPDATE account_move SET support_autopay_state = 'stopped' "
                    "WHERE id = ANY(%s)",
                    [invoice_ids],
                )
        return report(results, sizes)
    finally:
        if not args.keep:
            bench_billing.close_connections(db)
            dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')


def measure_on_copy(odoo, cluster, port, db, work, build_request_url):
    """``bench_billing.measure`` on a copy of ``db`` whose commits are real:
    (wall seconds, CPU seconds, queries, result); the copy is dropped."""
    from odoo.modules.registry import Registry

    copy = f"{db}_run"
    bench_billing.close_connections(db)
    dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{copy}"')
    dev._psql(cluster, port, f'CREATE DATABASE "{copy}" TEMPLATE "{db}"')
    try:
        registry = Registry(copy)
        provider_class = registry["payment.provider"]
        with (
            patch.object(provider_class, "_build_request_url", build_request_url),
            registry.cursor() as cr,
        ):
            env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
            prepared = work(env, None)  # preparation, not measured
            env.flush_all()
            cr.commit()
            env.invalidate_all()
            before = cr.sql_log_count
            start, cpu = time.perf_counter(), time.process_time()
            result = work(env, prepared)
            env.flush_all()
            cr.commit()
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
            queries = cr.sql_log_count - before
    finally:
        Registry.delete(copy)
        bench_billing.close_connections(copy)
        dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{copy}"')
    return elapsed, cpu, queries, result


def report(results, sizes):
    print()
    print("| invoices | work | wall s | ms / invoice | queries / invoice | ratio |")
    print("|---:|---|---:|---:|---:|---:|")
    failed = []
    for size in sizes:
        floor = results[("floor", size)][0] / size
        for name in ("floor", "cron"):
            elapsed, _cpu, queries = results[(name, size)]
            per = elapsed / size
            print(
                f"| {size} | {name} | {elapsed:.1f} | {per * 1000:.1f} | "
                f"{queries / size:.1f} | {per / floor:.2f} |"
            )
    small, large = sizes[0], sizes[-1]
    growth = results[("cron", large)][2] / large - results[("cron", small)][2] / small
    ratio = (results[("cron", large)][0] / large) / (
        results[("floor", large)][0] / large
    )
    print(
        f"\nqueries per invoice, {small} -> {large}: {growth:+.2f} "
        f"(target <= {TARGET_QUERY_GROWTH}); time ratio at {large}: {ratio:.2f} "
        f"(target <= {TARGET_RATIO})"
    )
    if growth > TARGET_QUERY_GROWTH:
        failed.append("queries per invoice grow with the number of invoices")
    if ratio > TARGET_RATIO:
        failed.append("the cron is slower than the target ratio to the floor")
    for line in failed:
        print(f"MISSED: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
