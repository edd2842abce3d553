/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {patch} from "@web/core/utils/patch";
import {PortalHomeCounters} from "@portal/interactions/portal_home_counters";

// Shown even at 0, as Odoo's invoices are: customers find "Buy tickets" and
// the card holds page before they have any.
patch(PortalHomeCounters.prototype, {
    getCountersAlwaysDisplayed() {
        return super
            .getCountersAlwaysDisplayed(...arguments)
            .concat(["card_hold_count", "support_ticket_count"]);
    },
});
