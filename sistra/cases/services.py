"""Every write to a criminal case. Each validates across objects, saves, and records its change history in
the same transaction; on a refusal nothing is saved and the message says why, in Spanish."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.accounts.types import Actor
from sistra.audit.models import ChangeEvent
from sistra.audit.services import record_change, snapshot
from sistra.core.models import Country, PenalArticle, ProceduralStage, Term
from sistra.core.selectors import stage_term
from sistra.core.validation import ConflictError, check_not_future, check_order, fmt, raise_if

from .access import active_shares, can_transfer_case
from .models import (
    Case,
    CaseDefendant,
    CaseEvent,
    CaseParty,
    CasePlace,
    CaseShare,
    CaseVictim,
    Charge,
    exploitation_key,
)

INITIAL_STAGE = "denuncia"
ARCHIVE_STAGE = "archivo"
CLOSING_STAGES = {"ejecucion"}

CASE_FIELDS = (
    "title", "facts_date_from", "facts_date_to", "complaint_date", "opened_date", "source", "is_complex",
    "is_organized_crime", "summary", "distrito_fiscal",
)


def _set_deadline(case: Case) -> None:
    """Keep the stored deadline (what the list filters and overviews read) equal to the one deadline rule."""
    term = stage_term(case.current_stage, started_on=case.stage_started_on, is_complex=case.is_complex,
                      is_organized=case.is_organized_crime)
    case.next_deadline_on = term.due if term else None
    case.next_deadline_kind = term.kind if term else ""


def _check_case_dates(fields: dict) -> None:
    errors: dict = {}
    # without these the insert would fail on the database with a message about something else
    if not fields.get("complaint_date"):
        errors["complaint_date"] = [_("Indique la fecha de la denuncia.")]
    if "distrito_fiscal" in fields and not fields["distrito_fiscal"]:
        errors["distrito_fiscal"] = [_("Indique el distrito fiscal.")]
    check_not_future(errors, "facts_date_from", fields.get("facts_date_from"), _("La fecha de inicio de los hechos"))
    check_not_future(errors, "facts_date_to", fields.get("facts_date_to"), _("La fecha de fin de los hechos"))
    check_not_future(errors, "complaint_date", fields.get("complaint_date"), _("La fecha de la denuncia"))
    check_not_future(errors, "opened_date", fields.get("opened_date"), _("La fecha de apertura"))
    check_order(errors, "facts_date_to", fields.get("facts_date_from"), fields.get("facts_date_to"),
                _("la fecha de inicio de los hechos"), _("El fin de los hechos"))
    check_order(errors, "complaint_date", fields.get("facts_date_from"), fields.get("complaint_date"),
                _("la fecha de inicio de los hechos"), _("La fecha de la denuncia"))
    check_order(errors, "opened_date", fields.get("complaint_date"), fields.get("opened_date"),
                _("la denuncia"), _("La fecha de apertura"))
    raise_if(errors)


def _touch(case: Case) -> None:
    """Any change to a part of the case bumps its version, so a concurrent edit of the case is detected."""
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now())
    case.refresh_from_db(fields=["version", "updated_at"])


def _refresh_victim_flags(case: Case) -> None:
    """has_minor_victim and exploitation_key from the case's victims as they are now."""
    has_minor = case.victims.filter(is_minor=True).exists()
    forms = Term.objects.filter(pk__in=CaseVictim.exploitation_forms.through.objects.filter(
        casevictim__case=case).values("term_id")).select_related("parent")
    key = exploitation_key(forms)
    # compare with the row, not the caller's instance, which may be stale
    Case.objects.filter(pk=case.pk).exclude(has_minor_victim=has_minor, exploitation_key=key).update(
        has_minor_victim=has_minor, exploitation_key=key)
    case.has_minor_victim, case.exploitation_key = has_minor, key


@transaction.atomic
def case_create(
    *,
    actor: Actor,
    number: str,
    fiscalia,
    distrito_fiscal,
    complaint_date: datetime.date,
    source: str,
    title: str = "",
    facts_date_from: datetime.date | None = None,
    facts_date_to: datetime.date | None = None,
    opened_date: datetime.date | None = None,
    is_complex: bool = False,
    is_organized_crime: bool = False,
    summary: str = "",
) -> Case:
    number = (number or "").strip()
    fields = {"facts_date_from": facts_date_from, "facts_date_to": facts_date_to, "complaint_date": complaint_date,
              "opened_date": opened_date}
    _check_case_dates({**fields, "distrito_fiscal": distrito_fiscal})
    errors: dict = {}
    if not number:
        errors["number"] = [_("Indique el número de carpeta fiscal.")]
    elif Case.objects.filter(fiscalia=fiscalia, number=number).exists():
        errors["number"] = [_("Ya existe un caso con el número %(number)s en %(fiscalia)s.")
                            % {"number": number, "fiscalia": fiscalia}]
    if source not in Case.Source.values:
        errors["source"] = [_("Origen de la denuncia no válido.")]
    own = actor.agency
    if own is not None and own.kind == Agency.Kind.FISCALIA and fiscalia is not None and fiscalia.pk != own.pk:
        # a case reaches another fiscalía only by a transfer for competence, which hands the case over with history
        errors["fiscalia"] = [
            _("Solo puede registrar casos en su propia fiscalía (%(own)s). Si el caso corresponde a otra "
              "fiscalía, regístrelo y derívelo por competencia.") % {"own": own.name}
        ]
    raise_if(errors)
    stage = ProceduralStage.objects.get(code=INITIAL_STAGE)
    own_case = fiscalia is not None and actor.role == Role.PROSECUTOR and actor.agency_id == fiscalia.pk
    prosecutor = actor if own_case else None
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=number, fiscalia=fiscalia, distrito_fiscal=distrito_fiscal,
                owner_agency=actor.agency or fiscalia, created_by=actor, title=title, source=source,
                is_complex=is_complex, is_organized_crime=is_organized_crime, summary=summary,
                current_stage=stage, stage_started_on=complaint_date, prosecutor=prosecutor,
                next_deadline_on=None, next_deadline_kind="", **fields,
            )
    except IntegrityError:
        raise ValidationError({"number": [_("Ya existe un caso con ese número en la fiscalía.")]}) from None
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.STAGE_CHANGE, date=complaint_date, title=_("Registro de la denuncia"),
        stage_to=stage, created_by=actor,
    )
    record_change(actor=actor, action="create", instance=case, after=snapshot(case), summary=_("Registro del caso"))
    return case


@transaction.atomic
def case_update(*, actor: Actor, case: Case, expected_version: int, **fields) -> Case:
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != expected_version:
        raise ConflictError()
    before = snapshot(current)
    merged = {name: getattr(current, name) for name in CASE_FIELDS}
    merged.update(fields)
    _check_case_dates(merged)
    for name, value in fields.items():
        setattr(current, name, value)
    _set_deadline(current)
    current.version += 1
    current.save()
    after = snapshot(current)
    if after != before:
        record_change(actor=actor, action="update", instance=current, before=before, after=after,
                      summary=_("Modificación de datos del caso"))
    return current


def _stage_list(stages) -> str:
    return ", ".join(str(s) for s in stages) or _("ninguna (etapa final)")


def _last_stage_change(case: Case) -> CaseEvent | None:
    return (CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STAGE_CHANGE, stage_from__isnull=False)
            .select_related("stage_from").order_by("-date", "-id").first())


def _check_transition(current: Case, stage: ProceduralStage, exception: str, reason: str, errors: dict) -> None:
    """The NCPP transitions (ProceduralStage.next_stages, loaded from core/data/procedural_stages.csv) and the
    documented exception path (docs/decisions/0130): a case registered when it is already further on, or the
    correction of the last change. Everything else is refused."""
    source = current.current_stage
    allowed = list(source.next_stages.all())
    if stage.pk == source.pk:
        errors["stage"] = [_("El caso ya se encuentra en la etapa %(stage)s.") % {"stage": stage}]
        return
    if stage.code == INITIAL_STAGE:
        errors["stage"] = [_("Un caso no puede volver a la etapa de denuncia.")]
        return
    if exception == CaseEvent.StageException.NONE:
        if stage not in allowed:
            errors["stage"] = [
                _("El NCPP no prevé pasar de %(from)s a %(to)s. Desde %(from)s el caso puede pasar a: %(allowed)s.")
                % {"from": source, "to": stage, "allowed": _stage_list(allowed)}
            ]
        return
    if exception not in CaseEvent.StageException.values:
        errors["exception"] = [_("Tipo de excepción no válido.")]
        return
    if not reason:
        errors["reason"] = [_("Un cambio de etapa excepcional exige registrar el motivo.")]
    if exception == CaseEvent.StageException.RECEIVED:
        has_moved = CaseEvent.objects.filter(case=current, kind=CaseEvent.Kind.STAGE_CHANGE,
                                             stage_from__isnull=False).exists()
        if source.code != INITIAL_STAGE or has_moved:
            errors["exception"] = [
                _("Solo un caso recién registrado, que aún no ha cambiado de etapa, puede registrarse como "
                  "recibido en una etapa posterior.")
            ]
    elif exception == CaseEvent.StageException.CORRECTION:
        last = _last_stage_change(current)
        if last is None or last.stage_from_id != stage.pk:
            errors["exception"] = [
                _("Una corrección solo puede devolver el caso a la etapa en que estaba antes del último cambio "
                  "(%(stage)s).") % {"stage": last.stage_from if last else source}
            ]


@transaction.atomic
def case_change_stage(
    *, actor: Actor, case: Case, stage: ProceduralStage, date: datetime.date, reason: str = "",
    exception: str = "", expected_version: int | None = None,
) -> CaseEvent:
    """Move the case to the next stage the NCPP allows. `exception` opens the documented exception path
    (CaseEvent.StageException), which needs a reason and is marked as such in the timeline and the history."""
    current = Case.objects.select_for_update().select_related("current_stage").get(pk=case.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError()
    errors: dict = {}
    reason = (reason or "").strip()
    exception = exception or ""
    _check_transition(current, stage, exception, reason, errors)
    check_not_future(errors, "date", date, _("La fecha del cambio de etapa"))
    check_order(errors, "date", current.stage_started_on, date, _("la fecha de inicio de la etapa actual"),
                _("La fecha del cambio de etapa"))
    raise_if(errors)
    new_start = date
    if exception == CaseEvent.StageException.CORRECTION:
        # the corrected change never happened: the earlier stage keeps its own start date (and its deadline)
        last = _last_stage_change(current)
        changes = CaseEvent.objects.filter(case=current, kind=CaseEvent.Kind.STAGE_CHANGE, stage_to=stage)
        if last is not None:
            changes = changes.exclude(pk=last.pk)
        earlier = changes.order_by("-date", "-id").first()
        new_start = earlier.date if earlier else current.complaint_date
    before = snapshot(current)
    previous = current.current_stage
    current.current_stage = stage
    current.stage_started_on = new_start
    if stage.code == ARCHIVE_STAGE:
        current.status = Case.Status.ARCHIVED
    elif stage.code in CLOSING_STAGES:
        current.status = Case.Status.CLOSED
    else:
        current.status = Case.Status.ACTIVE
    _set_deadline(current)
    current.version += 1
    current.save()
    if exception:
        title = _("Cambio de etapa excepcional (%(kind)s): %(from)s → %(to)s") % {
            "kind": CaseEvent.StageException(exception).label, "from": previous, "to": stage}
    else:
        title = _("Cambio de etapa: %(from)s → %(to)s") % {"from": previous, "to": stage}
    event = CaseEvent.objects.create(
        case=current, kind=CaseEvent.Kind.STAGE_CHANGE, date=date, title=title[:200],
        stage_from=previous, stage_to=stage, reason=reason, exception=exception, created_by=actor,
    )
    record_change(kind=ChangeEvent.Kind.STAGE_CHANGED, actor=actor, action="update", instance=current, before=before, after=snapshot(current),
                  summary=event.title)
    case.current_stage, case.stage_started_on, case.status, case.version = (
        current.current_stage, current.stage_started_on, current.status, current.version)
    case.next_deadline_on, case.next_deadline_kind = current.next_deadline_on, current.next_deadline_kind
    return event


@transaction.atomic
def case_transfer(*, actor: Actor, case: Case, to_fiscalia: Agency, reason: str, date: datetime.date) -> CaseEvent:
    """Derivación por competencia: the case passes to another fiscalía, which becomes its owner (where the old
    fiscalía owned it) and assigns its own prosecutor. The old fiscalía keeps no access unless the new one
    shares the case back. The timeline and the history record who sent it where, when and why."""
    current = Case.objects.select_for_update().select_related("fiscalia", "owner_agency").get(pk=case.pk)
    errors: dict = {}
    reason = (reason or "").strip()
    if not can_transfer_case(actor, current):
        errors["to_fiscalia"] = [_("Solo la fiscalía a cargo del caso puede derivarlo por competencia.")]
    elif to_fiscalia.kind != Agency.Kind.FISCALIA or not to_fiscalia.is_active:
        errors["to_fiscalia"] = [_("El caso solo puede derivarse a una fiscalía activa.")]
    elif to_fiscalia.pk == current.fiscalia_id:
        errors["to_fiscalia"] = [_("El caso ya está a cargo de %(fiscalia)s.") % {"fiscalia": to_fiscalia.name}]
    elif Case.objects.filter(fiscalia=to_fiscalia, number=current.number).exists():
        errors["to_fiscalia"] = [_("%(fiscalia)s ya tiene un caso con el número %(number)s.")
                                 % {"fiscalia": to_fiscalia.name, "number": current.number}]
    if not reason:
        errors["reason"] = [_("Indique el motivo de la derivación por competencia.")]
    check_not_future(errors, "date", date, _("La fecha de la derivación"))
    check_order(errors, "date", current.complaint_date, date, _("la denuncia"), _("La fecha de la derivación"))
    raise_if(errors)
    before = snapshot(current)
    previous = current.fiscalia
    current.fiscalia = to_fiscalia
    if to_fiscalia.distrito_fiscal_id:
        current.distrito_fiscal_id = to_fiscalia.distrito_fiscal_id
    if current.owner_agency_id == previous.pk:
        current.owner_agency = to_fiscalia
    current.prosecutor = None
    current.version += 1
    current.save()
    # the new fiscalía owns the case now: a share it held would outlive its purpose
    CaseShare.objects.filter(case=current, agency=to_fiscalia, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    event = CaseEvent.objects.create(
        case=current, kind=CaseEvent.Kind.TRANSFER, date=date,
        title=(_("Derivación por competencia: %(from)s → %(to)s") % {"from": previous.name,
                                                                     "to": to_fiscalia.name})[:200],
        reason=reason[:300], created_by=actor,
    )
    record_change(kind=ChangeEvent.Kind.CASE_TRANSFERRED, actor=actor, action="update", instance=current, before=before, after=snapshot(current),
                  summary=event.title)
    return event


@transaction.atomic
def case_assign_prosecutor(*, actor: Actor, case: Case, prosecutor) -> Case:
    """The fiscalía in charge names the prosecutor whose deadlines the case counts in (None: unassigned)."""
    current = Case.objects.select_for_update().get(pk=case.pk)
    errors: dict = {}
    if not can_transfer_case(actor, current):
        errors["prosecutor"] = [_("Solo la fiscalía a cargo del caso puede asignar el fiscal.")]
    elif prosecutor is not None and not (
        prosecutor.is_active and prosecutor.role == Role.PROSECUTOR and prosecutor.agency_id == current.fiscalia_id
    ):
        errors["prosecutor"] = [_("Elija un fiscal activo de la fiscalía a cargo del caso.")]
    raise_if(errors)
    if current.prosecutor_id == getattr(prosecutor, "pk", None):
        return current
    before = snapshot(current)
    current.prosecutor = prosecutor
    current.version += 1
    current.save()
    name = prosecutor.get_full_name() or prosecutor.username if prosecutor else _("sin asignar")
    record_change(actor=actor, action="update", instance=current, before=before, after=snapshot(current),
                  summary=_("Fiscal a cargo: %(name)s") % {"name": name})
    case.prosecutor, case.version = current.prosecutor, current.version
    return current


@transaction.atomic
def case_add_event(*, actor: Actor, case: Case, kind: str, date: datetime.date, title: str, description: str = "") -> CaseEvent:
    errors: dict = {}
    if kind == CaseEvent.Kind.STAGE_CHANGE or kind not in CaseEvent.Kind.values:
        errors["kind"] = [_("Tipo de evento no válido; para cambiar de etapa use «Cambiar etapa».")]
    if not (title or "").strip():
        errors["title"] = [_("Indique un título para el evento.")]
    check_not_future(errors, "date", date, _("La fecha del evento"))
    check_order(errors, "date", case.complaint_date, date, _("la denuncia"), _("La fecha del evento"))
    raise_if(errors)
    event = CaseEvent.objects.create(case=case, kind=kind, date=date, title=title.strip(), description=description,
                                     created_by=actor)
    _touch(case)
    record_change(actor=actor, action="create", instance=event, root=case, after=snapshot(event),
                  summary=_("Evento: %(title)s") % {"title": event.title})
    return event


@transaction.atomic
def charge_add(
    *, actor: Actor, case: Case, article: PenalArticle, offence_date: datetime.date, defendant: CaseDefendant | None = None,
    notes: str = "",
) -> Charge:
    errors: dict = {}
    if not offence_date:
        errors["offence_date"] = [_("Indique la fecha del delito.")]
    check_not_future(errors, "offence_date", offence_date, _("La fecha del delito"))
    if offence_date and not article.in_force_on(offence_date):
        if article.valid_to:
            period = _("vigente del %(from)s al %(to)s") % {"from": fmt(article.valid_from), "to": fmt(article.valid_to)}
        else:
            period = _("vigente desde el %(from)s") % {"from": fmt(article.valid_from)}
        errors["article"] = [
            _("El artículo %(article)s (%(law)s) no estaba vigente el %(date)s, fecha del delito (%(period)s).")
            % {"article": article.article, "law": article.law, "date": fmt(offence_date), "period": period}
        ]
    if defendant is not None and defendant.case_id != case.pk:
        errors["defendant"] = [_("El imputado no pertenece a este caso.")]
    raise_if(errors)
    charge = Charge.objects.create(case=case, article=article, offence_date=offence_date, defendant=defendant,
                                   notes=notes)
    _touch(case)
    record_change(actor=actor, action="create", instance=charge, root=case, after=snapshot(charge),
                  summary=_("Imputación: art. %(article)s") % {"article": article.article})
    return charge


@transaction.atomic
def charge_remove(*, actor: Actor, charge: Charge) -> None:
    case = charge.case
    before = snapshot(charge)
    record_change(actor=actor, action="delete", instance=charge, root=case, before=before,
                  summary=_("Imputación retirada: art. %(article)s") % {"article": charge.article.article})
    charge.delete()
    _touch(case)


def _victim_is_minor(case: Case, person, age_at_exploitation: int | None) -> bool:
    if age_at_exploitation is not None:
        return age_at_exploitation < 18
    day = case.facts_date_from or case.complaint_date
    age = person.age_on(day)
    return age is not None and age < 18


@transaction.atomic
def victim_add(
    *, actor: Actor, case: Case, person, age_at_exploitation: int | None = None, nationality=None,
    exploitation_forms=(), control_methods=(), recruitment_method=None,
    relation_to_trafficker: str = CaseVictim.Relation.UNKNOWN,
) -> CaseVictim:
    errors: dict = {}
    if age_at_exploitation is not None and not 0 <= age_at_exploitation <= 120:
        errors["age_at_exploitation"] = [_("La edad durante la explotación debe estar entre 0 y 120 años.")]
    if CaseVictim.objects.filter(case=case, person=person).exists():
        errors["person"] = [_("Esta persona ya figura como víctima en el caso.")]
    if CaseDefendant.objects.filter(case=case, person=person).exists():
        errors["person"] = [_("Esta persona figura como imputada en el mismo caso.")]
    raise_if(errors)
    victim = CaseVictim.objects.create(
        case=case, person=person, age_at_exploitation=age_at_exploitation,
        is_minor=_victim_is_minor(case, person, age_at_exploitation),
        nationality=nationality or person.nationality, recruitment_method=recruitment_method,
        relation_to_trafficker=relation_to_trafficker,
    )
    victim.exploitation_forms.set(exploitation_forms)
    victim.control_methods.set(control_methods)
    _refresh_victim_flags(case)
    _touch(case)
    after = snapshot(victim)
    after["exploitation_forms"] = sorted(t.code for t in exploitation_forms)
    after["control_methods"] = sorted(t.code for t in control_methods)
    record_change(actor=actor, action="create", instance=victim, root=case, after=after,
                  summary=_("Víctima añadida: %(code)s") % {"code": person.code})
    return victim


@transaction.atomic
def victim_remove(*, actor: Actor, victim: CaseVictim) -> None:
    case = victim.case
    record_change(actor=actor, action="delete", instance=victim, root=case, before=snapshot(victim),
                  summary=_("Víctima retirada: %(code)s") % {"code": victim.person.code})
    victim.delete()
    _refresh_victim_flags(case)
    _touch(case)


@transaction.atomic
def defendant_add(*, actor: Actor, case: Case, person, role=None, status: str = CaseDefendant.Status.INVESTIGATED) -> CaseDefendant:
    errors: dict = {}
    if CaseDefendant.objects.filter(case=case, person=person).exists():
        errors["person"] = [_("Esta persona ya figura como imputada en el caso.")]
    if CaseVictim.objects.filter(case=case, person=person).exists():
        errors["person"] = [_("Esta persona figura como víctima en el mismo caso.")]
    if status not in CaseDefendant.Status.values:
        errors["status"] = [_("Situación procesal no válida.")]
    raise_if(errors)
    defendant = CaseDefendant.objects.create(case=case, person=person, role=role, status=status)
    _touch(case)
    record_change(actor=actor, action="create", instance=defendant, root=case, after=snapshot(defendant),
                  summary=_("Imputado añadido: %(code)s") % {"code": person.code})
    return defendant


@transaction.atomic
def defendant_update(
    *, actor: Actor, defendant: CaseDefendant, status: str | None = None, role=None, outcome: str | None = None,
    outcome_date: datetime.date | None = None, sentence_years: Decimal | None = None,
    reparation_amount: Decimal | None = None,
) -> CaseDefendant:
    current = CaseDefendant.objects.select_for_update().select_related("case").get(pk=defendant.pk)
    before = snapshot(current)
    outcome = outcome or current.outcome
    errors: dict = {}
    if outcome not in CaseDefendant.Outcome.values:
        errors["outcome"] = [_("Resultado no válido.")]
    if status and status not in CaseDefendant.Status.values:
        errors["status"] = [_("Situación procesal no válida.")]
    if outcome != CaseDefendant.Outcome.CONVICTED and (sentence_years is not None or reparation_amount is not None):
        errors["sentence_years"] = [_("No se puede registrar una pena ni una reparación civil sin una condena.")]
    if outcome == CaseDefendant.Outcome.CONVICTED and sentence_years is None:
        errors["sentence_years"] = [_("Indique la pena impuesta (años) para la condena.")]
    if sentence_years is not None and not Decimal(0) < sentence_years <= Decimal(99):
        errors["sentence_years"] = [_("La pena debe ser mayor que cero y no mayor de 99 años.")]
    if reparation_amount is not None and reparation_amount < 0:
        errors["reparation_amount"] = [_("La reparación civil no puede ser negativa.")]
    if outcome != CaseDefendant.Outcome.PENDING and not outcome_date:
        errors["outcome_date"] = [_("Indique la fecha del resultado.")]
    check_not_future(errors, "outcome_date", outcome_date, _("La fecha del resultado"))
    check_order(errors, "outcome_date", current.case.complaint_date, outcome_date, _("la denuncia"),
                _("La fecha del resultado"))
    raise_if(errors)
    if status:
        current.status = status
    if role is not None:
        current.role = role
    current.outcome = outcome
    current.outcome_date = outcome_date if outcome != CaseDefendant.Outcome.PENDING else None
    current.sentence_years = sentence_years
    current.reparation_amount = reparation_amount
    if outcome == CaseDefendant.Outcome.CONVICTED:
        current.status = CaseDefendant.Status.SENTENCED
    current.save()
    _touch(current.case)
    record_change(actor=actor, action="update", instance=current, root=current.case, before=before,
                  after=snapshot(current), summary=_("Situación del imputado %(code)s: %(outcome)s")
                  % {"code": current.person.code, "outcome": current.get_outcome_display()})
    return current


@transaction.atomic
def party_add(*, actor: Actor, case: Case, person, role: str) -> CaseParty:
    if role not in CaseParty.Role.values:
        raise ValidationError({"role": [_("Rol no válido.")]})
    if CaseParty.objects.filter(case=case, person=person, role=role).exists():
        raise ValidationError({"person": [_("Esta persona ya figura en el caso con ese rol.")]})
    party = CaseParty.objects.create(case=case, person=person, role=role)
    _touch(case)
    record_change(actor=actor, action="create", instance=party, root=case, after=snapshot(party),
                  summary=_("Interviniente añadido: %(code)s") % {"code": person.code})
    return party


@transaction.atomic
def place_add(*, actor: Actor, case: Case, kind: str, ubigeo=None, country: Country | None = None,
              description: str = "") -> CasePlace:
    errors: dict = {}
    if kind not in CasePlace.Kind.values:
        errors["kind"] = [_("Tipo de lugar no válido.")]
    if (ubigeo is None) == (country is None):
        errors["ubigeo"] = [_("Indique un ubigeo del Perú o un país extranjero, no ambos.")]
    elif country is not None and country.code == "PE":
        errors["country"] = [_("Para un lugar en el Perú indique su ubigeo.")]
    raise_if(errors)
    place = CasePlace.objects.create(
        case=case, kind=kind, ubigeo=ubigeo, country=country, description=description,
        departamento_code=ubigeo.departamento_code if ubigeo else "",
    )
    _touch(case)
    record_change(actor=actor, action="create", instance=place, root=case, after=snapshot(place),
                  summary=_("Lugar de %(kind)s añadido") % {"kind": place.get_kind_display().lower()})
    return place


@transaction.atomic
def place_remove(*, actor: Actor, place: CasePlace) -> None:
    case = place.case
    record_change(actor=actor, action="delete", instance=place, root=case, before=snapshot(place),
                  summary=_("Lugar retirado"))
    place.delete()
    _touch(case)


@transaction.atomic
def case_share(*, actor: Actor, case: Case, agency, level: str = CaseShare.Level.READ, reason: str,
               expires_at: datetime.datetime | None = None) -> CaseShare:
    errors: dict = {}
    if agency.pk == case.owner_agency_id:
        errors["agency"] = [_("La institución propietaria ya tiene acceso al caso.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Indique el motivo por el que comparte el caso.")]
    if expires_at and expires_at <= timezone.now():
        errors["expires_at"] = [_("La fecha de vencimiento debe ser futura.")]
    if level not in CaseShare.Level.values:
        errors["level"] = [_("Nivel de acceso no válido.")]
    elif active_shares(agency.pk).filter(case=case).exists():
        # a second grant would survive the revocation of the first one
        errors["agency"] = [_("El caso ya está compartido con %(agency)s; revoque ese acceso para cambiarlo.")
                            % {"agency": agency.name}]
    raise_if(errors)
    share = CaseShare.objects.create(case=case, agency=agency, level=level, reason=reason.strip(),
                                     granted_by=actor, expires_at=expires_at)
    record_change(kind=ChangeEvent.Kind.SHARED, actor=actor, action="create", instance=share, root=case,
                  after={"agency": agency.code, "level": level, "reason": share.reason,
                         "expires_at": expires_at.isoformat() if expires_at else None},
                  summary=_("Caso compartido con %(agency)s") % {"agency": agency.name})
    return share


@transaction.atomic
def case_share_revoke(*, actor: Actor, share: CaseShare) -> None:
    if share.revoked_at:
        return
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    record_change(kind=ChangeEvent.Kind.SHARE_REVOKED, actor=actor, action="update", instance=share.case, root=share.case,
                  before={"share": share.agency.code, "revoked_at": None},
                  after={"share": share.agency.code, "revoked_at": share.revoked_at.isoformat()},
                  summary=_("Acceso revocado a %(agency)s") % {"agency": share.agency.name})
