"""Fixtures shared by the whole suite: three agencies and users, as in healthchecks' owner / teammate /
outsider pattern — a prosecutor of the owning fiscalía, a colleague in the same fiscalía, and a prosecutor
of another fiscalía who must see nothing unless a case is shared."""

import pytest

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit.testing import let_test_flush_empty_the_audit_tables
from sistra.core.testing import AgencyFactory, UserFactory

# the audit tables refuse TRUNCATE on PostgreSQL; the flush after a transactional test may still empty them
let_test_flush_empty_the_audit_tables()


@pytest.fixture
def fiscalia(db):
    return AgencyFactory(code="fiscalia-cusco", name="FISTRAP Cusco", kind=Agency.Kind.FISCALIA)


@pytest.fixture
def other_fiscalia(db):
    return AgencyFactory(code="fiscalia-lima", name="FISTRAP Lima", kind=Agency.Kind.FISCALIA)


@pytest.fixture
def police_unit(db):
    return AgencyFactory(code="pnp-dirintrap", name="PNP DIRCTPTIM", kind=Agency.Kind.POLICE)


@pytest.fixture
def prosecutor(fiscalia):
    return UserFactory(username="fiscal", agency=fiscalia, role=Role.PROSECUTOR)


@pytest.fixture
def teammate(fiscalia):
    return UserFactory(username="colega", agency=fiscalia, role=Role.PROSECUTOR)


@pytest.fixture
def outsider(other_fiscalia):
    return UserFactory(username="ajeno", agency=other_fiscalia, role=Role.PROSECUTOR)


@pytest.fixture
def police_officer(police_unit):
    return UserFactory(username="policia", agency=police_unit, role=Role.POLICE)


@pytest.fixture
def analyst(db):
    agency = AgencyFactory(code="mininter-analisis", name="MININTER — Análisis", kind=Agency.Kind.MININTER)
    return UserFactory(username="analista", agency=agency, role=Role.ANALYST)


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Transactional tests (browser tests, live server) end with a flush that empties every table, reference
    data included; put it back for the next one. Ordinary tests roll back and keep the migrated data."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from sistra.core import reference
    from sistra.core.models import ProceduralStage

    if not ProceduralStage.objects.exists():
        reference.load_all(apps)
    from sistra.assistance.catalogue import load_service_types
    from sistra.assistance.models import ServiceType

    if not ServiceType.objects.exists():
        load_service_types(apps)


CELERY_TASKS = {
    "default": {
        "BACKEND": "django_tasks_celery.CeleryBackend",
        "QUEUES": ["default", "stats"],
        "OPTIONS": {"CELERY_APP": "config.celery.app"},
    }
}


@pytest.fixture
def celery_worker(settings, transactional_db):
    """The tasks on the Celery backend with a real Redis broker and a worker thread of this process (the tests
    marked `celery`; CI runs them with TASKS_BACKEND=celery against its Redis, on PostgreSQL). The worker has
    its own database connection, so these tests commit their data (transactional_db)."""
    import os

    from django.db import connection

    reason = None
    if os.environ.get("TASKS_BACKEND") != "celery":
        reason = "the Celery tests run with TASKS_BACKEND=celery (CI does)"
    elif connection.vendor != "postgresql":
        reason = "the Celery worker thread needs a database it can share: PostgreSQL"
    if reason:
        if os.environ.get("SISTRA_REQUIRE_CELERY"):
            pytest.fail(reason)
        pytest.skip(reason)

    from celery.contrib.testing.worker import start_worker

    from config.celery import app, register_django_tasks

    settings.TASKS = CELERY_TASKS
    register_django_tasks(app)
    # messages left by an earlier test (deferred ones wait in Redis until their time) must not reach this one
    _purge_celery_queues(app)
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=["default", "stats"], shutdown_timeout=30
    ):
        yield app
    _purge_celery_queues(app)


def _purge_celery_queues(app) -> None:
    with app.connection_for_write() as connection:
        for queue in ("default", "stats"):
            connection.default_channel.queue_purge(queue)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids and clocks repeat from test to test (rolled back, frozen), so
    a page kept under a statistics run or the clinic's figures could otherwise outlive the test that made it."""
    from django.core.cache import cache

    from sistra.core.choices import forget

    cache.clear()
    forget()  # reference lists kept by the process (rows rolled back with the test that made them)


@pytest.fixture(scope="session", autouse=True)
def _identity_url_guard():
    """Collect the identities of the test data as they are created (see sistra.core.url_guard)."""
    from sistra.core import url_guard

    url_guard.install()
    yield


def pytest_sessionfinish(session, exitstatus):
    from sistra.core import url_guard

    if url_guard.FOUND:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Printed last, after the counts, so that a log's tail says why a green run still failed."""
    from sistra.core import url_guard

    if url_guard.FOUND:
        terminalreporter.section("identity in a URL", red=True)
        terminalreporter.write_line(
            f"{len(url_guard.FOUND)} URL(s) carried a name, document or phone of the test data (first 50):"
        )
        for test, url, what in url_guard.FOUND[:50]:
            terminalreporter.write_line(f"  {test}: {url}  <- {what}", red=True)
