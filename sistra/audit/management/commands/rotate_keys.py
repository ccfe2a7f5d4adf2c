"""Re-encrypt every encrypted value under the newest data key, in batches, with progress.

    python -m sistra.core.keyfile add-key var/keys.json   # 1. a new key first in the list, the old ones kept
    sistra rotate_keys                                    # 2. every value re-encrypted under it
    (3. once it reports nothing left, drop the old key from the list)

Safe to interrupt and run again: a value already under the newest key is skipped, and while the old key is in
the list every value, rotated or not, stays readable — nothing is ever unreadable half-way."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from sistra.audit.models import ChangeEvent
from sistra.audit.reencrypt import rewrite_snapshots
from sistra.core import crypto
from sistra.core.migration_ops import rewrite_json_rows


def encrypted_columns():
    """(table, [text columns], [JSON columns]) of every model with encrypted fields; the change history's sealed
    snapshots are rewritten on their own (append-only, audit.reencrypt)."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model is ChangeEvent:
            continue
        fields = model._meta.local_concrete_fields
        text = [f.column for f in fields if isinstance(f, crypto.Encrypted)]
        json_columns = [f.column for f in fields if isinstance(f, crypto.EncryptedJSONField | crypto.SealedJSONField)]
        if text or json_columns:
            yield model._meta.db_table, text, json_columns


class Command(BaseCommand):
    help = "Vuelve a cifrar todos los datos cifrados con la clave de cifrado más reciente, por lotes."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, batch: int, database: str, **options):
        crypto.reset_keys()
        connection = connections[database]
        total = 0
        for table, columns, json_columns in encrypted_columns():
            rotated = self._table(connection, table, columns, batch) if columns else 0
            if json_columns:
                rotated += rewrite_json_rows(connection, table, json_columns, crypto.rotate_values, batch=batch)
            total += rotated
            self.stdout.write(f"{table}: {rotated} filas cifradas de nuevo")
        events = rewrite_snapshots(
            connection,
            crypto.rotate_values,
            batch=batch,
            progress=lambda last: self.stdout.write(f"  historial: hasta el id {last}"),
        )
        self.stdout.write(f"audit_changeevent: {events} cambios cifrados de nuevo")
        with transaction.atomic(using=database):
            crypto.write_canary(database)
        self.stdout.write(self.style.SUCCESS(f"Rotación terminada: {total + events} filas con la clave nueva."))

    def _table(self, connection, table: str, columns: list[str], batch: int) -> int:
        """Row by row outside one long transaction: an interruption keeps what was done, and a second run
        skips it (values already under the newest key)."""
        from sistra.core.migration_ops import rewrite_rows

        def change(row):
            return {
                column: crypto.rotate(row[column])
                for column in columns
                if row[column] and not crypto.under_primary(row[column])
            }

        return rewrite_rows(connection, table, columns, change, batch=batch)
