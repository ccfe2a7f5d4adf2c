"""A campaign's calls are counted from the contacts' indexes alone (Index Only Scans): at the design scale a
national campaign is heard of in a quarter of a million calls, and each phase holds tens of thousands; reading
each contact to count it was 60–110 ms a count. PostgreSQL only: the plan is PostgreSQL's."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sistra.prevention import services
from sistra.prevention.figures import calls_by_phase

pytestmark = [
    # committed and vacuumed, as a table in service is: the visibility map is what makes a scan index-only
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="el plan es de PostgreSQL"),
]


def test_every_count_of_the_campaign_page_reads_only_an_index(officer):
    campaign = services.campaign_create(
        actor=officer,
        name="Llama y Vive",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 10),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) hotline_contact")
    with CaptureQueriesContext(connection) as queries:
        calls_by_phase(campaign)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]

    assert len(counts) == 4  # before, during, after, heard of it
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        for sql in counts:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Only Scan" in plan, plan
        cursor.execute("RESET ALL")
