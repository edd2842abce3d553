from . import support_invoice_wizard
