# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The access matrix of the addon (issue 13), as data.

Roles: two portal customers of different companies (``portal_a``,
``portal_b``), a colleague of the first (``colleague``), a technician, an
accountant, a support manager and the public user.

Objects and operations:

* every model of the addon × read, write, create, unlink, on a record of
  customer A (the model's ACL and record rules together);
* every ``action_*`` method the addon defines, called on customer A's record
  in a savepoint rolled back afterwards ("ok", "refused" by a business rule,
  or an AccessError);
* every portal and public URL with customer A's ids and tokens, opened by
  the others (``False``: A's record is not shown nor changed).

``MODELS``, ``ACTIONS`` and ``URLS`` are the expected matrix; the test
compares every cell and reports each difference, and the matrix size.
"""

import logging
from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_card_hold import CardHoldCommon

_logger = logging.getLogger(__name__)

ROLES = (
    "portal_a",
    "colleague",
    "portal_b",
    "technician",
    "accountant",
    "manager",
    "public",
)


def _row(default="", **cells):
    """Allowed operations (letters r, w, c, u) per role."""
    return {role: cells.get(role, default) for role in ROLES}


#: model -> role -> operations allowed on customer A's record (ACL and rules)
#: (action) -> {"ok": roles that complete it, "refused": roles stopped by a
#: business rule (state...)}; every other role gets an AccessError
#: (role, method, URL) -> True when the URL shows or changes A's record;
#: every cell not listed is False (nothing shown, nothing changed)
MODELS = {
    "helpdesk.ticket": _row(
        portal_a="r", colleague="r", technician="rwc", accountant="r", manager="rwcu"
    ),
    "support.billing.report": _row(accountant="r", manager="r"),
    # issue 25: the attempts are written by the automatic payment only
    "support.autopay.attempt": _row(accountant="r", manager="r"),
    "support.card.hold": _row(
        portal_a="r", colleague="r", technician="r", accountant="rwc", manager="r"
    ),
    "support.stripe.dispute": _row(accountant="r"),
    "support.faq": _row(
        portal_a="r",
        colleague="r",
        portal_b="r",
        technician="r",
        accountant="r",
        manager="rwcu",
        public="r",
    ),
    "support.faq.category": _row(
        portal_a="r",
        colleague="r",
        portal_b="r",
        technician="r",
        accountant="r",
        manager="rwcu",
        public="r",
    ),
    "support.intervention": _row(
        portal_a="r", colleague="r", technician="rwc", accountant="r", manager="rwcu"
    ),
    "support.intervention.line": _row(
        portal_a="r", colleague="r", technician="rwcu", accountant="r", manager="rwcu"
    ),
    "support.card.hold.request": _row(technician="rwc", manager="rwc"),
    "support.intervention.sign.wizard": _row(technician="rwc", manager="rwc"),
    "support.invoice.wizard": _row(accountant="rwc"),
    "support.plan": _row(
        portal_a="r",
        colleague="r",
        portal_b="r",
        technician="r",
        accountant="r",
        manager="rwcu",
    ),
    "support.policy": _row(
        portal_a="r",
        colleague="r",
        portal_b="r",
        technician="r",
        accountant="r",
        manager="rwcu",
        public="r",
    ),
    "support.policy.version": _row(manager="r"),
    "support.public.request": _row(manager="ru"),
    "support.remote.session": _row(
        portal_a="r", colleague="r", technician="rwc", accountant="r", manager="rwcu"
    ),
    "support.request.type": _row(
        portal_a="r",
        colleague="r",
        portal_b="r",
        technician="r",
        manager="rwcu",
        public="r",
    ),
    "support.sla.target": _row(technician="r", manager="rwcu"),
    # issue 24: the Stripe screen is for full accounting users only (this
    # matrix's accountant has Billing rights only; the demo's accountant has
    # the full accounting features: test_stripe_reconciliation_screen)
    "support.stripe.reconciliation": _row(),
    "support.subscription": _row(
        portal_a="r", colleague="r", technician="r", accountant="rw", manager="rwcu"
    ),
    # issue 28: staff read the terms, support managers (and accounting
    # managers) write the versions not yet in force
    "support.terms": _row(technician="r", accountant="r", manager="rwcu"),
    "support.ticket.pack": _row(
        portal_a="r", colleague="r", technician="r", accountant="rwc", manager="r"
    ),
    "support.ticket.pack.move": _row(
        portal_a="r", colleague="r", technician="r", accountant="rwc", manager="r"
    ),
    "support.time.entry": _row(
        portal_a="r", colleague="r", technician="rwcu", accountant="r", manager="rwcu"
    ),
    "support.travel.zone": _row(technician="r", accountant="r", manager="rwcu"),
}

ACTIONS = {
    # issue 24: the Stripe journal's card opens the Stripe screen, for full
    # accounting users only (none of the roles here)
    ("account.journal", "action_support_stripe_reconciliation"): {},
    ("account.move", "action_view_support_contests"): {
        "ok": ("portal_a", "colleague", "accountant")
    },
    ("account.move", "action_view_support_disputes"): {"ok": ("accountant",)},
    # a portal user cannot read payments: the "ok" this cell had was the
    # warm cache of the setup (it was the first action checked)
    ("account.payment", "action_post"): {"ok": ("accountant",)},
    ("discuss.channel", "action_support_create_ticket"): {
        "ok": ("technician", "manager")
    },
    ("helpdesk.ticket", "action_support_answer_suggestion"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("helpdesk.ticket", "action_support_confirm_claimed_partner"): {
        "ok": ("technician", "manager")
    },
    ("helpdesk.ticket", "action_support_invoice_time"): {"ok": ("accountant",)},
    ("helpdesk.ticket", "action_support_request_card_hold"): {
        "ok": ("technician", "manager")
    },
    ("helpdesk.ticket", "action_support_timer_start"): {
        "ok": ("technician", "manager")
    },
    ("helpdesk.ticket", "action_support_timer_stop"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("helpdesk.ticket", "action_view_support_card_holds"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("helpdesk.ticket", "action_view_support_remote_sessions"): {
        "ok": (
            "portal_a",
            "colleague",
            "portal_b",
            "technician",
            "accountant",
            "manager",
            "public",
        )
    },
    ("account.move", "action_support_autopay_now"): {"refused": ("accountant",)},
    # an accountant may ask Stripe only when an answer was lost (none here)
    ("account.move", "action_support_autopay_check"): {"refused": ("accountant",)},
    ("account.move", "action_support_view_autopay_attempts"): {"ok": ("accountant",)},
    ("res.partner", "action_support_invoice_time"): {"ok": ("accountant",)},
    ("res.partner", "action_view_support_packs"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("res.partner", "action_view_support_time"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.card.hold", "action_charge_time"): {"refused": ("accountant",)},
    ("support.card.hold", "action_release"): {"refused": ("accountant",)},
    ("support.card.hold", "action_send_request"): {
        "ok": (
            "portal_a",
            "colleague",
            "portal_b",
            "technician",
            "accountant",
            "manager",
            "public",
        )
    },
    ("support.card.hold", "action_view_transactions"): {"ok": ("accountant",)},
    ("support.intervention", "action_cancel"): {"ok": ("technician", "manager")},
    ("support.intervention", "action_diagnostic"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_done"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_open_sign_wizard"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_present_estimate"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_refuse_estimate"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_schedule"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_start"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_stop"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.intervention", "action_support_confirm_claimed_partner"): {
        "ok": ("technician", "manager")
    },
    ("support.intervention", "action_view_invoices"): {
        "ok": ("portal_a", "colleague", "accountant")
    },
    ("support.intervention", "action_view_ticket"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.policy", "action_view_versions"): {
        "ok": (
            "portal_a",
            "colleague",
            "portal_b",
            "technician",
            "accountant",
            "manager",
            "public",
        )
    },
    ("support.remote.session", "action_cancel"): {"ok": ("technician", "manager")},
    # the fixture's time is not credited: nothing to review
    ("support.time.entry", "action_support_bill_again"): {"refused": ("accountant",)},
    ("support.time.entry", "action_support_create_invoices"): {"ok": ("accountant",)},
    ("support.time.entry", "action_support_do_not_bill"): {"refused": ("accountant",)},
    ("support.remote.session", "action_end"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.remote.session", "action_record_consent"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.remote.session", "action_start"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.remote.session", "action_stopped_by_customer"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.remote.session", "action_view_time_entry"): {
        "ok": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.subscription", "action_activate"): {"ok": ("accountant", "manager")},
    ("support.subscription", "action_cancel"): {"ok": ("accountant",)},
    ("support.subscription", "action_stop_autopay"): {"ok": ("accountant", "manager")},
    ("support.subscription", "action_confirm"): {
        "refused": ("portal_a", "colleague", "technician", "accountant", "manager")
    },
    ("support.subscription", "action_view_invoices"): {
        "ok": (
            "portal_a",
            "colleague",
            "portal_b",
            "technician",
            "accountant",
            "manager",
            "public",
        )
    },
}

URLS = {
    ("colleague", "GET", "balance page"): True,
    ("colleague", "GET", "hold portal page"): True,
    ("colleague", "GET", "hold portal page, wrong token"): True,
    ("colleague", "GET", "intervention estimate report"): True,
    ("colleague", "GET", "intervention page"): True,
    ("colleague", "GET", "intervention page, wrong token"): True,
    ("colleague", "GET", "pack invoice page"): True,
    ("colleague", "GET", "subscription page"): True,
    ("colleague", "POST", "subscription add user"): True,
    ("colleague", "POST", "subscription remove user"): True,
    ("portal_a", "GET", "balance page"): True,
    ("portal_a", "GET", "hold portal page"): True,
    ("portal_a", "GET", "hold portal page, wrong token"): True,
    ("portal_a", "GET", "intervention estimate report"): True,
    ("portal_a", "GET", "intervention page"): True,
    ("portal_a", "GET", "intervention page, wrong token"): True,
    ("portal_a", "GET", "pack invoice page"): True,
    ("portal_a", "GET", "subscription page"): True,
    ("portal_a", "POST", "remote consent"): True,
    ("portal_a", "POST", "subscription add user"): True,
    # portal_a is the user removed: nobody removes herself (issue 27), her
    # colleague may
    ("technician", "GET", "hold portal page"): True,
    ("technician", "GET", "hold portal page, wrong token"): True,
    ("technician", "GET", "intervention estimate report"): True,
    ("technician", "GET", "intervention page"): True,
    ("technician", "GET", "intervention page, wrong token"): True,
    ("technician", "GET", "subscription page"): True,
    ("technician", "JSON", "intervention sign policy"): True,
    # the list pages show A's records to A, A's company and the staff
    ("portal_a", "GET", "intervention list"): True,
    ("colleague", "GET", "intervention list"): True,
    ("technician", "GET", "intervention list"): True,
    ("portal_a", "GET", "ticket list"): True,
    ("colleague", "GET", "ticket list"): True,
    ("technician", "GET", "ticket list"): True,
    ("technician", "POST", "remote decline"): True,
    # the ticket page names the ticket by its number (HT00011) since issue 27,
    # to the people who may read it
    ("portal_a", "GET", "ticket page"): True,
    ("colleague", "GET", "ticket page"): True,
    ("technician", "GET", "ticket page"): True,
    # a company colleague may cancel the company's subscription in the portal
    ("colleague", "POST", "subscription cancel"): True,
    # a refused estimate answer (the estimate is not presented) still stamps
    # the intervention for people who may read it; nothing for outsiders
    ("colleague", "JSON", "intervention accept"): True,
    ("portal_a", "JSON", "intervention accept"): True,
    ("technician", "JSON", "intervention accept"): True,
}


@tagged("post_install", "-at_install")
class TestAccessMatrix(CardHoldCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )
        cls.colleague_user = new_test_user(
            cls.env,
            login="sb-colleague",
            groups="base.group_portal",
            partner_id=cls.customer_contact2.id,
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.users = {
            "portal_a": cls.portal_user,
            "colleague": cls.colleague_user,
            "portal_b": cls.other_portal_user,
            "technician": cls.technician,
            "accountant": cls.accountant,
            "manager": cls.support_manager,
            "public": cls.env.ref("base.public_user"),
        }
        cls.records = cls._customer_a_records()

    @classmethod
    def _customer_a_records(cls):
        """One record of each model of the addon, customer A's where the
        model belongs to a customer."""
        env = cls.env
        ticket = cls._create_ticket(cls.customer_contact, closed=False)
        # issue 27: one live hold per ticket -- the hold has a ticket of its
        # own, so that the ticket's "Request Card Hold" stays open
        hold = cls._create_hold(
            ticket=cls._create_ticket(cls.customer_contact, closed=False)
        )
        hold._portal_ensure_token()
        product = env["product.product"].create(
            {
                "name": "Pack 10",
                "type": "service",
                "support_is_pack": True,
                "list_price": 400,
                "support_pack_ticket_count": 10,
                "support_pack_validity_months": 12,
            }
        )
        invoice = env["account.move"]._support_create_pack_invoice(
            cls.customer_contact, product
        )
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        pack = env["support.ticket.pack"].search([("invoice_id", "=", invoice.id)])
        plan = env.ref("support_billing.support_plan_all_inclusive")
        subscription = env["support.subscription"].create(
            {
                "partner_id": cls.customer.id,
                "plan_id": plan.id,
                "company_id": cls.company.id,
                "authorized_user_ids": [Command.set(cls.customer_contact.ids)],
            }
        )
        subscription.action_confirm()  # waiting for its first payment
        session = env["support.remote.session"].create(
            {"ticket_id": ticket.id, "user_id": cls.technician.id}
        )
        intervention = env["support.intervention"].create(
            {
                "partner_id": cls.customer_contact.id,
                "description": "The desktop does not start.",
                "address": "1 rue de Rivoli, Paris",
                "desired_date": date.today() + timedelta(days=3),
            }
        )
        intervention._portal_ensure_token()
        line = env["support.intervention.line"].create(
            {
                "intervention_id": intervention.id,
                "name": "Disk",
                "quantity": 1,
                "price_unit": 80,
            }
        )
        entry = cls._log(ticket, 30)
        records = {
            "helpdesk.ticket": ticket,
            "support.card.hold": hold,
            "support.ticket.pack": pack,
            "support.ticket.pack.move": pack.move_ids[:1],
            "support.subscription": subscription,
            "support.remote.session": session,
            "support.intervention": intervention,
            "support.intervention.line": line,
            "support.time.entry": entry,
            "support.plan": plan,
            "account.move": invoice,
        }
        for model in cls._addon_models():
            if model not in records:
                records[model] = env[model].search([], limit=1)
        return records

    @classmethod
    def _addon_models(cls):
        """The models the addon creates (not those it extends)."""
        data = cls.env["ir.model.data"].search(
            [("module", "=", "support_billing"), ("model", "=", "ir.model")]
        )
        models = cls.env["ir.model"].browse(data.mapped("res_id")).exists()
        return sorted(
            [
                m.model
                for m in models
                if m.modules == "support_billing" and not cls.env[m.model]._abstract
            ]
            # the customer's ticket, extended by the addon
            + ["helpdesk.ticket"]
        )

    # ------------------------------------------------------------- checks
    def _model_cells(self):
        actual = {}
        for model in self._addon_models():
            record = self.records.get(model)
            for role, user in self.users.items():
                allowed = ""
                Model = self.env[model].with_user(user)
                for op, letter in (
                    ("read", "r"),
                    ("write", "w"),
                    ("create", "c"),
                    ("unlink", "u"),
                ):
                    target = (
                        Model
                        if op == "create" or not record
                        else record.with_user(user)
                    )
                    if target.has_access(op):
                        allowed += letter
                actual.setdefault(model, {})[role] = allowed
        return actual

    def _action_targets(self):
        """(model, action name) of every ``action_*`` the addon defines."""
        targets = {}
        for model in sorted(self.env.registry):
            cls = type(self.env[model])
            names = set()
            for klass in cls.__mro__:
                if not klass.__module__.startswith("odoo.addons.support_billing"):
                    continue
                names.update(
                    n
                    for n, v in vars(klass).items()
                    if n.startswith("action_") and callable(v)
                )
            for name in names:
                targets[(model, name)] = self.records.get(model) or self.env[
                    model
                ].search([], limit=1)
        return targets

    def _call_action(self, user, record, name):
        """``"ok"`` (done), ``"denied"`` (AccessError) or ``"refused"`` (any
        other error: state, missing data); nothing stays."""
        savepoint = self.env.cr.savepoint(flush=True)
        try:
            with mute_logger("odoo"):
                getattr(record.with_user(user), name)()
                self.env.flush_all()
            result = "ok"
        except AccessError:
            result = "denied"
        except Exception:  # noqa: BLE001  refused for another reason: state...
            result = "refused"
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        return result

    def _action_cells(self):
        actual = {}
        for (model, name), record in sorted(self._action_targets().items()):
            if not record:
                continue
            outcomes = {
                role: self._call_action(user, record, name)
                for role, user in self.users.items()
            }
            actual[(model, name)] = {
                kind: tuple(r for r, o in outcomes.items() if o == kind)
                for kind in ("ok", "refused")
                if kind in outcomes.values()
            }
        return actual

    # --------------------------------------------------------------- URLs
    def _urls(self):
        """key -> (method, path, data, record whose data must not leak)."""
        r = self.records
        hold, intervention = r["support.card.hold"], r["support.intervention"]
        session, sub = r["support.remote.session"], r["support.subscription"]
        ticket, invoice = r["helpdesk.ticket"], r["account.move"]
        wrong = "0" * 32
        # customer B's own hold: its token opens nothing of A's
        other_hold = hold.sudo().copy(
            {"partner_id": self.other_portal_user.partner_id.id, "ticket_id": False}
        )
        other_hold._portal_ensure_token()
        return {
            "hold list": ("GET", "/my/card_holds", None, hold),
            "intervention list": ("GET", "/my/interventions", None, intervention),
            "ticket list": ("GET", "/my/tickets", None, ticket),
            "hold card page, another hold's token": (
                "GET",
                f"/support/pay/{hold.id}?access_token={other_hold.access_token}",
                None,
                hold,
            ),
            "hold transaction, another hold's token": (
                "JSON",
                f"/support/pay/{hold.id}/transaction",
                {"access_token": other_hold.access_token, "flow": "direct"},
                hold,
            ),
            "address proof, forged token": (
                "POST",
                "/support/verify",
                {"token": "AQ" + wrong},
                ticket,
            ),
            "hold portal page": ("GET", f"/my/card_holds/{hold.id}", None, hold),
            "hold portal page, wrong token": (
                "GET",
                f"/my/card_holds/{hold.id}?access_token={wrong}",
                None,
                hold,
            ),
            "hold card page, wrong token": (
                "GET",
                f"/support/pay/{hold.id}?access_token={wrong}",
                None,
                hold,
            ),
            "hold form, wrong token": (
                "GET",
                f"/support/pay?hold_id={hold.id}&access_token={wrong}",
                None,
                hold,
            ),
            "hold done page, wrong token": (
                "GET",
                f"/support/pay/{hold.id}/done?access_token={wrong}",
                None,
                hold,
            ),
            "hold transaction, wrong token": (
                "JSON",
                f"/support/pay/{hold.id}/transaction",
                {"access_token": wrong, "flow": "direct"},
                hold,
            ),
            "intervention page": (
                "GET",
                f"/my/interventions/{intervention.id}",
                None,
                intervention,
            ),
            "intervention page, wrong token": (
                "GET",
                f"/my/interventions/{intervention.id}?access_token={wrong}",
                None,
                intervention,
            ),
            "intervention estimate report": (
                "GET",
                f"/my/interventions/{intervention.id}?report_type=html&report=estimate",
                None,
                intervention,
            ),
            "intervention refuse": (
                "POST",
                f"/my/interventions/{intervention.id}/refuse",
                {},
                intervention,
            ),
            "intervention sign policy": (
                "JSON",
                f"/my/interventions/{intervention.id}/sign_policy",
                {"name": "X", "signature": "iVBORw0KGgo="},
                intervention,
            ),
            "intervention accept": (
                "JSON",
                f"/my/interventions/{intervention.id}/accept",
                {"name": "X", "signature": "iVBORw0KGgo="},
                intervention,
            ),
            "ticket page": ("GET", f"/my/ticket/{ticket.id}", None, ticket),
            "remote consent": (
                "POST",
                f"/my/remote_session/{session.id}/consent",
                {"agree": "1"},
                session,
            ),
            "remote decline": (
                "POST",
                f"/my/remote_session/{session.id}/decline",
                {},
                session,
            ),
            "remote stop": (
                "POST",
                f"/my/remote_session/{session.id}/stop",
                {},
                session,
            ),
            "subscription page": ("GET", "/my/subscription", None, sub),
            "subscription add user": (
                "POST",
                f"/my/subscription/{sub.id}/users/add",
                {"name": "Mallory", "email": "mallory@evil.test"},
                sub,
            ),
            "subscription remove user": (
                "POST",
                f"/my/subscription/{sub.id}/users/{self.customer_contact.id}/remove",
                {"confirm": "1"},
                sub,
            ),
            "subscription cancel": (
                "POST",
                f"/my/subscription/{sub.id}/cancel",
                {"confirm": "1"},
                sub,
            ),
            "pack invoice page": ("GET", f"/my/invoices/{invoice.id}", None, invoice),
            "balance page": (
                "GET",
                "/my/support_balance",
                None,
                r["support.ticket.pack"],
            ),
        }

    def _marker(self, record):
        record = record.sudo()
        return record.number if record._name == "helpdesk.ticket" else record.name

    def _state(self, record):
        record = record.sudo()
        self.env.flush_all()
        self.env.cr.execute(
            f'SELECT write_date FROM "{record._table}" WHERE id = %s',
            (record.id,),
        )
        row = self.env.cr.fetchone()
        messages = (
            self.env["mail.message"]
            .sudo()
            .search_count([("model", "=", record._name), ("res_id", "=", record.id)])
            if "message_ids" in record._fields
            else 0
        )
        return (row, messages)

    def _open(self, role, method, path, data):
        user = self.users[role]
        self.authenticate(None, None) if role == "public" else self.authenticate(
            user.login, user.login
        )
        with mute_logger("odoo.http", "odoo.addons.http_routing"):
            if method == "GET":
                return self.url_open(path, allow_redirects=False)
            if method == "JSON":
                return self.url_open(
                    path,
                    json={"jsonrpc": "2.0", "method": "call", "params": data},
                )
            token = self.url_open("/my" if role != "public" else "/support/contact")
            csrf = token.text.split('name="csrf_token" value="', 1)
            csrf = csrf[1].split('"', 1)[0] if len(csrf) > 1 else ""
            if not csrf:
                csrf = token.text.split('csrf_token: "', 1)[-1].split('"', 1)[0]
            return self.url_open(
                path, data={"csrf_token": csrf, **data}, allow_redirects=False
            )

    def _url_cells(self):
        actual = {}
        for key, (method, path, data, record) in self._urls().items():
            # the others first: customer A's own changes come last
            for role in ("public", "portal_b", "technician", "colleague", "portal_a"):
                before = self._state(record)
                response = self._open(role, method, path, data)
                marker = self._marker(record)
                location = response.headers.get("Location", "")
                shown = response.status_code == 200 and marker in response.text
                changed = self._state(record) != before
                if response.status_code >= 500:
                    shown = "server error"
                actual[(role, method, key)] = shown or changed
                _logger.debug(
                    "%s %s %s -> %s %s",
                    role,
                    method,
                    path,
                    response.status_code,
                    location,
                )
        return actual

    # --------------------------------------------------------------- test
    def test_access_matrix(self):
        differences = []
        size = 0
        actual_models = self._model_cells()
        for model, row in actual_models.items():
            for role, allowed in row.items():
                size += 4
                expected = MODELS.get(model, {}).get(role)
                if expected is None or set(expected) != set(allowed):
                    differences.append(
                        f"model {model} / {role}: "
                        f"expected {expected!r}, got {allowed!r}"
                    )
        actual_actions = self._action_cells()
        for target, outcomes in actual_actions.items():
            size += len(ROLES)
            expected = ACTIONS.get(target)
            if expected != outcomes:
                differences.append(
                    f"action {target}: expected {expected!r}, got {outcomes!r}"
                )
        actual_urls = self._url_cells()
        for cell, leaked in actual_urls.items():
            size += 1
            expected = URLS.get(cell, False)
            if expected != leaked:
                differences.append(f"url {cell}: expected {expected!r}, got {leaked!r}")
        _logger.info(
            "access matrix: %s cells (%s models x %s roles x 4 operations, "
            "%s actions x %s roles, %s URL cells), %s differences",
            size,
            len(actual_models),
            len(ROLES),
            len(actual_actions),
            len(ROLES),
            len(actual_urls),
            len(differences),
        )
        self.assertFalse(
            differences,
            "access matrix differences:\n"
            + "\n".join(differences)
            + "\n\nactual models:\n"
            + repr(actual_models)
            + "\n\nactual actions:\n"
            + repr(actual_actions)
            + "\n\nactual urls:\n"
            + repr(sorted(k for k, v in actual_urls.items() if v)),
        )
