from . import test_rules
from . import test_install
from . import test_time_entry
from . import test_invoicing
from . import test_report
from . import test_portal
from . import test_i18n
