"""Who sees what: the screening only to the team's screening professions and the agency its referral went to;
never to the dentist, the driver, analysts, another team, the consultation list or an export."""

import pytest
from django.http import Http404

from sistra.clinic import access, exports, services
from sistra.clinic.figures import clinic_figures

from .conftest import TODAY
from .test_services import consult, register


@pytest.fixture
def screened(nurse, huepetuhe, mimp):
    patient = register(nurse, huepetuhe)
    consult(nurse, patient, reason="Control general")
    screening = services.screening_record(
        actor=nurse,
        patient=patient,
        screened_on=TODAY,
        result="possible",
        indicators=["documents", "debt"],
        action="Retienen su DNI en el bar",
        consent="given",
    )
    return screening


def test_the_screening_professions_of_the_team_see_the_screening(screened, nurse, doctor):
    assert access.access_screening(nurse, screened.uuid) == screened
    assert access.access_screening(doctor, screened.uuid) == screened


@pytest.mark.parametrize("profession", ["odontologo", "tecnologo_laboratorio", "conductor", "promotor"])
def test_the_rest_of_the_team_never_sees_the_screening(screened, team, profession):
    user = team[1][profession]
    assert not access.visible_screenings(user).exists()
    with pytest.raises(Http404):
        access.access_screening(user, screened.uuid)


def test_an_analyst_and_another_team_never_see_the_screening(screened, analyst, other_team):
    for user in (analyst, other_team[1]["enfermera"]):
        assert not access.visible_screenings(user).exists()
        with pytest.raises(Http404):
            access.access_screening(user, screened.uuid)


def test_the_receiving_agency_sees_the_screening_once_referred(screened, nurse, mimp, mimp_worker):
    with pytest.raises(Http404):
        access.access_screening(mimp_worker, screened.uuid)
    services.screening_refer(actor=nurse, screening=screened, to_agency=mimp)
    assert access.access_screening(mimp_worker, screened.uuid) == screened


def test_another_teams_patient_and_consultation_are_a_404(screened, other_team):
    outsider = other_team[1]["medico"]
    patient = screened.patient
    with pytest.raises(Http404):
        access.access_patient(outsider, patient.uuid)
    with pytest.raises(Http404):
        access.access_consultation(outsider, patient.consultations.get().uuid)


def test_the_driver_sees_communities_but_no_patient(screened, driver, huepetuhe):
    assert access.visible_communities(driver).filter(pk=huepetuhe.pk).exists()
    assert not access.visible_patients(driver).exists()
    assert not access.visible_consultations(driver).exists()


def test_the_consultation_export_carries_nothing_of_the_screening(screened, nurse, dentist):
    for user in (nurse, dentist):
        text = exports.consultations_csv(user).decode("utf-8-sig")
        assert "Control general" in text
        assert "Retienen" not in text and "documents" not in text and "Posible víctima" not in text
        assert "tamizaje" not in text.lower()


def test_published_screening_counts_are_suppressed(screened, nurse):
    figures = {f.title: f for f in clinic_figures()}
    results = figures["Tamizajes de trata por resultado"]
    assert dict(results.rows)["Posible víctima"] is None  # one screening: a small cell, never shown
    assert results.total is None
    assert all(value is None or value == 0 or value >= 10 for _label, value in results.rows)


def test_the_dashboards_figures_are_kept_until_a_record_is_added(agency):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sistra.clinic.seed import seed_consultations

    cache.clear()
    seed_consultations(count=40, seed=1, agency=agency)
    first = clinic_figures(cached=True)
    with CaptureQueriesContext(connection) as queries:
        again = clinic_figures(cached=True)
    assert again == first
    assert not any("GROUP BY" in q["sql"] for q in queries.captured_queries)  # only the newest ids were read

    seed_consultations(count=15, seed=2, agency=agency)
    after = clinic_figures(cached=True)

    def consultations(figures):
        return figures[0].total

    assert after == clinic_figures()  # a new consultation: counted afresh
    assert consultations(after) == consultations(first) + 15
