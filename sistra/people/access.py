"""The only way to fetch a person for a user. Other parts of SISTRA (cases, hotline, assistance) make a
person visible to an agency by registering a provider; the owning agency always sees its own."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor
from sistra.core.db import id_rows
from sistra.core.kept import KeptCondition

from .models import Person

# Each provider takes the user and returns a Q over Person that is true for the persons that part of the
# system lets the user's agency see (e.g. parties of cases shared with it).
PERSON_VISIBILITY_PROVIDERS: list[Callable[[object], Q]] = []


def register_person_visibility(provider: Callable[[object], Q]) -> None:
    if provider not in PERSON_VISIBILITY_PROVIDERS:
        PERSON_VISIBILITY_PROVIDERS.append(provider)


def _rule_key(actor: Actor) -> tuple:
    """Everything the rules below and their providers depend on: the agency and what the role may do (the
    providers ask has_capability and the agency, nothing else of the user, and read nothing from the database:
    the rules are kept compiled per process, see sistra.core.kept)."""
    return (actor.agency_id, getattr(actor, "role", None), bool(getattr(actor, "is_active", False)),
            bool(getattr(actor, "is_authenticated", False)))


def visible_persons(actor: Actor) -> QuerySet[Person]:
    if not has_capability(actor, Capability.PERSON_VIEW) or not actor.agency_id:
        return Person.objects.none()
    return Person.objects.filter(KeptCondition(Person, ("visible", _rule_key(actor)), lambda: visible_rule(actor)))


def visible_rule(actor: Actor) -> Q:
    """The persons the agency may see at all: those whose identity it may see and those shared under a
    pseudonym. Built afresh; visible_persons keeps it compiled."""
    return identity_rule(actor) | _shared_condition(actor, identity=False)


def _shared_condition(actor: Actor, *, identity: bool | None) -> Q:
    from .sharing import active_person_shares

    return Q(Exists(active_person_shares(actor.agency_id, identity=identity).filter(person=OuterRef("pk"))))


def identity_condition(actor: Actor) -> Q:
    """Persons whose identity the agency may see: its own, those of its cases/contacts/assistance (the
    registered providers) and those shared with identity. A condition over Person, compiled once per process
    for each agency and role (sistra.core.kept)."""
    return Q(KeptCondition(Person, ("identity", _rule_key(actor)), lambda: identity_rule(actor)))


def identity_rule(actor: Actor) -> Q:
    """identity_condition's tree, built afresh."""
    condition = Q(owner_agency_id=actor.agency_id) | _shared_condition(actor, identity=True)
    for provider in PERSON_VISIBILITY_PROVIDERS:
        condition |= provider(actor)
    return condition


def identity_persons(actor: Actor) -> QuerySet[Person]:
    """The persons whose identity the user may see: the only ones a search by name or document may return
    (finding a pseudonymous share by name would say who is behind the pseudonym)."""
    if not has_capability(actor, Capability.PERSON_VIEW_IDENTITY) or not actor.agency_id:
        return Person.objects.none()
    return Person.objects.filter(identity_condition(actor))


def _alternatives(condition: Q) -> list[Q]:
    """The alternatives of a condition made of ORs, flattened: each one alone."""
    if condition.connector != Q.OR or condition.negated:
        return [condition]
    found: list[Q] = []
    for child in condition.children:
        found += _alternatives(child) if isinstance(child, Q) else [Q(child)]
    return found


# up to this many persons are tested one alternative of the rule at a time (see identity_persons_among)
AMONG_ONE_BY_ONE = 5000


def identity_persons_among(actor: Actor, ids) -> list[int]:
    """Of these persons (a list of ids, or a subquery of ids), the ids of those whose identity the user may see,
    ascending: `identity_condition` asked one alternative at a time, each a statement of its own. Asked as one
    OR of EXISTS, PostgreSQL tests it with hashed subplans that build the agency's whole visible set (all its
    cases' victims, defendants…; 0.6 s a search at a million persons); alone, each EXISTS is a semi-join driven
    from the given ids and their indexes. For a list of up to AMONG_ONE_BY_ONE ids the statements are the same
    whatever the ids and the registry hold; beyond, or for a subquery, it is the one statement of the rule."""
    if not can_see_identity(actor):
        return []
    if not isinstance(ids, list | tuple | set) or len(ids) > AMONG_ONE_BY_ONE:
        # many: the whole visible set, hashed once, is cheaper than probing each person's cases
        return sorted(identity_persons(actor).filter(pk__in=ids).order_by().values_list("pk", flat=True))
    # the same statements for no id as for many (the duplicate check must not answer faster when nobody else
    # holds the name)
    given = Person.objects.filter(pk__in=id_rows(ids))
    found: set[int] = set()
    for alternative in _kept_alternatives(actor):
        found.update(given.filter(alternative).order_by().values_list("pk", flat=True))
    return sorted(found)


# how many alternatives identity_rule has, per rule key
_alternative_counts: dict[tuple, int] = {}


def _kept_alternatives(actor: Actor) -> list[Q]:
    """identity_rule's alternatives, each kept compiled (the tree is built only the first time per key)."""
    key = _rule_key(actor)
    count = _alternative_counts.get(key)
    if count is None:
        count = _alternative_counts[key] = len(_alternatives(identity_rule(actor)))
    return [Q(KeptCondition(Person, ("identity", key, n), partial(_alternative, actor, n))) for n in range(count)]


def _alternative(actor: Actor, n: int) -> Q:
    return _alternatives(identity_rule(actor))[n]


def can_see_identity(actor: Actor, person: Person | None = None) -> bool:
    """Names and documents only for roles whose work needs them (analysts see pseudonyms) and, for a given
    person, only where the agency holds that person's identity (not through a pseudonymous share)."""
    if not has_capability(actor, Capability.PERSON_VIEW_IDENTITY) or not actor.agency_id:
        return False
    if person is None:
        return True
    if person.owner_agency_id == actor.agency_id:
        return True
    return Person.objects.filter(pk=person.pk).filter(identity_condition(actor)).exists()


def persons_whose_identity_is_visible(actor: Actor, uuids: set) -> set:
    """Of these persons' uuids, those whose identity the actor may see (the audit history's masking rule): no
    query without the capability; otherwise one query for the ids, then the rule asked for them all at once."""
    if not uuids or not can_see_identity(actor):
        return set()
    persons = dict(Person.objects.filter(uuid__in=uuids).values_list("pk", "uuid"))
    return {persons[pk] for pk in identity_persons_among(actor, sorted(persons))}


def access_person(actor: Actor, person_uuid, *, write: bool = False, related: tuple[str, ...] = ()) -> Person:
    """A person the user may see (and, with write=True, edit), or 404 — never revealing that it exists.
    `related`: what to read with her in the same statement (select_related)."""
    qs = visible_persons(actor)
    if write:
        if not has_capability(actor, Capability.PERSON_EDIT):
            raise Http404
        qs = qs.filter(owner_agency_id=actor.agency_id)
    # a malformed identifier is a 404 too, not a server error
    try:
        return (qs.select_related(*related) if related else qs).get(uuid=person_uuid)
    except (Person.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def can_edit_person(actor: Actor, person: Person) -> bool:
    """For a person already fetched through access_person: whether access_person(write=True) would give her too
    (the agency's own persons, for a role that edits), without asking the database again."""
    return has_capability(actor, Capability.PERSON_EDIT) and person.owner_agency_id == actor.agency_id


def exists_in(queryset) -> Exists:
    return Exists(queryset)


def persons_of_agency_for_audit(agency_id):
    """Provider for sistra.audit.scopes: the uuids of the persons an agency registered or was given (a share,
    with or without identity)."""
    from .sharing import active_person_shares

    shared = Exists(active_person_shares(agency_id).filter(person=OuterRef("pk")))
    return Person.objects.filter(Q(owner_agency_id=agency_id) | Q(shared)).values_list("uuid", flat=True)


# --- the read path ------------------------------------------------------------------------------------------

IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "date_of_birth", "documents",
                   "aliases"]


@dataclass
class PersonRead:
    person: Person
    identity: bool  # whether the actor sees names and documents (else the pseudonym code)


def read_person(actor: Actor, person_uuid, *, write: bool = False, purpose: str = "case_work",
                detail: str = "", related: tuple[str, ...] = ()) -> PersonRead:
    """The person through access_person (a 404 otherwise), with what the actor may see of her decided once; a
    read of her identity is on record (one row) in the caller's transaction. Call it inside the transaction
    that renders the page, so that a read that cannot be logged shows nothing."""
    from sistra.audit.services import log_access

    person, identity = _person_and_identity(actor, person_uuid, write=write, related=related)
    if identity:
        log_access(actor=actor, instance=person, fields=IDENTITY_FIELDS, purpose=purpose, detail=detail)
    return PersonRead(person=person, identity=identity)


def _person_and_identity(actor: Actor, person_uuid, *, write: bool, related: tuple[str, ...]) -> tuple[Person, bool]:
    """The person and whether her identity is visible. For a role that sees identities she is first asked among
    the persons whose identity it may see: one statement for the usual read, where access_person and then
    can_see_identity tested the rule twice (each ~5 ms of planning at the design scale). Only a person seen
    under a pseudonym (a share without identity) takes a second statement, access_person's."""
    if write or not can_see_identity(actor):
        person = access_person(actor, person_uuid, write=write, related=related)
        return person, can_see_identity(actor, person)  # the owner's own: no query
    try:
        persons = identity_persons(actor)
        return (persons.select_related(*related) if related else persons).get(uuid=person_uuid), True
    except Person.DoesNotExist:
        return access_person(actor, person_uuid, related=related), False
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None


def log_persons_shown(actor: Actor, persons, *, purpose: str = "case_work", detail: str = "",
                      fields: list[str] = IDENTITY_FIELDS) -> None:
    """The persons whose names a list, a search, a picker or a duplicate warning shows: one access-log row each,
    in the caller's transaction (the page's)."""
    from sistra.audit.services import log_access_many

    unique = list({p.pk: p for p in persons}.values())
    if unique:
        log_access_many(actor=actor, reads=[(p, None) for p in unique], fields=fields, purpose=purpose,
                        detail=detail)
