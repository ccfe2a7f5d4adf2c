import datetime

from django.urls import reverse
from django.utils import timezone

from sistra.assistance.models import Referral
from sistra.audit.models import AccessLog

from .conftest import consent_to_share

DUE = lambda: (timezone.localdate() + datetime.timedelta(days=3)).isoformat()  # noqa: E731


def api(client, user):
    client.force_login(user)
    return client


def test_a_referral_is_sent_over_the_api_with_identity_only_where_consented(client, clinic_case, health_worker,
                                                                            mimp, mimp_worker, iom, iom_worker,
                                                                            days_ago):
    consent_to_share(health_worker, clinic_case, mimp, days_ago(1))
    api(client, health_worker)
    url = reverse("api-referral-list")
    response = client.post(url, {"case": str(clinic_case.uuid), "to_agency": mimp.code, "services": ["shelter"],
                                 "due_on": DUE()}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["carries_identity"] is True
    response = client.post(url, {"case": str(clinic_case.uuid), "to_agency": iom.code, "services": ["health"],
                                 "due_on": DUE()}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["carries_identity"] is False
    api(client, mimp_worker)
    inbox = client.get(url, {"box": "inbox"}).json()["results"]
    assert [r["person"]["full_name"] for r in inbox] == ["Rosa Elena Huamán Quispe"]
    api(client, iom_worker)
    inbox = client.get(url, {"box": "inbox"}).json()["results"]
    assert len(inbox) == 1 and "full_name" not in inbox[0]["person"]
    assert inbox[0]["person"]["code"] == clinic_case.person.code
    assert AccessLog.objects.filter(actor=mimp_worker).count() == 1
    assert not AccessLog.objects.filter(actor=iom_worker).exists()


def test_a_refusal_comes_back_as_400_with_a_spanish_message(client, clinic_case, health_worker, mimp, mimp_worker):
    api(client, health_worker)
    response = client.post(reverse("api-referral-list"), {
        "case": str(clinic_case.uuid), "to_agency": mimp.code, "kind": "transfer", "due_on": DUE()},
        content_type="application/json")
    assert response.status_code == 400
    assert "consentir compartir" in response.json()["kind"][0]
    assert not Referral.objects.exists()


def test_accept_decline_complete_over_the_api(client, clinic_case, health_worker, ngo, ngo_worker):
    api(client, health_worker)
    created = client.post(reverse("api-referral-list"), {
        "case": str(clinic_case.uuid), "to_agency": ngo.code, "services": ["health"], "due_on": DUE()},
        content_type="application/json").json()
    # the sender may not accept
    assert client.post(reverse("api-referral-accept", args=[created["uuid"]])).status_code == 403
    api(client, ngo_worker)
    assert client.post(reverse("api-referral-accept", args=[created["uuid"]])).json()["status"] == "accepted"
    done = client.post(reverse("api-referral-complete", args=[created["uuid"]]), {"notes": "Atendida"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    # the access ended with the referral: the receiver no longer sees the person's identity, only the pseudonym
    data = client.get(reverse("api-referral-detail", args=[created["uuid"]])).json()
    assert "full_name" not in data["person"]


def test_the_cases_endpoint_lists_only_the_agencys_cases(client, clinic_case, health_worker, ngo_worker):
    assert [c["code"] for c in api(client, health_worker).get(reverse("api-assistance-case-list")).json()["results"]
            ] == [clinic_case.code]
    assert api(client, ngo_worker).get(reverse("api-assistance-case-list")).json()["results"] == []
    assert client.get(reverse("api-assistance-case-detail", args=[clinic_case.uuid])).status_code == 404


def test_roles_outside_the_pathway_are_refused(client, analyst):
    assert api(client, analyst).get(reverse("api-referral-list")).status_code == 403


def test_the_catalogue_and_directory_are_listed(client, mimp_worker):
    data = api(client, mimp_worker).get(reverse("api-service-type-list")).json()["results"]
    codes = {row["code"] for row in data}
    assert {"return_international", "family_tracing", "legal_accompaniment", "interpretation"} <= codes
    assert client.get(reverse("api-provider-list"), {"region": "170000"}).status_code == 200
