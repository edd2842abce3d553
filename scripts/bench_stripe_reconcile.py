#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the Stripe import and its automatic reconciliation (issue 24).

    python3 scripts/bench_stripe_reconcile.py [--dir /var/tmp/sb-bench]
        [--sizes 1000,10000]

One command, one run, in the private cluster and database of
``scripts/bench_billing.py`` (``--dir``; the installed database is a
template reused while the addon's code is the same).  The accountant's
set-up (``res.company._support_stripe_setup_reconciliation``) configures the
main company's Stripe account, then for each size N:

1. N posted invoices, each paid by a payment in the Stripe journal (as Odoo
   records card payments) and the Stripe stand-in's data made directly: N
   charges naming their invoice in their metadata, with Stripe's fee, and a
   payout every 100 charges -- N + N/100 balance transactions, 2N + N/100
   statement lines;
2. **import**: OCA's scheduled pull of the stand-in (HTTP, pages of 10;
   ``scheduled`` and ``tracking_disable`` in the context, as
   ``_scheduled_pull`` runs it) creating the statement, without the
   automatic reconciliation (what OCA does in test mode) -- rolled back;
3. **import + reconcile**: the same pull with OCA's automatic
   reconciliation (production), which applies the set-up's models: charges
   settle their payments, fees go to the fees account, payouts to the
   transfer account -- checked: every line reconciled -- rolled back.

It prints the wall time, milliseconds and queries per statement line, and
the growth from the smallest to the largest size.

TARGETS (exit code 1 when one is missed): every line reconciled; the queries
per line at the largest size at most ``TARGET_QUERY_GROWTH`` times those at
the smallest, and the time per line at most ``TARGET_TIME_GROWTH`` times
(linear: 10x the lines, at most 10x x that the time).
"""

import argparse
import importlib.util
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_billing
import dev

TARGET_QUERY_GROWTH = 1.05
TARGET_TIME_GROWTH = 1.5
PAYOUT_EVERY = 100
SECRET_KEY = "sk_test_bench"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/var/tmp/sb-bench")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args()


def load_standin():
    spec = importlib.util.spec_from_file_location(
        "stripe_standin", dev.REPO / "tests" / "stripe_standin.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup(env):
    """The main company's Stripe account, set up by the accountant's click."""
    stripe = env.ref("payment.payment_provider_stripe")
    card = env.ref("payment.payment_method_card")
    stripe.write(
        {
            "state": "test",
            "company_id": env.company.id,
            "stripe_secret_key": SECRET_KEY,
            "stripe_publishable_key": "pk_test_bench",
            "payment_method_ids": [(6, 0, card.ids)],
        }
    )
    env.company._support_stripe_setup_reconciliation()
    return stripe


def fill(env, stripe, standin, size, tag):
    """``size`` invoices paid in the Stripe journal and their charges, fees
    and payouts at the stand-in (made directly, as Stripe would have)."""
    from odoo import Command

    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    env = env(context=ctx)
    journal = stripe.journal_id
    method_line = journal.inbound_payment_method_line_ids.filtered(
        lambda line: line.payment_provider_id == stripe
    )
    partners = env["res.partner"].create(
        [{"name": f"Stripe bench {tag} {i}"} for i in range(20)]
    )
    product = env.company._get_support_time_product()
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partners[i % 20].id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": 1,
                            "price_unit": 40 + (i % 50) * 1.5,
                            "tax_ids": [],
                        }
                    )
                ],
            }
            for i in range(size)
        ]
    )
    invoices.action_post()
    payments = env["account.payment"].create(
        [
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": invoice.partner_id.id,
                "amount": invoice.amount_total,
                "journal_id": journal.id,
                "payment_method_line_id": method_line.id,
                "memo": f"{invoice.name} - pi_bench{tag}_{i}",
            }
            for i, invoice in enumerate(invoices)
        ]
    )
    payments.action_post()
    # each invoice with its payment, in one reconciliation plan (one
    # ``reconcile()`` per pair took 160 s for 1,000 pairs, 8 s for 100)
    env["account.move.line"]._reconcile_plan(
        [
            (invoice.line_ids + payment.move_id.line_ids).filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                )
            )
            for invoice, payment in zip(invoices, payments, strict=True)
        ]
    )
    currency = env.company.currency_id.name.lower()
    with standin.lock:
        for i, invoice in enumerate(invoices):
            charge_id = standin_module.new_id("ch")
            charge = {
                "id": charge_id,
                "object": "charge",
                "amount": round(invoice.amount_total * 100),
                "currency": currency,
                "description": None,
                "metadata": {"invoice_number": invoice.name},
                "payment_intent": f"pi_bench{tag}_{i}",
                "payment_method_details": {"type": "card"},
            }
            standin.charges[charge_id] = charge
            standin._charge_balance_transaction(charge, charge["amount"])
            if (i + 1) % PAYOUT_EVERY == 0:
                payout_id = standin_module.new_id("po")
                txn = standin._new_balance_transaction(
                    "payout", -5000, currency, payout_id, "STRIPE PAYOUT"
                )
                standin.payouts[payout_id] = {
                    "id": payout_id,
                    "object": "payout",
                    "amount": 5000,
                    "metadata": {},
                    "balance_transaction": txn["id"],
                }
    env.flush_all()


def measure(registry, api, journal_id, standin, reconcile):
    """OCA's pull of the stand-in in a new cursor, rolled back: (wall
    seconds, queries, lines, lines reconciled)."""
    from odoo.tools import config

    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        journal = env["account.journal"].browse(journal_id)
        provider = journal.online_bank_statement_provider_id
        provider.write(
            {"api_base": standin.url.rstrip("/"), "statement_creation_mode": "monthly"}
        )
        env.flush_all()
        since = datetime.now() - timedelta(days=1)
        until = datetime.fromtimestamp(standin.now()) + timedelta(days=1)
        before = cr.sql_log_count
        start = time.perf_counter()
        # OCA skips its automatic reconciliation when Odoo runs tests
        with patch.dict(config._runtime_options, {"test_enable": not reconcile}):
            # as the scheduled pull (``_scheduled_pull``) runs it
            provider.with_context(scheduled=True, tracking_disable=True)._pull(
                since, until
            )
            env.flush_all()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - before
        lines = env["account.bank.statement.line"].search(
            [("journal_id", "=", journal.id)]
        )
        reconciled = len(lines.filtered("is_reconciled"))
        cr.rollback()
    bench_billing.settle(registry)
    return elapsed, queries, len(lines), reconciled


standin_module = None


def main():
    global standin_module
    args = parse_args()
    args.repeat = 1
    sizes = [int(s) for s in args.sizes.split(",")]
    standin_module = load_standin()
    cluster, port, db, addons_path, filestore = bench_billing.prepare_database(args)
    results = {}
    try:
        odoo, registry = bench_billing.start_odoo(port, db, addons_path, filestore)
        api = odoo.api
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            stripe = setup(env)
            journal_id = stripe.journal_id.id
            cr.commit()
        for size in sizes:
            standin = standin_module.StripeStandIn().start()
            try:
                dev.say(f"{size} invoices paid through Stripe, their charges and fees")
                start = time.perf_counter()
                with registry.cursor() as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    fill(
                        env,
                        env["payment.provider"].browse(stripe.id),
                        standin,
                        size,
                        size,
                    )
                    cr.commit()
                dev.say(f"  made in {time.perf_counter() - start:.0f} s")
                bench_billing.settle(registry, everything=True)
                for name, reconcile in (("import", False), ("reconcile", True)):
                    elapsed, queries, lines, reconciled = measure(
                        registry, api, journal_id, standin, reconcile
                    )
                    results[(name, size)] = (elapsed, queries, lines, reconciled)
                    dev.say(
                        f"  {name}: {lines} lines in {elapsed:.1f} s, "
                        f"{queries} queries, {reconciled} reconciled"
                    )
            finally:
                standin.stop()
        return report(results, sizes)
    finally:
        if not args.keep:
            bench_billing.close_connections(db)
            dev._psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')
            shutil.rmtree(filestore / "filestore" / db, ignore_errors=True)


def report(results, sizes):
    small, large = sizes[0], sizes[-1]
    print(
        f"\n{'balance transactions':24}{'lines':>8}{'s':>9}{'ms/line':>9}"
        f"{'queries/line':>14}{'reconciled':>12}"
    )
    for name in ("import", "reconcile"):
        for size in sizes:
            elapsed, queries, lines, reconciled = results[(name, size)]
            print(
                f"{name + ' ' + format(size, ','):24}{lines:>8}{elapsed:>9.1f}"
                f"{1000 * elapsed / lines:>9.2f}{queries / lines:>14.2f}"
                f"{reconciled:>12}"
            )

    def per_line(name, size, index):
        values = results[(name, size)]
        return values[index] / values[2]

    checks = [
        (
            "every line reconciled",
            all(
                results[("reconcile", s)][3] == results[("reconcile", s)][2]
                for s in sizes
            ),
        )
    ]
    for name in ("import", "reconcile"):
        query_growth = per_line(name, large, 1) / per_line(name, small, 1)
        time_growth = per_line(name, large, 0) / per_line(name, small, 0)
        print(
            f"{name}: {large / small:.0f} x the transactions, queries per line "
            f"x {query_growth:.2f}, time per line x {time_growth:.2f}"
        )
        checks += [
            (
                f"{name}: queries per line x <= {TARGET_QUERY_GROWTH}",
                query_growth <= TARGET_QUERY_GROWTH,
            ),
            (
                f"{name}: time per line x <= {TARGET_TIME_GROWTH}",
                time_growth <= TARGET_TIME_GROWTH,
            ),
        ]
    for name, ok in checks:
        print(f"{'OK  ' if ok else 'MISS'} {name}")
    return 0 if all(ok for _name, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
