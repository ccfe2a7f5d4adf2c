"""Return and reintegration pages, API and timeline: the lead agency works on them; any other agency gets a
404 and sees nothing of them."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from sistra.assistance import services_return as sr
from sistra.assistance.models import ReintegrationPlan, ReturnTravel
from sistra.assistance.timeline import person_timeline
from sistra.core.testing import ubigeo

pytestmark = pytest.mark.django_db

LIMA = zoneinfo.ZoneInfo("America/Lima")
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=LIMA), tick=False):
        yield


def day(n):
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def travel(transferred_case, mimp_worker):
    return sr.return_plan(
        actor=mimp_worker,
        case=transferred_case,
        origin_ubigeo=ubigeo("170101"),
        destination_ubigeo=ubigeo("080101"),
        escort="staff",
        document_status="ready",
        planned_departure=day(5),
        paid_by="mimp",
        cost_tickets="85.50",
    )


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_return_and_its_actions(client, travel, mimp_worker):
    client.force_login(mimp_worker)
    html = client.get(reverse("assistance:case_detail", args=[travel.case.uuid])).content.decode()
    assert 'id="return"' in html and "Registrar la salida" in html and "85.50" in html


def test_planning_a_return_through_the_page(client, transferred_case, mimp_worker):
    client.force_login(mimp_worker)
    response = client.post(
        reverse("assistance:return_add", args=[transferred_case.uuid]),
        {
            "origin_ubigeo": "170101",
            "destination_ubigeo": "080101",
            "transport": "land",
            "travel_document": "dni",
            "document_status": "ready",
            "visa": "not_needed",
            "escort": "staff",
            "paid_by": "mimp",
            "planned_departure": day(5).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    assert ReturnTravel.objects.filter(case=transferred_case).count() == 1


def test_a_refused_rule_shows_on_the_form_and_saves_nothing(client, transferred_case, mimp_worker):
    client.force_login(mimp_worker)
    response = client.post(
        reverse("assistance:return_add", args=[transferred_case.uuid]),
        {
            "origin_ubigeo": "170101",
            "destination_ubigeo": "080101",
            "transport": "land",
            "travel_document": "dni",
            "document_status": "ready",
            "visa": "not_needed",
            "escort": "none",
            "paid_by": "mimp",
            "planned_departure": day(5).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 422
    assert "no viaja sin acompañante" in response.content.decode()
    assert not ReturnTravel.objects.exists()


def test_confirming_the_arrival_through_the_pages(client, travel, mimp_worker):
    client.force_login(mimp_worker)
    case_uuid = travel.case.uuid
    client.post(
        reverse("assistance:return_depart", args=[case_uuid, travel.uuid]),
        {"departed_on": day(5).strftime("%d/%m/%Y")},
    )
    client.post(
        reverse("assistance:return_arrive", args=[case_uuid, travel.uuid]),
        {"arrived_on": day(4).strftime("%d/%m/%Y"), "arrival_notes": "La recibió su tía"},
    )
    travel.refresh_from_db()
    assert travel.status == ReturnTravel.Status.ARRIVED


def test_another_agency_gets_404_on_every_return_page(client, travel, ngo_worker, iom_worker):
    case_uuid = travel.case.uuid
    plan = sr.reintegration_plan_create(
        actor=travel.created_by, case=travel.case, community=ubigeo("080101"), goals="Metas", starts_on=day(1)
    )
    follow_up = plan.follow_ups.first()
    for user in (ngo_worker, iom_worker):
        client.force_login(user)
        for url in (
            reverse("assistance:return_add", args=[case_uuid]),
            reverse("assistance:return_edit", args=[case_uuid, travel.uuid]),
            reverse("assistance:return_depart", args=[case_uuid, travel.uuid]),
            reverse("assistance:return_arrive", args=[case_uuid, travel.uuid]),
            reverse("assistance:return_cancel", args=[case_uuid, travel.uuid]),
            reverse("assistance:reintegration_add", args=[case_uuid]),
            reverse("assistance:reintegration_followup", args=[case_uuid, follow_up.uuid]),
            reverse("assistance:reintegration_outcome", args=[case_uuid, plan.uuid]),
        ):
            assert client.get(url).status_code == 404, url


def test_a_reintegration_plan_through_the_page_schedules_its_follow_ups(client, travel, mimp_worker):
    client.force_login(mimp_worker)
    response = client.post(
        reverse("assistance:reintegration_add", args=[travel.case.uuid]),
        {
            "community": "080101",
            "goals": "Retomar la secundaria",
            "areas": ["education", "family"],
            "starts_on": day(1).strftime("%d/%m/%Y"),
            "return_travel": str(travel.uuid),
        },
    )
    assert response.status_code == 302
    plan = ReintegrationPlan.objects.get(case=travel.case)
    assert plan.return_travel == travel and plan.follow_ups.count() == 3


# --- API --------------------------------------------------------------------------------------------------------


def test_the_api_lists_and_plans_returns_of_the_agencys_cases_only(travel, mimp_worker, ngo_worker):
    response = api(mimp_worker).get("/api/v1/assistance/returns/", {"case": str(travel.case.uuid)})
    assert response.status_code == 200
    assert [r["uuid"] for r in response.json()["results"]] == [str(travel.uuid)]
    assert api(ngo_worker).get("/api/v1/assistance/returns/").json()["results"] == []
    assert api(ngo_worker).get(f"/api/v1/assistance/returns/{travel.uuid}/").status_code == 404
    response = api(ngo_worker).post(
        "/api/v1/assistance/returns/",
        {
            "case": str(travel.case.uuid),
            "origin_ubigeo": "170101",
            "destination_ubigeo": "080101",
            "planned_departure": day(5).isoformat(),
            "escort": "staff",
        },
        format="json",
    )
    assert response.status_code == 404


def test_the_api_refuses_an_arrival_before_the_departure_with_400(travel, mimp_worker):
    client = api(mimp_worker)
    response = client.post(
        f"/api/v1/assistance/returns/{travel.uuid}/depart/",
        {"departed_on": day(5).isoformat()},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "travelling"
    response = client.post(
        f"/api/v1/assistance/returns/{travel.uuid}/arrive/",
        {"arrived_on": day(6).isoformat(), "notes": "Confirmada"},
        format="json",
    )
    assert response.status_code == 400
    assert "arrived_on" in response.json()


def test_the_api_runs_a_reintegration_plan_to_its_outcome(travel, mimp_worker):
    client = api(mimp_worker)
    response = client.post(
        "/api/v1/assistance/reintegration-plans/",
        {
            "case": str(travel.case.uuid),
            "community": "080101",
            "goals": "Metas",
            "starts_on": day(3).isoformat(),
            "areas": ["livelihood"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    plan = response.json()
    first = next(f for f in plan["follow_ups"] if f["milestone"] == "m3")
    response = client.post(
        f"/api/v1/assistance/reintegration-plans/{plan['uuid']}/follow-ups/",
        {
            "follow_up": first["uuid"],
            "done_on": day(1).isoformat(),
            "kind": "office",
            "progress": "on_track",
            "notes": "Trabaja en la chacra familiar",
        },
        format="json",
    )
    assert response.status_code == 200
    response = client.post(
        f"/api/v1/assistance/reintegration-plans/{plan['uuid']}/outcome/",
        {"outcome": "reintegrated", "outcome_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "closed"


# --- timeline ---------------------------------------------------------------------------------------------------


def test_the_timeline_shows_the_return_to_the_lead_agency_only(travel, mimp_worker, ngo_worker):
    sr.return_record_departure(actor=mimp_worker, travel=travel, departed_on=day(5))
    sr.return_confirm_arrival(actor=mimp_worker, travel=travel, arrived_on=day(4), notes="Confirmada")
    titles = [e.title for e in person_timeline(mimp_worker, travel.case.person) if e.source == "return"]
    assert any(t.startswith("Salida del retorno") for t in titles)
    assert any(t.startswith("Llegada confirmada") for t in titles)
    assert not [e for e in person_timeline(ngo_worker, travel.case.person) if e.source == "return"]
