"""The referral pathway ("ruta de atención") walked in a browser, one agency after another: the mobile clinic
identifies a potential victim and transfers her case to MIMP; MIMP delivers services and refers her to IOM for
the return to Cusco; IOM records the return and the family reunification; MIMP closes the case. After each
step every agency sees exactly what it should, and the others nothing."""

import datetime
import re

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory, ubigeo
from sistra.people.testing import make_person

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"
NAME = "Rosa Elena Huamán Quispe"
DNI = "45678912"


@pytest.fixture
def pathway(db):
    from sistra.assistance.catalogue import load_service_types
    from sistra.assistance.models import ServiceType

    if not ServiceType.objects.exists():  # a transactional test's flush empties the catalogue
        from django.apps import apps

        load_service_types(apps)
    clinic = AgencyFactory(code="caravana", name="Caravana de la Vida", kind=Agency.Kind.HEALTH)
    mimp = AgencyFactory(code="mimp-mdd", name="MIMP Madre de Dios", kind=Agency.Kind.MIMP)
    iom = AgencyFactory(code="oim", name="OIM Perú", kind=Agency.Kind.INTERNATIONAL)
    ngo = AgencyFactory(code="ong", name="ONG Ajena", kind=Agency.Kind.NGO)
    users = {
        "clinic": UserFactory(username="salud", first_name="Ana", last_name="Salud", agency=clinic,
                              role=Role.HEALTH_WORKER),
        "mimp": UserFactory(username="mimp", first_name="Marta", last_name="Gestora", agency=mimp,
                            role=Role.CASEWORKER),
        "iom": UserFactory(username="oim", first_name="Iván", last_name="Retornos", agency=iom,
                           role=Role.CASEWORKER),
        "ngo": UserFactory(username="ong", agency=ngo, role=Role.CASEWORKER),
    }
    from sistra.people.services import DocumentInput

    victim = make_person(actor=users["clinic"], first_names="Rosa Elena", last_name_paternal="Huamán",
                         last_name_maternal="Quispe", sex="female", estimated_age=19,
                         ubigeo_origin=ubigeo("080901"), documents=[DocumentInput(kind="dni", number=DNI)])
    return {"agencies": {"clinic": clinic, "mimp": mimp, "iom": iom, "ngo": ngo}, "users": users,
            "victim": victim}


class Session:
    """One agency's user in a browser context of its own."""

    def __init__(self, page, user):
        self.page, self.user = page, user
        login(page, user.username, PASSWORD)
        # the login form's redirect must finish before the next navigation, or it aborts that one
        page.wait_for_url(lambda url: "/login/" not in url)

    def open(self, path: str):
        response = self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        return response

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def submit(self, label: str):
        self.page.get_by_role("button", name=label).click()
        self.page.wait_for_load_state("networkidle")


def new_session(page, live_server, user) -> Session:
    context = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-PE",
                                               timezone_id="America/Lima", base_url=live_server.url)
    context.set_default_timeout(15_000)
    return Session(context.new_page(), user)


def pick(page, search_label: str, text: str, option: str):
    """A search picker: type, wait for the options, choose one."""
    page.get_by_label(search_label).fill(text)
    page.get_by_label(re.compile(option, re.IGNORECASE)).first.check()


def day(d: datetime.date) -> str:
    return d.strftime("%d/%m/%Y")


def sees(user, person=None):
    """What the selectors and access functions give the user."""
    from sistra.assistance.access import visible_assistance_cases, visible_referrals
    from sistra.people.access import can_see_identity, visible_persons

    result = {"cases": set(visible_assistance_cases(user).values_list("code", flat=True)),
              "referrals": visible_referrals(user).count()}
    if person is not None:
        result["person"] = visible_persons(user).filter(pk=person.pk).exists()
        result["identity"] = can_see_identity(user, person) if result["person"] else False
    return result


def test_the_clinic_identifies_mimp_assists_iom_returns_and_the_case_closes(page, live_server, pathway):
    from sistra.assistance.models import AssistanceCase, FamilyContact, Referral

    u, a, victim = pathway["users"], pathway["agencies"], pathway["victim"]
    today = timezone.localdate()

    # 1. The clinic identifies a potential victim, records her consents and transfers the case to MIMP.
    clinic = Session(page, u["clinic"])
    clinic.open("/asistencia/casos/nuevo/")
    pick(page, "Buscar a la persona por nombre, documento o código", "Rosa Huamán", "Rosa Elena")
    clinic.submit("Abrir el caso")
    assert "Caso de asistencia" in clinic.text() and NAME in clinic.text()
    case = AssistanceCase.objects.get()
    assert case.identification_channel == "clinic" and case.trafficking_status == "PossibleVictimOfTrafficking"
    case_url = f"/asistencia/casos/{case.uuid}/"

    page.get_by_role("link", name="Registrar un consentimiento").click()
    page.get_by_label("Recibir servicios").check()
    clinic.submit("Guardar")
    page.get_by_role("link", name="Registrar un consentimiento").click()
    page.get_by_label("Compartir sus datos con una institución").check()
    page.get_by_label("Institución con la que consiente compartir sus datos").select_option(label="MIMP Madre de Dios")
    clinic.submit("Guardar")
    assert "Consentimiento registrado." in clinic.text()

    page.get_by_role("link", name="Derivar a otra institución").click()
    page.get_by_label("Institución que recibe").select_option(label="MIMP Madre de Dios")
    page.get_by_label("Transferencia de la gestión del caso").check()
    page.get_by_label("Albergue o acogida temporal").check()
    page.get_by_label("Salud mental y apoyo psicosocial").check()
    clinic.submit("Enviar la derivación")
    assert "Derivación enviada a MIMP Madre de Dios." in clinic.text()
    to_mimp = Referral.objects.get()
    assert to_mimp.include_identity and to_mimp.kind == "transfer"

    mimp = new_session(page, live_server, u["mimp"])
    mimp.open("/asistencia/")
    assert case.code in mimp.text()
    mimp.open(f"/asistencia/derivaciones/{to_mimp.uuid}/")
    assert NAME in mimp.text() and DNI in mimp.text()  # consented: MIMP sees who she is
    assert sees(u["mimp"], person=victim) == {"cases": set(), "referrals": 1, "person": True, "identity": True}
    for other in ("iom", "ngo"):
        assert sees(u[other], person=victim) == {"cases": set(), "referrals": 0, "person": False,
                                                 "identity": False}

    # 2. MIMP accepts the transfer: the case is now MIMP's; the clinic keeps only its referral.
    mimp.submit("Aceptar la transferencia del caso")
    assert "Transferencia aceptada" in mimp.text() and NAME in mimp.text()
    assert sees(u["mimp"])["cases"] == {case.code}
    assert sees(u["clinic"])["cases"] == set() and sees(u["clinic"])["referrals"] == 1
    assert clinic.open(case_url).status == 404
    clinic.open(f"/asistencia/derivaciones/{to_mimp.uuid}/")
    assert "Aceptada" in clinic.text()
    for other in ("iom", "ngo"):
        assert sees(u[other], person=victim)["person"] is False

    # 3. MIMP confirms the status, delivers services and records the family (an uncle took part in it).
    mimp.open(f"{case_url}situacion/")
    page_m = mimp.page
    page_m.get_by_label("Situación de trata").select_option(label="Víctima de trata confirmada")
    mimp.submit("Guardar")
    mimp.open(f"{case_url}servicios/")
    page_m.get_by_label("Servicio", exact=True).select_option(label="Albergue o acogida temporal")
    page_m.get_by_label("Costo (S/)").fill("1,250.00")
    page_m.get_by_label("Descripción").fill("Acogida en el hogar de refugio temporal")
    mimp.submit("Guardar")
    assert "Servicio registrado." in mimp.text() and "1,250.00" in mimp.text()
    mimp.open(f"{case_url}familia/")
    page_m.get_by_label("Nombre completo").fill("Carmen Quispe Mamani")
    page_m.get_by_label("Parentesco").select_option(label="Madre")
    pick(page_m, "Buscar lugar donde vive", "Quispicanchi", "Quispicanchi")
    mimp.submit("Guardar")
    mimp.open(f"{case_url}familia/")
    page_m.get_by_label("Nombre completo").fill("Julio Huamán Ccori")
    page_m.get_by_label("Parentesco").select_option(label="Otro familiar")
    page_m.get_by_label("Involucrado en la trata").check()
    mimp.submit("Guardar")
    assert "ALERTA DE SEGURIDAD" in mimp.text() and "INVOLUCRADO EN LA TRATA" in mimp.text()
    assert sees(u["clinic"])["cases"] == set()
    clinic.open(f"/asistencia/derivaciones/{to_mimp.uuid}/")
    assert "Albergue o acogida temporal" in clinic.text()  # what it asked for…
    assert "1,250.00" not in clinic.text() and "Carmen" not in clinic.text()  # …not what MIMP did

    # 4. MIMP records the victim's consent to share with IOM and refers her for the return to Cusco.
    mimp.open(f"{case_url}consentimientos/")
    page_m.get_by_label("Compartir sus datos con una institución").check()
    page_m.get_by_label("Institución con la que consiente compartir sus datos").select_option(label="OIM Perú")
    mimp.submit("Guardar")
    mimp.open(f"{case_url}derivar/")
    page_m.get_by_label("Institución que recibe").select_option(label="OIM Perú")
    page_m.get_by_label("Retorno dentro del Perú").check()
    page_m.get_by_label("Búsqueda y reunificación familiar").check()
    page_m.get_by_label("Motivo (HTCDS)").select_option(label="Traslado o cambio de lugar")
    pick(page_m, "Buscar destino (departamento, provincia o distrito)", "Cusco", r"^Cusco \(departamento\)")
    mimp.submit("Enviar la derivación")
    to_iom = Referral.objects.get(to_agency=a["iom"])
    assert to_iom.include_identity and to_iom.destination_ubigeo_id == "080000"
    iom = new_session(page, live_server, u["iom"])
    iom.open("/asistencia/")
    assert case.code in iom.text()
    assert sees(u["iom"], person=victim)["identity"] is True
    assert sees(u["clinic"])["referrals"] == 1 and sees(u["ngo"], person=victim)["person"] is False

    # 5. IOM accepts, organises the return, records the reunification with the mother and closes its part.
    iom.open(f"/asistencia/derivaciones/{to_iom.uuid}/")
    iom.submit("Aceptar la derivación")
    text = iom.text()
    assert "Derivación aceptada." in text and NAME in text
    assert "ALERTA DE SEGURIDAD" in text and "Carmen Quispe Mamani" in text and "INVOLUCRADO EN LA TRATA" in text
    assert "1,250.00" not in text  # MIMP's services are not IOM's business
    page_i = iom.page
    page_i.get_by_role("link", name="Registrar un servicio").click()
    page_i.get_by_label("Servicio", exact=True).select_option(label="Retorno dentro del Perú")
    page_i.get_by_label("Pasajes").fill("Bus Puerto Maldonado–Cusco")
    page_i.get_by_label("Costo (S/)").fill("180.00")
    iom.submit("Guardar")
    assert "Servicio registrado." in iom.text()
    mother = FamilyContact.objects.get(relationship="mother")
    iom.open(f"/asistencia/familia/{mother.uuid}/editar/")
    page_i.get_by_label("Búsqueda y reunificación").select_option(label="Reunificación realizada")
    page_i.get_by_label("Fecha de reunificación").fill(day(today))
    iom.submit("Guardar")
    assert "Familiar o contacto actualizado." in iom.text()
    uncle = FamilyContact.objects.get(involved_in_trafficking=True)
    iom.open(f"/asistencia/familia/{uncle.uuid}/")
    assert "No revele a esta persona dónde está la víctima" in iom.text() and "Oculto por seguridad" in iom.text()
    iom.open(f"/asistencia/derivaciones/{to_iom.uuid}/concluir/")
    iom.submit("Concluir")
    assert sees(u["iom"], person=victim) == {"cases": set(), "referrals": 1, "person": False, "identity": False}
    iom.open(f"/asistencia/derivaciones/{to_iom.uuid}/")
    assert NAME not in iom.text() and "Concluida" in iom.text()

    # 6. MIMP sees IOM's work in its case and closes it.
    mimp.open(case_url)
    text = mimp.text()
    assert "Retorno dentro del Perú" in text and "OIM Perú" in text and "Reunificación realizada" in text
    mimp.open(f"{case_url}cerrar/")
    mimp.page.get_by_label("Motivo de cierre").select_option(label="Reintegrada en su comunidad")
    mimp.submit("Cerrar el caso")
    assert "Caso cerrado." in mimp.text()
    case.refresh_from_db()
    assert case.status == "Closed" and case.closure_reason == "reintegrated"
    mimp.open(f"/asistencia/personas/{victim.uuid}/")
    timeline = mimp.text()
    assert "Identificación (Establecimiento o brigada de salud)" in timeline and "Caso cerrado" in timeline
    assert sees(u["ngo"], person=victim) == {"cases": set(), "referrals": 0, "person": False, "identity": False}
    assert sees(u["clinic"])["cases"] == set()


def test_without_consent_the_receiver_sees_no_identity_and_withdrawing_stops_sharing(page, live_server, pathway):
    from sistra.assistance import services
    from sistra.assistance.models import Referral, ServiceType

    u, a, victim = pathway["users"], pathway["agencies"], pathway["victim"]
    case = services.case_open(actor=u["clinic"], person=victim, identified_on=timezone.localdate())
    services.consent_record(actor=u["clinic"], case=case, kind="services", given_on=timezone.localdate())

    clinic = Session(page, u["clinic"])
    clinic.open(f"/asistencia/casos/{case.uuid}/derivar/")
    assert "no consintió compartir sus datos con ninguna institución" in clinic.text()
    page.get_by_label("Institución que recibe").select_option(label="ONG Ajena")
    page.get_by_label("Atención de salud").check()
    page.get_by_label("Detalle y logística").fill("Rosa necesita control")
    clinic.submit("Enviar la derivación")
    assert "no escriba su nombre" in clinic.text().lower() or "menciona el nombre" in clinic.text()
    assert not Referral.objects.exists()  # refused, nothing half-done
    page.get_by_label("Detalle y logística").fill("Necesita control prenatal")
    clinic.submit("Enviar la derivación")
    assert "la derivación no incluye datos de identidad" in clinic.text()
    referral = Referral.objects.get()

    ngo = new_session(page, live_server, u["ngo"])
    for path in ("/asistencia/", f"/asistencia/derivaciones/{referral.uuid}/", f"/asistencia/personas/{victim.uuid}/",
                 f"/api/v1/assistance/referrals/{referral.uuid}/"):
        ngo.open(path)
        content = ngo.page.content()
        assert "Rosa" not in content and "Huamán" not in content and DNI not in content, path
    ngo.open(f"/asistencia/derivaciones/{referral.uuid}/")
    assert victim.code in ngo.text() and "Derivación sin datos de identidad" in ngo.text()
    assert "19-24" in ngo.text() or "18-24" in ngo.text()
    pdf = ngo.page.request.get(f"/asistencia/derivaciones/{referral.uuid}/pdf/")
    assert pdf.headers["content-type"] == "application/pdf"
    import io

    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert victim.code in text and "Rosa" not in text and DNI not in text

    # consent to share with MIMP, a referral in flight, then the victim withdraws it
    consent = services.consent_record(actor=u["clinic"], case=case, kind="share_data", agency=a["mimp"],
                                      given_on=timezone.localdate())
    to_mimp = services.referral_send(actor=u["clinic"], case=case, to_agency=a["mimp"],
                                     services=[ServiceType.objects.get(code="shelter")],
                                     due_on=timezone.localdate() + datetime.timedelta(days=2))
    mimp = new_session(page, live_server, u["mimp"])
    mimp.open(f"/asistencia/derivaciones/{to_mimp.uuid}/")
    assert NAME in mimp.text()
    clinic.open(f"/asistencia/casos/{case.uuid}/consentimientos/{consent.uuid}/retirar/")
    assert "dejarán de incluir datos de identidad" in clinic.text()
    clinic.submit("Retirar el consentimiento")
    assert "ya no incluye datos de identidad" in clinic.text()
    mimp.open(f"/asistencia/derivaciones/{to_mimp.uuid}/")
    assert NAME not in mimp.text() and "retiró su consentimiento" in mimp.text()
    # no further sharing: a new referral to MIMP goes without identity
    services.referral_revoke(actor=u["clinic"], referral=to_mimp, reason="Se reenvía")
    again = services.referral_send(actor=u["clinic"], case=case, to_agency=a["mimp"],
                                   services=[ServiceType.objects.get(code="shelter")],
                                   due_on=timezone.localdate() + datetime.timedelta(days=2))
    assert again.include_identity is False
    mimp.open(f"/asistencia/derivaciones/{again.uuid}/")
    assert NAME not in mimp.text() and DNI not in mimp.text()


def test_overdue_referrals_appear_on_the_dashboards_of_sender_and_receiver(page, live_server, pathway):
    from sistra.assistance import services
    from sistra.assistance.models import Referral, ServiceType
    from sistra.assistance.tasks import check_overdue_referrals

    u, a, victim = pathway["users"], pathway["agencies"], pathway["victim"]
    case = services.case_open(actor=u["clinic"], person=victim,
                              identified_on=timezone.localdate() - datetime.timedelta(days=10))
    services.consent_record(actor=u["clinic"], case=case, kind="services", given_on=case.identified_on)
    referral = services.referral_send(actor=u["clinic"], case=case, to_agency=a["mimp"],
                                      services=[ServiceType.objects.get(code="shelter")],
                                      due_on=timezone.localdate())
    Referral.objects.filter(pk=referral.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    check_overdue_referrals.enqueue()

    for user in (u["clinic"], u["mimp"]):
        s = Session(page, user) if user is u["clinic"] else new_session(page, live_server, user)
        s.open("/asistencia/")
        overdue = s.page.locator("#overdue")
        assert case.code in overdue.inner_text() and "Vencida" in overdue.inner_text()
        assert "Alertas (1)" in overdue.inner_text()
    other = new_session(page, live_server, u["iom"])
    other.open("/asistencia/")
    assert case.code not in other.text() and "No hay derivaciones vencidas." in other.text()
