"""The "add" forms of the case page, by key, and who may use each (decision 0221). The page renders a form only
where it must be seen open; every other one is a closed <details> that loads its form from
views.case_section_form when opened, so both build it here, with the same initial values."""

import datetime
import uuid

from django import forms
from django.utils import timezone

from .forms import (
    AssignProsecutorForm,
    AttachmentForm,
    ChargeForm,
    DefendantForm,
    EventForm,
    OutcomeForm,
    PartyForm,
    PlaceForm,
    ShareForm,
    StageForm,
    TransferForm,
    VictimForm,
)
from .models import Case, CaseDefendant

# who may use a form: WRITE whoever may edit the case, SHARE the owning agency, TRANSFER the fiscalía in charge
WRITE, SHARE, TRANSFER = "write", "share", "transfer"
# the key is the form's prefix too; "outcome" is one form per defendant, keyed "outcome-<defendant uuid>"
SECTION_FORMS = {
    "assign": TRANSFER, "transfer": TRANSFER, "stage": WRITE, "event": WRITE, "victim": WRITE,
    "defendant": WRITE, "outcome": WRITE, "party": WRITE, "charge": WRITE, "place": WRITE, "attachment": WRITE,
    "share": SHARE,
}
# the forms a person registered from the case page comes back to be picked in (?persona=)
PERSON_FORMS = ("victim", "defendant", "party")


def parse_form_key(form_key: str) -> tuple[str, uuid.UUID | None] | None:
    """("stage", None), ("outcome", <defendant uuid>), or None for a key that names no form."""
    key, _, rest = form_key.partition("-")
    if key == "outcome":
        try:
            return key, uuid.UUID(rest)
        except ValueError:
            return None
    if rest or key not in SECTION_FORMS:
        return None
    return key, None


def may_use(key: str, *, can_write: bool, can_share: bool, can_transfer: bool) -> bool:
    access = SECTION_FORMS[key]
    if access == SHARE:
        return can_share
    if access == TRANSFER:
        return can_transfer
    return can_write


def build_form(key: str, *, user, case: Case, identity: bool, person: uuid.UUID | None = None,
               defendant: CaseDefendant | None = None) -> forms.Form:
    """A section's unbound form with the initial values of the case page."""
    today: datetime.date = timezone.localdate()
    match key:
        case "stage":
            return StageForm(prefix="stage", case=case, initial={"date": today, "version": case.version})
        case "event":
            return EventForm(prefix="event", initial={"date": today})
        case "charge":
            return ChargeForm(prefix="charge", case=case, identity=identity)
        case "victim":
            return VictimForm(prefix="victim", actor=user, initial={"person": person})
        case "defendant":
            return DefendantForm(prefix="defendant", actor=user, initial={"person": person})
        case "party":
            return PartyForm(prefix="party", actor=user, initial={"person": person})
        case "place":
            return PlaceForm(prefix="place")
        case "attachment":
            return AttachmentForm(prefix="attachment")
        case "share":
            return ShareForm(prefix="share", case=case)
        case "transfer":
            return TransferForm(prefix="transfer", case=case, initial={"date": today})
        case "assign":
            return AssignProsecutorForm(
                prefix="assign", case=case,
                initial={"prosecutor": case.prosecutor.uuid if case.prosecutor else None})
        case "outcome" if defendant is not None:
            return OutcomeForm(prefix=f"outcome-{defendant.uuid}", initial={
                "outcome": defendant.outcome, "outcome_date": defendant.outcome_date or today,
                "sentence_years": defendant.sentence_years, "reparation_amount": defendant.reparation_amount})
    raise ValueError(key)
