"""The change history and the access log are append-only on PostgreSQL: the application's database user can
add rows but neither change nor remove them, by the ORM or by raw SQL (migration audit/0003_append_only)."""

import pytest
from django.db import DatabaseError, connection, transaction

from sistra.audit.models import AccessLog, ChangeEvent
from sistra.audit.services import log_access
from sistra.people.testing import make_person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the append-only triggers exist only on PostgreSQL (SQLite is the single-user development "
               "database); run with DATABASE_URL=postgres://… to prove them",
    ),
]

TABLES = ["audit_changeevent", "audit_accesslog"]


@pytest.fixture
def rows(prosecutor):
    person = make_person(actor=prosecutor)  # writes a ChangeEvent
    log_access(actor=prosecutor, instance=person, fields=["first_names"], purpose="case_work")
    return person


def _refused(sql: str, params=()):
    with pytest.raises(DatabaseError) as caught:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert "append-only" in str(caught.value)


@pytest.mark.parametrize("table", TABLES)
def test_a_raw_update_is_refused(rows, table):
    column = "summary" if table == "audit_changeevent" else "detail"

    _refused(f"UPDATE {table} SET {column} = %s", ["alterado"])

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", ["alterado"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize("table", TABLES)
def test_a_raw_delete_is_refused(rows, table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        before = cursor.fetchone()[0]
    assert before >= 1

    _refused(f"DELETE FROM {table}")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == before


@pytest.mark.parametrize(("model", "column"), [(ChangeEvent, "summary"), (AccessLog, "detail")])
def test_the_orm_cannot_change_or_remove_a_row_either(rows, model, column):
    row = model.objects.first()

    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: "alterado"})
    with pytest.raises(DatabaseError), transaction.atomic():
        row.delete()
    assert model.objects.filter(pk=row.pk).exists()


def test_rows_can_still_be_added(rows, prosecutor):
    before = AccessLog.objects.count()

    log_access(actor=prosecutor, instance=rows, fields=["first_names"], purpose="case_work")

    assert AccessLog.objects.count() == before + 1


def test_the_application_user_is_the_one_refused(rows):
    # the triggers fire for whoever runs the statement, the role the application connects with included
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        user = cursor.fetchone()[0]
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid IN ('audit_changeevent'::regclass, "
                       "'audit_accesslog'::regclass) AND NOT tgisinternal ORDER BY tgname")
        triggers = [name for (name,) in cursor.fetchall()]
    assert user
    assert triggers == ["audit_accesslog_append_only", "audit_accesslog_no_truncate",
                        "audit_changeevent_append_only", "audit_changeevent_no_truncate"]
    _refused("DELETE FROM audit_accesslog")


@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused_even_to_the_tables_owner(rows, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = %s", [table])
        assert cursor.fetchone()[0] is True  # the test runs as the owner: no missing grant is what stops it
        cursor.execute(f"SELECT count(*) FROM {table}")
        before = cursor.fetchone()[0]
        # the rows were written in this test's transaction: their foreign keys are checked now, not at commit
        # (PostgreSQL refuses a TRUNCATE with checks pending, before any trigger is asked)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert before >= 1

    _refused(f"TRUNCATE {table}")
    _refused(f"TRUNCATE {table} CASCADE")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == before


def test_a_transactional_test_can_still_empty_the_audit_tables_after_itself():
    """Django's flush (tests only: sistra/audit/testing.py) lifts the refusal for its own TRUNCATE and puts it
    back in the same transaction."""
    from django.core.management.color import no_style

    statements = connection.ops.sql_flush(no_style(), ["audit_accesslog", "audit_changeevent"])

    assert statements[0].startswith("ALTER TABLE audit_changeevent DISABLE TRIGGER audit_changeevent_no_truncate")
    assert statements[-1].startswith("ALTER TABLE audit_accesslog ENABLE TRIGGER audit_accesslog_no_truncate")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE %s AND tgenabled = 'O'", ["%_no_truncate"])
        assert cursor.fetchone()[0] == 2
