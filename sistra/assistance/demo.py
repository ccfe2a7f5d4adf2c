"""Demo data of the referral pathway, from the stories of the seeds: a young woman identified by the mobile
clinic in Madre de Dios, her case transferred to MIMP, referred to IOM for tracing and return, reunited with
her mother and back in Cusco with a reintegration plan; a woman returned from the United States (visa and
airfare paid) whose reintegration was followed for a year; and referrals still waiting for an answer, so every
assistance agency's dashboard has something in it. All written through the services, by the demo users, with
dates relative to the day the demo is loaded. Idempotent: nothing is added once those agencies have cases."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from sistra.accounts.models import User
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access
from sistra.core.models import Country, Ubigeo
from sistra.people.services import person_create

from . import services
from . import services_return as returns
from .models import AssistanceCase, Consent, ServiceType

CLINIC, MIMP, IOM = "caravana-de-la-vida", "mimp", "oim-peru"
IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "documents"]


def _user(username: str, agency) -> User | None:
    return User.objects.filter(username=username, agency=agency, is_active=True).first()


def _consent(actor, case, kind, day, agency=None):
    return services.consent_record(actor=actor, case=case, kind=kind, agency=agency, given_on=day)


@transaction.atomic
def load_assistance_demo(*, agencies) -> int:
    clinic, mimp, iom = agencies.get(CLINIC), agencies.get(MIMP), agencies.get(IOM)
    if None in (clinic, mimp, iom):
        return 0
    health, caseworker, iom_worker = _user("salud", clinic), _user("gestora", mimp), _user("gestor.oim", iom)
    if None in (health, caseworker, iom_worker):
        return 0
    if AssistanceCase.objects.filter(owner_agency__in=[clinic, mimp, iom]).exists():
        return 0
    today = timezone.localdate()

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    def service(code: str) -> ServiceType:
        return ServiceType.objects.get(code=code)

    cusco, tambopata = Ubigeo.objects.get(code="080101"), Ubigeo.objects.get(code="170101")
    created = 0

    # 1. Identified by the clinic in Tambopata, transferred to MIMP, returned home to Cusco with IOM.
    yessenia = person_create(
        actor=health,
        first_names="Yessenia",
        last_name_paternal="Condori",
        last_name_maternal="Huamán",
        sex="female",
        estimated_age=19,
        ubigeo_origin=cusco,
    )
    case = services.case_open(
        actor=health,
        person=yessenia,
        identified_on=ago(40),
        identification_place=tambopata,
        trafficking_status=AssistanceCase.TraffickingStatus.POTENTIAL,
        current_ubigeo=tambopata,
    )
    _consent(health, case, Consent.Kind.SERVICES, ago(40))
    _consent(health, case, Consent.Kind.SHARE_DATA, ago(40), agency=mimp)
    transfer = services.referral_send(
        actor=health,
        case=case,
        to_agency=mimp,
        kind="transfer",
        services=[service("shelter"), service("mental_health")],
        due_on=today + datetime.timedelta(days=2),
        is_urgent=True,
    )
    services.referral_accept(actor=caseworker, referral=transfer)
    _consent(caseworker, case, Consent.Kind.CONTACT, ago(38))
    _consent(caseworker, case, Consent.Kind.SHARE_DATA, ago(38), agency=iom)
    services.case_set_trafficking_status(
        actor=caseworker,
        case=case,
        trafficking_status=AssistanceCase.TraffickingStatus.CONFIRMED,
        status_decision_org=AssistanceCase.DecisionOrg.GOVERNMENT,
        status_decided_on=ago(30),
    )
    to_iom = services.referral_send(
        actor=caseworker,
        case=case,
        to_agency=iom,
        services=[service("family_tracing"), service("return_domestic")],
        destination_ubigeo=cusco,
        due_on=today + datetime.timedelta(days=5),
        details="Búsqueda de la madre en Cusco y traslado seguro por tierra.",
    )
    services.referral_accept(actor=iom_worker, referral=to_iom)
    services.family_contact_add(
        actor=iom_worker,
        case=case,
        referral=to_iom,
        full_name="Justina Huamán Quispe",
        relationship="mother",
        ubigeo=cusco,
        tracing_status="reunited",
        reunited_on=ago(5),
    )
    travel = returns.return_plan(
        actor=iom_worker,
        case=case,
        referral=to_iom,
        origin_ubigeo=tambopata,
        destination_ubigeo=cusco,
        transport="land",
        travel_document="dni",
        document_status="ready",
        tickets="Bus Puerto Maldonado–Cusco",
        escort="staff",
        escort_details="Promotora de OIM",
        cost_tickets=Decimal("90.00"),
        cost_other=Decimal("60.00"),
        paid_by="iom",
        planned_departure=ago(6),
        planned_arrival=ago(5),
    )
    returns.return_record_departure(actor=iom_worker, travel=travel, departed_on=ago(6))
    returns.return_confirm_arrival(
        actor=iom_worker,
        travel=travel,
        arrived_on=ago(5),
        notes="La recibió su madre en el terminal; llamada de la promotora.",
    )
    returns.reintegration_plan_create(
        actor=caseworker,
        case=case,
        community=cusco,
        community_details="Barrio de San Blas",
        goals="Retomar la secundaria; apoyo psicológico; ingreso familiar con un pequeño negocio.",
        areas=["education", "psychosocial", "livelihood", "family"],
        starts_on=ago(4),
        return_travel=travel,
    )
    created += 1

    # 2. Returned from the United States a year ago (visa and airfare paid), followed for twelve months.
    marleni = person_create(
        actor=caseworker,
        first_names="Marleni",
        last_name_paternal="Quispe",
        last_name_maternal="Ccori",
        sex="female",
        estimated_age=27,
        ubigeo_origin=cusco,
    )
    case2 = services.case_open(
        actor=caseworker,
        person=marleni,
        identified_on=ago(430),
        identification_channel="ngo",
        trafficking_status=AssistanceCase.TraffickingStatus.CONFIRMED,
    )
    _consent(caseworker, case2, Consent.Kind.SERVICES, ago(430))
    _consent(caseworker, case2, Consent.Kind.CONTACT, ago(430))
    travel2 = returns.return_plan(
        actor=caseworker,
        case=case2,
        origin_country=Country.objects.get(code="US"),
        destination_ubigeo=cusco,
        transport="air",
        travel_document="passport",
        document_status="ready",
        visa="granted",
        tickets="Miami–Lima–Cusco, reserva QX7L2P",
        escort="consular",
        escort_details="Consulado General del Perú en Miami",
        cost_tickets=Decimal("2450.00"),
        cost_documents=Decimal("320.00"),
        paid_by="iom",
        planned_departure=ago(420),
        planned_arrival=ago(419),
    )
    returns.return_record_departure(actor=caseworker, travel=travel2, departed_on=ago(420))
    returns.return_confirm_arrival(
        actor=caseworker,
        travel=travel2,
        arrived_on=ago(419),
        notes="La recibió el equipo del MIMP en el aeropuerto de Cusco.",
    )
    services.family_contact_add(
        actor=caseworker,
        case=case2,
        full_name="Teodora Ccori Mamani",
        relationship="mother",
        ubigeo=cusco,
        tracing_status="reunited",
        reunited_on=ago(419),
    )
    plan = returns.reintegration_plan_create(
        actor=caseworker,
        case=case2,
        community=cusco,
        goals="Vivienda con su familia; empleo en turismo.",
        areas=["family", "livelihood"],
        starts_on=ago(418),
        return_travel=travel2,
    )
    for follow_up, kind in zip(plan.follow_ups.order_by("due_on"), ("home", "phone", "home"), strict=True):
        if follow_up.due_on <= today:
            returns.reintegration_followup_record(
                actor=caseworker,
                follow_up=follow_up,
                done_on=follow_up.due_on,
                kind=kind,
                progress="on_track",
                notes="Vive con su madre y trabaja en una agencia de turismo.",
            )
    last = plan.follow_ups.filter(done_on__isnull=False).order_by("-done_on").first()
    if last is not None:
        returns.reintegration_outcome_record(
            actor=caseworker,
            plan=plan,
            outcome="reintegrated",
            outcome_on=last.done_on,
            notes="Reintegración lograda al año.",
        )
    # IOM still has to answer a request for legal aid in her case
    _consent(caseworker, case2, Consent.Kind.SHARE_DATA, ago(3), agency=iom)
    services.referral_send(
        actor=caseworker,
        case=case2,
        to_agency=iom,
        services=[service("legal_aid")],
        due_on=today + datetime.timedelta(days=7),
        details="Orientación para la reparación civil en el proceso en Estados Unidos.",
    )
    created += 1

    # 3. Just identified by the clinic; the referral to MIMP waits for an answer.
    rocio = person_create(
        actor=health,
        first_names="Rocío",
        last_name_paternal="Mamani",
        last_name_maternal="Apaza",
        sex="female",
        estimated_age=16,
        ubigeo_origin=tambopata,
    )
    case3 = services.case_open(
        actor=health, person=rocio, identified_on=ago(1), identification_place=tambopata
    )
    _consent(health, case3, Consent.Kind.SERVICES, ago(1))
    services.referral_send(
        actor=health,
        case=case3,
        to_agency=mimp,
        services=[service("health"), service("shelter")],
        due_on=today + datetime.timedelta(days=1),
        is_urgent=True,
        details="Adolescente identificada en la brigada de Mazuko; sin consentimiento para "
        "compartir sus datos todavía.",
    )
    created += 1

    # each lead agency's caseworker opened her case page once: the access log the auditor starts from
    for lead, opened in ((caseworker, case), (caseworker, case2), (health, case3)):
        log_access(
            actor=lead,
            instance=opened,
            person=opened.person,
            fields=IDENTITY_FIELDS,
            purpose=AccessLog.Purpose.ASSISTANCE,
            detail=opened.code,
        )
    return created
