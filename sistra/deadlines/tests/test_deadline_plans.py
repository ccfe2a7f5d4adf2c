"""The counts of "mis plazos" are answered from the active-deadline indexes alone (an Index Only Scan): at the
design scale a big fiscalía has tens of thousands of active cases due within 30 days, and reading each case to
count it was 20–80 ms a count. PostgreSQL only: the plan is PostgreSQL's."""

import datetime

import pytest
from django.db import connection

from sistra.cases.testing import make_case
from sistra.core.testing import plan_without_scans
from sistra.deadlines import selectors

pytestmark = [
    # committed and vacuumed, as a table in service is: the visibility map is what makes a scan index-only
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="el plan es de PostgreSQL"),
]

TODAY = datetime.date(2026, 3, 2)


def _captured(callable_):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        callable_()
    return [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def cases(prosecutor, teammate):
    # enough cases, of two prosecutors, for the planner to cost the indexes from statistics: on a nearly empty
    # table every plan costs nothing and any index may be taken
    for i in range(40):
        make_case(actor=prosecutor if i % 2 else teammate, number=f"C-{i}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) cases_case")


def assert_index_only(plan: str) -> None:
    assert "Index Only Scan using case_active_" in plan, plan
    assert "Seq Scan" not in plan and " Index Scan" not in plan.replace("Index Only Scan", ""), plan


def test_the_prosecutors_counts_read_only_the_index(prosecutor, cases):
    sql = [s for s in _captured(lambda: selectors.my_deadlines(prosecutor, today=TODAY)) if "COUNT(" in s]
    assert len(sql) == 1
    assert_index_only(plan_without_scans(sql[0]))


def test_the_fiscalias_counts_and_load_read_only_the_index(prosecutor, cases):
    sql = _captured(lambda: selectors.fiscalia_deadlines(prosecutor.agency, today=TODAY))
    sql += _captured(lambda: selectors.fiscalia_load(prosecutor.agency, today=TODAY))
    counts = [s for s in sql if "COUNT(" in s]
    assert len(counts) == 2
    for statement in counts:
        assert_index_only(plan_without_scans(statement))
