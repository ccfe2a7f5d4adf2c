"""Every write of the clinic. Each service checks who may do it and what makes sense across records, writes in
one transaction and records the change history in that same transaction. A refusal is a ValidationError with
a Spanish message per field; nothing is half-done. The sync engine (sync.py) calls these same services."""

import datetime
import uuid as uuidlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.models import Term
from sistra.core.validation import check_not_future, check_order, raise_if, today
from sistra.people.models import IdentityDocument, Person
from sistra.people.services import DocumentInput, person_create

from . import access, cie10
from .models import VITAL_RANGES, Community, Consultation, Itinerary, Patient, Screening, Service, Visit

# The name a person who refuses to give hers is registered under ("N. N.", as in Peru's health records).
NO_NAME = "N. N."
ADULT_AGE = 18


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))


def _add(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _check_uuid(errors: dict, value) -> uuidlib.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuidlib.UUID) else uuidlib.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        _add(errors, "uuid", _("El identificador del registro no es válido."))
        return None


def _check_community(
    errors: dict, actor, community, day: datetime.date | None, name: str = "community"
) -> None:
    """A record belongs to a community on one of the team's itineraries the user travels on (the tablet only
    knows those), on a day the itinerary covers."""
    if community is None:
        _add(errors, name, _("Indique la comunidad."))
        return
    itineraries = Itinerary.objects.filter(agency_id=actor.agency_id, visits__community=community).distinct()
    if community.agency_id != actor.agency_id or not itineraries.exists():
        _add(
            errors,
            name,
            _("La comunidad %(name)s no está en el itinerario de su equipo.") % {"name": community.name},
        )
        return
    if day and not itineraries.filter(starts_on__lte=day, ends_on__gte=day).exists():
        _add(
            errors,
            name,
            _("Ningún itinerario de su equipo pasa por %(name)s en esa fecha.") % {"name": community.name},
        )


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


def _bump(obj, changed: list[str]) -> None:
    obj.version += 1
    versions = dict(obj.field_versions or {})
    for name in changed:
        versions[name] = obj.version
    obj.field_versions = versions


def language_by_code(code: str | None):
    if not code:
        return None
    return Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE, code=code).first()


# --- communities and itineraries --------------------------------------------------------------------------


@transaction.atomic
def community_create(
    *,
    actor: Actor,
    name: str,
    district,
    access_by: str,
    centro_poblado: str = "",
    access_notes: str = "",
    population: int | None = None,
) -> Community:
    _require(access.is_supervisor(actor))
    errors: dict = {}
    if not (name or "").strip():
        _add(errors, "name", _("Indique el nombre de la comunidad."))
    if district is None or district.level != "distrito":
        _add(errors, "district", _("Indique el distrito (ubigeo)."))
    if access_by not in Community.Access.values:
        _add(errors, "access", _("Indique cómo se llega: carretera, río o trocha."))
    if population is not None and population < 0:
        _add(errors, "population", _("La población no puede ser negativa."))
    raise_if(errors)
    community = Community.objects.create(
        agency=agency_of(actor),
        name=name.strip(),
        district=district,
        access=access_by,
        centro_poblado=centro_poblado.strip(),
        access_notes=access_notes.strip(),
        population=population,
    )
    record_change(
        actor=actor,
        action="create",
        instance=community,
        after=snapshot(community),
        summary=_("Comunidad registrada"),
    )
    return community


@transaction.atomic
def itinerary_create(
    *, actor: Actor, name: str, starts_on: datetime.date, ends_on: datetime.date, members=(), stops=()
) -> Itinerary:
    """stops: (community, planned_on) pairs, each within the itinerary's dates."""
    _require(access.is_supervisor(actor))
    errors: dict = {}
    if not (name or "").strip():
        _add(errors, "name", _("Indique el nombre del itinerario."))
    check_order(errors, "ends_on", starts_on, ends_on, _("el inicio"), _("El fin"))
    for community, day in stops:
        if community.agency_id != actor.agency_id:
            _add(errors, "stops", _("La comunidad %(name)s no es de su equipo.") % {"name": community.name})
        elif not (starts_on <= day <= ends_on):
            _add(
                errors,
                "stops",
                _("La visita a %(name)s cae fuera de las fechas del itinerario.") % {"name": community.name},
            )
    for user in members:
        if user.agency_id != actor.agency_id:
            _add(errors, "members", _("Solo integrantes de su equipo pueden ir a bordo."))
    raise_if(errors)
    itinerary = Itinerary.objects.create(
        agency=agency_of(actor), name=name.strip(), starts_on=starts_on, ends_on=ends_on
    )
    itinerary.members.set(members)
    for community, day in stops:
        Visit.objects.create(itinerary=itinerary, community=community, planned_on=day)
    record_change(
        actor=actor,
        action="create",
        instance=itinerary,
        after=snapshot(itinerary),
        summary=_("Itinerario planificado"),
    )
    return itinerary


VISIT_FIELDS = ("arrived_at", "departed_at", "patients_seen", "incidents")


# --- patients ---------------------------------------------------------------------------------------------


@transaction.atomic
def patient_register(
    *,
    actor: Actor,
    community,
    registered_on: datetime.date,
    uuid=None,
    name_refused: bool = False,
    first_names: str = "",
    last_name_paternal: str = "",
    last_name_maternal: str = "",
    sex: str = Person.Sex.UNKNOWN,
    date_of_birth: datetime.date | None = None,
    estimated_age: int | None = None,
    dni: str = "",
    language: str = "",
) -> Patient:
    """A person of the registry seen by the clinic, made through the people services. Someone who refuses to
    give her name is registered as "N. N." with her pseudonym, sex and age only; without a birth date the age
    is an estimate."""
    _require(access.is_clinical(actor))
    errors: dict = {}
    record_uuid = _check_uuid(errors, uuid)
    if not registered_on:
        _add(errors, "registered_on", _("Indique la fecha de registro."))
    check_not_future(errors, "registered_on", registered_on, _("La fecha de registro"))
    _check_community(errors, actor, community, registered_on)
    if name_refused:
        if (first_names or last_name_paternal or last_name_maternal or dni or "").strip():
            _add(
                errors,
                "first_names",
                _("Si la persona no brinda su nombre, no registre nombres ni documento."),
            )
    elif not (first_names or "").strip():
        _add(errors, "first_names", _("Indique los nombres o marque que la persona no brinda su nombre."))
    if date_of_birth is None and estimated_age is None:
        _add(
            errors, "estimated_age", _("Indique la fecha de nacimiento o, si no la sabe, la edad aproximada.")
        )
    lang = language_by_code(language)
    if language and lang is None:
        _add(errors, "language", _("Idioma no válido."))
    if record_uuid and Patient.objects.filter(uuid=record_uuid).exists():
        _add(errors, "uuid", _("Ya existe un paciente con ese identificador."))
    raise_if(errors)
    documents = [DocumentInput(kind=IdentityDocument.Kind.DNI, number=dni)] if (dni or "").strip() else []
    person = person_create(
        actor=actor,
        first_names=NO_NAME if name_refused else first_names,
        last_name_paternal="" if name_refused else last_name_paternal,
        last_name_maternal="" if name_refused else last_name_maternal,
        sex=sex,
        date_of_birth=date_of_birth,
        estimated_age=estimated_age if date_of_birth is None else None,
        documents=documents,
        languages=[lang] if lang else [],
    )
    extra = {"uuid": record_uuid} if record_uuid else {}
    try:
        with transaction.atomic():
            patient = Patient.objects.create(
                agency=agency_of(actor),
                person=person,
                community=community,
                name_refused=name_refused,
                language=lang,
                registered_on=registered_on,
                registered_by=actor,
                **extra,
            )
    except IntegrityError:
        raise ValidationError({"uuid": [_("Ya existe un paciente con ese identificador.")]}) from None
    record_change(
        actor=actor,
        action="create",
        instance=patient,
        root=person,
        after=snapshot(patient),
        summary=_("Paciente registrado por la clínica móvil"),
    )
    return patient


PATIENT_FIELDS = ("community", "language")


# --- consultations ----------------------------------------------------------------------------------------

CONSULTATION_FIELDS = (
    "service",
    "attended_on",
    "reason",
    *VITAL_RANGES,
    "diagnoses",
    "treatment",
    "follow_up",
    "follow_up_on",
)
_VITAL_LABELS = {
    "temperature_c": _("La temperatura"),
    "systolic_mmhg": _("La presión sistólica"),
    "diastolic_mmhg": _("La presión diastólica"),
    "heart_rate_bpm": _("La frecuencia cardiaca"),
    "respiratory_rate": _("La frecuencia respiratoria"),
    "spo2_pct": _("La saturación de oxígeno"),
    "weight_kg": _("El peso"),
    "height_cm": _("La talla"),
}


def _to_decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "invalid"


def clean_vitals(errors: dict, values: dict) -> dict:
    cleaned = {}
    for name, (low, high) in VITAL_RANGES.items():
        number = _to_decimal(values.get(name))
        if number == "invalid":
            _add(errors, name, _("%(label)s debe ser un número.") % {"label": _VITAL_LABELS[name]})
            continue
        if number is not None and not (Decimal(str(low)) <= number <= Decimal(str(high))):
            _add(
                errors,
                name,
                _("%(label)s (%(value)s) está fuera del rango fisiológico (%(low)s–%(high)s).")
                % {"label": _VITAL_LABELS[name], "value": number, "low": low, "high": high},
            )
            continue
        if number is not None and name not in ("temperature_c", "weight_kg", "height_cm"):
            number = int(number)
        cleaned[name] = number
    s, d = cleaned.get("systolic_mmhg"), cleaned.get("diastolic_mmhg")
    if s is not None and d is not None and d >= s:
        _add(errors, "diastolic_mmhg", _("La presión diastólica debe ser menor que la sistólica."))
    return cleaned


def clean_diagnoses(errors: dict, codes) -> list[str]:
    if codes in (None, ""):
        return []
    if isinstance(codes, str):
        codes = [c for c in codes.replace(";", ",").split(",")]
    result = []
    for code in codes:
        norm = cie10.normalize_code(code)
        if not norm:
            continue
        if not cie10.is_valid(norm):
            _add(
                errors,
                "diagnoses",
                _("El código CIE-10 %(code)s no existe en la lista de la clínica.") % {"code": norm},
            )
        elif norm not in result:
            result.append(norm)
    return result


def _check_consultation(errors: dict, actor, values: dict) -> dict:
    service = values.get("service")
    if not service:
        _add(errors, "service", _("Indique el servicio de la consulta."))
    elif service not in Service.values:
        _add(errors, "service", _("Servicio no válido."))
    elif access.profession_of(actor) not in access.SERVICE_PROFESSIONS[service]:
        _add(
            errors,
            "service",
            _("Su profesión no registra consultas de %(service)s.") % {"service": Service(service).label},
        )
    day = values.get("attended_on")
    if not day:
        _add(errors, "attended_on", _("Indique la fecha de atención."))
    check_not_future(errors, "attended_on", day, _("La fecha de atención"))
    if not (values.get("reason") or "").strip():
        _add(errors, "reason", _("Indique el motivo de consulta."))
    cleaned = clean_vitals(errors, values)
    cleaned["diagnoses"] = clean_diagnoses(errors, values.get("diagnoses"))
    follow = values.get("follow_up_on")
    if follow and day and follow < day:
        _add(errors, "follow_up_on", _("La fecha de control no puede ser anterior a la atención."))
    return cleaned


@transaction.atomic
def consultation_record(
    *,
    actor: Actor,
    patient: Patient | None,
    service: str,
    attended_on: datetime.date | None,
    reason: str,
    uuid=None,
    visit: Visit | None = None,
    treatment: str = "",
    follow_up: str = "",
    follow_up_on: datetime.date | None = None,
    diagnoses=(),
    **vitals,
) -> Consultation:
    _require(access.is_clinical(actor))
    unknown = set(vitals) - set(VITAL_RANGES)
    if unknown:
        raise TypeError(f"unknown consultation fields: {sorted(unknown)}")
    errors: dict = {}
    record_uuid = _check_uuid(errors, uuid)
    if patient is None:
        _add(errors, "patient", _("Indique el paciente de la consulta."))
    elif not access.visible_patients(actor).filter(pk=patient.pk).exists():
        _add(errors, "patient", _("Ese paciente no es de su equipo."))
    values = {
        "service": service,
        "attended_on": attended_on,
        "reason": reason,
        "diagnoses": diagnoses,
        "follow_up_on": follow_up_on,
        **vitals,
    }
    cleaned = _check_consultation(errors, actor, values)
    community = patient.community if patient is not None else None
    if patient is not None:
        _check_community(errors, actor, community, attended_on)
    if (
        visit is not None
        and community is not None
        and (visit.itinerary.agency_id != actor.agency_id or visit.community_id != community.pk)
    ):
        _add(errors, "visit", _("La visita no corresponde a la comunidad del paciente."))
    if record_uuid and Consultation.objects.filter(uuid=record_uuid).exists():
        _add(errors, "uuid", _("Ya existe una consulta con ese identificador."))
    raise_if(errors)
    # what raise_if refused is missing no more
    assert patient is not None and community is not None and attended_on is not None
    extra = {"uuid": record_uuid} if record_uuid else {}
    try:
        with transaction.atomic():
            consultation = Consultation.objects.create(
                agency=agency_of(actor),
                patient=patient,
                visit=visit,
                community=community,
                service=service,
                attended_on=attended_on,
                professional=actor,
                reason=reason.strip(),
                treatment=treatment or "",
                follow_up=follow_up or "",
                follow_up_on=follow_up_on,
                **cleaned,
                **extra,
            )
    except IntegrityError:
        raise ValidationError({"uuid": [_("Ya existe una consulta con ese identificador.")]}) from None
    record_change(
        actor=actor,
        action="create",
        instance=consultation,
        root=patient.person,
        after=snapshot(consultation),
        summary=_("Consulta de la clínica móvil"),
    )
    return consultation


def _apply_fields(*, actor: Actor, model, obj, fields: dict, check, summary: str):
    """Apply already-merged field values to a locked record: check the whole record as it would be, bump the
    version and the per-field versions, record the change."""
    current = _locked(model, obj)
    before = snapshot(current)
    values = {name: getattr(current, name) for name in fields if hasattr(current, name)}
    merged = {**{f.name: getattr(current, f.name) for f in model._meta.concrete_fields}, **fields}
    errors: dict = {}
    cleaned = check(errors, merged) or {}
    raise_if(errors)
    changed = []
    for name, value in fields.items():
        value = cleaned.get(name, value)
        if values.get(name) != value:
            setattr(current, name, value)
            changed.append(name)
    if not changed:
        return current, []
    _bump(current, changed)
    current.save()
    root = current.patient.person if hasattr(current, "patient") else None
    record_change(
        actor=actor,
        action="update",
        instance=current,
        before=before,
        after=snapshot(current),
        root=root,
        summary=summary,
    )
    return current, changed


def consultation_update(*, actor: Actor, consultation: Consultation, fields: dict):
    _require(access.visible_consultations(actor).filter(pk=consultation.pk).exists())
    unknown = set(fields) - set(CONSULTATION_FIELDS)
    if unknown:
        raise ValidationError(
            {"__all__": [_("Campos desconocidos: %(fields)s") % {"fields": ", ".join(unknown)}]}
        )

    def check(errors, merged):
        if "service" in fields:
            cleaned = _check_consultation(errors, actor, merged)
        else:
            # an edit that leaves the service alone may be made by another profession of the team (a nurse
            # adds the weight to the doctor's consultation)
            cleaned = clean_vitals(errors, merged)
            cleaned["diagnoses"] = clean_diagnoses(errors, merged.get("diagnoses"))
            check_not_future(errors, "attended_on", merged.get("attended_on"), _("La fecha de atención"))
            if not (merged.get("reason") or "").strip():
                _add(errors, "reason", _("Indique el motivo de consulta."))
        return cleaned

    return _apply_fields(
        actor=actor,
        model=Consultation,
        obj=consultation,
        fields=fields,
        check=check,
        summary=_("Consulta modificada"),
    )


# --- trafficking screening and referral -------------------------------------------------------------------

SCREENING_FIELDS = ("indicators", "result", "action", "consent")


def _check_screening(errors: dict, values: dict) -> list[str]:
    indicators = list(dict.fromkeys(values.get("indicators") or []))
    bad = [i for i in indicators if i not in Screening.Indicator.values]
    if bad:
        _add(errors, "indicators", _("Indicador no válido: %(codes)s") % {"codes": ", ".join(map(str, bad))})
    result = values.get("result")
    if result not in Screening.Result.values:
        _add(errors, "result", _("Indique el resultado: sin indicadores, posible víctima o peligro urgente."))
    elif result != Screening.Result.NONE and not indicators:
        _add(
            errors,
            "indicators",
            _("Un resultado de posible víctima o peligro urgente requiere al menos un indicador."),
        )
    if values.get("consent", Screening.Consent.NOT_ASKED) not in Screening.Consent.values:
        _add(errors, "consent", _("Consentimiento no válido."))
    return indicators


@transaction.atomic
def screening_record(
    *,
    actor: Actor,
    patient: Patient | None,
    screened_on: datetime.date,
    result: str,
    indicators=(),
    action: str = "",
    consent: str = Screening.Consent.NOT_ASKED,
    uuid=None,
) -> Screening:
    errors: dict = {}
    if not access.can_screen(actor):
        # the refusal says why; it reveals nothing, since the user's own profession is the reason
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "El tamizaje de trata lo realizan en privado solo médicos, obstetras y "
                        "enfermeras del equipo: su profesión no puede registrarlo."
                    )
                ]
            }
        )
    record_uuid = _check_uuid(errors, uuid)
    if patient is None or not access.visible_patients(actor).filter(pk=patient.pk).exists():
        _add(errors, "patient", _("Indique un paciente de su equipo."))
    if not screened_on:
        _add(errors, "screened_on", _("Indique la fecha del tamizaje."))
    check_not_future(errors, "screened_on", screened_on, _("La fecha del tamizaje"))
    if patient is not None:
        _check_community(errors, actor, patient.community, screened_on)
    cleaned = _check_screening(errors, {"indicators": indicators, "result": result, "consent": consent})
    if record_uuid and Screening.objects.filter(uuid=record_uuid).exists():
        _add(errors, "uuid", _("Ya existe un tamizaje con ese identificador."))
    raise_if(errors)
    assert patient is not None  # raise_if refused a missing patient
    extra = {"uuid": record_uuid} if record_uuid else {}
    try:
        with transaction.atomic():
            screening = Screening.objects.create(
                agency=agency_of(actor),
                patient=patient,
                community=patient.community,
                screened_on=screened_on,
                screened_by=actor,
                indicators=cleaned,
                result=result,
                action=(action or "").strip(),
                consent=consent,
                **extra,
            )
    except IntegrityError:
        raise ValidationError({"uuid": [_("Ya existe un tamizaje con ese identificador.")]}) from None
    # the history names the record, never its answers: the audit trail is read by more people
    record_change(
        actor=actor,
        action="create",
        instance=screening,
        root=patient.person,
        after={"uuid": str(screening.uuid)},
        summary=_("Tamizaje confidencial registrado"),
    )
    return screening


def screening_update(*, actor: Actor, screening: Screening, fields: dict):
    _require(access.can_screen(actor) and screening.agency_id == actor.agency_id)
    unknown = set(fields) - set(SCREENING_FIELDS)
    if unknown:
        raise ValidationError(
            {"__all__": [_("Campos desconocidos: %(fields)s") % {"fields": ", ".join(unknown)}]}
        )

    def check(errors, merged):
        return {"indicators": _check_screening(errors, merged)}

    current = _locked(Screening, screening)
    errors: dict = {}
    merged = {name: getattr(current, name) for name in SCREENING_FIELDS} | fields
    indicators = _check_screening(errors, merged)
    raise_if(errors)
    changed = [
        n for n, v in fields.items() if getattr(current, n) != (indicators if n == "indicators" else v)
    ]
    for name in changed:
        setattr(current, name, indicators if name == "indicators" else fields[name])
    if changed:
        _bump(current, changed)
        current.save()
        record_change(
            actor=actor,
            action="update",
            instance=current,
            root=current.patient.person,
            after={"uuid": str(current.uuid), "fields": sorted(changed)},
            summary=_("Tamizaje confidencial modificado"),
        )
    return current, changed


class ReferralBasis:
    CONSENT = "consent"
    MINOR = "minor"
    URGENT = "urgent"


def referral_basis_for(screening: Screening, on: datetime.date) -> str:
    """Consent first; without it, a minor is referred for protection and urgent danger is referred at once;
    anyone else who does not consent is not referred."""
    if screening.consent == Screening.Consent.GIVEN:
        return ReferralBasis.CONSENT
    age = screening.patient.person.age_on(on)
    if age is not None and age < ADULT_AGE:
        return ReferralBasis.MINOR
    if screening.result == Screening.Result.URGENT:
        return ReferralBasis.URGENT
    return ""


@transaction.atomic
def screening_refer(*, actor: Actor, screening: Screening, to_agency, details: str = "", services=("health",)):
    """Refer a positive screening into the ruta de atención with the assistance app's own mechanism: the team's
    assistance case for the person, consent recorded when given, a referral whose PersonShare gives the
    receiving agency access. Urgent danger tells the receiving agency at once."""
    from sistra.assistance import services as assistance
    from sistra.assistance.models import AssistanceCase, Consent, ServiceType

    current = _locked(Screening, screening)
    _require(access.can_screen(actor) and current.agency_id == actor.agency_id)
    errors: dict = {}
    if current.result == Screening.Result.NONE:
        _add(errors, "__all__", _("Un tamizaje sin indicadores no se deriva."))
    if current.referral_id:
        _add(errors, "__all__", _("Este tamizaje ya fue derivado."))
    if to_agency is None:
        _add(errors, "to_agency", _("Indique la institución a la que deriva."))
    day = today()
    basis = referral_basis_for(current, day)
    if not basis:
        _add(
            errors,
            "__all__",
            _(
                "La persona no consiente la derivación y no es menor de edad ni está en peligro "
                "urgente: no se puede derivar sin su consentimiento. Infórmele a dónde acudir."
            ),
        )
    raise_if(errors)
    person = current.patient.person
    case = AssistanceCase.objects.filter(
        person=person, owner_agency=agency_of(actor), status__in=AssistanceCase.OPEN_STATUSES
    ).first()
    if case is None:
        case = assistance.case_open(
            actor=actor,
            person=person,
            identified_on=current.screened_on,
            identification_channel=AssistanceCase.Channel.CLINIC,
            identification_place=current.community.district,
        )
    if basis == ReferralBasis.CONSENT:
        if assistance.active_consent(case, Consent.Kind.SERVICES) is None:
            assistance.consent_record(
                actor=actor, case=case, kind=Consent.Kind.SERVICES, given_on=day, method=Consent.Method.VERBAL
            )
        if assistance.active_consent(case, Consent.Kind.SHARE_DATA, to_agency) is None:
            assistance.consent_record(
                actor=actor,
                case=case,
                kind=Consent.Kind.SHARE_DATA,
                agency=to_agency,
                given_on=day,
                method=Consent.Method.VERBAL,
            )
    urgent = current.result == Screening.Result.URGENT
    referral = assistance.referral_send(
        actor=actor,
        case=case,
        to_agency=to_agency,
        due_on=day + datetime.timedelta(days=1 if urgent else 7),
        services=list(ServiceType.objects.filter(code__in=services)),
        details=details,
        is_urgent=urgent,
        consent_exception="" if basis == ReferralBasis.CONSENT else basis,
    )
    current.referral = referral
    current.referral_basis = basis
    current.save(update_fields=["referral", "referral_basis", "updated_at"])
    record_change(
        actor=actor,
        action="update",
        instance=current,
        root=person,
        after={"uuid": str(current.uuid), "referral": str(referral.uuid), "basis": basis},
        summary=_("Tamizaje derivado a %(agency)s") % {"agency": to_agency.name},
    )
    if urgent:
        from .notify import notify_urgent

        notify_urgent(referral=referral)
    return referral


def visit_update(*, actor: Actor, visit: Visit, fields: dict):
    _require(access.is_team_member(actor) and visit.itinerary.agency_id == actor.agency_id)
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise ValidationError(
            {"__all__": [_("Campos desconocidos: %(fields)s") % {"fields": ", ".join(unknown)}]}
        )

    def check(errors, merged):
        arrived, departed = merged.get("arrived_at"), merged.get("departed_at")
        if arrived and departed and departed < arrived:
            _add(errors, "departed_at", _("La salida no puede ser anterior a la llegada."))
        seen = merged.get("patients_seen")
        if seen is not None and seen < 0:
            _add(errors, "patients_seen", _("El número de pacientes no puede ser negativo."))
        return {}

    return _apply_fields(
        actor=actor, model=Visit, obj=visit, fields=fields, check=check, summary=_("Visita registrada")
    )
