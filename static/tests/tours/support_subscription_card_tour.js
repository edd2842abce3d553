/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

/**
 * Issue 25: the customer pays the first invoice of her subscription with
 * the demo provider and saves the card (the consent states the monthly
 * charge), replaces the card on "My subscription", then stops the
 * automatic payment (after a confirmation).
 */
registry.category("web_tour.tours").add("support_subscription_card_tour", {
    url: "/my/subscription",
    steps: () => [
        {
            content: "The subscription waits for its first invoice",
            trigger: "#support_subscription a:contains(Pay the first invoice)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the payment form",
            trigger: "a[data-bs-target='#pay_with']:visible",
            run: "click",
        },
        {
            content: "The box to save the card states the monthly charge",
            trigger:
                "#pay_with [name=o_payment_tokenize_container] .o_support_autopay_consent:contains(every month)",
        },
        {
            content: "Consent: save the card",
            trigger: "#pay_with input[name=o_payment_tokenize_checkbox]",
            run: "click",
        },
        {
            content: "Test card of the demo provider",
            trigger: "#pay_with input#customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Paid: back to the invoice",
            trigger: ".o_portal_wrap, #wrap",
        },
        {
            content: "Go to my subscription",
            trigger: "body",
            run: () => {
                window.location.href = "/my/subscription";
            },
            expectUnloadPage: true,
        },
        {
            content: "The saved card is shown",
            trigger: "#support_saved_card:contains(4242)",
        },
        {
            content: "Replace the card",
            trigger: "a#support_card_replace",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The consent is stated above the form",
            trigger: "#support_card_consent:contains(every month)",
        },
        {
            content: "Another test card",
            trigger: "input#customer_input",
            run: "edit 5555555555554444",
        },
        {
            content: "Save the new card",
            trigger: "button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The new card pays the subscription",
            trigger: "#support_saved_card:contains(4444)",
        },
        {
            content: "Stop the automatic payment",
            trigger: "a#support_card_stop",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Confirm",
            trigger: "button#support_card_stop_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "No card pays the subscription any more",
            trigger: "#support_no_card",
        },
    ],
});
