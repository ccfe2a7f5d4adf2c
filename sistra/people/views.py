"""Web pages of the person registry. A name typed into a search is identity: it is always posted, never put
in a URL. Every page shows personal data, so none may be cached."""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sistra.accounts.capabilities import Capability
from sistra.audit.selectors import history_for
from sistra.cases.selectors import person_case_roles
from sistra.core.views_lookup import FIELD_NAME

from . import services
from .access import access_person, can_edit_person, can_see_identity, log_persons_shown, read_person
from .forms import (
    DocumentFormSet,
    PersonEditForm,
    PersonForm,
    PersonSearchForm,
    documents_from,
    person_label,
    person_options,
)
from .selectors import find_matches, name_sorted_page, person_find_ids

PAGE_SIZE = 25


@never_cache
@require_http_methods(["GET", "POST"])
def person_list(request):
    user = request.user
    identity = can_see_identity(user)
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    page_obj = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        # code for everyone; document number and names only for roles that see identities
        found = person_find_ids(user, form.cleaned_data["q"])
        page_obj = name_sorted_page(found, request.POST.get("page"), per_page=PAGE_SIZE)
    with transaction.atomic():  # the names listed are on record with the page that lists them
        if identity and page_obj is not None:
            log_persons_shown(user, page_obj.object_list, detail=_("búsqueda de personas"))
        return render(request, "people/person_list.html", {
            "form": form, "page_obj": page_obj, "identity": identity,
            "can_create": user.can(Capability.PERSON_CREATE),
        })


@never_cache
@require_POST
def person_lookup(request):
    """The radio options of a person picker (htmx). POST, because the text is a name."""
    name = request.POST.get("field", "")
    if not FIELD_NAME.match(name):
        return HttpResponseBadRequest()
    text = request.POST.get(f"{name}_q", "")
    return render(request, "includes/picker_options.html", {
        "name": name, "options": person_options(request.user, text), "searched": bool(text.strip()),
        "kind": "person",
    })


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _with_person(target: str, person) -> str:
    """Back to the page that asked for a new person (a case), telling it which person was registered."""
    parts = urlsplit(target)
    query = "&".join(p for p in (parts.query, urlencode({"persona": str(person.uuid)})) if p)
    return urlunsplit(("", "", parts.path, query, parts.fragment))


@never_cache
@require_http_methods(["GET", "POST"])
def person_create(request):
    """A new person is saved only after the user has seen the likely existing records of the same person and
    either picked one or confirmed with "Crear de todos modos"."""
    user = request.user
    if not user.can(Capability.PERSON_CREATE):
        raise PermissionDenied
    next_url = _safe_next(request)
    identity = can_see_identity(user)
    matches = []
    if request.method == "POST":
        form = PersonForm(request.POST, actor=user)
        documents = DocumentFormSet(request.POST, prefix="doc")
        if request.POST.get("action") == "search":
            form.suppress_errors()
            return render(request, "people/person_form.html", {
                "form": form, "documents": documents, "next": next_url, "creating": True})
        if form.is_valid() and documents.is_valid():
            docs = documents_from(documents)
            found = find_matches(
                actor=user, first_names=form.cleaned_data["first_names"],
                last_name_paternal=form.cleaned_data["last_name_paternal"],
                last_name_maternal=form.cleaned_data["last_name_maternal"],
                date_of_birth=form.cleaned_data["date_of_birth"], documents=[(d.kind, d.number) for d in docs])
            seen = set(request.POST.getlist("seen"))
            confirmed = request.POST.get("confirm") == "1"
            if found and not (confirmed and {str(m.person.uuid) for m in found} <= seen):
                matches = [{"match": m, "label": person_label(m.person, identity=identity),
                            "use_url": _with_person(next_url, m.person) if next_url
                            else reverse("people:detail", args=[m.person.uuid])} for m in found]
                if identity:  # the possible duplicates are shown by name: reads on record
                    log_persons_shown(user, [m.person for m in found], detail=_("posibles duplicados"))
            else:
                try:
                    person = services.person_create(actor=user, documents=docs, **form.service_kwargs())
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, _("Persona registrada con el código %(code)s.") % {"code": person.code})
                    if next_url:
                        return redirect(_with_person(next_url, person))
                    return redirect("people:detail", person_uuid=person.uuid)
        status = 200 if matches else 422
        return render(request, "people/person_form.html", {
            "form": form, "documents": documents, "matches": matches, "next": next_url, "creating": True,
        }, status=status)
    form = PersonForm(actor=user)
    documents = DocumentFormSet(prefix="doc")
    return render(request, "people/person_form.html", {
        "form": form, "documents": documents, "next": next_url, "creating": True})


# what the page shows beside her (origin and residence with their province and department), read with her
DETAIL_RELATED = ("nationality", "country_origin", "owner_agency", "ubigeo_origin__parent__parent",
                  "ubigeo_residence__parent__parent")


@never_cache
def person_detail(request, person_uuid):
    user = request.user
    with transaction.atomic():  # the read on record with the page that shows it
        read = read_person(user, person_uuid, related=DETAIL_RELATED)
        person, identity = read.person, read.identity
        history = None
        if user.can(Capability.HISTORY_VIEW):
            history = history_for(user, person, identity_visible=identity)
        context = {
            "person": person, "identity": identity, "roles": person_case_roles(user, person), "history": history,
            "documents": list(person.documents.select_related("country")) if identity else [],
            "aliases": list(person.aliases.all()) if identity else [],
            "languages": list(person.languages.all()), "can_edit": can_edit_person(user, person),
            "age": person.age_on(timezone.localdate()),
        }
        return render(request, "people/person_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def person_edit(request, person_uuid):
    user = request.user
    if request.method != "POST":
        with transaction.atomic():  # the form shows her identity: a read on record
            person = read_person(user, person_uuid, write=True, detail=_("edición de sus datos")).person
            return _person_edit_form(request, person)
    person = access_person(user, person_uuid, write=True)
    form = PersonEditForm(request.POST, actor=user)
    documents = DocumentFormSet(request.POST, prefix="doc")
    if request.POST.get("action") == "search":
        form.suppress_errors()
        return render(request, "people/person_form.html", {"form": form, "documents": documents,
                                                            "person": person})
    if form.is_valid() and documents.is_valid():
        kwargs = form.service_kwargs()
        if kwargs["estimated_age"] != person.estimated_age:
            kwargs["age_estimated_on"] = timezone.localdate() if kwargs["estimated_age"] is not None else None
        try:
            services.person_update(actor=user, person=person, expected_version=form.cleaned_data["version"],
                                   documents=documents_from(documents), aliases=kwargs.pop("aliases"),
                                   languages=kwargs.pop("languages"), **kwargs)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Datos de la persona actualizados."))
            return redirect("people:detail", person_uuid=person.uuid)
    return render(request, "people/person_form.html", {"form": form, "documents": documents,
                                                        "person": person}, status=422)


def _person_edit_form(request, person):
    initial = {name: getattr(person, name) for name in (
        "first_names", "last_name_paternal", "last_name_maternal", "sex", "date_of_birth", "estimated_age", "notes")}
    initial.update(
        nationality=person.nationality_id, ubigeo_origin=person.ubigeo_origin_id,
        country_origin=person.country_origin_id, ubigeo_residence=person.ubigeo_residence_id,
        aliases=", ".join(a.alias for a in person.aliases.all()),
        languages=[t.code for t in person.languages.all()], version=person.version,
    )
    documents = DocumentFormSet(prefix="doc", initial=[
        {"kind": d.kind, "number": d.number, "country": d.country_id} for d in person.documents.all()])
    return render(request, "people/person_form.html", {
        "form": PersonEditForm(initial=initial, actor=request.user), "documents": documents, "person": person})
