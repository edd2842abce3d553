# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Two real transactions at once (two registry cursors in two threads)."""

import faulthandler
import threading
from contextlib import contextmanager, suppress
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

WAIT = 20  # seconds a thread waits for the other before the test fails


@tagged("post_install", "-at_install")
class TestCardHoldConcurrency(TransactionCase):
    """Fixtures are committed (each thread needs to see them) and removed
    afterwards."""

    def setUp(self):
        super().setUp()
        self.ids = {}
        self.addCleanup(self._cleanup)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            # a provider of its own: Odoo's demo provider stays untouched
            provider = env.ref("payment.payment_provider_demo").copy(
                {"name": "Race demo"}
            )
            provider.write({"state": "test", "capture_manually": True})
            self.ids["provider"] = provider.id
            customer = env["res.partner"].create(
                {
                    "name": "Race Hold Corp",
                    "is_company": True,
                    "support_trial_eligible": False,
                    "support_hourly_rate": 100,
                }
            )
            contact = env["res.partner"].create(
                {
                    "name": "Rhoda Race",
                    "parent_id": customer.id,
                    "email": "rhoda@race.test",
                }
            )
            ticket = env["helpdesk.ticket"].create(
                {
                    "name": "Race hold",
                    "description": "<p>race</p>",
                    "partner_id": contact.id,
                    "company_id": company.id,
                    "stage_id": env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done").id,
                }
            )
            self.ids.update(partners=(customer | contact).ids, ticket=ticket.id)
            hold = env["support.card.hold"].create(
                {
                    "partner_id": contact.id,
                    "ticket_id": ticket.id,
                    "duration_minutes": 120,
                    "hourly_rate": 100,
                    "company_id": company.id,
                }
            )
            self.ids["hold"] = hold.id
            tx = env["payment.transaction"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "reference": hold.name,
                    "amount": hold.amount,
                    "currency_id": hold.currency_id.id,
                    "partner_id": contact.id,
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
            session = env["support.remote.session"].create(
                {
                    "ticket_id": ticket.id,
                    "user_id": env.ref("base.user_admin").id,
                    "state": "running",
                    "consent_partner_id": contact.id,
                    "consent_method": "phone",
                    "consent_date": fields.Datetime.now() - timedelta(minutes=25),
                    "consent_user_id": env.ref("base.user_admin").id,
                    "start_datetime": fields.Datetime.now() - timedelta(minutes=20),
                }
            )
            self.ids["session"] = session.id
            self.assertEqual(hold.state, "authorized")

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"force_delete": True})
            hold = env["support.card.hold"].browse(self.ids.get("hold")).exists()
            ticket = env["helpdesk.ticket"].browse(self.ids.get("ticket")).exists()
            txs = env["payment.transaction"].search(
                [("support_card_hold_id", "in", hold.ids)]
            )
            payments = txs.payment_id
            entries = ticket.support_time_entry_ids
            moves = hold.invoice_id | payments.move_id | entries.invoice_line_id.move_id
            moves.line_ids.remove_move_reconcile()
            payments.action_draft()
            payments.unlink()
            moves = moves.exists()
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.unlink()
            # a started session is kept as a record of consent: only SQL can
            # remove the fixture's
            cr.execute(
                "DELETE FROM support_remote_session WHERE id = %s",
                [self.ids.get("session") or 0],
            )
            env["support.time.entry"].search([("ticket_id", "in", ticket.ids)]).unlink()
            hold.transaction_id = False
            txs.child_transaction_ids.unlink()
            txs.unlink()
            hold.unlink()
            ticket.unlink()
            env["res.partner"].browse(self.ids.get("partners", [])).unlink()
            provider = env["payment.provider"].browse(self.ids.get("provider")).exists()
            provider.state = "disabled"
            env["account.payment.method.line"].search(
                [("payment_provider_id", "in", provider.ids)]
            ).unlink()
            provider.unlink()

    def _run_together(self, work):
        """Run ``work(env)`` in two threads, each in its own transaction,
        started at the same moment; return each thread's result or error."""
        barrier = threading.Barrier(2, timeout=WAIT)
        results = [None, None]

        def run(index):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait()
                    results[index] = work(env)
            except Exception as error:  # noqa: BLE001 -- asserted below
                results[index] = error

        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        with self._registries_unlocked():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(WAIT * 2)
                if thread.is_alive():
                    faulthandler.dump_traceback(all_threads=True)
                self.assertFalse(thread.is_alive(), "a thread is stuck")
        return results

    @contextmanager
    def _registries_unlocked(self):
        """Odoo's test runner holds the registries' lock while it runs the
        tests (``server.run``); each thread's environments (and Odoo's
        post-commit hooks) take it: let them while they run."""
        lock = Registry._lock
        released = 0
        # a real RLock held by this thread (not the DummyRLock of HTTP tests)
        while getattr(lock, "_is_owned", lambda: False)():
            lock.release()
            released += 1
        try:
            yield
        finally:
            for _i in range(released):
                lock.acquire()

    def _hold_first_lock(self, model, method, returns_locked=False):
        """Whoever locks first keeps the lock until the other has tried:
        the two clicks really overlap, whatever the scheduler does."""
        model_class = type(self.env[model])
        original = getattr(model_class, method)
        tried = threading.Event()
        first = threading.Lock()

        def locking(records, *args, **kwargs):
            try:
                result = original(records, *args, **kwargs)
            except Exception:
                tried.set()
                raise
            locked = result if returns_locked else True
            if locked and first.acquire(blocking=False):
                tried.wait(WAIT)  # the winner keeps its lock meanwhile
            else:
                tried.set()
            return result

        return patch.object(model_class, method, locking)

    def test_two_accountants_charge_one_hold(self):
        hold_id = self.ids["hold"]

        def charge(env):
            return env["support.card.hold"].browse(hold_id).action_charge_time()

        with self._hold_first_lock("support.card.hold", "_lock"):
            results = self._run_together(charge)
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(results.count(True), 1, results)
        self.assertEqual(len(errors), 1, results)
        self.assertIsInstance(errors[0], UserError)
        self.assertIn("is being processed by someone else", str(errors[0]))
        # the charge stops at the capture and triggers Odoo's post-processing
        # cron, which records the payment in its own transaction; a second
        # run (another worker, or the cron's next call) records nothing more
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref("payment.cron_post_process_payment_tx")
            self.assertTrue(
                env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
            )
            invoice = env["support.card.hold"].browse(hold_id).invoice_id
            self.assertEqual(invoice.amount_residual, invoice.amount_total)
        for _run in range(2):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env.ref("payment.cron_post_process_payment_tx").method_direct_trigger()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            hold = env["support.card.hold"].browse(hold_id)
            captures = hold.transaction_ids.filtered(
                lambda t: t.source_transaction_id and t.state == "done"
            )
            self.assertEqual(len(captures), 1)
            invoice = hold.invoice_id
            invoices = env["account.move"].search(
                [
                    ("partner_id", "child_of", self.ids["partners"][0]),
                    ("move_type", "=", "out_invoice"),
                ]
            )
            self.assertEqual(invoices, invoice)
            self.assertEqual(hold.captured_amount, invoice.amount_total)
            self.assertEqual(captures.amount, invoice.amount_total)
            self.assertEqual(
                hold.captured_amount + hold.released_amount,
                hold.transaction_id.amount,
            )
            self.assertEqual(hold.state, "captured")
            self.assertEqual(invoice.amount_residual, 0.0)
            payments = env["account.payment"].search(
                [("payment_transaction_id", "in", hold.transaction_ids.ids)]
            )
            self.assertEqual(len(payments), 1)

    def test_charge_meets_the_post_processing_cron_before_any_capture(self):
        """Odoo's post-processing cron (each charge triggers it) flags the
        hold's transaction while an accountant's charge is under way: the
        charge meets it when it locks the transaction, before any capture,
        and Odoo's retry (as for a request) charges once."""
        hold_id = self.ids["hold"]
        tx_class = type(self.env["payment.transaction"])
        original = tx_class._capture
        captures = []

        def capture(records, *args, **kwargs):
            captures.append(records.ids)
            return original(records, *args, **kwargs)

        attempts = []
        with (
            patch.object(tx_class, "_capture", capture),
            self.registry.cursor() as cr,
        ):
            env = api.Environment(cr, SUPERUSER_ID, {})
            hold = env["support.card.hold"].browse(hold_id)
            self.assertEqual(hold.state, "authorized")  # its snapshot is taken
            with self.registry.cursor() as cron_cr:
                cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
                tx = cron_env["support.card.hold"].browse(hold_id).transaction_id
                tx._post_process()  # what the cron does to it, committed

            def charge():
                attempts.append(len(captures))
                return hold.action_charge_time()

            retrying(charge, env)
        # the first attempt stopped before the capture, the second charged
        self.assertEqual(attempts, [0, 0])
        self.assertEqual(len(captures), 1)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            hold = env["support.card.hold"].browse(hold_id)
            self.assertEqual(hold.state, "captured")
            self.assertEqual(
                len(
                    hold.transaction_ids.filtered(
                        lambda t: t.source_transaction_id and t.state == "done"
                    )
                ),
                1,
            )

    def test_two_clicks_end_one_remote_session(self):
        session_id = self.ids["session"]

        def end(env):
            session = env["support.remote.session"].browse(session_id)
            session.action_end()
            return session.state

        with self._hold_first_lock(
            "support.remote.session", "try_lock_for_update", returns_locked=True
        ):
            results = self._run_together(end)
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(results.count("done"), 1, results)
        self.assertEqual(len(errors), 1, results)
        self.assertIsInstance(errors[0], UserError)
        self.assertIn("is being processed by someone else", str(errors[0]))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            entries = env["support.time.entry"].search(
                [("ticket_id", "=", self.ids["ticket"])]
            )
            self.assertEqual(len(entries), 2)  # the fixture's and the session's

    def test_expiry_cron_leaves_a_busy_hold_to_the_next_run(self):
        """The expiry cron meets a hold another run holds: it leaves it,
        reports it remaining (Odoo runs the cron again) and posts no error;
        the next run voids it, once."""
        hold_id = self.ids["hold"]
        with self.registry.cursor() as cr:
            cr.execute(
                "UPDATE support_card_hold SET authorized_at = %s WHERE id = %s",
                [fields.Datetime.now() - timedelta(days=6, hours=2), hold_id],
            )
        cron_id = self.env.ref("support_billing.ir_cron_expire_card_holds").id

        def run(env):
            cron = env["ir.cron"].browse(cron_id).with_context(cron_id=cron_id)
            cron, progress = cron._add_progress()
            env["support.card.hold"].with_context(
                cron_id=cron_id, ir_cron_progress_id=progress.id
            )._cron_expire_holds()
            env.cr.commit()
            return progress.done, progress.remaining

        cr_twin = self.registry.cursor()
        cr_run = self.registry.cursor()
        try:
            cr_twin.execute(
                "SELECT id FROM support_card_hold WHERE id = %s FOR UPDATE",
                [hold_id],
            )
            env_run = api.Environment(cr_run, SUPERUSER_ID, {})
            self.assertEqual(run(env_run), (0, 1))
            cr_twin.rollback()  # the other run is done with it
            self.assertEqual(run(env_run), (1, 0))
            self.assertEqual(run(env_run), (0, 0))
        finally:
            cr_twin.close()
            cr_run.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            hold = env["support.card.hold"].browse(hold_id)
            self.assertEqual(hold.state, "expired")
            bodies = hold.message_ids.mapped("body")
            self.assertEqual(
                len([b for b in bodies if "the card hold expired" in b]), 1
            )
            self.assertFalse([b for b in bodies if "could not be cancelled" in b])
            env["ir.cron.progress"].search([("cron_id", "=", cron_id)]).unlink()

    def test_two_hold_requests_for_one_ticket(self):
        """Two technicians request a card hold for the same ticket at once
        (issue 27, item 8): one hold is made, the other request is refused;
        never two live holds for one ticket."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            fixture = env["helpdesk.ticket"].browse(self.ids["ticket"])
            ticket = fixture.copy({"name": "Race two requests"})
            ticket_id, contact_id = ticket.id, fixture.partner_id.id
            company_id = fixture.company_id.id

        def cleanup():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"force_delete": True})
                env["support.card.hold"].search(
                    [("ticket_id", "=", ticket_id)]
                ).unlink()
                env["helpdesk.ticket"].browse(ticket_id).unlink()

        self.addCleanup(cleanup)

        def request(env):
            return (
                env["support.card.hold"]
                .create(
                    {
                        "partner_id": contact_id,
                        "ticket_id": ticket_id,
                        "duration_minutes": 60,
                        "hourly_rate": 100,
                        "company_id": company_id,
                    }
                )
                .id
            )

        results = self._run_together(retrying_request(request))
        made = [r for r in results if isinstance(r, int)]
        self.assertEqual(len(made), 1, results)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            holds = env["support.card.hold"].search([("ticket_id", "=", ticket_id)])
            self.assertEqual(holds.ids, made)

    def test_two_confirmations_of_one_purchase(self):
        """A customer's two clicks on *Confirm* of the same purchase of
        prepaid credits, in two transactions at once: one invoice, which
        both clicks open; the second click sees no error (with Odoo's
        ``lock_for_update``, which skips a locked row, it was shown "Cannot
        grab a lock on records"). Each click searches for an open invoice
        before the other creates one, when nothing orders them."""
        contact_id = self.ids["partners"][1]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product_id = (
                env["product.product"]
                .create(
                    {
                        "name": "Race pack",
                        "type": "service",
                        "support_is_pack": True,
                        "support_pack_ticket_count": 5,
                        "list_price": 100,
                    }
                )
                .id
            )
        Move = type(self.env["account.move"])

        def invoices(env):
            return env["account.move"].search(
                [
                    ("partner_id", "=", contact_id),
                    ("invoice_line_ids.product_id", "=", product_id),
                ]
            )

        def cleanup():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"force_delete": True})
                moves = invoices(env)
                moves.filtered(lambda m: m.state == "posted").button_draft()
                moves.unlink()
                env["product.product"].browse(product_id).unlink()

        self.addCleanup(cleanup)
        searched = threading.Barrier(2, timeout=3)
        search_open = Move._support_open_pack_invoice

        def search_then_wait(records, *args, **kwargs):
            found = search_open(records, *args, **kwargs)
            # the other click searches too, if it can
            with suppress(threading.BrokenBarrierError):
                searched.wait()
            return found

        def confirm(env):
            partner = env["res.partner"].browse(contact_id)
            partner.fetch(["name"])  # a request reads first: its snapshot starts
            product = env["product.product"].browse(product_id)
            return (
                env["account.move"]
                ._support_confirm_pack_purchase(partner, product, 1)
                .id
            )

        with patch.object(Move, "_support_open_pack_invoice", search_then_wait):
            results = self._run_together(retrying_request(confirm))
        self.assertTrue(all(isinstance(r, int) for r in results), results)
        self.assertEqual(results[0], results[1])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            made = invoices(env)
            self.assertEqual(made.ids, results[:1])
            self.assertEqual(made.state, "posted")
            self.assertEqual(made.amount_untaxed, 100)


def retrying_request(work):
    """``work(env)`` retried as Odoo's RPC layer retries a request whose
    transaction met a concurrent update (``retrying``)."""

    def run(env):
        return retrying(lambda: work(env), env)

    return run
