"""Pages of the prevention work. Each view: fetch through sistra.prevention.access (a record the user may not
see is a 404), parse the form (shape), call one service, then redirect or re-render with the service's
messages on the fields. Family pages read through access.read_family, which logs identity reads."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sistra.accounts.capabilities import Capability, has_capability
from sistra.people.api import age_band
from sistra.stats.dimensions import DEPARTMENTS

from . import access, imports, selectors, services
from .forms import (
    AlternativeForm,
    CampaignForm,
    EventForm,
    FamilyForm,
    FollowUpForm,
    ImportForm,
    ParticipantForm,
    ReachForm,
    VerifyForm,
)
from .models import Participant
from .pdf import render_certificate_pdf

C = Capability


def _require(request, capability) -> None:
    if not has_capability(request.user, capability):
        raise Http404


# --- home -------------------------------------------------------------------------------------------------


@require_GET
def home(request):
    if not has_capability(request.user, C.PREVENTION_VIEW):
        # analysts: the pseudonymous list of families is their part of prevention (figures are in stats)
        _require(request, C.FAMILY_VIEW)
        return redirect("prevention:family_list")
    return render(
        request,
        "prevention/home.html",
        {
            "figures": selectors.home_figures(request.user),
            "events": selectors.event_list(request.user)[:5],
            "campaigns": selectors.campaign_list(request.user)[:5],
            "families": selectors.family_list(request.user)[:5]
            if access.sees_family_identity(request.user)
            else [],
        },
    )


# --- training events --------------------------------------------------------------------------------------


@require_GET
def event_list(request):
    _require(request, C.PREVENTION_VIEW)
    return render(request, "prevention/event_list.html", {"events": selectors.event_list(request.user)})


@require_http_methods(["GET", "POST"])
def event_create(request):
    _require(request, C.PREVENTION_EDIT)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Capacitación registrada."))
            return redirect("prevention:event_detail", event_uuid=event.uuid)
    return render(request, "prevention/event_form.html", {"form": form})


@require_GET
def event_detail(request, event_uuid):
    with transaction.atomic():  # the read on record with the page that shows it
        read = access.read_event(request.user, event_uuid)
        return render(
            request,
            "prevention/event_detail.html",
            {
                "event": read.event,
                "participants": read.participants,
                "summary": selectors.event_summary(read.event),
                "can_edit": has_capability(request.user, C.PREVENTION_EDIT),
                "participant_form": ParticipantForm(),
            },
        )


@require_POST
def participant_add(request, event_uuid):
    event = access.access_event(request.user, event_uuid, write=True)
    form = ParticipantForm(request.POST)
    if form.is_valid():
        try:
            services.participant_add(
                actor=request.user, event=event, data=services.ParticipantInput(**form.cleaned_data)
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Participante registrado."))
            return redirect("prevention:event_detail", event_uuid=event.uuid)
    with transaction.atomic():  # the page shown again lists the participants: a read on record
        read = access.read_event(request.user, event.uuid)
        return render(
            request,
            "prevention/event_detail.html",
            {
                "event": event,
                "participants": read.participants,
                "summary": selectors.event_summary(event),
                "can_edit": True,
                "participant_form": form,
            },
            status=400,
        )


@require_http_methods(["GET", "POST"])
def event_import(request, event_uuid):
    event = access.access_event(request.user, event_uuid, write=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.import_participants_file(
                actor=request.user,
                event=event,
                data=upload.read(),
                filename=upload.name,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
    return render(request, "prevention/import.html", {"event": event, "form": form, "result": result})


@require_POST
def certificate_issue(request, event_uuid, participant_uuid):
    event = access.access_event(request.user, event_uuid, write=True)
    participant = access.access_participant(request.user, event, participant_uuid)
    try:
        participant = services.certificate_issue(actor=request.user, participant=participant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Certificado emitido con el código %(code)s.") % {"code": participant.certificate_code}
        )
    return redirect(reverse("prevention:event_detail", args=[event.uuid]) + f"#p-{participant.uuid}")


def verify_url(request) -> str:
    return request.build_absolute_uri(reverse("prevention:verify"))


@require_GET
@never_cache
def certificate_pdf(request, event_uuid, participant_uuid):
    with transaction.atomic():
        participant = access.read_participant(request.user, event_uuid, participant_uuid)
        if not participant.certificate_code:
            raise Http404
        pdf = render_certificate_pdf(participant, verify_url=verify_url(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    # the file is named by its code, never by the person's name
    response["Content-Disposition"] = f'inline; filename="certificado-{participant.certificate_code}.pdf"'
    return response


@login_not_required
@require_GET
@never_cache
def verify(request):
    """Public: anyone holding a certificate's code can check it. It shows only the name on the certificate,
    the event and its date; an unknown code gets the same neutral answer whatever the reason."""
    form = VerifyForm(request.GET or None)
    found = None
    searched = False
    if form.is_valid():
        searched = True
        code = form.cleaned_data["codigo"].strip().upper()
        found = (
            Participant.objects.select_related("event")
            .filter(certificate_code=code)
            .only(
                "certificate_name", "certificate_code", "event__title", "event__starts_on", "event__ends_on"
            )
            .first()
        )
    return render(request, "prevention/verify.html", {"form": form, "found": found, "searched": searched})


# --- campaigns --------------------------------------------------------------------------------------------


@require_GET
def campaign_list(request):
    _require(request, C.PREVENTION_VIEW)
    return render(
        request, "prevention/campaign_list.html", {"campaigns": selectors.campaign_list(request.user)}
    )


@require_http_methods(["GET", "POST"])
def campaign_create(request):
    _require(request, C.PREVENTION_EDIT)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Campaña registrada."))
            return redirect("prevention:campaign_detail", campaign_uuid=campaign.uuid)
    return render(request, "prevention/campaign_form.html", {"form": form})


def _campaign_page(request, campaign, reach_form, status=200):
    return render(
        request,
        "prevention/campaign_detail.html",
        {
            "campaign": campaign,
            "places": campaign.places.select_related("ubigeo__parent__parent"),
            "reach": selectors.reach_by_method(campaign),
            "calls": selectors.campaign_calls(campaign),
            "can_edit": has_capability(request.user, C.PREVENTION_EDIT),
            "reach_form": reach_form,
        },
        status=status,
    )


@require_GET
def campaign_detail(request, campaign_uuid):
    campaign = access.access_campaign(request.user, campaign_uuid)
    return _campaign_page(request, campaign, ReachForm())


@require_POST
def reach_add(request, campaign_uuid):
    campaign = access.access_campaign(request.user, campaign_uuid, write=True)
    form = ReachForm(request.POST)
    if form.is_valid():
        try:
            services.reach_add(
                actor=request.user,
                campaign=campaign,
                reach=services.ReachInput(
                    form.cleaned_data["channel"],
                    form.cleaned_data["people"],
                    form.cleaned_data["method"],
                    form.cleaned_data["source"],
                    form.cleaned_data["departamento_code"],
                ),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Alcance registrado."))
            return redirect("prevention:campaign_detail", campaign_uuid=campaign.uuid)
    return _campaign_page(request, campaign, form, status=400)


# --- at-risk families -------------------------------------------------------------------------------------


@dataclass
class ChildCard:
    """What a page shows of a child: names only with identity, else the pseudonym, age band, sex."""

    uuid: str
    code: str
    name: str
    age_band: str | None
    sex: str
    in_school: bool
    alternatives: list
    follow_ups: list


def _child_cards(read: access.FamilyRead) -> list[ChildCard]:
    year = timezone.localdate().year
    return [
        ChildCard(
            uuid=str(c.uuid),
            code=c.code,
            name=f"{c.first_names} {c.last_names}" if read.identity else "",
            age_band=age_band(year - c.birth_year),
            sex=c.get_sex_display(),
            in_school=c.in_school,
            alternatives=list(c.alternatives.all()),
            follow_ups=list(c.follow_ups.all()),
        )
        for c in read.children
    ]


@require_GET
def family_list(request):
    if not (
        has_capability(request.user, C.FAMILY_VIEW) or has_capability(request.user, C.FAMILY_VIEW_IDENTITY)
    ):
        raise Http404
    return render(
        request,
        "prevention/family_list.html",
        {
            "families": [
                (f, DEPARTMENTS.get(f.departamento_code, "")) for f in selectors.family_list(request.user)
            ],
            "identity": access.sees_family_identity(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def family_create(request):
    if not (has_capability(request.user, C.PREVENTION_EDIT) and access.sees_family_identity(request.user)):
        raise Http404
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            family = services.family_register(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Familia registrada con el código %(code)s.") % {"code": family.code})
            return redirect("prevention:family_detail", family_uuid=family.uuid)
    return render(request, "prevention/family_form.html", {"form": form})


def _family_page(request, family_uuid, *, alternative_form=None, followup_form=None, status=200):
    read = access.read_family(request.user, family_uuid)
    cards = _child_cards(read)
    choices = [(c.uuid, f"{c.code} — {c.name}" if read.identity else c.code) for c in cards]
    can_edit = read.identity and has_capability(request.user, C.PREVENTION_EDIT)
    return render(
        request,
        "prevention/family_detail.html",
        {
            "family": read.family,
            "identity": read.identity,
            "children": cards,
            "can_edit": can_edit,
            "department": DEPARTMENTS.get(read.family.departamento_code, ""),
            "alternative_form": alternative_form or AlternativeForm(children=choices),
            "followup_form": followup_form or FollowUpForm(children=choices),
        },
        status=status,
    )


@require_GET
@never_cache
def family_detail(request, family_uuid):
    return _family_page(request, family_uuid)


def _child_of(request, family, form):
    return access.access_child(request.user, family, form.cleaned_data["child"])


@require_POST
def alternative_add(request, family_uuid):
    family = access.access_family(request.user, family_uuid, write=True)
    choices = [(str(c.uuid), c.code) for c in family.children.all()]
    form = AlternativeForm(request.POST, children=choices)
    if form.is_valid():
        try:
            services.alternative_add(
                actor=request.user,
                child=_child_of(request, family, form),
                kind=form.cleaned_data["kind"],
                started_on=form.cleaned_data["started_on"],
                provider=form.cleaned_data["provider"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise Http404 from None
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Alternativa registrada."))
            return redirect("prevention:family_detail", family_uuid=family.uuid)
    return _family_page(request, family.uuid, alternative_form=form, status=400)


@require_POST
def followup_add(request, family_uuid):
    family = access.access_family(request.user, family_uuid, write=True)
    choices = [(str(c.uuid), c.code) for c in family.children.all()]
    form = FollowUpForm(request.POST, children=choices)
    if form.is_valid():
        try:
            services.follow_up_record(
                actor=request.user,
                child=_child_of(request, family, form),
                **{
                    k: form.cleaned_data[k]
                    for k in ("milestone", "done_on", "in_school", "migrated", "referred", "notes")
                },
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Seguimiento registrado."))
            return redirect("prevention:family_detail", family_uuid=family.uuid)
    return _family_page(request, family.uuid, followup_form=form, status=400)
