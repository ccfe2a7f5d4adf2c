"""Offline sync (decision 0121). A tablet sends signed packets of changes; each change carries the record's
client-made UUID, an idempotency key and, for an edit, the version it was based on.

- Exactly once: the idempotency key is unique in the database (SyncChange); the row is inserted in the same
  transaction as the change it stands for, so a replay — in any order, concurrently — either waits for the
  first and finds it, or applies it. A refused change leaves no row: sent again once its cause is fixed (its
  patient arrived), it applies.
- Edits merge by field: a field nobody changed since the tablet's base version takes the tablet's value; a
  field changed on the server since then, to a different value, is not overwritten: it goes to the conflict
  queue with both values, for a supervisor to decide.
- Packets are signed with HMAC-SHA256 under a key derived for the user's device; a broken signature, a revoked
  device or a packet id already received (a replay) is refused as a whole. Within a valid packet each change
  stands alone: the refused ones come back with Spanish reasons and the rest apply."""

import base64
import datetime
import hashlib
import hmac
import uuid as uuidlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from sistra.accounts.models import Agency
from sistra.audit.services import record_change

from . import access, services
from .models import (
    Community,
    Consultation,
    Device,
    Patient,
    Screening,
    SyncChange,
    SyncConflict,
    SyncPacket,
    Visit,
)

ENTITY_ORDER = {"patient": 0, "visit": 1, "consultation": 2, "screening": 3}
UPDATABLE = {
    "consultation": (Consultation, services.CONSULTATION_FIELDS),
    "screening": (Screening, services.SCREENING_FIELDS),
    "visit": (Visit, services.VISIT_FIELDS),
}


class SyncRefused(Exception):
    """The packet as a whole is refused (signature, device, replay)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# --- devices and keys -------------------------------------------------------------------------------------


def _key(purpose: str, device: Device) -> bytes:
    return salted_hmac(
        f"sistra.clinic.{purpose}", f"{device.uuid}:{device.user_id}", algorithm="sha256"
    ).digest()


def signing_key(device: Device) -> bytes:
    return _key("sign", device)


def data_key(device: Device) -> bytes:
    """The AES-GCM key the tablet encrypts its IndexedDB with: wrapped by the server for this user and device
    (derived from SECRET_KEY, never stored), handed over only to the device's user over the session."""
    return _key("data", device)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@transaction.atomic
def device_register(*, actor, name: str) -> Device:
    if not access.is_team_member(actor):
        raise PermissionDenied(_("Solo el equipo de la clínica móvil registra dispositivos."))
    device = Device.objects.create(user=actor, name=(name or "").strip()[:80] or _("Tableta"))
    record_change(
        actor=actor,
        action="create",
        instance=device,
        after={"uuid": str(device.uuid), "name": device.name},
        summary=_("Dispositivo registrado para trabajar sin conexión"),
    )
    return device


@transaction.atomic
def device_revoke(*, actor, device: Device) -> Device:
    """A lost tablet: from now on it can neither download nor sync. The user herself, or a supervisor of her
    team, may revoke it."""
    own = device.user_id == actor.pk
    if not (own or (access.is_supervisor(actor) and device.user.agency_id == actor.agency_id)):
        raise PermissionDenied(_("No puede revocar ese dispositivo."))
    current = Device.objects.select_for_update().get(pk=device.pk)
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.revoked_by = actor
        current.save(update_fields=["revoked_at", "revoked_by"])
        record_change(
            actor=actor,
            action="update",
            instance=current,
            after={"uuid": str(current.uuid), "revoked_at": current.revoked_at.isoformat()},
            summary=_("Dispositivo revocado"),
        )
    return current


def active_device(actor, device_uuid) -> Device:
    try:
        device = Device.objects.get(uuid=device_uuid, user=actor)
    except (Device.DoesNotExist, ValidationError, ValueError, TypeError):
        raise SyncRefused(_("Este dispositivo no está registrado para su usuario."), status=403) from None
    if device.revoked_at is not None:
        raise SyncRefused(
            _("Este dispositivo fue revocado: ya no puede sincronizar. Consulte a su supervisor."), status=403
        )
    return device


def sign(device: Device, body: bytes) -> str:
    return hmac.new(signing_key(device), body, hashlib.sha256).hexdigest()


def verify(device: Device, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(device, body), (signature or "").strip().lower())


# --- packets ----------------------------------------------------------------------------------------------


def receive_packet(*, actor, body: bytes, signature: str, payload: dict) -> dict:
    """Checks the packet (device, signature, not a replay) and applies its changes one by one."""
    device = active_device(actor, payload.get("device"))
    if not verify(device, body, signature):
        raise SyncRefused(
            _(
                "La firma del paquete no es válida: el paquete fue alterado o no viene de este "
                "dispositivo. No se aplicó nada."
            )
        )
    try:
        packet_id = uuidlib.UUID(str(payload.get("packet_id")))
    except (ValueError, TypeError):
        raise SyncRefused(_("El paquete no tiene un identificador válido.")) from None
    changes = payload.get("changes") or []
    if not isinstance(changes, list):
        raise SyncRefused(_("El paquete no tiene una lista de cambios."))
    try:
        with transaction.atomic():
            SyncPacket.objects.create(packet_id=packet_id, device=device, changes=len(changes))
    except IntegrityError:
        raise SyncRefused(
            _(
                "Este paquete ya fue recibido: un reenvío del mismo paquete firmado no se acepta. "
                "Sincronice de nuevo desde la tableta."
            ),
            status=409,
        ) from None
    results = apply_changes(actor=actor, device=device, changes=changes)
    Device.objects.filter(pk=device.pk).update(last_sync_at=timezone.now())
    return {"packet_id": str(packet_id), "results": results}


def apply_changes(*, actor, device: Device, changes: list) -> list[dict]:
    """Creates before edits, patients before what refers to them; results in the packet's order."""
    indexed = list(enumerate(changes))
    indexed.sort(key=lambda pair: (_order(pair[1]), pair[0]))
    results: dict[int, dict] = {}
    for position, change in indexed:
        results[position] = apply_change(actor=actor, device=device, change=change)
    return [results[i] for i in range(len(changes))]


def _order(change) -> tuple:
    if not isinstance(change, dict):
        return (9, 9)
    return (0 if change.get("op") == "create" else 1, ENTITY_ORDER.get(change.get("entity"), 9))


class _Duplicate(Exception):
    pass


def _messages(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            name: [str(m) for m in ValidationError(errors).messages]
            for name, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def apply_change(*, actor, device: Device, change) -> dict:
    base = {"idempotency_key": None, "entity": None, "uuid": None}
    if not isinstance(change, dict):
        return {**base, "status": "refused", "errors": {"__all__": [_("Cambio mal formado.")]}}
    base = {
        "idempotency_key": change.get("idempotency_key"),
        "entity": change.get("entity"),
        "uuid": change.get("uuid"),
    }
    try:
        key = uuidlib.UUID(str(change.get("idempotency_key")))
        record_uuid = uuidlib.UUID(str(change.get("uuid")))
    except (ValueError, TypeError):
        return {
            **base,
            "status": "refused",
            "errors": {
                "__all__": [_("El cambio no tiene un identificador o una clave de idempotencia válidos.")]
            },
        }
    entity, op = change.get("entity"), change.get("op")
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = SyncChange.objects.create(
                        idempotency_key=key,
                        device=device,
                        user=actor,
                        entity=str(entity)[:15],
                        record_uuid=record_uuid,
                        op=str(op)[:6],
                        status=SyncChange.Status.APPLIED,
                    )
            except IntegrityError:
                raise _Duplicate from None
            outcome = _apply(
                actor=actor,
                entity=entity,
                op=op,
                record_uuid=record_uuid,
                data=change.get("data") or {},
                base_version=change.get("base_version"),
                row=row,
            )
            row.status = outcome["status"]
            row.result = outcome
            row.save(update_fields=["status", "result"])
            return {**base, **outcome}
    except _Duplicate:
        existing = SyncChange.objects.filter(idempotency_key=key).first()
        if existing is None or existing.user_id != actor.pk:
            return {
                **base,
                "status": "refused",
                "errors": {"__all__": [_("La clave de idempotencia ya fue usada por otro cambio.")]},
            }
        return {**base, **existing.result, "duplicate": True}
    except ValidationError as exc:
        return {**base, "status": "refused", "errors": _messages(exc)}
    except PermissionDenied as exc:
        return {**base, "status": "refused", "errors": {"__all__": [str(exc) or _("No autorizado.")]}}


def _date(errors: dict, data: dict, name: str):
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        value = parse_date(str(raw))
    except ValueError:
        value = None
    if value is None:
        errors.setdefault(name, []).append(_("Fecha no válida."))
    return value


def _by_uuid(model, qs, raw):
    try:
        return qs.get(uuid=raw)
    except (model.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def _apply(*, actor, entity: str, op: str, record_uuid, data: dict, base_version, row: SyncChange) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(_("Los datos del cambio están mal formados."))
    if op == "create":
        creator = {
            "patient": _create_patient,
            "consultation": _create_consultation,
            "screening": _create_screening,
        }.get(entity)
        if creator is None:
            raise ValidationError(
                _("No se pueden crear registros de tipo «%(entity)s».") % {"entity": entity}
            )
        record = creator(actor, record_uuid, data)
        return {"status": SyncChange.Status.APPLIED, "version": record.version}
    if op == "update":
        return _update(
            actor=actor, entity=entity, record_uuid=record_uuid, data=data, base_version=base_version, row=row
        )
    raise ValidationError(_("Operación no válida."))


def _create_patient(actor, record_uuid, data):
    errors: dict = {}
    registered_on = _date(errors, data, "registered_on")
    date_of_birth = _date(errors, data, "date_of_birth")
    community = _by_uuid(Community, access.visible_communities(actor), data.get("community"))
    if community is None:
        errors.setdefault("community", []).append(_("La comunidad no está en el itinerario de su equipo."))
    age = data.get("estimated_age")
    if age not in (None, ""):
        try:
            age = int(age)
        except (TypeError, ValueError):
            errors.setdefault("estimated_age", []).append(_("La edad debe ser un número."))
    else:
        age = None
    if errors:
        raise ValidationError(errors)
    return services.patient_register(
        actor=actor,
        uuid=record_uuid,
        community=community,
        registered_on=registered_on,
        name_refused=bool(data.get("name_refused")),
        first_names=data.get("first_names") or "",
        last_name_paternal=data.get("last_name_paternal") or "",
        last_name_maternal=data.get("last_name_maternal") or "",
        sex=data.get("sex") or "unknown",
        date_of_birth=date_of_birth,
        estimated_age=age,
        dni=data.get("dni") or "",
        language=data.get("language") or "",
    )


def _create_consultation(actor, record_uuid, data):
    errors: dict = {}
    attended_on = _date(errors, data, "attended_on")
    follow_up_on = _date(errors, data, "follow_up_on")
    patient = None
    if data.get("patient"):
        patient = _by_uuid(Patient, access.visible_patients(actor), data.get("patient"))
        if patient is None:
            errors.setdefault("patient", []).append(_("El paciente de la consulta no existe en el servidor."))
    visit = None
    if data.get("visit"):
        visit = _by_uuid(Visit, Visit.objects.filter(itinerary__agency_id=actor.agency_id), data.get("visit"))
    if errors:
        raise ValidationError(errors)
    vitals = {name: data.get(name) for name in services.VITAL_RANGES if data.get(name) not in (None, "")}
    return services.consultation_record(
        actor=actor,
        uuid=record_uuid,
        patient=patient,
        service=data.get("service") or "",
        attended_on=attended_on,
        reason=data.get("reason") or "",
        visit=visit,
        treatment=data.get("treatment") or "",
        follow_up=data.get("follow_up") or "",
        follow_up_on=follow_up_on,
        diagnoses=data.get("diagnoses") or [],
        **vitals,
    )


def _create_screening(actor, record_uuid, data):
    errors: dict = {}
    screened_on = _date(errors, data, "screened_on")
    patient = (
        _by_uuid(Patient, access.visible_patients(actor), data.get("patient"))
        if data.get("patient")
        else None
    )
    if patient is None and access.can_screen(actor):
        errors.setdefault("patient", []).append(_("El paciente del tamizaje no existe en el servidor."))
    to_agency = None
    if data.get("refer_to"):
        to_agency = Agency.objects.filter(code=data["refer_to"], is_active=True).first()
        if to_agency is None:
            errors.setdefault("refer_to", []).append(_("La institución a la que deriva no existe."))
    if errors:
        raise ValidationError(errors)
    screening = services.screening_record(
        actor=actor,
        uuid=record_uuid,
        patient=patient,
        screened_on=screened_on,
        result=data.get("result") or "",
        indicators=data.get("indicators") or [],
        action=data.get("action") or "",
        consent=data.get("consent") or Screening.Consent.NOT_ASKED,
    )
    if to_agency is not None:
        services.screening_refer(
            actor=actor, screening=screening, to_agency=to_agency, details=data.get("referral_details") or ""
        )
        screening.refresh_from_db()
    return screening


def _coerce(model, name: str, raw):
    field = model._meta.get_field(name)
    if raw in (None, "") and field.null:
        return None
    if raw is None:
        return ""
    if field.get_internal_type() == "JSONField":
        return raw
    if field.get_internal_type() == "DateTimeField":
        value = field.to_python(raw)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value
    return field.to_python(raw)


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def _update(*, actor, entity, record_uuid, data: dict, base_version, row: SyncChange) -> dict:
    if entity not in UPDATABLE:
        raise ValidationError(
            _("No se pueden modificar registros de tipo «%(entity)s» desde la tableta.") % {"entity": entity}
        )
    model, allowed = UPDATABLE[entity]
    qs = {
        "consultation": access.visible_consultations(actor),
        "screening": access.visible_screenings(actor).filter(agency_id=actor.agency_id),
        "visit": Visit.objects.filter(itinerary__in=access.visible_itineraries(actor)),
    }[entity]
    record = _by_uuid(model, qs.select_for_update(), record_uuid)
    if record is None:
        raise ValidationError(_("El registro que modifica no existe en el servidor."))
    try:
        base_version = int(base_version)
    except (TypeError, ValueError):
        raise ValidationError(
            {"base_version": [_("Indique la versión en la que se basa el cambio.")]}
        ) from None
    if not 1 <= base_version <= record.version:
        raise ValidationError({"base_version": [_("La versión de base no existe en el servidor.")]})
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            {"__all__": [_("Campos que no se pueden modificar: %(fields)s") % {"fields": ", ".join(unknown)}]}
        )
    to_apply, conflicts = {}, []
    for name, raw in data.items():
        client_value = _coerce(model, name, raw)
        server_value = getattr(record, name)
        if client_value == server_value:
            continue
        if (record.field_versions or {}).get(name, 1) > base_version:
            conflicts.append((name, server_value, client_value))
        else:
            to_apply[name] = client_value
    update = {
        "consultation": lambda: services.consultation_update(
            actor=actor, consultation=record, fields=to_apply
        ),
        "screening": lambda: services.screening_update(actor=actor, screening=record, fields=to_apply),
        "visit": lambda: services.visit_update(actor=actor, visit=record, fields=to_apply),
    }[entity]
    was_current = base_version == record.version
    if to_apply:
        record, _changed = update()
    for name, server_value, client_value in conflicts:
        SyncConflict.objects.create(
            agency_id=actor.agency_id,
            entity=entity,
            record_uuid=record.uuid,
            field=name,
            server_value=_jsonable(server_value),
            client_value=_jsonable(client_value),
            base_version=base_version,
            server_version=record.version,
            change=row,
        )
    if conflicts:
        status = SyncChange.Status.CONFLICT
    else:
        status = SyncChange.Status.APPLIED if was_current else SyncChange.Status.MERGED
    return {"status": status, "version": record.version, "conflicts": [c[0] for c in conflicts]}


# --- the conflict queue -----------------------------------------------------------------------------------


@transaction.atomic
def conflict_resolve(*, actor, conflict: SyncConflict, keep: str, note: str = "") -> SyncConflict:
    """The supervisor keeps the server's value or takes the tablet's; the conflict keeps both values, who decided
    and why, and the record's history shows the change."""
    if not access.visible_conflicts(actor).filter(pk=conflict.pk).exists():
        raise PermissionDenied(_("Solo la supervisión del equipo resuelve conflictos."))
    current = SyncConflict.objects.select_for_update().get(pk=conflict.pk)
    errors: dict = {}
    if current.status != SyncConflict.Status.OPEN:
        errors["__all__"] = [_("Este conflicto ya fue resuelto.")]
    if keep not in ("server", "client"):
        errors["keep"] = [_("Elija qué valor se queda: el del servidor o el de la tableta.")]
    if errors:
        raise ValidationError(errors)
    model, _allowed = UPDATABLE[current.entity]
    record = model.objects.get(uuid=current.record_uuid)
    value = current.client_value if keep == "client" else current.server_value
    if keep == "client":
        fields = {current.field: _coerce(model, current.field, value)}
        {
            "consultation": lambda: services.consultation_update(
                actor=actor, consultation=record, fields=fields
            ),
            "screening": lambda: services.screening_update(actor=actor, screening=record, fields=fields),
            "visit": lambda: services.visit_update(actor=actor, visit=record, fields=fields),
        }[current.entity]()
    current.status = SyncConflict.Status.RESOLVED
    current.resolved_value = value
    current.resolved_by = actor
    current.resolved_at = timezone.now()
    current.resolution_note = (note or "").strip()[:300]
    current.save()
    record_change(
        actor=actor,
        action="update",
        instance=current,
        after={"field": current.field, "kept": keep, "note": current.resolution_note},
        summary=_("Conflicto de sincronización resuelto"),
    )
    return current
