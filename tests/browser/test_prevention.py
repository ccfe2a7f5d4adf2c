"""A prevention officer's year in a browser: records a training and imports its 30 participants from the Excel
attendance sheet, prints a certificate and checks its code on the public page (signed out); records a campaign
with its reach by channel; registers an at-risk family with two children, an alternative and the 6- and
12-month follow-ups; and finds all of it in the statistics dashboard. Dates are relative to the day the test
runs, so it passes on any day."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"
SHOTS = settings.BASE_DIR / "docs" / "screenshots"
PROFESSIONS = ["Juez", "Fiscal", "Policía", "Personal de salud", "Docente", "Autoridad comunal"]


def day(d: datetime.date) -> str:
    return d.strftime("%d/%m/%Y")


@pytest.fixture
def officer(db):
    agency = AgencyFactory(code="tdh-peru", name="Terre des Hommes — Perú", kind=Agency.Kind.NGO)
    return UserFactory(
        username="prevencion",
        first_name="Diana",
        last_name="García",
        agency=agency,
        role=Role.PREVENTION_OFFICER,
    )


@pytest.fixture
def attendance_sheet(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Asistencia"
    sheet.append(
        [
            "N°",
            "Apellidos y nombres",
            "DNI",
            "Profesión",
            "Institución",
            "Sexo",
            "Región",
            "Asistió",
            "Nota entrada",
            "Nota salida",
        ]
    )
    for i in range(30):
        sheet.append(
            [
                i + 1,
                f"Participante {i + 1:02d} Quispe Mamani",
                f"4{i:07d}",
                PROFESSIONS[i % 6],
                "Corte Superior de Justicia de Cusco" if i % 6 == 0 else "Institución de Cusco",
                "F" if i % 2 else "M",
                "Cusco" if i % 5 else "Madre de Dios",
                "sí",
                8 + i % 5,
                14 + i % 6,
            ]
        )
    path = tmp_path / "lista_asistencia.xlsx"
    workbook.save(path)
    return path


def test_an_officer_records_trainings_campaigns_and_families_and_sees_them_in_the_dashboard(
    page, live_server, browser, officer, attendance_sheet
):
    from sistra.prevention.models import AtRiskFamily, Campaign, Participant, TrainingEvent

    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    today = timezone.localdate()
    login(page, "prevencion", PASSWORD)
    assert page.url.endswith("/prevencion/")

    # 1. A training, and its 30 participants from the organisers' Excel sheet
    page.get_by_role("link", name="Registrar capacitación").first.click()
    page.get_by_label("Título").fill("Ley 31146 para operadores de justicia de Cusco")
    page.get_by_label("Tema").select_option("law_31146")
    page.get_by_label("Organizador").fill("Terre des Hommes — Perú")
    page.get_by_label("Inicio").fill(day(today - datetime.timedelta(days=30)))
    page.get_by_label("Fin").fill(day(today - datetime.timedelta(days=29)))
    page.get_by_label("Lugar (ubigeo)").fill("080101")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state("load")
    assert "Capacitación registrada." in page.locator("main").inner_text()
    event = TrainingEvent.objects.get()

    page.get_by_role("link", name="Importar lista de asistencia (Excel)").click()
    page.get_by_label("Lista de asistencia (XLSX o CSV)").set_input_files(str(attendance_sheet))
    page.get_by_role("button", name="Importar").click()
    page.wait_for_load_state("load")
    assert page.locator("#result-created").inner_text() == "30"
    assert page.locator("#result-invalid").inner_text() == "0"
    assert event.participants.count() == 30

    # 2. A certificate: issued, printed (a PDF), and verified by anyone on the public page
    page.goto(f"/prevencion/capacitaciones/{event.uuid}/")
    page.get_by_role("button", name="Emitir certificado").first.click()
    page.wait_for_load_state("load")
    certified = Participant.objects.exclude(certificate_code=None).get()
    link = page.locator(f"#p-{certified.uuid} a.certificate-link")
    assert certified.certificate_code in link.inner_text()
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    public = browser.new_context(base_url=live_server.url, locale="es-PE")
    visitor = public.new_page()
    visitor.goto("/prevencion/certificados/verificar/")
    assert "/login/" not in visitor.url
    visitor.get_by_label("Código de verificación").fill(certified.certificate_code)
    visitor.get_by_role("button", name="Verificar").click()
    visitor.wait_for_load_state("load")
    assert visitor.locator("#verify-name").inner_text() == certified.full_name
    assert visitor.locator("#verify-event").inner_text() == event.title
    result = visitor.locator("#verify-result").inner_text()
    assert certified.document_number not in result and certified.institution not in result
    visitor.goto("/prevencion/certificados/verificar/?codigo=CERT-2222222222222222")
    assert "No encontrado" in visitor.locator("#verify-result").inner_text()
    public.close()

    # 3. A campaign with its reach by channel, each figure with its method and source
    page.goto("/prevencion/campanas/nueva/")
    page.get_by_label("Nombre", exact=True).fill("No te dejes engañar")
    page.get_by_label("Lema").fill("Infórmate antes de viajar")
    page.get_by_label("Inicio").fill(day(today - datetime.timedelta(days=90)))
    page.get_by_label("Fin").fill(day(today - datetime.timedelta(days=60)))
    page.get_by_label("Radio", exact=True).check()
    page.get_by_label("Tipo de lugar").select_option("bus_terminal")
    page.get_by_label("Nombre del lugar").fill("Terminal terrestre de Cusco")
    page.get_by_label("Ubigeo del lugar").fill("080101")
    for i, (channel, people, method, source) in enumerate(
        [
            ("radio", "345000", "audience", "Estudio de audiencia (CPI)"),
            ("theatre", "4000", "counted", "Entradas vendidas"),
            ("talks", "2350", "counted", "Listas de asistencia"),
        ]
    ):
        page.get_by_label(f"Canal {i + 1}", exact=True).select_option(channel)
        page.get_by_label(f"Personas alcanzadas {i + 1}").fill(people)
        page.get_by_label(f"Método {i + 1}").select_option(method)
        page.get_by_label(f"Fuente {i + 1}").fill(source)
        page.get_by_label(f"Departamento {i + 1}").fill("08")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state("load")
    assert "Campaña registrada." in page.locator("main").inner_text()
    assert "345,000" in page.locator("#reach-audience").inner_text()
    assert "6,350" in page.locator("#reach-counted").inner_text()  # theatre + talks, both counted
    assert Campaign.objects.get().reach.count() == 3

    # 4. An at-risk family with two children, an alternative and the 6- and 12-month follow-ups
    registered = today - datetime.timedelta(days=400)
    page.goto("/prevencion/familias/nueva/")
    page.get_by_label("Fecha de registro").fill(day(registered))
    page.get_by_label("Lugar de origen (ubigeo)").fill("081205")
    page.get_by_label("Comunidad").fill("Comunidad campesina de Ccatca")
    page.get_by_label("Nombre de la persona responsable").fill("Juana Huamán Ccori")
    page.get_by_label("Un miembro ya migró a una zona minera").check()
    page.get_by_label("Pobreza").check()
    for i, (first, year, sex) in enumerate(
        [("Luz", registered.year - 12, "female"), ("Elvis", registered.year - 15, "male")]
    ):
        page.get_by_label(f"Nombres (niña, niño o adolescente {i + 1})").fill(first)
        page.get_by_label(f"Apellidos ({i + 1})").fill("Quispe Huamán")
        page.get_by_label(f"Año de nacimiento ({i + 1})").fill(str(year))
        page.get_by_label(f"Sexo ({i + 1})").select_option(sex)
        page.get_by_label(f"Estudia ({i + 1})").check()
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state("load")
    family = AtRiskFamily.objects.get()
    assert f"Familia registrada con el código {family.code}." in page.locator("main").inner_text()
    luz = next(c for c in family.children.all() if c.first_names == "Luz")

    alternative = page.locator("#alternative-form")
    alternative.get_by_label("Niña, niño o adolescente").select_option(str(luz.uuid))
    alternative.get_by_label("Alternativa").select_option("schooling")
    alternative.get_by_label("Desde").fill(day(registered + datetime.timedelta(days=10)))
    alternative.get_by_label("Quién la brinda").fill("UGEL Quispicanchi")
    page.get_by_role("button", name="Registrar alternativa").click()
    page.wait_for_load_state("load")
    for milestone, days_after in (("6", 182), ("12", 365)):
        follow = page.locator("#followup-form")
        follow.get_by_label("Niña, niño o adolescente").select_option(str(luz.uuid))
        follow.get_by_label("Seguimiento").select_option(milestone)
        follow.get_by_label("Fecha").fill(day(registered + datetime.timedelta(days=days_after)))
        follow.get_by_label("Sigue estudiando").check()
        page.get_by_role("button", name="Registrar seguimiento").click()
        page.wait_for_load_state("load")
        assert "Seguimiento registrado." in page.locator("main").inner_text()
    card = page.locator(f"#child-{luz.code}").inner_text()
    assert "Apoyo escolar" in card and "A los 6 meses" in card and "A los 12 meses" in card
    assert luz.follow_ups.count() == 2

    # 5. All of it in the statistics dashboard, once the figures are refreshed
    page.goto("/estadisticas/")
    page.get_by_role("button", name="Actualizar ahora").click()
    page.wait_for_load_state("load")
    page.goto("/estadisticas/")
    section = page.locator("#sec-prevention")
    text = section.inner_text()
    assert "Personas capacitadas por profesión" in text
    assert "Alcance de campañas por canal — cifras de audiencia" in text
    assert "Alcance de campañas por canal — conteo directo" in text
    assert "Niñas, niños y adolescentes por alternativa brindada" in text
    assert "Situación a los 12 meses" in text
    trained = page.locator("#fig-prevention_trained_by_profession")
    trained.get_by_text("Ver tabla").click()
    rows = trained.locator("table").inner_text()
    assert "Juez o jueza\t5" in rows and "Docente\t5" in rows
    reach = page.locator("#fig-prevention_reach_audience_by_channel")
    reach.get_by_text("Ver tabla").click()
    assert (
        "345,000" in reach.locator("table").inner_text() or "345 000" in reach.locator("table").inner_text()
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SHOTS / "prevention_dashboard.png"))
    assert not problems
