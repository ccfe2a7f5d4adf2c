"""Drop-down lists of reference data read once, not on every page (ADR 0223).

A list page's filter form asks for the distritos fiscales, the procedural stages, the forms of exploitation and
the departamentos; a case page's forms for the countries, the articles and the agencies. Read and turned into
model instances on every request, the case list's filter form alone cost 5 queries and about 200 instances,
half of its rendering time. These tables change a few times a year, through the reference loaders or an
administrator.

`reference_rows(queryset)` keeps the rows of a queryset over a reference model for `TTL` seconds, keyed by the
database and the statement with its parameters (a list narrowed to an agency is kept apart from the whole
list). A save or a delete of a reference row empties the keeper in the process that made it; other processes
see it within `TTL`. `ReferenceChoiceIterator` is the iterator of every ModelChoiceField (set in
CoreConfig.ready): it takes reference querysets from the keeper and leaves every other queryset (persons,
cases, providers…) to Django. A submitted choice is still checked against the database by the field.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator

# app_label.model_name of the tables that are reference data
REFERENCE_MODELS = frozenset({
    "core.ubigeo",
    "core.country",
    "core.distritofiscal",
    "core.penalarticle",
    "core.term",
    "core.proceduralstage",
    "accounts.agency",
    "assistance.servicetype",
})
TTL = 60.0  # seconds a list is kept by a process that did not change it
MAX_LISTS = 512  # distinct statements kept before the keeper starts again

_lock = threading.Lock()
_kept: dict[tuple, tuple[float, list]] = {}


def is_reference(model) -> bool:
    return model._meta.label_lower in REFERENCE_MODELS


def reference_rows(queryset: QuerySet) -> list:
    """The rows of a queryset over a reference model, read at most once per TTL."""
    sql, params = queryset.query.sql_with_params()
    return _keep((queryset.db, sql, params), lambda: queryset)


def named_rows(name: str, make: Callable[[], QuerySet]) -> list:
    """The rows of the queryset `make()` returns, kept under a name rather than its statement: for a list a
    form builds on every request (the departamentos), whose statement need not be compiled to be found."""
    return _keep(("named", name), make)


def _keep(key: tuple, make: Callable[[], QuerySet]) -> list:
    now = time.monotonic()
    kept = _kept.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    queryset = make()
    if not is_reference(queryset.model):
        raise ValueError(f"{queryset.model._meta.label} no es un dato de referencia")
    rows = list(queryset)
    with _lock:
        if len(_kept) >= MAX_LISTS:
            _kept.clear()
        _kept[key] = (now + TTL, rows)
    return rows


def forget(**_kwargs) -> None:
    """Empty the keeper: a reference row was saved or deleted (connected to the models' signals)."""
    with _lock:
        _kept.clear()


def departments_by_name() -> QuerySet:
    from .models import Ubigeo

    return Ubigeo.objects.filter(level=Ubigeo.Level.DEPARTAMENTO).order_by("name")


class ReferenceChoiceIterator(ModelChoiceIterator):
    def _rows(self):
        queryset = self.queryset
        if not is_reference(queryset.model):
            return None
        # a widget asks for its choices more than once (their truth, then the options): the statement that
        # keys them is compiled once per field and queryset
        memo = self.field.__dict__.get("_reference_rows")
        if memo is not None and memo[0] is queryset:
            return memo[1]
        rows = reference_rows(queryset)
        self.field.__dict__["_reference_rows"] = (queryset, rows)
        return rows

    def __iter__(self):
        rows = self._rows()
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in rows:
            yield self.choice(obj)

    def __len__(self):
        rows = self._rows()
        if rows is None:
            return super().__len__()
        return len(rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        rows = self._rows()
        if rows is None:
            return super().__bool__()
        return self.field.empty_label is not None or bool(rows)


def connect() -> None:
    """Use the keeper for every model choice field, and empty it whenever a reference row changes."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save
    from django.forms import ModelChoiceField

    ModelChoiceField.iterator = ReferenceChoiceIterator
    for label in REFERENCE_MODELS:
        model = apps.get_model(label)
        post_save.connect(forget, sender=model, dispatch_uid=f"choices-forget-save-{label}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"choices-forget-delete-{label}")
