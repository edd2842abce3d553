/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

// The customer signs the policy confirmation in the portal (README: Signed policy and estimate).
// The intervention is created by the Python test; the tour starts on its page.
registry.category("web_tour.tours").add("support_intervention_sign_tour", {
    steps: () => [
        {
            content: "The policy is shown before signing",
            trigger: "#support_intervention_policy_section #support_intervention_policy",
        },
        {
            content: "Open the signature dialog",
            trigger: "a.o_support_sign_policy",
            run: "click",
        },
        {
            content: "The signer's name is filled in",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Anna Acme)",
        },
        {
            content: "The signature is drawn from the name",
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page says the policy is signed",
            trigger: ".o_support_policy_signed:contains(Anna Acme)",
        },
    ],
});
