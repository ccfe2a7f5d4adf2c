"""Test-only guard: no name, document number or telephone of the test data in any URL the test client or the
live server (browser tests) is asked for, nor in any redirect. `RecordUrls` (added to MIDDLEWARE by
config/settings/test.py) checks every request; the identities it looks for are collected from the models as
the tests create them (signals, so the check costs no query and does not disturb query counts). The root
conftest.py fails the session if anything was found, listing the test and the URL."""

from __future__ import annotations

import os
import re
import threading
from urllib.parse import parse_qsl, unquote_plus

from sistra.core.text import normalize

MIN_NAME = 4  # shorter words ("Ana", "Eva") are too common in paths and parameters to tell apart
_lock = threading.Lock()
NAMES: set[str] = set()
NUMBERS: set[str] = set()
FOUND: list[tuple[str, str, str]] = []  # (test, url, what)
_installed = False
_WORD = re.compile(r"[a-z0-9]+")


def _digits(text: str) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def remember_name(*parts: str) -> None:
    with _lock:
        for part in parts:
            for word in _WORD.findall(normalize(part or "")):
                if len(word) >= MIN_NAME and not word.isdigit():
                    NAMES.add(word)


def remember_number(number: str) -> None:
    digits = _digits(number)
    if len(digits) >= 6:
        with _lock:
            NUMBERS.add(digits)


_ROUTE_WORDS: set[str] = set()


def _route_words() -> set[str]:
    """The literal words of every URL pattern (converters left out), read once from the URLconf."""
    if not _ROUTE_WORDS:
        from django.urls import get_resolver

        def walk(patterns):
            for entry in patterns:
                literal = re.sub(r"<[^>]+>|\(\?P<[^>]+>[^)]*\)", " ", str(entry.pattern))
                _ROUTE_WORDS.update(_WORD.findall(normalize(literal)))
                walk(getattr(entry, "url_patterns", []))

        walk(get_resolver().url_patterns)
    return _ROUTE_WORDS


def findings(url: str) -> list[str]:
    # the path and the values of the query (a parameter's name, "persona", is no one's name)
    path, _, query = (url or "").partition("?")
    query = query.partition("#")[0]
    values = " ".join(value for _name, value in parse_qsl(query, keep_blank_values=True))
    text = " ".join([unquote_plus(path), values])
    # a word the URLconf itself spells ("/personas/nueva/", or that path in a ?next=) is the interface's, whoever
    # is also called so
    route = _route_words()
    words = [w for w in _WORD.findall(normalize(text)) if w not in route]
    found = [w for w in words if w in NAMES]
    digit_runs = re.findall(r"\d[\d\s\-]{4,}\d", text)
    found += [d for d in {_digits(r) for r in digit_runs} if d in NUMBERS]
    return found


_deliberate = 0  # process-wide, not per thread: a browser test's request is served by the live server's thread


class deliberate:
    """`with url_guard.deliberate():` — an attack test forging a URL with a name on purpose (to prove it is a
    404, or that a `next=javascript:…` is refused); such a URL is not one the interface produces, so it is not
    recorded. Tests run one at a time, so while the block lasts no other test's request is being served."""

    def __enter__(self):
        global _deliberate
        with _lock:
            _deliberate += 1

    def __exit__(self, *exc):
        global _deliberate
        with _lock:
            _deliberate -= 1


def record(url: str, where: str) -> None:
    if _deliberate:
        return
    what = findings(url)
    if what:
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
        with _lock:
            FOUND.append((test, f"{where}: {url}", ", ".join(sorted(set(what)))))


def install() -> None:
    """Connect the collectors (once): persons, aliases, documents, and any model with a phone field."""
    global _installed
    if _installed:
        return
    _installed = True
    from django.apps import apps
    from django.db.models.signals import post_save

    def on_save(sender, instance, **kwargs):
        label = sender._meta.label_lower
        if label == "people.person":
            remember_name(instance.first_names, instance.last_name_paternal, instance.last_name_maternal)
        elif label == "people.personalias":
            remember_name(instance.alias)
        elif label == "people.identitydocument":
            remember_number(instance.number)
        for field in ("phone", "phone_number", "caller_phone", "telefono"):
            value = getattr(instance, field, None)
            if isinstance(value, str):
                remember_number(value)

    for model in apps.get_models():
        post_save.connect(on_save, sender=model, weak=False, dispatch_uid=f"url_guard:{model._meta.label}")

    # services and seeds insert documents and persons in bulk, which sends no signal
    from django.db.models.query import QuerySet

    original = QuerySet.bulk_create

    def bulk_create(self, objs, *args, **kwargs):
        created = original(self, objs, *args, **kwargs)
        for obj in created:
            on_save(type(obj), obj)
        return created

    QuerySet.bulk_create = bulk_create


class RecordUrls:
    def __init__(self, get_response):
        install()
        self.get_response = get_response

    def __call__(self, request):
        record(request.get_full_path(), request.method)
        response = self.get_response(request)
        location = response.get("Location") if hasattr(response, "get") else None
        if location:
            record(location, "redirect")
        return response
