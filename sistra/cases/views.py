"""Web pages of the criminal-case registry. Each view: parse the form (shape), fetch the case through
sistra.cases.access, call one service, then redirect (POST/redirect/GET) or re-render with the service's
messages on the fields. Every page shows personal data, so none may be cached."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sistra.accounts.capabilities import Capability
from sistra.audit.models import AccessLog
from sistra.audit.selectors import history_for
from sistra.audit.services import log_access_many
from sistra.core.pagination import bounded_page
from sistra.people.access import visible_persons

from . import selectors, services
from .access import (
    access_case,
    can_edit_case,
    can_see_case_identity,
    can_share_case,
    can_transfer_case,
    writable_cases,
)
from .attachments import attachments_for
from .forms import (
    AssignProsecutorForm,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
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
from .section_forms import PERSON_FORMS, SECTION_FORMS, SHARE, TRANSFER, build_form, may_use, parse_form_key

PAGE_SIZE = 25
IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal"]


# --- list -------------------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def case_list(request):
    """Filters travel in the query string (bookmarkable); the search text may be a person's name, so it is only
    ever posted, never put in a URL."""
    data = request.POST if request.method == "POST" else request.GET
    form = CaseFilterForm(data)
    filters = form.filters()
    cases = selectors.case_list(request.user, filters,
                                search_names=request.user.can(Capability.CASE_VIEW_IDENTITY))
    page_obj = bounded_page(cases, PAGE_SIZE, data.get("page"))
    base_query = urlencode(form.filter_query())
    today = timezone.localdate()
    context = {
        "form": form, "page_obj": page_obj, "base_query": base_query, "by_post": bool(filters.q),
        "can_create": request.user.can(Capability.CASE_CREATE),
        "today": today, "soon": today + datetime.timedelta(days=selectors.DUE_SOON_DAYS),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "cases/_case_results.html", context)
        query = base_query
        if not filters.q and page_obj.number > 1:
            query = urlencode({**form.filter_query(), "page": page_obj.number})
        response["HX-Push-Url"] = reverse("cases:list") + (f"?{query}" if query else "")
        return response
    return render(request, "cases/case_list.html", context)


# --- create and edit --------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def case_create(request):
    user = request.user
    if not user.can(Capability.CASE_CREATE):
        raise PermissionDenied
    if request.method == "POST":
        form = CaseCreateForm(request.POST, actor=user)
        if form.is_valid():
            try:
                case = services.case_create(actor=user, **form.service_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Caso %(number)s registrado.") % {"number": case.number})
                return redirect("cases:detail", case_uuid=case.uuid)
        return render(request, "cases/case_form.html", {"form": form, "creating": True}, status=422)
    agency = user.agency
    initial = {"complaint_date": timezone.localdate()}
    if agency is not None:
        initial["distrito_fiscal"] = agency.distrito_fiscal_id
        if agency.kind == agency.Kind.FISCALIA:
            initial["fiscalia"] = agency.code
    return render(request, "cases/case_form.html", {"form": CaseCreateForm(initial=initial, actor=user),
                                                    "creating": True})


@never_cache
@require_http_methods(["GET", "POST"])
def case_edit(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    if request.method == "POST":
        form = CaseEditForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(actor=request.user, case=case, expected_version=form.cleaned_data["version"],
                                     **form.service_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Datos generales del caso actualizados."))
                return redirect("cases:detail", case_uuid=case.uuid)
        return render(request, "cases/case_form.html", {"form": form, "case": case}, status=422)
    initial = {name: getattr(case, name) for name in CaseEditForm.EDIT_FIELDS}
    initial.update(distrito_fiscal=case.distrito_fiscal_id, version=case.version)
    return render(request, "cases/case_form.html", {"form": CaseEditForm(initial=initial), "case": case})


# --- detail -----------------------------------------------------------------------------------------------

def _preselected_person(request):
    """A person just registered from the case page comes back as ?persona=<uuid> to be picked at once."""
    value = request.GET.get("persona")
    if not value:
        return None
    try:
        person = visible_persons(request.user).filter(uuid=value).first()
    except ValidationError:
        return None
    return person.uuid if person else None


def _form_links(case: Case) -> dict:
    """The links the section forms hold: the pickers' lookups and the way to register a person first."""
    return {
        "lookup_person_url": reverse("people:lookup"), "lookup_ubigeo_url": reverse("cases:ubigeo_lookup"),
        "new_person_url": reverse("people:create") + "?" + urlencode({"next": reverse("cases:detail",
                                                                                     args=[case.uuid])}),
    }


def _log_names_shown(user, case: Case, persons) -> None:
    # the names of the parties are about to be shown: every such read is on record
    log_access_many(actor=user, reads=[(case, person) for person in persons], fields=IDENTITY_FIELDS,
                    purpose=AccessLog.Purpose.CASE_WORK, detail=case.number)


def _render_detail(request, case: Case, *, status: int = 200, outcome_for=None, reread: bool = True,
                   **bound_forms):
    """The case page. A section form is rendered only where it must be seen open: the bound (refused or
    searched) form passed in, with its messages and values where they belong; the person forms when
    ?persona= brings back a person to pick; the one ?formulario= asks for (how a browser without JavaScript
    opens a form). Every other form the user may use is a closed <details> that loads it when opened
    (case_section_form), which spares the page the rendering of some forty fields (decision 0221)."""
    user = request.user
    case = selectors.case_detail(case, reread=reread)
    identity = can_see_case_identity(user, case)
    can_write = can_edit_case(user, case)
    can_share = can_share_case(user, case)
    can_transfer = can_transfer_case(user, case)
    today = timezone.localdate()
    forms = dict(bound_forms)
    outcome_forms = dict([outcome_for]) if outcome_for is not None else {}
    if request.method == "GET":
        person = _preselected_person(request) if can_write else None
        if person is not None:
            for key in PERSON_FORMS:
                forms[f"{key}_form"] = build_form(key, user=user, case=case, identity=identity, person=person)
        requested = parse_form_key(request.GET.get("formulario", ""))
        if requested is not None and may_use(requested[0], can_write=can_write, can_share=can_share,
                                             can_transfer=can_transfer):
            key, defendant_uuid = requested
            if key == "outcome":
                for d in case.defendants.all():
                    if d.uuid == defendant_uuid:
                        outcome_forms[d.uuid] = build_form(key, user=user, case=case, identity=identity,
                                                           defendant=d)
            elif f"{key}_form" not in forms:
                forms[f"{key}_form"] = build_form(key, user=user, case=case, identity=identity)
    history = None
    if user.can(Capability.HISTORY_VIEW):
        history = history_for(user, case)
    context = {
        "case": case, "identity": identity, "can_write": can_write, "can_share": can_share,
        "can_transfer": can_transfer,
        "deadline": selectors.current_deadline(case), "history": history, "today": today,
        "attachments": attachments_for(case, actor=user, identity=identity),
        "defendant_rows": [(d, outcome_forms.get(d.uuid)) for d in case.defendants.all()],
        **_form_links(case),
        **forms,
    }
    with transaction.atomic():
        if identity:
            _log_names_shown(user, case, selectors.case_persons(case))
        response = render(request, "cases/case_detail.html", context, status=status)
    return response


@never_cache
def case_detail(request, case_uuid):
    case = access_case(request.user, case_uuid)
    return _render_detail(request, case, reread=False)  # just read, with what the page shows of it


@never_cache
@require_GET
def case_section_form(request, case_uuid, form_key: str):
    """One section form of the case page, alone: what its closed <details> loads when opened. A form the user
    may not use, an unknown key or defendant answer 404, like a case the user may not see."""
    parsed = parse_form_key(form_key)
    if parsed is None:
        raise Http404
    key, defendant_uuid = parsed
    user = request.user
    access = SECTION_FORMS[key]
    case = access_case(user, case_uuid, write=access != SHARE)
    if access == SHARE and not can_share_case(user, case):
        raise Http404
    if access == TRANSFER and not can_transfer_case(user, case):
        raise Http404
    defendant = None
    if defendant_uuid is not None:
        defendant = CaseDefendant.objects.filter(case=case, uuid=defendant_uuid).first()
        if defendant is None:
            raise Http404
    # only the charge form names people (its defendants); the others show none until a person is searched
    identity = key == "charge" and can_see_case_identity(user, case)
    form = build_form(key, user=user, case=case, identity=identity, defendant=defendant)
    context = {"case": case, "form": form, "defendant": defendant, **_form_links(case)}
    with transaction.atomic():
        if identity:
            _log_names_shown(user, case, [d.person for d in CaseDefendant.objects.filter(case=case)
                                          .select_related("person")])
        response = render(request, f"cases/forms/{key}.html", context)
    return response


def _to_section(case: Case, section: str):
    return redirect(reverse("cases:detail", args=[case.uuid]) + f"#{section}")


def _submit(request, case, form, form_key: str, section: str, call, success: str, *, outcome_for=None):
    """The common end of every section form: shape check, one service call, then redirect or re-render."""
    if request.POST.get("action") == "search" and hasattr(form, "suppress_errors"):
        # no-JavaScript search in a picker: show the options, save nothing
        form.suppress_errors()
        return _render_detail(request, case, outcome_for=outcome_for, **({} if outcome_for else {form_key: form}))
    if form.is_valid():
        try:
            call(form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, success)
            return _to_section(case, section)
    if outcome_for is not None:
        return _render_detail(request, case, status=422, outcome_for=outcome_for)
    return _render_detail(request, case, status=422, **{form_key: form})


@never_cache
@require_POST
def case_change_stage(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = StageForm(request.POST, prefix="stage", case=case)

    def call(f):
        services.case_change_stage(actor=request.user, case=case, stage=f.cleaned_data["stage"],
                                   date=f.cleaned_data["date"], reason=f.cleaned_data["reason"],
                                   exception=f.cleaned_data["exception"], expected_version=f.cleaned_data["version"])

    return _submit(request, case, form, "stage_form", "stage", call, _("Etapa procesal actualizada."))


def _access_case_to_transfer(user, case_uuid) -> Case:
    case = access_case(user, case_uuid, write=True)
    if not can_transfer_case(user, case):
        raise PermissionDenied
    return case


@never_cache
@require_POST
def case_transfer(request, case_uuid):
    case = _access_case_to_transfer(request.user, case_uuid)
    form = TransferForm(request.POST, prefix="transfer", case=case)
    if form.is_valid():
        try:
            event = services.case_transfer(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, event.title)
            # the case now belongs to the other fiscalía: this user may no longer see it
            if writable_cases(request.user).filter(pk=case.pk).exists():
                return _to_section(case, "general")
            return redirect("cases:list")
    return _render_detail(request, case, status=422, transfer_form=form)


@never_cache
@require_POST
def case_assign_prosecutor(request, case_uuid):
    case = _access_case_to_transfer(request.user, case_uuid)
    form = AssignProsecutorForm(request.POST, prefix="assign", case=case)

    def call(f):
        services.case_assign_prosecutor(actor=request.user, case=case, prosecutor=f.cleaned_data["prosecutor"])

    return _submit(request, case, form, "assign_form", "general", call, _("Fiscal a cargo actualizado."))


@never_cache
@require_POST
def case_add_event(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = EventForm(request.POST, prefix="event")

    def call(f):
        services.case_add_event(actor=request.user, case=case, **f.cleaned_data)

    return _submit(request, case, form, "event_form", "timeline", call, _("Evento registrado."))


@never_cache
@require_POST
def case_add_charge(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = ChargeForm(request.POST, prefix="charge", case=case,
                      identity=can_see_case_identity(request.user, case))

    def call(f):
        services.charge_add(actor=request.user, case=case, **f.cleaned_data)

    return _submit(request, case, form, "charge_form", "charges", call, _("Imputación registrada."))


@never_cache
@require_POST
def case_add_victim(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = VictimForm(request.POST, prefix="victim", actor=request.user)

    def call(f):
        services.victim_add(actor=request.user, case=case, **f.service_kwargs())

    return _submit(request, case, form, "victim_form", "victims", call, _("Víctima añadida al caso."))


@never_cache
@require_POST
def case_add_defendant(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = DefendantForm(request.POST, prefix="defendant", actor=request.user)

    def call(f):
        services.defendant_add(actor=request.user, case=case, person=f.cleaned_data["person"],
                               role=f.cleaned_data["role"], status=f.cleaned_data["status"])

    return _submit(request, case, form, "defendant_form", "defendants", call, _("Imputado añadido al caso."))


@never_cache
@require_POST
def defendant_set_outcome(request, case_uuid, defendant_uuid):
    case = access_case(request.user, case_uuid, write=True)
    defendant = get_object_or_404(CaseDefendant, case=case, uuid=defendant_uuid)
    form = OutcomeForm(request.POST, prefix=f"outcome-{defendant.uuid}")

    def call(f):
        services.defendant_update(actor=request.user, defendant=defendant, **f.cleaned_data)

    return _submit(request, case, form, "outcome_form", f"defendant-{defendant.uuid}", call,
                   _("Resultado del imputado registrado."), outcome_for=(defendant.uuid, form))


@never_cache
@require_POST
def case_add_party(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = PartyForm(request.POST, prefix="party", actor=request.user)

    def call(f):
        services.party_add(actor=request.user, case=case, person=f.cleaned_data["person"],
                           role=f.cleaned_data["role"])

    return _submit(request, case, form, "party_form", "parties", call, _("Interviniente añadido al caso."))


@never_cache
@require_POST
def case_add_place(request, case_uuid):
    case = access_case(request.user, case_uuid, write=True)
    form = PlaceForm(request.POST, prefix="place")

    def call(f):
        services.place_add(actor=request.user, case=case, kind=f.cleaned_data["kind"],
                           ubigeo=f.cleaned_data["ubigeo"], country=f.cleaned_data["country"],
                           description=f.cleaned_data["description"])

    return _submit(request, case, form, "place_form", "places", call, _("Lugar registrado."))


def _access_case_to_share(user, case_uuid) -> Case:
    case = access_case(user, case_uuid)
    if not can_share_case(user, case):
        raise PermissionDenied
    return case


@never_cache
@require_POST
def case_share(request, case_uuid):
    case = _access_case_to_share(request.user, case_uuid)
    form = ShareForm(request.POST, prefix="share", case=case)

    def call(f):
        services.case_share(actor=request.user, case=case, agency=f.cleaned_data["agency"],
                            level=f.cleaned_data["level"], reason=f.cleaned_data["reason"], expires_at=f.expires_at)

    return _submit(request, case, form, "share_form", "shares", call, _("Caso compartido."))


@never_cache
@require_POST
def case_share_revoke(request, case_uuid, agency_uuid):
    case = _access_case_to_share(request.user, case_uuid)
    shares = list(case.shares.filter(agency__uuid=agency_uuid, revoked_at__isnull=True).select_related("agency"))
    if not shares:
        raise Http404
    for share in shares:
        services.case_share_revoke(actor=request.user, share=share)
    messages.success(request, _("Acceso revocado a %(agency)s.") % {"agency": shares[0].agency.name})
    return _to_section(case, "shares")
