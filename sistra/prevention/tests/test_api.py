import pytest
from rest_framework.test import APIClient

from sistra.audit.models import AccessLog
from sistra.prevention.models import Campaign, TrainingEvent


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_training_and_its_participants_over_the_api(officer):
    client = api(officer)
    response = client.post(
        "/api/v1/prevention/trainings/",
        {
            "title": "Identificación de víctimas",
            "topic": "identification",
            "organiser": "TdH",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-02",
            "ubigeo": "170101",
            "modality": "in_person",
            "audience": "Personal de salud",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    uuid = response.json()["uuid"]
    added = client.post(
        f"/api/v1/prevention/trainings/{uuid}/participants/",
        {"full_name": "Edwin Condori", "profession": "health", "pre_score": "10", "post_score": "17"},
        format="json",
    )
    assert added.status_code == 201 and added.json()["knowledge_gain"] == "7.0"
    listed = client.get(f"/api/v1/prevention/trainings/{uuid}/participants/").json()
    assert [p["full_name"] for p in listed] == ["Edwin Condori"]


def test_a_training_ending_before_it_starts_is_a_400_naming_the_field(officer):
    response = api(officer).post(
        "/api/v1/prevention/trainings/",
        {
            "title": "X",
            "topic": "ruta",
            "organiser": "TdH",
            "starts_on": "2026-04-02",
            "ends_on": "2026-04-01",
            "ubigeo": "170101",
        },
        format="json",
    )
    assert response.status_code == 400 and "ends_on" in response.json()
    assert not TrainingEvent.objects.exists()


def test_a_post_test_without_pre_test_is_a_400(officer, event):
    response = api(officer).post(
        f"/api/v1/prevention/trainings/{event.uuid}/participants/",
        {"full_name": "Edwin Condori", "profession": "health", "post_score": "17"},
        format="json",
    )
    assert response.status_code == 400 and "post_score" in response.json()


def test_another_agencys_training_is_a_404(other_officer, event):
    assert api(other_officer).get(f"/api/v1/prevention/trainings/{event.uuid}/").status_code == 404
    response = api(other_officer).post(
        f"/api/v1/prevention/trainings/{event.uuid}/participants/",
        {"full_name": "X", "profession": "judge"},
        format="json",
    )
    assert response.status_code == 404


def test_a_campaign_with_reach_over_the_api_and_reach_without_method_refused(officer):
    client = api(officer)
    response = client.post(
        "/api/v1/prevention/campaigns/",
        {
            "name": "Llama y Vive",
            "starts_on": "2026-02-01",
            "ends_on": "2026-02-28",
            "channels": ["radio"],
            "places": [{"kind": "airport", "name": "Aeropuerto Jorge Chávez", "ubigeo": "070101"}],
            "reach": [{"channel": "radio", "people": 50000, "method": "audience", "source": "CPI"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reach"] == [
        {"channel": "radio", "people": 50000, "method": "audience", "source": "CPI", "departamento_code": ""}
    ]
    refused = client.post(
        f"/api/v1/prevention/campaigns/{body['uuid']}/reach/",
        {"channel": "tv", "people": 100, "source": "IBOPE"},
        format="json",
    )
    assert refused.status_code == 400 and "method" in refused.json()
    assert Campaign.objects.get().reach.count() == 1


def test_families_over_the_api_identity_for_the_owner_pseudonyms_for_analysts(
    officer, analyst, other_officer, family
):
    mine = api(officer).get(f"/api/v1/prevention/families/{family.uuid}/").json()
    assert mine["head_name"] == "Juana Huamán Ccori"
    assert {c["first_names"] for c in mine["children"]} == {"Luz", "Elvis"}
    assert AccessLog.objects.filter(actor=officer, object_uuid=family.uuid).count() == 1
    theirs = api(analyst).get(f"/api/v1/prevention/families/{family.uuid}/").json()
    assert theirs["code"] == family.code and "head_name" not in theirs
    assert all("first_names" not in c for c in theirs["children"])
    assert not AccessLog.objects.filter(actor=analyst).exists()
    assert api(other_officer).get(f"/api/v1/prevention/families/{family.uuid}/").status_code == 404
    listing = api(analyst).get("/api/v1/prevention/families/").json()
    assert [f["code"] for f in listing["results"]] == [family.code]
    assert "Juana" not in str(listing)


def test_follow_up_before_registration_over_the_api_is_a_400(officer, family):
    kid = family.children.first()
    response = api(officer).post(
        f"/api/v1/prevention/families/{family.uuid}/follow-ups/",
        {"child": str(kid.uuid), "milestone": "6", "done_on": "2025-01-01", "in_school": True},
        format="json",
    )
    assert response.status_code == 400 and "done_on" in response.json()


@pytest.mark.parametrize("method", ["post_alternative", "post_family"])
def test_an_analyst_cannot_write_families(analyst, family, method):
    client = api(analyst)
    if method == "post_alternative":
        response = client.post(
            f"/api/v1/prevention/families/{family.uuid}/alternatives/",
            {"child": str(family.children.first().uuid), "kind": "schooling", "started_on": "2025-07-01"},
            format="json",
        )
    else:
        response = client.post("/api/v1/prevention/families/", {"head_name": "X"}, format="json")
    assert response.status_code == 403


def test_the_prevention_endpoints_are_in_the_openapi_schema(officer):
    schema = api(officer).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/prevention/trainings/",
        "/api/v1/prevention/trainings/{uuid}/participants/",
        "/api/v1/prevention/campaigns/{uuid}/reach/",
        "/api/v1/prevention/families/{uuid}/follow-ups/",
    ):
        assert path in schema["paths"]
