"""A condition whose SQL is compiled once per process and reused (ADR 0225).

Some conditions are large trees of EXISTS built from several apps (who may see a person's identity: own,
shared, parties of visible cases, hotline contacts, assistance). Django builds, resolves and compiles such a
tree in 10–20 ms each time it is asked, while PostgreSQL plans and runs it in a few. When the tree depends only
on a few values known before the query (the agency and the role, never the database's rows nor the clock), the
SQL it compiles to depends only on those values and on where it is placed: the database and the alias of the
table it tests. `KeptCondition` compiles it there the first time and gives the same SQL and parameters after.

Who builds a kept condition promises: the builder reads nothing from the database (a row read while building
would be frozen in the SQL) and uses the database's clock (`Now()`) rather than Python's (a parameter holding
the time would be frozen too). The second promise is checked: a condition is kept only when built and compiled
twice it gives the same SQL and parameters, none of them a date or a time. Tests check the first for every
builder (no query while building).
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.db.models import BooleanField, Expression, Q

# compiled conditions kept per process, the least recently used forgotten first
MAX_KEPT = 2048

_kept: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
_lock = threading.Lock()


def forget() -> None:
    """Empty the keeper (tests; a deployment that changes a rule restarts its processes anyway)."""
    with _lock:
        _kept.clear()


def kept_count() -> int:
    return len(_kept)


class KeptCondition(Expression):
    """`Q(KeptCondition(model, key, build))` filters a query of `model` like `build()` would. `key` must name
    everything `build` depends on."""

    conditional = True

    def __init__(self, model, key: Hashable, build: Callable[[], Q]):
        super().__init__(output_field=BooleanField())
        self.model = model
        self.key = (model._meta.label, key)
        self.build = build

    def __repr__(self):
        return f"{self.__class__.__name__}({self.key!r})"

    @property
    def identity(self):
        return (self.__class__, self.key)

    def __eq__(self, other):
        return isinstance(other, KeptCondition) and other.key == self.key

    def __hash__(self):
        return hash((self.__class__, self.key))

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        copy = self.copy()
        copy.is_summary = summarize
        return copy

    def get_group_by_cols(self):
        return []

    def as_sql(self, compiler, connection):
        query = compiler.query
        if query.model is not self.model:
            raise TypeError(f"{self!r} filters {self.model._meta.label}, not {query.model._meta.label}")
        # what the compiled SQL depends on besides the key: the database, the alias of the table tested (another
        # when the query is itself a subquery) and the query's alias prefix (its subqueries take the next one)
        place = (connection.alias, connection.vendor, query.alias_prefix, query.get_initial_alias())
        whole = (self.key, place)
        with _lock:
            found = _kept.get(whole)
            if found is not None:
                _kept.move_to_end(whole)
        if found is not None:
            return found
        sql, params = self._compile(compiler, query)
        # kept only when built twice it compiles to the same (a builder that reads Python's clock does not) and no
        # parameter is a date or a time (the day would be frozen; SQLite's are strings by then, PostgreSQL's not)
        if (sql, params) == self._compile(compiler, query) and not any(
                isinstance(p, datetime.date | datetime.time) for p in params):
            with _lock:
                _kept[whole] = (sql, params)
                while len(_kept) > MAX_KEPT:
                    _kept.popitem(last=False)
        return sql, params

    def _compile(self, compiler, query) -> tuple[str, tuple]:
        sql, params = compiler.compile(query.build_where(self.build()))
        # a condition that matches everything compiles to nothing
        return (f"({sql})" if sql else "1 = 1"), tuple(params)
