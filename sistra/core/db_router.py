"""Reads that may go to a PostgreSQL streaming replica, and everything else to the primary (ADR 0190).

With no `replica` database configured (SQLite, or PostgreSQL without SISTRA_REPLICA_URL) every query goes to
`default` and nothing here changes behaviour. With one:

- writes, migrations and every query inside a transaction on the primary stay on the primary — a read in the
  same transaction as a write (the access log written beside the read it records, a service's checks) sees
  what that transaction wrote;
- a read goes to the replica only inside `replica_reads()`: the statistics pages, maps, reports and open data,
  their API, and an analyst's pages (the middleware below), and the exports that wrap themselves in it;
- a user whose own write is younger than SISTRA_READ_YOUR_WRITES_SECONDS reads from the primary, so a page
  shown after saving never lacks what was just saved (read-your-own-writes across the replica's lag).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"
# Not a secret: it only sends the user's own reads to the primary for a few seconds.
RECENT_WRITE_COOKIE = "sistra_primary_until"
# URL namespaces and API route names whose reads are statistics (aggregates, maps, reports, open data).
REPLICA_NAMESPACES = frozenset({"stats"})
REPLICA_URL_NAME_PREFIXES = ("api-stats-",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_reads: ContextVar[bool] = ContextVar("sistra_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let the reads inside this block go to the replica (statistics, exports). Writes never do."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Force the reads inside this block to the primary, e.g. a check that must see the latest row."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reading_from_replica() -> bool:
    return _replica_reads.get() and replica_configured() and not connections[PRIMARY].in_atomic_block


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        return REPLICA if reading_from_replica() else PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # both aliases hold the same database, one a physical copy of the other
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


def _recent_own_write(request) -> bool:
    try:
        return float(request.COOKIES.get(RECENT_WRITE_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def _statistics_view(resolver_match) -> bool:
    if resolver_match is None:
        return False
    if REPLICA_NAMESPACES.intersection(resolver_match.namespaces):
        return True
    return (resolver_match.url_name or "").startswith(REPLICA_URL_NAME_PREFIXES)


def _is_analyst(user) -> bool:
    from sistra.accounts.capabilities import Role  # accounts is a base app: allowed

    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == Role.ANALYST


class ReplicaReadsMiddleware:
    """Decides once per request whether its reads may go to the replica, and remembers a user's own writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # a worker thread serves many requests: start each one on the primary
        _replica_reads.set(False)
        response = self.get_response(request)
        if response.streaming:
            # a streamed export reads while its body is sent: back to the primary once it is closed
            response._resource_closers.append(lambda: _replica_reads.set(False))
        else:
            _replica_reads.set(False)
        if replica_configured() and request.method not in SAFE_METHODS and response.status_code < 400:
            seconds = settings.SISTRA_READ_YOUR_WRITES_SECONDS
            response.set_cookie(
                RECENT_WRITE_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            replica_configured()
            and request.method in SAFE_METHODS
            and not _recent_own_write(request)
            and (_statistics_view(request.resolver_match) or _is_analyst(request.user))
        ):
            _replica_reads.set(True)
        return None
