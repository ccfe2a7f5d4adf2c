"""Web pages of the assistance pathway. Each view: fetch through sistra.assistance.access (a record the user
may not see is a 404), parse the form (shape), call one service, then redirect (POST/redirect/GET) or
re-render with the service's messages on the fields. Every page with a victim's identity records the read in
the access log in the same transaction; no page may be cached."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sistra.accounts.capabilities import Capability
from sistra.audit.models import AccessLog
from sistra.audit.selectors import history_for
from sistra.audit.services import log_access, log_access_many
from sistra.core.api import region_of
from sistra.core.pagination import bounded_page
from sistra.people.access import access_person, can_see_identity, visible_persons
from sistra.people.api import age_band

from . import access, selectors, services
from .forms import (
    AssessmentForm,
    CaseEditForm,
    CaseFilterForm,
    CloseForm,
    CompleteForm,
    ConsentForm,
    DeclineForm,
    DeliveryForm,
    FamilyContactForm,
    FollowUpForm,
    GoalForm,
    GoalStatusForm,
    IdentifyForm,
    LinkCriminalCaseForm,
    PlanEndForm,
    PlanForm,
    ProviderFilterForm,
    ProviderForm,
    ReferralForm,
    ReopenForm,
    RevokeForm,
    TraffickingStatusForm,
    WithdrawConsentForm,
)
from .models import AssistanceCase, Consent, Provider, Referral, ServiceType, SupportGoal, SupportPlan
from .pdf import render_pdf
from .timeline import person_timeline, timeline_sources

PAGE_SIZE = 25
IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "documents"]
RELATIVE_FIELDS = ["full_name", "phone", "address"]
PURPOSE = AccessLog.Purpose.ASSISTANCE


# --- helpers ----------------------------------------------------------------------------------------------

@dataclass
class PersonCard:
    """What a page shows of a person: the identity only when allowed, otherwise the pseudonymous profile
    (code, age band, sex, region) that a referral without consent carries."""

    code: str
    identity: bool
    name: str = ""
    documents: str = ""
    age: int | None = None
    age_band: str | None = None
    sex: str = ""
    region: str = ""
    nationality: str = ""


def person_card(person, *, identity: bool) -> PersonCard:
    age = person.age_on(timezone.localdate())
    region = region_of(person.ubigeo_origin)
    card = PersonCard(code=person.code, identity=identity, age_band=age_band(age), sex=person.get_sex_display(),
                      region=region.name if region else "")
    if identity:
        card.name = person.full_name
        card.documents = ", ".join(str(d) for d in person.documents.all())
        card.age = age
        card.nationality = str(person.nationality) if person.nationality_id else ""
    return card


def _log_reads(user, *, person, instance, identity: bool, relatives=(), detail: str = "") -> None:
    """What a page or a PDF shows of people, on record in the transaction of the read: the victim when her
    identity is shown (one row), and each relative or contact whose name is shown (one row each: they are
    people too, and a tracing sheet is read by whoever works the referral)."""
    if identity:
        log_access_many(actor=user, reads=[(instance, person)], fields=IDENTITY_FIELDS, purpose=PURPOSE,
                        detail=detail)
    relatives = list(relatives)
    if relatives:
        log_access_many(actor=user, reads=[(contact, None) for contact in relatives], fields=RELATIVE_FIELDS,
                        purpose=PURPOSE, detail=detail)


def _render_logged(request, template: str, context: dict, *, person, instance, identity: bool, detail: str = "",
                   status: int = 200, relatives=()):
    """Render, and record what the page shows of people (_log_reads) in the same transaction."""
    with transaction.atomic():
        _log_reads(request.user, person=person, instance=instance, identity=identity, relatives=relatives,
                   detail=detail)
        return render(request, template, context, status=status)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _form_page(request, *, form, title: str, back: str, call, success, done, case=None, referral=None,
               intro: str = "", intro_link=None, warning: str = "", submit: str = "", relatives=()):
    """The common end of every single-form page: shape check, one service call, then redirect or re-render.
    `relatives`: the family contacts whose names the form shows, logged when it is shown (_log_reads)."""
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "search":
            # no-JavaScript search in a picker: show the options, save nothing
            form.suppress_errors()
        elif form.is_valid():
            try:
                result = call(form)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                for level, text in (success(result) if callable(success) else [(messages.SUCCESS, success)]):
                    messages.add_message(request, level, text)
                return redirect(done(result) if callable(done) else done)
            status = 422
        else:
            status = 422
    with transaction.atomic():
        _log_reads(request.user, person=None, instance=None, identity=False, relatives=relatives,
                   detail=str(title))
        return render(request, "assistance/form_page.html", {
            "form": form, "title": title, "back": back, "case": case, "referral": referral, "intro": intro,
            "intro_link": intro_link,
            "warning": warning, "submit": submit or _("Guardar"),
            "lookup_person_url": reverse("people:lookup"), "lookup_ubigeo_url": reverse("assistance:ubigeo_lookup"),
        }, status=status)


def _case_url(case, section: str = "") -> str:
    return reverse("assistance:case_detail", args=[case.uuid]) + (f"#{section}" if section else "")


def _edit_case(request, case_uuid) -> AssistanceCase:
    case = access.access_assistance_case(request.user, case_uuid, write=True)
    if not case.is_open:
        messages.error(request, _("El caso %(code)s está cerrado.") % {"code": case.code})
        raise _Redirect(_case_url(case))
    return case


class _Redirect(Exception):
    def __init__(self, url):
        self.url = url


def _redirecting(view):
    """Lets a helper end the request with a redirect (e.g. a closed case) without threading it through."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Redirect as stop:
            return redirect(stop.url)

    return wrapper


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- dashboard and lists ----------------------------------------------------------------------------------

@never_cache
@require_GET
def dashboard(request):
    """The agency's inbox and dashboard: referrals received and sent, what is overdue, alerts."""
    user = request.user
    if not (user.can(Capability.ASSISTANCE_VIEW) or user.can(Capability.REFERRAL_SEND)
            or user.can(Capability.REFERRAL_RECEIVE)):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        "today": today,
        "inbox": list(selectors.inbox(user)),
        "outbox": list(selectors.outbox(user)),
        "overdue": list(selectors.overdue_referrals(user, today=today)),
        "alerts": selectors.agency_alerts(user),
        "recent": selectors.recent_referrals(user),
        "open_cases": (selectors.case_list(user, selectors.CaseFilters()).count()
                       if access.visible_assistance_cases(user).exists() else 0),
        "can_identify": access.can_identify(user),
        "can_receive": user.can(Capability.REFERRAL_RECEIVE),
    }
    return render(request, "assistance/dashboard.html", context)


@never_cache
@require_GET
def case_list(request):
    user = request.user
    if not (user.can(Capability.ASSISTANCE_VIEW) or user.can(Capability.REFERRAL_SEND)):
        raise PermissionDenied
    form = CaseFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    cases = selectors.case_list(user, selectors.CaseFilters(status=status)).prefetch_related("person__documents")
    page_obj = bounded_page(cases, PAGE_SIZE, request.GET.get("page"))
    identity = can_see_identity(user)
    rows = [(case, person_card(case.person, identity=identity)) for case in page_obj]
    with transaction.atomic():
        if identity:
            for case, _card in rows:
                log_access(actor=user, instance=case, person=case.person, fields=IDENTITY_FIELDS[:3],
                           purpose=PURPOSE, detail=_("lista de casos de asistencia"))
        return render(request, "assistance/case_list.html", {
            "form": form, "page_obj": page_obj, "rows": rows, "can_identify": access.can_identify(user),
            "base_query": f"status={status}" if status else ""})


# --- identification and the case --------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def case_create(request):
    user = request.user
    _require(access.can_identify(user))
    initial = {"identified_on": timezone.localdate(), "identification_channel": services.channel_for(user.agency),
               "status_decision_org": services.decision_org_for(user.agency)}
    chosen = request.GET.get("persona")
    if chosen:
        try:
            person = visible_persons(user).filter(uuid=chosen).first()
        except ValidationError:
            person = None
        if person is not None:
            initial["person"] = person.uuid
    form = IdentifyForm(request.POST or None, actor=user, initial=initial)
    new_person = reverse("people:create") + "?next=" + reverse("assistance:case_create")
    return _form_page(
        request, form=form, title=_("Identificar a una posible víctima"), back=reverse("assistance:dashboard"),
        intro=_("Busque a la persona en el registro de personas; si no está, regístrela primero."),
        intro_link=(new_person, _("Registrar a una persona nueva")),
        call=lambda f: services.case_open(actor=user, **f.service_kwargs()),
        success=lambda case: [(messages.SUCCESS, _("Caso de asistencia %(code)s abierto. Registre los "
                                                   "consentimientos antes de derivar.") % {"code": case.code})],
        done=_case_url, submit=_("Abrir el caso"))


@never_cache
@require_GET
def case_detail(request, case_uuid):
    user = request.user
    case = access.access_assistance_case(user, case_uuid)
    case = selectors.case_detail(case)
    identity = can_see_identity(user, case.person)
    from sistra.cases.access import visible_cases

    consents = list(case.consents.all())
    context = {
        "case": case, "person": person_card(case.person, identity=identity), "identity": identity,
        "can_edit": access.can_edit_case(user, case) and case.is_open,
        "can_consent": access.can_record_consent(user, case) and case.is_open,
        "can_refer": access.can_refer(user, case) and case.is_open,
        "can_reopen": access.can_edit_case(user, case) and not case.is_open,
        "active_consents": [c for c in consents if c.is_active],
        "withdrawn_consents": [c for c in consents if not c.is_active],
        "has_services_consent": any(c.is_active and c.kind == Consent.Kind.SERVICES for c in consents),
        "has_contact_consent": any(c.is_active and c.kind == Consent.Kind.CONTACT for c in consents),
        "share_agencies": [c.agency for c in consents if c.is_active and c.kind == Consent.Kind.SHARE_DATA
                           and c.agency_id != case.owner_agency_id],
        "latest_assessment": next(iter(case.assessments.all()), None),
        "unsafe_contacts": selectors.unsafe_contacts(case),
        "criminal_cases": list(visible_cases(user).filter(pk__in=[c.pk for c in case.criminal_cases.all()])),
        "has_candidates": access.can_edit_case(user, case) and selectors.candidate_criminal_cases(user, case).exists(),
        "total_cost": sum((d.cost or 0) for d in case.deliveries.all()),
        # identity values masked unless the viewer may see hers (audit.masking, rule registered by this app)
        "history": history_for(user, case) if user.can(Capability.HISTORY_VIEW) else None,
        "today": timezone.localdate(),
    }
    return _render_logged(request, "assistance/case_detail.html", context, person=case.person, instance=case,
                          identity=identity, detail=case.code, relatives=case.family_contacts.all())


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def case_edit(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    initial = {"caseworker": case.caseworker.uuid if case.caseworker else None,
               "identification_place": case.identification_place_id, "current_ubigeo": case.current_ubigeo_id,
               "current_location": case.current_location, "notes": case.notes, "version": case.version}
    form = CaseEditForm(request.POST or None, actor=user, initial=initial)
    return _form_page(
        request, form=form, case=case, title=_("Datos del caso %(code)s") % {"code": case.code},
        back=_case_url(case),
        call=lambda f: services.case_update(actor=user, case=case, expected_version=f.cleaned_data["version"],
                                            **f.service_kwargs()),
        success=_("Datos del caso actualizados."), done=_case_url(case))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def case_status(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = TraffickingStatusForm(request.POST or None, actor=user, initial={
        "trafficking_status": case.trafficking_status, "status_decided_on": timezone.localdate(),
        "status_decision_org": case.status_decision_org or services.decision_org_for(user.agency)})
    return _form_page(
        request, form=form, case=case, title=_("Situación de trata"), back=_case_url(case),
        call=lambda f: services.case_set_trafficking_status(actor=user, case=case, **f.service_kwargs()),
        success=_("Situación de trata actualizada."), done=_case_url(case))


@never_cache
@require_POST
@_redirecting
def case_follow_up(request, case_uuid):
    case = _edit_case(request, case_uuid)
    follow_up = request.POST.get("follow_up") == "1"
    services.case_set_follow_up(actor=request.user, case=case, follow_up=follow_up)
    messages.success(request, _("Estado del caso actualizado."))
    return redirect(_case_url(case))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def case_close(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    pending = list(services.open_referrals(case).select_related("to_agency"))
    warning = ""
    if pending:
        warning = _("Hay derivaciones en curso (%(list)s): el caso no podrá cerrarse hasta que concluyan o se "
                    "revoquen.") % {"list": ", ".join(r.to_agency.name for r in pending)}
    form = CloseForm(request.POST or None, actor=user, initial={"closed_on": timezone.localdate()})
    return _form_page(
        request, form=form, case=case, title=_("Cerrar el caso %(code)s") % {"code": case.code},
        back=_case_url(case), warning=warning, submit=_("Cerrar el caso"),
        call=lambda f: services.case_close(actor=user, case=case, **f.service_kwargs()),
        success=_("Caso cerrado."), done=_case_url(case))


@never_cache
@require_http_methods(["GET", "POST"])
def case_reopen(request, case_uuid):
    user = request.user
    case = access.access_assistance_case(user, case_uuid, write=True)
    form = ReopenForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, case=case, title=_("Reabrir el caso %(code)s") % {"code": case.code},
        back=_case_url(case), submit=_("Reabrir"),
        call=lambda f: services.case_reopen(actor=user, case=case, reason=f.cleaned_data["reason"]),
        success=_("Caso reabierto."), done=_case_url(case))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def criminal_link(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = LinkCriminalCaseForm(request.POST or None, actor=user,
                                candidates=selectors.candidate_criminal_cases(user, case))
    return _form_page(
        request, form=form, case=case, title=_("Vincular un caso penal"), back=_case_url(case, "criminal"),
        call=lambda f: services.case_link_criminal_case(actor=user, case=case,
                                                        criminal_case=f.cleaned_data["criminal_case"]),
        success=_("Caso penal vinculado."), done=_case_url(case, "criminal"))


@never_cache
@require_GET
def case_pdf(request, case_uuid):
    user = request.user
    case = selectors.case_detail(access.access_assistance_case(user, case_uuid))
    identity = can_see_identity(user, case.person)
    from sistra.cases.access import visible_cases

    context = {
        "case": case, "person": person_card(case.person, identity=identity), "identity": identity,
        "unsafe_contacts": selectors.unsafe_contacts(case), "printed_at": timezone.localtime(),
        "printed_by": user, "latest_assessment": next(iter(case.assessments.all()), None),
        "criminal_cases": list(visible_cases(user).filter(pk__in=[c.pk for c in case.criminal_cases.all()])),
        "total_cost": sum((d.cost or 0) for d in case.deliveries.all()),
    }
    with transaction.atomic():
        # the summary names the relatives only with the victim's identity
        _log_reads(user, person=case.person, instance=case, identity=identity,
                   relatives=case.family_contacts.all() if identity else (), detail=_("resumen del caso (PDF)"))
        content = render_pdf("assistance/pdf/case_summary.html", context)
    return _pdf_response(content, f"caso-{case.code}.pdf")


# --- consent ----------------------------------------------------------------------------------------------

def _consent_case(request, case_uuid) -> AssistanceCase:
    case = access.access_assistance_case(request.user, case_uuid)
    _require(access.can_record_consent(request.user, case))
    if not case.is_open:
        raise _Redirect(_case_url(case))
    return case


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def consent_add(request, case_uuid):
    user = request.user
    case = _consent_case(request, case_uuid)
    form = ConsentForm(request.POST or None, actor=user, initial={"given_on": timezone.localdate(),
                                                                  "kind": request.GET.get("kind", "")})
    return _form_page(
        request, form=form, case=case, title=_("Registrar un consentimiento"), back=_case_url(case, "consents"),
        intro=_("Registre cada consentimiento por separado. Para compartir datos, uno por institución: sin él, "
                "una derivación a esa institución no lleva datos de identidad."),
        call=lambda f: services.consent_record(actor=user, case=case, **f.service_kwargs()),
        success=_("Consentimiento registrado."), done=_case_url(case, "consents"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def consent_withdraw(request, case_uuid, consent_uuid):
    user = request.user
    case = _consent_case(request, case_uuid)
    consent = get_object_or_404(Consent.objects.select_related("agency"), case=case, uuid=consent_uuid,
                                withdrawn_on__isnull=True)
    warning = ""
    if consent.kind == Consent.Kind.SHARE_DATA:
        warning = _("Las derivaciones en curso a %(agency)s dejarán de incluir datos de identidad de inmediato.") % {
            "agency": consent.agency.name}
    elif consent.kind == Consent.Kind.SERVICES:
        warning = _("Las derivaciones en curso de este caso se revocarán.")

    def success(result):
        items = [(messages.SUCCESS, _("Consentimiento retirado."))]
        for referral in result.referrals_without_identity:
            items.append((messages.WARNING, _(
                "La derivación a %(agency)s en curso ya no incluye datos de identidad: desde ahora %(agency)s solo "
                "ve el código seudónimo %(code)s, el rango de edad, el sexo y la región.")
                % {"agency": referral.to_agency.name, "code": referral.person.code}))
        for referral in result.referrals_revoked:
            items.append((messages.WARNING, _("La derivación a %(agency)s fue revocada.")
                          % {"agency": referral.to_agency.name}))
        return items

    form = WithdrawConsentForm(request.POST or None, actor=user, initial={"withdrawn_on": timezone.localdate()})
    return _form_page(
        request, form=form, case=case,
        title=_("Retirar el consentimiento: %(kind)s") % {"kind": services._consent_label(consent)},
        back=_case_url(case, "consents"), warning=warning, submit=_("Retirar el consentimiento"),
        call=lambda f: services.consent_withdraw(actor=user, consent=consent, **f.service_kwargs()),
        success=success, done=_case_url(case, "consents"))


# --- assessment and plan ----------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def assessment_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = AssessmentForm(request.POST or None, actor=user, initial={"assessed_on": timezone.localdate()})
    return _form_page(
        request, form=form, case=case, title=_("Evaluación de necesidades y riesgos"),
        back=_case_url(case, "assessment"),
        intro=_("Según HTCDS v2: riesgo y vulnerabilidad individual, del hogar y de la comunidad. Repita la "
                "evaluación durante el caso para ver cómo cambian."),
        call=lambda f: services.assessment_record(actor=user, case=case, **f.service_kwargs()),
        success=_("Evaluación registrada."), done=_case_url(case, "assessment"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def plan_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = PlanForm(request.POST or None, actor=user, initial={"starts_on": timezone.localdate()})
    return _form_page(
        request, form=form, case=case, title=_("Plan de apoyo"), back=_case_url(case, "plan"),
        call=lambda f: services.plan_create(actor=user, case=case, **f.service_kwargs()),
        success=_("Plan de apoyo registrado."), done=_case_url(case, "plan"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def plan_end(request, case_uuid, plan_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    plan = get_object_or_404(SupportPlan, case=case, uuid=plan_uuid)
    form = PlanEndForm(request.POST or None, actor=user, initial={"actual_end": timezone.localdate()})
    return _form_page(
        request, form=form, case=case, title=_("Concluir el plan de apoyo"), back=_case_url(case, "plan"),
        call=lambda f: services.plan_end(actor=user, plan=plan, **f.service_kwargs()),
        success=_("Plan concluido."), done=_case_url(case, "plan"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def goal_add(request, case_uuid, plan_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    plan = get_object_or_404(SupportPlan, case=case, uuid=plan_uuid)
    form = GoalForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, case=case, title=_("Añadir una meta al plan"), back=_case_url(case, "plan"),
        call=lambda f: services.goal_add(actor=user, plan=plan, **f.service_kwargs()),
        success=_("Meta añadida."), done=_case_url(case, "plan"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def goal_status(request, case_uuid, goal_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    goal = get_object_or_404(SupportGoal, plan__case=case, uuid=goal_uuid)
    form = GoalStatusForm(request.POST or None, actor=user, initial={"status": goal.status,
                                                                     "achieved_on": goal.achieved_on})
    return _form_page(
        request, form=form, case=case, title=_("Meta: %(goal)s") % {"goal": goal.description},
        back=_case_url(case, "plan"),
        call=lambda f: services.goal_set_status(actor=user, goal=goal, **f.service_kwargs()),
        success=_("Meta actualizada."), done=_case_url(case, "plan"))


# --- services delivered, follow-ups, family ---------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def delivery_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = DeliveryForm(request.POST or None, actor=user, initial={"delivered_on": timezone.localdate()})
    return _form_page(
        request, form=form, case=case, title=_("Registrar un servicio brindado"), back=_case_url(case, "services"),
        call=lambda f: services.delivery_record(actor=user, case=case, **f.service_kwargs()),
        success=_("Servicio registrado."), done=_case_url(case, "services"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def followup_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = FollowUpForm(request.POST or None, actor=user, initial={"visited_on": timezone.localdate()})
    return _form_page(
        request, form=form, case=case, title=_("Registrar un seguimiento"), back=_case_url(case, "services"),
        call=lambda f: services.followup_record(actor=user, case=case, **f.service_kwargs()),
        success=_("Seguimiento registrado."), done=_case_url(case, "services"))


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def family_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = FamilyContactForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, case=case, title=_("Registrar un familiar o contacto"), back=_case_url(case, "family"),
        call=lambda f: services.family_contact_add(actor=user, case=case, **f.service_kwargs()),
        success=_("Familiar o contacto registrado."), done=_case_url(case, "family"))


def _family_initial(contact) -> dict:
    initial = {name: getattr(contact, name) for name in services.FAMILY_FIELDS}
    initial["ubigeo"] = contact.ubigeo_id
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def family_edit(request, contact_uuid):
    user = request.user
    contact, referral = access.access_family_contact(user, contact_uuid)
    case = contact.case
    if referral is None:
        _require(access.can_edit_case(user, case) and case.is_open)
        back = _case_url(case, "family")
    else:
        _require(access.can_work_on_referral(user, referral))
        back = reverse("assistance:referral_detail", args=[referral.uuid]) + "#family"
    form = FamilyContactForm(request.POST or None, actor=user, initial=_family_initial(contact))
    return _form_page(
        request, form=form, case=case if referral is None else None, referral=referral,
        title=_("Familiar o contacto: %(relation)s") % {"relation": contact.get_relationship_display()}, back=back,
        call=lambda f: services.family_contact_update(actor=user, contact=contact, referral=referral,
                                                     **f.service_kwargs()),
        success=_("Familiar o contacto actualizado."), done=back, relatives=[contact])


def _family_context(user, contact, referral):
    case = contact.case
    identity = (access.referral_shows_identity(user, referral) if referral is not None
                else can_see_identity(user, case.person))
    return {
        "contact": contact, "case": case, "referral": referral,
        "person": person_card(case.person, identity=identity), "identity": identity,
        # the sheet is used with the relative: where the victim is never appears for an unsafe contact
        "show_location": not contact.must_not_know_location,
        "agency": user.agency, "printed_at": timezone.localtime(),
    }


@never_cache
@require_GET
def family_detail(request, contact_uuid):
    user = request.user
    contact, referral = access.access_family_contact(user, contact_uuid)
    context = _family_context(user, contact, referral)
    context["can_edit"] = (access.can_work_on_referral(user, referral) if referral is not None
                           else access.can_edit_case(user, contact.case) and contact.case.is_open)
    return _render_logged(request, "assistance/family_contact.html", context, person=contact.case.person,
                          instance=contact.case, identity=context["identity"], relatives=[contact],
                          detail=_("hoja de contacto familiar"))


@never_cache
@require_GET
def family_pdf(request, contact_uuid):
    user = request.user
    contact, referral = access.access_family_contact(user, contact_uuid)
    context = _family_context(user, contact, referral)
    with transaction.atomic():
        _log_reads(user, person=contact.case.person, instance=contact.case, identity=context["identity"],
                   relatives=[contact], detail=_("hoja de contacto familiar (PDF)"))
        content = render_pdf("assistance/pdf/family_contact.html", context)
    return _pdf_response(content, f"contacto-{contact.uuid}.pdf")


# --- referrals --------------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def referral_send(request, case_uuid):
    user = request.user
    case = access.access_assistance_case(user, case_uuid)
    _require(access.can_refer(user, case))
    if not case.is_open:
        raise _Redirect(_case_url(case))
    share_agencies = [c.agency.name for c in case.consents.filter(kind=Consent.Kind.SHARE_DATA,
                                                                  withdrawn_on__isnull=True)
                      .exclude(agency=case.owner_agency).select_related("agency")]
    intro = (_("La víctima consintió compartir sus datos con: %(list)s. Una derivación a cualquier otra institución "
               "se envía sin datos de identidad (solo el código seudónimo, rango de edad, sexo y región).")
             % {"list": ", ".join(share_agencies)} if share_agencies else
             _("La víctima no consintió compartir sus datos con ninguna institución: la derivación se enviará sin "
               "datos de identidad (solo el código seudónimo, rango de edad, sexo y región)."))
    form = ReferralForm(request.POST or None, actor=user, initial={
        "due_on": timezone.localdate() + datetime.timedelta(days=3),
        "kind": Referral.Kind.SERVICES})

    def success(referral):
        items = [(messages.SUCCESS, _("Derivación enviada a %(agency)s.") % {"agency": referral.to_agency.name})]
        if not referral.include_identity:
            items.append((messages.WARNING, _(
                "Sin consentimiento para compartir datos con %(agency)s: la derivación no incluye datos de "
                "identidad. %(agency)s solo ve el código %(code)s, el rango de edad, el sexo y la región.")
                % {"agency": referral.to_agency.name, "code": referral.person.code}))
        return items

    return _form_page(
        request, form=form, case=case, title=_("Derivar a otra institución"), back=_case_url(case, "referrals"),
        intro=intro, submit=_("Enviar la derivación"),
        call=lambda f: services.referral_send(actor=user, case=case, **f.service_kwargs()),
        success=success, done=_case_url(case, "referrals"))


def _referral_context(user, referral):
    identity = access.referral_shows_identity(user, referral)
    case = referral.case
    receiver = access.is_receiver(user, referral)
    latest = case.assessments.prefetch_related("needs").first()
    unsafe = [c for c in case.family_contacts.all() if c.must_not_know_location]
    return {
        "referral": referral, "case": case, "person": person_card(referral.person, identity=identity),
        "identity": identity, "is_sender": access.is_sender(user, referral), "is_receiver": receiver,
        "services": list(referral.services.all()),
        "can_respond": access.can_respond(user, referral), "can_complete": access.can_complete(user, referral),
        "can_revoke": access.can_revoke(user, referral), "can_work": access.can_work_on_referral(user, referral),
        "shows_family": access.referral_shows_family(user, referral),
        "family": list(case.family_contacts.select_related("ubigeo__parent__parent"))
        if access.referral_shows_family(user, referral) else [],
        "deliveries": list(referral.deliveries.select_related("service_type", "agency", "provider",
                                                              "destination_ubigeo__parent__parent")),
        "follow_ups": list(referral.follow_ups.select_related("agency")),
        "latest_assessment": latest, "unsafe_count": len(unsafe),
        "contact_consent": services.active_consent(case, Consent.Kind.CONTACT) is not None,
        # where she is identifies her: only with identity
        "show_location": identity,
        "overdue": referral.is_overdue(),
        "today": timezone.localdate(),
    }


@never_cache
@require_GET
def referral_detail(request, referral_uuid):
    user = request.user
    referral = access.access_referral(user, referral_uuid)
    context = _referral_context(user, referral)
    return _render_logged(request, "assistance/referral_detail.html", context, person=referral.person,
                          instance=referral, identity=context["identity"], relatives=context["family"],
                          detail=referral.case.code)


@never_cache
@require_GET
def referral_pdf(request, referral_uuid):
    user = request.user
    referral = access.access_referral(user, referral_uuid)
    context = _referral_context(user, referral)
    context.update(printed_at=timezone.localtime(), printed_by=user)
    with transaction.atomic():
        if context["identity"]:
            log_access(actor=user, instance=referral, person=referral.person, fields=IDENTITY_FIELDS,
                       purpose=PURPOSE, detail=_("formulario de derivación (PDF)"))
        content = render_pdf("assistance/pdf/referral.html", context)
    return _pdf_response(content, f"derivacion-{referral.case.code}.pdf")


def _referral_url(referral, section: str = "") -> str:
    return reverse("assistance:referral_detail", args=[referral.uuid]) + (f"#{section}" if section else "")


@never_cache
@require_POST
def referral_accept(request, referral_uuid):
    user = request.user
    referral = access.access_referral(user, referral_uuid)
    _require(access.can_respond(user, referral))
    try:
        referral = services.referral_accept(actor=user, referral=referral)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(_referral_url(referral))
    if referral.kind == Referral.Kind.TRANSFER:
        messages.success(request, _("Transferencia aceptada: su institución gestiona ahora el caso %(code)s.")
                         % {"code": referral.case.code})
        return redirect(_case_url(referral.case))
    messages.success(request, _("Derivación aceptada."))
    return redirect(_referral_url(referral))


@never_cache
@require_http_methods(["GET", "POST"])
def referral_decline(request, referral_uuid):
    user = request.user
    referral = access.access_referral(user, referral_uuid)
    _require(access.can_respond(user, referral))
    form = DeclineForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, referral=referral, title=_("Rechazar la derivación"), back=_referral_url(referral),
        submit=_("Rechazar"), call=lambda f: services.referral_decline(actor=user, referral=referral,
                                                                       reason=f.cleaned_data["reason"]),
        success=_("Derivación rechazada. La institución que deriva verá el motivo."),
        done=reverse("assistance:dashboard"))


@never_cache
@require_http_methods(["GET", "POST"])
def referral_complete(request, referral_uuid):
    user = request.user
    referral = access.access_referral(user, referral_uuid)
    _require(access.can_complete(user, referral))
    form = CompleteForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, referral=referral, title=_("Marcar la derivación como concluida"),
        back=_referral_url(referral), submit=_("Concluir"),
        warning=_("Al concluir, su institución deja de tener acceso a los datos de la persona."),
        call=lambda f: services.referral_complete(actor=user, referral=referral, notes=f.cleaned_data["notes"]),
        success=_("Derivación concluida."), done=_referral_url(referral))


@never_cache
@require_http_methods(["GET", "POST"])
def referral_revoke(request, referral_uuid):
    user = request.user
    referral = access.access_referral(user, referral_uuid)
    _require(access.can_revoke(user, referral))
    form = RevokeForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, referral=referral, title=_("Revocar la derivación"), back=_referral_url(referral),
        submit=_("Revocar"), warning=_("%(agency)s dejará de tener acceso a los datos de la persona de inmediato.")
        % {"agency": referral.to_agency.name},
        call=lambda f: services.referral_revoke(actor=user, referral=referral, reason=f.cleaned_data["reason"]),
        success=_("Derivación revocada."), done=_referral_url(referral))


def _working_referral(request, referral_uuid) -> Referral:
    referral = access.access_referral(request.user, referral_uuid)
    _require(access.can_work_on_referral(request.user, referral))
    return referral


@never_cache
@require_http_methods(["GET", "POST"])
def referral_delivery_add(request, referral_uuid):
    user = request.user
    referral = _working_referral(request, referral_uuid)
    initial = {"delivered_on": timezone.localdate(), "destination_ubigeo": referral.destination_ubigeo_id,
               "destination_country": referral.destination_country_id}
    form = DeliveryForm(request.POST or None, actor=user, initial=initial,
                        service_types=ServiceType.objects.filter(pk__in=referral.services.values("pk")))
    return _form_page(
        request, form=form, referral=referral, title=_("Registrar un servicio brindado"),
        back=_referral_url(referral, "services"),
        call=lambda f: services.delivery_record(actor=user, case=referral.case, referral=referral,
                                                **f.service_kwargs()),
        success=_("Servicio registrado."), done=_referral_url(referral, "services"))


@never_cache
@require_http_methods(["GET", "POST"])
def referral_followup_add(request, referral_uuid):
    user = request.user
    referral = _working_referral(request, referral_uuid)
    form = FollowUpForm(request.POST or None, actor=user, initial={"visited_on": timezone.localdate()})
    return _form_page(
        request, form=form, referral=referral, title=_("Registrar un seguimiento"),
        back=_referral_url(referral, "services"),
        call=lambda f: services.followup_record(actor=user, case=referral.case, referral=referral,
                                                **f.service_kwargs()),
        success=_("Seguimiento registrado."), done=_referral_url(referral, "services"))


@never_cache
@require_http_methods(["GET", "POST"])
def referral_family_add(request, referral_uuid):
    user = request.user
    referral = _working_referral(request, referral_uuid)
    if not access.referral_shows_family(user, referral):
        raise Http404
    form = FamilyContactForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, referral=referral, title=_("Registrar un familiar o contacto"),
        back=_referral_url(referral, "family"),
        call=lambda f: services.family_contact_add(actor=user, case=referral.case, referral=referral,
                                                  **f.service_kwargs()),
        success=_("Familiar o contacto registrado."), done=_referral_url(referral, "family"))


# --- catalogue and directory ------------------------------------------------------------------------------

@never_cache
@require_GET
def catalogue(request):
    form = ProviderFilterForm(request.GET)
    region = service = ""
    if form.is_valid():
        region, service = form.cleaned_data["region"], form.cleaned_data["service"]
    providers = selectors.provider_directory(region=region, service=service)
    return render(request, "assistance/catalogue.html", {
        "service_types": ServiceType.objects.filter(is_active=True), "form": form,
        "page_obj": Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page")),
        "base_query": "&".join(f"{k}={v}" for k, v in (("region", region), ("service", service)) if v),
        "can_edit": request.user.can(Capability.ASSISTANCE_EDIT),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def provider_create(request):
    user = request.user
    _require(user.can(Capability.ASSISTANCE_EDIT))
    form = ProviderForm(request.POST or None, actor=user)
    return _form_page(
        request, form=form, title=_("Registrar un proveedor"), back=reverse("assistance:catalogue"),
        call=lambda f: services.provider_create(actor=user, **f.service_kwargs()),
        success=_("Proveedor registrado."), done=reverse("assistance:catalogue"))


@never_cache
@require_http_methods(["GET", "POST"])
def provider_edit(request, provider_uuid):
    user = request.user
    _require(user.can(Capability.ASSISTANCE_EDIT))
    provider = get_object_or_404(Provider, uuid=provider_uuid)
    initial = {name: getattr(provider, name) for name in ("name", "kind", "address", "phone", "email", "notes")}
    initial.update(agency=provider.agency.code if provider.agency_id else None,
                   services=[s.code for s in provider.services.all()],
                   regions=[r.code for r in provider.regions.all()])
    form = ProviderForm(request.POST or None, actor=user, initial=initial)
    return _form_page(
        request, form=form, title=_("Proveedor: %(name)s") % {"name": provider.name},
        back=reverse("assistance:catalogue"),
        call=lambda f: services.provider_update(actor=user, provider=provider, **f.service_kwargs()),
        success=_("Proveedor actualizado."), done=reverse("assistance:catalogue"))


# --- the victim-centred timeline --------------------------------------------------------------------------

@never_cache
@require_GET
def timeline(request, person_uuid):
    user = request.user
    person = access_person(user, person_uuid)
    identity = can_see_identity(user, person)
    entries = person_timeline(user, person)
    context = {"person": person_card(person, identity=identity), "person_obj": person, "entries": entries,
               "sources": timeline_sources(), "identity": identity,
               "open_case": access.visible_assistance_cases(user).filter(
                   person=person, status__in=AssistanceCase.OPEN_STATUSES).first(),
               "can_identify": access.can_identify(user) and identity}
    return _render_logged(request, "assistance/timeline.html", context, person=person, instance=person,
                          identity=identity, detail=_("línea de tiempo"))

