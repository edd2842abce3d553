/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {Interaction} from "@web/public/interaction";
import {registry} from "@web/core/registry";
import {rpc} from "@web/core/network/rpc";

/**
 * "Pay here": the minutes box follows the chosen duration (1 h: 60), typing
 * minutes chooses "Other", and the amount booked, taxes included, is shown
 * before the card step (computed by the server, as the hold computes it).
 */
export class SupportHoldForm extends Interaction {
    static selector = ".o_support_hold_form";
    dynamicContent = {
        "input[name=duration]": {"t-on-change.withTarget": this.onDurationChange},
        "#other_minutes": {"t-on-input": this.debounced(this.onMinutesInput, 300)},
    };

    setup() {
        this.minutesEl = this.el.querySelector("#other_minutes");
        this.otherEl = this.el.querySelector("#duration_other");
        this.amountEl = this.el.querySelector(".o_support_hold_estimate_amount");
    }

    onDurationChange(ev, radioEl) {
        if (radioEl.value === "other") {
            this.minutesEl.focus();
            this.onMinutesInput();
            return;
        }
        this.minutesEl.value = radioEl.value;
        this.showAmount(radioEl.dataset.amount || "");
    }

    async onMinutesInput() {
        const minutes = parseInt(this.minutesEl.value, 10);
        const preset = this.el.querySelector(
            `input[name=duration][value="${minutes}"]`
        );
        if (preset) {
            preset.checked = true;
            this.showAmount(preset.dataset.amount || "");
            return;
        }
        this.otherEl.checked = true;
        this.showAmount("");
        const params = {minutes: Number.isInteger(minutes) ? minutes : null};
        const holdEl = this.el.querySelector("input[name=hold_id]");
        if (holdEl) {
            params.hold_id = parseInt(holdEl.value, 10);
            params.access_token = this.el.querySelector("input[name=access_token]").value;
        }
        const result = await this.waitFor(rpc("/support/pay/amount", params));
        this.showAmount(result.amount || "");
    }

    showAmount(text) {
        if (this.amountEl) {
            this.amountEl.textContent = text || "-";
        }
    }
}

registry.category("public.interactions").add("support_billing.hold_form", SupportHoldForm);
