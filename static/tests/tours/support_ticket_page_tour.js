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

/** The portal ticket page at the size the test gives the browser: the
 * remote sessions are a table on a desktop, cards on a phone, and nothing
 * scrolls sideways at either size. */
registry.category("web_tour.tours").add("support_ticket_page_tour", {
    steps: () => [
        {
            content: "The ticket page shows the time worked",
            trigger: "#support_time",
        },
        {
            content: "Desktop: the sessions are a table; phone: one card each",
            trigger: "#support_remote_sessions",
            run() {
                const phone = window.innerWidth < 768;
                const table = document.querySelector("#support_remote_session_table");
                const cards = document.querySelector("#support_remote_session_cards");
                const shown = phone ? cards : table;
                const hidden = phone ? table : cards;
                if (!shown || shown.offsetParent === null) {
                    throw new Error(
                        `${phone ? "the cards are" : "the table is"} not shown ` +
                            `at ${window.innerWidth} px`
                    );
                }
                if (!shown.textContent.includes("Tom Tech")) {
                    throw new Error("the session's technician is not shown");
                }
                if (hidden.offsetParent !== null) {
                    throw new Error(
                        `${phone ? "the table is" : "the cards are"} shown too ` +
                            `at ${window.innerWidth} px`
                    );
                }
            },
        },
        {
            content: "The sessions and the time worked fit the screen",
            trigger: "#support_time",
            run() {
                assertFits("#support_remote_sessions");
                assertFits("#support_time");
                if (window.innerWidth < 768) {
                    assertFits("#support_remote_session_cards");
                } else {
                    // the table's scroll box does not scroll: every column fits
                    assertFits("#support_remote_session_table");
                    const box = document.querySelector(
                        "#support_remote_session_table"
                    ).parentElement;
                    if (box.scrollWidth > box.clientWidth + 1) {
                        throw new Error(
                            `the session table scrolls sideways ` +
                                `(${box.scrollWidth} px in ${box.clientWidth} px)`
                        );
                    }
                }
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
