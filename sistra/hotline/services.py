"""Every write of the hotline. Each validates, saves and records its change history (root: the contact) in
the same transaction; on a refusal nothing is saved and the message says why, in Spanish."""

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sistra.accounts.models import Agency
from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.models import Country, Term, Ubigeo
from sistra.core.validation import ConflictError, raise_if

from .models import (
    DEFAULT_LINE,
    CallerFlag,
    Contact,
    ContactPerson,
    FollowUp,
    PoliceNotification,
    PoliceReport,
)
from .phone import is_plausible, normalize_phone, phone_hash

# clocks of the operators' computers and of the telephony system drift a little
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_DURATION = datetime.timedelta(hours=24)
DEFAULT_ACK_HOURS = 24
REPORT_RECIPIENT_KINDS = (Agency.Kind.POLICE, Agency.Kind.FISCALIA)


def ack_hours() -> int:
    """How long a receiving agency has to acknowledge a report before it shows as overdue."""
    return int(getattr(settings, "HOTLINE_REPORT_ACK_HOURS", DEFAULT_ACK_HOURS))


@dataclass(frozen=True)
class PoliceNotificationInput:
    unit: Agency | None = None
    unit_name: str = ""
    officer: str = ""
    notified_at: datetime.datetime | None = None
    reference: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.unit or self.unit_name.strip() or self.officer.strip() or self.notified_at
                    or self.reference.strip())


@dataclass(frozen=True)
class FollowUpInput:
    note: str = ""
    due_at: datetime.datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.note.strip() or self.due_at)


def _when(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "d/m/Y H:i:s")


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def idempotency_key(*, line: str, started_at: datetime.datetime, phone_hash_value: str) -> str:
    """One call is one (line, start second, number): the same call sent twice gets the same key."""
    start = started_at.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    return hashlib.sha256(f"{line.strip()}|{start}|{phone_hash_value}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Validation shared by every way a contact comes in (operator screen, telephony API, import)
# ---------------------------------------------------------------------------------------------------------


def implied_end(started: datetime.datetime | None) -> datetime.datetime | None:
    """The end of a contact saved without one: now (the operator saves when the call is over). A start in the
    future is refused on its own; no end is made up for it, or the operator would read a second error about an
    end they never typed."""
    now = timezone.now()
    if not started or started > now + CLOCK_SKEW:
        return None
    return max(now, started)


def _check_times(errors: dict, started, ended) -> None:
    now = timezone.now()
    if not started:
        _add(errors, "started_at", _("Indique la hora de inicio del contacto."))
    elif started > now + CLOCK_SKEW:
        _add(errors, "started_at", _("La hora de inicio (%(time)s) no puede ser futura.") % {"time": _when(started)})
    if ended:
        if ended > now + CLOCK_SKEW:
            _add(errors, "ended_at", _("La hora de fin (%(time)s) no puede ser futura.") % {"time": _when(ended)})
        if started and ended < started:
            _add(errors, "ended_at",
                 _("La hora de fin (%(end)s) no puede ser anterior a la hora de inicio (%(start)s).")
                 % {"end": _when(ended), "start": _when(started)})
        elif started and ended - started > MAX_DURATION:
            _add(errors, "ended_at", _("Un contacto no puede durar más de 24 horas: revise la hora de fin."))


def _resolve_location(errors: dict, ubigeo_code: str, country_code: str) -> tuple[Ubigeo | None, Country | None]:
    ubigeo = country = None
    ubigeo_code, country_code = (ubigeo_code or "").strip(), (country_code or "").strip().upper()
    if ubigeo_code:
        ubigeo = Ubigeo.objects.filter(code=ubigeo_code).first()
        if ubigeo is None:
            _add(errors, "ubigeo", _("No existe el ubigeo «%(code)s». Escriba el código INEI de 6 dígitos, por "
                                     "ejemplo 150101 (Lima).") % {"code": ubigeo_code})
    if country_code:
        country = Country.objects.filter(code=country_code).first()
        if country is None:
            _add(errors, "country", _("No existe un país con el código «%(code)s» (use el código ISO de dos "
                                      "letras, p. ej. AR).") % {"code": country_code})
    if ubigeo_code and country_code and country_code != "PE":
        _add(errors, "country", _("Indique un ubigeo del Perú o un país extranjero, no ambos."))
    if ubigeo is not None:
        country = None  # an ubigeo already says Peru
    return ubigeo, country


def _resolve_language(errors: dict, code: str) -> Term | None:
    code = (code or "").strip()
    if not code:
        return None
    term = Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE, code=code).first()
    if term is None:
        _add(errors, "language", _("Idioma no reconocido: «%(code)s».") % {"code": code})
    return term


def _check_choice(errors: dict, field: str, value, choices, message: str) -> None:
    if value not in choices.values:
        _add(errors, field, message)


def _check_list(errors: dict, field: str, values, choices, message: str) -> list[str]:
    values = list(dict.fromkeys(values or ()))
    for value in values:
        if value not in choices.values:
            _add(errors, field, message % {"value": value})
    return values


def _check_police(errors: dict, notification: PoliceNotificationInput | None, started, risk_level: str) -> None:
    if notification is not None and not notification.is_empty:
        if notification.unit is None and not notification.unit_name.strip():
            _add(errors, "police_unit", _("Indique la unidad policial a la que se avisó."))
        elif notification.unit is not None and notification.unit.kind != Agency.Kind.POLICE:
            _add(errors, "police_unit", _("«%(unit)s» no es una unidad de la Policía Nacional.")
                 % {"unit": notification.unit})
        when = notification.notified_at
        if not when:
            _add(errors, "police_notified_at", _("Indique la hora en que se avisó a la policía."))
        elif when > timezone.now() + CLOCK_SKEW:
            _add(errors, "police_notified_at", _("La hora del aviso a la policía no puede ser futura."))
        # operators write the time of the call to the police to the minute
        elif started and when < started.replace(second=0, microsecond=0):
            _add(errors, "police_notified_at",
                 _("La hora del aviso a la policía (%(time)s) no puede ser anterior al inicio del contacto.")
                 % {"time": _when(when)})
    elif risk_level == Contact.Risk.EMERGENCY:
        _add(errors, "police_unit", _("En una emergencia se llama a la policía de inmediato: registre la unidad "
                                      "y la hora del aviso."))


def _check_follow_up(errors: dict, follow_up: FollowUpInput | None, started) -> None:
    if follow_up is None or follow_up.is_empty:
        return
    if not follow_up.note.strip():
        _add(errors, "follow_up_note", _("Escriba qué hay que hacer en el seguimiento."))
    if follow_up.due_at and started and follow_up.due_at < started:
        _add(errors, "follow_up_due_at", _("La fecha del seguimiento no puede ser anterior al contacto."))


def _clean_contact(data: dict, *, closing: bool) -> dict:
    """Check one contact's data; return the model fields. Raises ValidationError naming every problem."""
    errors: dict = {}
    started, ended = data.get("started_at"), data.get("ended_at")
    _check_times(errors, started, ended)
    channel = data.get("channel") or Contact.Channel.PHONE
    _check_choice(errors, "channel", channel, Contact.Channel, _("Canal no válido."))
    caller_type = data.get("caller_type") or Contact.CallerType.ANONYMOUS
    _check_choice(errors, "caller_type", caller_type, Contact.CallerType, _("Tipo de llamante no válido."))
    risk = data.get("risk_level") or Contact.Risk.NONE
    _check_choice(errors, "risk_level", risk, Contact.Risk, _("Nivel de riesgo no válido."))

    category = data.get("category") or ""
    reason = data.get("non_substantive_reason") or ""
    if not category:
        if closing:
            _add(errors, "category", _("Indique la categoría del contacto."))
    else:
        _check_choice(errors, "category", category, Contact.Category, _("Categoría no válida."))
    if category == Contact.Category.NON_SUBSTANTIVE:
        if not reason:
            _add(errors, "non_substantive_reason",
                 _("Indique el motivo: colgó, silencio, broma, número equivocado, abusivo o prueba."))
        else:
            _check_choice(errors, "non_substantive_reason", reason, Contact.NonSubstantive, _("Motivo no válido."))
        if risk == Contact.Risk.EMERGENCY:
            _add(errors, "risk_level", _("Un contacto no sustantivo no puede ser una emergencia."))
    else:
        # a reason left selected on the form before the category changed means nothing
        reason = ""

    topics = _check_list(errors, "topics", data.get("topics"), Contact.Topic, _("Tema no válido: %(value)s."))
    indicators = _check_list(errors, "indicators", data.get("indicators"), Contact.Indicator,
                             _("Indicador no válido: %(value)s."))

    consent = bool(data.get("contact_consent"))
    name = (data.get("caller_name") or "").strip()
    email = (data.get("caller_email") or "").strip()
    phone = (data.get("caller_phone") or "").strip()
    if (name or email) and not consent:
        _add(errors, "contact_consent", _("Para guardar el nombre o el correo del llamante, marque que dio su "
                                          "consentimiento."))
    if phone and not is_plausible(normalize_phone(phone)):
        _add(errors, "caller_phone", _("«%(number)s» no parece un número de teléfono.") % {"number": phone})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            _add(errors, "caller_email", _("Correo electrónico no válido."))

    ubigeo, country = _resolve_location(errors, data.get("ubigeo_code", ""), data.get("country_code", ""))
    language = _resolve_language(errors, data.get("language_code", ""))
    heard_via = data.get("heard_via") or ""
    heard_campaign = data.get("heard_campaign")
    if heard_via:
        _check_choice(errors, "heard_via", heard_via, Contact.HeardVia, _("Medio no válido."))
    if heard_campaign is not None:
        if heard_via and heard_via != Contact.HeardVia.CAMPAIGN:
            _add(errors, "heard_campaign", _("Indique una campaña solo si conoció la línea por una campaña."))
        heard_via = Contact.HeardVia.CAMPAIGN
    _check_police(errors, data.get("police_notification"), started, risk)
    _check_follow_up(errors, data.get("follow_up"), started)
    raise_if(errors)

    fields = {
        "line": (data.get("line") or "").strip() or DEFAULT_LINE,
        "channel": channel, "started_at": started, "ended_at": ended,
        "duration_seconds": int((ended - started).total_seconds()) if ended else None,
        "caller_type": caller_type, "contact_consent": consent,
        # the privacy design: the number is always hashed, kept in clear only with consent
        "caller_name": name if consent else "", "caller_email": email if consent else "",
        "caller_phone": phone if consent else "",
        "language": language, "ubigeo": ubigeo, "country": country,
        "departamento_code": ubigeo.departamento_code if ubigeo else "",
        "category": category, "non_substantive_reason": reason, "topics": topics, "indicators": indicators,
        "summary": (data.get("summary") or "").strip(), "risk_level": risk,
        "information_given": bool(data.get("information_given")),
        "referred_to": (data.get("referred_to") or "").strip(),
        "heard_via": heard_via, "heard_campaign": heard_campaign,
    }
    if phone:
        fields["phone_hash"] = phone_hash(phone)
    return fields


def require_hotline_agency(actor: Actor, owner_agency=None) -> Agency:
    agency = owner_agency or getattr(actor, "agency", None)
    if agency is None or agency.kind != Agency.Kind.HOTLINE:
        raise ValidationError(_("Solo una línea de ayuda registra contactos."))
    return agency


def _contact_snapshot(contact: Contact) -> dict:
    return snapshot(contact)


def _save_actions(*, actor: Actor, contact: Contact, notification: PoliceNotificationInput | None,
                  follow_up: FollowUpInput | None) -> None:
    if notification is not None and not notification.is_empty:
        assert notification.notified_at is not None  # the checks refused a notification without its time
        pn = PoliceNotification.objects.create(
            contact=contact, unit=notification.unit, unit_name=notification.unit_name.strip(),
            officer=notification.officer.strip(), notified_at=notification.notified_at,
            reference=notification.reference.strip(), created_by=actor if getattr(actor, "pk", None) else None,
        )
        record_change(actor=actor, action="create", instance=pn, root=contact, after=snapshot(pn),
                      summary=_("Aviso a la policía"))
    if follow_up is not None and not follow_up.is_empty:
        fu = FollowUp.objects.create(contact=contact, note=follow_up.note.strip(), due_at=follow_up.due_at,
                                     created_by=actor if getattr(actor, "pk", None) else None)
        record_change(actor=actor, action="create", instance=fu, root=contact, after=snapshot(fu),
                      summary=_("Seguimiento programado"))


# ---------------------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def contact_create(
    *,
    actor: Actor,
    started_at: datetime.datetime,
    category: str,
    ended_at: datetime.datetime | None = None,
    channel: str = Contact.Channel.PHONE,
    line: str = "",
    caller_type: str = Contact.CallerType.ANONYMOUS,
    contact_consent: bool = False,
    caller_name: str = "",
    caller_phone: str = "",
    caller_email: str = "",
    language_code: str = "",
    ubigeo_code: str = "",
    country_code: str = "",
    non_substantive_reason: str = "",
    topics: Sequence[str] = (),
    indicators: Sequence[str] = (),
    summary: str = "",
    risk_level: str = Contact.Risk.NONE,
    information_given: bool = False,
    referred_to: str = "",
    heard_via: str = "",
    heard_campaign=None,
    police_notification: PoliceNotificationInput | None = None,
    follow_up: FollowUpInput | None = None,
    source: str = Contact.Source.OPERATOR,
    idempotency_key: str | None = None,
    owner_agency: Agency | None = None,
) -> Contact:
    """A contact the operator has finished (or a historical one from an import). When no end is given the
    contact ends now: the operator saves when the call is over."""
    agency = require_hotline_agency(actor, owner_agency)
    if ended_at is None and source == Contact.Source.OPERATOR:
        ended_at = implied_end(started_at)
    data = {
        "started_at": started_at, "ended_at": ended_at, "category": category, "channel": channel, "line": line,
        "caller_type": caller_type, "contact_consent": contact_consent, "caller_name": caller_name,
        "caller_phone": caller_phone, "caller_email": caller_email, "language_code": language_code,
        "ubigeo_code": ubigeo_code, "country_code": country_code, "non_substantive_reason": non_substantive_reason,
        "topics": topics, "indicators": indicators, "summary": summary, "risk_level": risk_level,
        "information_given": information_given, "referred_to": referred_to,
        "heard_via": heard_via, "heard_campaign": heard_campaign,
        "police_notification": police_notification, "follow_up": follow_up,
    }
    fields = _clean_contact(data, closing=True)
    operator = actor if source == Contact.Source.OPERATOR and getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            contact = Contact.objects.create(owner_agency=agency, operator=operator, source=source,
                                             status=Contact.Status.CLOSED, idempotency_key=idempotency_key,
                                             **fields)
    except IntegrityError:
        raise ValidationError(_("Este contacto ya fue registrado (mismo número, línea y hora de inicio).")) from None
    _save_actions(actor=actor, contact=contact, notification=police_notification, follow_up=follow_up)
    record_change(actor=actor, action="create", instance=contact, after=_contact_snapshot(contact),
                  summary=_("Registro de contacto"))
    return contact


@transaction.atomic
def contact_register_call(
    *, actor: Actor, caller_number: str, started_at: datetime.datetime, line: str = "",
    channel: str = Contact.Channel.PHONE,
) -> tuple[Contact, bool]:
    """A call announced by the telephony system (IVR) as it is answered: an open contact that an operator
    completes. The caller's number is kept only as its hash. Sending the same call again returns the contact
    already registered (created=False)."""
    agency = require_hotline_agency(actor)
    errors: dict = {}
    _check_times(errors, started_at, None)
    _check_choice(errors, "channel", channel, Contact.Channel, _("Canal no válido."))
    number = (caller_number or "").strip()
    hashed = phone_hash(number)
    if number and not hashed:
        _add(errors, "caller_number", _("«%(number)s» no parece un número de teléfono.") % {"number": number})
    raise_if(errors)
    line = line.strip() or DEFAULT_LINE
    key = idempotency_key(line=line, started_at=started_at, phone_hash_value=hashed)
    existing = Contact.objects.filter(owner_agency=agency, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                owner_agency=agency, source=Contact.Source.IVR, status=Contact.Status.OPEN, line=line,
                channel=channel, started_at=started_at, phone_hash=hashed, idempotency_key=key,
            )
    except IntegrityError:
        # the same call sent twice at the same moment: the other request registered it
        return Contact.objects.get(owner_agency=agency, idempotency_key=key), False
    record_change(actor=actor, action="create", instance=contact, after=_contact_snapshot(contact),
                  summary=_("Llamada entrante registrada por la central telefónica"))
    return contact, True


@transaction.atomic
def contact_complete(
    *, actor: Actor, contact: Contact, expected_version: int, police_notification: PoliceNotificationInput | None = None,
    follow_up: FollowUpInput | None = None, **fields,
) -> Contact:
    """The operator completes a contact the telephony system opened: same rules as contact_create."""
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    if current.version != expected_version:
        raise ConflictError()
    if current.status != Contact.Status.OPEN:
        raise ValidationError(_("Este contacto ya fue registrado por otro operador."))
    before = _contact_snapshot(current)
    data = {"line": current.line, "started_at": current.started_at, **fields,
            "police_notification": police_notification, "follow_up": follow_up}
    if not data.get("ended_at"):
        data["ended_at"] = implied_end(data.get("started_at"))
    cleaned = _clean_contact(data, closing=True)
    for name, value in cleaned.items():
        setattr(current, name, value)
    current.status = Contact.Status.CLOSED
    current.operator = actor
    current.version += 1
    current.save()
    _save_actions(actor=actor, contact=current, notification=police_notification, follow_up=follow_up)
    record_change(actor=actor, action="update", instance=current, before=before, after=_contact_snapshot(current),
                  summary=_("Contacto completado por el operador"))
    return current


# ---------------------------------------------------------------------------------------------------------
# Follow-ups, flags on numbers, persons
# ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_add(*, actor: Actor, contact: Contact, note: str, due_at: datetime.datetime | None = None) -> FollowUp:
    errors: dict = {}
    if not (note or "").strip():
        _add(errors, "note", _("Escriba qué hay que hacer en el seguimiento."))
    if due_at and due_at < contact.started_at:
        _add(errors, "due_at", _("La fecha del seguimiento no puede ser anterior al contacto."))
    raise_if(errors)
    fu = FollowUp.objects.create(contact=contact, note=note.strip(), due_at=due_at, created_by=actor)
    record_change(actor=actor, action="create", instance=fu, root=contact, after=snapshot(fu),
                  summary=_("Seguimiento programado"))
    return fu


@transaction.atomic
def follow_up_close(*, actor: Actor, follow_up: FollowUp, outcome: str = "") -> FollowUp:
    current = FollowUp.objects.select_for_update().select_related("contact").get(pk=follow_up.pk)
    if current.status == FollowUp.Status.DONE:
        raise ValidationError(_("Este seguimiento ya fue cerrado."))
    before = snapshot(current)
    current.status = FollowUp.Status.DONE
    current.done_at = timezone.now()
    current.done_by = actor
    current.outcome = (outcome or "").strip()
    current.save()
    record_change(actor=actor, action="update", instance=current, root=current.contact, before=before,
                  after=snapshot(current), summary=_("Seguimiento realizado"))
    return current


@transaction.atomic
def caller_flag_add(*, actor: Actor, contact: Contact, kind: str, note: str = "") -> CallerFlag:
    errors: dict = {}
    if not contact.phone_hash:
        _add(errors, "kind", _("Este contacto no tiene número de teléfono: no se puede marcar el número."))
    _check_choice(errors, "kind", kind, CallerFlag.Kind, _("Marca no válida."))
    raise_if(errors)
    if CallerFlag.objects.filter(owner_agency_id=contact.owner_agency_id, phone_hash=contact.phone_hash, kind=kind,
                                 cleared_at__isnull=True).exists():
        raise ValidationError({"kind": [_("Este número ya tiene la marca «%(kind)s».")
                                        % {"kind": CallerFlag.Kind(kind).label}]})
    try:
        with transaction.atomic():
            flag = CallerFlag.objects.create(owner_agency_id=contact.owner_agency_id, phone_hash=contact.phone_hash,
                                             kind=kind, note=(note or "").strip(), contact=contact, created_by=actor)
    except IntegrityError:
        raise ValidationError({"kind": [_("Este número ya tiene esa marca.")]}) from None
    record_change(actor=actor, action="create", instance=flag, root=contact, after=snapshot(flag),
                  summary=_("Marca en el número: %(kind)s") % {"kind": flag.get_kind_display()})
    return flag


@transaction.atomic
def caller_flag_clear(*, actor: Actor, flag: CallerFlag) -> CallerFlag:
    current = CallerFlag.objects.select_for_update().select_related("contact").get(pk=flag.pk)
    if current.cleared_at is not None:
        raise ValidationError(_("Esta marca ya fue retirada."))
    before = snapshot(current)
    current.cleared_at = timezone.now()
    current.cleared_by = actor
    current.save()
    record_change(actor=actor, action="update", instance=current, root=current.contact, before=before,
                  after=snapshot(current), summary=_("Marca retirada: %(kind)s") % {"kind": current.get_kind_display()})
    return current


@transaction.atomic
def contact_link_person(*, actor: Actor, contact: Contact, person, role: str) -> ContactPerson:
    from sistra.people.access import visible_persons

    errors: dict = {}
    _check_choice(errors, "role", role, ContactPerson.Role, _("Rol no válido."))
    if not visible_persons(actor).filter(pk=person.pk).exists():
        _add(errors, "person", _("No tiene acceso a esa persona."))
    raise_if(errors)
    if ContactPerson.objects.filter(contact=contact, person=person, role=role).exists():
        raise ValidationError({"role": [_("Esa persona ya está vinculada al contacto con ese rol.")]})
    link = ContactPerson.objects.create(contact=contact, person=person, role=role, linked_by=actor)
    record_change(actor=actor, action="create", instance=link, root=contact, after=snapshot(link),
                  summary=_("Persona vinculada al contacto"))
    return link


@transaction.atomic
def contact_add_new_person(*, actor: Actor, contact: Contact, role: str, **person_fields) -> ContactPerson:
    """Register a person in the registry and link it to the contact, both or neither."""
    from sistra.people.services import person_create

    person = person_create(actor=actor, **person_fields)
    return contact_link_person(actor=actor, contact=contact, person=person, role=role)


@transaction.atomic
def contact_unlink_person(*, actor: Actor, link: ContactPerson) -> None:
    before = snapshot(link)
    contact = link.contact
    link.delete()
    record_change(actor=actor, action="delete", instance=link, root=contact, before=before,
                  summary=_("Persona desvinculada del contacto"))


# ---------------------------------------------------------------------------------------------------------
# Reports to the police
# ---------------------------------------------------------------------------------------------------------


def _report_snapshot(report: PoliceReport) -> dict:
    return snapshot(report, exclude=("pdf",))


@transaction.atomic
def police_report_send(*, actor: Actor, contact: Contact, recipient: Agency, facts: str,
                       include_caller_contact: bool = False) -> PoliceReport:
    errors: dict = {}
    if contact.status != Contact.Status.CLOSED:
        _add(errors, "__all__", _("Complete el registro del contacto antes de enviar un reporte."))
    elif not contact.is_substantive:
        _add(errors, "__all__", _("Un contacto no sustantivo no se reporta a la policía."))
    if recipient is None:
        _add(errors, "recipient", _("Elija la unidad de la PNP o la fiscalía que recibe el reporte."))
    elif recipient.kind not in REPORT_RECIPIENT_KINDS or not recipient.is_active:
        _add(errors, "recipient", _("Un reporte solo se envía a una unidad de la PNP o a una fiscalía activa."))
    if not (facts or "").strip():
        _add(errors, "facts", _("Describa los hechos que se reportan."))
    if include_caller_contact and not contact.contact_consent:
        _add(errors, "include_caller_contact",
             _("El llamante no consintió que se guarden sus datos de contacto: no se pueden enviar."))
    raise_if(errors)
    now = timezone.now()
    report = PoliceReport.objects.create(
        contact=contact, recipient=recipient, facts=facts.strip(), include_caller_contact=include_caller_contact,
        sent_by=actor, sent_at=now, ack_due_at=now + datetime.timedelta(hours=ack_hours()),
    )
    record_change(actor=actor, action="create", instance=report, root=contact, after=_report_snapshot(report),
                  summary=_("Reporte enviado a %(agency)s") % {"agency": recipient.name})
    report_uuid = str(report.uuid)
    transaction.on_commit(lambda: render_report_pdf.enqueue(report_uuid))
    return report


def _locked_received(actor: Actor, report: PoliceReport) -> PoliceReport:
    from .access import is_recipient

    current = PoliceReport.objects.select_for_update().select_related("contact", "recipient").get(pk=report.pk)
    if not is_recipient(actor, current):
        raise ValidationError(_("Solo la institución destinataria puede actuar sobre este reporte."))
    return current


def _acknowledge(actor: Actor, report: PoliceReport, reference: str = "") -> None:
    report.status = PoliceReport.Status.ACKNOWLEDGED
    report.acknowledged_by = actor
    report.acknowledged_at = timezone.now()
    if reference:
        report.recipient_reference = reference


@transaction.atomic
def police_report_acknowledge(*, actor: Actor, report: PoliceReport, reference: str = "") -> PoliceReport:
    current = _locked_received(actor, report)
    if current.status == PoliceReport.Status.ACKNOWLEDGED:
        raise ValidationError(_("Este reporte ya fue recibido por %(user)s el %(time)s.")
                              % {"user": current.acknowledged_by, "time": _when(current.acknowledged_at) if current.acknowledged_at else ""})
    before = _report_snapshot(current)
    _acknowledge(actor, current, (reference or "").strip())
    current.save()
    record_change(actor=actor, action="update", instance=current, root=current.contact, before=before,
                  after=_report_snapshot(current), summary=_("Reporte recibido por el destinatario"))
    return current


def _link_case(actor: Actor, report: PoliceReport, case, summary: str) -> PoliceReport:
    if report.case_id:
        raise ValidationError(_("Este reporte ya está vinculado al caso %(number)s.") % {"number": report.case})
    before = _report_snapshot(report)
    if report.status == PoliceReport.Status.SENT:
        # acting on a report is receiving it
        _acknowledge(actor, report)
    report.case = case
    report.case_linked_by = actor
    report.case_linked_at = timezone.now()
    report.save()
    record_change(actor=actor, action="update", instance=report, root=report.contact, before=before,
                  after=_report_snapshot(report), summary=summary)
    return report


@transaction.atomic
def police_report_open_case(*, actor: Actor, report: PoliceReport, number: str, distrito_fiscal, fiscalia=None,
                            title: str = "") -> PoliceReport:
    """Open a criminal case from the report (cases.services.case_create) and link it."""
    from sistra.cases.models import Case
    from sistra.cases.services import case_create

    current = _locked_received(actor, report)
    if current.case_id:
        raise ValidationError(_("Este reporte ya está vinculado al caso %(number)s.") % {"number": current.case})
    if agency_of(actor).kind == Agency.Kind.FISCALIA:
        fiscalia = actor.agency
    if fiscalia is None or fiscalia.kind != Agency.Kind.FISCALIA:
        raise ValidationError({"fiscalia": [_("Elija la fiscalía a cargo del caso.")]})
    case = case_create(
        actor=actor, number=number, fiscalia=fiscalia, distrito_fiscal=distrito_fiscal,
        complaint_date=timezone.localdate(current.sent_at), source=Case.Source.HOTLINE,
        title=title or _("Reporte de la línea %(code)s") % {"code": current.code}, summary=current.facts,
    )
    return _link_case(actor, current, case, _("Caso %(number)s abierto desde el reporte") % {"number": case.number})


@transaction.atomic
def police_report_link_case(*, actor: Actor, report: PoliceReport, case) -> PoliceReport:
    """Attach the report to an existing case the user can see."""
    from sistra.cases.access import visible_cases

    current = _locked_received(actor, report)
    if not visible_cases(actor).filter(pk=case.pk).exists():
        raise ValidationError({"case": [_("No tiene acceso a ese caso.")]})
    return _link_case(actor, current, case, _("Reporte vinculado al caso %(number)s") % {"number": case.number})


def police_report_store_pdf(*, report: PoliceReport) -> bytes:
    """Render the printable report and keep it. Derived from the report, so it writes no history: the report
    itself is unchanged."""
    from .pdf import render_report_pdf as render_pdf

    data = render_pdf(report)
    PoliceReport.objects.filter(pk=report.pk).update(pdf=data, pdf_generated_at=timezone.now())
    return data


@transaction.atomic
def flag_overdue_reports(*, now: datetime.datetime | None = None) -> int:
    """Mark the reports not acknowledged in time (once each), so the overdue list is a plain query."""
    now = now or timezone.now()
    overdue = list(
        PoliceReport.objects.select_for_update().select_related("contact")
        .filter(status=PoliceReport.Status.SENT, ack_due_at__lt=now, overdue_flagged_at__isnull=True)
    )
    for report in overdue:
        before = _report_snapshot(report)
        report.overdue_flagged_at = now
        report.save(update_fields=["overdue_flagged_at", "updated_at"])
        record_change(actor=None, action="update", instance=report, root=report.contact, before=before,
                      after=_report_snapshot(report), summary=_("Reporte sin acuse de recibo en el plazo"))
    return len(overdue)


# --- background work (Django's tasks API): defined beside the services that enqueue them, so that services and
# tasks form no import circle; tasks.py lists the tasks for the worker (ADR 0170). Tasks take public
# identifiers.


@task
def render_report_pdf(report_uuid: str) -> int:
    """Render and keep the printable report; returns its size in bytes (0 if the report is gone)."""
    report = PoliceReport.objects.select_related("contact", "recipient", "sent_by").filter(uuid=report_uuid).first()
    if report is None:
        return 0
    return len(police_report_store_pdf(report=report))


@task
def check_overdue_reports() -> int:
    """Mark the reports whose acknowledgement is overdue; run it every few minutes (see ADR 0005)."""
    return flag_overdue_reports()
