"""The clinic's writes: patients through the registry, consultations with range-checked vitals and CIE-10,
screenings by the screening professions only, referral with consent or the minor/urgent rule."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from sistra.assistance.access import visible_referrals
from sistra.assistance.models import Referral
from sistra.clinic import services
from sistra.clinic.models import Community, Consultation, Patient, Screening, UrgentNotice
from sistra.core.models import Ubigeo
from sistra.people.access import can_see_identity, visible_persons

from .conftest import TODAY


def register(actor, community, **extra):
    fields = {
        "first_names": "Rosa",
        "last_name_paternal": "Huamán",
        "last_name_maternal": "Quispe",
        "estimated_age": 24,
        "sex": "female",
        "language": "que",
    }
    fields.update(extra)
    return services.patient_register(actor=actor, community=community, registered_on=TODAY, **fields)


def consult(actor, patient, **extra):
    fields = {
        "service": "triaje",
        "attended_on": TODAY,
        "reason": "Fiebre y tos",
        "temperature_c": "38.2",
        "heart_rate_bpm": 96,
        "diagnoses": ["J06", "r50"],
    }
    fields.update(extra)
    return services.consultation_record(actor=actor, patient=patient, **fields)


def messages_of(exc) -> str:
    return " ".join(m for msgs in exc.value.message_dict.values() for m in msgs)


def test_a_patient_is_a_person_of_the_registry_with_age_and_language(nurse, huepetuhe):
    patient = register(nurse, huepetuhe)
    assert patient.person.full_name == "Rosa Huamán Quispe"
    assert patient.person.owner_agency == nurse.agency
    assert patient.person.age_on(TODAY) == 24
    assert [t.code for t in patient.person.languages.all()] == ["que"]
    assert patient.language.code == "que"


def test_a_patient_who_refuses_her_name_is_registered_without_it(nurse, huepetuhe):
    patient = register(
        nurse, huepetuhe, name_refused=True, first_names="", last_name_paternal="", last_name_maternal=""
    )
    assert patient.name_refused
    assert patient.person.full_name == services.NO_NAME
    assert not patient.person.documents.exists()


def test_it_refuses_a_patient_without_name_or_refusal_and_without_age(nurse, huepetuhe):
    with pytest.raises(ValidationError) as exc:
        register(nurse, huepetuhe, first_names="", estimated_age=None)
    assert "nombres" in messages_of(exc)
    assert "edad aproximada" in messages_of(exc)
    assert not Patient.objects.exists()


def test_it_refuses_a_community_outside_the_teams_itinerary(nurse, agency, itinerary):
    elsewhere = Community.objects.create(
        agency=agency, name="Iberia", district=Ubigeo.objects.get(code="170302"), access="road"
    )
    with pytest.raises(ValidationError) as exc:
        register(nurse, elsewhere)
    assert "no está en el itinerario" in messages_of(exc)


def test_a_driver_registers_no_patient(driver, huepetuhe):
    with pytest.raises(PermissionDenied):
        register(driver, huepetuhe)


def test_a_consultation_keeps_vitals_and_cie10_codes(nurse, huepetuhe):
    consultation = consult(nurse, register(nurse, huepetuhe))
    assert consultation.diagnoses == ["J06", "R50"]
    assert str(consultation.temperature_c) == "38.2"
    assert consultation.community == huepetuhe


def test_it_refuses_a_consultation_without_patient_or_service(nurse, huepetuhe):
    with pytest.raises(ValidationError) as exc:
        services.consultation_record(actor=nurse, patient=None, service="", attended_on=TODAY, reason="x")
    assert "Indique el paciente" in messages_of(exc)
    assert "Indique el servicio" in messages_of(exc)


@pytest.mark.parametrize(
    ("field", "value"),
    [("temperature_c", "370"), ("heart_rate_bpm", 400), ("spo2_pct", 20), ("systolic_mmhg", 30)],
)
def test_it_refuses_vital_signs_out_of_physiological_range(nurse, huepetuhe, field, value):
    patient = register(nurse, huepetuhe)
    with pytest.raises(ValidationError) as exc:
        consult(nurse, patient, **{field: value})
    assert "fuera del rango fisiológico" in messages_of(exc)
    assert not Consultation.objects.exists()


def test_it_refuses_a_cie10_code_that_does_not_exist(nurse, huepetuhe):
    with pytest.raises(ValidationError) as exc:
        consult(nurse, register(nurse, huepetuhe), diagnoses=["J06", "X999"])
    assert "X999 no existe" in messages_of(exc)


def test_it_refuses_a_future_date(nurse, huepetuhe):
    with pytest.raises(ValidationError) as exc:
        consult(nurse, register(nurse, huepetuhe), attended_on=TODAY + datetime.timedelta(days=1))
    assert "no puede ser una fecha futura" in messages_of(exc)


def test_a_dentist_records_only_dental_consultations(dentist, nurse, huepetuhe):
    patient = register(nurse, huepetuhe)
    assert consult(dentist, patient, service="odontologia", diagnoses=["K02"]).service == "odontologia"
    with pytest.raises(ValidationError) as exc:
        consult(dentist, patient, service="control_prenatal")
    assert "Su profesión no registra" in messages_of(exc)


def test_it_refuses_a_screening_by_a_profession_not_allowed_to_screen(dentist, nurse, huepetuhe):
    patient = register(nurse, huepetuhe)
    with pytest.raises(ValidationError) as exc:
        services.screening_record(actor=dentist, patient=patient, screened_on=TODAY, result="none")
    assert "solo médicos, obstetras y enfermeras" in messages_of(exc)
    assert not Screening.objects.exists()


def test_a_positive_screening_needs_an_indicator(nurse, huepetuhe):
    patient = register(nurse, huepetuhe)
    with pytest.raises(ValidationError) as exc:
        services.screening_record(actor=nurse, patient=patient, screened_on=TODAY, result="possible")
    assert "al menos un indicador" in messages_of(exc)


def screen(nurse, patient, **extra):
    fields = {
        "screened_on": TODAY,
        "result": "possible",
        "indicators": ["deceit", "debt"],
        "action": "Orientación en privado",
        "consent": "given",
    }
    fields.update(extra)
    return services.screening_record(actor=nurse, patient=patient, **fields)


def test_a_referral_with_consent_reuses_the_assistance_referral_and_share(
    nurse, huepetuhe, mimp, mimp_worker
):
    screening = screen(nurse, register(nurse, huepetuhe))
    referral = services.screening_refer(actor=nurse, screening=screening, to_agency=mimp)
    assert referral.to_agency == mimp
    assert referral.include_identity  # she consented to share with MIMP
    assert referral.person.shares.filter(agency=mimp, revoked_at__isnull=True).exists()
    assert visible_referrals(mimp_worker).filter(pk=referral.pk).exists()
    assert visible_persons(mimp_worker).filter(pk=referral.person_id).exists()
    screening.refresh_from_db()
    assert screening.referral == referral and screening.referral_basis == "consent"


def test_it_refuses_a_referral_without_consent_of_an_adult_not_in_urgent_danger(nurse, huepetuhe, mimp):
    screening = screen(nurse, register(nurse, huepetuhe), consent="refused")
    with pytest.raises(ValidationError) as exc:
        services.screening_refer(actor=nurse, screening=screening, to_agency=mimp)
    assert "sin su consentimiento" in messages_of(exc)
    assert not Referral.objects.exists()


def test_a_minor_is_referred_without_consent_and_without_identity(nurse, huepetuhe, mimp, mimp_worker):
    screening = screen(
        nurse, register(nurse, huepetuhe, estimated_age=15), consent="refused", indicators=["minor_bar_camp"]
    )
    referral = services.screening_refer(actor=nurse, screening=screening, to_agency=mimp)
    assert referral.include_identity is False
    assert not can_see_identity(mimp_worker, referral.person)
    screening.refresh_from_db()
    assert screening.referral_basis == "minor"


def test_urgent_danger_is_referred_and_notifies_the_receiving_agency_at_once(
    nurse, huepetuhe, mimp, django_capture_on_commit_callbacks
):
    screening = screen(
        nurse,
        register(nurse, huepetuhe),
        consent="not_asked",
        result="urgent",
        indicators=["cannot_leave", "threats"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.screening_refer(actor=nurse, screening=screening, to_agency=mimp)
    assert referral.is_urgent
    assert UrgentNotice.objects.filter(referral=referral, agency=mimp).exists()
    assert mail.outbox and mail.outbox[0].to == ["upe@example.org"]
    assert "Rosa" not in mail.outbox[0].body and "Huamán" not in mail.outbox[0].body
