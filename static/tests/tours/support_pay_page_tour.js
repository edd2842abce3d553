/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

function text(selector) {
    return document.querySelector(selector)?.textContent.trim() || "";
}

function check(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

/** The page neither overflows nor scrolls sideways (desktop and phone). */
function checkFits() {
    const page = document.documentElement;
    check(
        page.scrollWidth <= window.innerWidth + 1,
        `the page is ${page.scrollWidth} px wide on a ${window.innerWidth} px screen`
    );
}

registry.category("web_tour.tours").add("support_pay_page_tour", {
    steps: () => [
        {
            content: "The support pages' navigation, 'Card hold' active",
            trigger: "#support_public_nav_pay a.active",
        },
        {
            content: "The links between the support pages are compact",
            trigger: "#support_public_nav_links",
            run() {
                // six links: at most three lines of pills, even on a phone
                const height = this.anchor.getBoundingClientRect().height;
                check(height <= 110, `the links take ${height} px`);
            },
        },
        {
            content: "1 h is chosen, the minutes box says 60, the amount is shown",
            trigger: "input#duration_60:checked",
            run() {
                check(
                    document.querySelector("#other_minutes").value === "60",
                    "the minutes box does not show 60"
                );
                const amount = document.querySelector("#duration_60").dataset.amount;
                check(amount, "no amount for 1 h");
                check(
                    text(".o_support_hold_estimate_amount") === amount,
                    `the amount shown is not the amount of 1 h (${amount})`
                );
                checkFits();
            },
        },
        {
            content: "Choose 30 minutes",
            trigger: "input#duration_30",
            run: "click",
        },
        {
            content: "The box and the amount follow",
            trigger: "input#duration_30:checked",
            run() {
                check(
                    document.querySelector("#other_minutes").value === "30",
                    "the minutes box does not show 30"
                );
                check(
                    text(".o_support_hold_estimate_amount") ===
                        document.querySelector("#duration_30").dataset.amount,
                    "the amount shown is not the amount of 30 minutes"
                );
            },
        },
        {
            content: "Type another duration",
            trigger: "input#other_minutes",
            run: "edit 45",
        },
        {
            content: "'Other' is chosen and its amount computed by the server",
            trigger: "input#duration_other:checked",
        },
        {
            content: "The amount of 45 minutes is shown",
            trigger: `.o_support_hold_estimate_amount:not(:contains("-"))`,
            run() {
                const amount = text(".o_support_hold_estimate_amount");
                const thirty = document.querySelector("#duration_30").dataset.amount;
                const hour = document.querySelector("#duration_60").dataset.amount;
                check(
                    amount && amount !== thirty && amount !== hour,
                    `the amount of 45 minutes is not shown (${amount})`
                );
                sessionStorage.setItem("support_pay_tour_amount", amount);
            },
        },
        {
            content: "Name",
            trigger: "input#name",
            run: "edit Pay Tour",
        },
        {
            content: "E-mail",
            trigger: "input#email",
            run: "edit pay.tour@example.com",
        },
        {
            content: "Continue to the card form",
            trigger: "button[name=support_hold_next]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The card step: the same navigation, what a hold is, the same amount",
            trigger: "#support_public_nav_pay a.active",
            run() {
                // one amount from the first step to the card step, written
                // the same way (currency included)
                const same = (value) => value.replace(/\s+/g, " ");
                const chosen = sessionStorage.getItem("support_pay_tour_amount") || "";
                const shown = text("#support_hold_summary .o_support_hold_amount");
                check(shown, "no amount on the card step");
                check(
                    document.querySelector("main").textContent.includes(
                        "nothing is charged now"
                    ),
                    "the card step does not say that nothing is charged now"
                );
                check(
                    same(shown) === same(chosen),
                    `the card step shows ${shown}, the first step ${chosen}`
                );
                check(
                    document.querySelectorAll("#support_hold_summary .oe_currency_value")
                        .length === 1,
                    "the card step shows more than one amount"
                );
                checkFits();
            },
        },
    ],
});
