from . import support_invoice_wizard
from . import support_intervention_sign_wizard
from . import support_card_hold_request
