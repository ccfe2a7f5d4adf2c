"""The bulk seeder of consultations (sistra.clinic.seed) and `sistra seed --consultations`: exact counts, the same
data for the same seed and day, rows that pass the model and service checks, screenings still hidden from the
professions and roles that must not see them."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from sistra.audit.models import ChangeEvent
from sistra.clinic import access, services
from sistra.clinic.models import Community, Consultation, Itinerary, Patient, Screening, Visit
from sistra.clinic.seed import seed_consultations
from sistra.clinic.testing import COMMUNITIES
from sistra.people.models import Person, PersonMatchKey

from .conftest import TODAY


def _signature() -> list:
    consultations = list(
        Consultation.objects.order_by("uuid").values_list(
            "uuid",
            "patient__uuid",
            "patient__person__code",
            "community__name",
            "visit__uuid",
            "service",
            "attended_on",
            "professional__username",
            "diagnoses",
            "temperature_c",
            "systolic_mmhg",
            "weight_kg",
        )
    )
    screenings = list(
        Screening.objects.order_by("uuid").values_list("uuid", "patient__uuid", "result", "indicators")
    )
    return [consultations, screenings]


def test_seed_creates_exactly_the_requested_consultations_with_their_patients(agency, team):
    result = seed_consultations(count=600, seed=7, today=TODAY, agency=agency, batch_size=250)

    assert Consultation.objects.filter(agency=agency).count() == 600 == result.consultations
    assert Patient.objects.filter(agency=agency).count() == result.patients
    assert 0.25 < result.patients / 600 < 0.45  # about one patient per three consultations
    assert Person.objects.filter(clinic_patient__agency=agency).count() == result.patients
    # every named person carries the blocking keys the duplicate check looks for, as the case seeder writes
    # them; a person who gave no name has nothing to match on
    keyed = PersonMatchKey.objects.values("person_id")
    assert not Person.objects.filter(clinic_patient__name_refused=False).exclude(pk__in=keyed).exists()
    assert not Person.objects.filter(clinic_patient__name_refused=True, pk__in=keyed).exists()
    assert Screening.objects.filter(agency=agency).count() == result.screenings > 0
    assert set(Community.objects.filter(agency=agency).values_list("name", flat=True)) == {
        c[0] for c in COMMUNITIES
    }
    assert Visit.objects.filter(itinerary__agency=agency).count() == result.visits
    first, last = TODAY - datetime.timedelta(days=730), TODAY
    days = Consultation.objects.values_list("attended_on", flat=True)
    assert first <= min(days) and max(days) <= last
    assert len(set(Consultation.objects.values_list("service", flat=True))) == 6
    assert set(Screening.objects.values_list("result", flat=True)) <= {"none", "possible", "urgent"}
    # one summary line of history, not one per row
    assert ChangeEvent.objects.filter(root_model="clinic.seed").count() == 1


def test_the_same_seed_and_day_give_the_same_data_and_another_seed_does_not(agency, team):
    with transaction.atomic():
        seed_consultations(count=200, seed=11, today=TODAY, agency=agency, batch_size=64)
        first = _signature()
        transaction.set_rollback(True)
    assert not Consultation.objects.exists()

    with transaction.atomic():
        seed_consultations(count=200, seed=11, today=TODAY, agency=agency, batch_size=64)
        again = _signature()
        transaction.set_rollback(True)
    seed_consultations(count=200, seed=12, today=TODAY, agency=agency, batch_size=64)
    other = _signature()

    assert first == again
    assert len(first[0]) == 200
    assert first != other


def test_seeded_rows_pass_the_model_constraints_and_the_services_checks(agency, team):
    seed_consultations(count=400, seed=5, today=TODAY, agency=agency, batch_size=150)

    sample = list(Consultation.objects.select_related("professional", "patient", "visit").order_by("?")[:60])
    for consultation in sample:
        consultation.full_clean()  # fields, choices and the database's check constraints
        errors: dict = {}
        values = {
            f: getattr(consultation, f)
            for f in ("service", "attended_on", "reason", "diagnoses", "follow_up_on", *services.VITAL_RANGES)
        }
        services._check_consultation(errors, consultation.professional, values)
        assert errors == {}, errors
        assert (
            consultation.visit.community_id == consultation.community_id == consultation.patient.community_id
        )
        assert consultation.patient.registered_on <= consultation.attended_on
    for model in (Patient, Person, Visit, Itinerary):
        for obj in model.objects.order_by("?")[:20]:
            obj.full_clean()
    for screening in Screening.objects.select_related("screened_by"):
        screening.full_clean()
        errors = {}
        services._check_screening(errors, {"indicators": screening.indicators, "result": screening.result})
        assert errors == {}, errors
        assert access.can_screen(screening.screened_by)
    prenatal = Consultation.objects.filter(service="control_prenatal").select_related("patient__person")
    assert prenatal.exists()
    assert {c.patient.person.sex for c in prenatal} == {"female"}


def test_seeded_screenings_stay_invisible_to_the_rest_of_the_team_and_analysts(agency, team, analyst):
    seed_consultations(count=400, seed=3, today=TODAY, agency=agency)
    screening = Screening.objects.first()
    assert screening is not None

    assert access.visible_screenings(team[1]["enfermera"]).count() == Screening.objects.count()
    for user in (team[1]["odontologo"], team[1]["tecnologo_laboratorio"], team[1]["conductor"], analyst):
        assert not access.visible_screenings(user).exists()
        with pytest.raises(Http404):
            access.access_screening(user, screening.uuid)


def test_seed_command_creates_the_consultations_asked_for(agency, team):
    out = StringIO()

    call_command("seed", consultations=45, seed=2, stdout=out)

    assert Consultation.objects.filter(agency=agency).count() == 45
    assert "consultas/s" in out.getvalue()


@pytest.mark.django_db
def test_seed_command_refuses_when_neither_cases_nor_consultations_are_asked_for():
    with pytest.raises(CommandError, match="Indique un número de casos, consultas o contactos mayor que cero"):
        call_command("seed", stdout=StringIO())
    with pytest.raises(CommandError, match="Indique un número de casos, consultas o contactos mayor que cero"):
        call_command("seed", cases=0, consultations=0, contacts=0, stdout=StringIO())


@pytest.mark.django_db
def test_seed_command_refuses_consultations_without_a_clinic_team():
    with pytest.raises(CommandError, match="No hay un equipo de la clínica móvil"):
        call_command("seed", consultations=10, stdout=StringIO())
    assert not Consultation.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the seeder maintains the tables on PostgreSQL only")
def test_seed_leaves_the_tables_it_wrote_analyzed(agency, team):
    # the patients' persons bring word-index rows: their statistics (and, outside a transaction, their visibility
    # map) must not wait for autovacuum, which some servers run without
    with CaptureQueriesContext(connection) as queries:
        seed_consultations(count=30, seed=5, today=TODAY, agency=agency)
    maintained = {q["sql"].split()[-1].strip('"') for q in queries if q["sql"].startswith(("ANALYZE", "VACUUM"))}
    assert {"people_person", "people_personsearchtoken", "people_personmatchkey", "clinic_consultation",
            "clinic_patient"} <= maintained
