# Trigram indexes make substring search on normalised names fast on PostgreSQL; SQLite scans.
from django.db import migrations

from sistra.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial"), ("cases", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS person_search_trgm ON people_person USING gin (search_key gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS person_search_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS alias_key_trgm ON people_personalias USING gin (alias_key gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS alias_key_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS case_number_trgm ON cases_case USING gin (UPPER(number) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS case_number_trgm",
        ),
    ]
