"""Every write to the person registry. Each records its change history in the same transaction."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.models import Country
from sistra.core.validation import ConflictError, check_not_future, fmt, raise_if, today

from .indexes import document_index
from .models import IdentityDocument, Person, PersonAlias, new_person_code
from .validators import clean_dni

MAX_AGE = 120
NAME_FIELDS = ("first_names", "last_name_paternal", "last_name_maternal")
PERSON_FIELDS = (
    "first_names", "last_name_paternal", "last_name_maternal", "sex", "date_of_birth", "estimated_age",
    "age_estimated_on", "nationality", "ubigeo_origin", "country_origin", "ubigeo_residence", "notes",
)


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    number: str
    country: Country | None = None


def _clean_person_fields(fields: dict) -> None:
    errors: dict = {}
    if not (fields.get("first_names") or "").strip():
        errors.setdefault("first_names", []).append(_("Indique los nombres de la persona."))
    check_not_future(errors, "date_of_birth", fields.get("date_of_birth"), _("La fecha de nacimiento"))
    check_not_future(errors, "age_estimated_on", fields.get("age_estimated_on"), _("La fecha de estimación de edad"))
    age = fields.get("estimated_age")
    if age is not None and not 0 <= age <= MAX_AGE:
        errors.setdefault("estimated_age", []).append(_("La edad estimada debe estar entre 0 y 120 años."))
    dob = fields.get("date_of_birth")
    if dob and _years_between(dob, today()) > MAX_AGE:
        errors.setdefault("date_of_birth", []).append(
            _("La fecha de nacimiento (%(date)s) daría una edad mayor de 120 años.") % {"date": fmt(dob)}
        )
    raise_if(errors)


def _years_between(earlier: datetime.date, later: datetime.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _clean_documents(documents: list[DocumentInput], *, actor: Actor, person: Person | None = None) -> list[DocumentInput]:
    """Shape and repeats. A document already held by a person whose identity the user sees is refused (the
    user can open that record instead); held by anyone else it is accepted without a word, and the linkage
    sends the pair to a data steward — a refusal would tell the user that person is in SISTRA."""
    from .access import identity_persons

    cleaned, errors, seen = [], [], set()
    for doc in documents:
        number = (doc.number or "").strip().upper()
        if not number:
            continue
        if doc.kind not in IdentityDocument.Kind.values:
            errors.append(_("Tipo de documento no válido."))
            continue
        if doc.kind == IdentityDocument.Kind.DNI:
            try:
                number = clean_dni(number)
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
        # the same document twice in one form would otherwise fail later on the unique constraint
        key = (doc.kind, number, None if doc.kind == IdentityDocument.Kind.DNI else getattr(doc.country, "pk", None))
        if key in seen:
            errors.append(_("El documento %(kind)s %(number)s está repetido.")
                          % {"kind": IdentityDocument.Kind(doc.kind).label, "number": number})
            continue
        seen.add(key)
        existing = IdentityDocument.objects.filter(number_index=document_index(doc.kind, number),
                                                   person__in=identity_persons(actor).values("pk"))
        if doc.kind != IdentityDocument.Kind.DNI:
            existing = existing.filter(country=doc.country)
        if person is not None:
            existing = existing.exclude(person=person)
        if existing.exists():
            errors.append(
                _("Ya existe una persona registrada con el documento %(kind)s %(number)s.")
                % {"kind": IdentityDocument.Kind(doc.kind).label, "number": number}
            )
            continue
        cleaned.append(DocumentInput(kind=doc.kind, number=number, country=doc.country))
    if errors:
        raise ValidationError({"documents": errors})
    return cleaned


def _save_documents(person: Person, docs: list[DocumentInput]) -> None:
    IdentityDocument.objects.bulk_create(
        [IdentityDocument(person=person, kind=d.kind, number=d.number, country=d.country) for d in docs]
    )


# Functions called after a person is saved (once the transaction commits) with the person's primary key: the
# record linkage registers one that looks for the same person in every agency's records (sistra.linkage).
PERSON_SAVED_HOOKS: list = []


def register_person_saved_hook(hook) -> None:
    if hook not in PERSON_SAVED_HOOKS:
        PERSON_SAVED_HOOKS.append(hook)


def _after_save(person: Person) -> None:
    from .indexes import refresh_search_tokens
    from .matching.registry import refresh_match_keys

    refresh_match_keys(person)
    refresh_search_tokens(person)
    pk = person.pk
    for hook in PERSON_SAVED_HOOKS:
        transaction.on_commit(partial(hook, pk))


def _free_code() -> str:
    """A pseudonym not yet taken: 32⁸ codes make a clash rare but, at a million persons, not impossible."""
    while True:
        code = new_person_code()
        if not Person.objects.filter(code=code).exists():
            return code


def _person_snapshot(person: Person) -> dict:
    data = snapshot(person, exclude=("first_names_key", "surnames_key"))
    data["documents"] = sorted(f"{d.kind}:{d.number}" for d in person.documents.all())
    data["aliases"] = sorted(a.alias for a in person.aliases.all())
    data["languages"] = sorted(t.code for t in person.languages.all())
    return data


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    first_names: str,
    last_name_paternal: str = "",
    last_name_maternal: str = "",
    sex: str = Person.Sex.UNKNOWN,
    date_of_birth: datetime.date | None = None,
    estimated_age: int | None = None,
    age_estimated_on: datetime.date | None = None,
    nationality=None,
    ubigeo_origin=None,
    country_origin=None,
    ubigeo_residence=None,
    notes: str = "",
    documents: Sequence[DocumentInput] = (),
    aliases: Sequence[str] = (),
    languages=(),
    owner_agency=None,
) -> Person:
    fields = {
        "first_names": first_names.strip(), "last_name_paternal": last_name_paternal.strip(),
        "last_name_maternal": last_name_maternal.strip(), "sex": sex, "date_of_birth": date_of_birth,
        "estimated_age": estimated_age,
        "age_estimated_on": age_estimated_on or (today() if estimated_age is not None else None),
        "nationality": nationality, "ubigeo_origin": ubigeo_origin, "country_origin": country_origin,
        "ubigeo_residence": ubigeo_residence, "notes": notes,
    }
    _clean_person_fields(fields)
    docs = _clean_documents(list(documents), actor=actor)
    person = Person.objects.create(owner_agency=owner_agency or agency_of(actor), created_by=actor, code=_free_code(),
                                   **fields)
    _save_documents(person, docs)
    for alias in aliases:
        if alias.strip():
            PersonAlias.objects.create(person=person, alias=alias.strip())
    if languages:
        person.languages.set(languages)
    _after_save(person)
    record_change(actor=actor, action="create", instance=person, after=_person_snapshot(person),
                  summary=_("Registro de persona"))
    return person


@transaction.atomic
def person_update(
    *,
    actor: Actor,
    person: Person,
    expected_version: int,
    documents: list[DocumentInput] | None = None,
    aliases: list[str] | None = None,
    languages=None,
    **fields,
) -> Person:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.version != expected_version:
        raise ConflictError()
    before = _person_snapshot(current)
    for name in NAME_FIELDS:
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if fields.get("estimated_age") is not None and "age_estimated_on" not in fields \
            and fields["estimated_age"] != current.estimated_age:
        # as in person_create: a new estimate is an estimate made today
        fields["age_estimated_on"] = today()
    merged = {name: getattr(current, name) for name in PERSON_FIELDS}
    merged.update(fields)
    _clean_person_fields(merged)
    for name, value in fields.items():
        setattr(current, name, value)
    current.version += 1
    current.save()
    if documents is not None:
        docs = _clean_documents(list(documents), actor=actor, person=current)
        current.documents.all().delete()
        _save_documents(current, docs)
    if aliases is not None:
        current.aliases.all().delete()
        for alias in aliases:
            if alias.strip():
                PersonAlias.objects.create(person=current, alias=alias.strip())
    if languages is not None:
        current.languages.set(languages)
    after = _person_snapshot(current)
    if after != before:
        _after_save(current)
        record_change(actor=actor, action="update", instance=current, before=before, after=after,
                      summary=_("Modificación de datos de la persona"))
    return current
