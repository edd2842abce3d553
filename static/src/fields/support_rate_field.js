/* Copyright 2026 IT Support Billing contributors
   License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import { registry } from "@web/core/registry";
import { MonetaryField, monetaryField } from "@web/views/fields/monetary/monetary_field";

/**
 * A customer's own hourly rate: empty when unset (not "0.00", which reads as
 * free support), with the rate that applies instead as placeholder
 * (option `placeholder_field`).
 */
export class SupportRateField extends MonetaryField {
    static template = "support_billing.SupportRateField";
    static props = {
        ...MonetaryField.props,
        placeholder: { type: String, optional: true },
    };

    get formattedValue() {
        if (!this.value) {
            return "";
        }
        return super.formattedValue;
    }
}

export const supportRateField = {
    ...monetaryField,
    component: SupportRateField,
    extractProps(fieldInfo, dynamicInfo) {
        return {
            ...monetaryField.extractProps(fieldInfo, dynamicInfo),
            placeholder: fieldInfo.placeholder,
        };
    },
};

registry.category("fields").add("support_rate", supportRateField);
