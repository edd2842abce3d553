/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Click a form's header button, or a list's selection button: on a phone they
 * sit in the "More" (form) or cog (list) menu, which is opened first.
 */
async function clickButton(name) {
    const selector = `button[name=${name}]`;
    let button = [...document.querySelectorAll(selector)].find(
        (el) => el.offsetParent !== null
    );
    if (!button) {
        const toggler =
            document.querySelector(".o_statusbar_buttons button[title='More']") ||
            document.querySelector(".o_cp_action_menus button[data-tooltip='Actions']");
        toggler.click();
        for (let i = 0; i < 20 && !button; i++) {
            await pause(100);
            button = document.querySelector(`.o-dropdown--menu ${selector}`);
        }
    }
    button.click();
}

/** A form's stat button, in the "More" menu of the button box if need be
 * (on a phone, the bolt); waits up to 5 s for it. */
async function findStatButton(name) {
    const selector = `button[name=${name}]`;
    for (let i = 0; i < 50; i++) {
        const button =
            [...document.querySelectorAll(`.o_form_view ${selector}`)].find(
                (el) => el.offsetParent !== null
            ) || document.querySelector(`.o-dropdown--menu ${selector}`);
        if (button) {
            return button;
        }
        const more = document.querySelector(".o_form_view .o_button_more");
        if (more && !document.querySelector(".o-dropdown--menu")) {
            more.click();
        }
        await pause(100);
    }
    throw new Error(`No button ${name} on the form`);
}

/** Select the list rows containing ``text``: their checkbox on a desktop, a
 * long touch then taps on a phone (as a finger does). */
async function selectRows(text) {
    const rows = () =>
        [...document.querySelectorAll(".o_data_row")].filter((row) =>
            row.textContent.includes(text)
        );
    for (const row of rows()) {
        const box = row.querySelector(".o_list_record_selector input");
        if (box) {
            box.click();
            continue;
        }
        if (!document.querySelector(".o_data_row_selected")) {
            row.dispatchEvent(new Event("touchstart", {bubbles: true}));
            await pause(600);
            row.dispatchEvent(new Event("touchend", {bubbles: true}));
        } else {
            row.querySelector("td.o_data_cell").click();
        }
        await pause(200);
    }
}

registry.category("web_tour.tours").add("support_time_to_invoice_tour", {
    steps: () => [
        {
            content: "Time of closed tickets comes first, labelled",
            trigger: ".o_list_view .o_group_name:contains('Ticket closed')",
            run: "click",
        },
        {
            content: "Open tickets are shown apart",
            trigger: ".o_list_view .o_group_name:contains('Ticket still open')",
        },
        {
            content: "The customer's time",
            trigger: ".o_list_view .o_group_name:contains('Acme Corp')",
            run: "click",
        },
        {
            content: "Each row shows what it bills, beside its minutes",
            trigger: ".o_data_row:contains('Mail down') td[name=support_amount]:contains('75.00')",
        },
        {
            content: "and is badged to invoice",
            trigger: ".o_data_row:contains('Mail down') td[name=support_billing_status]:contains('To invoice')",
        },
        {
            content: "Select the ticket's rows",
            trigger: ".o_data_row:contains('Mail down')",
            run: () => selectRows("Mail down"),
        },
        {
            content: "Both rows are selected",
            trigger: ".o_selection_box:contains('2 selected')",
        },
        {
            content: "Create Invoices, as Sales' Orders to Invoice",
            trigger: ".o_control_panel",
            run: () => clickButton("action_support_create_invoices"),
        },
        {
            content: "The wizard bills what the list shows",
            trigger: ".modal .o_field_widget[name=amount_summary]:contains('105.00')",
        },
        {
            content: "for the two rows selected",
            trigger: ".modal .o_field_widget[name=entry_count]:contains('2')",
        },
        {
            content: "Create the draft invoice",
            trigger: ".modal button[name=action_create_invoices]",
            run: "click",
        },
        {
            content: "The invoice bills what the list showed, 105.00 untaxed",
            trigger: ".o_form_view .o_field_widget[name=tax_totals]:contains('105.00')",
        },
    ],
});

registry.category("web_tour.tours").add("support_card_hold_request_tour", {
    steps: () => [
        {
            content: "Request a card hold",
            trigger: ".o_form_view .o_statusbar_buttons",
            run: () => clickButton("action_support_request_card_hold"),
        },
        {
            content: "The dialog names the customer",
            trigger: ".modal .o_field_widget[name=partner_id]:contains('Acme Corp')",
        },
        {
            content: "The amount asked is shown before sending",
            trigger: ".modal .o_field_widget[name=amount]:contains('120.00')",
        },
        {
            content: "Send the request",
            trigger: ".modal button[name=action_send_request]",
            run: "click",
        },
        {
            content: "The dialog is closed, the form reloaded",
            trigger: ".o_form_view:not(:has(.modal))",
        },
        {
            content: "The smart button appears at once",
            trigger: ".o_form_view",
            async run() {
                const button = await findStatButton("action_view_support_card_holds");
                if (!button.textContent.includes("1")) {
                    throw new Error(`The card holds button says: ${button.textContent}`);
                }
            },
        },
        {
            content: "The chatter says so, with the amount",
            trigger: ".o-mail-Message:contains('Card hold'):contains('120.00')",
        },
    ],
});

registry.category("web_tour.tours").add("support_card_hold_waiting_tour", {
    steps: () => [
        {
            content: "Her home page says a card hold waits for her card",
            trigger: "#support_holds_waiting .o_support_hold_waiting:contains('120.00')",
        },
        {
            content: "Authorise it",
            trigger: "#support_holds_waiting a:contains('Authorise my card')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The card page of that hold",
            trigger: "form.o_support_hold_form:has(input[name=hold_id])",
        },
    ],
});

registry.category("web_tour.tours").add("support_ticket_list_tour", {
    steps: () => [
        {
            content: "The ticket is listed (list on a desktop, cards on a phone)",
            trigger: ".o_data_row:contains('Printer offline after the Windows update'), .o_kanban_record:contains('Printer offline after the Windows update')",
        },
        {
            content: "with its customer",
            trigger: ".o_data_row:contains('Printer offline after') td[name=partner_id]:contains('Acme Corp'), .o_kanban_record:contains('Printer offline after'):contains('Acme Corp')",
        },
        {
            content: "its assignee, stage and SLA deadline columns on a desktop",
            trigger: ".o_kanban_view, .o_list_view:has(th[data-name=user_id]):has(th[data-name=stage_id]):has(th[data-name=support_next_deadline]):not(:has(th[data-name=partner_name]))",
        },
        {
            content: "and its whole title",
            trigger: ".o_kanban_view, .o_list_view",
            run() {
                const cell = [...document.querySelectorAll(".o_data_row td[name=name]")].find(
                    (td) => td.textContent.includes("Printer offline after")
                );
                if (cell && cell.scrollWidth > cell.clientWidth + 1) {
                    throw new Error(
                        `The title is cut: ${cell.scrollWidth} > ${cell.clientWidth}`
                    );
                }
            },
        },
    ],
});
