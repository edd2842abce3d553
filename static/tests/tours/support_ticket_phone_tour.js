/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

/** Fail when ``selector`` is wider than the screen or scrolls sideways. */
function assertFits(selector) {
    const el = document.querySelector(selector);
    if (!el) {
        throw new Error(`${selector} is missing`);
    }
    const right = el.getBoundingClientRect().right;
    if (right > window.innerWidth + 1 || el.scrollWidth > el.clientWidth + 1) {
        throw new Error(
            `${selector} overflows the ${window.innerWidth} px screen ` +
                `(right edge ${right}, content ${el.scrollWidth} px)`
        );
    }
}

registry.category("web_tour.tours").add("support_ticket_phone_tour", {
    steps: () => [
        {
            content: "On a phone, each remote session is a card",
            trigger: "#support_remote_session_cards li:contains('Tom Tech'):visible",
        },
        {
            content: "The seven-column table is not shown on a phone",
            trigger: "#support_remote_session_table:not(:visible)",
        },
        {
            content: "The sessions and the time worked fit the screen",
            trigger: "#support_time",
            run() {
                assertFits("#support_remote_sessions");
                assertFits("#support_time");
                assertFits("#support_remote_session_cards");
                const page = document.documentElement;
                if (page.scrollWidth > window.innerWidth + 1) {
                    throw new Error(
                        `the page is ${page.scrollWidth} px wide on a ` +
                            `${window.innerWidth} px screen`
                    );
                }
            },
        },
    ],
});
