# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class SupportRemoteSessionPortal(CustomerPortal):
    """D10: on the ticket page, the customer consents to a remote session,
    declines it, or stops it while it runs."""

    def _support_remote_session_check(self, session_id):
        """The session as the portal user (sudo past the read-only ACL), or
        ``None`` when the user may not see it."""
        try:
            session = self._document_check_access("support.remote.session", session_id)
        except (AccessError, MissingError):
            return None
        # act as the portal user (consent author, chatter), past the ACL
        return session.with_user(request.env.user).sudo()

    def _support_remote_session_done(self, session, message=None, error=None):
        """Back to the ticket page: ``error`` is a code of
        ``support.remote.session._portal_error_messages`` (the page never
        shows text from the URL)."""
        query = {"remote_error": error} if error else {"remote_message": message}
        return request.redirect(
            f"/my/ticket/{session.ticket_id.id}?{urlencode(query)}"
            "#support_remote_sessions"
        )

    @http.route(
        "/my/remote_session/<int:session_id>/consent",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_remote_session_consent(self, session_id, agree=None, **kw):
        session = self._support_remote_session_check(session_id)
        if session is None:
            raise request.not_found()
        if not agree:
            return self._support_remote_session_done(session, error="agree")
        if session.state != "draft":
            return self._support_remote_session_done(session, error="not_waiting")
        if not session._support_may_consent(request.env.user.partner_id):
            return self._support_remote_session_done(session, error="not_requester")
        try:
            with request.env.cr.savepoint():
                session._set_consent(
                    partner=request.env.user.partner_id, method="portal"
                )
        except (UserError, ValidationError):
            return self._support_remote_session_done(session, error="failed")
        return self._support_remote_session_done(session, message="consented")

    @http.route(
        "/my/remote_session/<int:session_id>/decline",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_remote_session_decline(self, session_id, **kw):
        session = self._support_remote_session_check(session_id)
        if session is None:
            raise request.not_found()
        if session.state not in ("draft", "consented"):
            return self._support_remote_session_done(session, error="not_declinable")
        session.action_cancel()
        return self._support_remote_session_done(session, message="declined")

    @http.route(
        "/my/remote_session/<int:session_id>/stop",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_remote_session_stop(self, session_id, reason=None, **kw):
        session = self._support_remote_session_check(session_id)
        if session is None:
            raise request.not_found()
        if session.state != "running":
            # already ended (a second click): nothing more is logged
            return self._support_remote_session_done(session, error="not_running")
        try:
            with request.env.cr.savepoint():
                session._end_session(
                    stopped_by_customer=True, reason=(reason or "").strip()[:2000]
                )
        except (UserError, ValidationError):
            return self._support_remote_session_done(session, error="failed")
        return self._support_remote_session_done(session, message="stopped")
