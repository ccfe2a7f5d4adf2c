"""Attachments of a case: types judged by content, the size limit, photographs without metadata, downloads
that no browser renders and that are on record, and who may upload, download and remove."""

import hashlib
import io
import os
import stat
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from sistra.audit.models import AccessLog, ChangeEvent
from sistra.cases import views_attachments
from sistra.cases.attachments import (
    attachment_add,
    attachment_remove,
    attachments_for,
    sanitize_filename,
)
from sistra.cases.forms import AttachmentForm
from sistra.cases.models import CaseAttachment, CaseShare
from sistra.cases.services import case_share
from sistra.cases.testing import make_case

pytestmark = [pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(prosecutor):
    return make_case(actor=prosecutor, number="2026-00900")


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_bytes(attachment: CaseAttachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "CamaraDeLaVictima"
    exif[ExifTags.Base.Orientation] = 6  # rotated 90°: the stored picture must come out upright
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "S", ExifTags.GPS.GPSLatitude: (12.0, 35.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (69.0, 11.0, 0.0),
    })
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Puerto Maldonado")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Mazuko, Madre de Dios")
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 120, 0, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def office_zip(main_type: str | None, *, extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if main_type:
            archive.writestr("[Content_Types].xml", (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'content-types"><Override PartName="/main.xml" ContentType="{main_type}"/></Types>'))
        archive.writestr("main.xml", "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def add(actor, case, name, content, **kwargs) -> CaseAttachment:
    return attachment_add(actor=actor, case=case, upload=upload(name, content), **kwargs)


def file_messages(exc_info) -> str:
    return " ".join(exc_info.value.message_dict["file"])


# --- what is accepted -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "make", "content_type", "extension"), [
    ("acta.pdf", lambda: PDF, "application/pdf", "pdf"),
    ("foto.jpg", jpeg_with_gps, "image/jpeg", "jpg"),
    ("captura.png", png_with_text, "image/png", "png"),
    ("informe.docx", lambda: office_zip(DOCX_MAIN), CaseAttachment.ContentType.DOCX, "docx"),
    ("cuadro.xlsx", lambda: office_zip(XLSX_MAIN), CaseAttachment.ContentType.XLSX, "xlsx"),
    ("oficio.odt", odt, CaseAttachment.ContentType.ODT, "odt"),
])
def test_each_allowed_type_is_accepted_and_recognised_by_its_content(prosecutor, case, name, make, content_type,
                                                                     extension):
    attachment = add(prosecutor, case, name, make())

    attachment.refresh_from_db()
    data = stored_bytes(attachment)
    assert attachment.content_type == content_type
    assert attachment.original_name.endswith(f".{extension}")
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.uploaded_by == prosecutor and attachment.is_identity_bearing


def test_a_pdf_is_stored_byte_for_byte(prosecutor, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)

    assert stored_bytes(attachment) == PDF


def test_the_type_comes_from_the_content_not_the_name_or_the_browser(prosecutor, case):
    attachment = attachment_add(actor=prosecutor, case=case, upload=upload("foto.pdf", png_with_text(), "text/html"))

    assert attachment.content_type == "image/png"
    assert attachment.original_name == "foto.png"


# --- what is refused --------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>',
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run",
    b"<html><!-- %PDF-1.4 --><script>alert(1)</script></html>\n%%EOF",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;<script>alert(1)</script>",
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40,
    b"#!/bin/sh\nrm -rf /\n",
    b"just some text that claims to be a pdf",
], ids=["html", "svg", "exe", "html-with-pdf-inside", "gif", "elf", "script", "text"])
def test_anything_else_renamed_pdf_is_refused_in_spanish(prosecutor, case, content, media_root):
    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "denuncia.pdf", content)

    assert "no es de un tipo permitido" in file_messages(exc_info)
    assert not CaseAttachment.objects.exists()
    assert not any(files for _, _, files in os.walk(media_root))


def test_a_pdf_header_in_front_of_an_html_page_is_refused(prosecutor, case):
    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "acta.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n")

    assert "PDF está dañado" in file_messages(exc_info)


def test_a_pdf_that_runs_javascript_is_refused(prosecutor, case):
    content = PDF.replace(b"<< /Type /Catalog >>", b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>")

    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "acta.pdf", content)

    assert "código ejecutable" in file_messages(exc_info)


def test_a_broken_image_is_refused(prosecutor, case):
    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "foto.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>")

    assert "imagen está dañada" in file_messages(exc_info)


def test_a_jpeg_with_a_script_appended_is_stored_without_it(prosecutor, case):
    attachment = add(prosecutor, case, "foto.jpg", jpeg_with_gps() + b"<script>alert(1)</script>")

    assert b"<script>" not in stored_bytes(attachment)


@pytest.mark.parametrize(("content", "message"), [
    (office_zip(DOCM_MAIN), "contiene macros"),
    (office_zip(DOCX_MAIN, extra={"word/vbaProject.bin": b"\x00" * 10}), "contiene macros"),
    (office_zip(None), "no es de un tipo permitido"),
    (office_zip("application/vnd.ms-powerpoint.presentation.main+xml"), "no es de un tipo permitido"),
], ids=["docm", "vba-project", "plain-zip", "other-office-type"])
def test_office_files_with_macros_or_of_other_kinds_are_refused(prosecutor, case, content, message):
    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "informe.docx", content)

    assert message in file_messages(exc_info)


def test_an_empty_file_is_refused(prosecutor, case):
    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "acta.pdf", b"")

    assert "vacío" in file_messages(exc_info)


def test_a_file_over_the_size_limit_is_refused(settings, prosecutor, case, media_root):
    settings.SISTRA_ATTACHMENT_MAX_BYTES = 1024
    content = PDF.replace(b"%%EOF", b"%" + b"x" * 1100 + b"\n%%EOF")

    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "acta.pdf", content)

    assert "supera el tamaño máximo permitido (1.0\xa0KB)" in file_messages(exc_info)
    assert not CaseAttachment.objects.exists()
    assert not any(files for _, _, files in os.walk(media_root))


def test_a_file_at_the_size_limit_is_accepted(settings, prosecutor, case):
    settings.SISTRA_ATTACHMENT_MAX_BYTES = len(PDF)

    assert add(prosecutor, case, "acta.pdf", PDF).size == len(PDF)


def test_an_image_of_too_many_pixels_is_refused(prosecutor, case, monkeypatch):
    monkeypatch.setattr("sistra.cases.attachments.MAX_IMAGE_PIXELS", 100)
    out = io.BytesIO()
    Image.new("L", (20, 20)).save(out, "PNG")

    with pytest.raises(ValidationError) as exc_info:
        add(prosecutor, case, "captura.png", out.getvalue())

    assert "demasiado grande" in file_messages(exc_info)


# --- metadata ---------------------------------------------------------------------------------------------

def test_gps_and_every_other_exif_tag_are_stripped_from_a_photograph(prosecutor, case):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photograph does carry a position

    attachment = add(prosecutor, case, "foto.jpg", original)

    data = stored_bytes(attachment)
    with Image.open(io.BytesIO(data)) as after:
        assert after.format == "JPEG"
        assert len(after.getexif()) == 0
        assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in after.info and "comment" not in after.info and "icc_profile" not in after.info
        assert after.size == (30, 40)  # turned upright before the orientation tag was dropped
    assert b"Exif" not in data and b"CamaraDeLaVictima" not in data and b"Puerto Maldonado" not in data


def test_text_chunks_are_stripped_from_a_png(prosecutor, case):
    attachment = add(prosecutor, case, "captura.png", png_with_text())

    data = stored_bytes(attachment)
    with Image.open(io.BytesIO(data)) as after:
        assert "Location" not in after.info and after.mode == "RGBA"
    assert b"Mazuko" not in data


# --- names and storage ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\fiscal\\Escritorio\\declaración.pdf", "declaración.pdf"),
    ("acta\x00\x1b[31m\n.pdf", "acta[31m.pdf"),
    ("foto\u202egpj.exe", "fotogpj.pdf"),
    ("informe.exe", "informe.pdf"),
    ("", "adjunto.pdf"),
    ("...", "adjunto.pdf"),
    (".htaccess", "htaccess.pdf"),
    ("sin extension", "sin extension.pdf"),
])
def test_file_names_are_sanitised(given, expected):
    assert sanitize_filename(given, "pdf") == expected


def test_a_long_file_name_is_cut_keeping_the_extension():
    name = sanitize_filename("a" * 400 + ".pdf", "pdf")

    assert len(name) == 150 and name.endswith("a.pdf")


def test_the_file_is_stored_under_a_random_name_in_media_not_static(settings, prosecutor, case, media_root):
    attachment = add(prosecutor, case, "Declaración de Rosa Condori.pdf", PDF)

    stored = attachment.file.path
    assert attachment.original_name == "Declaración de Rosa Condori.pdf"
    assert "Rosa" not in attachment.file.name and not attachment.file.name.endswith(".pdf")
    assert attachment.file.name.startswith("attachments/") and len(attachment.file.name.rsplit("/", 1)[1]) == 32
    assert os.path.realpath(stored).startswith(os.path.realpath(media_root))
    assert not os.path.realpath(stored).startswith(os.path.realpath(settings.STATIC_ROOT))
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600


def test_no_url_but_the_download_view_serves_a_stored_file(client, prosecutor, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    client.force_login(prosecutor)

    for url in (f"/{attachment.file.name}", f"/static/{attachment.file.name}", f"/media/{attachment.file.name}"):
        assert client.get(url).status_code == 404


# --- history ----------------------------------------------------------------------------------------------

def test_adding_records_the_change_in_the_case_history(prosecutor, case):
    version = case.version

    attachment = add(prosecutor, case, "acta.pdf", PDF, description="Acta de intervención")

    event = ChangeEvent.objects.get(model="cases.caseattachment", action="create")
    assert event.object_uuid == attachment.uuid and event.root_uuid == case.uuid and event.actor == prosecutor
    assert event.after["sha256"] == attachment.sha256 and event.after["description"] == "Acta de intervención"
    assert "file" not in event.after
    assert "acta.pdf" not in event.summary  # a file name can carry a person's name; the summary is a list line
    case.refresh_from_db()
    assert case.version == version + 1


def test_a_failed_save_leaves_no_file_behind(prosecutor, case, media_root, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr("sistra.cases.attachments.record_change", broken)

    with pytest.raises(RuntimeError):
        add(prosecutor, case, "acta.pdf", PDF)

    assert not CaseAttachment.objects.exists()
    assert not any(files for _, _, files in os.walk(media_root))


def test_removing_records_the_change_and_deletes_the_file_after_commit(prosecutor, case,
                                                                       django_capture_on_commit_callbacks):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    stored = attachment.file.path

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachment_remove(actor=prosecutor, attachment=attachment)
        assert os.path.exists(stored)  # not before the removal is committed
    for callback in callbacks:
        callback()

    assert not os.path.exists(stored)
    assert not CaseAttachment.objects.exists()
    event = ChangeEvent.objects.get(model="cases.caseattachment", action="delete")
    assert event.before["sha256"] == attachment.sha256 and event.root_uuid == case.uuid


def test_a_removal_that_rolls_back_keeps_the_file(prosecutor, case, django_capture_on_commit_callbacks):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    stored = attachment.file.path

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            attachment_remove(actor=prosecutor, attachment=attachment)
            raise RuntimeError("something later failed")

    assert callbacks == []
    assert os.path.exists(stored) and CaseAttachment.objects.filter(uuid=attachment.uuid).exists()


# --- upload view ------------------------------------------------------------------------------------------

def upload_url(case):
    return reverse("cases:attachment_upload", args=[case.uuid])


def download_url(attachment):
    return reverse("cases:attachment_download", args=[attachment.case.uuid, attachment.uuid])


def remove_url(attachment):
    return reverse("cases:attachment_remove", args=[attachment.case.uuid, attachment.uuid])


def post_file(client, case, name="acta.pdf", content=PDF, **extra):
    data = {"attachment-file": upload(name, content), "attachment-description": "Acta",
            "attachment-is_identity_bearing": "on", **extra}
    return client.post(upload_url(case), data)


def test_the_owner_uploads_a_file_and_goes_back_to_the_section(client, prosecutor, case):
    client.force_login(prosecutor)

    response = post_file(client, case, "foto.jpg", jpeg_with_gps())

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.uuid]) + "#attachments"
    attachment = CaseAttachment.objects.get()
    assert attachment.case == case and attachment.content_type == "image/jpeg" and attachment.description == "Acta"
    assert b"GPS" not in stored_bytes(attachment)


def test_an_upload_without_the_identity_box_is_marked_as_not_identifying(client, prosecutor, case):
    client.force_login(prosecutor)

    post_file(client, case, **{"attachment-is_identity_bearing": ""})

    assert CaseAttachment.objects.get().is_identity_bearing is False


def test_a_refused_file_re_renders_the_page_with_the_message(client, prosecutor, case):
    client.force_login(prosecutor)

    response = post_file(client, case, "acta.pdf", b"<html><script>alert(1)</script></html>")

    assert response.status_code == 422
    assert "no es de un tipo permitido" in " ".join(response.context["attachment_form"].errors["file"])
    assert not CaseAttachment.objects.exists()


def test_an_oversized_upload_is_stopped_while_reading_it(settings, client, prosecutor, case, media_root,
                                                         monkeypatch):
    settings.SISTRA_ATTACHMENT_MAX_BYTES = 1024

    def never(**kwargs):
        raise AssertionError("the oversized file should have been dropped before reaching the service")

    monkeypatch.setattr(views_attachments, "attachment_add", never)
    client.force_login(prosecutor)

    response = post_file(client, case, "acta.pdf", PDF + b"%" * 5000)

    assert response.status_code == 422
    assert "supera el tamaño máximo" in " ".join(response.context["attachment_form"].errors["file"])
    assert not CaseAttachment.objects.exists()
    assert not any(files for _, _, files in os.walk(media_root))


def test_an_upload_needs_the_csrf_token(prosecutor, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prosecutor)

    response = post_file(client, case)

    assert response.status_code == 403
    assert not CaseAttachment.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "analyst", "police_officer"])
def test_who_may_not_write_the_case_gets_404_on_upload(request, client, case, who):
    client.force_login(request.getfixturevalue(who))

    response = post_file(client, case)

    assert response.status_code == 404
    assert not CaseAttachment.objects.exists()


def test_an_agency_with_a_read_share_cannot_upload_but_one_with_a_write_share_can(client, prosecutor, case,
                                                                                 police_officer):
    share = case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación conjunta")
    client.force_login(police_officer)

    assert post_file(client, case).status_code == 404

    CaseShare.objects.filter(pk=share.pk).update(level=CaseShare.Level.WRITE)
    assert post_file(client, case).status_code == 302
    assert CaseAttachment.objects.get().uploaded_by == police_officer


def test_upload_is_post_only(client, prosecutor, case):
    client.force_login(prosecutor)

    assert client.get(upload_url(case)).status_code == 405


# --- download view ----------------------------------------------------------------------------------------

def download(client, attachment):
    response = client.get(download_url(attachment))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def test_a_download_is_an_attachment_no_browser_renders(client, prosecutor, case):
    attachment = add(prosecutor, case, "Declaración de la víctima.pdf", PDF)
    client.force_login(prosecutor)

    response, body = download(client, attachment)

    assert response.status_code == 200 and body == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Declaraci%C3%B3n%20de%20la%20v%C3%ADctima.pdf" in disposition
    assert 'filename="Declaracin de la vctima.pdf"' in disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_download_is_on_the_access_log(client, prosecutor, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    client.force_login(prosecutor)

    download(client, attachment)

    log = AccessLog.objects.get()
    assert log.actor == prosecutor and log.actor_agency == prosecutor.agency
    assert log.model == "cases.caseattachment" and log.object_uuid == attachment.uuid
    assert log.fields == ["file"] and log.purpose == AccessLog.Purpose.CASE_WORK
    assert log.detail == case.number


def test_an_outsider_gets_404_on_download_and_nothing_is_logged(client, prosecutor, outsider, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    client.force_login(outsider)

    response, body = download(client, attachment)

    assert response.status_code == 404 and body == b""
    assert not AccessLog.objects.exists()


def test_an_attachment_of_another_case_is_404_under_this_case(client, prosecutor, case):
    other = make_case(actor=prosecutor, number="2026-00901")
    attachment = add(prosecutor, other, "acta.pdf", PDF)
    client.force_login(prosecutor)

    response = client.get(reverse("cases:attachment_download", args=[case.uuid, attachment.uuid]))

    assert response.status_code == 404


def test_an_analyst_cannot_download_a_file_that_may_identify_someone(client, prosecutor, analyst, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    client.force_login(analyst)

    response, _ = download(client, attachment)

    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_an_analyst_may_download_a_file_marked_as_not_identifying(client, prosecutor, analyst, case):
    attachment = add(prosecutor, case, "mapa.png", png_with_text(), is_identity_bearing=False)
    client.force_login(analyst)

    response, body = download(client, attachment)

    assert response.status_code == 200 and body == stored_bytes(attachment)
    assert AccessLog.objects.get().actor == analyst


def test_a_teammate_downloads(client, prosecutor, teammate, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    client.force_login(teammate)

    response, body = download(client, attachment)

    assert response.status_code == 200 and body == PDF


def test_a_file_missing_from_disk_is_404_and_not_logged(client, prosecutor, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    os.remove(attachment.file.path)
    client.force_login(prosecutor)

    response, _ = download(client, attachment)

    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_and_gets_no_file(client, prosecutor, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)

    response = client.get(download_url(attachment))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not AccessLog.objects.exists()


# --- removal view -----------------------------------------------------------------------------------------

def test_a_teammate_removes_an_attachment(client, prosecutor, teammate, case, django_capture_on_commit_callbacks):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    stored = attachment.file.path
    client.force_login(teammate)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove_url(attachment))

    assert response.status_code == 302
    assert not CaseAttachment.objects.exists() and not os.path.exists(stored)


def test_an_outsider_gets_404_on_removal(client, prosecutor, outsider, case):
    attachment = add(prosecutor, case, "acta.pdf", PDF)
    client.force_login(outsider)

    assert client.post(remove_url(attachment)).status_code == 404
    assert CaseAttachment.objects.exists()


def test_a_police_unit_with_write_access_cannot_remove_the_fiscalias_documents(client, prosecutor, police_officer,
                                                                               case):
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, level=CaseShare.Level.WRITE,
               reason="Investigación conjunta")
    theirs = add(prosecutor, case, "acta.pdf", PDF)
    own = add(police_officer, case, "parte.pdf", PDF)
    client.force_login(police_officer)

    assert client.post(remove_url(theirs)).status_code == 403
    assert client.post(remove_url(own)).status_code == 302
    assert list(CaseAttachment.objects.all()) == [theirs]


# --- the section ------------------------------------------------------------------------------------------

def render_section(user, case, *, identity, can_write, form=None):
    request = RequestFactory().get("/")
    request.user = user
    context = {"case": case, "can_write": can_write, "attachment_form": form,
               "attachments": attachments_for(case, actor=user, identity=identity)}
    return render_to_string("cases/_attachments.html", context, request=request)


def test_the_section_lists_names_links_and_the_upload_form_for_the_owner(prosecutor, case):
    attachment = add(prosecutor, case, "Declaración de Rosa Condori.pdf", PDF, description="Testimonio")

    html = render_section(prosecutor, case, identity=True, can_write=True,
                          form=AttachmentForm(prefix="attachment"))

    assert 'id="attachments"' in html
    assert "Declaración de Rosa Condori.pdf" in html and "Testimonio" in html
    assert download_url(attachment) in html and remove_url(attachment) in html
    assert 'enctype="multipart/form-data"' in html and upload_url(case) in html


def test_the_section_hides_names_and_links_from_who_may_not_see_identities(prosecutor, analyst, case):
    attachment = add(prosecutor, case, "Declaración de Rosa Condori.pdf", PDF, description="Testimonio de Rosa")
    public = add(prosecutor, case, "mapa de rutas.png", png_with_text(), is_identity_bearing=False)

    html = render_section(analyst, case, identity=False, can_write=False)

    assert "Rosa" not in html and download_url(attachment) not in html
    assert "Documento reservado (PDF)" in html
    assert "mapa de rutas.png" in html and download_url(public) in html
    assert "multipart/form-data" not in html and "retirar" not in html

