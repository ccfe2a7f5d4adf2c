"""A campaign's calls are counted from the contacts' indexes alone (Index Only Scans): at the design scale a
national campaign is heard of in a quarter of a million calls, and each phase holds tens of thousands; reading
each contact to count it was 60–110 ms a count. PostgreSQL only: the plan is PostgreSQL's."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory, plan_without_scans
from sistra.hotline.services import contact_create
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
    # enough calls, over two months, for the planner to cost the indexes from statistics: on an empty table
    # every plan costs nothing and any index may be taken (CI's full run once took contact_status_idx)
    operator = UserFactory(
        username="operadora",
        agency=AgencyFactory(code="linea", name="Línea 0800", kind=Agency.Kind.HOTLINE),
        role=Role.HOTLINE_OPERATOR,
    )
    first = datetime.datetime(2026, 2, 1, 8, tzinfo=datetime.UTC)
    for n in range(300):
        start = first + datetime.timedelta(hours=5 * n)
        contact_create(
            actor=operator,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=5),
            category="information" if n % 7 else "non_substantive",
            non_substantive_reason="" if n % 7 else "hung_up",
            heard_campaign=campaign if n % 3 == 0 and n % 7 else None,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) hotline_contact")
    with CaptureQueriesContext(connection) as queries:
        calls_by_phase(campaign)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]

    assert len(counts) == 4  # before, during, after, heard of it
    for sql in counts:
        plan = plan_without_scans(sql)
        assert "Index Only Scan" in plan, plan
