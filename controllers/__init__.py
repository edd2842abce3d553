from . import main
from . import portal
from . import portal_remote_session
from . import support_contact
from . import intervention
from . import support_pages
from . import rating
from . import address_proof
