"""Test data builder for persons, shared by every app's tests."""

from .services import person_create


def make_person(*, actor, first_names: str = "María", last_name_paternal: str = "Quispe",
                last_name_maternal: str = "Mamani", **extra):
    return person_create(actor=actor, first_names=first_names, last_name_paternal=last_name_paternal,
                         last_name_maternal=last_name_maternal, **extra)


def first_names_key(first_names: str) -> str:
    """The keyed index of whole first names, as Person.first_names_key holds it."""
    from sistra.core.crypto import blind
    from sistra.core.text import normalize

    return blind("first-names", normalize(first_names))


def named(first_names: str):
    """A filter for persons by their whole first names (the names are encrypted: this goes by their index)."""
    from django.db.models import Q

    return Q(first_names_key=first_names_key(first_names))
