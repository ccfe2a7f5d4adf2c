"""Test data builder for persons, shared by every app's tests."""

from .services import person_create


def make_person(*, actor, first_names: str = "María", last_name_paternal: str = "Quispe",
                last_name_maternal: str = "Mamani", **extra):
    return person_create(actor=actor, first_names=first_names, last_name_paternal=last_name_paternal,
                         last_name_maternal=last_name_maternal, **extra)
