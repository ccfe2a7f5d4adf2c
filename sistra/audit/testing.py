"""For the test suite only: the flush that ends each transactional test (live server, browser tests) empties
every table with TRUNCATE, which the audit tables refuse on PostgreSQL (migration audit/0004). The test
database's owner switches the refusing triggers off around that flush and back on in the same transaction;
nothing else does, and production never imports this module."""

AUDIT_TABLES = ("audit_changeevent", "audit_accesslog")


def let_test_flush_empty_the_audit_tables() -> None:
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    if getattr(original, "lets_audit_truncate", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        audit = [table for table in AUDIT_TABLES if table in tables]
        if not statements or not audit:
            return statements
        off = [f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate;" for table in audit]
        on = [f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate;" for table in audit]
        return off + statements + on

    sql_flush.lets_audit_truncate = True
    DatabaseOperations.sql_flush = sql_flush
