/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("support_card_hold_tour", {
    url: "/support/pay",
    steps: () => [
        {
            content: "The page explains why the card is confirmed first",
            trigger: "#support_hold_faq",
        },
        {
            content: "Book one hour",
            trigger: "input#duration_60",
            run: "click",
        },
        {
            content: "Name",
            trigger: "input#name",
            run: "edit Tour Customer",
        },
        {
            content: "E-mail",
            trigger: "input#email",
            run: "edit tour.customer@example.com",
        },
        {
            content: "Continue to the card form",
            trigger: "button[name=support_hold_next]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The maximum amount is shown",
            trigger: "#support_hold_summary .o_support_hold_amount",
        },
        {
            content: "Test card details of the demo provider",
            trigger: "input#customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Confirm the card",
            trigger: "button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation page gives the hold's reference",
            trigger: "#support_hold_done .o_support_hold_reference",
        },
    ],
});
