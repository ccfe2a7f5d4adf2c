"""Attachments of a criminal case: what may be stored, and the two writes (add, remove).

An upload is judged by its bytes, never by its name or the browser's content type: only PDF, JPEG, PNG and
the office formats DOCX, XLSX and ODT are kept. Photographs are decoded and re-encoded, which drops every
piece of metadata (EXIF with the GPS position of the camera, XMP, comments, ICC profile) and anything appended
to the image. Files are stored under a random name and only ever served as a download (views_attachments)."""

import dataclasses
import hashlib
import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sistra.audit.services import record_change, snapshot

from .models import Case, CaseAttachment, attachment_storage, attachment_upload_to
from .services import _touch

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# a 48-megapixel phone photograph fits; a small file that would decode into gigabytes of pixels does not
MAX_IMAGE_PIXELS = 60_000_000
MAX_NAME_LENGTH = 150
# bounds on what a ZIP-based office file may declare, so that reading one entry never inflates a bomb
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_MANIFEST_BYTES = 1024 * 1024

T = CaseAttachment.ContentType
EXTENSIONS = {T.PDF: "pdf", T.JPEG: "jpg", T.PNG: "png", T.DOCX: "docx", T.XLSX: "xlsx", T.ODT: "odt"}

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
_OOXML_MAIN = {
    T.DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    T.XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# PDF actions that run code in the reader; best effort (an object stream or a #-escaped name can hide one; the
# short key /JS is not searched, as three bytes turn up by chance in compressed scans), the real guarantee being
# that SISTRA never renders a PDF itself
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|Launch)(?![A-Za-z0-9])")


def max_bytes() -> int:
    return int(getattr(settings, "SISTRA_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _not_allowed() -> ValidationError:
    return _refuse(_("El archivo no es de un tipo permitido. Solo se aceptan documentos PDF, imágenes JPEG o PNG "
                     "y documentos Word (DOCX), Excel (XLSX) u OpenDocument (ODT)."))


def too_large_error() -> ValidationError:
    return _refuse(_("El archivo supera el tamaño máximo permitido (%(max)s).") % {"max": filesizeformat(max_bytes())})


# --- names ------------------------------------------------------------------------------------------------

def sanitize_filename(name: str | None, extension: str) -> str:
    """The name to show and to offer on download: the last part of any path, no control or invisible
    characters (a right-to-left override can disguise "exe.pdf"), at most MAX_NAME_LENGTH characters, and the
    extension of the detected type, not the one the user typed."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name else name
    stem = stem or _("adjunto")
    stem = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") or _("adjunto")
    return f"{stem}.{extension}"


# --- content ----------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str


def _read_limited(upload) -> bytes:
    limit = max_bytes()
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise too_large_error()
    upload.seek(0)
    chunks, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            raise too_large_error()
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise _refuse(_("El archivo está vacío."))
    return data


def _clean_pdf(data: bytes) -> CleanFile:
    # a real PDF ends with %%EOF (a reader tolerates a little trailing garbage); an HTML page with a PDF header
    # in front has none
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(_("El archivo PDF está dañado o incompleto."))
    if _PDF_ACTIVE.search(data):
        raise _refuse(_("El PDF contiene código ejecutable (JavaScript o acciones de arranque) y no se acepta. "
                        "Imprímalo como PDF o escanéelo de nuevo."))
    return CleanFile(data, T.PDF, EXTENSIONS[T.PDF])


def _clean_image(data: bytes, expected: str) -> CleanFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    formats = {T.JPEG: ["JPEG", "MPO"], T.PNG: ["PNG"]}[expected]
    too_big = _refuse(_("La imagen es demasiado grande: tiene más de %(max)s megapíxeles.")
                      % {"max": MAX_IMAGE_PIXELS // 1_000_000})
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_big
            image.load()
            try:
                # keep the picture upright: the orientation tag goes with the rest of the EXIF
                upright = ImageOps.exif_transpose(image)
            except Exception:  # a malformed EXIF block must not stop the upload; the picture stays as stored
                upright = image
            pixels = _pixels_for(upright, expected)
            # a new image holds only pixels: no EXIF (GPS), XMP, comment, ICC profile or text chunk comes along,
            # nor anything appended after the image data
            clean = Image.new(pixels.mode, pixels.size)
            clean.paste(pixels)
    except Image.DecompressionBombError:
        raise too_big from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError):
        raise _refuse(_("La imagen está dañada o no se pudo leer.")) from None
    out = io.BytesIO()
    if expected == T.JPEG:
        clean.save(out, "JPEG", quality=90)
    else:
        clean.save(out, "PNG")
    return CleanFile(out.getvalue(), expected, EXTENSIONS[expected])


def _pixels_for(image, expected: str):
    if expected == T.JPEG:
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if image.mode in ("1", "L", "LA", "RGB", "RGBA"):
        return image
    has_alpha = image.mode in ("PA", "RGBa", "La") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _clean_office(data: bytes) -> CleanFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_allowed() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _not_allowed()
        names = {e.filename: e for e in entries}
        if any("vbaproject" in name.lower() for name in names):
            raise _refuse(_("El documento contiene macros y no se acepta. Guárdelo sin macros (DOCX o XLSX)."))
        try:
            # ODF: the first entry is an uncompressed "mimetype" naming the format
            if entries and entries[0].filename == "mimetype" and entries[0].file_size < 200:
                if archive.read(entries[0]).strip() == _ODT_MIMETYPE:
                    return CleanFile(data, T.ODT, EXTENSIONS[T.ODT])
                raise _not_allowed()
            manifest = names.get("[Content_Types].xml")
            if manifest is None or manifest.file_size > MAX_ZIP_MANIFEST_BYTES:
                raise _not_allowed()
            content_types = archive.read(manifest)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            raise _not_allowed() from None
    if b"macroenabled" in content_types.lower():
        raise _refuse(_("El documento contiene macros y no se acepta. Guárdelo sin macros (DOCX o XLSX)."))
    for content_type, main in _OOXML_MAIN.items():
        if main in content_types:
            return CleanFile(data, content_type, EXTENSIONS[content_type])
    raise _not_allowed()


def inspect_upload(upload) -> CleanFile:
    """The bytes to store and their type, judged by content; a ValidationError (on "file") otherwise."""
    data = _read_limited(upload)
    if data.startswith(_PDF_MAGIC):
        return _clean_pdf(data)
    if data.startswith(_JPEG_MAGIC):
        return _clean_image(data, T.JPEG)
    if data.startswith(_PNG_MAGIC):
        return _clean_image(data, T.PNG)
    if data.startswith(_ZIP_MAGIC):
        return _clean_office(data)
    raise _not_allowed()


# --- reads ------------------------------------------------------------------------------------------------

def may_download(attachment: CaseAttachment, *, identity: bool) -> bool:
    """`identity` is can_see_case_identity(actor, case): a file that may show a person is for those who may
    see the parties' names, like the names themselves. The case itself is checked by access_case first."""
    return identity or not attachment.is_identity_bearing


@dataclasses.dataclass(frozen=True)
class AttachmentRow:
    attachment: CaseAttachment
    label: str
    description: str
    can_download: bool
    can_remove: bool


def attachments_for(case: Case, *, actor, identity: bool) -> list[AttachmentRow]:
    """The case's attachments as the case page shows them: a user who may not see identities sees neither the
    file name nor the description of a file that may identify someone (they often carry a name). `identity` is
    can_see_case_identity(actor, case); can_remove still needs write access to the case (can_write)."""
    rows = []
    for attachment in case.attachments.select_related("uploaded_by"):
        visible = may_download(attachment, identity=identity)
        rows.append(AttachmentRow(
            attachment=attachment,
            label=attachment.original_name if visible else
            _("Documento reservado (%(type)s)") % {"type": attachment.get_content_type_display()},
            description=attachment.description if visible else "",
            can_download=visible,
            can_remove=can_remove_attachment(actor, case, attachment),
        ))
    return rows


def can_remove_attachment(actor, case: Case, attachment: CaseAttachment) -> bool:
    """Removing evidence is for the case's owner agency, or the agency that uploaded it (a police unit with
    write access cannot remove the fiscalía's documents). Write access to the case is checked first."""
    agency_id = getattr(actor, "agency_id", None)
    return bool(agency_id) and agency_id in {case.owner_agency_id, attachment.uploaded_by.agency_id}


# --- writes -----------------------------------------------------------------------------------------------

def _history_snapshot(attachment: CaseAttachment) -> dict:
    # the storage path is internal and says nothing; the hash is what proves which file it was
    return snapshot(attachment, exclude=("file",))


def attachment_add(*, actor, case: Case, upload, description: str = "",
                   is_identity_bearing: bool = True) -> CaseAttachment:
    description = " ".join((description or "").split())
    if len(description) > 300:
        raise ValidationError({"description": [_("La descripción no puede superar los 300 caracteres.")]})
    clean = inspect_upload(upload)
    storage = attachment_storage()
    stored_name = storage.save(attachment_upload_to(None, ""), ContentFile(clean.content))
    try:
        with transaction.atomic():
            attachment = CaseAttachment.objects.create(
                case=case,
                original_name=sanitize_filename(getattr(upload, "name", ""), clean.extension),
                content_type=clean.content_type,
                size=len(clean.content),
                sha256=hashlib.sha256(clean.content).hexdigest(),
                file=stored_name,
                description=description,
                uploaded_by=actor,
                is_identity_bearing=is_identity_bearing,
            )
            _touch(case)
            record_change(actor=actor, action="create", instance=attachment, root=case,
                          after=_history_snapshot(attachment),
                          summary=_("Documento adjunto añadido (%(type)s, %(size)s)")
                          % {"type": attachment.get_content_type_display(), "size": filesizeformat(attachment.size)})
    except BaseException:
        # the row was not saved: the file must not outlive it (an outer transaction that rolls back later
        # leaves an orphan file without a row, which nothing can serve)
        storage.delete(stored_name)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: CaseAttachment) -> None:
    case = attachment.case
    stored_name = attachment.file.name
    record_change(actor=actor, action="delete", instance=attachment, root=case,
                  before=_history_snapshot(attachment),
                  summary=_("Documento adjunto retirado (%(type)s)") % {"type": attachment.get_content_type_display()})
    attachment.delete()
    _touch(case)
    storage = attachment_storage()
    # only once the row is gone for good: a rolled-back removal keeps its file
    transaction.on_commit(lambda: storage.delete(stored_name))
