"""Data for the statistics tests: a few cases built through the services with every feature the figures
cut by (minors, foreign victims, two forms of exploitation, two departments of exploitation, a place abroad,
a conviction, an acquittal, an archive), plus synthetic cases from sistra.cases.seed for volume."""

import datetime
from decimal import Decimal

import pytest

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.cases.seed import seed_cases
from sistra.cases.services import (
    case_change_stage,
    defendant_add,
    defendant_update,
    place_add,
    victim_add,
)
from sistra.cases.testing import make_case
from sistra.core.models import Country, DistritoFiscal, Term
from sistra.core.testing import AgencyFactory, UserFactory, stage, ubigeo
from sistra.people.testing import make_person
from sistra.stats import dimensions

D = datetime.date

# The synthetic history ends on this day whatever day the suite runs, so figures do not move with the calendar.
REFERENCE_DAY = D(2026, 11, 22)


def term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, code=code)


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    dimensions.clear_caches()
    yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def supervisor(db):
    agency = AgencyFactory(code="linea-100", name="Línea 0800", kind=Agency.Kind.HOTLINE)
    return UserFactory(username="supervisora", agency=agency, role=Role.HOTLINE_SUPERVISOR)


@pytest.fixture
def prevention_officer(db):
    agency = AgencyFactory(code="mimp-prev", name="MIMP Prevención", kind=Agency.Kind.MIMP)
    return UserFactory(username="prevencion", agency=agency, role=Role.PREVENTION_OFFICER)


def build_handmade_cases(prosecutor, outsider):
    cusco = DistritoFiscal.objects.get(code="cusco")
    mdd = DistritoFiscal.objects.get(code="madre-de-dios")
    sexual, labour = term("exploitation", "explotacion_sexual"), term("exploitation", "laboral_mineria")
    domestic = term("exploitation", "servidumbre_domestica")
    debt, documents = term("control", "debt_bondage"), term("control", "withholds_documents")
    venezuela = Country.objects.get(code="VE")

    # 1. two victims (a girl and a woman), recruited in Cusco, exploited in Madre de Dios and Puno; convicted
    c1 = make_case(
        actor=prosecutor,
        number="E-1",
        complaint_date=D(2022, 3, 10),
        distrito_fiscal=mdd,
        facts_date_from=D(2022, 1, 5),
    )
    girl = make_person(
        actor=prosecutor,
        first_names="Ana",
        sex="female",
        date_of_birth=D(2006, 6, 1),
        ubigeo_origin=ubigeo("080101"),
    )
    woman = make_person(
        actor=prosecutor,
        first_names="Rosa",
        sex="female",
        estimated_age=30,
        age_estimated_on=D(2022, 1, 1),
        ubigeo_origin=ubigeo("081001"),
    )
    victim_add(
        actor=prosecutor,
        case=c1,
        person=girl,
        exploitation_forms=[sexual, labour],
        control_methods=[debt],
        relation_to_trafficker="friend",
    )
    victim_add(
        actor=prosecutor,
        case=c1,
        person=woman,
        age_at_exploitation=29,
        exploitation_forms=[labour],
        control_methods=[debt, documents],
    )
    place_add(actor=prosecutor, case=c1, kind="recruitment", ubigeo=ubigeo("080101"))
    place_add(actor=prosecutor, case=c1, kind="exploitation", ubigeo=ubigeo("170101"))
    place_add(actor=prosecutor, case=c1, kind="exploitation", ubigeo=ubigeo("210101"))
    accused = defendant_add(
        actor=prosecutor, case=c1, person=make_person(actor=prosecutor, first_names="Juan", sex="male")
    )
    other = defendant_add(
        actor=prosecutor, case=c1, person=make_person(actor=prosecutor, first_names="Luis", sex="male")
    )
    for day, code in [
        (D(2022, 3, 20), "diligencias_preliminares"),
        (D(2022, 8, 1), "investigacion_preparatoria"),
        (D(2023, 1, 15), "etapa_intermedia"),
        (D(2023, 4, 1), "juicio_oral"),
        (D(2023, 9, 30), "sentencia"),
    ]:
        case_change_stage(actor=prosecutor, case=c1, stage=stage(code), date=day)
    defendant_update(
        actor=prosecutor,
        defendant=accused,
        outcome="convicted",
        outcome_date=D(2023, 9, 30),
        sentence_years=Decimal("15"),
    )
    defendant_update(actor=prosecutor, defendant=other, outcome="acquitted", outcome_date=D(2023, 9, 30))

    # 2. a Venezuelan woman exploited abroad (Chile) after recruitment in Lima; archived
    c2 = make_case(actor=prosecutor, number="E-2", complaint_date=D(2023, 7, 2), distrito_fiscal=cusco)
    foreign = make_person(
        actor=prosecutor,
        first_names="Yelitza",
        sex="female",
        nationality=venezuela,
        country_origin=venezuela,
        estimated_age=24,
        age_estimated_on=D(2023, 7, 1),
    )
    victim_add(actor=prosecutor, case=c2, person=foreign, exploitation_forms=[domestic])
    place_add(actor=prosecutor, case=c2, kind="recruitment", ubigeo=ubigeo("150101"))
    place_add(actor=prosecutor, case=c2, kind="exploitation", country=Country.objects.get(code="CL"))
    case_change_stage(actor=prosecutor, case=c2, stage=stage("diligencias_preliminares"), date=D(2023, 7, 3))
    case_change_stage(actor=prosecutor, case=c2, stage=stage("archivo"), date=D(2023, 12, 1))

    # 3. another fiscalía: a boy of unknown age, no places, no forms, pending
    c3 = make_case(actor=outsider, number="E-3", complaint_date=D(2023, 1, 20))
    victim_add(actor=outsider, case=c3, person=make_person(actor=outsider, first_names="Pedro", sex="male"))
    defendant_add(actor=outsider, case=c3, person=make_person(actor=outsider, first_names="Raúl", sex="male"))
    return [c1, c2, c3]


@pytest.fixture
def handmade(prosecutor, outsider):
    return build_handmade_cases(prosecutor, outsider)


@pytest.fixture
def seeded(fiscalia, other_fiscalia, handmade):
    cusco = DistritoFiscal.objects.get(code="cusco")
    lima = DistritoFiscal.objects.get(code="lima-centro")
    Agency.objects.filter(pk=fiscalia.pk).update(distrito_fiscal=cusco)
    Agency.objects.filter(pk=other_fiscalia.pk).update(distrito_fiscal=lima)
    fiscalia.refresh_from_db()
    other_fiscalia.refresh_from_db()
    seed_cases(count=90, seed=20260, fiscalias=[fiscalia, other_fiscalia], batch_size=50, today=REFERENCE_DAY)
    return handmade


@pytest.fixture
def run(seeded):
    from sistra.stats.aggregation import refresh_aggregates

    return refresh_aggregates()
