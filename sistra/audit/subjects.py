"""The two kinds of record the audit screens name: a person, by pseudonym code, and a criminal case, by number.
The base app never imports a domain app: people and cases register their models here in AppConfig.ready()
(ADR 0170)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models

_MODELS: dict[str, type[models.Model]] = {}


def register_person_model(model: type[models.Model]) -> None:
    """The model whose rows are persons: a `uuid` and a pseudonym `code`."""
    _MODELS["person"] = model


def register_case_model(model: type[models.Model]) -> None:
    """The model whose rows are criminal cases: a `uuid` and a `number`."""
    _MODELS["case"] = model


def _model(kind: str) -> type[models.Model]:
    try:
        return _MODELS[kind]
    except KeyError:
        raise ImproperlyConfigured(f"No {kind} model registered with sistra.audit.subjects") from None


def person_model() -> type[models.Model]:
    return _model("person")


def case_model() -> type[models.Model]:
    return _model("case")
