"""Every write of the prevention work. Each service checks who may do it and the rules across records,
writes in one transaction and records the change history in that same transaction. A refusal is a
ValidationError with a Spanish message per field; nothing is half-saved."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.crypto import blind
from sistra.core.models import Ubigeo
from sistra.core.text import normalize
from sistra.core.validation import as_int, check_not_future, check_order, fmt, raise_if

from .models import (
    Alternative,
    AtRiskChild,
    AtRiskFamily,
    Campaign,
    CampaignPlace,
    CampaignReach,
    FamilyFollowUp,
    Participant,
    TrainingEvent,
    new_certificate_code,
)

C = Capability


def require_edit(actor: Actor, owner_agency_id=None) -> None:
    if not has_capability(actor, C.PREVENTION_EDIT) or not getattr(actor, "agency_id", None):
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))
    if owner_agency_id is not None and owner_agency_id != actor.agency_id:
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))


def _add(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _ubigeo(errors: dict, name: str, value) -> Ubigeo | None:
    if isinstance(value, Ubigeo):
        return value
    code = _text(value)
    if not code:
        _add(errors, name, _("Indique el lugar (ubigeo)."))
        return None
    found = Ubigeo.objects.filter(code=code).first()
    if found is None:
        _add(errors, name, _("Ubigeo desconocido: «%(code)s».") % {"code": code})
    return found


def is_department(code: str) -> bool:
    """A department's two-digit INEI code (08 Cusco, 17 Madre de Dios)."""
    code = (code or "").strip().zfill(2)
    return (
        len(code) == 2 and Ubigeo.objects.filter(code=f"{code}0000", level=Ubigeo.Level.DEPARTAMENTO).exists()
    )


def _choice(errors: dict, name: str, value, choices, message: str, *, required: bool = True) -> str:
    value = _text(value)
    if not value:
        if required:
            _add(errors, name, message)
        return ""
    if value not in choices.values:
        _add(errors, name, message)
    return value


# --- training events --------------------------------------------------------------------------------------


def _check_event(errors: dict, data: dict) -> dict:
    title = _text(data.get("title"))
    if not title:
        _add(errors, "title", _("Indique el título de la capacitación."))
    organiser = _text(data.get("organiser"))
    if not organiser:
        _add(errors, "organiser", _("Indique quién organiza la capacitación."))
    topic = _choice(errors, "topic", data.get("topic"), TrainingEvent.Topic, _("Indique un tema válido."))
    modality = _choice(
        errors,
        "modality",
        data.get("modality") or TrainingEvent.Modality.IN_PERSON,
        TrainingEvent.Modality,
        _("Modalidad no válida."),
    )
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if not starts_on:
        _add(errors, "starts_on", _("Indique la fecha de inicio."))
    if not ends_on:
        _add(errors, "ends_on", _("Indique la fecha de fin."))
    check_order(errors, "ends_on", starts_on, ends_on, _("el inicio"), _("El fin"))
    check_not_future(errors, "starts_on", starts_on, _("La fecha de inicio"))
    score_max = data.get("score_max") or 20
    try:
        score_max = int(score_max)
    except (TypeError, ValueError):
        score_max = 0
    if score_max <= 0 or score_max > 1000:
        _add(errors, "score_max", _("La nota máxima debe ser un número entero entre 1 y 1000."))
    ubigeo = _ubigeo(errors, "ubigeo", data.get("ubigeo"))
    return {
        "title": title,
        "organiser": organiser,
        "topic": topic,
        "modality": modality,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "score_max": score_max,
        "ubigeo": ubigeo,
        "departamento_code": ubigeo.departamento_code if ubigeo else "",
        "partners": _text(data.get("partners")),
        "audience": _text(data.get("audience")),
    }


@transaction.atomic
def event_create(
    *,
    actor: Actor,
    title: str,
    topic: str,
    organiser: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    ubigeo,
    modality: str = TrainingEvent.Modality.IN_PERSON,
    partners: str = "",
    audience: str = "",
    score_max: int = 20,
) -> TrainingEvent:
    require_edit(actor)
    errors: dict = {}
    fields = _check_event(
        errors,
        {
            "title": title,
            "topic": topic,
            "organiser": organiser,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "ubigeo": ubigeo,
            "modality": modality,
            "partners": partners,
            "audience": audience,
            "score_max": score_max,
        },
    )
    raise_if(errors)
    event = TrainingEvent.objects.create(owner_agency=agency_of(actor), created_by=actor, **fields)
    record_change(
        actor=actor,
        action="create",
        instance=event,
        after=snapshot(event),
        summary=_("Capacitación registrada"),
    )
    return event


# --- participants -----------------------------------------------------------------------------------------


def dedup_key(full_name: str, document_number: str) -> str:
    """The same participant once per event: by document when given, else by normalised name — keyed, since
    the names and documents are stored encrypted (sistra.core.crypto)."""
    document = "".join(ch for ch in (document_number or "") if ch.isalnum()).upper()
    return blind("participant", f"doc:{document}" if document else f"name:{normalize(full_name)}")


def _score(errors: dict, name: str, value, scale: int, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        _add(errors, name, _("%(label)s no es un número: «%(value)s».") % {"label": label, "value": value})
        return None
    if score < 0 or score > scale:
        _add(
            errors,
            name,
            _("%(label)s (%(value)s) está fuera de la escala de 0 a %(max)s.")
            % {"label": label, "value": score, "max": scale},
        )
        return None
    return score


@dataclass
class ParticipantInput:
    full_name: str
    profession: str
    document_number: str = ""
    institution: str = ""
    sex: str = Participant.Sex.UNKNOWN
    region: str = ""
    attended: bool = True
    pre_score: object = None
    post_score: object = None


def clean_participant(event: TrainingEvent, data: ParticipantInput) -> tuple[dict, dict]:
    """The model fields of one participant and the problems found, by field."""
    errors: dict = {}
    full_name = " ".join(_text(data.full_name).split())
    if not full_name:
        _add(errors, "full_name", _("Indique el nombre completo."))
    profession = _choice(
        errors,
        "profession",
        data.profession,
        Participant.Profession,
        _("Indique una profesión válida (juez, fiscal, policía, personal de salud, docente…)."),
    )
    sex = _choice(errors, "sex", data.sex or Participant.Sex.UNKNOWN, Participant.Sex, _("Sexo no válido."))
    region = _text(data.region)
    if region and not is_department(region):
        _add(errors, "region", _("Región desconocida: «%(value)s».") % {"value": region})
    region = region.zfill(2) if region else ""
    pre = _score(errors, "pre_score", data.pre_score, event.score_max, _("La nota de entrada"))
    post = _score(errors, "post_score", data.post_score, event.score_max, _("La nota de salida"))
    if post is not None and pre is None and "pre_score" not in errors:
        _add(
            errors,
            "post_score",
            _("Hay nota de salida pero no de entrada: registre primero la prueba de entrada."),
        )
    document = _text(data.document_number)
    return {
        "full_name": full_name,
        "document_number": document,
        "dedup_key": dedup_key(full_name, document),
        "profession": profession,
        "institution": _text(data.institution),
        "sex": sex,
        "region": region,
        "attended": bool(data.attended),
        "pre_score": pre,
        "post_score": post,
    }, errors


@transaction.atomic
def participant_add(*, actor: Actor, event: TrainingEvent, data: ParticipantInput) -> Participant:
    require_edit(actor, event.owner_agency_id)
    fields, errors = clean_participant(event, data)
    if not errors and event.participants.filter(dedup_key=fields["dedup_key"]).exists():
        _add(
            errors,
            "full_name",
            _("%(name)s ya está registrado en esta capacitación.") % {"name": fields["full_name"]},
        )
    raise_if(errors)
    try:
        with transaction.atomic():
            participant = Participant.objects.create(event=event, **fields)
    except IntegrityError:
        raise ValidationError(
            {
                "full_name": [
                    _("%(name)s ya está registrado en esta capacitación.") % {"name": fields["full_name"]}
                ]
            }
        ) from None
    record_change(
        actor=actor,
        action="create",
        instance=participant,
        root=event,
        after=snapshot(participant),
        summary=_("Participante registrado"),
    )
    return participant


@transaction.atomic
def certificate_issue(*, actor: Actor, participant: Participant) -> Participant:
    """A certificate for a participant who attended: its verification code is drawn once and kept, so a
    reprint shows the same code."""
    current = Participant.objects.select_for_update().select_related("event").get(pk=participant.pk)
    require_edit(actor, current.event.owner_agency_id)
    if not current.attended:
        raise ValidationError({"attended": [_("Solo se certifica a quien asistió a la capacitación.")]})
    if current.certificate_code:
        return current
    before = snapshot(current)
    current.certificate_code = new_certificate_code()
    current.certificate_name = current.full_name
    current.certificate_issued_at = timezone.now()
    current.save(
        update_fields=["certificate_code", "certificate_name", "certificate_issued_at", "updated_at"]
    )
    record_change(
        actor=actor,
        action="update",
        instance=current,
        root=current.event,
        before=before,
        after=snapshot(current),
        summary=_("Certificado emitido"),
    )
    return current


# --- campaigns --------------------------------------------------------------------------------------------


@dataclass
class PlaceInput:
    kind: str
    name: str
    ubigeo: object


@dataclass
class ReachInput:
    channel: str
    people: object  # as typed in a form or read from a sheet
    method: str
    source: str
    departamento_code: str = ""


def _check_reach(errors: dict, index: int, reach: ReachInput) -> dict:
    prefix = f"reach-{index}"
    channel = _choice(errors, f"{prefix}-channel", reach.channel, Campaign.Channel, _("Canal no válido."))
    method = _choice(
        errors,
        f"{prefix}-method",
        reach.method,
        CampaignReach.Method,
        _("Indique el método de estimación del alcance (conteo directo, cifras de audiencia o estimación)."),
    )
    source = _text(reach.source)
    if not source:
        _add(errors, f"{prefix}-source", _("Indique la fuente de la cifra de alcance."))
    people = as_int(reach.people)
    if people is None:
        people = -1
    if people < 0:
        _add(errors, f"{prefix}-people", _("El alcance debe ser un número entero de personas."))
    dept = _text(reach.departamento_code)
    dept = dept.zfill(2) if dept else ""
    if dept and not is_department(dept):
        _add(
            errors,
            f"{prefix}-departamento_code",
            _("Departamento desconocido: «%(value)s».") % {"value": dept},
        )
    return {
        "channel": channel,
        "method": method,
        "source": source,
        "people": people,
        "departamento_code": dept,
    }


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    slogan: str = "",
    channels: Sequence[str] = (),
    partners: str = "",
    materials: str = "",
    places: Sequence[PlaceInput] = (),
    reach: Sequence[ReachInput] = (),
) -> Campaign:
    require_edit(actor)
    errors: dict = {}
    name = _text(name)
    if not name:
        _add(errors, "name", _("Indique el nombre de la campaña."))
    if not starts_on:
        _add(errors, "starts_on", _("Indique la fecha de inicio."))
    if not ends_on:
        _add(errors, "ends_on", _("Indique la fecha de fin."))
    check_order(errors, "ends_on", starts_on, ends_on, _("el inicio"), _("El fin"))
    channels = list(dict.fromkeys(channels or []))
    for channel in channels:
        if channel not in Campaign.Channel.values:
            _add(errors, "channels", _("Canal no válido: %(value)s.") % {"value": channel})
    place_rows = []
    for i, place in enumerate(places or []):
        kind = _choice(
            errors, f"place-{i}-kind", place.kind, CampaignPlace.Kind, _("Tipo de lugar no válido.")
        )
        place_name = _text(place.name)
        if not place_name:
            _add(errors, f"place-{i}-name", _("Indique el nombre del lugar."))
        place_rows.append(
            {"kind": kind, "name": place_name, "ubigeo": _ubigeo(errors, f"place-{i}-ubigeo", place.ubigeo)}
        )
    reach_rows = [_check_reach(errors, i, r) for i, r in enumerate(reach or [])]
    for row in reach_rows:
        if row["channel"] and row["channel"] not in channels:
            channels.append(row["channel"])
    raise_if(errors)
    campaign = Campaign.objects.create(
        owner_agency=agency_of(actor),
        created_by=actor,
        name=name,
        slogan=_text(slogan),
        starts_on=starts_on,
        ends_on=ends_on,
        channels=channels,
        partners=_text(partners),
        materials=_text(materials),
    )
    after = snapshot(campaign)
    for row in place_rows:
        CampaignPlace.objects.create(campaign=campaign, **row)
    for row in reach_rows:
        CampaignReach.objects.create(campaign=campaign, **row)
    after["places"] = len(place_rows)
    after["reach"] = [{k: v for k, v in r.items()} for r in reach_rows]
    record_change(
        actor=actor, action="create", instance=campaign, after=after, summary=_("Campaña registrada")
    )
    return campaign


@transaction.atomic
def reach_add(*, actor: Actor, campaign: Campaign, reach: ReachInput) -> CampaignReach:
    require_edit(actor, campaign.owner_agency_id)
    errors: dict = {}
    row = _check_reach(errors, 0, reach)
    # a single form: the messages go to the plain field names
    raise_if({key.removeprefix("reach-0-"): value for key, value in errors.items()})
    item = CampaignReach.objects.create(campaign=campaign, **row)
    if row["channel"] not in campaign.channels:
        before = snapshot(campaign)
        campaign.channels = [*campaign.channels, row["channel"]]
        campaign.save(update_fields=["channels", "updated_at"])
        record_change(
            actor=actor,
            action="update",
            instance=campaign,
            before=before,
            after=snapshot(campaign),
            summary=_("Canal añadido a la campaña"),
        )
    record_change(
        actor=actor,
        action="create",
        instance=item,
        root=campaign,
        after=snapshot(item),
        summary=_("Alcance registrado"),
    )
    return item


# --- at-risk families -------------------------------------------------------------------------------------


@dataclass
class ChildInput:
    first_names: str
    last_names: str
    birth_year: object  # as typed in a form or read from a sheet
    sex: str
    in_school: bool = True


def _check_child(errors: dict, prefix: str, child: ChildInput, registered_on) -> dict:
    first, last = _text(child.first_names), _text(child.last_names)
    if not first:
        _add(errors, f"{prefix}first_names", _("Indique los nombres de la niña, niño o adolescente."))
    if not last:
        _add(errors, f"{prefix}last_names", _("Indique los apellidos de la niña, niño o adolescente."))
    sex = _choice(errors, f"{prefix}sex", child.sex, Participant.Sex, _("Indique el sexo."))
    year = as_int(child.birth_year) or 0
    reference_year = registered_on.year if registered_on else timezone.localdate().year
    if not (reference_year - 17 <= year <= reference_year):
        _add(
            errors,
            f"{prefix}birth_year",
            _(
                "El año de nacimiento debe corresponder a una persona menor de "
                "edad al registrarse (entre %(low)s y %(high)s)."
            )
            % {"low": reference_year - 17, "high": reference_year},
        )
    return {
        "first_names": first,
        "last_names": last,
        "sex": sex,
        "birth_year": year,
        "in_school": bool(child.in_school),
    }


@transaction.atomic
def family_register(
    *,
    actor: Actor,
    registered_on: datetime.date,
    ubigeo,
    head_name: str,
    risk_factors: list[str],
    children: list[ChildInput],
    community: str = "",
    contact_phone: str = "",
    notes: str = "",
) -> AtRiskFamily:
    require_edit(actor)
    if not has_capability(actor, C.FAMILY_VIEW_IDENTITY):
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))
    errors: dict = {}
    if not registered_on:
        _add(errors, "registered_on", _("Indique la fecha de registro."))
    check_not_future(errors, "registered_on", registered_on, _("La fecha de registro"))
    place = _ubigeo(errors, "ubigeo", ubigeo)
    head_name = _text(head_name)
    if not head_name:
        _add(errors, "head_name", _("Indique el nombre de la persona responsable de la familia."))
    factors = list(dict.fromkeys(risk_factors or []))
    if not factors:
        _add(errors, "risk_factors", _("Indique al menos un factor de riesgo."))
    for factor in factors:
        if factor not in AtRiskFamily.RiskFactor.values:
            _add(errors, "risk_factors", _("Factor de riesgo no válido: %(value)s.") % {"value": factor})
    child_rows = [_check_child(errors, f"child-{i}-", c, registered_on) for i, c in enumerate(children or [])]
    if not child_rows:
        _add(errors, "children", _("Registre al menos una niña, niño o adolescente en riesgo."))
    raise_if(errors)
    assert place is not None  # raise_if refused a missing place
    family = AtRiskFamily.objects.create(
        owner_agency=agency_of(actor),
        created_by=actor,
        registered_on=registered_on,
        ubigeo=place,
        departamento_code=place.departamento_code,
        head_name=head_name,
        community=_text(community),
        contact_phone=_text(contact_phone),
        risk_factors=factors,
        notes=_text(notes),
    )
    record_change(
        actor=actor,
        action="create",
        instance=family,
        after=snapshot(family),
        summary=_("Familia en riesgo registrada"),
    )
    for row in child_rows:
        child = AtRiskChild.objects.create(family=family, **row)
        record_change(
            actor=actor,
            action="create",
            instance=child,
            root=family,
            after=snapshot(child),
            summary=_("Niña, niño o adolescente registrado"),
        )
    return family


def _require_family_owner(actor: Actor, family: AtRiskFamily) -> None:
    require_edit(actor, family.owner_agency_id)
    if not has_capability(actor, C.FAMILY_VIEW_IDENTITY):
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))


@transaction.atomic
def alternative_add(
    *, actor: Actor, child: AtRiskChild, kind: str, started_on: datetime.date, provider: str = "", notes: str = ""
) -> Alternative:
    family = child.family
    _require_family_owner(actor, family)
    errors: dict = {}
    kind = _choice(errors, "kind", kind, Alternative.Kind, _("Indique la alternativa brindada."))
    if not started_on:
        _add(errors, "started_on", _("Indique desde cuándo se brinda."))
    check_order(
        errors,
        "started_on",
        family.registered_on,
        started_on,
        _("el registro de la familia"),
        _("El inicio de la alternativa"),
    )
    check_not_future(errors, "started_on", started_on, _("El inicio de la alternativa"))
    raise_if(errors)
    item = Alternative.objects.create(
        child=child, kind=kind, started_on=started_on, provider=_text(provider), notes=_text(notes)
    )
    record_change(
        actor=actor,
        action="create",
        instance=item,
        root=family,
        after=snapshot(item),
        summary=_("Alternativa brindada"),
    )
    return item


@transaction.atomic
def follow_up_record(
    *,
    actor: Actor,
    child: AtRiskChild,
    milestone: str,
    done_on: datetime.date,
    in_school: bool,
    migrated: bool = False,
    referred: bool = False,
    notes: str = "",
) -> FamilyFollowUp:
    family = child.family
    _require_family_owner(actor, family)
    errors: dict = {}
    milestone = _choice(
        errors, "milestone", milestone, FamilyFollowUp.Milestone, _("Indique el seguimiento.")
    )
    if not done_on:
        _add(errors, "done_on", _("Indique la fecha del seguimiento."))
    elif family.registered_on and done_on < family.registered_on:
        _add(
            errors,
            "done_on",
            _(
                "La fecha del seguimiento (%(date)s) no puede ser anterior al registro de la "
                "familia (%(registered)s)."
            )
            % {"date": fmt(done_on), "registered": fmt(family.registered_on)},
        )
    check_not_future(errors, "done_on", done_on, _("La fecha del seguimiento"))
    if (
        milestone
        and milestone != FamilyFollowUp.Milestone.OTHER
        and child.follow_ups.filter(milestone=milestone).exists()
    ):
        _add(
            errors,
            "milestone",
            _("Ya se registró el seguimiento «%(label)s» para %(code)s.")
            % {"label": FamilyFollowUp.Milestone(milestone).label, "code": child.code},
        )
    raise_if(errors)
    item = FamilyFollowUp.objects.create(
        child=child,
        milestone=milestone,
        done_on=done_on,
        in_school=bool(in_school),
        migrated=bool(migrated),
        referred=bool(referred),
        notes=_text(notes),
    )
    record_change(
        actor=actor,
        action="create",
        instance=item,
        root=family,
        after=snapshot(item),
        summary=_("Seguimiento registrado"),
    )
    return item
