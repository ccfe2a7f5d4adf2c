import datetime
from collections import defaultdict

import pytest
import time_machine
from django.utils import timezone

from sistra.accounts.models import Agency
from sistra.audit.models import ChangeEvent
from sistra.cases.models import (
    Case,
    CaseDefendant,
    CaseEvent,
    CasePlace,
    CaseVictim,
    Charge,
    exploitation_key,
)
from sistra.cases.seed import SeedError, seed_cases
from sistra.core.models import DistritoFiscal, ProceduralStage, Term
from sistra.core.testing import AgencyFactory
from sistra.people.models import IdentityDocument, Person
from sistra.people.validators import clean_dni

TODAY = timezone.localdate()


@pytest.fixture
def fiscalias(db):
    return [
        AgencyFactory(
            code="fistrap-cusco",
            name="FISTRAP Cusco",
            kind=Agency.Kind.FISCALIA,
            distrito_fiscal=DistritoFiscal.objects.get(code="cusco"),
        ),
        AgencyFactory(
            code="fistrap-madre-de-dios",
            name="FISTRAP Madre de Dios",
            kind=Agency.Kind.FISCALIA,
            distrito_fiscal=DistritoFiscal.objects.get(code="madre-de-dios"),
        ),
        AgencyFactory(
            code="fistrap-lima",
            name="FISTRAP Lima",
            kind=Agency.Kind.FISCALIA,
            distrito_fiscal=DistritoFiscal.objects.get(code="lima-centro"),
        ),
    ]


@pytest.fixture
def seeded(fiscalias):
    seed_cases(count=200, seed=11, fiscalias=fiscalias, batch_size=70)
    return fiscalias


def test_seeding_n_cases_creates_exactly_n(fiscalias):
    result = seed_cases(count=37, seed=1, fiscalias=fiscalias, batch_size=10)

    assert result.cases == 37
    assert Case.objects.count() == 37
    assert result.persons == Person.objects.count()
    assert result.rate > 0


def test_seeding_twice_adds_cases_with_unique_numbers_per_fiscalia(fiscalias):
    seed_cases(count=30, seed=5, fiscalias=fiscalias)
    seed_cases(count=30, seed=5, fiscalias=fiscalias)

    assert Case.objects.count() == 60
    pairs = list(Case.objects.values_list("fiscalia_id", "number"))
    assert len(set(pairs)) == 60


def test_cases_are_spread_over_the_given_fiscalias_only(seeded, fiscalia):
    used = set(Case.objects.values_list("fiscalia__code", flat=True))

    assert used == {"fistrap-cusco", "fistrap-madre-de-dios", "fistrap-lima"}
    assert not Case.objects.filter(fiscalia=fiscalia).exists()
    for case in Case.objects.select_related("fiscalia"):
        assert case.owner_agency_id == case.fiscalia_id
        assert case.distrito_fiscal_id == case.fiscalia.distrito_fiscal_id


def test_every_charge_cites_the_article_in_force_on_the_offence_date(seeded):
    charges = list(Charge.objects.select_related("article", "case", "defendant"))

    assert charges
    for charge in charges:
        assert charge.article.in_force_on(charge.offence_date), (charge.article.code, charge.offence_date)
        assert charge.defendant is None or charge.defendant.case_id == charge.case_id
    assert any(c.article.law == "Ley 31146" for c in charges)  # recent cases cite the 2021 articles
    assert any(c.article.law == "Ley 28950" for c in charges)  # older ones the 2007 law


def test_sentence_and_reparation_only_with_a_conviction(seeded):
    defendants = list(CaseDefendant.objects.all())

    for d in defendants:
        if d.outcome == CaseDefendant.Outcome.CONVICTED:
            assert 8 <= d.sentence_years <= 25
            assert d.status == CaseDefendant.Status.SENTENCED
        else:
            assert d.sentence_years is None and d.reparation_amount is None
        if d.outcome == CaseDefendant.Outcome.PENDING:
            assert d.outcome_date is None
        else:
            assert d.outcome_date is not None


def test_no_date_is_in_the_future_and_dates_are_in_order(seeded):
    for case in Case.objects.all():
        assert datetime.date(2009, 1, 1) <= case.complaint_date <= TODAY
        assert case.facts_date_from <= case.complaint_date
        assert case.facts_date_to is None or case.facts_date_from <= case.facts_date_to <= case.complaint_date
        assert case.complaint_date <= case.opened_date <= TODAY
        assert case.complaint_date <= case.stage_started_on <= TODAY
    for event in CaseEvent.objects.select_related("case"):
        assert event.case.complaint_date <= event.date <= TODAY
    for d in CaseDefendant.objects.exclude(outcome_date=None).select_related("case"):
        assert d.case.complaint_date <= d.outcome_date <= TODAY
    for charge in Charge.objects.all():
        assert charge.offence_date <= TODAY
    for person in Person.objects.exclude(date_of_birth=None):
        assert person.date_of_birth < TODAY


def test_timeline_follows_the_procedural_stages_and_matches_the_case(seeded):
    next_stages = defaultdict(set)
    for src, dst in ProceduralStage.next_stages.through.objects.values_list(
        "from_proceduralstage_id", "to_proceduralstage_id"
    ):
        next_stages[src].add(dst)
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(kind=CaseEvent.Kind.STAGE_CHANGE).order_by("date", "id"):
        events[e.case_id].append(e)

    for case in Case.objects.all():
        timeline = events[case.pk]
        assert timeline[0].stage_from_id is None and timeline[0].stage_to_id == "denuncia"
        assert timeline[0].date == case.complaint_date
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.stage_from_id == before.stage_to_id
            assert after.stage_to_id in next_stages[after.stage_from_id]
            assert before.date <= after.date
        assert case.current_stage_id == timeline[-1].stage_to_id
        assert case.stage_started_on == timeline[-1].date


def test_status_follows_the_stage(seeded):
    for case in Case.objects.all():
        expected = {"archivo": Case.Status.ARCHIVED, "ejecucion": Case.Status.CLOSED}.get(
            case.current_stage_id, Case.Status.ACTIVE
        )
        assert case.status == expected


def test_attrition_is_realistic(seeded):
    total = Case.objects.count()
    archived = Case.objects.filter(status=Case.Status.ARCHIVED).count()
    investigating = Case.objects.filter(
        current_stage__in=["denuncia", "diligencias_preliminares", "investigacion_preparatoria"]
    ).count()
    convicted = CaseDefendant.objects.filter(outcome=CaseDefendant.Outcome.CONVICTED).count()

    assert 0.45 <= archived / total <= 0.75
    assert investigating > (total - archived - investigating)
    assert convicted > 0


def test_minor_flag_matches_the_victims(seeded):
    for victim in CaseVictim.objects.select_related("person", "case"):
        if victim.age_at_exploitation is not None:
            assert victim.is_minor == (victim.age_at_exploitation < 18)
            if victim.person.date_of_birth:
                assert victim.person.age_on(victim.case.facts_date_from) == victim.age_at_exploitation
    for case in Case.objects.all():
        assert case.has_minor_victim == case.victims.filter(is_minor=True).exists()
        forms = Term.objects.filter(pk__in=case.victims.values("exploitation_forms")).select_related("parent")
        assert case.exploitation_key == exploitation_key(forms)
    assert Case.objects.filter(has_minor_victim=True).exists()
    assert Case.objects.filter(has_minor_victim=False).exists()


def test_victims_have_exploitation_forms_from_the_vocabulary(seeded):
    victim = CaseVictim.objects.filter(exploitation_forms__isnull=False).first()

    assert victim is not None
    for victim in CaseVictim.objects.prefetch_related("exploitation_forms", "control_methods")[:100]:
        assert {t.vocabulary for t in victim.exploitation_forms.all()} <= {"exploitation"}
        assert {t.vocabulary for t in victim.control_methods.all()} <= {"control"}
        assert victim.recruitment_method is None or victim.recruitment_method.vocabulary == "recruitment"
        assert victim.nationality_id == victim.person.nationality_id
    roles = {d.role.vocabulary for d in CaseDefendant.objects.exclude(role=None).select_related("role")}
    assert roles == {"perpetrator_role"}


def test_places_fill_the_department_as_the_services_do(seeded):
    places = list(CasePlace.objects.select_related("ubigeo"))

    assert {p.kind for p in places} >= {CasePlace.Kind.RECRUITMENT, CasePlace.Kind.EXPLOITATION}
    for place in places:
        if place.ubigeo_id:
            assert place.country_id is None
            assert place.departamento_code == place.ubigeo.departamento_code
        else:
            assert place.country_id not in (None, "PE")
            assert place.departamento_code == ""
    assert any(p.departamento_code == "17" and p.kind == CasePlace.Kind.EXPLOITATION for p in places)


def test_persons_have_two_surnames_and_valid_unique_dnis(seeded):
    persons = list(Person.objects.all())
    dnis = list(
        IdentityDocument.objects.filter(kind=IdentityDocument.Kind.DNI).values_list("number", flat=True)
    )

    assert sum(1 for p in persons if p.last_name_paternal and p.last_name_maternal) > 0.9 * len(persons)
    assert all(p.first_names_key and p.surnames_key and p.search_tokens.exists() for p in persons)
    assert len(dnis) == len(set(dnis)) > 0
    assert all(clean_dni(n) == n for n in dnis)
    assert len({p.code for p in persons}) == len(persons)
    nationalities = {p.nationality_id for p in persons}
    assert "PE" in nationalities


def test_seeding_writes_one_summary_line_of_history(fiscalias):
    seed_cases(count=20, seed=2, fiscalias=fiscalias)

    events = list(ChangeEvent.objects.all())
    assert len(events) == 1
    assert "20 casos" in events[0].summary
    assert events[0].after["cases"] == 20


def test_it_refuses_without_fiscalias(db):
    with pytest.raises(SeedError):
        seed_cases(count=5, fiscalias=[])


def _seeded_history() -> list[tuple]:
    return list(Case.objects.order_by("number").values_list("number", "complaint_date", "current_stage_id"))


@pytest.mark.parametrize("running_on", ["2026-12-06", "2031-03-15"])
def test_the_same_seed_and_reference_day_give_the_same_cases_whatever_day_it_is(fiscalias, running_on):
    reference_day = datetime.date(2026, 11, 22)
    seed_cases(count=25, seed=7, fiscalias=fiscalias, today=reference_day)
    expected = _seeded_history()
    Case.objects.all().delete()
    Person.objects.all().delete()  # codes and DNIs already taken would change the draws

    with time_machine.travel(datetime.datetime.fromisoformat(running_on + "T12:00:00-05:00"), tick=False):
        seed_cases(count=25, seed=7, fiscalias=fiscalias, today=reference_day)

    assert _seeded_history() == expected
    assert max(date for _, date, _ in expected) <= reference_day


def test_the_stored_deadline_of_every_seeded_case_is_the_one_rule(seeded):
    from sistra.core.selectors import stage_term

    with_deadline = 0
    for case in Case.objects.select_related("current_stage"):
        term = stage_term(
            case.current_stage,
            started_on=case.stage_started_on,
            is_complex=case.is_complex,
            is_organized=case.is_organized_crime,
        )
        assert (case.next_deadline_on, case.next_deadline_kind) == (
            (term.due, term.kind) if term else (None, "")
        ), case.number
        with_deadline += term is not None
    assert with_deadline > 0


def test_seeded_cases_are_assigned_to_a_prosecutor_of_their_fiscalia(fiscalias):
    from sistra.accounts.capabilities import Role
    from sistra.core.testing import UserFactory

    prosecutor = UserFactory(username="fiscal-semilla", agency=fiscalias[0], role=Role.PROSECUTOR)
    seed_cases(count=30, seed=5, fiscalias=fiscalias)
    assert set(Case.objects.filter(fiscalia=fiscalias[0]).values_list("prosecutor", flat=True)) == {
        prosecutor.pk
    }
    assert set(Case.objects.exclude(fiscalia=fiscalias[0]).values_list("prosecutor", flat=True)) == {None}
