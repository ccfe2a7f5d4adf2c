# The history and the access log are append-only on PostgreSQL: a trigger refuses any UPDATE or DELETE,
# whoever the database user is. (Revoking TRUNCATE from the application's role is in docs/deployment.md.)
from django.db import migrations

from sistra.core.migration_ops import PostgresOnlySQL

FUNCTION = """
CREATE OR REPLACE FUNCTION sistra_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def trigger(table):
    return PostgresOnlySQL(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION sistra_audit_append_only()",
        reverse_sql=f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_access_log")]

    operations = [
        PostgresOnlySQL(FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS sistra_audit_append_only() CASCADE"),
        trigger("audit_changeevent"),
        trigger("audit_accesslog"),
    ]
