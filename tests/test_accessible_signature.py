# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The accessible alternative to drawing a signature (issue 29): the typed
full name with the consent box ticked signs an intervention's policy and
estimate, recorded as the drawn signature is (signer, date, signed PDF,
chatter), through the same protected fields."""

import re

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .keyboard import keyboard_session
from .test_intervention import SIGNATURE, InterventionCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestAccessibleSignature(InterventionCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.intervention = cls._create_intervention()
        cls.intervention.write(
            {
                "scheduled_start": "2030-03-05 14:00:00",
                "user_id": cls.technician.id,
                "contact_name": "Anna Acme",
            }
        )
        cls.intervention.action_schedule()

    def _post(self, url, **data):
        page = self.url_open("/support/intervention/request").text
        csrf = CSRF_RE.search(page).group(1)
        return self.url_open(
            url, data={"csrf_token": csrf, **data}, allow_redirects=False
        )

    def test_policy_signed_by_typing_the_name(self):
        self.authenticate("sb-portal", "sb-portal")
        url = f"/my/interventions/{self.intervention.id}"
        page = self.url_open(url).text
        # a plain form beside the drawing pad, labelled, consent required
        self.assertIn('id="support_typed_sign_policy"', page)
        self.assertRegex(page, r'<input[^>]*name="consent"[^>]*required="required"')
        self.assertIn('for="support_typed_sign_policy_name"', page)
        # without the consent box ticked nothing is signed, the page says why
        response = self._post(f"{url}/sign_policy_typed", name="Anna Acme")
        self.assertIn("message=sign_missing", response.headers["Location"])
        self.assertFalse(self.intervention.policy_signed_on)
        page = self.url_open(response.headers["Location"]).text
        self.assertIn('id="support_typed_sign_error"', page)
        # nor without a name
        self._post(f"{url}/sign_policy_typed", name="  ", consent="1")
        self.assertFalse(self.intervention.policy_signed_on)

        response = self._post(
            f"{url}/sign_policy_typed", name=" Anna Acme ", consent="1"
        )
        self.assertIn("message=signed", response.headers["Location"])
        intervention = self.intervention
        self.assertEqual(intervention.policy_signed_by, "Anna Acme")
        self.assertTrue(intervention.policy_signed_on)
        self.assertEqual(intervention.policy_signature_method, "typed")
        self.assertFalse(intervention.policy_signature)
        # the prices signed are frozen as with a drawn signature
        self.assertEqual(intervention.signed_hourly_rate, 90.0)
        # the signed PDF is attached and posted in the chatter by the customer
        self.assertTrue(intervention.policy_attachment_id)
        message = intervention.message_ids.filtered(
            lambda m: "typed name, consent ticked" in str(m.body)
        )
        self.assertEqual(message.author_id, self.customer_contact)
        self.assertEqual(message.attachment_ids, intervention.policy_attachment_id)
        # the signed document says how it was signed
        report = self.url_open(f"{url}?report_type=html").text
        self.assertIn("ticked the", report)
        self.assertIn("Anna Acme", report)
        # signed once
        response = self._post(f"{url}/sign_policy_typed", name="Zeta", consent="1")
        self.assertIn("message=error", response.headers["Location"])
        self.assertEqual(intervention.policy_signed_by, "Anna Acme")

    def test_estimate_accepted_by_typing_the_name(self):
        intervention = self._to_estimate()
        self.assertEqual(intervention.policy_signature_method, "drawn")
        self.authenticate("sb-portal", "sb-portal")
        url = f"/my/interventions/{intervention.id}"
        page = self.url_open(url).text
        self.assertIn('id="support_typed_sign_estimate"', page)
        response = self._post(
            f"{url}/accept_typed",
            name="Anna Acme",
            consent="1",
            repair_place="teleport",
        )
        self.assertIn("message=error", response.headers["Location"])
        self.assertEqual(intervention.state, "estimate")
        response = self._post(
            f"{url}/accept_typed",
            name="Anna Acme",
            consent="1",
            repair_place="workshop",
        )
        self.assertIn("message=signed", response.headers["Location"])
        self.assertEqual(
            (
                intervention.state,
                intervention.repair_place,
                intervention.estimate_signed_by,
                intervention.estimate_signature_method,
            ),
            ("accepted", "workshop", "Anna Acme", "typed"),
        )
        self.assertTrue(intervention.estimate_attachment_id)

    def test_other_customer_cannot_sign_by_typing(self):
        self.authenticate("sb-portal-other", "sb-portal-other")
        url = f"/my/interventions/{self.intervention.id}"
        csrf = CSRF_RE.search(self.url_open("/my").text).group(1)
        response = self.url_open(
            f"{url}/sign_policy_typed",
            data={"csrf_token": csrf, "name": "Zeta", "consent": "1"},
            allow_redirects=False,
        )
        self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertFalse(self.intervention.policy_signed_on)

    def test_signature_method_is_protected(self):
        intervention = self.intervention.with_user(self.technician)
        with self.assertRaises(UserError):
            intervention.write({"policy_signature_method": "typed"})
        # the model refuses a typed signature without consent
        with self.assertRaises(UserError):
            self.intervention._sign_policy("Anna Acme", None)
        self.intervention._sign_policy("Anna Acme", SIGNATURE)
        self.assertEqual(self.intervention.policy_signature_method, "drawn")

    def test_policy_signed_with_the_keyboard_only(self):
        with keyboard_session(self, login="sb-portal") as kb:
            kb.open(f"/my/interventions/{self.intervention.id}")
            kb.tab_to("#support_typed_sign_policy > summary")
            kb.press("Enter")
            # the name is filled in with the contact's; the box is ticked
            kb.tab_to("#support_typed_sign_policy_name")
            kb.tab_to("#support_typed_sign_policy_consent")
            kb.press("Space")
            self.assertTrue(kb.js("document.activeElement.checked"))
            kb.tab_to("#support_typed_sign_policy button[type=submit]")
            with kb.new_page():
                kb.press("Enter")
            self.assertTrue(kb.js("!!document.querySelector('.alert-success')"))
        self.assertEqual(self.intervention.policy_signed_by, "Anna Acme")
        self.assertEqual(self.intervention.policy_signature_method, "typed")
