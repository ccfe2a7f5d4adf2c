"""Identity in the change history, masked for a viewer who may not see it.

A change event keeps full before/after values (names, documents, free text that may name someone). Whoever
reads the history sees those values only where they may see the identity of the record the change belongs to:
the person (people.access.can_see_identity) or the case (cases.access.can_see_case_identity), as those apps
register at start-up. Any other kind of record is masked unless its app registers a rule (fail closed)."""

from collections.abc import Callable, Iterable
from typing import Any

from .identity_keys import IDENTITY_KEY_PARTS, IDENTITY_KEYS, MODEL_IDENTITY_KEYS, is_identity_key  # noqa: F401
from .models import ChangeEvent

HIDDEN = "•••"

# --- who may see the identity of a root record --------------------------------------------------------------
# The apps that own root records (people: the person; cases: the case; others as they come) register, in their
# AppConfig.ready(), a rule taking the viewer and the roots' uuids and returning the uuids whose identity the
# viewer may see, and optionally a check for one record already fetched. They ask their access modules (the one
# place those rules are written); a root model nobody registered is masked (fail closed).

IdentityRule = Callable[[Any, set], set]
IdentityCheck = Callable[[Any, Any], bool]

IDENTITY_RULES: dict[str, IdentityRule] = {}
IDENTITY_CHECKS: dict[str, IdentityCheck] = {}


def register_identity_rule(root_model: str, rule: IdentityRule, *, check: IdentityCheck | None = None) -> None:
    """`root_model` ("people.person") says who may see the identities in its history: `rule` for a batch of
    uuids, `check` (optional) for one record the caller already holds."""
    IDENTITY_RULES[root_model] = rule
    if check is not None:
        IDENTITY_CHECKS[root_model] = check


def register_identity_keys(model: str, keys) -> None:
    """Snapshot keys that are identity in `model` only (a case's "title")."""
    MODEL_IDENTITY_KEYS[model] = MODEL_IDENTITY_KEYS.get(model, frozenset()) | frozenset(keys)


def root_identity_visible(viewer, root) -> bool:
    """Whether the viewer may see the identity of one root record (already fetched through its access
    function)."""
    label = root._meta.label_lower
    check = IDENTITY_CHECKS.get(label)
    if check is not None:
        return bool(check(viewer, root))
    rule = IDENTITY_RULES.get(label)
    return rule is not None and root.uuid in rule(viewer, {root.uuid})


def visible_roots(viewer, events: Iterable[ChangeEvent]) -> set[tuple[str, Any]]:
    """(root_model, root_uuid) of the events whose identity values the viewer may see."""
    by_model: dict[str, set] = {}
    for event in events:
        by_model.setdefault(event.root_model, set()).add(event.root_uuid)
    visible: set[tuple[str, Any]] = set()
    for model, uuids in by_model.items():
        rule = IDENTITY_RULES.get(model)
        if rule is None:
            continue
        visible.update((model, uuid) for uuid in rule(viewer, uuids))
    return visible


# --- masking ------------------------------------------------------------------------------------------------

def _mask_values(model: str, values: dict | None) -> tuple[dict | None, bool]:
    if not values:
        return values, False
    masked, hidden = {}, False
    for key, value in values.items():
        if is_identity_key(model, key) and value not in (None, "", [], {}):
            masked[key] = HIDDEN
            hidden = True
        else:
            masked[key] = value
    return masked, hidden


def mask_change(event: ChangeEvent, viewer, *, visible: bool | None = None) -> dict:
    """{"before", "after", "summary", "masked"} of the event as the viewer may see it: identity values are
    replaced with "•••" unless the viewer may see the identity of the record the change belongs to (`visible`,
    when the caller already knows it). "masked" says whether anything was hidden."""
    if visible is None:
        visible = (event.root_model, event.root_uuid) in visible_roots(viewer, [event])
    if visible:
        return {"before": event.before, "after": event.after, "summary": event.summary, "masked": False}
    before, hidden_before = _mask_values(event.model, event.before)
    after, hidden_after = _mask_values(event.model, event.after)
    # services write pseudonyms and labels into summaries, never names: they stay readable
    return {"before": before, "after": after, "summary": event.summary,
            "masked": hidden_before or hidden_after}


class MaskedChange:
    """A change event as one viewer may see it: the event's own attributes (when, who, action, model), with
    before/after masked. `changed_fields` is the event's own, so a hidden change still shows as a row
    (•••)."""

    def __init__(self, event: ChangeEvent, masked: dict):
        self._event = event
        self.before = masked["before"]
        self.after = masked["after"]
        self.summary = masked["summary"]
        self.masked = masked["masked"]

    def __getattr__(self, name):
        return getattr(self._event, name)

    @property
    def event(self) -> ChangeEvent:
        return self._event

    @property
    def changed_fields(self) -> list[str]:
        return self._event.changed_fields


def mask_changes(events: Iterable[ChangeEvent], viewer) -> list[MaskedChange]:
    """Many events masked for one viewer, with the visibility of their roots worked out once."""
    events = list(events)
    visible = visible_roots(viewer, events)
    return [MaskedChange(e, mask_change(e, viewer, visible=(e.root_model, e.root_uuid) in visible))
            for e in events]
