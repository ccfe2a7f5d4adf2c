"""The criminal cases of the demo: a few hundred synthetic cases in the demo fiscalías (sistra.cases.seed), and
some of FISTRAP Cusco's shared on purpose so that the police and MIMP users have something to work on.
Registered with sistra.core.demo in CasesConfig.ready(); a second run creates nothing."""

from sistra.accounts.models import User
from sistra.core.demo import DEMO_SEED, FISCALIAS

from .models import Case, CaseShare
from .seed import seed_cases
from .services import case_share

SHARES = [
    ("pnp-dirctptim", "write", 12, "Investigación conjunta con la DIRCTPTIM"),
    ("mimp", "read", 6, "Atención y protección de las víctimas"),
]
SHARING_PROSECUTOR = "fiscal.cusco"


def load_cases_demo(*, agencies, cases: int) -> int:
    fiscalias = [agencies[code] for code in FISCALIAS if agencies[code].distrito_fiscal_id]
    if not cases or not fiscalias or Case.objects.filter(fiscalia__in=fiscalias).exists():
        return 0
    return seed_cases(count=cases, seed=DEMO_SEED, fiscalias=fiscalias).cases


def load_case_shares_demo(*, agencies) -> int:
    cusco = agencies["fistrap-cusco"]
    prosecutor = User.objects.filter(username=SHARING_PROSECUTOR).first()
    targets = [agencies[code] for code, *_rest in SHARES]
    if prosecutor is None or CaseShare.objects.filter(case__fiscalia=cusco, agency__in=targets).exists():
        return 0
    active_cusco = Case.objects.filter(fiscalia=cusco, status=Case.Status.ACTIVE)
    taken = shared = 0
    for agency_code, level, how_many, reason in SHARES:
        for case in active_cusco.order_by("-complaint_date", "-id")[taken : taken + how_many]:
            case_share(actor=prosecutor, case=case, agency=agencies[agency_code], level=level, reason=reason)
            shared += 1
        taken += how_many
    return shared
