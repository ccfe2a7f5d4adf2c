"""The HTCDS screen in a browser: an IOM caseworker uploads a file made from the official template, reads the
validation report (a refused file first, then a good one), sees the preview, confirms, follows the progress of
the background import, downloads the report; then exports with a stated purpose and downloads the archive."""

import pytest
import pyzipper

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.assistance.models import AssistanceCase
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.interop.tests.htcds_files import official_rows, write_official

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"


@pytest.fixture
def worker(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    iom = AgencyFactory(code="oim", name="OIM Perú", kind=Agency.Kind.INTERNATIONAL)
    return UserFactory(username="oim", first_name="Iván", last_name="Datos", agency=iom, role=Role.CASEWORKER)


def test_upload_report_confirm_progress_and_download(page, worker, tmp_path):
    bad_rows = official_rows(4)
    bad_rows[2]["prs_Gender"] = "Mujer"
    bad = write_official(tmp_path / "oim-con-error.xlsx", bad_rows)
    good = write_official(tmp_path / "oim.xlsx", official_rows(12))
    login(page, "oim", PASSWORD)
    page.get_by_role("link", name="Intercambio HTCDS").click()

    # a refused file: the report names row and column, in Spanish, and there is nothing to confirm
    page.get_by_label("Archivo HTCDS").set_input_files(str(bad))
    page.get_by_role("button", name="Validar el archivo").click()
    table = page.get_by_test_id("report-table")
    row = table.locator("tr", has_text="prs_Gender")
    assert row.locator("td").first.inner_text() == "5"
    assert "Valor no admitido por la lista HTCDS" in row.inner_text()
    assert page.get_by_role("button", name="Confirmar la importación").count() == 0

    # a good file: preview, confirm, progress to the end, the report downloads
    page.get_by_role("link", name="« Intercambio HTCDS").click()
    page.get_by_label("Archivo HTCDS").set_input_files(str(good))
    page.get_by_role("button", name="Validar el archivo").click()
    assert page.get_by_test_id("report-ok").is_visible()
    assert page.get_by_test_id("rows-create").inner_text() == "12"
    assert AssistanceCase.objects.count() == 0
    page.get_by_role("button", name="Confirmar la importación").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=job-status]').textContent.includes('Terminado')"
    )
    assert page.get_by_test_id("job-progress").inner_text() == "12 / 12"
    assert page.locator("progress#job-progress").get_attribute("value") == "12"
    assert AssistanceCase.objects.filter(owner_agency=worker.agency).count() == 12
    with page.expect_download() as info:
        page.get_by_role("link", name="Descargar el informe (CSV)").click()
    report = open(info.value.path(), encoding="utf-8").read()
    assert report.count("importada") == 12

    # the export: a purpose, the password shown once, progress, the encrypted archive
    page.get_by_role("link", name="« Intercambio HTCDS").click()
    page.get_by_label("Finalidad de la exportación").fill("Informe trimestral a la OIM")
    page.get_by_role("button", name="Exportar").click()
    password = page.get_by_test_id("archive-password").inner_text()
    page.get_by_role("link", name="Ver el avance y descargar").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=job-status]').textContent.includes('Terminado')"
    )
    assert page.get_by_test_id("job-progress").inner_text() == "12 / 12"
    with page.expect_download() as info:
        page.get_by_role("link", name="Descargar el archivo ZIP cifrado").click()
    with pyzipper.AESZipFile(info.value.path()) as zf:
        zf.setpassword(password.encode())
        assert zf.read(zf.namelist()[0])[:2] == b"PK"
