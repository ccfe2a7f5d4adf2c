"""The offline protocol: exactly once whatever the order and however often; merge by field; same-field
conflicts queued with both values; signed packets; refused records come back with reasons."""

import json
import random
import threading
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from sistra.clinic import sync
from sistra.clinic.models import Consultation, Patient, Screening, SyncChange, SyncConflict
from sistra.people.models import Person

from .conftest import TODAY


def new_id() -> str:
    return str(uuid.uuid4())


def patient_change(community, **data):
    fields = {
        "community": str(community.uuid),
        "registered_on": TODAY.isoformat(),
        "first_names": "Ana",
        "last_name_paternal": "Mamani",
        "estimated_age": 30,
        "sex": "female",
        "language": "spa",
    }
    fields.update(data)
    return {
        "idempotency_key": new_id(),
        "entity": "patient",
        "op": "create",
        "uuid": new_id(),
        "data": fields,
    }


def consultation_change(patient_uuid, **data):
    fields = {
        "patient": patient_uuid,
        "service": "triaje",
        "attended_on": TODAY.isoformat(),
        "reason": "Control",
        "temperature_c": "36.8",
        "diagnoses": ["Z00"],
    }
    fields.update(data)
    return {
        "idempotency_key": new_id(),
        "entity": "consultation",
        "op": "create",
        "uuid": new_id(),
        "data": fields,
    }


def edit(entity, record, base_version, **data):
    return {
        "idempotency_key": new_id(),
        "entity": entity,
        "op": "update",
        "uuid": str(record.uuid),
        "base_version": base_version,
        "data": data,
    }


def packet_of(community, n=5):
    changes = []
    for _i in range(n):
        p = patient_change(community)
        changes += [p, consultation_change(p["uuid"])]
    return changes


@pytest.fixture
def device(nurse):
    return sync.device_register(actor=nurse, name="Tableta 1")


def post(client, device, changes, *, packet_id=None, signature=None, body=None):
    payload = {"device": str(device.uuid), "packet_id": packet_id or new_id(), "changes": changes}
    raw = body if body is not None else json.dumps(payload).encode()
    return client.post(
        reverse("api-clinic-sync"),
        data=raw,
        content_type="application/json",
        headers={"X-Sistra-Signature": signature if signature is not None else sync.sign(device, raw)},
    )


@pytest.fixture
def api(nurse):
    client = APIClient()
    client.force_authenticate(nurse)
    return client


def test_replaying_a_packet_three_times_out_of_order_applies_each_record_once(nurse, device, huepetuhe):
    changes = packet_of(huepetuhe)
    rng = random.Random(7)
    for _attempt in range(3):
        shuffled = changes[:]
        rng.shuffle(shuffled)
        results = sync.apply_changes(actor=nurse, device=device, changes=shuffled)
        assert {r["status"] for r in results} == {"applied"}
    assert Patient.objects.count() == 5
    assert Consultation.objects.count() == 5
    assert Person.objects.count() == 5
    assert SyncChange.objects.count() == 10
    assert set(Consultation.objects.values_list("uuid", flat=True)) == {
        uuid.UUID(c["uuid"]) for c in changes if c["entity"] == "consultation"
    }


def test_a_consultation_sent_before_its_patient_applies_when_the_patient_arrives(nurse, device, huepetuhe):
    p = patient_change(huepetuhe)
    c = consultation_change(p["uuid"])
    first = sync.apply_change(actor=nurse, device=device, change=c)
    assert first["status"] == "refused"
    assert "no existe en el servidor" in first["errors"]["patient"][0]
    sync.apply_changes(actor=nurse, device=device, changes=[p, c])
    assert Consultation.objects.filter(uuid=c["uuid"]).exists()


def test_refused_records_come_back_with_reasons_and_the_rest_of_the_packet_applies(api, device, huepetuhe):
    good = patient_change(huepetuhe)
    bad_vitals = consultation_change(good["uuid"], temperature_c="370")
    bad_code = consultation_change(good["uuid"], diagnoses=["Q999"])
    no_service = consultation_change(good["uuid"], service="")
    ok = consultation_change(good["uuid"])
    response = post(api, device, [good, bad_vitals, bad_code, no_service, ok])
    assert response.status_code == 200
    results = {r["idempotency_key"]: r for r in response.json()["results"]}
    assert results[good["idempotency_key"]]["status"] == "applied"
    assert results[ok["idempotency_key"]]["status"] == "applied"
    assert (
        "fuera del rango fisiológico" in results[bad_vitals["idempotency_key"]]["errors"]["temperature_c"][0]
    )
    assert "Q999 no existe" in results[bad_code["idempotency_key"]]["errors"]["diagnoses"][0]
    assert "Indique el servicio" in results[no_service["idempotency_key"]]["errors"]["service"][0]
    assert Consultation.objects.count() == 1


def test_a_broken_signature_refuses_the_whole_packet(api, device, huepetuhe):
    response = post(api, device, packet_of(huepetuhe, 1), signature="0" * 64)
    assert response.status_code == 400
    assert "firma del paquete no es válida" in response.json()["detail"]
    assert not Patient.objects.exists()


def test_a_packet_signed_with_another_devices_key_is_refused(api, nurse, device, huepetuhe):
    other = sync.device_register(actor=nurse, name="Tableta 2")
    payload = json.dumps(
        {"device": str(device.uuid), "packet_id": new_id(), "changes": packet_of(huepetuhe, 1)}
    ).encode()
    response = post(api, device, [], body=payload, signature=sync.sign(other, payload))
    assert response.status_code == 400
    assert not Patient.objects.exists()


def test_a_replayed_signed_packet_is_refused(api, device, huepetuhe):
    payload = json.dumps(
        {"device": str(device.uuid), "packet_id": new_id(), "changes": packet_of(huepetuhe, 1)}
    ).encode()
    assert post(api, device, [], body=payload).status_code == 200
    again = post(api, device, [], body=payload)
    assert again.status_code == 409
    assert "ya fue recibido" in again.json()["detail"]
    assert Patient.objects.count() == 1


def test_a_revoked_device_can_no_longer_sync_or_download(api, nurse, device, huepetuhe):
    sync.device_revoke(actor=nurse, device=device)
    response = post(api, device, packet_of(huepetuhe, 1))
    assert response.status_code == 403
    assert "revocado" in response.json()["detail"]
    assert api.get(reverse("api-clinic-packet"), {"device": str(device.uuid)}).status_code == 403


def test_another_users_device_is_refused(doctor, device, huepetuhe):
    client = APIClient()
    client.force_authenticate(doctor)
    response = post(client, device, packet_of(huepetuhe, 1))
    assert response.status_code == 403


def test_a_driver_cannot_use_the_sync_endpoint(driver, device):
    client = APIClient()
    client.force_authenticate(driver)
    assert client.post(reverse("api-clinic-devices"), {"name": "x"}, format="json").status_code == 201
    assert client.get(reverse("api-clinic-packet"), {"device": str(device.uuid)}).status_code == 403


def _consultation(nurse, device, huepetuhe):
    p = patient_change(huepetuhe)
    c = consultation_change(p["uuid"])
    sync.apply_changes(actor=nurse, device=device, changes=[p, c])
    return Consultation.objects.get(uuid=c["uuid"])


def test_edits_to_different_fields_merge(nurse, doctor, device, huepetuhe):
    consultation = _consultation(nurse, device, huepetuhe)
    doctor_device = sync.device_register(actor=doctor, name="Tableta médico")
    first = sync.apply_change(
        actor=doctor,
        device=doctor_device,
        change=edit("consultation", consultation, 1, treatment="Paracetamol 500 mg"),
    )
    second = sync.apply_change(
        actor=nurse, device=device, change=edit("consultation", consultation, 1, weight_kg="61.5")
    )
    assert first["status"] == "applied"
    assert second["status"] == "merged"
    consultation.refresh_from_db()
    assert consultation.treatment == "Paracetamol 500 mg"
    assert str(consultation.weight_kg) == "61.50"
    assert consultation.version == 3
    assert not SyncConflict.objects.exists()


def test_edits_to_the_same_field_go_to_the_conflict_queue_with_both_values(nurse, doctor, device, huepetuhe):
    consultation = _consultation(nurse, device, huepetuhe)
    doctor_device = sync.device_register(actor=doctor, name="Tableta médico")
    sync.apply_change(
        actor=doctor,
        device=doctor_device,
        change=edit("consultation", consultation, 1, treatment="Amoxicilina"),
    )
    result = sync.apply_change(
        actor=nurse,
        device=device,
        change=edit("consultation", consultation, 1, treatment="Paracetamol", follow_up="Control en 7 días"),
    )
    assert result["status"] == "conflict"
    assert result["conflicts"] == ["treatment"]
    consultation.refresh_from_db()
    assert consultation.treatment == "Amoxicilina"  # never overwritten silently
    assert consultation.follow_up == "Control en 7 días"  # the other field merged
    conflict = SyncConflict.objects.get()
    assert (conflict.field, conflict.server_value, conflict.client_value) == (
        "treatment",
        "Amoxicilina",
        "Paracetamol",
    )
    resolved = sync.conflict_resolve(actor=doctor, conflict=conflict, keep="client", note="Indicación final")
    consultation.refresh_from_db()
    assert consultation.treatment == "Paracetamol"
    assert resolved.resolved_by == doctor and resolved.status == "resolved"


def test_only_a_supervisor_resolves_a_conflict(nurse, doctor, device, huepetuhe):
    from django.core.exceptions import PermissionDenied

    consultation = _consultation(nurse, device, huepetuhe)
    sync.apply_change(
        actor=doctor,
        device=sync.device_register(actor=doctor, name="t"),
        change=edit("consultation", consultation, 1, reason="Dolor"),
    )
    sync.apply_change(actor=nurse, device=device, change=edit("consultation", consultation, 1, reason="Tos"))
    with pytest.raises(PermissionDenied):
        sync.conflict_resolve(actor=nurse, conflict=SyncConflict.objects.get(), keep="client")


def test_a_replayed_edit_is_applied_once(nurse, device, huepetuhe):
    consultation = _consultation(nurse, device, huepetuhe)
    change = edit("consultation", consultation, 1, treatment="Sales de rehidratación")
    for _i in range(3):
        assert sync.apply_change(actor=nurse, device=device, change=change)["status"] == "applied"
    consultation.refresh_from_db()
    assert consultation.version == 2


def test_a_screening_with_referral_syncs_and_the_receiver_sees_it(
    nurse, device, huepetuhe, mimp, mimp_worker
):
    from sistra.assistance.access import visible_referrals

    p = patient_change(huepetuhe)
    s = {
        "idempotency_key": new_id(),
        "entity": "screening",
        "op": "create",
        "uuid": new_id(),
        "data": {
            "patient": p["uuid"],
            "screened_on": TODAY.isoformat(),
            "result": "possible",
            "indicators": ["deceit", "documents"],
            "consent": "given",
            "refer_to": mimp.code,
        },
    }
    results = sync.apply_changes(actor=nurse, device=device, changes=[s, p])
    assert [r["status"] for r in results] == ["applied", "applied"]
    screening = Screening.objects.get(uuid=s["uuid"])
    assert visible_referrals(mimp_worker).filter(pk=screening.referral_id).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent replay needs PostgreSQL's row locks"
)
def test_concurrent_replays_apply_each_record_exactly_once():
    from sistra.clinic.testing import ensure_itinerary, make_team

    from .conftest import TODAY as day

    agency, users = make_team()
    nurse = users["enfermera"]
    itinerary = ensure_itinerary(agency, name="Ruta", starts_on=day, members=[nurse])
    community = itinerary.visits.first().community
    device = sync.device_register(actor=nurse, name="Tableta")
    changes = packet_of(community, 8)
    errors = []
    barrier = threading.Barrier(3)

    def replay(seed):
        from django.db import connection as conn

        try:
            shuffled = changes[:]
            random.Random(seed).shuffle(shuffled)
            barrier.wait()
            results = sync.apply_changes(actor=nurse, device=device, changes=shuffled)
            errors.extend(r for r in results if r["status"] != "applied")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=replay, args=(seed,)) for seed in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Patient.objects.count() == 8
    assert Consultation.objects.count() == 8
    assert SyncChange.objects.count() == 16


def test_a_visit_outcome_syncs_as_an_edit(nurse, device, itinerary):
    visit = itinerary.visits.first()
    result = sync.apply_change(
        actor=nurse,
        device=device,
        change=edit(
            "visit",
            visit,
            1,
            arrived_at="2026-03-07T08:30:00-05:00",
            departed_at="2026-03-07T16:00:00-05:00",
            patients_seen=14,
            incidents="Río crecido: se llegó en bote",
        ),
    )
    assert result["status"] == "applied"
    visit.refresh_from_db()
    assert visit.patients_seen == 14 and visit.version == 2


def test_the_history_of_a_synced_screening_holds_no_answer(nurse, device, huepetuhe):
    from sistra.audit.models import ChangeEvent

    p = patient_change(huepetuhe)
    s = {
        "idempotency_key": new_id(),
        "entity": "screening",
        "op": "create",
        "uuid": new_id(),
        "data": {
            "patient": p["uuid"],
            "screened_on": TODAY.isoformat(),
            "result": "possible",
            "indicators": ["debt"],
            "action": "Habló de una deuda con el dueño del bar",
            "consent": "refused",
        },
    }
    sync.apply_changes(actor=nurse, device=device, changes=[p, s])
    history = json.dumps([[e.before, e.after, e.summary] for e in ChangeEvent.objects.all()], default=str)
    assert "deuda" not in history and "debt" not in history and "possible" not in history
