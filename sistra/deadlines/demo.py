"""The deadlines' part of the demo: the Cusco prosecutor heads her fiscalía, so her "mis plazos" page shows
the whole fiscalía too. Registered with sistra.core.demo in DeadlinesConfig.ready()."""

from sistra.accounts.models import User

from .models import FiscaliaHead
from .services import fiscalia_head_designate

HEAD = ("fistrap-cusco", "fiscal.cusco")


def load_deadlines_demo(*, agencies) -> int:
    agency_code, username = HEAD
    user = User.objects.filter(username=username).first()
    agency = agencies[agency_code]
    if user is None or FiscaliaHead.objects.filter(agency=agency).exists():
        return 0
    fiscalia_head_designate(actor=None, agency=agency, user=user)
    return 1
