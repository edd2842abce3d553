from . import res_company
from . import res_config_settings
from . import res_partner
from . import support_time_entry
from . import helpdesk_ticket
from . import account_move
from . import account_move_line
