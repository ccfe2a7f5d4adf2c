"""Upload, download and removal of a case's attachments. The case is fetched through access_case; the file is
only ever sent as a download that no browser will render (attachment, nosniff, CSP sandbox), and every
download is recorded in the access log in the same transaction as the read."""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from sistra.audit.models import AccessLog
from sistra.audit.services import log_access

from .access import access_case, can_see_case_identity
from .attachments import (
    attachment_add,
    attachment_remove,
    can_remove_attachment,
    max_bytes,
    may_download,
    too_large_error,
)
from .forms import AttachmentForm
from .models import CaseAttachment
from .views import _render_detail

SECTION = "attachments"


class AttachmentSizeLimit(FileUploadHandler):
    """Stops reading an uploaded file as soon as it passes the limit, so an oversized upload never fills the
    memory or the temporary directory; the view then answers with the size message."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit = limit
        self.too_large = False
        self._received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def _redirect_to_section(case):
    return redirect(reverse("cases:detail", args=[case.uuid]) + f"#{SECTION}")


# --- upload -----------------------------------------------------------------------------------------------

@csrf_exempt
@never_cache
@require_POST
def attachment_upload(request, case_uuid):
    # the size limit must be in place before anything reads the body, and the CSRF check reads it: hence
    # csrf_exempt here and csrf_protect on the inner view (Django's documented pattern for upload handlers)
    case = access_case(request.user, case_uuid, write=True)
    limiter = AttachmentSizeLimit(request, max_bytes())
    request.upload_handlers.insert(0, limiter)
    return _attachment_upload(request, case, limiter)


@csrf_protect
def _attachment_upload(request, case, limiter: AttachmentSizeLimit):
    form = AttachmentForm(request.POST, request.FILES, prefix="attachment")
    if limiter.too_large:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_service_errors(too_large_error())
    elif form.is_valid():
        try:
            attachment_add(actor=request.user, case=case, upload=form.cleaned_data["file"],
                           description=form.cleaned_data["description"],
                           is_identity_bearing=form.cleaned_data["is_identity_bearing"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Documento adjuntado al caso."))
            return _redirect_to_section(case)
    # the case page re-rendered with this form's messages (views owns the page)
    return _render_detail(request, case, status=422, attachment_form=form)


# --- download ---------------------------------------------------------------------------------------------

def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = filename.encode("ascii", "ignore").decode().replace("\\", "_").replace('"', "_") or "adjunto"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@never_cache
@require_GET
def attachment_download(request, case_uuid, attachment_uuid):
    user = request.user
    case = access_case(user, case_uuid)
    with transaction.atomic():
        attachment = CaseAttachment.objects.filter(case=case, uuid=attachment_uuid).first()
        if attachment is None or not may_download(attachment, identity=can_see_case_identity(user, case)):
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        # a file that may show a person is read like the person's name: on record, or not at all
        log_access(actor=user, instance=attachment, fields=["file"], purpose=AccessLog.Purpose.CASE_WORK,
                   detail=case.number)
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    # were a browser ever to render it, it would run no script and reach nothing of SISTRA's origin
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- removal ----------------------------------------------------------------------------------------------

@never_cache
@require_POST
def attachment_delete(request, case_uuid, attachment_uuid):
    case = access_case(request.user, case_uuid, write=True)
    attachment = CaseAttachment.objects.select_related("uploaded_by").filter(case=case, uuid=attachment_uuid).first()
    if attachment is None:
        raise Http404
    if not can_remove_attachment(request.user, case, attachment):
        raise PermissionDenied
    attachment_remove(actor=request.user, attachment=attachment)
    messages.success(request, _("Documento adjunto retirado del caso."))
    return _redirect_to_section(case)


# The paths sistra/cases/urls.py includes (`*views_attachments.urlpatterns`), all under the case's UUID.
urlpatterns = [
    path("<uuid:case_uuid>/adjuntos/", attachment_upload, name="attachment_upload"),
    path("<uuid:case_uuid>/adjuntos/<uuid:attachment_uuid>/", attachment_download, name="attachment_download"),
    path("<uuid:case_uuid>/adjuntos/<uuid:attachment_uuid>/retirar/", attachment_delete, name="attachment_remove"),
]
