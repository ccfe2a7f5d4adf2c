"""Reads of the access log and the change history: the history of one record as a viewer may see it, and the
auditor's searches.

Scope: the auditor role oversees the whole system (every agency), which is why agency is a filter and not a
limit; `auditable_access_logs` / `auditable_changes` are the one place to narrow it should auditors become
per-agency. Auditors see persons only by their pseudonym: nothing here reads a name."""

import datetime
import uuid
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor

from .masking import MaskedChange, mask_change, mask_changes, root_identity_visible
from .models import AccessLog, ChangeEvent
from .scopes import scope_condition
from .subjects import case_model, person_model

HISTORY_LIMIT = 200


# --- the history of one record ------------------------------------------------------------------------------

def history_for(viewer, root, *, limit: int = HISTORY_LIMIT, identity_visible: bool | None = None
                ) -> list[MaskedChange]:
    """The newest changes of a case or person (and of its parts), identity values masked unless the viewer may
    see the identity of that record. The caller has already fetched `root` through its access function and
    checked HISTORY_VIEW; a caller that has also decided whether its identity is visible passes it."""
    events = list(ChangeEvent.objects.filter(root_model=root._meta.label_lower, root_uuid=root.uuid)
                  .select_related("actor", "actor_agency")[:limit])
    visible = root_identity_visible(viewer, root) if identity_visible is None else identity_visible
    return [MaskedChange(e, mask_change(e, viewer, visible=visible)) for e in events]


# --- the auditor's searches ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters:
    person_uuid: uuid.UUID | None = None
    record_uuids: tuple[uuid.UUID, ...] | None = None  # a record uuid, or the cases with a given number
    actor_id: int | None = None
    agency_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    purpose: str = ""
    event: str = ""  # ChangeEvent.Kind or AccessLog.Kind: applied to the table it belongs to


def can_audit(actor: Actor) -> bool:
    return has_capability(actor, Capability.AUDIT_VIEW)


def auditable_access_logs(actor: Actor) -> QuerySet[AccessLog]:
    """A national auditor sees every read; an agency's auditor the reads of records its agency owns or was
    given (sistra.audit.scopes)."""
    if not can_audit(actor):
        return AccessLog.objects.none()
    condition = scope_condition(actor, "object_uuid", "person_uuid")
    return AccessLog.objects.all() if condition is None else AccessLog.objects.filter(condition)


def auditable_changes(actor: Actor) -> QuerySet[ChangeEvent]:
    if not can_audit(actor):
        return ChangeEvent.objects.none()
    condition = scope_condition(actor, "root_uuid")
    return ChangeEvent.objects.all() if condition is None else ChangeEvent.objects.filter(condition)


def _common(qs, filters: AuditFilters):
    if filters.actor_id is not None:
        qs = qs.filter(actor_id=filters.actor_id)
    if filters.agency_id is not None:
        qs = qs.filter(actor_agency_id=filters.agency_id)
    # dates are days in America/Lima (the active time zone)
    if filters.date_from:
        qs = qs.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(at__date__lte=filters.date_to)
    return qs


def access_log_search(actor: Actor, filters: AuditFilters) -> QuerySet[AccessLog]:
    qs = _common(auditable_access_logs(actor), filters)
    if filters.person_uuid is not None:
        qs = qs.filter(person_uuid=filters.person_uuid)
    if filters.record_uuids is not None:
        qs = qs.filter(object_uuid__in=filters.record_uuids)
    if filters.purpose:
        qs = qs.filter(purpose=filters.purpose)
    if filters.event:
        qs = qs.filter(kind=filters.event)
    return qs.select_related("actor", "actor_agency").order_by("-at", "-id")


def change_search(actor: Actor, filters: AuditFilters) -> QuerySet[ChangeEvent]:
    qs = _common(auditable_changes(actor), filters)
    if filters.person_uuid is not None:
        # the person's own record, and the parts of cases (victim, defendant, party) that point at it
        condition = Q(root_model="people.person", root_uuid=filters.person_uuid)
        pk = person_model()._default_manager.filter(uuid=filters.person_uuid).values_list("pk", flat=True).first()
        if pk is not None:
            condition |= Q(after__person_id=pk) | Q(before__person_id=pk)
        qs = qs.filter(condition)
    if filters.record_uuids is not None:
        qs = qs.filter(Q(object_uuid__in=filters.record_uuids) | Q(root_uuid__in=filters.record_uuids))
    if filters.event:
        qs = qs.filter(kind=filters.event)
    return qs.select_related("actor", "actor_agency").order_by("-at", "-id")


def person_access_log(actor: Actor, person_uuid) -> QuerySet[AccessLog]:
    """Every read of one person's identity: "¿quién ha visto a esta víctima?"."""
    return access_log_search(actor, AuditFilters(person_uuid=person_uuid))


# --- what the rows refer to, by pseudonym and case number, for a page at a time -----------------------------

@dataclass(frozen=True)
class RecordLabel:
    model_name: str
    case_number: str = ""


def person_codes(uuids) -> dict:
    uuids = {u for u in uuids if u}
    if not uuids:
        return {}
    return dict(person_model()._default_manager.filter(uuid__in=uuids).values_list("uuid", "code"))


def case_numbers(uuids) -> dict:
    uuids = {u for u in uuids if u}
    if not uuids:
        return {}
    return dict(case_model()._default_manager.filter(uuid__in=uuids).values_list("uuid", "number"))


def model_name(label: str) -> str:
    return _model_name(label, get_language())


@lru_cache(maxsize=512)
def _model_name(label: str, language: str | None) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


# names in AccessLog.fields that are not fields of the record read
EXTRA_FIELD_LABELS = {
    "documents": _("documentos"),
    "aliases": _("alias"),
    "languages": _("idiomas"),
    "count": _("cantidad de registros"),
    "full_name": _("nombre completo"),
}


def field_labels(label: str, names) -> list[str]:
    """Readable names of the fields read: the record's own, else the person's (identity reads are about
    persons). Translated once per process, model, fields and language (a page of the log asked ~50 times)."""
    return list(_field_labels(label, tuple(names or ()), get_language()))


@lru_cache(maxsize=4096)
def _field_labels(label: str, names: tuple, language: str | None) -> tuple[str, ...]:
    models = []
    for candidate in (label, "people.person"):
        try:
            models.append(apps.get_model(candidate))
        except (LookupError, ValueError):
            pass
    labels = []
    for name in names:
        text = EXTRA_FIELD_LABELS.get(name)
        for model in models:
            if text is not None:
                break
            try:
                text = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                continue
        labels.append(str(text if text is not None else name))
    return tuple(labels)


@dataclass
class AccessRow:
    entry: AccessLog
    person_code: str
    record: RecordLabel

    @property
    def field_labels(self) -> list[str]:
        return field_labels(self.entry.model, self.entry.fields)


@dataclass
class ChangeRow:
    entry: MaskedChange
    record: RecordLabel
    root: RecordLabel
    person_code: str  # when the change belongs to a person


def access_rows(entries) -> list[AccessRow]:
    entries = list(entries)
    codes = person_codes(e.person_uuid for e in entries)
    numbers = case_numbers(e.object_uuid for e in entries if e.model == "cases.case")
    return [AccessRow(e, codes.get(e.person_uuid, ""),
                      RecordLabel(model_name(e.model), numbers.get(e.object_uuid, "")))
            for e in entries]


def change_rows(viewer, entries) -> list[ChangeRow]:
    masked = mask_changes(entries, viewer)
    numbers = case_numbers(e.root_uuid for e in masked if e.root_model == "cases.case")
    codes = person_codes(e.root_uuid for e in masked if e.root_model == "people.person")
    return [ChangeRow(
        entry=e,
        record=RecordLabel(model_name(e.model)),
        root=RecordLabel(model_name(e.root_model), numbers.get(e.root_uuid, "")),
        person_code=codes.get(e.root_uuid, "") if e.root_model == "people.person" else "",
    ) for e in masked]


# --- resolving what the auditor typed -----------------------------------------------------------------------

def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        return None


def resolve_person(text: str) -> uuid.UUID | None:
    """A pseudonym code (P-…) or a uuid to the person's uuid; None when no person has it."""
    value = _as_uuid(text)
    persons = person_model()._default_manager
    qs = persons.filter(uuid=value) if value else persons.filter(code=text.strip().upper())
    return qs.values_list("uuid", flat=True).first()


def resolve_record(text: str) -> tuple[uuid.UUID, ...]:
    """A record's uuid as it is (any kind of record), or a case number to the uuids of the cases that bear it
    (numbers are unique within a fiscalía, not nationally). Empty when nothing matches."""
    value = _as_uuid(text)
    if value:
        return (value,)
    return tuple(case_model()._default_manager.filter(number__iexact=text.strip()).values_list("uuid", flat=True))


def resolve_user(text: str):
    """A username or a user's uuid to the user; None when there is none."""
    from sistra.accounts.models import User

    value = _as_uuid(text)
    qs = User.objects.filter(uuid=value) if value else User.objects.filter(username__iexact=text.strip())
    return qs.select_related("agency").first()
