"""Pages of the statistics part kept, once rendered, for as long as their aggregates run is the current one.

Every figure of the dashboard, the map and the annual report comes from the stored aggregates of one run
(sistra.stats.aggregation): until the next refresh, the same filters give the same page. Rendering it was most of
its time at the design scale (the dashboard is ~330 KB: 50 blocks, four maps; ~90 ms), so the rendered part is
kept in the cache under the run, the filters, the language and whatever the user's role changes in it (links to
the case list). Aggregates hold no identities; nothing of a person is ever kept here. A new run is a new key:
nothing is invalidated, old entries expire."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# a day: a run is normally replaced every night
TIMEOUT = 24 * 3600


def run_key(run, parts: tuple) -> str:
    raw = repr((run.pk, run.started_at.isoformat(), run.status, get_language(), *parts))
    return "stats-page:" + hashlib.sha256(raw.encode()).hexdigest()


def run_cached[T](run, parts: tuple, build: Callable[[], T]) -> T:
    """What `build` makes for this run and these parts: from the cache, else built and kept. Without a run
    (no statistics yet) it is built every time."""
    if run is None:
        return build()
    key = run_key(run, parts)
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, TIMEOUT)
    return found


def rendered_for_run(run, parts: tuple, template: str, context: Callable[[], dict], request) -> SafeString:
    """`template` rendered with what `context` builds, once per run and parts (the page's key, its filters and
    whatever the user's role changes in it)."""
    html = run_cached(run, parts, lambda: str(render_to_string(template, context(), request=request)))
    return mark_safe(html)  # noqa: S308 — rendered by the template engine, escaped there
