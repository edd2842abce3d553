# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 24, item 3: Stripe disputes (chargebacks) recorded from the webhook,
with the stand-in opening, answering and closing them and sending the signed
``charge.dispute.*`` events through Odoo's HTTP route."""

from html import unescape

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .stripe_standin import DISPUTE_FEE
from .test_card_hold_stripe import WEBHOOK_SECRET, CardHoldStripeCommon


@tagged("post_install", "-at_install")
class TestStripeDispute(CardHoldStripeCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_manager = new_test_user(
            cls.env,
            login="sb-account-manager",
            groups="base.group_user,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    # ------------------------------------------------------------ helpers
    def _charged_hold(self, minutes=30):
        """A hold authorised on Stripe, its ticket's time charged (invoice
        of 50.00 + 20 % tax = 60.00 for 30 minutes)."""
        hold = self._create_hold()
        tx, intent_id, _response = self._stripe_authorize(hold)
        self._log(self.ticket, minutes)
        self._charge(hold)
        charge_id = self.standin.payment_intents[intent_id]["latest_charge"]
        return hold, tx, charge_id

    def _deliver(self, dispute_id, *types):
        """Post the stand-in's events of ``dispute_id`` (all, or those of
        ``types``) to Odoo's webhook, oldest first; each must get 200."""
        for event in self.standin.events_of(object_id=dispute_id):
            if types and event["type"] not in types:
                continue
            response = self._post_webhook(event)
            self.assertEqual(response.status_code, 200, response.text)

    def _dispute(self, stripe_id):
        return self.env["support.stripe.dispute"].search([("name", "=", stripe_id)])

    def _bodies(self, records):
        return [unescape(body) for body in records.message_ids.mapped("body")]

    # -------------------------------------------------------------- tests
    def test_lost_dispute_of_a_hold(self):
        """A chargeback on a hold's capture: the dispute names the
        transaction, the invoice, the hold and the customer, shows on the
        invoice and the hold with its reason and due date, gives the
        accountants an activity; lost, it proposes a draft credit note of
        the disputed amount and keeps Stripe's fee.  Replays and late
        events change nothing."""
        hold, tx, charge_id = self._charged_hold()
        invoice = hold.invoice_id
        self.assertEqual(invoice.amount_total, 60.0)
        opened = self.standin.open_dispute(charge_id, reason="product_not_received")
        self._deliver(opened["id"])
        dispute = self._dispute(opened["id"])
        self.assertEqual(len(dispute), 1)
        self.assertEqual(
            (dispute.company_id, dispute.transaction_id, dispute.invoice_ids),
            (self.company, tx, invoice),
        )
        self.assertEqual((dispute.hold_id, dispute.partner_id), (hold, self.customer))
        self.assertEqual(
            (dispute.status, dispute.reason, dispute.amount),
            ("needs_response", "product_not_received", 60.0),
        )
        self.assertEqual(dispute.fee_amount, DISPUTE_FEE / 100)
        self.assertEqual(dispute.withdrawn_amount, 60.0)
        self.assertEqual(
            dispute.evidence_due_date.timestamp(),
            opened["evidence_details"]["due_by"],
        )
        self.assertEqual(dispute.stripe_charge, charge_id)
        # the invoice and the hold say so
        self.assertTrue(invoice.support_disputed)
        self.assertEqual(invoice.support_dispute_reason, "product_not_received")
        self.assertEqual(invoice.support_dispute_due_date, dispute.evidence_due_date)
        self.assertEqual(
            self.env["account.move"].search([("support_disputed", "=", True)]),
            invoice,
        )
        self.assertTrue(hold.disputed)
        self.assertEqual(
            hold.with_user(self.technician).dispute_status, "needs_response"
        )
        self.assertEqual(tx.support_dispute_status, "needs_response")
        self.assertTrue(
            any("Service not received" in body for body in self._bodies(invoice))
        )
        [activity] = dispute.activity_ids
        self.assertTrue(
            activity.user_id.has_group("account.group_account_invoice"),
            activity.user_id.login,
        )
        self.assertEqual(activity.date_deadline, dispute.evidence_due_date.date())

        # exactly once: the same events again change nothing
        messages = len(dispute.message_ids) + len(invoice.message_ids)
        self._deliver(opened["id"])
        self.assertEqual(len(self._dispute(opened["id"])), 1)
        self.assertEqual(len(dispute.activity_ids), 1)
        self.assertEqual(len(dispute.message_ids) + len(invoice.message_ids), messages)

        # the evidence, sent to Stripe, then the bank decides
        response = self._stripe_call(
            "POST",
            f"disputes/{opened['id']}",
            **{"evidence[uncategorized_text]": "Signed report", "submit": "true"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self._deliver(opened["id"], "charge.dispute.updated")
        self.assertEqual(dispute.status, "under_review")
        self.assertTrue(dispute.evidence_submitted)
        self.standin.close_dispute(opened["id"], "lost")
        self._deliver(opened["id"], "charge.dispute.closed")
        self.assertEqual(dispute.status, "lost")
        self.assertFalse(dispute.activity_ids)
        credit_note = dispute.credit_note_ids
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(
            (credit_note.move_type, credit_note.state, credit_note.reversed_entry_id),
            ("out_refund", "draft", invoice),
        )
        self.assertEqual(credit_note.amount_total, 60.0)
        self.assertEqual(credit_note.amount_tax, 10.0)
        self.assertEqual(dispute.fee_amount, 15.0)
        self.assertTrue(invoice.support_disputed)  # lost: still to settle
        self.assertEqual(invoice.support_dispute_status, "lost")
        self.assertTrue(
            any(
                credit_note.display_name in body and "lost" in body
                for body in self._bodies(invoice)
            )
        )
        # every event again, the review delivered last (late): still lost,
        # one credit note, no new message
        messages = len(dispute.message_ids) + len(invoice.message_ids)
        self._deliver(opened["id"])
        self._deliver(opened["id"], "charge.dispute.updated")
        self.assertEqual(dispute.status, "lost")
        self.assertEqual(len(dispute.message_ids) + len(invoice.message_ids), messages)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("reversed_entry_id", "=", invoice.id)]
            ),
            1,
        )

    def test_won_dispute_clears_the_flag(self):
        """Won: Stripe gives the amount back (not the fee), the invoice and
        the hold are no longer disputed, no credit note."""
        hold, _tx, charge_id = self._charged_hold()
        opened = self.standin.open_dispute(charge_id, reason="fraudulent")
        self._deliver(opened["id"])
        self.assertTrue(hold.invoice_id.support_disputed)
        self.standin.close_dispute(opened["id"], "won")
        self._deliver(
            opened["id"], "charge.dispute.closed", "charge.dispute.funds_reinstated"
        )
        dispute = self._dispute(opened["id"])
        self.assertEqual(dispute.status, "won")
        self.assertEqual((dispute.reinstated_amount, dispute.fee_amount), (60.0, 15.0))
        self.assertFalse(dispute.credit_note_ids)
        self.assertFalse(hold.invoice_id.support_disputed)
        self.assertEqual(hold.invoice_id.support_dispute_status, "won")
        self.assertFalse(hold.disputed)
        self.assertFalse(
            self.env["account.move"].search([("support_disputed", "=", True)])
        )

    def test_inquiry_then_chargeback(self):
        """An inquiry takes nothing; escalated, the amount and fee are
        recorded; an ``updated`` event of the inquiry delivered late does not
        take the dispute back."""
        _hold, _tx, charge_id = self._charged_hold()
        opened = self.standin.open_dispute(
            charge_id, reason="unrecognized", inquiry=True
        )
        self._deliver(opened["id"])
        dispute = self._dispute(opened["id"])
        self.assertEqual(dispute.status, "warning_needs_response")
        self.assertEqual((dispute.withdrawn_amount, dispute.fee_amount), (0.0, 0.0))
        self.standin.escalate_dispute(opened["id"])
        self._deliver(opened["id"], "charge.dispute.funds_withdrawn")
        self.assertEqual(dispute.status, "needs_response")
        self.assertEqual((dispute.withdrawn_amount, dispute.fee_amount), (60.0, 15.0))
        self._deliver(opened["id"], "charge.dispute.created")
        self.assertEqual(dispute.status, "needs_response")
        self.assertTrue(
            any("became a chargeback" in body for body in self._bodies(dispute))
        )

    def test_forged_or_unsigned_dispute_refused(self):
        _hold, _tx, charge_id = self._charged_hold()
        opened = self.standin.open_dispute(charge_id)
        [event] = self.standin.events_of("charge.dispute.created", opened["id"])
        body, headers = self.standin.webhook_request(event)
        with mute_logger("odoo.http", "odoo.addons.support_billing.controllers.main"):
            forged = self.url_open(
                "/payment/stripe/webhook",
                data=body,
                headers={**headers, "Stripe-Signature": "t=1,v1=00"},
            )
            self.assertEqual(forged.status_code, 403)
            other = self.url_open(
                "/payment/stripe/webhook",
                data=body,
                headers={
                    **headers,
                    "Stripe-Signature": self.standin.sign(body, secret="whsec_other"),
                },
            )
            self.assertEqual(other.status_code, 403)
            self.stripe.stripe_webhook_secret = False
            self.assertEqual(self._post_webhook(event).status_code, 403)
        self.assertFalse(self._dispute(opened["id"]))
        self.stripe.stripe_webhook_secret = WEBHOOK_SECRET
        self.assertEqual(self._post_webhook(event).status_code, 200)
        self.assertTrue(self._dispute(opened["id"]))

    def test_dispute_of_another_system_acknowledged(self):
        """A signed dispute event of a payment this database does not know
        (another system on the same Stripe account) gets 200 and records
        nothing."""
        standin = self.standin
        charge = self._charged_hold()[2]
        opened = standin.open_dispute(charge)
        [event] = standin.events_of("charge.dispute.created", opened["id"])
        other = dict(
            event,
            id="evt_other_system",
            data={
                "object": dict(
                    event["data"]["object"], id="dp_other", payment_intent="pi_other"
                )
            },
        )
        self.assertEqual(self._post_webhook(other).status_code, 200)
        self.assertFalse(self._dispute("dp_other"))

    def test_states_change_only_through_stripe(self):
        """Nobody writes a dispute's status, amounts or links by hand, nor
        creates or deletes one; accountants read them."""
        _hold, _tx, charge_id = self._charged_hold()
        opened = self.standin.open_dispute(charge_id)
        self._deliver(opened["id"])
        dispute = self._dispute(opened["id"])
        for user in (self.accountant, self.account_manager):
            as_user = dispute.with_user(user)
            self.assertEqual(as_user.status, "needs_response")
            for vals in (
                {"status": "won"},
                {"fee_amount": 0.0},
                {"amount": 1.0},
                {"invoice_ids": [Command.clear()]},
                {"credit_note_ids": [Command.set(self.env["account.move"].ids)]},
            ):
                with self.assertRaises(AccessError):
                    as_user.write(vals)
            with self.assertRaises(AccessError):
                as_user.create(
                    {
                        "name": "dp_forged",
                        "company_id": self.company.id,
                        "transaction_id": dispute.transaction_id.id,
                        "currency_id": dispute.currency_id.id,
                        "reason": "general",
                        "status": "won",
                    }
                )
            with self.assertRaises(AccessError):
                as_user.unlink()
        with self.assertRaises(AccessError):
            dispute.with_user(self.technician).read(["status"])
        self.assertEqual(dispute.status, "needs_response")

    def test_dispute_stays_in_its_company(self):
        """A dispute of a payment made in company B is company B's: an
        accountant of company A does not see it."""
        company_b = self.env["res.company"].create(
            {"name": "Support B", "currency_id": self.company.currency_id.id}
        )
        provider_b = self.stripe.copy(
            {
                "company_id": company_b.id,
                "state": "test",
                "stripe_secret_key": "sk_test_standin",
                "stripe_publishable_key": "pk_test_standin",
                "stripe_webhook_secret": WEBHOOK_SECRET,
            }
        )
        partner_b = self.env["res.partner"].create({"name": "Bravo Ltd"})
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider_b.id,
                "payment_method_id": self.card.id,
                "reference": "B-PAY-1",
                "amount": 90.0,
                "currency_id": self.company.currency_id.id,
                "partner_id": partner_b.id,
                "operation": "online_direct",
            }
        )
        self.assertEqual(tx.company_id, company_b)
        intent_id = tx._get_processing_values()["client_secret"].split("_secret")[0]
        self._stripe_call(
            "POST",
            f"payment_intents/{intent_id}/confirm",
            payment_method="pm_card_visa",
        )
        charge_id = self.standin.payment_intents[intent_id]["latest_charge"]
        tx.provider_reference = intent_id
        opened = self.standin.open_dispute(charge_id, reason="duplicate")
        self._deliver(opened["id"])
        dispute = self._dispute(opened["id"])
        self.assertEqual(dispute.company_id, company_b)
        self.assertEqual(dispute.partner_id, partner_b)
        self.assertEqual(dispute.amount, 90.0)
        self.assertFalse(
            self.env["support.stripe.dispute"]
            .with_user(self.accountant)
            .search([("name", "=", opened["id"])])
        )
        with self.assertRaises(AccessError):
            dispute.with_user(self.accountant).read(["status"])
