"""Issue #2, done when: a prosecutor registers a case from complaint to sentence through the interface, in
headless Chromium, and the case history shows every change. The walk: create the case, register a victim (a
minor) and a defendant from the case page, charge the article in force on the date of the offence, record the
places of recruitment and exploitation, be refused twice with a Spanish message and nothing saved, take the
case through every stage up to the sentence, record the conviction, and read the history. A prosecutor of
another fiscalía gets a 404 for the same case."""

import datetime
import re
from pathlib import Path

import pytest

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.models import DistritoFiscal
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person, named

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "case_detail.png"

NUMBER = "2024-00457"
VICTIM = "Yesenia Mamani Condori"
VICTIM_DNI = "101174102"  # 10117410 and its check digit 2 (stdnum.pe.cui.calc_check_digits → "2G")
DEFENDANT = "Julio César Huamán Ccori"
OFFENCE = datetime.date(2024, 3, 15)
# denuncia on 20/05/2024, then each stage after the one before it, none in the future
STAGES = [
    ("Diligencias preliminares", datetime.date(2024, 5, 27)),
    ("Investigación preparatoria", datetime.date(2024, 9, 2)),
    ("Etapa intermedia", datetime.date(2025, 3, 3)),
    ("Juicio oral", datetime.date(2025, 7, 1)),
    ("Sentencia", datetime.date(2025, 10, 15)),
]


def day(d: datetime.date) -> str:
    return d.strftime("%d/%m/%Y")


@pytest.fixture
def fiscalias(transactional_db):
    cusco = DistritoFiscal.objects.get(code="cusco")
    lima = DistritoFiscal.objects.get(code="lima-centro")
    own = AgencyFactory(
        code="fistrap-cusco", name="FISTRAP Cusco", kind=Agency.Kind.FISCALIA, distrito_fiscal=cusco
    )
    other = AgencyFactory(
        code="fistrap-lima", name="FISTRAP Lima", kind=Agency.Kind.FISCALIA, distrito_fiscal=lima
    )
    return {
        "prosecutor": UserFactory(
            username="fiscal-cusco", first_name="Carmen", last_name="Fiscal", agency=own, role=Role.PROSECUTOR
        ),
        "outsider": UserFactory(username="fiscal-lima", agency=other, role=Role.PROSECUTOR),
    }


def sign_in(page, user) -> None:
    """conftest.login waits for "networkidle", which can come before the login POST has even left (the
    Enter key's navigation starts a moment later); wait for the signed-in header instead."""
    login(page, user.username, PASSWORD)
    page.get_by_role("button", name="Cerrar sesión").wait_for()


def submit(page, scope, button: str, *, status: int = 200):
    """Press a form's button and wait for the page it leads to; refusals come back as 422."""
    with page.expect_navigation() as navigation:
        scope.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("networkidle")
    response = navigation.value
    assert response.status == status, f"{button}: HTTP {response.status}"
    return response


def section(page, details_id: str):
    """Open a <details> section form of the case page (closed by default) and return it. A closed one holds
    no form: opening it loads the form with htmx (decision 0221)."""
    details = page.locator(f"details#{details_id}")
    if details.get_attribute("open") is None:
        assert details.locator("form").count() == 0
        with page.expect_response(lambda r: "/formularios/" in r.url
                                  and r.request.headers.get("hx-request") == "true") as loaded:
            details.locator("summary").first.click()
        assert loaded.value.status == 200
        details.locator("form").wait_for()
    return details


def pick_ubigeo(scope, text: str, option: str):
    scope.get_by_label("Buscar departamento, provincia o distrito").fill(text)
    scope.get_by_label(re.compile(option, re.IGNORECASE)).check()


def case_changes(case):
    from sistra.audit.models import ChangeEvent

    return ChangeEvent.objects.filter(root_model="cases.case", root_uuid=case.uuid)


def test_a_prosecutor_registers_a_case_from_complaint_to_sentence_and_the_history_shows_every_change(
    page, fiscalias
):
    from sistra.cases.models import Case, CaseDefendant, CasePlace
    from sistra.people.models import Person

    prosecutor = fiscalias["prosecutor"]
    # someone of the same name already in the registry: registering the defendant shows the duplicate check
    namesake = make_person(
        actor=prosecutor,
        first_names="Julio",
        last_name_paternal="Huamán",
        last_name_maternal="Ccori",
        estimated_age=61,
    )
    sign_in(page, prosecutor)

    # 1. The complaint.
    page.goto("/casos/")
    page.get_by_role("link", name="Registrar caso").first.click()
    form = page.locator("#case-form")
    form.get_by_label("Número de carpeta fiscal").fill(NUMBER)
    assert form.get_by_label("Fiscalía", exact=True).input_value() == "fistrap-cusco"  # the user's own
    form.get_by_label("Distrito fiscal").select_option(label="Cusco")
    form.get_by_label("Origen de la denuncia").select_option(label="Policía")
    form.get_by_label("Denominación").fill("Captación para minería ilegal en La Pampa")
    form.get_by_label("Fecha de la denuncia").fill("20/05/2024")
    form.get_by_label("Fecha de apertura de la carpeta").fill("21/05/2024")
    form.get_by_label("Fecha de los hechos (desde)").fill(day(OFFENCE))
    form.get_by_label("Fecha de los hechos (hasta)").fill("10/05/2024")
    form.get_by_label("Resumen de los hechos").fill(
        "Adolescente captada en Quispicanchi con una oferta de trabajo en un restaurante y explotada en un "
        "campamento minero de Inambari."
    )
    submit(page, form, "Registrar caso")
    assert f"Caso {NUMBER} registrado." in page.locator("main").inner_text()
    case = Case.objects.get(number=NUMBER)
    assert page.url.endswith(f"/casos/{case.uuid}/")
    assert page.locator("#current-stage").inner_text() == "Denuncia"
    case_url = f"/casos/{case.uuid}/"

    # 2. The victim, registered from the case page and brought back preselected.
    victims = section(page, "add-victim")
    victims.get_by_role("link", name="¿No está registrada? Registrar una persona nueva").click()
    page.wait_for_load_state("networkidle")
    person_form = page.locator("#person-form")
    assert "/personas/nueva/" in page.url
    person_form.get_by_label("Nombres").fill("Yesenia")
    person_form.get_by_label("Apellido paterno").fill("Mamani")
    person_form.get_by_label("Apellido materno").fill("Condori")
    person_form.get_by_label("Sexo / género").select_option(label="Mujer")
    person_form.get_by_label("Fecha de nacimiento").fill("14/02/2008")
    person_form.get_by_label("Nacionalidad").select_option(label="Perú")
    person_form.get_by_label("Tipo de documento").first.select_option(label="DNI")
    person_form.get_by_label("Número").first.fill(VICTIM_DNI)
    submit(page, person_form, "Registrar persona")
    victim_person = Person.objects.get(named("Yesenia"))
    assert f"Persona registrada con el código {victim_person.code}." in page.locator("main").inner_text()
    assert page.url.split("#")[0].endswith(f"{case_url}?persona={victim_person.uuid}")
    victims = page.locator("details#add-victim")
    assert victims.get_attribute("open") is not None
    chosen = victims.get_by_role("radio", checked=True)
    assert VICTIM in chosen.locator("xpath=following-sibling::label").inner_text()
    victims.get_by_label("Edad durante la explotación").fill("16")
    victims.get_by_label("Explotación laboral en minería (ilegal o informal)").check()
    victims.get_by_label("Servidumbre doméstica (trabajo del hogar)").check()
    victims.get_by_label("Relación con el tratante").select_option(label="Desconocido")
    submit(page, victims, "Añadir víctima")
    assert "Víctima añadida al caso." in page.locator("main").inner_text()
    victim_row = page.locator("#victims tbody tr")
    assert victim_row.count() == 1
    assert VICTIM in victim_row.inner_text() and "Explotación laboral en minería" in victim_row.inner_text()
    assert page.locator(".page-head").get_by_text("Víctima menor de edad").is_visible()

    # 3. The defendant: a namesake is on record, the prosecutor sees it and creates a new person anyway.
    defendants = section(page, "add-defendant")
    defendants.get_by_role("link", name="¿No está registrada? Registrar una persona nueva").click()
    page.wait_for_load_state("networkidle")
    person_form = page.locator("#person-form")
    person_form.get_by_label("Nombres").fill("Julio César")
    person_form.get_by_label("Apellido paterno").fill("Huamán")
    person_form.get_by_label("Apellido materno").fill("Ccori")
    person_form.get_by_label("Sexo / género").select_option(label="Hombre")
    person_form.get_by_label("Edad estimada (años)").fill("38")
    submit(page, person_form, "Registrar persona")
    matches = page.locator("#matches")
    assert "Posibles registros de la misma persona" in matches.inner_text()
    assert namesake.full_name in matches.inner_text()
    assert Person.objects.count() == 2  # nothing saved yet
    submit(page, page.locator("#person-form"), "Crear de todos modos")
    defendant_person = Person.objects.get(named("Julio César"))
    assert page.url.split("#")[0].endswith(f"{case_url}?persona={defendant_person.uuid}")
    defendants = page.locator("details#add-defendant")
    assert defendants.get_attribute("open") is not None
    assert (
        DEFENDANT
        in defendants.get_by_role("radio", checked=True)
        .locator("xpath=following-sibling::label")
        .inner_text()
    )
    defendants.get_by_label("Rol en la red").select_option(label="Captador o intermediario")
    defendants.get_by_label("Situación procesal").select_option(label="Con prisión preventiva")
    submit(page, defendants, "Añadir imputado")
    assert "Imputado añadido al caso." in page.locator("main").inner_text()
    assert DEFENDANT in page.locator("#defendants tbody").inner_text()
    assert "Captador o intermediario" in page.locator("#defendants tbody").inner_text()
    defendant = CaseDefendant.objects.get(case=case)

    # 4. A refused charge: art. 153 was no longer in force in 2024. The message is on the field; nothing saved.
    changes_before = case_changes(case).count()
    charges = section(page, "add-charge")
    old_article = charges.locator("option", has_text="Art. 153 (Ley 30251)").inner_text()
    charges.get_by_label("Artículo del Código Penal").select_option(label=old_article)
    charges.get_by_label("Fecha del delito").fill(day(OFFENCE))
    submit(page, charges, "Añadir imputación", status=422)
    charges = page.locator("details#add-charge")
    assert charges.get_attribute("open") is not None
    refusal = (
        "El artículo 153 (Ley 30251) no estaba vigente el 15/03/2024, fecha del delito "
        "(vigente del 22/10/2014 al 30/03/2021)."
    )
    article_field = charges.locator(".field", has=page.get_by_label("Artículo del Código Penal"))
    assert refusal in article_field.inner_text()
    assert "Revise los datos marcados: no se guardó nada." in charges.inner_text()
    assert "Sin imputaciones." in page.locator("#charges").inner_text()
    assert case.charges.count() == 0 and case_changes(case).count() == changes_before

    # 5. The charge with the article in force on the date of the offence (art. 129-A, Ley 31146).
    article = charges.locator("option", has_text="Art. 129-A (Ley 31146)").inner_text()
    assert "vigente desde el 31/03/2021" in article
    charges.get_by_label("Artículo del Código Penal").select_option(label=article)
    charges.get_by_label("Fecha del delito").fill(day(OFFENCE))
    charges.get_by_label("Imputado", exact=True).select_option(label=DEFENDANT)
    charges.get_by_label("Observaciones").fill("Agravante: víctima menor de edad (art. 129-B)")
    submit(page, charges, "Añadir imputación")
    assert "Imputación registrada." in page.locator("main").inner_text()
    charge_row = page.locator("#charges tbody tr")
    assert charge_row.count() == 1
    assert "Art. 129-A" in charge_row.inner_text() and "Ley 31146" in charge_row.inner_text()
    assert DEFENDANT in charge_row.inner_text() and "15/03/2024" in charge_row.inner_text()

    # 6. Places, chosen with the ubigeo search: recruitment in Cusco, exploitation in Madre de Dios.
    for kind, text, option, description in [
        (
            "Captación",
            "ccatca",
            r"^Ccatca, Quispicanchi, Cusco \(distrito\)$",
            "Plaza de armas, oferta de empleo",
        ),
        (
            "Explotación",
            "inambari",
            r"^Inambari, Tambopata, Madre de Dios \(distrito\)$",
            "Campamento minero",
        ),
    ]:
        places = section(page, "add-place")
        places.get_by_label("Tipo de lugar").select_option(label=kind)
        pick_ubigeo(places, text, option)
        places.get_by_label("Descripción").fill(description)
        submit(page, places, "Añadir lugar")
        assert "Lugar registrado." in page.locator("main").inner_text()
    places_text = page.locator("#places tbody").inner_text().lower()
    assert "ccatca, quispicanchi, cusco" in places_text and "081205" in places_text
    assert "inambari, tambopata, madre de dios" in places_text and "170102" in places_text
    assert set(CasePlace.objects.filter(case=case).values_list("kind", "ubigeo_id")) == {
        ("recruitment", "081205"),
        ("exploitation", "170102"),
    }

    # 7. A refused stage change: from the complaint straight to the intermediate stage. (This step used to be
    # refused only for want of a reason; the NCPP allows no such step, so it is refused with one too.)
    changes_before = case_changes(case).count()
    stage = section(page, "change-stage")
    stage.get_by_label("Nueva etapa").select_option(label="Etapa intermedia")
    stage.get_by_label("Fecha del cambio").fill("27/05/2024")
    stage.get_by_label("Motivo", exact=True).fill("Acumulación")
    submit(page, stage, "Cambiar etapa", status=422)
    stage = page.locator("details#change-stage")
    stage_field = stage.locator(".field", has=page.get_by_label("Nueva etapa", exact=True))
    assert (
        "El NCPP no prevé pasar de Denuncia a Etapa intermedia. Desde Denuncia el caso puede pasar a: "
        "Diligencias preliminares, Archivo / sobreseimiento."
    ) in stage_field.inner_text()
    assert page.locator("#current-stage").inner_text() == "Denuncia"
    case.refresh_from_db()
    assert case.current_stage_id == "denuncia" and case_changes(case).count() == changes_before

    # 8. Every stage in order, up to the sentence.
    previous = "Denuncia"
    for name, date in STAGES:
        stage = section(page, "change-stage")
        stage.get_by_label("Nueva etapa").select_option(label=name)
        stage.get_by_label("Fecha del cambio").fill(day(date))
        submit(page, stage, "Cambiar etapa")
        assert "Etapa procesal actualizada." in page.locator("main").inner_text()
        assert page.locator("#current-stage").inner_text() == name
        assert f"Cambio de etapa: {previous} → {name}" in page.locator("#timeline").inner_text()
        previous = name

    # 9. The defendant's outcome: convicted, 15 years and S/ 20,000.00 of civil reparation.
    outcome = section(page, f"outcome-{defendant.uuid}")
    outcome.get_by_label("Resultado", exact=True).select_option(label="Condenado")
    outcome.get_by_label("Fecha del resultado").fill(day(STAGES[-1][1]))
    outcome.get_by_label("Pena (años)").fill("15")
    outcome.get_by_label("Reparación civil (S/)").fill("20000.00")
    submit(page, outcome, "Guardar resultado")
    assert "Resultado del imputado registrado." in page.locator("main").inner_text()
    row = page.locator(f"#defendant-{defendant.uuid}").inner_text()
    assert "Condenado" in row and "Sentenciado" in row and "15/10/2025" in row
    assert "20,000.00" in row and "15" in row

    # 10. The history lists every change, newest first, and the database holds exactly those.
    page.get_by_role("link", name="Historial").click()
    history = page.locator("#history")
    assert history.is_visible()
    summaries = history.locator(".history-summary").all_inner_texts()
    victim_code, defendant_code = victim_person.code, defendant_person.code
    expected = [
        f"Situación del imputado {defendant_code}: Condenado",
        *[
            f"Cambio de etapa: {a} → {b}"
            for a, b in reversed(
                list(zip(["Denuncia"] + [n for n, _ in STAGES[:-1]], [n for n, _ in STAGES], strict=True))
            )
        ],
        "Lugar de explotación añadido",
        "Lugar de captación añadido",
        "Imputación: art. 129-A",
        f"Imputado añadido: {defendant_code}",
        f"Víctima añadida: {victim_code}",
        "Registro del caso",
    ]
    assert summaries == expected
    items = history.locator("li.history-item")
    assert items.count() == 12
    # the updates show what changed, field by field
    outcome_rows = items.nth(0).locator("tbody tr").all_inner_texts()
    assert any(r.startswith("resultado") and "Pendiente" in r and "Condenado" in r for r in outcome_rows)
    assert any(
        r.startswith("situación procesal") and "Con prisión preventiva" in r and "Sentenciado" in r
        for r in outcome_rows
    )
    sentence_rows = items.nth(1).locator("tbody tr").all_inner_texts()
    assert any(
        r.startswith("etapa actual") and "Juicio oral" in r and "Sentencia" in r for r in sentence_rows
    )
    assert any(
        r.startswith("inicio de la etapa actual") and "01/07/2025" in r and "15/10/2025" in r
        for r in sentence_rows
    )
    assert all(
        "Carmen Fiscal (FISTRAP Cusco)" in t for t in history.locator(".history-actor").all_inner_texts()
    )

    case.refresh_from_db()
    defendant.refresh_from_db()
    assert (
        case.current_stage_id == "sentencia" and case.status == Case.Status.ACTIVE and case.has_minor_victim
    )
    assert defendant.outcome == CaseDefendant.Outcome.CONVICTED and defendant.status == "sentenced"
    assert defendant.sentence_years == 15 and defendant.reparation_amount == 20000
    assert defendant.outcome_date == datetime.date(2025, 10, 15)
    events = list(case_changes(case).order_by("-at", "-id"))
    assert [e.summary for e in events] == summaries
    assert [f"change-{e.pk}" for e in events] == history.locator("li.history-item").evaluate_all(
        "items => items.map(i => i.id)"
    )
    assert {e.actor_id for e in events} == {prosecutor.pk}
    assert [e.action for e in events].count("create") == 6 and [e.action for e in events].count("update") == 6

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.goto(case_url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_a_prosecutor_of_another_fiscalia_gets_a_404_for_the_case(page, fiscalias):
    from sistra.cases.testing import make_case

    case = make_case(actor=fiscalias["prosecutor"], number=NUMBER)
    sign_in(page, fiscalias["outsider"])
    response = page.goto(f"/casos/{case.uuid}/")
    assert response.status == 404
    assert NUMBER not in page.content()
    listing = page.goto("/casos/")
    assert listing.status == 200 and NUMBER not in page.locator("main").inner_text()
