"""The HTCDS screen: upload → validation report → confirm → background import → report; export with a
purpose → password once → download; another user's job is a 404; a role without the capability is refused."""

import io

import pytest
import pyzipper
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.assistance.models import AssistanceCase
from sistra.audit.models import AccessLog
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.interop.models import ExchangeJob

from .htcds_files import official_rows, write_official


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def worker(db):
    iom = AgencyFactory(code="oim-peru", name="OIM Perú", kind=Agency.Kind.INTERNATIONAL)
    return UserFactory(username="oim", agency=iom, role=Role.CASEWORKER)


@pytest.fixture
def colleague(worker):
    return UserFactory(username="oim2", agency=worker.agency, role=Role.CASEWORKER)


def _upload(client, user, path, **data):
    client.force_login(user)
    with open(path, "rb") as f:
        upload = SimpleUploadedFile(path.name, f.read())
    return client.post(reverse("interop:home"), {"action": "import", "imp-file": upload, **data})


def test_an_upload_is_validated_and_nothing_written_until_confirmed(
    client, worker, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, worker, write_official(tmp_path / "oim.xlsx", official_rows(5)))
    job = ExchangeJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("interop:job", args=[job.uuid])
    assert job.status == ExchangeJob.Status.VALIDATED and job.report["create"] == [3, 4, 5, 6, 7]
    assert AssistanceCase.objects.count() == 0
    page = client.get(response.url).content.decode()
    assert "Confirmar la importación" in page and "Sin errores." in page
    assert AccessLog.objects.filter(model="interop.exchangejob", object_uuid=job.uuid).exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("interop:job_confirm", args=[job.uuid]))
    job.refresh_from_db()
    assert job.status == ExchangeJob.Status.DONE and job.done == 5
    assert AssistanceCase.objects.filter(owner_agency=worker.agency).count() == 5
    assert not job.stored_path  # the uploaded file is gone once imported
    report = client.get(reverse("interop:job_report", args=[job.uuid])).content.decode()
    assert "3,,importada" in report


def test_a_refused_file_shows_row_column_and_spanish_message_and_cannot_be_confirmed(
    client, worker, tmp_path
):
    rows = official_rows(3)
    rows[1]["prs_Gender"] = "Mujer"
    response = _upload(client, worker, write_official(tmp_path / "bad.xlsx", rows))
    job = ExchangeJob.objects.get()
    assert job.status == ExchangeJob.Status.REFUSED
    page = client.get(response.url).content.decode()
    assert "prs_Gender" in page and "Valor no admitido por la lista HTCDS" in page
    assert "Confirmar la importación" not in page
    client.post(reverse("interop:job_confirm", args=[job.uuid]))
    assert AssistanceCase.objects.count() == 0


def test_another_users_job_is_a_404(client, worker, colleague, tmp_path):
    _upload(client, worker, write_official(tmp_path / "oim.xlsx", official_rows(1)))
    job = ExchangeJob.objects.get()
    client.force_login(colleague)
    for name in ("interop:job", "interop:job_report", "interop:job_download"):
        assert client.get(reverse(name, args=[job.uuid])).status_code == 404
    assert client.post(reverse("interop:job_confirm", args=[job.uuid])).status_code == 404


def test_a_role_without_exchange_capabilities_is_refused(client, db):
    nurse = UserFactory(username="salud", agency=AgencyFactory(code="clinica"), role=Role.HEALTH_WORKER)
    client.force_login(nurse)
    assert client.get(reverse("interop:home")).status_code == 403


def test_the_export_shows_its_password_once_and_the_archive_downloads(
    client, worker, tmp_path, django_capture_on_commit_callbacks
):
    _upload(client, worker, write_official(tmp_path / "oim.xlsx", official_rows(3)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("interop:job_confirm", args=[ExchangeJob.objects.get().uuid]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interop:home"), {"action": "export", "exp-purpose": "Informe trimestral OIM"}
        )
    password = response.context["password"]
    job = ExchangeJob.objects.get(kind=ExchangeJob.Kind.EXPORT)
    assert job.status == ExchangeJob.Status.DONE and job.done == 3
    assert password not in str(job.report) and password not in job.purpose
    download = client.get(reverse("interop:job_download", args=[job.uuid]))
    data = b"".join(download.streaming_content)
    with pyzipper.AESZipFile(io.BytesIO(data)) as zf:
        zf.setpassword(password.encode())
        assert zf.read(zf.namelist()[0])[:2] == b"PK"
    assert AccessLog.objects.filter(purpose=AccessLog.Purpose.EXPORT, person_uuid__isnull=False).count() == 3
    assert "Descarga" in AccessLog.objects.filter(object_uuid=job.uuid).order_by("-at").first().detail


def test_an_export_without_a_purpose_is_refused(client, worker):
    client.force_login(worker)
    response = client.post(reverse("interop:home"), {"action": "export", "exp-purpose": "x"})
    assert response.status_code == 200
    assert "finalidad" in response.content.decode()
    assert not ExchangeJob.objects.exists()


def test_the_queued_export_task_does_not_carry_the_password_in_clear(
    client, worker, tmp_path, settings, django_capture_on_commit_callbacks
):
    # the database queue keeps a task's arguments in a table: a copy of it must not open the archive
    from django_tasks_db.models import DBTaskResult

    from sistra.interop.jobs import unseal_password

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "stats"]}}
    client.force_login(worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("interop:home"), {"action": "export", "exp-purpose": "Informe trimestral OIM"})
    password = response.context["password"]
    queued = DBTaskResult.objects.get()
    stored = str(queued.args_kwargs)
    assert password not in stored and password.encode().hex() not in stored
    job_uuid, sealed = queued.args_kwargs["args"]
    assert job_uuid == str(ExchangeJob.objects.get().uuid)
    assert unseal_password(sealed) == password
