# TRUNCATE empties a table without touching its rows one by one, so the row triggers of 0003 do not see it. A
# statement trigger BEFORE TRUNCATE refuses it for every role, the tables' owner included (docs/deployment.md;
# the revoked grant for the application's role stays as a second line).
from django.db import migrations

from sistra.core.migration_ops import PostgresOnlySQL

FUNCTION = """
CREATE OR REPLACE FUNCTION sistra_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def trigger(table):
    return PostgresOnlySQL(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION sistra_audit_no_truncate()",
        reverse_sql=f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_alter_accesslog_purpose")]

    operations = [
        PostgresOnlySQL(FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS sistra_audit_no_truncate() CASCADE"),
        trigger("audit_changeevent"),
        trigger("audit_accesslog"),
    ]
