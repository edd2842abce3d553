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

/**
 * Issue 25: the saved card was not charged because the bank asks for the
 * customer's authentication (3-D Secure). She opens the link of the e-mail
 * (the tour starts there), sees the invoice waits for her, pays it
 * on-session (demo provider) and the invoice shows paid, the badge gone.
 */
registry.category("web_tour.tours").add("support_subscription_authentication_tour", {
    steps: () => [
        {
            content: "The invoice waits for the customer's authentication",
            trigger:
                ".o_support_autopay_authentication .badge:contains(Waiting for your authentication)",
        },
        {
            content: "Open the payment form",
            trigger: "a[data-bs-target='#pay_with']:visible",
            run: "click",
        },
        {
            content: "Test card of the demo provider",
            trigger: "#pay_with input#customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay on-session",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Paid: the invoice says so and no longer waits for her",
            trigger:
                "body:not(:has(.o_support_autopay_authentication)) div[name=invoice_paid_badge]",
        },
    ],
});

/**
 * Issue 25: a customer who saved a card before (a card hold, an earlier
 * payment) pays the first invoice of her subscription with it and ticks the
 * consent box beside it: that card pays the subscription every month.
 */
registry.category("web_tour.tours").add("support_subscription_saved_card_tour", {
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
            content: "Choose the card saved before",
            trigger: "#pay_with input[name=o_payment_radio][data-payment-option-type=token]",
            run: "click",
        },
        {
            content: "Its box states the monthly charge: consent",
            trigger:
                "#pay_with .o_support_autopay_token_consent:contains(every month) input[name=o_payment_tokenize_checkbox]",
            run: "click",
        },
        {
            content: "Pay with the saved card",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Paid: the invoice says so",
            trigger: "div[name=invoice_paid_badge]",
            run: () => {
                window.location.href = "/my/subscription";
            },
            expectUnloadPage: true,
        },
        {
            content: "The card saved before pays the subscription",
            trigger: "#support_saved_card:contains(1111)",
        },
    ],
});
