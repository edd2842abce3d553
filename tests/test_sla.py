# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SupportBillingCommon

# Europe/Paris is UTC+1 in November/December: 17:30 Paris = 16:30 UTC.
FRIDAY_1730 = datetime(2026, 11, 27, 16, 30)
MONDAY_0930 = datetime(2026, 11, 30, 8, 30)
TUESDAY_0930 = datetime(2026, 12, 1, 8, 30)
SATURDAY_1030 = datetime(2026, 11, 28, 9, 30)
MONDAY_0900 = datetime(2026, 11, 30, 8, 0)


@tagged("post_install", "-at_install")
class TestSla(SupportBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env.ref("support_billing.resource_calendar_support")
        cls.weekend = cls.env.ref("support_billing.resource_calendar_support_weekend")
        cls.calendar.tz = cls.weekend.tz = "Europe/Paris"
        cls.company.write(
            {
                "support_calendar_id": cls.calendar.id,
                "support_weekend_calendar_id": cls.weekend.id,
            }
        )
        cls.target_high = cls.env.ref("support_billing.support_sla_target_priority_2")
        cls.target_high.first_response_hours = 1.0
        cls.type_technical = cls.env.ref(
            "support_billing.support_request_type_technical"
        )
        cls.type_dispute = cls.env.ref("support_billing.support_request_type_dispute")
        cls.type_suggestion = cls.env.ref(
            "support_billing.support_request_type_suggestion"
        )

    def _ticket(self, received=FRIDAY_1730, priority="2", **vals):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Mail down",
                "description": "<p>Mail down</p>",
                "partner_id": self.customer_contact.id,
                "company_id": self.company.id,
                "priority": priority,
                "support_received_date": received,
                **vals,
            }
        )

    # ------------------------------------------------------------ deadlines
    def test_deadline_skips_night_and_weekend(self):
        ticket = self._ticket()
        self.assertEqual(ticket.support_first_response_deadline, MONDAY_0930)
        # resolution of a high priority ticket: 24 opening hours
        # Fri 0.5 h + Mon 9 h + Tue 9 h + Wed 5.5 h -> Wednesday 14:30 Paris
        self.assertEqual(
            ticket.support_resolution_deadline, datetime(2026, 12, 2, 13, 30)
        )
        self.assertEqual(ticket.support_next_deadline, MONDAY_0930)

    def test_deadline_skips_public_holiday(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 29, 23, 0),
                "date_to": datetime(2026, 11, 30, 22, 59, 59),
            }
        )
        ticket = self._ticket()
        self.assertEqual(ticket.support_first_response_deadline, TUESDAY_0930)

    def test_urgent_ticket_uses_weekend_service(self):
        """Very high priority: 1 h in the calendar with the limited weekend
        service (Saturday 10:00-13:00)."""
        ticket = self._ticket(priority="3")
        self.assertEqual(ticket.support_first_response_deadline, SATURDAY_1030)
        # without a weekend calendar, urgent tickets wait for Monday
        self.weekend.active = False
        ticket2 = self._ticket(priority="3")
        self.assertEqual(ticket2.support_first_response_deadline, MONDAY_0930)

    def test_channel_targets_strictest_applies(self):
        target = self.env["support.sla.target"]
        email = self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email")
        chat = self.env.ref("support_billing.helpdesk_ticket_channel_chat")
        no_channel = self.env["helpdesk.ticket.channel"]
        # low priority 48 h, e-mail 48 h, chat 0.25 h
        self.assertEqual(
            target._get_support_targets(self.company, "0", chat), (0.25, 120.0)
        )
        self.assertEqual(
            target._get_support_targets(self.company, "1", email), (24.0, 72.0)
        )
        self.assertEqual(
            target._get_support_targets(self.company, "0", no_channel), (48.0, 120.0)
        )
        self.env.ref(
            "support_billing.support_sla_target_email"
        ).first_response_hours = 8
        self.assertEqual(
            target._get_support_targets(self.company, "1", email), (8.0, 72.0)
        )
        chat_ticket = self._ticket(
            received=MONDAY_0900, priority="0", channel_id=chat.id
        )
        self.assertEqual(
            chat_ticket.support_first_response_deadline,
            datetime(2026, 11, 30, 8, 15),
        )
        # changing the priority recomputes the deadlines
        ticket = self._ticket(received=MONDAY_0900, priority="1")
        ticket.priority = "2"
        self.assertEqual(
            ticket.support_first_response_deadline, datetime(2026, 11, 30, 9, 0)
        )
        # ... and so does changing the channel
        ticket.priority = "0"
        self.assertGreater(
            ticket.support_first_response_deadline, datetime(2026, 12, 1)
        )
        ticket.channel_id = chat
        self.assertEqual(
            ticket.support_first_response_deadline, datetime(2026, 11, 30, 8, 15)
        )

    def test_target_on_several_channels(self):
        """Issue 15: a target names helpdesk_mgmt channels (one concept); it
        applies to a ticket on any of them, a target without channel to
        every ticket."""
        # the company's own channels
        phone, walk_in = (
            self.env["helpdesk.ticket.channel"]
            .sudo()
            .create(
                [
                    {"name": "Phone line", "company_id": self.company.id},
                    {"name": "Walk-in", "company_id": self.company.id},
                ]
            )
        )
        form = self.env.ref("support_billing.helpdesk_ticket_channel_form")
        Target = self.env["support.sla.target"]
        quick = Target.create(
            {
                "channel_ids": [Command.set((phone | walk_in).ids)],
                "first_response_hours": 2,
            }
        )
        self.assertEqual(quick.name, "Phone line, Walk-in")
        self.assertIn(quick, phone.support_sla_target_ids)
        self.assertEqual(Target._get_support_targets(self.company, "0", phone)[0], 2)
        self.assertEqual(Target._get_support_targets(self.company, "0", walk_in)[0], 2)
        self.assertEqual(Target._get_support_targets(self.company, "0", form)[0], 48)
        on_phone = self._ticket(received=MONDAY_0900, priority="0", channel_id=phone.id)
        self.assertEqual(
            on_phone.support_first_response_deadline, datetime(2026, 11, 30, 10, 0)
        )
        # a target naming a priority and channels applies where both match
        quick.priority = "1"
        self.assertEqual(quick.name, "Medium / Phone line, Walk-in")
        self.assertEqual(Target._get_support_targets(self.company, "0", phone)[0], 48)
        self.assertEqual(Target._get_support_targets(self.company, "1", phone)[0], 2)
        # the batch look-up (targets already read) agrees with the search
        targets = Target.search([])
        for priority in ("0", "1", "3"):
            for channel in (form, phone, walk_in, self.env["helpdesk.ticket.channel"]):
                self.assertEqual(
                    Target._get_support_targets(self.company, priority, channel),
                    Target._get_support_targets(
                        self.company, priority, channel, targets
                    ),
                )

    def test_target_needs_scope_and_manager(self):
        with self.assertRaises(UserError):
            self.env["support.sla.target"].create({"first_response_hours": 2})
        with self.assertRaises(AccessError):
            self.env["support.sla.target"].with_user(self.technician).create(
                {"priority": "1", "first_response_hours": 2}
            )
        self.env["support.sla.target"].with_user(self.support_manager).create(
            {"priority": "1", "first_response_hours": 2}
        )

    # ------------------------------------------------------------ order
    def test_order_criticality_then_deadline(self):
        low = self._ticket(priority="0", received=MONDAY_0900)
        high_late = self._ticket(priority="2", received=TUESDAY_0930)
        high_early = self._ticket(priority="2", received=MONDAY_0900)
        urgent = self._ticket(priority="3", received=TUESDAY_0930)
        tickets = low | high_late | high_early | urgent
        found = self.env["helpdesk.ticket"].search([("id", "in", tickets.ids)])
        self.assertEqual(found.ids, [urgent.id, high_early.id, high_late.id, low.id])
        # the technicians' list view sorts the same way (the web client uses
        # the list's default_order, not the model's)
        arch = self.env["helpdesk.ticket"].get_view(
            self.env.ref("helpdesk_mgmt.ticket_view_tree").id, "list"
        )["arch"]
        self.assertIn(
            'default_order="priority desc, support_next_deadline, id desc"', arch
        )

    # ------------------------------------------------------------ first response
    def test_first_response_detection(self):
        with freeze_time(MONDAY_0900):
            ticket = self._ticket(received=MONDAY_0900)
        self.assertEqual(
            ticket.support_first_response_deadline, datetime(2026, 11, 30, 9, 0)
        )
        ticket_tech = ticket.with_user(self.technician)
        with freeze_time("2026-11-30 08:20:00"):
            ticket_tech.message_post(
                body="internal", message_type="comment", subtype_xmlid="mail.mt_note"
            )
        self.assertFalse(ticket.support_first_response_date)
        with freeze_time("2026-11-30 08:25:00"):
            ticket.with_user(self.portal_user).message_post(
                body="any news?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertFalse(ticket.support_first_response_date)
        self.assertFalse(ticket.support_first_response_hours)
        # a comment the customer does not receive is no answer to them
        with freeze_time("2026-11-30 08:27:00"):
            ticket_tech.message_post(
                body="for the team",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertFalse(ticket.support_first_response_date)
        with freeze_time("2026-11-30 08:30:00"):
            ticket_tech.message_post(
                body="On it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer_contact.ids,
            )
        self.assertEqual(
            ticket.support_first_response_date, datetime(2026, 11, 30, 8, 30)
        )
        self.assertAlmostEqual(ticket.support_first_response_hours, 0.5)
        self.assertFalse(ticket.support_first_response_breached)
        # counted once
        with freeze_time("2026-11-30 10:30:00"):
            ticket_tech.message_post(
                body="Done?", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertEqual(
            ticket.support_first_response_date, datetime(2026, 11, 30, 8, 30)
        )
        # next deadline is now the resolution's
        self.assertEqual(
            ticket.support_next_deadline, ticket.support_resolution_deadline
        )

    def test_first_response_ignores_automatic_notice(self):
        """An automatic notice to the customer (the prepaid tickets ran out,
        posted while a technician logs time) is no answer: only a person's
        reply stops the first-response clock (issue 30)."""
        with freeze_time(MONDAY_0900):
            ticket = self._ticket(received=MONDAY_0900)
        with freeze_time("2026-11-30 08:10:00"):
            # as in _support_sync_pack_consumption: sudo, the technician's uid
            ticket.with_user(self.technician).sudo()._support_notify_shortfall(2)
        notice = ticket.message_ids.filtered(lambda m: "ran out" in m.body)
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.message_type, "comment")
        self.assertEqual(notice.author_id, self.technician.partner_id)
        self.assertIn(self.customer_contact, notice.partner_ids)
        self.assertFalse(ticket.support_first_response_date)
        self.assertFalse(ticket.support_first_response_hours)
        # nor does a comment of OdooBot (crons, automations)
        with freeze_time("2026-11-30 08:15:00"):
            ticket.with_user(self.env.ref("base.user_root")).message_post(
                body="Automatic",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer_contact.ids,
            )
        self.assertFalse(ticket.support_first_response_date)
        self.assertEqual(ticket.support_next_deadline, datetime(2026, 11, 30, 9, 0))
        # the technician's reply, from the chatter (posted with sudo), counts
        with freeze_time("2026-11-30 08:30:00"):
            ticket.with_user(self.technician).sudo().message_post(
                body="On it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer_contact.ids,
            )
        self.assertEqual(
            ticket.support_first_response_date, datetime(2026, 11, 30, 8, 30)
        )
        self.assertAlmostEqual(ticket.support_first_response_hours, 0.5)
        self.assertFalse(ticket.support_first_response_breached)

    def test_received_date_managers_only(self):
        """The received date moves the published figures: only a support
        manager corrects it (issue 30)."""
        ticket = self._ticket(received=MONDAY_0900)
        with self.assertRaises(AccessError):
            ticket.with_user(self.technician).write(
                {"support_received_date": datetime(2026, 11, 30, 9, 0)}
            )
        self.assertEqual(ticket.support_received_date, MONDAY_0900)
        # other fields stay editable by technicians; the same date too
        ticket.with_user(self.technician).write(
            {"name": "Mail still down", "support_received_date": MONDAY_0900}
        )
        self.assertEqual(ticket.name, "Mail still down")
        ticket.with_user(self.support_manager).write(
            {"support_received_date": datetime(2026, 11, 30, 9, 0)}
        )
        self.assertEqual(ticket.support_received_date, datetime(2026, 11, 30, 9, 0))
        self.assertEqual(
            ticket.support_first_response_deadline, datetime(2026, 11, 30, 10, 0)
        )
        # the form says so: read-only for a technician, editable for a manager
        form_id = self.env.ref("helpdesk_mgmt.ticket_view_form").id
        for user, readonly in ((self.technician, True), (self.support_manager, False)):
            arch = self.env["helpdesk.ticket"].with_user(user).get_view(form_id)["arch"]
            fields_ = re.findall(r'<field name="support_received_date"[^>]*>', arch)
            self.assertEqual(len(fields_), 1, user.login)
            self.assertEqual('readonly="1"' in fields_[0], readonly, user.login)

    def test_first_response_date_and_closed_periods_protected(self):
        """A technician cannot forge the first response or the closed
        periods over RPC (a read-only field in a view stops no write)."""
        ticket = self._ticket(received=MONDAY_0900)
        with self.assertRaises(AccessError):
            ticket.with_user(self.technician).write(
                {"support_first_response_date": datetime(2026, 11, 30, 8, 5)}
            )
        self.assertFalse(ticket.support_first_response_date)
        self.assertFalse(ticket.support_first_response_hours)
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket"].with_user(self.technician).create(
                {
                    "name": "Forged",
                    "description": "<p>Forged</p>",
                    "partner_id": self.customer_contact.id,
                    "support_closed_periods": [
                        ["2026-11-30 08:00:00", "2026-12-01 08:00:00"]
                    ],
                }
            )
        # a support manager corrects a first response missed by the chatter
        ticket.with_user(self.support_manager).write(
            {"support_first_response_date": datetime(2026, 11, 30, 8, 45)}
        )
        self.assertAlmostEqual(ticket.support_first_response_hours, 0.75)

    def test_reopened_ticket_resolution_counts_open_periods(self):
        """A reopened ticket's resolution time is the sum of its open
        periods: the time it stayed closed is not counted (issue 30)."""
        ticket = self._ticket(received=MONDAY_0900)
        stage_cancelled = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
        tech_ticket = ticket.with_user(self.technician)
        with freeze_time("2026-11-30 11:00:00"):  # Monday 12:00 Paris: 3 h open
            tech_ticket.stage_id = self.stage_done
        self.assertAlmostEqual(ticket.support_resolution_hours, 3.0)
        with freeze_time("2026-12-01 09:00:00"):  # reopened Tuesday 10:00
            tech_ticket.stage_id = self.stage_new
        self.assertFalse(ticket.support_resolution_hours)
        with freeze_time("2026-12-01 10:00:00"):  # closed again at 11:00: 1 h
            tech_ticket.stage_id = self.stage_done
        # 3 h + 1 h; not 11 h (Monday 9:00-18:00 and Tuesday 9:00-11:00)
        self.assertAlmostEqual(ticket.support_resolution_hours, 4.0)
        self.assertFalse(ticket.support_resolution_breached)
        # moved from Done to Cancelled on Wednesday: still closed since 11:00
        with freeze_time("2026-12-02 09:00:00"):
            tech_ticket.stage_id = stage_cancelled
        self.assertEqual(ticket.closed_date, datetime(2026, 12, 2, 9, 0))
        self.assertAlmostEqual(ticket.support_resolution_hours, 4.0)
        # the closed periods are written by the code only
        with self.assertRaises(AccessError):
            ticket.with_user(self.support_manager).write({"support_closed_periods": []})

    def test_first_response_late_is_breached(self):
        ticket = self._ticket(received=MONDAY_0900)
        with freeze_time("2026-11-30 10:00:00"):
            ticket.with_user(self.technician).message_post(
                body="Sorry for the delay",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer_contact.ids,
            )
        self.assertTrue(ticket.support_first_response_breached)
        self.assertAlmostEqual(ticket.support_first_response_hours, 2.0)
        self.assertIn(
            ticket,
            self.env["helpdesk.ticket"].search([("support_sla_breached", "=", True)]),
        )

    def test_cron_flags_missed_deadline(self):
        with freeze_time("2026-11-30 08:30:00"):
            ticket = self._ticket(received=MONDAY_0900)
            self.assertFalse(ticket.support_first_response_breached)
            self.env["helpdesk.ticket"]._cron_support_sla_breach()
            self.assertFalse(ticket.support_first_response_breached)
        with freeze_time("2026-11-30 09:30:00"):
            flagged = self.env["helpdesk.ticket"]._cron_support_sla_breach()
        self.assertIn(ticket, flagged)
        self.assertTrue(ticket.support_first_response_breached)
        self.assertFalse(ticket.support_resolution_breached)
        self.assertFalse(ticket.support_first_response_date)

    def test_resolution_hours_and_breach(self):
        ticket = self._ticket(received=MONDAY_0900)
        with freeze_time("2026-12-01 09:00:00"):  # Tuesday 10:00 Paris
            ticket.stage_id = self.stage_done
        # Monday 9 h (from 9:00 to 18:00) + Tuesday 1 h
        self.assertAlmostEqual(ticket.support_resolution_hours, 10.0)
        self.assertFalse(ticket.support_resolution_breached)
        self.assertFalse(ticket.support_next_deadline)
        late = self._ticket(received=MONDAY_0900)
        with freeze_time("2026-12-10 09:00:00"):
            late.stage_id = self.stage_done
        self.assertTrue(late.support_resolution_breached)

    # ------------------------------------------------------------ channels
    def test_email_alias_creates_email_ticket(self):
        domain = self.env["mail.alias.domain"].create({"name": "support.example.com"})
        self.company.alias_domain_id = domain
        team = self.env["helpdesk.ticket.team"].create(
            {
                "name": "Mail team",
                "alias_name": "help-sla",
                "company_id": self.company.id,
            }
        )
        self.assertEqual(team.alias_id.alias_full_name, "help-sla@support.example.com")
        raw = (
            "Return-Path: <a@acme.test>\r\n"
            "From: Anna Acme <a@acme.test>\r\n"
            "To: help-sla@support.example.com\r\n"
            "Subject: VPN broken\r\n"
            "Message-ID: <sla-test-1@acme.test>\r\n"
            "Date: Mon, 30 Nov 2026 08:00:00 +0000\r\n"
            "Content-Type: text/plain\r\n\r\n"
            "The VPN does not connect.\r\n"
        )
        with freeze_time(MONDAY_0900):
            ticket_id = self.env["mail.thread"].message_process(False, raw)
        ticket = self.env["helpdesk.ticket"].browse(ticket_id)
        self.assertEqual(ticket.team_id, team)
        self.assertEqual(
            ticket.channel_id,
            self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email"),
        )
        self.assertTrue(ticket.support_first_response_deadline)
        self.assertTrue(ticket.support_resolution_deadline)

    # ------------------------------------------------------------ request types
    def test_dispute_goes_to_managers(self):
        ticket = self._ticket(support_request_type_id=self.type_dispute.id)
        self.assertEqual(
            ticket.team_id, self.env.ref("support_billing.helpdesk_team_disputes")
        )
        activity = ticket.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(
            activity.user_id.has_group("support_billing.group_support_manager")
        )
        # technicians neither see nor change disputes
        Ticket = self.env["helpdesk.ticket"]
        self.assertFalse(
            Ticket.with_user(self.technician).search([("id", "=", ticket.id)])
        )
        with self.assertRaises(AccessError):
            ticket.with_user(self.technician).read(["name"])
        self.assertTrue(
            Ticket.with_user(self.support_manager).search([("id", "=", ticket.id)])
        )
        # a ticket turned into a dispute later also gets the activity
        other = self._ticket(support_request_type_id=self.type_technical.id)
        self.assertFalse(other.activity_ids)
        self.assertTrue(
            Ticket.with_user(self.technician).search([("id", "=", other.id)])
        )
        # a technician may route a ticket to the managers, then loses it
        other.with_user(self.technician).support_request_type_id = self.type_dispute
        self.assertEqual(len(other.activity_ids), 1)
        self.assertEqual(
            other.team_id, self.env.ref("support_billing.helpdesk_team_disputes")
        )
        self.assertFalse(
            Ticket.with_user(self.technician).search([("id", "=", other.id)])
        )
        # the customer still sees their own dispute on the portal
        self.assertTrue(
            Ticket.with_user(self.portal_user).search([("id", "=", ticket.id)])
        )

    def test_suggestion_answered(self):
        ticket = self._ticket(support_request_type_id=self.type_suggestion.id)
        tech_ticket = ticket.with_user(self.technician)
        with self.assertRaises(UserError):
            tech_ticket.action_support_answer_suggestion()
        suggestions = self.env["helpdesk.ticket"].search(
            [
                ("support_request_kind", "=", "suggestion"),
                ("support_answered_date", "=", False),
            ]
        )
        self.assertIn(ticket, suggestions)
        tech_ticket.support_answer = "<p>Thanks, we will add it.</p>"
        tech_ticket.action_support_answer_suggestion()
        self.assertTrue(ticket.support_answered_date)
        message = ticket.message_ids[0]
        self.assertIn("we will add it", message.body)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(self.customer_contact, message.partner_ids)
        # a staff answer is the first response
        self.assertTrue(ticket.support_first_response_date)
        with self.assertRaises(UserError):
            tech_ticket.action_support_answer_suggestion()
        with self.assertRaises(UserError):
            self._ticket().action_support_answer_suggestion()

    def test_request_type_access(self):
        RequestType = self.env["support.request.type"]
        self.assertTrue(RequestType.with_user(self.portal_user).search([]))
        self.assertTrue(
            RequestType.with_user(self.env.ref("base.public_user")).search([])
        )
        with self.assertRaises(AccessError):
            RequestType.with_user(self.technician).create(
                {"name": "Hardware", "code": "hardware"}
            )
        with self.assertRaises(AccessError):
            self.type_technical.with_user(self.portal_user).write({"name": "X"})
        new = RequestType.with_user(self.support_manager).create(
            {"name": "Hardware", "code": "hardware"}
        )
        self.assertEqual(new.kind, "standard")
        with self.assertRaises(AccessError):
            self.env["support.sla.target"].with_user(self.portal_user).search([])

    def test_settings_form(self):
        settings = self.env["res.config.settings"].create(
            {"support_calendar_id": self.weekend.id}
        )
        settings.execute()
        self.assertEqual(self.env.company.support_calendar_id, self.weekend)

    # ------------------------------------------------------------ live chat
    def test_chat_conversation_becomes_ticket(self):
        channel = self.env["discuss.channel"].create(
            {"name": "Visitor chat", "channel_type": "channel"}
        )
        channel._add_members(
            partners=self.customer_contact2 | self.technician.partner_id
        )
        with freeze_time(MONDAY_0900):
            channel.message_post(
                body="My scanner is not detected",
                author_id=self.customer_contact2.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        with freeze_time("2026-11-30 08:03:00"):
            channel.with_user(self.technician).message_post(
                body="Let me check",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        with self.assertRaises(AccessError):
            channel.with_user(self.portal_user).sudo(
                False
            ).action_support_create_ticket()
        action = channel.with_user(self.technician).action_support_create_ticket()
        ticket = self.env["helpdesk.ticket"].browse(action["res_id"])
        self.assertEqual(
            ticket.channel_id,
            self.env.ref("support_billing.helpdesk_ticket_channel_chat"),
        )
        self.assertEqual(ticket.partner_id, self.customer_contact2)
        self.assertEqual(ticket.name, "My scanner is not detected")
        self.assertIn("Let me check", ticket.description)
        self.assertEqual(ticket.support_received_date, MONDAY_0900)
        # chat: first response within 15 opening minutes, met in the chat itself
        self.assertEqual(
            ticket.support_first_response_deadline, datetime(2026, 11, 30, 8, 15)
        )
        self.assertEqual(
            ticket.support_first_response_date, datetime(2026, 11, 30, 8, 3)
        )
        self.assertAlmostEqual(ticket.support_first_response_hours, 0.05)
        self.assertFalse(ticket.support_first_response_breached)

    def test_views_and_menus(self):
        Ticket = self.env["helpdesk.ticket"].with_user(self.technician)
        search = Ticket.get_view(
            self.env.ref("helpdesk_mgmt.helpdesk_ticket_view_search").id, "search"
        )["arch"]
        for name in ("support_breached", "support_due_today", "support_suggestions"):
            self.assertIn(f'name="{name}"', search)
        form = Ticket.get_view(self.env.ref("helpdesk_mgmt.ticket_view_form").id)[
            "arch"
        ]
        self.assertIn("support_first_response_deadline", form)
        self.assertIn("action_support_answer_suggestion", form)
        # the "Breached" filter's domain works
        late = self._ticket(received=datetime(2026, 1, 5, 8, 0))
        self.env["helpdesk.ticket"]._cron_support_sla_breach()
        self.assertIn(late, Ticket.search([("support_sla_breached", "=", True)]))
        self.assertNotIn(late, Ticket.search([("support_sla_breached", "=", False)]))
        # technicians see the suggestions menu, not the configuration
        menus = self.env["ir.ui.menu"].with_user(self.technician)._visible_menu_ids()
        self.assertIn(
            self.env.ref("support_billing.menu_support_suggestions").id, menus
        )
        self.assertNotIn(
            self.env.ref("support_billing.menu_support_sla_targets").id, menus
        )
        self.assertNotIn(
            self.env.ref("support_billing.menu_support_disputes").id, menus
        )
        manager_menus = (
            self.env["ir.ui.menu"].with_user(self.support_manager)._visible_menu_ids()
        )
        self.assertIn(
            self.env.ref("support_billing.menu_support_sla_targets").id, manager_menus
        )
        # managers edit the opening hours
        self.calendar.with_user(self.support_manager).attendance_ids[:1].hour_to = 17
        # portal users see the request types but no target, calendar edit refused
        with self.assertRaises(AccessError):
            self.calendar.with_user(self.technician).write({"name": "X"})
