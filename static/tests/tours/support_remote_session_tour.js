/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("support_remote_session_tour", {
    steps: () => [
        {
            content: "No stray 'Powered by' line next to the ticket",
            trigger: "#helpdesk_ticket_content",
            run() {
                const powered = [
                    ...document.querySelectorAll(".o_portal_helpdesk_sidebar a[title=odoo]"),
                ].filter((el) => el.offsetParent !== null);
                if (powered.length) {
                    throw new Error("'Powered by Odoo' is shown next to the ticket");
                }
            },
        },
        {
            content: "The ticket page lists the session waiting for consent",
            trigger: "#support_remote_sessions .card:contains('555 111 222')",
        },
        {
            content: "Agree to this session",
            trigger: "#support_remote_sessions input[name=agree]",
            run: "click",
        },
        {
            content: "Give the consent",
            trigger: "#support_remote_sessions button:contains('Give my consent')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The consent is recorded",
            trigger: "#support_remote_sessions .alert-success",
        },
        {
            content: "The history shows the portal consent",
            trigger: "#support_remote_sessions td:contains('Customer portal')",
        },
    ],
});
