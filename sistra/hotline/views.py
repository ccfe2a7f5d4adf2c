"""Hotline pages. Thin: parse the form, fetch through hotline.access, call one service, render. Pages that show
a caller's or a person's identity read it and write the access log in one transaction."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.models import Agency
from sistra.audit.services import log_access
from sistra.core.pagination import bounded_page

from . import selectors, services
from .access import (
    access_contact,
    access_flag,
    access_follow_up,
    access_report,
    can_see_caller_identity,
    can_supervise,
    is_recipient,
)
from .forms import (
    AcknowledgeForm,
    ContactForm,
    FlagForm,
    FollowUpCloseForm,
    FollowUpForm,
    HandoverForm,
    ImportForm,
    LinkCaseForm,
    LinkPersonForm,
    NewPersonForm,
    OpenCaseForm,
    PersonSearchForm,
    PhoneLookupForm,
    ReportForm,
    StatsForm,
    moment_text,
)
from .imports import ImportFileError, import_calls_file
from .models import Contact
from .phone import phone_hashes_for_lookup

PAGE_SIZE = 50
HANDOVER_DEFAULT_HOURS = 12


def _require(user, capability: Capability) -> None:
    if not has_capability(user, capability) or not user.agency_id:
        raise PermissionDenied


def _require_operator(user) -> None:
    _require(user, Capability.CONTACT_CREATE)
    if user.agency.kind != Agency.Kind.HOTLINE:
        raise PermissionDenied


def _require_supervisor(user) -> None:
    if not can_supervise(user):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def home(request):
    """The operator's desk: calls waiting to be completed and the latest contacts."""
    if not has_capability(request.user, Capability.CONTACT_VIEW):
        if has_capability(request.user, Capability.POLICE_REPORT_RECEIVE):
            return redirect("hotline:inbox")
        raise PermissionDenied
    hide = request.GET.get("sustantivos") == "1"
    page = bounded_page(selectors.contact_list(request.user, hide_non_substantive=hide), PAGE_SIZE,
                        request.GET.get("page"))
    return render(request, "hotline/home.html", {
        "incoming": selectors.incoming_calls(request.user)[:20], "page_obj": page, "hide_non_substantive": hide,
        "base_query": "sustantivos=1" if hide else "", "can_supervise": can_supervise(request.user),
        "can_create": has_capability(request.user, Capability.CONTACT_CREATE),
    })


def _contact_form_page(request, form, *, contact=None, history=None):
    return render(request, "hotline/contact_form.html", {
        "form": form, "contact": contact, "history": history,
        "shortcuts": list(enumerate(Contact.NonSubstantive.choices, start=1)),
    })


def _after_save(request, contact: Contact):
    if contact.category == Contact.Category.NON_SUBSTANTIVE:
        messages.success(request, _("Contacto %(code)s registrado: %(reason)s. Listo para la siguiente llamada.")
                         % {"code": contact.code, "reason": contact.get_non_substantive_reason_display()})
        return redirect("hotline:contact_new")
    messages.success(request, _("Contacto %(code)s registrado.") % {"code": contact.code})
    return redirect("hotline:contact_detail", contact_uuid=contact.uuid)


@never_cache
@require_http_methods(["GET", "POST"])
def contact_new(request):
    _require_operator(request.user)
    history = None
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                contact = services.contact_create(actor=request.user, **form.service_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return _after_save(request, contact)
        hashes = phone_hashes_for_lookup(request.POST.get("caller_phone"))
        history = selectors.caller_history(request.user, phone_hashes=hashes) if hashes else None
    else:
        form = ContactForm()
    return _contact_form_page(request, form, history=history)


@never_cache
@require_http_methods(["GET", "POST"])
def contact_attend(request, contact_uuid):
    """Complete a call the telephony system opened: the clock started when the call was answered."""
    _require_operator(request.user)
    contact = access_contact(request.user, contact_uuid, write=True)
    if contact.status != Contact.Status.OPEN:
        return redirect("hotline:contact_detail", contact_uuid=contact.uuid)
    history = selectors.caller_history(request.user, phone_hashes=[contact.phone_hash], exclude_pk=contact.pk)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            kwargs = form.service_kwargs()
            kwargs.pop("line")
            try:
                version = int(request.POST.get("version", ""))
                contact = services.contact_complete(actor=request.user, contact=contact, expected_version=version,
                                                    **kwargs)
            except ValueError:
                form.add_error(None, _("Vuelva a cargar la página."))
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return _after_save(request, contact)
    else:
        form = ContactForm(initial={"started_at": moment_text(contact.started_at), "line": contact.line,
                                    "channel": contact.channel})
    return _contact_form_page(request, form, contact=contact, history=history)


@require_POST
def caller_lookup(request):
    """Earlier contacts and flags of a number, as the operator types it (the number travels in the body of a
    POST, never in a URL)."""
    _require_operator(request.user)
    form = PhoneLookupForm(request.POST)
    hashes = phone_hashes_for_lookup(form.data.get("caller_phone")) if form.is_valid() else []
    history = selectors.caller_history(request.user, phone_hashes=hashes) if hashes else None
    return render(request, "hotline/_caller_history.html", {"history": history, "looked_up": bool(hashes)})


@never_cache
@require_http_methods(["GET"])
def contact_detail(request, contact_uuid):
    with transaction.atomic():
        contact = selectors.contact_detail(access_contact(request.user, contact_uuid))
        identity = selectors.caller_identity(request.user, contact, detail=_("Ficha del contacto"))
        links = list(contact.persons.all())
        person_labels = selectors.person_identities(request.user, links, detail=_("Ficha del contacto"))
    history = selectors.caller_history(request.user, phone_hashes=[contact.phone_hash],
                                       person_ids=[link.person_id for link in links], exclude_pk=contact.pk)
    can_write = has_capability(request.user, Capability.CONTACT_CREATE)
    return render(request, "hotline/contact_detail.html", {
        "contact": contact, "identity": identity, "history": history, "can_write": can_write,
        "persons": [(link, person_labels[link.pk]) for link in links],
        "follow_up_form": FollowUpForm(), "flag_form": FlagForm(),
        "can_report": can_write and contact.status == Contact.Status.CLOSED and contact.is_substantive,
    })


@require_POST
def follow_up_add(request, contact_uuid):
    contact = access_contact(request.user, contact_uuid, write=True)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_add(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Seguimiento programado."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("hotline:contact_detail", contact_uuid=contact.uuid)


@require_POST
def follow_up_close(request, follow_up_uuid):
    follow_up = access_follow_up(request.user, follow_up_uuid)
    form = FollowUpCloseForm(request.POST)
    form.is_valid()
    try:
        services.follow_up_close(actor=request.user, follow_up=follow_up, outcome=form.cleaned_data.get("outcome", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Seguimiento cerrado."))
    if request.POST.get("next") == "handover":
        return redirect("hotline:handover")
    return redirect("hotline:contact_detail", contact_uuid=follow_up.contact.uuid)


@require_POST
def flag_add(request, contact_uuid):
    contact = access_contact(request.user, contact_uuid, write=True)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            services.caller_flag_add(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Marca registrada en el número."))
    return redirect("hotline:contact_detail", contact_uuid=contact.uuid)


@require_POST
def flag_clear(request, flag_uuid):
    flag = access_flag(request.user, flag_uuid)
    try:
        services.caller_flag_clear(actor=request.user, flag=flag)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marca retirada."))
    return redirect("hotline:contact_detail", contact_uuid=flag.contact.uuid)


@never_cache
@require_http_methods(["GET", "POST"])
def person_link(request, contact_uuid):
    """Link a person of the registry to the contact: search (by POST, so no name goes into a URL), pick, or
    register a new person once the similar ones have been looked at."""
    from sistra.people.access import access_person, can_see_identity
    from sistra.people.selectors import find_matches, person_search

    contact = access_contact(request.user, contact_uuid, write=True)
    search_form, link_form, new_form = PersonSearchForm(), LinkPersonForm(), NewPersonForm()
    results, matches = [], []
    action = request.POST.get("action")
    if request.method == "POST" and action == "search":
        search_form = PersonSearchForm(request.POST)
        if search_form.is_valid():
            results = list(person_search(request.user, search_form.cleaned_data["text"])
                           .prefetch_related("documents")[:20])
    elif request.method == "POST" and action == "link":
        link_form = LinkPersonForm(request.POST)
        if link_form.is_valid():
            person = access_person(request.user, link_form.cleaned_data["person"])
            try:
                services.contact_link_person(actor=request.user, contact=contact, person=person,
                                             role=link_form.cleaned_data["role"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Persona vinculada al contacto."))
                return redirect("hotline:contact_detail", contact_uuid=contact.uuid)
    elif request.method == "POST" and action == "create":
        new_form = NewPersonForm(request.POST)
        if new_form.is_valid():
            data = dict(new_form.cleaned_data)
            role, confirmed = data.pop("role"), data.pop("confirm_new")
            matches = find_matches(actor=request.user, first_names=data["first_names"],
                                   last_name_paternal=data["last_name_paternal"],
                                   last_name_maternal=data["last_name_maternal"])
            if matches and not confirmed:
                new_form.add_error("confirm_new", _("Hay personas parecidas en el registro: vincule una de ellas o "
                                                    "confirme que es una persona distinta."))
            else:
                try:
                    services.contact_add_new_person(actor=request.user, contact=contact, role=role, **data)
                except ValidationError as exc:
                    new_form.add_service_errors(exc)
                else:
                    messages.success(request, _("Persona registrada y vinculada al contacto."))
                    return redirect("hotline:contact_detail", contact_uuid=contact.uuid)
    identity = can_see_identity(request.user)
    with transaction.atomic():
        shown = []
        for person in results + [m.person for m in matches]:
            if identity:
                log_access(actor=request.user, instance=person, fields=["first_names", "last_name_paternal",
                                                                        "last_name_maternal"],
                           purpose="hotline", detail=_("Búsqueda para vincular a un contacto"))
            shown.append((person, person.full_name if identity else person.code))
    return render(request, "hotline/person_link.html", {
        "contact": contact, "search_form": search_form, "link_form": link_form, "new_form": new_form,
        "results": shown[:len(results)], "matches": shown[len(results):], "searched": action == "search",
    })


# ---------------------------------------------------------------------------------------------------------
# Reports to the police
# ---------------------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def report_new(request, contact_uuid):
    contact = access_contact(request.user, contact_uuid, write=True)
    if request.method == "POST":
        form = ReportForm(request.POST, contact=contact)
        if form.is_valid():
            try:
                report = services.police_report_send(actor=request.user, contact=contact, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Reporte %(code)s enviado a %(agency)s.")
                                 % {"code": report.code, "agency": report.recipient})
                return redirect("hotline:contact_detail", contact_uuid=contact.uuid)
    else:
        form = ReportForm(contact=contact, initial={"facts": contact.summary})
    return render(request, "hotline/report_form.html", {"form": form, "contact": contact})


@require_http_methods(["GET"])
def inbox(request):
    """Reports sent to the user's PNP unit or fiscalía, newest first; overdue ones marked."""
    _require(request.user, Capability.POLICE_REPORT_RECEIVE)
    pending = request.GET.get("pendientes") == "1"
    page = bounded_page(selectors.report_inbox(request.user, pending_only=pending), PAGE_SIZE,
                        request.GET.get("page"))
    return render(request, "hotline/inbox.html", {"page_obj": page, "pending_only": pending,
                                                  "base_query": "pendientes=1" if pending else ""})


@never_cache
@require_http_methods(["GET"])
def report_detail(request, report_uuid):
    with transaction.atomic():
        report = access_report(request.user, report_uuid)
        contact = report.contact
        recipient_view = is_recipient(request.user, report)
        identity = None
        if report.include_caller_contact and contact.has_caller_identity and (
                recipient_view or can_see_caller_identity(request.user, contact)):
            identity = {k: getattr(contact, k) for k in selectors.CALLER_IDENTITY_FIELDS if getattr(contact, k)}
            log_access(actor=request.user, instance=contact, fields=list(identity), purpose="hotline",
                       detail=_("Reporte %(code)s") % {"code": report.code})
    return render(request, "hotline/report_detail.html", {
        "report": report, "contact": contact, "identity": identity, "recipient_view": recipient_view,
        "ack_form": AcknowledgeForm(), "open_case_form": OpenCaseForm(actor=request.user),
        "link_case_form": LinkCaseForm(),
        "can_open_case": recipient_view and has_capability(request.user, Capability.CASE_CREATE),
        "can_link_case": recipient_view and has_capability(request.user, Capability.CASE_VIEW),
        "notifications": list(contact.police_notifications.select_related("unit")),
    })


@never_cache
@require_http_methods(["GET"])
def report_pdf(request, report_uuid):
    with transaction.atomic():
        report = access_report(request.user, report_uuid)
        if report.include_caller_contact and report.contact.has_caller_identity:
            log_access(actor=request.user, instance=report.contact,
                       fields=[k for k in selectors.CALLER_IDENTITY_FIELDS if getattr(report.contact, k)],
                       purpose="hotline", detail=_("PDF del reporte %(code)s") % {"code": report.code})
    data = bytes(report.pdf) if report.pdf else services.police_report_store_pdf(report=report)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reporte-{report.code}.pdf"'
    return response


@require_POST
def report_acknowledge(request, report_uuid):
    report = access_report(request.user, report_uuid, receive=True)
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        services.police_report_acknowledge(actor=request.user, report=report,
                                           reference=form.cleaned_data.get("reference", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Acuse de recibo registrado."))
    return redirect("hotline:report_detail", report_uuid=report.uuid)


@require_POST
def report_open_case(request, report_uuid):
    report = access_report(request.user, report_uuid, receive=True)
    _require(request.user, Capability.CASE_CREATE)
    form = OpenCaseForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            report = services.police_report_open_case(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Caso %(number)s abierto desde el reporte.") % {"number": report.case})
            return redirect("hotline:report_detail", report_uuid=report.uuid)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("hotline:report_detail", report_uuid=report.uuid)


@require_POST
def report_link_case(request, report_uuid):
    from sistra.cases.access import visible_cases

    report = access_report(request.user, report_uuid, receive=True)
    _require(request.user, Capability.CASE_VIEW)
    form = LinkCaseForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"].strip()
        candidates = list(visible_cases(request.user).filter(number=number)[:5])
        if len(candidates) > 1:
            own = [c for c in candidates if request.user.agency_id in (c.owner_agency_id, c.fiscalia_id)]
            candidates = own if len(own) == 1 else candidates
        if not candidates:
            messages.error(request, _("No se encontró el caso %(number)s entre los casos a los que usted tiene "
                                      "acceso.") % {"number": number})
        elif len(candidates) > 1:
            messages.error(request, _("Hay varios casos con el número %(number)s: vincúlelo desde su fiscalía.")
                           % {"number": number})
        else:
            try:
                services.police_report_link_case(actor=request.user, report=report, case=candidates[0])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Reporte vinculado al caso %(number)s.") % {"number": number})
    return redirect("hotline:report_detail", report_uuid=report.uuid)


# ---------------------------------------------------------------------------------------------------------
# Supervisors
# ---------------------------------------------------------------------------------------------------------


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


@require_http_methods(["GET"])
def supervisor(request):
    _require_supervisor(request.user)
    form = StatsForm(request.GET)
    stats = filters = None
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.StatsFilters(date_from=data["date_from"], date_to=data["date_to"],
                                         hide_non_substantive=data["hide_non_substantive"])
        stats = selectors.contact_stats(request.user, filters)
        if not request.GET:
            form = StatsForm(initial={"date_from": filters.date_from, "date_to": filters.date_to})
    return render(request, "hotline/supervisor.html", {
        "form": form, "stats": stats, "filters": filters,
        "emergencies": selectors.emergencies(request.user, filters)[:50] if filters else [],
        "peak": max((n for _h, n in stats.by_hour), default=0) or 1 if stats else 1,
        "average_handling": _duration_text(stats.average_handling_seconds if stats else None),
        "open_follow_ups": selectors.open_follow_ups(request.user)[:50],
    })


@require_http_methods(["GET"])
def handover(request):
    _require_supervisor(request.user)
    form = HandoverForm(request.GET or None)
    since = None
    if form.is_bound and form.is_valid():
        since = form.cleaned_data.get("since")
    if since is None:
        since = timezone.now() - datetime.timedelta(hours=HANDOVER_DEFAULT_HOURS)
        if not form.is_bound or form.is_valid():
            form = HandoverForm(initial={"since": moment_text(since)})
    return render(request, "hotline/handover.html", {
        "form": form, "handover": selectors.handover(request.user, since=since),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_supervisor(request.user)
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_calls_file(actor=request.user, data=upload.read(), filename=upload.name,
                                           skip_invalid=form.cleaned_data["skip_invalid"])
            except ImportFileError as exc:
                form.add_error("file", exc.messages)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
    else:
        form = ImportForm()
    return render(request, "hotline/import.html", {"form": form, "result": result})
