# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""On-site interventions: planning, signed policy, estimate,
fees and invoices."""

import itertools
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import SupportBillingCommon
from .pdf_layout import assert_letterhead, render_pdf_text, set_letterhead
from .test_subscription import SubscriptionCommon

#: A 1x1 PNG, as the portal's signature widget sends it (base64).
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6"
    "kgAAAABJRU5ErkJggg=="
)


class InterventionCommon(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = (
            cls.env.ref("support_billing.product_intervention_travel")
            | cls.env.ref("support_billing.product_intervention_compensation")
            | cls.env.ref("support_billing.product_intervention_cancellation")
        )
        cls.products.write({"taxes_id": [(5, 0, 0)]})
        cls.company.write(
            {
                "support_travel_fee": 35.0,
                "support_travel_fee_per_km": 0.0,
                "support_service_radius": 15.0,
                "support_compensation_rate": 20.0,
                "support_cancel_notice_hours": 24,
                "support_late_cancel_fee": 0.0,
            }
        )
        # the company sits at Notre-Dame de Paris
        cls.company.partner_id.write(
            {"partner_latitude": 48.8530, "partner_longitude": 2.3499}
        )
        cls.technician.tz = "UTC"

    @classmethod
    def _create_intervention(cls, partner=None, user=None, **vals):
        return (
            cls.env["support.intervention"]
            .with_user(user or cls.technician)
            .create(
                {
                    "partner_id": (partner or cls.customer_contact).id,
                    "description": "The desktop does not start.",
                    "address": "1 rue de Rivoli, Paris",
                    **vals,
                }
            )
        )

    def _schedule(self, intervention, start="2026-03-05 14:00:00"):
        intervention.write({"scheduled_start": start, "user_id": self.technician.id})
        intervention.action_schedule()

    def _sign_on_device(self, intervention, mode="policy", **vals):
        wizard = (
            self.env["support.intervention.sign.wizard"]
            .with_user(self.technician)
            .create(
                {
                    "intervention_id": intervention.id,
                    "mode": mode,
                    "signed_by": "Anna Acme",
                    "signature": SIGNATURE,
                    **vals,
                }
            )
        )
        return wizard.action_confirm()

    def _to_estimate(self, minutes=45):
        """Scheduled, policy signed, 45 min of diagnostic, estimate of 210."""
        intervention = self._create_intervention()
        self._schedule(intervention)
        self._sign_on_device(intervention)
        intervention.action_start()
        intervention.action_diagnostic()
        self.env["support.time.entry"].with_user(self.technician).create(
            {
                "ticket_id": intervention.ticket_id.id,
                "minutes": minutes,
                "description": "Diagnostic",
            }
        )
        intervention.write(
            {
                "estimate_line_ids": [
                    (
                        0,
                        0,
                        {"line_type": "part", "name": "SSD 1 TB", "price_unit": 120},
                    ),
                    (
                        0,
                        0,
                        {"line_type": "labour", "name": "Install", "price_unit": 90},
                    ),
                ]
            }
        )
        intervention.action_present_estimate()
        self.assertEqual(intervention.state, "estimate")
        return intervention


@tagged("post_install", "-at_install")
class TestIntervention(InterventionCommon):
    def test_request_creates_ticket_and_acknowledges(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        intervention = (
            self.env["support.intervention"]
            .with_context(lang="fr_FR")
            ._create_from_request(
                {
                    "name": "Jeanne Client",
                    "email": "jeanne@example.test",
                    "phone": "+33 6 00 00 00 00",
                    "address": "3 rue Neuve",
                    "description": "Mon imprimante ne marche plus.",
                    "desired_date": date(2026, 12, 1),
                    "lang": "fr_FR",
                }
            )
        )
        self.assertEqual(intervention.state, "requested")
        self.assertTrue(intervention.name.startswith("INT/"))
        partner = intervention.partner_id
        self.assertEqual(
            (partner.name, partner.email, partner.lang),
            ("Jeanne Client", "jeanne@example.test", "fr_FR"),
        )
        ticket = intervention.ticket_id
        self.assertEqual(ticket.partner_id, partner)
        self.assertIn("imprimante", ticket.description)
        self.assertEqual(ticket.support_billing_mode, "intervention")
        template = self.env.ref("support_billing.mail_template_intervention_request")
        self.assertEqual(
            template._render_lang(intervention.ids)[intervention.id], "fr_FR"
        )
        message = intervention.message_ids.filtered(
            lambda m: intervention.name in (m.subject or "")
        )
        self.assertEqual(len(message), 1)
        self.assertIn(partner, message.notified_partner_ids)
        self.assertIn("to be confirmed", str(message.body))

    def test_accepted_on_site(self):
        intervention = self._to_estimate()
        self.assertEqual(intervention.estimate_amount, 210)
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="on_site"
        )
        self.assertEqual(
            (intervention.state, intervention.outcome, intervention.repair_place),
            ("accepted", "accepted", "on_site"),
        )
        self.assertTrue(intervention.estimate_attachment_id)
        self.assertEqual(intervention.estimate_signed_by, "Anna Acme")
        with self.assertRaises(UserError):
            intervention.estimate_line_ids[0].write({"price_unit": 1})
        with self.assertRaisesRegex(UserError, "Record who received"):
            intervention.action_done()
        intervention.returned_to = "Ben Acme (designated)"
        # a support manager bills (technicians prepare)
        intervention.with_user(self.support_manager).action_done()
        self.assertEqual(intervention.state, "invoiced")
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.customer_contact)
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("price_subtotal")), [90, 120]
        )
        self.assertEqual(intervention.amount_due, 210)
        # the diagnostic time is linked to the invoice and locked
        entries = intervention.ticket_id.support_time_entry_ids
        self.assertEqual(entries.invoice_id, invoice)
        self.assertEqual(entries.state, "invoiced")

    def test_accepted_in_workshop(self):
        intervention = self._to_estimate()
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="workshop"
        )
        self.assertEqual(intervention.repair_place, "workshop")
        intervention.returned_to = "Anna Acme"
        intervention.action_done()
        self.assertEqual(intervention.sudo().invoice_ids.amount_untaxed, 210)
        self.assertTrue(intervention.returned_on)

    def test_refused_invoices_travel_and_diagnostic_at_once(self):
        intervention = self._to_estimate(minutes=45)
        self._sign_on_device(intervention, mode="estimate", decision="refuse")
        self.assertEqual(
            (intervention.state, intervention.outcome), ("invoiced", "refused")
        )
        invoice = intervention.sudo().invoice_ids
        # answered on the technician's device: a draft that accounting posts
        self.assertEqual(invoice.state, "draft")
        with self.assertRaises(AccessError):
            invoice.with_user(self.technician).action_post()
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(invoice.state, "posted")
        lines = invoice.invoice_line_ids
        travel = self.env.ref("support_billing.product_intervention_travel")
        self.assertEqual(
            lines.filtered(lambda l: l.product_id == travel).price_unit, 35
        )
        diagnostic = lines.filtered("support_ticket_id")
        self.assertEqual(diagnostic.price_subtotal, 67.5)  # 45 min at 90.00
        self.assertEqual(diagnostic.product_id, self.product_time)
        self.assertEqual(invoice.amount_total, 102.5)
        self.assertEqual(intervention.amount_due, 102.5)
        entries = intervention.ticket_id.support_time_entry_ids
        self.assertEqual(entries.invoice_line_id, diagnostic)
        with self.assertRaises(UserError):
            entries.write({"minutes": 10})
        bodies = " ".join(intervention.sudo().message_ids.mapped("body"))
        self.assertIn("Estimate refused by Anna Acme", bodies)
        self.assertIn("102.50 prepared: accounting posts it", bodies)

    def test_stopped_with_compensation(self):
        intervention = self._to_estimate(minutes=45)
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="workshop"
        )
        intervention.action_stop()
        self.assertEqual(
            (intervention.state, intervention.outcome), ("invoiced", "stopped")
        )
        invoice = intervention.sudo().invoice_ids
        compensation = self.env.ref("support_billing.product_intervention_compensation")
        line = invoice.invoice_line_ids.filtered(lambda l: l.product_id == compensation)
        self.assertEqual(line.price_subtotal, 13.5)  # 20 % of 67.50
        self.assertEqual(invoice.amount_total, 116.0)  # 35 + 67.50 + 13.50

    def test_compensation_rate_is_configurable(self):
        self.company.support_compensation_rate = 25.0
        intervention = self._to_estimate(minutes=45)
        self.assertEqual(intervention.compensation_rate, 25)
        intervention.action_stop()  # workshop refused at the estimate
        self.assertEqual(
            intervention.sudo().invoice_ids.amount_total, 35 + 67.5 + 16.88
        )

    def test_stop_refused_for_on_site_repair(self):
        intervention = self._to_estimate()
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="on_site"
        )
        with self.assertRaises(UserError):
            intervention.action_stop()
        self.assertFalse(intervention.sudo().invoice_ids)

    def test_signature_required_before_start(self):
        intervention = self._create_intervention()
        self._schedule(intervention)
        with self.assertRaisesRegex(UserError, "sign the policy"):
            intervention.action_start()
        with self.assertRaisesRegex(UserError, "signature is missing"):
            intervention._sign_policy("Anna Acme", False)
        with self.assertRaisesRegex(UserError, "name of the person"):
            intervention._sign_policy(" ", SIGNATURE)
        with self.assertRaisesRegex(UserError, "Invalid signature"):
            intervention._sign_policy("Anna Acme", "not base64!")
        self.assertFalse(intervention.policy_signed_on)
        self._sign_on_device(intervention)
        self.assertEqual(intervention.policy_signed_by, "Anna Acme")
        self.assertTrue(intervention.policy_signature)
        attachment = intervention.policy_attachment_id
        self.assertEqual(
            (attachment.res_model, attachment.res_id),
            ("support.intervention", intervention.id),
        )
        with self.assertRaisesRegex(UserError, "already signed"):
            intervention._sign_policy("Anna Acme", SIGNATURE)
        intervention.action_start()
        self.assertEqual(intervention.state, "in_progress")

    def test_reminder_call_the_day_before(self):
        with freeze_time("2026-03-02 10:00:00"):
            intervention = self._create_intervention(dispatcher_id=self.technician2.id)
            self._schedule(intervention, start="2026-03-05 14:00:00")
        call = self.env.ref("mail.mail_activity_data_call")
        activity = intervention.activity_ids.filtered(
            lambda a: a.activity_type_id == call
        )
        self.assertEqual(activity.activity_type_id, call)
        self.assertEqual(activity.date_deadline, date(2026, 3, 4))
        self.assertEqual(activity.user_id, self.technician2)
        event = intervention.calendar_event_id
        self.assertEqual(event.start, datetime(2026, 3, 5, 14, 0))
        self.assertIn(self.technician.partner_id, event.partner_ids)
        self.assertEqual(intervention.state, "scheduled")
        # agreed on another date: one reminder, moved
        with freeze_time("2026-03-03 10:00:00"):
            intervention.scheduled_start = "2026-03-10 08:00:00"
            intervention.action_schedule()
        activity = intervention.activity_ids.filtered(
            lambda a: a.activity_type_id == call
        )
        self.assertEqual(activity.date_deadline, date(2026, 3, 9))
        self.assertEqual(event.start, datetime(2026, 3, 10, 8, 0))

    def test_schedule_needs_date_and_technician(self):
        intervention = self._create_intervention()
        with self.assertRaises(UserError):
            intervention.action_schedule()

    def test_24_hour_rule(self):
        intervention = self._create_intervention()
        self._schedule(intervention, start="2026-03-05 09:00:00")
        with freeze_time("2026-03-04 08:59:00"):
            intervention.action_cancel()
        self.assertEqual(intervention.state, "cancelled")
        self.assertFalse(intervention.late_cancellation)
        self.assertFalse(intervention.activity_ids)
        self.assertFalse(intervention.calendar_event_id.active)
        late = self._create_intervention()
        self._schedule(late, start="2026-03-05 09:00:00")
        with freeze_time("2026-03-04 10:00:00"):
            late.action_cancel()
        self.assertTrue(late.late_cancellation)
        self.assertFalse(late.sudo().invoice_ids)  # no fee by default
        # with a fee, a late cancellation is invoiced
        self.company.support_late_cancel_fee = 25.0
        charged = self._create_intervention()
        self._schedule(charged, start="2026-03-05 09:00:00")
        with freeze_time("2026-03-05 08:00:00"):
            charged.action_cancel()
        self.assertTrue(charged.late_cancellation)
        self.assertEqual(charged.sudo().invoice_ids.amount_total, 25.0)
        self.assertEqual(
            charged.sudo().invoice_ids.invoice_line_ids.product_id,
            self.env.ref("support_billing.product_intervention_cancellation"),
        )
        self.assertEqual(charged.state, "cancelled")

    def test_service_area_flag(self):
        versailles = self.env["res.partner"].create(
            {"name": "Far", "partner_latitude": 48.8049, "partner_longitude": 2.1204}
        )
        montreuil = self.env["res.partner"].create(
            {"name": "Near", "partner_latitude": 48.8638, "partner_longitude": 2.4485}
        )
        far = self._create_intervention(partner=versailles)
        near = self._create_intervention(partner=montreuil)
        unknown = self._create_intervention()
        self.assertTrue(far.out_of_area)
        self.assertAlmostEqual(far.distance_km, 17.6, delta=0.1)
        self.assertFalse(near.out_of_area)
        self.assertFalse(unknown.out_of_area)
        flagged = self.env["support.intervention"].search(
            [("out_of_area", "=", True), ("id", "in", (far | near | unknown).ids)]
        )
        self.assertEqual(flagged, far)
        self.company.support_service_radius = 20.0
        self.assertFalse(far.out_of_area)

    def test_travel_fee_by_zone(self):
        self.env["support.travel.zone"].create(
            [
                {"name": "City", "max_distance": 10, "fee": 25},
                {"name": "Suburbs", "max_distance": 20, "fee": 40},
            ]
        )
        far = self._create_intervention(
            partner=self.env["res.partner"].create(
                {"name": "F", "partner_latitude": 48.8049, "partner_longitude": 2.1204}
            )
        )
        self.assertEqual(far.travel_fee, 40)
        self.assertEqual(self._create_intervention().travel_fee, 35)  # unknown

    def test_monthly_run_does_not_invoice_intervention_time(self):
        intervention = self._to_estimate(minutes=45)
        ticket = intervention.ticket_id
        ticket.stage_id = self.stage_done
        plain = self._create_ticket(self.customer_contact)
        self._log(plain, 40)
        self.assertEqual(ticket.support_billing_mode, "intervention")
        self.env["support.time.entry"]._cron_invoice_support_time()
        self.assertFalse(ticket.support_time_entry_ids.invoice_line_id)
        self.assertEqual(plain.support_time_entry_ids.state, "invoiced")
        # the accountant's wizard leaves it alone too
        with self.assertRaisesRegex(UserError, "no support time to invoice"):
            self._invoice(tickets=ticket)
        # refused: invoiced once, by the intervention
        intervention._refuse_estimate()
        self.assertEqual(
            ticket.support_time_entry_ids.invoice_id, intervention.sudo().invoice_ids
        )

    def test_access_rights(self):
        intervention = self._create_intervention()  # a technician creates
        intervention.with_user(self.portal_user).read(["name", "state"])
        with self.assertRaises(AccessError):
            intervention.with_user(self.other_portal_user).read(["name"])
        with self.assertRaises(AccessError):
            intervention.with_user(self.portal_user).write({"description": "x"})
        intervention.with_user(self.accountant).read(["amount_due"])
        with self.assertRaises(AccessError):
            intervention.with_user(self.accountant).write({"description": "x"})
        with self.assertRaises(AccessError):
            intervention.with_user(self.technician).unlink()
        intervention.with_user(self.support_manager).unlink()

    def test_settings_change_keeps_existing_fees(self):
        intervention = self._create_intervention()
        self.assertEqual(intervention.travel_fee, 35)
        self.company.support_travel_fee = 50.0
        self.assertEqual(intervention.travel_fee, 35)
        self.assertEqual(self._create_intervention().travel_fee, 50)

    def test_backend_form_and_signature_wizard(self):
        intervention = self._create_intervention(contact_name="Anna Acme")
        with Form(intervention.with_user(self.technician)) as form:
            form.scheduled_start = "2026-03-05 14:00:00"
            form.user_id = self.technician
        intervention.action_schedule()
        action = intervention.action_open_sign_wizard()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.technician)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard_form.mode, "policy")
        self.assertEqual(wizard_form.signed_by, "Anna Acme")
        wizard_form.signature = SIGNATURE
        wizard_form.save().action_confirm()
        self.assertEqual(intervention.policy_signed_by, "Anna Acme")


@tagged("post_install", "-at_install")
class TestInterventionReport(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_letterhead(cls.env)

    def test_signed_policy_pdf(self):
        intervention = self._create_intervention()
        intervention._sign_policy("Anna Acme", SIGNATURE)
        text = render_pdf_text(
            self,
            "support_billing.action_report_intervention_policy",
            intervention.ids,
        )
        assert_letterhead(self, text)
        for expected in ("Policy confirmation", intervention.name, "Anna Acme", "20"):
            self.assertIn(expected, text)

    def test_technicians_prepare_accountants_bill(self):
        """Issue 13: a technician ending an intervention prepares a draft
        invoice; fees are frozen once the customer signed."""
        intervention = self._to_estimate()
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="on_site"
        )
        intervention.returned_to = "Anna Acme"
        intervention.action_done()  # as the technician
        invoice = intervention.sudo().invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.assertIn("accounting posts it", intervention.message_ids[0].body)
        # the signed terms do not change afterwards, for anyone
        for user in (self.technician, self.support_manager):
            with self.assertRaisesRegex(UserError, "signed the terms"):
                intervention.with_user(user).travel_fee = 1.0
            with self.assertRaisesRegex(UserError, "signed the terms"):
                intervention.with_user(user).compensation_rate = 0.0

    def test_travel_fee_frozen_once_policy_signed(self):
        intervention = self._create_intervention()
        intervention.travel_fee = 20.0  # the technician prepares
        self._schedule(intervention)
        self._sign_on_device(intervention)
        with self.assertRaisesRegex(UserError, "signed the terms"):
            intervention.travel_fee = 5.0
        self.assertEqual(intervention.travel_fee, 20.0)


@tagged("post_install", "-at_install")
class TestInterventionSignedTerms(InterventionCommon):
    """Issue 30: what the customer signed changes only through its actions."""

    def _signed(self):
        intervention = self._create_intervention()
        self._schedule(intervention)
        self._sign_on_device(intervention)
        return intervention

    def test_technician_cannot_rewrite_signed_policy(self):
        intervention = self._signed()
        signed_on = intervention.policy_signed_on
        self.assertEqual(
            (intervention.travel_fee, intervention.hourly_rate), (35.0, 90.0)
        )
        for user, vals in itertools.product(
            (self.technician, self.support_manager),
            (
                {"policy_signed_on": False},
                {"travel_fee": 500.0},
                {"policy_signed_on": False, "travel_fee": 500.0},
                {"policy_signed_by": "Someone else"},
                {"policy_signature": False},
                {"policy_attachment_id": False},
                {"estimate_signed_on": signed_on},
                {"estimate_signature": SIGNATURE},
                {"state": "in_progress"},
                {"outcome": "refused"},
                {"compensation_rate": 0.0},
                {"hourly_rate": 10.0},
                {"amount_due": 1.0},
                {"repair_place": "workshop"},
            ),
        ):
            with self.subTest(user=user.login, vals=vals), self.assertRaises(UserError):
                intervention.with_user(user).write(vals)
        self.assertEqual(intervention.policy_signed_on, signed_on)
        self.assertEqual(intervention.policy_signed_by, "Anna Acme")
        self.assertTrue(intervention.policy_signature)
        self.assertTrue(intervention.policy_attachment_id)
        self.assertFalse(intervention.estimate_signed_on)
        self.assertEqual(
            (intervention.state, intervention.outcome), ("scheduled", False)
        )
        self.assertEqual(intervention.travel_fee, 35.0)
        self.assertEqual(intervention.compensation_rate, 20.0)
        self.assertEqual(intervention.hourly_rate, 90.0)
        # nor can a technician create an intervention already signed or advanced
        for vals in (
            {"state": "invoiced"},
            {"policy_signed_on": signed_on},
            {"outcome": "accepted"},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self._create_intervention(**vals)

    def test_partner_change_keeps_signed_fees(self):
        self.env["support.travel.zone"].create(
            [{"name": "Suburbs", "max_distance": 20, "fee": 40}]
        )
        intervention = self._signed()  # location unknown: the flat 35.00
        far = self.env["res.partner"].create(
            {
                "name": "Far Away Ltd",
                "partner_latitude": 48.8049,
                "partner_longitude": 2.1204,
                "support_hourly_rate": 150.0,
            }
        )
        intervention.with_user(self.technician).partner_id = far
        self.assertEqual(intervention.travel_fee, 35.0)
        self.assertEqual(intervention.hourly_rate, 90.0)
        self.assertEqual(intervention.compensation_rate, 20.0)

    def test_invoiced_at_the_signed_rate(self):
        intervention = self._to_estimate(minutes=45)  # signed at 90.00 an hour
        self.product_time.list_price = 120.0
        self.company.write(
            {"support_travel_fee": 60.0, "support_compensation_rate": 50.0}
        )
        self.assertEqual(intervention.hourly_rate, 90.0)
        intervention.with_user(self.support_manager).action_stop()
        self.assertEqual(
            (intervention.state, intervention.outcome), ("invoiced", "stopped")
        )
        invoice = intervention.sudo().invoice_ids
        diagnostic = invoice.invoice_line_ids.filtered("support_ticket_id")
        self.assertEqual(diagnostic.price_subtotal, 67.5)  # 45 min at 90.00
        self.assertIn("90.00", diagnostic.name)
        self.assertEqual(invoice.amount_total, 116.0)  # 35 + 67.50 + 13.50
        self.assertEqual(intervention.amount_due, 116.0)

    def test_estimate_frozen_once_answered(self):
        intervention = self._to_estimate()
        self._sign_on_device(
            intervention, mode="estimate", decision="accept", repair_place="on_site"
        )
        as_tech = intervention.with_user(self.technician)
        draft = self._create_intervention()
        line = self.env["support.intervention.line"].create(
            {"intervention_id": draft.id, "name": "Extra RAM", "price_unit": 80}
        )
        for action in (
            lambda: as_tech.write(
                {"estimate_line_ids": [(0, 0, {"name": "Extra", "price_unit": 5})]}
            ),
            lambda: as_tech.write({"estimate_line_ids": [(5, 0, 0)]}),
            lambda: line.with_user(self.technician).write(
                {"intervention_id": intervention.id}
            ),
            lambda: as_tech.write({"repair_place": "workshop"}),
            lambda: as_tech.write({"estimate_signed_on": False}),
        ):
            with self.subTest(action=action), self.assertRaises(UserError):
                action()
        self.assertEqual(intervention.estimate_amount, 210.0)
        self.assertEqual(len(intervention.estimate_line_ids), 2)
        self.assertEqual(intervention.repair_place, "on_site")
        intervention.returned_to = "Anna Acme"
        intervention.with_user(self.support_manager).action_done()
        self.assertEqual(intervention.sudo().invoice_ids.amount_total, 210.0)

    def test_fees_from_the_intervention_company(self):
        other = self.setup_other_company(name="Lyon support")["company"]
        other.write({"support_travel_fee": 50.0, "support_compensation_rate": 30.0})
        partner = self.env["res.partner"].create({"name": "Lyon customer"})
        intervention = self.env["support.intervention"].create(
            {
                "company_id": other.id,
                "partner_id": partner.id,
                "description": "Server down",
            }
        )
        self.assertEqual(self.env.company, self.company)
        self.assertEqual(intervention.travel_fee, 50.0)
        self.assertEqual(intervention.compensation_rate, 30.0)


@tagged("post_install", "-at_install")
class TestInterventionSubscription(InterventionCommon, SubscriptionCommon):
    def test_covered_diagnostic_is_not_billed(self):
        """A subscribed customer's diagnostic time follows the coverage rule
        of all support time: covered, never billed; the travel is."""
        start = date.today() - timedelta(days=30)
        sub = self._active_subscription(self.customer_contact, start=str(start))
        intervention = self._to_estimate(minutes=45)
        entries = intervention.ticket_id.support_time_entry_ids
        self.assertEqual(entries.state, "covered")
        self.assertEqual(entries.support_subscription_id, sub)
        self.assertEqual(intervention.diagnostic_minutes, 0)
        self.assertEqual(intervention.diagnostic_amount, 0.0)
        self._sign_on_device(intervention, mode="estimate", decision="refuse")
        invoice = intervention.sudo().invoice_ids
        diagnostic = invoice.invoice_line_ids.filtered("support_ticket_id")
        self.assertEqual(diagnostic.price_subtotal, 0.0)
        self.assertIn(f"45 min covered by subscription {sub.name}", diagnostic.name)
        self.assertEqual(invoice.amount_total, 35.0)  # the travel only
        self.assertEqual(intervention.amount_due, 35.0)
        self.assertFalse(entries.invoice_line_id)
        self.assertEqual(entries.state, "covered")
        # the invoice link is the intervention's own invoicing's
        with self.assertRaises(AccessError):
            intervention.with_user(self.technician).write({"invoice_ids": [(5, 0, 0)]})
        self.assertEqual(intervention.sudo().invoice_ids, invoice)
