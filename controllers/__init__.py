from . import main
from . import portal
from . import support_contact
from . import support_pages
