import datetime
from decimal import Decimal

import pytest

from sistra.cases.models import CaseDefendant, CaseParty, CasePlace
from sistra.cases.selectors import (
    CaseFilters,
    case_detail,
    case_history,
    case_list,
    current_deadline,
    person_case_roles,
)
from sistra.cases.services import (
    case_change_stage,
    case_share,
    charge_add,
    defendant_add,
    defendant_update,
    party_add,
    place_add,
    victim_add,
)
from sistra.cases.testing import make_case
from sistra.core.models import Country, DistritoFiscal, PenalArticle, Term
from sistra.core.testing import stage, ubigeo
from sistra.people.testing import make_person

D = datetime.date


def numbers(qs) -> list[str]:
    return [c.number for c in qs]


def listed(actor, **filters) -> list[str]:
    return numbers(case_list(actor, CaseFilters(**filters)))


def term(code: str) -> Term:
    return Term.objects.get(vocabulary="exploitation", code=code)


# --- case_list ------------------------------------------------------------------------------------------


def test_the_list_shows_only_visible_cases_newest_complaint_first(prosecutor, outsider):
    make_case(actor=prosecutor, number="A-1", complaint_date=D(2023, 5, 1))
    make_case(actor=prosecutor, number="A-2", complaint_date=D(2024, 5, 1))
    make_case(actor=outsider, number="B-1", complaint_date=D(2024, 6, 1))
    assert listed(prosecutor) == ["A-2", "A-1"]
    assert listed(outsider) == ["B-1"]


def test_it_filters_by_year_of_the_complaint(prosecutor):
    make_case(actor=prosecutor, number="A-1", complaint_date=D(2023, 12, 31))
    make_case(actor=prosecutor, number="A-2", complaint_date=D(2024, 1, 1))
    assert listed(prosecutor, year=2024) == ["A-2"]
    assert listed(prosecutor, year=2023) == ["A-1"]


def test_it_filters_by_distrito_fiscal(prosecutor):
    make_case(actor=prosecutor, number="A-1", distrito_fiscal=DistritoFiscal.objects.get(code="cusco"))
    make_case(actor=prosecutor, number="A-2", distrito_fiscal=DistritoFiscal.objects.get(code="madre-de-dios"))
    assert listed(prosecutor, distrito_fiscal="madre-de-dios") == ["A-2"]


def test_it_filters_by_region_of_exploitation_not_of_recruitment(prosecutor):
    mining = make_case(actor=prosecutor, number="A-1")
    recruited_there = make_case(actor=prosecutor, number="A-2")
    abroad = make_case(actor=prosecutor, number="A-3")
    place_add(actor=prosecutor, case=mining, kind=CasePlace.Kind.RECRUITMENT, ubigeo=ubigeo("080101"))
    place_add(actor=prosecutor, case=mining, kind=CasePlace.Kind.EXPLOITATION, ubigeo=ubigeo("170101"))
    place_add(actor=prosecutor, case=recruited_there, kind=CasePlace.Kind.RECRUITMENT, ubigeo=ubigeo("170101"))
    place_add(actor=prosecutor, case=recruited_there, kind=CasePlace.Kind.EXPLOITATION, ubigeo=ubigeo("150101"))
    place_add(actor=prosecutor, case=abroad, kind=CasePlace.Kind.EXPLOITATION, country=Country.objects.get(code="AR"))
    assert listed(prosecutor, region="17") == ["A-1"]
    assert listed(prosecutor, region="15") == ["A-2"]


def test_it_filters_by_current_stage_and_by_status(prosecutor):
    make_case(actor=prosecutor, number="A-1", complaint_date=D(2024, 1, 1))
    inquiry = make_case(actor=prosecutor, number="A-2", complaint_date=D(2024, 1, 1))
    archived = make_case(actor=prosecutor, number="A-3", complaint_date=D(2024, 1, 1))
    case_change_stage(actor=prosecutor, case=inquiry, stage=stage("diligencias_preliminares"), date=D(2024, 2, 1))
    case_change_stage(actor=prosecutor, case=archived, stage=stage("archivo"), date=D(2024, 2, 1))
    assert listed(prosecutor, stage="diligencias_preliminares") == ["A-2"]
    assert listed(prosecutor, status="archived") == ["A-3"]
    assert sorted(listed(prosecutor, status="active")) == ["A-1", "A-2"]


def test_it_filters_by_form_of_exploitation_including_its_child_terms(prosecutor):
    mining = make_case(actor=prosecutor, number="A-1")
    sexual = make_case(actor=prosecutor, number="A-2")
    make_case(actor=prosecutor, number="A-3")
    victim_add(actor=prosecutor, case=mining, person=make_person(actor=prosecutor, first_names="Ana"),
               exploitation_forms=[term("laboral_mineria")])
    victim_add(actor=prosecutor, case=sexual, person=make_person(actor=prosecutor, first_names="Luz"),
               exploitation_forms=[term("sexual_exploitation")])
    assert term("laboral_mineria").parent.code == "forced_labour"
    assert listed(prosecutor, exploitation="forced_labour") == ["A-1"]
    assert listed(prosecutor, exploitation="laboral_mineria") == ["A-1"]
    assert listed(prosecutor, exploitation="sexual_exploitation") == ["A-2"]
    assert listed(prosecutor, exploitation="explotacion_sexual") == []


def test_the_stored_key_follows_the_victims_and_the_migration_fills_it(prosecutor):
    """Case.exploitation_key, which the filter reads, is kept by victim_add/victim_remove and filled by
    migration 0008 from the victims' forms of existing cases."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from sistra.cases.models import Case
    from sistra.cases.services import victim_remove

    case = make_case(actor=prosecutor, number="K-1")
    ana = victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Ana"),
                     exploitation_forms=[term("laboral_mineria"), term("explotacion_sexual")])
    luz = victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Luz"),
                     exploitation_forms=[term("laboral_agricultura")])
    key = "|explotacion_sexual|forced_labour|laboral_agricultura|laboral_mineria|sexual_exploitation|"
    assert Case.objects.get(pk=case.pk).exploitation_key == case.exploitation_key == key
    victim_remove(actor=prosecutor, victim=ana)
    assert Case.objects.get(pk=case.pk).exploitation_key == "|forced_labour|laboral_agricultura|"
    assert listed(prosecutor, exploitation="sexual_exploitation") == []
    assert listed(prosecutor, exploitation="forced_labour") == ["K-1"]
    victim_remove(actor=prosecutor, victim=luz)
    assert Case.objects.get(pk=case.pk).exploitation_key == ""
    assert listed(prosecutor, exploitation="forced_labour") == []

    victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Rosa"),
               exploitation_forms=[term("laboral_mineria"), term("explotacion_sexual")])
    Case.objects.update(exploitation_key="")
    migration = importlib.import_module("sistra.cases.migrations.0008_case_exploitation_key")
    # the migration's own function, given what it uses of a schema editor (SQLite's cannot open in a test's
    # transaction)
    editor = SimpleNamespace(connection=connection, execute=lambda sql: connection.cursor().execute(sql))
    migration.fill(apps, editor)
    assert Case.objects.get(pk=case.pk).exploitation_key == (
        "|explotacion_sexual|forced_labour|laboral_mineria|sexual_exploitation|")
    assert listed(prosecutor, exploitation="forced_labour") == ["K-1"]


def test_it_filters_by_minor_victim(prosecutor):
    minor = make_case(actor=prosecutor, number="A-1")
    adult = make_case(actor=prosecutor, number="A-2")
    victim_add(actor=prosecutor, case=minor, person=make_person(actor=prosecutor, first_names="Ana"),
               age_at_exploitation=15)
    victim_add(actor=prosecutor, case=adult, person=make_person(actor=prosecutor, first_names="Luz"),
               age_at_exploitation=25)
    assert listed(prosecutor, minor_victim=True) == ["A-1"]
    assert listed(prosecutor, minor_victim=False) == ["A-2"]


def test_it_searches_by_part_of_the_case_number(prosecutor):
    make_case(actor=prosecutor, number="2024-00123")
    make_case(actor=prosecutor, number="2024-00456")
    assert listed(prosecutor, q="0012") == ["2024-00123"]


def test_it_searches_by_the_name_of_a_victim_or_defendant_ignoring_accents(prosecutor, outsider):
    with_victim = make_case(actor=prosecutor, number="A-1")
    with_defendant = make_case(actor=prosecutor, number="A-2")
    make_case(actor=prosecutor, number="A-3")
    victim_add(actor=prosecutor, case=with_victim, person=make_person(
        actor=prosecutor, first_names="José", last_name_paternal="Quispe", last_name_maternal="Mamani"))
    defendant_add(actor=prosecutor, case=with_defendant, person=make_person(
        actor=prosecutor, first_names="Ramón", last_name_paternal="Núñez", last_name_maternal="Ccori"))
    assert listed(prosecutor, q="jose QUISPE") == ["A-1"]
    assert listed(prosecutor, q="nunez") == ["A-2"]
    assert listed(prosecutor, q="Mamani Ccori") == []
    assert listed(outsider, q="quispe") == []


def test_an_analyst_cannot_find_cases_by_a_persons_name(prosecutor, analyst):
    case = make_case(actor=prosecutor, number="A-1")
    victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, last_name_paternal="Quispe"))
    assert listed(prosecutor, q="quispe") == ["A-1"]
    assert listed(analyst, q="quispe") == []
    assert listed(analyst, q="A-1") == ["A-1"]


def test_a_name_search_keeps_the_filters_and_the_order_and_tests_visibility_once(prosecutor, outsider):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sistra.core.pagination import bounded_page

    for actor, number, day in ((prosecutor, "A-1", D(2024, 1, 5)), (prosecutor, "A-2", D(2024, 3, 1)),
                               (prosecutor, "A-3", D(2022, 7, 1)), (outsider, "B-1", D(2024, 2, 1))):
        case = make_case(actor=actor, number=number, complaint_date=day)
        victim_add(actor=actor, case=case, person=make_person(actor=actor, first_names="Luz",
                                                                last_name_paternal="Torres"))
    assert listed(prosecutor, q="luz torres") == ["A-2", "A-1", "A-3"]
    assert listed(prosecutor, q="luz torres", year=2024) == ["A-2", "A-1"]
    assert listed(outsider, q="luz torres") == ["B-1"]

    found = case_list(prosecutor, CaseFilters(q="luz torres"))
    with CaptureQueriesContext(connection) as queries:
        page = bounded_page(found, 25, None)
        assert numbers(page.object_list) == ["A-2", "A-1", "A-3"] and page.paginator.count == 3
    # the count and the rows go by the visible found cases' ids: the rule was tested once, in case_list
    assert queries.captured_queries
    assert not any('"owner_agency_id" =' in q["sql"] for q in queries.captured_queries)


def test_filters_combine(prosecutor):
    old = make_case(actor=prosecutor, number="A-1", complaint_date=D(2023, 1, 1))
    new = make_case(actor=prosecutor, number="A-2", complaint_date=D(2024, 1, 1))
    for case in (old, new):
        victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names=case.number),
                   age_at_exploitation=12)
    assert listed(prosecutor, year=2024, minor_victim=True) == ["A-2"]


# --- case_detail ----------------------------------------------------------------------------------------


def build_case_with_parties(actor, police_unit, number: str, parties: int):
    case = make_case(actor=actor, number=number, complaint_date=D(2024, 1, 1))
    article = PenalArticle.objects.get(article="129-A")
    for i in range(parties):
        victim = make_person(actor=actor, first_names=f"Víctima {i}")
        suspect = make_person(actor=actor, first_names=f"Imputado {i}")
        witness = make_person(actor=actor, first_names=f"Testigo {i}")
        victim_add(actor=actor, case=case, person=victim, age_at_exploitation=15,
                   exploitation_forms=[term("laboral_mineria"), term("servidumbre_domestica")],
                   control_methods=list(Term.objects.filter(vocabulary="control")[:2]))
        defendant = defendant_add(actor=actor, case=case, person=suspect)
        charge_add(actor=actor, case=case, article=article, offence_date=D(2023, 12, 1), defendant=defendant)
        party_add(actor=actor, case=case, person=witness, role=CaseParty.Role.WITNESS)
        place_add(actor=actor, case=case, kind=CasePlace.Kind.EXPLOITATION, ubigeo=ubigeo("170101"))
        place_add(actor=actor, case=case, kind=CasePlace.Kind.TRANSIT, country=Country.objects.get(code="BO"))
    case_change_stage(actor=actor, case=case, stage=stage("diligencias_preliminares"), date=D(2024, 1, 2))
    case_share(actor=actor, case=case, agency=police_unit, reason="Investigación policial")
    return case


def render_detail(case) -> list[str]:
    """Touch everything a detail page shows."""
    detail = case_detail(case)
    shown = [detail.fiscalia.name, detail.distrito_fiscal.name, str(detail.current_stage), detail.owner_agency.name]
    for charge in detail.charges.all():
        shown += [str(charge.article), charge.defendant.person.code]
    for victim in detail.victims.all():
        shown += [victim.person.full_name, str(victim.nationality), str(victim.recruitment_method)]
        shown += [str(t) for t in victim.exploitation_forms.all()] + [str(t) for t in victim.control_methods.all()]
    for defendant in detail.defendants.all():
        shown += [defendant.person.full_name, str(defendant.role)]
    for party in detail.other_parties.all():
        shown += [party.person.full_name, party.get_role_display()]
    for place in detail.places.all():
        shown.append(place.ubigeo.full_name if place.ubigeo else str(place.country))
    for event in detail.events.all():
        shown += [event.title, str(event.stage_from), str(event.stage_to), str(event.created_by)]
    shown += [share.agency.name for share in detail.shares.all()]
    shown += [c.number for c in detail.related_cases.all()]
    return shown


def test_case_detail_loads_in_a_bounded_number_of_queries_whatever_the_number_of_parties(
    prosecutor, police_unit, django_assert_max_num_queries
):
    small = build_case_with_parties(prosecutor, police_unit, "A-1", parties=1)
    large = build_case_with_parties(prosecutor, police_unit, "A-2", parties=6)
    with django_assert_max_num_queries(12):
        shown_small = render_detail(small)
    with django_assert_max_num_queries(12):
        shown_large = render_detail(large)
    assert len(shown_large) > len(shown_small)
    assert "tambopata, tambopata, madre de dios" in {s.casefold() for s in shown_large}
    assert "PNP DIRCTPTIM" in shown_large


def test_case_detail_returns_the_parts_of_the_case(prosecutor, police_unit):
    case = build_case_with_parties(prosecutor, police_unit, "A-1", parties=2)
    detail = case_detail(case)
    assert (len(detail.victims.all()), len(detail.defendants.all()), len(detail.other_parties.all())) == (2, 2, 2)
    assert len(detail.charges.all()) == 2 and len(detail.places.all()) == 4
    # the timeline newest first
    assert [e.stage_to.code for e in detail.events.all()] == ["diligencias_preliminares", "denuncia"]


# --- history, deadlines, roles --------------------------------------------------------------------------


def test_case_history_lists_the_changes_of_the_case_and_its_parts(prosecutor):
    case = make_case(actor=prosecutor, number="A-1")
    other = make_case(actor=prosecutor, number="A-2")
    place_add(actor=prosecutor, case=case, kind=CasePlace.Kind.EXPLOITATION, ubigeo=ubigeo("170101"))
    assert sorted(e.model for e in case_history(case)) == ["cases.case", "cases.caseplace"]
    assert [e.model for e in case_history(other)] == ["cases.case"]


@pytest.fixture
def inquiry(prosecutor):
    case = make_case(actor=prosecutor, number="A-1", complaint_date=D(2024, 1, 1))
    case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"), date=D(2024, 1, 10))
    return case


def test_the_deadline_of_the_current_stage_and_the_days_left(inquiry):
    deadline = current_deadline(inquiry, today=D(2024, 2, 1))
    assert deadline.due == D(2024, 1, 10) + datetime.timedelta(days=60)
    assert deadline.days_left == 38
    assert not deadline.overdue
    assert deadline.stage_name == "Diligencias preliminares"
    assert "334.2" in deadline.legal_basis


def test_an_overdue_deadline_has_negative_days_left(inquiry):
    deadline = current_deadline(inquiry, today=D(2024, 3, 20))
    assert (deadline.days_left, deadline.overdue) == (-10, True)


def test_a_complex_case_has_the_longer_deadline(prosecutor):
    case = make_case(actor=prosecutor, number="A-9", complaint_date=D(2024, 1, 1), is_complex=True)
    case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"), date=D(2024, 1, 10))
    deadline = current_deadline(case, today=D(2024, 2, 1))
    # eight months from date to date (art. 334.2 NCPP); this test used to expect 240 days (6 September)
    assert deadline.due == D(2024, 9, 10)
    assert deadline.days_left == 222
    assert deadline.kind == "complex"


def test_a_stage_without_legal_deadline_has_none(prosecutor):
    case = make_case(actor=prosecutor, number="A-1", complaint_date=D(2024, 1, 1))
    assert current_deadline(case, today=D(2024, 2, 1)) is None


def test_person_case_roles_lists_every_role_in_the_visible_cases(prosecutor, outsider):
    person = make_person(actor=prosecutor)
    as_victim = make_case(actor=prosecutor, number="A-1")
    as_defendant = make_case(actor=prosecutor, number="A-2", complaint_date=D(2024, 1, 1))
    as_witness = make_case(actor=prosecutor, number="A-3")
    victim_add(actor=prosecutor, case=as_victim, person=person, age_at_exploitation=16)
    defendant = defendant_add(actor=prosecutor, case=as_defendant, person=person)
    defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.CONVICTED,
                     outcome_date=D(2024, 6, 1), sentence_years=Decimal(8))
    party_add(actor=prosecutor, case=as_witness, person=person, role=CaseParty.Role.WITNESS)
    party_add(actor=prosecutor, case=as_witness, person=person, role=CaseParty.Role.COMPLAINANT)
    roles = {(r.role, r.case.number, r.detail) for r in person_case_roles(prosecutor, person)}
    assert roles == {("Víctima", "A-1", "menor de edad"), ("Imputado", "A-2", "Condenado"),
                     ("Testigo", "A-3", ""), ("Denunciante", "A-3", "")}
    assert person_case_roles(outsider, person) == []
    case_share(actor=prosecutor, case=as_witness, agency=outsider.agency, reason="Declaración")
    assert {(r.role, r.case.number) for r in person_case_roles(outsider, person)} == {
        ("Testigo", "A-3"), ("Denunciante", "A-3")}
