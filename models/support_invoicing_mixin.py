# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models
from odoo.exceptions import AccessError


class SupportInvoicingMixin(models.AbstractModel):
    """What every record that bills support shares: the accountants-only
    check and the last invoicing error, stored and posted once."""

    _name = "support.invoicing.mixin"
    _description = "Support Invoicing Helpers"

    def _check_accountant(self, message=None):
        """Only accountants (Invoicing: Billing) invoice and move money."""
        if not (
            self.env.su or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(
                message
                or self.env._(
                    "Only accountants (Invoicing: Billing) can invoice support time."
                )
            )

    def _store_invoice_error(self, field, error, body):
        """Store ``error`` in ``field``; post ``body`` (a function of the
        error) once, when the error is new."""
        for record in self:
            if error and error != record[field]:
                record.message_post(body=body(error))
            if error != (record[field] or False):
                record[field] = error


def check_money_links(records, vals, fnames, create=False):
    """Refuse a user's write (or create) of the money links ``fnames``.

    The fields that link time, holds, packs and subscriptions to money
    (invoice lines, transactions, states) are written by the addon's own
    accounting code only, which runs as superuser (``sudo()``) inside the
    methods that check the accountant first.  A user's ``write()`` or
    ``create()`` over RPC (any context it passes included) that would set
    one of them gets an ``AccessError`` naming the field, and nothing is
    written.  Values that change nothing (the current value on write, the
    field's own default on create) pass: forms send them.
    """
    if records.env.su:
        return
    refused = []
    for fname in sorted(fnames):
        field = records._fields[fname]
        context_default = create and f"default_{fname}" in records.env.context
        if fname not in vals and not context_default:
            continue
        if context_default or field.compute or field.type in ("one2many", "many2many"):
            # computed, one2many: never a user's; context defaults: never
            if context_default or field.compute or vals[fname]:
                refused.append(field)
            continue
        new = field.convert_to_cache(vals[fname], records)
        if create:
            default = field.default(records) if field.default else False
            olds = [field.convert_to_cache(default, records)]
        else:
            olds = [
                field.convert_to_cache(record[fname], record)
                for record in records.sudo()
            ]
        if any(old != new for old in olds):
            refused.append(field)
    if refused:
        raise AccessError(
            records.env._(
                "%(fields)s (%(model)s) can only be set by the accounting "
                "actions (invoicing, credit notes, card holds, subscriptions), "
                "not written directly.",
                fields=", ".join(
                    f'"{field._description_string(records.env)}"' for field in refused
                ),
                model=records._description,
            )
        )


def check_pricing_vals(records, vals, fnames, message, create=False):
    """Let only accountants and support managers set the prices and terms
    ``fnames`` (a customer's rate, a contract's or plan's terms): anybody
    else's write (or create) that would change one of them gets an
    ``AccessError`` with ``message()``, and nothing is written.  Values that
    change nothing pass, as in ``check_money_links``."""
    env = records.env
    if not set(fnames).intersection(vals) and not (
        create and any(f"default_{f}" in env.context for f in fnames)
    ):
        return
    user = env.user
    if (
        env.su
        or user.has_group("account.group_account_invoice")
        or user.has_group("support_billing.group_support_manager")
    ):
        return
    try:
        check_money_links(records, vals, fnames, create=create)
    except AccessError:
        raise AccessError(message()) from None
