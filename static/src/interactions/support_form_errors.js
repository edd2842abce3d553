/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {Interaction} from "@web/public/interaction";
import {registry} from "@web/core/registry";

/**
 * A public form sent back with errors (issue 29): the focus goes to the
 * first field in error, whose label and message (aria-describedby) a screen
 * reader then reads; the list of errors above the form is a role="alert".
 */
export class SupportFormErrors extends Interaction {
    static selector = "form[data-captcha]";

    start() {
        const invalid = this.el.querySelector("[aria-invalid=true]");
        if (invalid) {
            invalid.focus();
        }
    }
}

registry
    .category("public.interactions")
    .add("support_billing.form_errors", SupportFormErrors);
