"""The auditor's pages: search the access log and the change history, "who has seen this victim", and an
export of a search in a password-protected archive.

Every page needs AUDIT_VIEW. Without it the answer is 403, not 404: these pages are a tool whose existence is
no secret (unlike a record, which is a 404 so as not to reveal that it exists), and the capability is checked
before anything is looked up, so the refusal says nothing about any person or record. Auditors see persons
only by their pseudonym; the history they read is masked (sistra.audit.masking)."""

import csv
import datetime
import io
import itertools
import json
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

import pyzipper
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sistra.accounts.decorators import require_recent_auth
from sistra.core.exports import new_archive_password, safe_cell
from sistra.core.pagination import bounded_page

from . import selectors
from .forms import AuditExportForm, AuditSearchForm
from .models import AccessLog
from .services import log_access, log_export
from .subjects import person_model

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
# rows read per database round trip, and the size of the blocks the CSV is written in
EXPORT_CHUNK = 2000
EXPORT_BLOCK = 64 * 1024
# encrypted archives wait here until their one download; any left behind are removed after this long
EXPORT_DIR = "audit-exports"
EXPORT_MAX_AGE = datetime.timedelta(hours=1)
EXPORT_SESSION_KEY = "sistra_audit_exports"


def _require_auditor(user) -> None:
    if not selectors.can_audit(user):
        raise PermissionDenied


def _results(request, form: AuditSearchForm):
    """The page of results of a valid search: (page_obj, rows)."""
    filters = form.filters()
    if form.searching_changes:
        qs = selectors.change_search(request.user, filters)
    else:
        qs = selectors.access_log_search(request.user, filters)
    page_obj = bounded_page(qs, PAGE_SIZE, request.GET.get("page"))
    if form.searching_changes:
        rows = selectors.change_rows(request.user, page_obj.object_list)
    else:
        rows = selectors.access_rows(page_obj.object_list)
    return page_obj, rows


def _log_search(user, search: AuditSearchForm, what: str) -> None:
    """Auditors are audited too: every search they run is an access-log row (purpose "audit") naming the
    filters used — the auditor is the record, as nothing else is read yet."""
    used = {name: str(search.cleaned_data.get(name)) for name in AuditSearchForm.FILTER_FIELDS
            if search.cleaned_data.get(name) not in (None, "")}
    log_access(actor=user, instance=user, fields=sorted(used), purpose=AccessLog.Purpose.AUDIT,
               detail=f"{what}: {json.dumps(used, ensure_ascii=False, sort_keys=True)}")


def _render_log(request, search: AuditSearchForm, export_form: AuditExportForm | None = None, *, status=200):
    page_obj, rows = (None, [])
    if search.is_valid():
        page_obj, rows = _results(request, search)
        if request.GET:
            _log_search(request.user, search, "audit_search")
    query = {name: search.data[name] for name in AuditSearchForm.FILTER_FIELDS if search.data.get(name)}
    if export_form is None:
        export_form = AuditExportForm(initial=query)
    return render(request, "audit/log.html", {
        "form": search, "export_form": export_form, "page_obj": page_obj, "rows": rows,
        "changes": search.searching_changes, "base_query": urlencode(query),
        "filter_fields": AuditSearchForm.FILTER_FIELDS,
    }, status=status)


@never_cache
@require_GET
def audit_log(request):
    _require_auditor(request.user)
    return _render_log(request, AuditSearchForm(request.GET))


@never_cache
@require_GET
def audit_person(request, person_uuid):
    """Every read of one person's identity, newest first."""
    _require_auditor(request.user)
    person = person_model()._default_manager.filter(uuid=person_uuid).only("uuid", "code").first()
    if person is None:
        raise Http404
    qs = selectors.person_access_log(request.user, person.uuid)
    log_access(actor=request.user, instance=request.user, fields=["person"], purpose=AccessLog.Purpose.AUDIT,
               detail=f"audit_person: {person.uuid}")
    page_obj = bounded_page(qs, PAGE_SIZE, request.GET.get("page"))
    return render(request, "audit/person.html", {
        "person": person, "page_obj": page_obj, "rows": selectors.access_rows(page_obj.object_list),
        "search_query": urlencode({"person": str(person.uuid)}),
    })


# --- export -------------------------------------------------------------------------------------------------

ACCESS_HEADER = ["fecha_hora", "usuario", "institucion", "tipo_registro", "registro", "numero_caso",
                 "persona", "persona_uuid", "campos", "finalidad", "detalle", "tipo_evento"]
CHANGE_HEADER = ["fecha_hora", "usuario", "institucion", "accion", "tipo_registro", "registro", "pertenece_a",
                 "registro_principal", "numero_caso", "persona", "resumen", "campos", "antes", "despues",
                 "tipo_evento"]


def _when(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _csv_blocks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """The CSV in blocks of about EXPORT_BLOCK bytes, rows read as the blocks are asked for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # with a byte-order mark, spreadsheet programs open the accents right
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell("" if value is None else str(value)) for value in row])
        if buffer.tell() >= EXPORT_BLOCK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _chunks(queryset, size: int) -> Iterator[list]:
    """A queryset read `size` rows at a time."""
    rows = queryset.iterator(chunk_size=size)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _access_rows(entries, chunk_size: int) -> Iterator[list]:
    # pseudonyms and case numbers are looked up one chunk at a time
    for chunk in _chunks(entries, chunk_size):
        for r in selectors.access_rows(chunk):
            yield [_when(r.entry.at), r.entry.actor.username,
                   r.entry.actor_agency.code if r.entry.actor_agency else "", r.entry.model,
                   r.entry.object_uuid, r.record.case_number, r.person_code, r.entry.person_uuid or "",
                   " ".join(r.entry.fields or []), r.entry.purpose, r.entry.detail, r.entry.kind]


def _json(values) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True) if values else ""


def _change_rows(viewer, entries, chunk_size: int) -> Iterator[list]:
    for chunk in _chunks(entries, chunk_size):
        for r in selectors.change_rows(viewer, chunk):
            yield [_when(r.entry.at), r.entry.actor.username if r.entry.actor else "",
                   r.entry.actor_agency.code if r.entry.actor_agency else "", r.entry.action, r.entry.model,
                   r.entry.object_uuid or "", r.entry.root_model, r.entry.root_uuid, r.root.case_number,
                   r.person_code, r.entry.summary, " ".join(r.entry.changed_fields), _json(r.entry.before),
                   _json(r.entry.after), r.entry.kind]


def write_export_archive(viewer, queryset, *, changes: bool, password: str, target: IO[bytes],
                         chunk_size: int = EXPORT_CHUNK) -> int:
    """The search's rows as the one CSV member of an AES-encrypted ZIP written to `target`, a chunk of rows
    at a time (no list of the rows, no CSV or archive in memory); returns how many rows were written."""
    kind = "cambios" if changes else "accesos"
    rows = _change_rows(viewer, queryset, chunk_size) if changes else _access_rows(queryset, chunk_size)
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with pyzipper.AESZipFile(target, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        with archive.open(f"{kind}.csv", "w") as member:
            for block in _csv_blocks(CHANGE_HEADER if changes else ACCESS_HEADER, counted()):
                member.write(block)
    return count


def _purge_stale_exports() -> None:
    try:
        _dirs, files = default_storage.listdir(EXPORT_DIR)
    except FileNotFoundError:
        return
    limit = timezone.now() - EXPORT_MAX_AGE
    for name in files:
        path = f"{EXPORT_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except FileNotFoundError:
            pass


@never_cache
@require_POST
def audit_export(request):
    # the capability first: someone who may not audit is refused, not asked for their password
    _require_auditor(request.user)
    return _export(request)


@require_recent_auth(max_age=300)
def _export(request):
    form = AuditExportForm(request.POST)
    if not form.is_valid():
        search = AuditSearchForm(request.POST)
        return _render_log(request, search, export_form=form, status=422)
    changes = form.searching_changes
    filters = form.filters()
    if changes:
        qs = selectors.change_search(request.user, filters)
    else:
        qs = selectors.access_log_search(request.user, filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    kind = "cambios" if changes else "accesos"
    password = new_archive_password()
    token = secrets.token_urlsafe(32)
    _purge_stale_exports()
    with transaction.atomic():
        # the read and its record in the log are one transaction: an export that cannot be logged does not
        # happen, and one that fails after the log leaves no row behind
        count = qs.count()
        if count > EXPORT_LIMIT:
            form.add_error(None, _("La búsqueda tiene %(count)s registros; se pueden exportar hasta "
                                   "%(limit)s a la vez. Acote la búsqueda (por fechas, por ejemplo).")
                           % {"count": f"{count:,}", "limit": f"{EXPORT_LIMIT:,}"})
            return _render_log(request, AuditSearchForm(request.POST), export_form=form, status=422)
        with tempfile.TemporaryFile() as archive:
            written = write_export_archive(request.user, qs, changes=changes, password=password, target=archive)
            log_export(actor=request.user, model_label="audit.changeevent" if changes else "audit.accesslog",
                       count=written, purpose=form.cleaned_data["export_purpose"], detail=form.describe())
            archive.seek(0)
            stored = default_storage.save(f"{EXPORT_DIR}/{token}.zip", File(archive, name=f"{token}.zip"))
    exports = request.session.get(EXPORT_SESSION_KEY, {})
    exports[token] = {"path": stored, "filename": f"sistra-auditoria-{kind}-{stamp}.zip"}
    request.session[EXPORT_SESSION_KEY] = exports
    # the password is in this page only: it is neither stored nor sent again
    return render(request, "audit/export_ready.html", {
        "password": password, "count": written, "changes": changes,
        "download_url": reverse("audit:export_download", args=[token]),
        "purpose": form.cleaned_data["export_purpose"],
    })


@never_cache
@require_GET
def audit_export_download(request, token):
    """The archive of an export, once, to the session that made it."""
    _require_auditor(request.user)
    exports = request.session.get(EXPORT_SESSION_KEY, {})
    item = exports.pop(token, None)
    if item is None:
        raise Http404
    request.session[EXPORT_SESSION_KEY] = exports
    # read whole: the archive is bounded by EXPORT_LIMIT rows (about 35 bytes a row compressed, so a few MB),
    # not by the size of the log
    try:
        with default_storage.open(item["path"], "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    default_storage.delete(item["path"])
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{item["filename"]}"'
    return response
