/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("support_interventions_list_tour", {
    steps: () => [
        {
            content: "The tab names the page",
            trigger: "#support_intervention_list, .o_portal_my_doc_table",
            run() {
                if (!document.title.includes("Interventions")) {
                    throw new Error(`the tab says "${document.title}"`);
                }
            },
        },
        {
            content: "Each intervention's status is on the screen, without scrolling",
            trigger: ".o_portal_my_doc_table .o_support_intervention_state:visible",
            run() {
                const badges = [
                    ...document.querySelectorAll(".o_support_intervention_state"),
                ].filter((badge) => badge.offsetParent !== null);
                if (!badges.length) {
                    throw new Error("no status shown");
                }
                for (const badge of badges) {
                    const box = badge.getBoundingClientRect();
                    if (box.right > window.innerWidth || box.width === 0) {
                        throw new Error(
                            `a status is out of the ${window.innerWidth} px screen`
                        );
                    }
                }
            },
        },
    ],
});
