"""Migration operations that use a PostgreSQL feature where it exists and do nothing elsewhere (SQLite
gets the plain LIKE fallback of the same query)."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def rewrite_rows(connection, table: str, columns: list[str], change, *, batch: int = 2000) -> int:
    """Read (id, *columns) of every row of a table, `change(row)` → {column: new value}, and write those back,
    a batch of ids at a time: the migrations that encrypt existing identifiers (sistra.core.crypto) use it with
    raw SQL, since the models of the migration state already expect ciphertext. Returns the rows changed."""
    quote = connection.ops.quote_name
    select = f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)} WHERE id > %s ORDER BY id"
    last, changed = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"{select} LIMIT {int(batch)}", [last])
            rows = cursor.fetchall()
        if not rows:
            return changed
        updates: dict[tuple, list] = {}
        for row in rows:
            values = change(dict(zip(["id", *columns], row, strict=True)))
            if values:
                names = tuple(sorted(values))
                updates.setdefault(names, []).append([*(values[n] for n in names), row[0]])
        with connection.cursor() as cursor:
            for names, params in updates.items():
                assignments = ", ".join(f"{quote(n)} = %s" for n in names)
                cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s", params)
                changed += len(params)
        last = rows[-1][0]


def encrypt_columns(table: str, columns: list[str], derive=None) -> migrations.RunPython:
    """A migration step encrypting the existing plain values of `columns` (sistra.core.crypto); `derive(row)`
    may add keyed indexes computed from the plain row."""

    def forwards(apps, schema_editor):
        from sistra.core.crypto import encrypt

        def change(row):
            values = {c: encrypt(row[c]) if row[c] else row[c] for c in columns}
            if derive is not None:
                values.update(derive(row))
            return values

        rewrite_rows(schema_editor.connection, table, columns, change)

    def backwards(apps, schema_editor):
        from sistra.core.crypto import decrypt

        rewrite_rows(
            schema_editor.connection, table, columns, lambda row: {c: decrypt(row[c]) if row[c] else row[c] for c in columns}
        )

    return migrations.RunPython(forwards, backwards, elidable=False)


def rewrite_json_rows(connection, table: str, columns: list[str], change, *, batch: int = 1000) -> int:
    """rewrite_rows for JSON columns: `change(value)` on each decoded value (None stays None); PostgreSQL gets
    the new text cast back to jsonb."""
    import json

    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    quote = connection.ops.quote_name
    select = f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)} WHERE id > %s ORDER BY id"
    assignments = ", ".join(f"{quote(c)} = %s{cast}" for c in columns)
    last, changed = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"{select} LIMIT {int(batch)}", [last])
            rows = cursor.fetchall()
        if not rows:
            return changed
        updates = []
        for pk, *values in rows:
            old = [json.loads(v) if isinstance(v, str) else v for v in values]
            new = [None if v is None else change(v) for v in old]
            if new != old:
                updates.append([*(None if v is None else json.dumps(v) for v in new), pk])
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s", updates)
            changed += len(updates)
        last = rows[-1][0]


def encrypt_json_columns(table: str, columns: list[str]) -> migrations.RunPython:
    """A migration step encrypting existing JSON values as a whole ({"$enc": token}, EncryptedJSONField)."""

    def forwards(apps, schema_editor):
        import json

        from sistra.core.crypto import ENCRYPTED_MARK, encrypt

        rewrite_json_rows(schema_editor.connection, table, columns,
                          lambda v: {ENCRYPTED_MARK: encrypt(json.dumps(v, ensure_ascii=False))})

    def backwards(apps, schema_editor):
        from sistra.core.crypto import open_values

        rewrite_json_rows(schema_editor.connection, table, columns, open_values)

    return migrations.RunPython(forwards, backwards, elidable=False)
