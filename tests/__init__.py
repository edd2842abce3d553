from . import test_rules
from . import test_install
