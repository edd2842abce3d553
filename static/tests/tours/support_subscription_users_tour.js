/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("support_subscription_users_tour", {
    steps: () => [
        {
            content: "The card holds entry is shown, though she has none",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/card_holds']",
        },
        {
            content: "So is her support balance, to find 'Buy prepaid credits'",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/support_balance']",
        },
        {
            content: "Open her subscription",
            trigger: ".o_portal_index_card a[href='/my/subscription']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The breadcrumbs lead back home",
            trigger: ".o_portal_submenu .breadcrumb-item:contains('My subscription')",
        },
        {
            content: "The subscription counts one user",
            trigger: "#support_subscription_user_count:contains('1 user')",
        },
        {
            content: "Name of a person from outside the company",
            trigger: "#support_subscription_add_user input[name=name]",
            run: "edit Olivia Outside",
        },
        {
            content: "Her e-mail address",
            trigger: "#support_subscription_add_user input[name=email]",
            run: "edit olivia@elsewhere.test",
        },
        {
            content: "Add her",
            trigger: "#support_subscription_add_user button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page confirms the addition",
            trigger: "#support_subscription .alert-success",
        },
        {
            content: "The list shows her",
            trigger: "#support_subscription_users td:contains('olivia@elsewhere.test')",
        },
        {
            content: "and counts both users",
            trigger: "#support_subscription_user_count:contains('2 users')",
        },
        {
            content: "Remove her",
            trigger:
                "#support_subscription_users tr:contains('olivia@elsewhere.test') a:contains('Remove')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The removal is asked for confirmation, naming her",
            trigger: "#support_subscription_remove_user:contains('olivia@elsewhere.test')",
        },
        {
            content: "Confirm the removal",
            trigger: "#support_subscription_remove_user button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page confirms the removal",
            trigger: "#support_subscription .alert-success",
        },
        {
            content: "She is no longer listed, one user is counted",
            trigger:
                "#support_subscription:not(:has(td:contains('olivia@elsewhere.test'))) #support_subscription_user_count:contains('1 user')",
        },
        {
            content: "The page fits the screen (desktop and phone)",
            trigger: "#support_subscription_users",
            run() {
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
