"""Rewriting the encrypted values of the change history: sealing the snapshots written before encryption at
rest (migration 0009) and re-encrypting them under a new key (`sistra rotate_keys`). The history is
append-only on PostgreSQL (migration 0003): its trigger is switched off for the statement and on again in the
same transaction, which only the tables' owner may do — the rotation runs as that role (docs/deployment.md)."""

import json
from collections.abc import Callable
from contextlib import contextmanager

TRIGGER = "audit_changeevent_append_only"


@contextmanager
def history_rewrite(connection):
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_changeevent DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE audit_changeevent ENABLE TRIGGER {TRIGGER}")


def rewrite_snapshots(
    connection,
    change: Callable,
    *,
    batch: int = 1000,
    after_id: int = 0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """`change(value)` over the before/after JSON of every event with id > after_id, a batch at a time, each batch
    in its own transaction with the trigger off; returns the events rewritten."""
    from django.db import transaction

    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    last, changed = after_id, 0
    while True:
        with transaction.atomic(using=connection.alias), history_rewrite(connection):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, before, after FROM audit_changeevent WHERE id > %s ORDER BY id LIMIT {int(batch)}",
                    [last],
                )
                rows = cursor.fetchall()
            if not rows:
                return changed
            updates = []
            for pk, before, after in rows:
                old = [json.loads(v) if isinstance(v, str) else v for v in (before, after)]
                new = [change(v) if v is not None else None for v in old]
                if new != old:
                    updates.append([*(json.dumps(v) if v is not None else None for v in new), pk])
            if updates:
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE audit_changeevent SET before = %s{cast}, after = %s{cast} WHERE id = %s",
                        updates,
                    )
            changed += len(updates)
            last = rows[-1][0]
        if progress is not None:
            progress(last)
