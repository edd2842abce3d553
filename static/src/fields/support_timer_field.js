/* Copyright 2026 IT Support Billing contributors
   License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import { Component, onWillDestroy, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const { DateTime } = luxon;

/**
 * The running clock of a ticket's timer: the time elapsed since the timer
 * started (a datetime field), ticking every second, as H:MM:SS.
 */
export class SupportTimerField extends Component {
    static template = "support_billing.SupportTimerField";
    static props = { ...standardFieldProps };

    setup() {
        this.state = useState({ now: DateTime.now() });
        this.interval = setInterval(() => {
            this.state.now = DateTime.now();
        }, 1000);
        onWillUpdateProps(() => {
            this.state.now = DateTime.now();
        });
        onWillDestroy(() => clearInterval(this.interval));
    }

    get start() {
        return this.props.record.data[this.props.name];
    }

    get elapsed() {
        if (!this.start) {
            return "";
        }
        const seconds = Math.max(
            0,
            Math.floor(this.state.now.diff(this.start, "seconds").seconds)
        );
        const hours = Math.floor(seconds / 3600);
        const minutes = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
        const secs = String(seconds % 60).padStart(2, "0");
        return `${hours}:${minutes}:${secs}`;
    }
}

export const supportTimerField = {
    component: SupportTimerField,
    displayName: "Running timer",
    supportedTypes: ["datetime"],
};

registry.category("fields").add("support_timer", supportTimerField);
