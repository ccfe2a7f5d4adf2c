"""Fast bulk writes of the aggregate tables: COPY on PostgreSQL (a million fact rows in seconds), batched
executemany INSERTs elsewhere. Rows are plain tuples; no model instance is built."""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction

BATCH = 5000


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert plain tuples, in the order of `fields` (model field names; a foreign key takes the raw id)."""
    meta_fields = [model._meta.get_field(f) for f in fields]
    columns = [f.column for f in meta_fields]
    count = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        json_columns = [i for i, f in enumerate(meta_fields) if isinstance(f, models.JSONField)]
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for i in json_columns:
                            row[i] = None if row[i] is None else json.dumps(row[i])
                    copy.write_row(row)
                    count += 1
        return count
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ("
        + ", ".join(connection.ops.quote_name(c) for c in columns)
        + ") VALUES ("
        + ", ".join(["%s"] * len(columns))
        + ")"
    )
    json_columns = [i for i, f in enumerate(meta_fields) if isinstance(f, models.JSONField)]
    batch: list[Sequence] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            if json_columns:
                row = list(row)
                for i in json_columns:
                    row[i] = None if row[i] is None else json.dumps(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
