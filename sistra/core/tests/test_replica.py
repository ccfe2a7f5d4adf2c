"""The database router (sistra/core/db_router.py): which reads may go to the replica, and — marked `replica`,
run by CI against a real PostgreSQL streaming replica started with .ci/start-replica — that they do."""

import os
import time

import dj_database_url
import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sistra.accounts.models import Agency
from sistra.core import db_router
from sistra.core.db_router import PrimaryReplicaRouter, primary_reads, replica_reads

router = PrimaryReplicaRouter()


@pytest.fixture
def with_replica_alias(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


# --- the routing rules (no replica needed) ----------------------------------------------------------------


def test_without_a_replica_everything_goes_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: False)
    with replica_reads():
        assert router.db_for_read(Agency) == "default"


def test_reads_go_to_the_replica_only_inside_replica_reads(with_replica_alias):
    assert router.db_for_read(Agency) == "default"
    with replica_reads():
        assert router.db_for_read(Agency) == "replica"
        with primary_reads():
            assert router.db_for_read(Agency) == "default"
        assert router.db_for_read(Agency) == "replica"
    assert router.db_for_read(Agency) == "default"


def test_writes_and_migrations_always_go_to_the_primary(with_replica_alias):
    with replica_reads():
        assert router.db_for_write(Agency) == "default"
    assert router.allow_migrate("default", "accounts")
    assert not router.allow_migrate("replica", "accounts")


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_on_the_primary_stays_on_the_primary(with_replica_alias):
    with replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Agency) == "default"
        assert router.db_for_read(Agency) == "replica"


# --- against a real streaming replica ---------------------------------------------------------------------

REPLICA_URL = os.environ.get("SISTRA_REPLICA_URL")
# without a replica alias the tests below are skipped by their fixture; the marker must still be valid
WITH_REPLICA = ["default", "replica"] if "replica" in settings.DATABASES else ["default"]


@pytest.fixture
def real_replica():
    """The `replica` alias pointed at the standby's copy of the test database. Django treats the alias as a
    test mirror of `default` (settings), which would send it to the primary; here it goes to the standby."""
    if not REPLICA_URL or "replica" not in connections.settings:
        if os.environ.get("SISTRA_REQUIRE_REPLICA"):
            pytest.fail("SISTRA_REPLICA_URL is not set: start one with .ci/start-replica")
        pytest.skip("no streaming replica (SISTRA_REPLICA_URL); CI starts one")
    target = dj_database_url.parse(REPLICA_URL)
    replica = connections["replica"]
    saved = replica.settings_dict
    replica.close()
    replica.settings_dict = {
        **saved,
        "HOST": target["HOST"],
        "PORT": target["PORT"],
        "NAME": connections["default"].settings_dict["NAME"],
    }
    yield replica
    replica.close()
    replica.settings_dict = saved


def wait_until_replicated(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=WITH_REPLICA)
def test_the_replica_is_a_standby_of_the_primary(real_replica):
    with real_replica.cursor() as cursor:
        cursor.execute("select pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    with connections["default"].cursor() as cursor:
        cursor.execute("select pg_is_in_recovery()")
        assert cursor.fetchone()[0] is False


@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=WITH_REPLICA)
def test_a_committed_write_on_the_primary_reaches_the_replica(real_replica):
    Agency.objects.create(code="replicada", name="Institución replicada", kind=Agency.Kind.NGO)

    assert wait_until_replicated(lambda: Agency.objects.using("replica").filter(code="replicada").exists())


@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=WITH_REPLICA)
def test_a_write_inside_replica_reads_goes_to_the_primary(real_replica):
    with replica_reads():
        agency = Agency.objects.create(code="escrita", name="Escrita en el primario", kind=Agency.Kind.NGO)
    assert Agency.objects.using("default").filter(pk=agency.pk).exists()


@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=WITH_REPLICA)
def test_an_analyst_reads_statistics_from_the_replica(real_replica, client, analyst):
    from sistra.stats.aggregation import refresh_aggregates
    from sistra.stats.models import AggregateRun

    run = refresh_aggregates()
    assert wait_until_replicated(lambda: AggregateRun.objects.using("replica").filter(pk=run.pk).exists())
    client.force_login(analyst)

    with (
        CaptureQueriesContext(real_replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("stats:dashboard"))

    assert response.status_code == 200
    assert any("stats_" in query["sql"] for query in on_replica.captured_queries)
    assert not any("stats_" in query["sql"] for query in on_primary.captured_queries)


@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=WITH_REPLICA)
def test_after_their_own_write_a_user_reads_from_the_primary(real_replica, client, analyst):
    client.force_login(analyst)
    written = client.post(reverse("set_language"), {"language": "es-pe", "next": reverse("stats:dashboard")})
    assert written.status_code == 302
    assert db_router.RECENT_WRITE_COOKIE in written.cookies

    with CaptureQueriesContext(real_replica) as on_replica:
        response = client.get(reverse("stats:dashboard"))

    assert response.status_code == 200
    assert on_replica.captured_queries == []
