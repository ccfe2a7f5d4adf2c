"""The one place that writes change history. Services call it inside their own transaction."""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import cast

from django.db import models

from sistra.accounts.types import Actor
from sistra.core.types import PublicRecord

from .models import ChangeEvent


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict:
    """The concrete field values of a row (foreign keys as their raw key), JSON-ready."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in {"id", "created_at", "updated_at", *exclude}:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


_GENERIC_KIND: dict[str, str] = {
    ChangeEvent.Action.CREATE: ChangeEvent.Kind.CREATED,
    ChangeEvent.Action.UPDATE: ChangeEvent.Kind.UPDATED,
    ChangeEvent.Action.DELETE: ChangeEvent.Kind.DELETED,
}


def record_change(
    *,
    actor: Actor | None,
    action: str,
    instance: models.Model,
    root: PublicRecord | None = None,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    kind: str = "",
) -> ChangeEvent:
    # a record without a root of its own is its own root, and every root has a public uuid
    root = root if root is not None else cast(PublicRecord, instance)
    return ChangeEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_agency_id=getattr(actor, "agency_id", None),
        action=action,
        kind=kind or _GENERIC_KIND[action],
        model=instance._meta.label_lower,
        object_uuid=getattr(instance, "uuid", None),
        root_model=root._meta.label_lower,
        root_uuid=root.uuid,
        summary=summary[:200],
        before=before,
        after=after,
    )


def log_access(
    *, actor: Actor, instance: PublicRecord, fields: list[str], purpose: str, person=None, detail: str = ""
):
    """Record that `actor` read identity fields of `instance`. Call it inside the transaction of the read
    (views wrap the read and this call in transaction.atomic), so a read that cannot be logged fails."""
    from .models import AccessLog

    person = person if person is not None else (instance if instance._meta.label_lower == "people.person" else None)
    return AccessLog.objects.create(
        actor=actor,
        actor_agency_id=getattr(actor, "agency_id", None),
        model=instance._meta.label_lower,
        object_uuid=instance.uuid,
        person_uuid=getattr(person, "uuid", None),
        fields=sorted(fields),
        purpose=purpose,
        kind=AccessLog.Kind.IDENTITY_VIEWED,
        detail=detail[:300],
    )


def log_access_many(
    *, actor: Actor, reads: Iterable[tuple[PublicRecord, PublicRecord | None]], fields: list[str], purpose: str,
    detail: str = "",
) -> list:
    """log_access for many reads at once (a list page, an API page, the parties of a case): one row per
    (instance, person) pair, written with one INSERT. As with log_access, call it inside the transaction of
    the read. A pair whose person is None names the instance itself when it is a person."""
    from .models import AccessLog

    agency_id = getattr(actor, "agency_id", None)
    fields = sorted(fields)
    rows = []
    for instance, person in reads:
        if person is None and instance._meta.label_lower == "people.person":
            person = instance
        rows.append(AccessLog(
            actor=actor, actor_agency_id=agency_id, model=instance._meta.label_lower,
            object_uuid=instance.uuid, person_uuid=getattr(person, "uuid", None), fields=fields,
            purpose=purpose, kind=AccessLog.Kind.IDENTITY_VIEWED, detail=detail[:300],
        ))
    if not rows:
        return []
    return AccessLog.objects.bulk_create(rows)


def log_export(*, actor: Actor, model_label: str, count: int, purpose: str, detail: str = ""):
    """One access-log row for an export of many records, with its stated purpose."""
    import uuid as uuid_module

    from .models import AccessLog

    return AccessLog.objects.create(
        actor=actor,
        actor_agency_id=getattr(actor, "agency_id", None),
        model=model_label,
        object_uuid=uuid_module.uuid4(),
        fields=["count"],
        purpose=AccessLog.Purpose.EXPORT,
        kind=AccessLog.Kind.EXPORT_MADE,
        detail=f"{purpose} — {count} registros. {detail}"[:300],
    )
