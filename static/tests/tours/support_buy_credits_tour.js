/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

function assertFitsScreen() {
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth + 1) {
        throw new Error(
            `the page is ${page.scrollWidth} px wide on a ${window.innerWidth} px screen`
        );
    }
}

registry.category("web_tour.tours").add("support_buy_credits_tour", {
    steps: () => [
        {
            content: "Nothing awaits payment yet",
            trigger: "body:not(:has(#support_pending_purchases)) #support_buy_form",
        },
        {
            content: "Choose the pack of 10",
            trigger: "#support_buy_form select[name=product_id]",
            run() {
                const option = [...this.anchor.options].find((o) =>
                    o.textContent.includes("Tour pack of 10")
                );
                this.anchor.value = option.value;
                this.anchor.dispatchEvent(new Event("change", {bubbles: true}));
            },
        },
        {
            content: "Choose two packs",
            trigger: "#support_buy_form input[name=quantity]",
            run() {
                // a number input: its value set as the keyboard would
                this.anchor.value = "2";
                this.anchor.dispatchEvent(new Event("input", {bubbles: true}));
                this.anchor.dispatchEvent(new Event("change", {bubbles: true}));
            },
        },
        {
            content: "Review the purchase: nothing is ordered yet",
            trigger: "#support_buy_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The summary names the quantity",
            trigger: "#support_buy_quantity_value:contains('2'):not(:contains('12'))",
        },
        {
            content: "the amount with taxes and its currency",
            trigger: "#support_buy_total:contains('880.00')",
        },
        {
            content: "and the terms",
            trigger: "#support_buy_terms li",
        },
        {
            content: "The summary fits the screen (desktop and phone)",
            trigger: "#support_buy_summary",
            run: assertFitsScreen,
        },
        {
            content: "Confirm",
            trigger: "#support_buy_confirm_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The invoice to pay is shown",
            trigger: "#sidebar_content",
        },
        {
            content: "Back to the balance",
            trigger: "body",
            run() {
                window.location.href = "/my/support_balance";
            },
            expectUnloadPage: true,
        },
        {
            content: "The purchase awaits payment",
            trigger: "#support_pending_purchases td:contains('2')",
        },
        {
            content: "The balance page fits the screen",
            trigger: "#support_pending_purchases",
            run: assertFitsScreen,
        },
        {
            content: "Cancel it",
            trigger: "#support_pending_purchases a.support_cancel_purchase",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Confirm the cancellation",
            trigger: "#support_cancel_purchase button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page says so, nothing is pending",
            trigger: "body:not(:has(#support_pending_purchases)) .alert-success",
        },
    ],
});
