"""The proof tests of SISTRA's access model share one world and one registry.

The world: a few agencies (the one that owns each kind of record, one it shared with, one that has nothing to
do with it) with one user of every role in each, and records built through the services whose identity
strings are unique markers ("Zorobabel Quispecahuana…"), so a leak is found by a substring search of any
response: HTML, JSON, CSV or the text of a PDF.

The registry (ROUTES): every URL of the resolver, classified — public, an account page, a page without a
record, or a page of a record of some family (case, person, contact…) — with how to build its arguments for
each scope, who may read it and who may write through it. tests/security/test_authorization_matrix.py fails
when the resolver has a URL that the registry does not classify (docs/security.md: how to add one)."""

from __future__ import annotations

import datetime
import html
import io
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from stdnum.pe import cui

from sistra.accounts.capabilities import ROLE_CAPABILITIES, Capability, Role
from sistra.accounts.models import Agency

C = Capability
ROLES = list(Role)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def can(role, *capabilities: Capability) -> bool:
    """Whether the role holds any of the capabilities (the role table is the specification of roles)."""
    granted = ROLE_CAPABILITIES.get(role, frozenset())
    return any(c in granted for c in capabilities)


def identity_role(role) -> bool:
    return can(role, C.PERSON_VIEW_IDENTITY, C.CASE_VIEW_IDENTITY)


# ---------------------------------------------------------------------------------------------------------
# Agencies, and which agency stands for which scope of each family of records
# ---------------------------------------------------------------------------------------------------------

AGENCIES = {
    # key: (code, kind)
    "fis_own": ("sec-fiscalia-propia", Agency.Kind.FISCALIA),
    "fis_other": ("sec-fiscalia-ajena", Agency.Kind.FISCALIA),
    "pol_shared": ("sec-pnp-compartida", Agency.Kind.POLICE),
    "hot_own": ("sec-linea-propia", Agency.Kind.HOTLINE),
    "hot_other": ("sec-linea-ajena", Agency.Kind.HOTLINE),
    "mimp_own": ("sec-mimp-propia", Agency.Kind.MIMP),
    "ngo_id": ("sec-ong-con-identidad", Agency.Kind.NGO),
    "ngo_noid": ("sec-ong-sin-identidad", Agency.Kind.NGO),
    "ngo_other": ("sec-ong-ajena", Agency.Kind.NGO),
}

# For each family: scope -> the agency of the user who asks.
#   own: the agency that owns the record; other: one with no share; shared…: one the record reached on purpose
FAMILY_SCOPES: dict[str, dict[str, str]] = {
    # the criminal case C1 (adult victim), shared read-only with the police unit; C2 has a minor victim and is
    # shared read-only with the same unit (so that unit sees pseudonyms only)
    "case": {"own": "fis_own", "shared": "pol_shared", "other": "fis_other"},
    # a person of the registry, shared without identity with one NGO and with identity with another
    "person": {"own": "fis_own", "shared": "ngo_noid", "shared_identity": "ngo_id", "other": "fis_other"},
    # a hotline contact; its report went to the police unit (which does not see the contact itself)
    "contact": {"own": "hot_own", "shared": "pol_shared", "other": "hot_other"},
    "report": {"own": "hot_own", "shared": "pol_shared", "other": "fis_other"},
    # an assistance case of MIMP, referred to one NGO with identity and to another without
    "assistance": {"own": "mimp_own", "shared": "ngo_id", "other": "ngo_other"},
    "referral": {"own": "mimp_own", "shared": "ngo_id", "shared_noid": "ngo_noid", "other": "ngo_other"},
    "family": {"own": "mimp_own", "shared": "ngo_id", "other": "ngo_other"},
    # prevention: trainings and campaigns of one NGO; its at-risk families (identity for it alone, pseudonyms
    # for analysts)
    "prevention": {"own": "ngo_id", "other": "ngo_other"},
    "atrisk": {"own": "ngo_id", "other": "ngo_other"},
    # national records (directory of providers, open-data releases, statistics, reference lists): no owner
    "national": {"national": "ngo_other"},
    # the user's own account pages
    "account": {"self": "fis_own"},
}


# ---------------------------------------------------------------------------------------------------------
# Identity markers and who may see them
# ---------------------------------------------------------------------------------------------------------

def dni(number8: str) -> str:
    """A DNI typed with its check character (the validator checks it); the registry stores the 8 digits."""
    return number8 + cui.calc_check_digits(number8)[0]


@dataclass(frozen=True)
class Marker:
    key: str
    strings: tuple[str, ...]
    # (role, agency key) -> may this viewer see these strings anywhere?
    allowed: Callable[[str, str], bool]


def _holders(*agencies: str, roles: Callable[[str], bool] = identity_role):
    return lambda role, agency: agency in agencies and roles(role)


MARKERS = [
    # C1's adult victim: the fiscalía and the police unit it shared C1 with
    Marker("victim_adult", ("Zorobabel", "Quispecahuana", "Yupanquiyoc", "Kallparuna", "73918264"),
           _holders("fis_own", "pol_shared")),
    # C2's minor victim: a read-only share shows pseudonyms only, so the fiscalía alone
    Marker("victim_minor", ("Xiomarina", "Huamanchumo", "Tintayaqq", "62849173"), _holders("fis_own")),
    # C1's defendant
    Marker("defendant", ("Wenceslao", "Chuquimamani", "Ccorahuaylla", "51739286"),
           _holders("fis_own", "pol_shared")),
    # a person of the registry shared with identity with ngo_id and without with ngo_noid
    Marker("registry_person", ("Eustaquiana", "Mamanchura", "Pumacayocc", "Chaskawarmi", "48275913", "Huancaroqq"),
           _holders("fis_own", "ngo_id")),
    # a person linked to a hotline contact; the contact was reported to pol_shared
    Marker("contact_person", ("Telesforino", "Ayquipaccha", "Condorenaq", "39182746"),
           lambda role, agency: identity_role(role) and (
               agency == "hot_own" or (agency == "pol_shared" and can(role, C.POLICE_REPORT_RECEIVE)))),
    # the caller of that contact (consented to keep name, number, e-mail; the report includes them)
    Marker("caller", ("Filomenita", "Sullcahuaman", "984321765", "984 321 765", "filomenita.sullca@example.pe"),
           lambda role, agency: (agency == "hot_own" and can(role, C.CONTACT_VIEW) and identity_role(role))
           or (agency == "pol_shared" and can(role, C.POLICE_REPORT_RECEIVE))),
    # the victim of MIMP's assistance case, referred with identity to ngo_id (and without to ngo_noid)
    Marker("assisted_victim", ("Eleuteriana", "Ccallocunto", "Quillahuamanq", "27491638"),
           _holders("mimp_own", "ngo_id")),
    # her relative (family tracing): MIMP, and ngo_id which works the accepted tracing referral
    Marker("relative", ("Saturninoq", "Pariapazacc"), _holders("mimp_own", "ngo_id")),
    # an at-risk family of ngo_id and its children: its prevention staff only (analysts see codes)
    Marker("atrisk_family", ("Anacletaqq", "Huaylluyocc", "Comunidad Ccochapataq", "Florindaqq", "Tiburcioqq"),
           lambda role, agency: agency == "ngo_id" and can(role, C.FAMILY_VIEW_IDENTITY)),
    # a participant of ngo_id's training: its prevention staff (and whoever holds the certificate's code)
    Marker("trainee", ("Eufrasiaqq Mallcohuaccha",), lambda role, agency: agency == "ngo_id"
           and can(role, C.PREVENTION_VIEW)),
]


def marker_leaks(text: str, role: str, agency: str) -> list[str]:
    """The marker strings in `text` that this viewer may not see."""
    lowered = text.lower()
    leaks = []
    for marker in MARKERS:
        if marker.allowed(role, agency):
            continue
        leaks.extend(f"{marker.key}:{s}" for s in marker.strings if s.lower() in lowered)
    return leaks


def markers_in(text: str, key: str) -> bool:
    marker = next(m for m in MARKERS if m.key == key)
    lowered = text.lower()
    return any(s.lower() in lowered for s in marker.strings)


def response_text(response) -> str:
    """The text a person would read in a response: HTML/JSON/CSV as decoded text, a PDF's extracted text, the
    members of a (non-encrypted) zip, an XLSX's cells."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content.startswith(b"%PDF-"):
        return pdf_text(content)
    if content.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                parts = []
                for name in archive.namelist():
                    try:
                        parts.append(archive.read(name).decode("utf-8", "replace"))
                    except RuntimeError:  # encrypted member: nothing readable without the password
                        parts.append("")
                return "\n".join(parts)
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError):  # not a whole PDF (a test attachment): its bytes as text
        return content.decode("latin-1")


# ---------------------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------------------

@dataclass
class World:
    agencies: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)  # (role, agency key) -> User
    records: dict = field(default_factory=dict)
    _clients: dict = field(default_factory=dict)

    def user(self, role, agency_key):
        return self.users[(str(role), agency_key)]

    def client(self, role, agency_key) -> Client:
        """A Django test client signed in (force_login: django-axes refuses client.login) as that user; one
        per user for the whole module."""
        key = (str(role), agency_key)
        if key not in self._clients:
            client = Client()
            client.force_login(self.users[key])
            self._clients[key] = client
        return self._clients[key]

    def __getattr__(self, name):
        try:
            return self.__dict__["records"][name]
        except KeyError:
            raise AttributeError(name) from None


def _reference_data() -> None:
    """The migrations load it; a transactional test (tests/browser runs before tests/security) ends with a flush
    that empties it. Put back here, it is rolled back with the module's world."""
    from django.apps import apps

    from sistra.assistance.catalogue import load_service_types
    from sistra.assistance.models import ServiceType
    from sistra.core import reference
    from sistra.core.models import ProceduralStage

    if not ProceduralStage.objects.exists():
        reference.load_all(apps)
    if not ServiceType.objects.exists():
        load_service_types(apps)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def build_world() -> World:
    from sistra.assistance import services as assistance
    from sistra.assistance.models import Consent, ServiceType
    from sistra.cases import services as cases
    from sistra.cases.attachments import attachment_add
    from sistra.cases.testing import make_case
    from sistra.core.models import Ubigeo
    from sistra.core.testing import AgencyFactory, UserFactory
    from sistra.hotline import services as hotline
    from sistra.people.services import DocumentInput
    from sistra.people.sharing import person_share
    from sistra.people.testing import make_person
    from sistra.stats.models import OpenDataRelease

    _reference_data()
    w = World()
    for key, (code, kind) in AGENCIES.items():
        w.agencies[key] = AgencyFactory(code=code, name=f"Agencia {code}", kind=kind)
    for key, agency in w.agencies.items():
        for role in ROLES:
            w.users[(str(role), key)] = UserFactory(username=f"{role.value}.{key}", agency=agency, role=role)
    r = w.records
    prosecutor = w.user(Role.PROSECUTOR, "fis_own")
    operator = w.user(Role.HOTLINE_OPERATOR, "hot_own")
    caseworker = w.user(Role.CASEWORKER, "mimp_own")

    def doc(number):
        return [DocumentInput(kind="dni", number=dni(number))]

    # --- criminal cases ---
    r["victim_adult"] = make_person(actor=prosecutor, first_names="Zorobabel", last_name_paternal="Quispecahuana",
                                    last_name_maternal="Yupanquiyoc", estimated_age=30, sex="male",
                                    documents=doc("73918264"), aliases=["Kallparuna"])
    r["defendant_person"] = make_person(actor=prosecutor, first_names="Wenceslao",
                                        last_name_paternal="Chuquimamani", last_name_maternal="Ccorahuaylla",
                                        estimated_age=45, documents=doc("51739286"))
    r["victim_minor"] = make_person(actor=prosecutor, first_names="Xiomarina", last_name_paternal="Huamanchumo",
                                    last_name_maternal="Tintayaqq", estimated_age=15, sex="female",
                                    documents=doc("62849173"))
    r["case"] = make_case(actor=prosecutor, number="SEC-2026-001", title="Caso de prueba de seguridad",
                          summary="Hechos de captación con oferta engañosa.")
    cases.victim_add(actor=prosecutor, case=r["case"], person=r["victim_adult"])
    r["defendant"] = cases.defendant_add(actor=prosecutor, case=r["case"], person=r["defendant_person"])
    r["event"] = cases.case_add_event(actor=prosecutor, case=r["case"], kind="hearing", date=days_ago(5),
                                      title="Audiencia de prueba")
    r["case_share"] = cases.case_share(actor=prosecutor, case=r["case"], agency=w.agencies["pol_shared"],
                                       reason="Investigación conjunta")
    r["attachment"] = attachment_add(actor=prosecutor, case=r["case"], is_identity_bearing=True,
                                     upload=SimpleUploadedFile("declaracion-Zorobabel.pdf", PDF_BYTES,
                                                               content_type="application/pdf"))
    from sistra.core.models import PenalArticle

    article = PenalArticle.objects.filter(is_trafficking=True, valid_to__isnull=True).order_by("valid_from").first()
    r["article"] = article
    r["charge"] = cases.charge_add(actor=prosecutor, case=r["case"], article=article, offence_date=days_ago(40))
    r["case_minor"] = make_case(actor=prosecutor, number="SEC-2026-002", title="Caso con menor de edad")
    cases.victim_add(actor=prosecutor, case=r["case_minor"], person=r["victim_minor"])
    cases.case_share(actor=prosecutor, case=r["case_minor"], agency=w.agencies["pol_shared"],
                     reason="Investigación conjunta")
    r["attachment_minor"] = attachment_add(actor=prosecutor, case=r["case_minor"], is_identity_bearing=True,
                                           upload=SimpleUploadedFile("acta.pdf", PDF_BYTES,
                                                                     content_type="application/pdf"))

    # --- the person registry ---
    r["registry_person"] = make_person(actor=prosecutor, first_names="Eustaquiana", last_name_paternal="Mamanchura",
                                       last_name_maternal="Pumacayocc", estimated_age=28, sex="female",
                                       documents=doc("48275913"), aliases=["Chaskawarmi"],
                                       notes="Vive junto al mercado Huancaroqq")
    person_share(actor=prosecutor, person=r["registry_person"], agency=w.agencies["ngo_noid"],
                 reason="Seguimiento sin datos de identidad", include_identity=False)
    person_share(actor=prosecutor, person=r["registry_person"], agency=w.agencies["ngo_id"],
                 reason="Atención con consentimiento", include_identity=True)
    # and without identity with the hotline, whose operators search the registry to link callers
    person_share(actor=prosecutor, person=r["registry_person"], agency=w.agencies["hot_own"],
                 reason="Seguimiento de la línea", include_identity=False)

    # --- hotline ---
    now = timezone.now()
    r["contact"] = hotline.contact_create(
        actor=operator, started_at=now - datetime.timedelta(minutes=30), ended_at=now - datetime.timedelta(minutes=20),
        category="trafficking_report", caller_type="relative", contact_consent=True,
        caller_name="Filomenita Sullcahuaman", caller_phone="984 321 765",
        caller_email="filomenita.sullca@example.pe", summary="Oferta de trabajo engañosa en Madre de Dios.",
        topics=["labour_exploitation"], indicators=["deceptive_offer"], risk_level="high", ubigeo_code="170101")
    hotline.contact_add_new_person(actor=operator, contact=r["contact"], role="potential_victim",
                                   first_names="Telesforino", last_name_paternal="Ayquipaccha",
                                   last_name_maternal="Condorenaq", documents=doc("39182746"))
    r["follow_up"] = hotline.follow_up_add(actor=operator, contact=r["contact"], note="Volver a llamar mañana")
    r["flag"] = hotline.caller_flag_add(actor=operator, contact=r["contact"], kind="safe_call_only")
    r["report"] = hotline.police_report_send(actor=operator, contact=r["contact"],
                                             recipient=w.agencies["pol_shared"],
                                             facts="Oferta de trabajo engañosa; la persona no puede volver.",
                                             include_caller_contact=True)
    r["open_contact"], _created = hotline.contact_register_call(
        actor=operator, caller_number="984 111 222", started_at=now - datetime.timedelta(minutes=1))

    # --- identification, assistance and referrals ---
    r["assisted_victim"] = make_person(actor=caseworker, first_names="Eleuteriana", last_name_paternal="Ccallocunto",
                                       last_name_maternal="Quillahuamanq", estimated_age=22, sex="female",
                                       documents=doc("27491638"))
    a1 = assistance.case_open(actor=caseworker, person=r["assisted_victim"], identified_on=days_ago(10))
    assistance.consent_record(actor=caseworker, case=a1, kind=Consent.Kind.SERVICES, given_on=days_ago(10))
    r["consent"] = assistance.consent_record(actor=caseworker, case=a1, kind=Consent.Kind.CONTACT,
                                             given_on=days_ago(10))
    assistance.consent_record(actor=caseworker, case=a1, kind=Consent.Kind.SHARE_DATA,
                              agency=w.agencies["ngo_id"], given_on=days_ago(10))
    due = timezone.localdate() + datetime.timedelta(days=5)
    r["referral_accepted"] = assistance.referral_send(
        actor=caseworker, case=a1, to_agency=w.agencies["ngo_id"], due_on=due,
        services=[ServiceType.objects.get(code="family_tracing")])
    assistance.referral_accept(actor=w.user(Role.CASEWORKER, "ngo_id"), referral=r["referral_accepted"])
    r["referral_sent"] = assistance.referral_send(
        actor=caseworker, case=a1, to_agency=w.agencies["ngo_id"], due_on=due,
        services=[ServiceType.objects.get(code="health")])
    r["referral_noid"] = assistance.referral_send(
        actor=caseworker, case=a1, to_agency=w.agencies["ngo_noid"], due_on=due,
        services=[ServiceType.objects.get(code="shelter")], details="Necesita albergue temporal.")
    r["family_contact"] = assistance.family_contact_add(
        actor=caseworker, case=a1, full_name="Saturninoq Pariapazacc", relationship="father",
        tracing_status="searching")
    r["plan"] = assistance.plan_create(actor=caseworker, case=a1, plan_type="Health",
                                       objectives="Atención integral de salud", starts_on=days_ago(5))
    r["goal"] = assistance.goal_add(actor=caseworker, plan=r["plan"], description="Control médico mensual")
    _build_return_and_reintegration(r, caseworker, a1)
    a1.refresh_from_db()
    r["assistance_case"] = a1
    r["provider"] = assistance.provider_create(
        actor=caseworker, services=[ServiceType.objects.get(code="health")],
        regions=[Ubigeo.objects.get(code="170000")], name="Centro de salud de prueba", kind="public")

    # --- prevention: a training with a certified participant, a campaign, an at-risk family (ngo_id) ---
    from sistra.prevention import services as prevention

    officer = w.user(Role.PREVENTION_OFFICER, "ngo_id")
    r["training"] = prevention.event_create(actor=officer, title="Taller de prueba", topic="ruta", organiser="ONG",
                                            starts_on=days_ago(20), ends_on=days_ago(20), ubigeo="080101")
    r["trainee"] = prevention.certificate_issue(actor=officer, participant=prevention.participant_add(
        actor=officer, event=r["training"], data=prevention.ParticipantInput(
            full_name="Eufrasiaqq Mallcohuaccha", profession="teacher", pre_score=8, post_score=15)))
    r["campaign"] = prevention.campaign_create(
        actor=officer, name="Campaña de prueba", starts_on=days_ago(60), ends_on=days_ago(30),
        reach=[prevention.ReachInput("radio", 1000, "audience", "CPI")])
    r["atrisk"] = prevention.family_register(
        actor=officer, registered_on=days_ago(200), ubigeo="081205", head_name="Anacletaqq Huaylluyocc",
        community="Comunidad Ccochapataq", risk_factors=["poverty"],
        children=[prevention.ChildInput("Florindaqq", "Huaylluyocc", TODAY().year - 12, "female"),
                  prevention.ChildInput("Tiburcioqq", "Huaylluyocc", TODAY().year - 10, "male")])
    r["atrisk_child"] = r["atrisk"].children.order_by("id").first()

    # --- an API token of the fiscalía's prosecutor ---
    try:
        from sistra.accounts.tokens import token_create
    except ImportError:  # before API tokens of its own, SISTRA used DRF's
        r["api_token"], r["api_secret"] = None, None
    else:
        r["api_token"], r["api_secret"] = token_create(actor=prosecutor, user=prosecutor, name="Integración",
                                                              second_factor_verified=True)

    # --- statistics ---
    r["release"] = OpenDataRelease.objects.create(
        created_by=w.user(Role.ANALYST, "fis_own"), year_from=2020, year_to=2024, epsilon=1.0,
        epsilon_per_table=0.5, threshold=10)
    return w


def _build_return_and_reintegration(r, caseworker, case) -> None:
    """The case's return (arrived) and its reintegration plan (active, follow-ups scheduled)."""
    from sistra.assistance import services_return
    from sistra.core.models import Ubigeo

    cusco, tambopata = Ubigeo.objects.get(code="080101"), Ubigeo.objects.get(code="170101")
    travel = services_return.return_plan(actor=caseworker, case=case, origin_ubigeo=tambopata,
                                         destination_ubigeo=cusco, escort="staff", document_status="ready",
                                         planned_departure=days_ago(4))
    travel = services_return.return_record_departure(actor=caseworker, travel=travel, departed_on=days_ago(4))
    r["return_travel"] = services_return.return_confirm_arrival(actor=caseworker, travel=travel,
                                                                arrived_on=days_ago(3), notes="Confirmada")
    r["reintegration_plan"] = services_return.reintegration_plan_create(
        actor=caseworker, case=case, community=cusco, goals="Volver a estudiar", starts_on=days_ago(3),
        return_travel=r["return_travel"])
    r["reintegration_follow_up"] = r["reintegration_plan"].follow_ups.get(milestone="m3")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world per test module, built once, rolled back at the end of the module; each test runs in its own
    savepoint inside it (pytest-django's `db`), and tests/security wrap each request in one more."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media, SISTRA_IDLE_TIMEOUT_SECONDS=24 * 3600), django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            # sessions opened here, outside every test's transaction, so they outlive each test's rollback
            for role, agency in built.users:
                built.client(role, agency)
            yield built
            transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    status: int
    text: str
    changes: int  # audit.ChangeEvent rows the request wrote (every write of SISTRA writes one)
    location: str = ""
    response: object = None
    error: str = ""


def send(client: Client, method: str, url: str, data=None, *, json_body: bool = False, keep: bool = False,
         **extra) -> Outcome:
    """One request, rolled back afterwards so the world stays as built (unless keep=True); what it changed is
    counted first."""
    from sistra.audit.models import ChangeEvent

    with transaction.atomic():
        before = ChangeEvent.objects.count()
        try:
            if method == "get":
                response = client.get(url, data or {}, **extra)
            elif json_body:
                response = getattr(client, method)(url, data or {}, content_type="application/json", **extra)
            else:
                response = getattr(client, method)(url, data or {}, **extra)
        except Exception as exc:  # noqa: BLE001 — a server error is a finding, reported with its URL
            transaction.set_rollback(True)  # a failed statement leaves nothing usable behind
            return Outcome(status=500, text="", changes=0, error=f"{type(exc).__name__}: {exc}")
        changes = ChangeEvent.objects.count() - before
        text = strip_echo(response_text(response), data)
        transaction.set_rollback(not keep)
    return Outcome(status=response.status_code, text=text, changes=changes,
                   location=response.get("Location", ""), response=response)


def strip_echo(text: str, data) -> str:
    """A form shown again holds what the user typed (value="…", a textarea): that is not a leak. Only the
    echo in those places is removed; the same words anywhere else in the page still count."""
    if not isinstance(data, dict):
        return text
    for value in data.values():
        if isinstance(value, str) and len(value) >= 4:
            escaped = html.escape(value)
            text = text.replace(f'value="{escaped}"', 'value=""').replace(f">{escaped}</textarea>", "></textarea>")
    return text


# ---------------------------------------------------------------------------------------------------------
# The registry of URLs
# ---------------------------------------------------------------------------------------------------------

PUBLIC = "public"        # no sign-in needed (health check, login, language, closed sign-up/reset pages)
SHADOWED = "shadowed"    # a pattern that an earlier one with the same path hides (SISTRA's own account views)
ACCOUNT = "account"      # the signed-in user's own account pages: no record of anyone else
PAGE = "page"            # a page without a record in its URL (lists, dashboards, create forms, API lists)
RECORD = "record"        # a page of one record, addressed by its UUID


def _any(role, scope) -> bool:
    return True


def _caps(*capabilities):
    return lambda role, scope: can(role, *capabilities)


def _never(role, scope) -> bool:
    return False


@dataclass(frozen=True)
class KnownBug:
    """A leak found by the matrix and not fixed yet: the generic check skips identity findings in this scope,
    and the named test (marked xfail, strict) reproduces it precisely until it is fixed."""

    scope: str
    test: str


@dataclass(frozen=True)
class Route:
    kind: str
    family: str = "national"
    # (world, scope) -> URL kwargs
    kwargs: Callable | None = None
    # GET: who may read it; None = no GET (405 for everyone)
    read: Callable | None = _any
    # the write method ("post", "patch", "delete") and who may write through it
    method: str | None = None
    write: Callable = _never
    # (world, scope) -> request body; JSON for the API
    data: Callable | None = None
    api: bool = False
    # GET query variants (filters) and extra scopes beyond the family's
    queries: tuple = ({},)
    extra_scopes: tuple = ()
    # (role, scope) combinations that must answer 200 with these markers (the world is seen where it should be)
    expect_markers: tuple = ()
    # whether the user's agency may see the record at all (default: the family's rule); where it may not, the
    # answer must be the one a made-up identifier gets
    visible: Callable | None = None
    known_bugs: tuple = ()
    note: str = ""

    def scopes(self) -> list[str]:
        return list(FAMILY_SCOPES[self.family]) + list(self.extra_scopes)

    def record_visible(self, role, scope) -> bool:
        rule = self.visible or FAMILY_VISIBLE.get(self.family, _any)
        return rule(role, scope)


def scope_agency(family: str, scope: str) -> str:
    if scope == "shared_minor":
        return "pol_shared"
    return FAMILY_SCOPES[family][scope]


def d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


TODAY = timezone.localdate


# --- family rules ------------------------------------------------------------------------------------------

def case_read(role, scope):
    if scope == "other":
        return role == Role.ANALYST  # analysts read every case nationally, by pseudonym
    return can(role, C.CASE_VIEW)


def case_write(role, scope):
    return scope == "own" and can(role, C.CASE_EDIT)


def case_create_rule(role, scope):
    # the request names fis_own's fiscalía: a user of another fiscalía registers only in their own
    return can(role, C.CASE_CREATE) and scope_agency("case", scope) != "fis_other"


def case_share_rule(role, scope):
    return scope == "own" and can(role, C.CASE_SHARE)


def case_identity_file(role, scope):
    """An identity-bearing attachment: for those who see the parties' names (not a read share of a case with
    a minor)."""
    return scope in ("own", "shared") and can(role, C.CASE_VIEW_IDENTITY)


def person_read(role, scope):
    return scope != "other" and can(role, C.PERSON_VIEW)


def person_write(role, scope):
    return scope == "own" and can(role, C.PERSON_EDIT)


def contact_read(role, scope):
    return scope == "own" and can(role, C.CONTACT_VIEW)


def contact_write(role, scope):
    return scope == "own" and can(role, C.CONTACT_CREATE)


def report_read(role, scope):
    return (scope == "own" and can(role, C.CONTACT_VIEW)) or (
        scope == "shared" and can(role, C.POLICE_REPORT_RECEIVE))


def report_receive(role, scope):
    return scope == "shared" and can(role, C.POLICE_REPORT_RECEIVE)


def assistance_read(role, scope):
    return scope == "own" and can(role, C.ASSISTANCE_VIEW, C.REFERRAL_SEND)


def assistance_edit(role, scope):
    return scope == "own" and can(role, C.ASSISTANCE_EDIT)


def assistance_consent(role, scope):
    return scope == "own" and can(role, C.ASSISTANCE_EDIT, C.REFERRAL_SEND)


def assistance_refer(role, scope):
    return scope == "own" and can(role, C.REFERRAL_SEND)


def family_read(role, scope):
    return (scope == "own" and can(role, C.ASSISTANCE_VIEW)) or (scope == "shared" and role == Role.CASEWORKER)


def family_write(role, scope):
    return (scope == "own" and can(role, C.ASSISTANCE_EDIT)) or (scope == "shared" and role == Role.CASEWORKER)


def referral_read(role, scope):
    if scope == "own":
        return can(role, C.REFERRAL_SEND, C.ASSISTANCE_VIEW)
    return scope in ("shared", "shared_noid") and can(role, C.REFERRAL_RECEIVE)


def referral_respond(role, scope):
    # the shared scope uses the referral still waiting for an answer; shared_noid's is waiting too
    return scope in ("shared", "shared_noid") and can(role, C.REFERRAL_RECEIVE)


def referral_work(role, scope):
    # the accepted tracing referral (shared scope); a receiver records services and follow-ups on it
    return scope == "shared" and can(role, C.REFERRAL_RECEIVE) and can(role, C.ASSISTANCE_EDIT)


def referral_complete(role, scope):
    return scope == "shared" and can(role, C.REFERRAL_RECEIVE)


def referral_revoke(role, scope):
    return scope == "own" and can(role, C.REFERRAL_SEND)


FAMILY_VISIBLE = {
    "case": case_read, "person": person_read, "contact": contact_read, "report": report_read,
    "assistance": assistance_read, "referral": referral_read, "family": family_read,
}


# --- kwargs builders ---------------------------------------------------------------------------------------

def k_case(w, scope):
    return {"case_uuid": (w.case_minor if scope == "shared_minor" else w.case).uuid}


def k_case_api(w, scope):
    return {"uuid": (w.case_minor if scope == "shared_minor" else w.case).uuid}


def k_attachment(w, scope):
    attachment = w.attachment_minor if scope == "shared_minor" else w.attachment
    return {"case_uuid": attachment.case.uuid, "attachment_uuid": attachment.uuid}


def k_person(w, scope):
    return {"person_uuid": w.registry_person.uuid}


def k_contact(w, scope):
    return {"contact_uuid": w.contact.uuid}


def k_report(w, scope):
    return {"report_uuid": w.report.uuid}


def k_acase(w, scope):
    return {"case_uuid": w.assistance_case.uuid}


def k_referral(which):
    def build(w, scope):
        if scope == "shared_noid":
            return {"referral_uuid": w.referral_noid.uuid}
        return {"referral_uuid": getattr(w, which).uuid}
    return build


def k_referral_api(which):
    def build(w, scope):
        return {"uuid": k_referral(which)(w, scope)["referral_uuid"]}
    return build


def k_family(w, scope):
    return {"contact_uuid": w.family_contact.uuid}


# --- request bodies ----------------------------------------------------------------------------------------

def b_event(w, scope):
    return {"event-kind": "hearing", "event-date": d(days_ago(1)), "event-title": "Audiencia de control",
            "event-description": ""}


def b_share(w, scope):
    return {"share-agency": w.agencies["ngo_other"].code, "share-level": "read",
            "share-reason": "Coordinación interinstitucional"}


def b_case_edit(w, scope):
    case = w.case
    return {"title": "Caso editado", "distrito_fiscal": case.distrito_fiscal.code, "source": case.source,
            "complaint_date": d(case.complaint_date), "summary": "", "version": case.version}


def b_stage(w, scope):
    return {"stage-stage": "diligencias_preliminares", "stage-date": d(days_ago(1)), "stage-reason": "",
            "stage-version": w.case.version}


def b_place(w, scope):
    return {"place-kind": "exploitation", "place-ubigeo": "170101", "place-description": "Campamento minero"}


def b_charge(w, scope):
    return {"charge-article": w.article.code, "charge-offence_date": d(days_ago(35)), "charge-notes": ""}


def b_person_pick(prefix):
    def build(w, scope):
        return {f"{prefix}-person": str(w.registry_person.uuid), f"{prefix}-role": "witness",
                f"{prefix}-status": "investigated"}
    return build


def b_outcome(w, scope):
    return {f"outcome-{w.defendant.uuid}-outcome": "acquitted", f"outcome-{w.defendant.uuid}-outcome_date":
            d(days_ago(1))}


def b_person_edit(w, scope):
    p = w.registry_person
    return {"first_names": p.first_names, "last_name_paternal": p.last_name_paternal,
            "last_name_maternal": p.last_name_maternal, "sex": p.sex, "estimated_age": "29", "notes": "",
            "aliases": "Chaskawarmi", "version": p.version, "doc-TOTAL_FORMS": "0", "doc-INITIAL_FORMS": "0"}


def b_note(w, scope):
    return {"note": "Llamar el lunes", "reason": "Revisión", "outcome": "Hecho", "kind": "at_risk",
            "reference": "OF-1", "notes": "Concluida"}


def b_consent(w, scope):
    return {"kind": "statistics", "given_on": d(TODAY()), "given_by": "victim", "method": "written"}


def b_decline(w, scope):
    return {"reason": "Sin cupos disponibles"}


def b_family(w, scope):
    return {"full_name": "Nuevo Familiar", "relationship": "mother", "tracing_status": "searching"}


def b_api_event(w, scope):
    return {"kind": "note", "date": days_ago(1).isoformat(), "title": "Nota de prueba"}


def b_api_person(w, scope):
    return {"version": w.registry_person.version, "estimated_age": 29}


def b_api_share(w, scope):
    return {"agency": w.agencies["ngo_other"].code, "reason": "Coordinación"}


def b_reason(w, scope):
    return {"reason": "Ya no corresponde", "notes": "Concluida"}


def b_empty(w, scope):
    return {}


# --- the routes --------------------------------------------------------------------------------------------

def _cases_routes() -> dict[str, Route]:
    rec = {"kind": RECORD, "family": "case", "kwargs": k_case}
    write_only = {**rec, "read": None, "method": "post", "write": case_write}
    return {
        "cases:list": Route(PAGE, "case", method="post",
                            note="roles without CASE_VIEW get the page with an empty list (visible_cases is none)", data=lambda w, s: {
            "q": "Quispecahua"}, write=_never, queries=({}, {"status": "active"})),
        "cases:create": Route(PAGE, "case", read=_caps(C.CASE_CREATE), method="post", write=case_create_rule,
                              data=lambda w, s: {"number": "SEC-NUEVO-1", "fiscalia": w.agencies["fis_own"].code,
                                                 "distrito_fiscal": w.case.distrito_fiscal.code,
                                                 "source": "police", "complaint_date": d(days_ago(1))},
                              note="a case of fis_own: refused to a user of another fiscalía (own fiscalía only)"),
        "cases:ubigeo_lookup": Route(PAGE, "national", queries=({"field": "place-ubigeo", "q": "tambopata"},)),
        "cases:detail": Route(**rec, read=case_read, extra_scopes=("shared_minor",),
                              expect_markers=((Role.PROSECUTOR, "own", "victim_adult"),
                                              (Role.POLICE, "shared", "victim_adult"))),
        "cases:edit": Route(**rec, read=case_write, method="post", write=case_write, data=b_case_edit),
        # the charge form is the section form that names people (the defendants to charge)
        "cases:section_form": Route(**{**rec, "kwargs": lambda w, s: {**k_case(w, s), "form_key": "charge"}},
                                    read=case_write, expect_markers=((Role.PROSECUTOR, "own", "defendant"),),
                                    note="a case page form, loaded when its section is opened: writers only"),
        "cases:change_stage": Route(**write_only, data=b_stage),
        "cases:add_event": Route(**write_only, data=b_event),
        "cases:add_charge": Route(**write_only, data=b_charge),
        "cases:add_victim": Route(**write_only, data=b_person_pick("victim"),
                                  note="the registry person is not the case agency's to name for every writer"),
        "cases:add_defendant": Route(**write_only, data=b_person_pick("defendant")),
        "cases:set_outcome": Route(**{**write_only, "kwargs": lambda w, s: {
            "case_uuid": w.case.uuid, "defendant_uuid": w.defendant.uuid}}, data=b_outcome),
        "cases:add_party": Route(**write_only, data=b_person_pick("party")),
        "cases:add_place": Route(**write_only, data=b_place),
        "cases:share": Route(**{**write_only, "write": case_share_rule}, data=b_share),
        "cases:transfer": Route(**write_only, data=lambda w, s: {
            "transfer-to_fiscalia": w.agencies["fis_other"].code, "transfer-date": d(days_ago(1)),
            "transfer-reason": "Competencia territorial"},
            note="the fiscalía in charge only: a read-write share does not allow it"),
        "cases:assign_prosecutor": Route(**write_only, data=lambda w, s: {"assign-prosecutor": ""}),
        "cases:revoke_share": Route(**{**write_only, "write": case_share_rule, "kwargs": lambda w, s: {
            "case_uuid": w.case.uuid, "agency_uuid": w.agencies["pol_shared"].uuid}}, data=b_empty),
        "cases:attachment_upload": Route(**write_only, data=lambda w, s: {
            "attachment-file": SimpleUploadedFile("otro.pdf", PDF_BYTES, content_type="application/pdf"),
            "attachment-description": "Acta", "attachment-is_identity_bearing": "on"}),
        "cases:attachment_download": Route(RECORD, "case", kwargs=k_attachment, read=case_identity_file,
                                           extra_scopes=("shared_minor",)),
        "cases:attachment_remove": Route(RECORD, "case", kwargs=k_attachment, read=None, method="post",
                                         write=case_write, data=b_empty),
    }


def _people_routes() -> dict[str, Route]:
    rec = {"kind": RECORD, "family": "person", "kwargs": k_person}
    return {
        "people:list": Route(PAGE, "person", method="post", write=_never, data=lambda w, s: {"q": "Mamanchu"},
                             note="roles without PERSON_VIEW get the search form and never a result",
                             known_bugs=(KnownBug("shared", "test_a_name_search_never_shows_a_pseudonymous_"
                                                            "share_by_name"),)),
        # the names of the registry person, typed again: the duplicate check shows the likely matches
        "people:create": Route(PAGE, "person", read=_caps(C.PERSON_CREATE), method="post",
                               write=_caps(C.PERSON_CREATE),
                               known_bugs=(KnownBug("shared", "test_the_duplicate_check_never_names_a_"
                                                              "pseudonymous_share"),),
                               data=lambda w, s: {
                                   "first_names": "Eustaquiana", "last_name_paternal": "Mamanchura",
                                   "last_name_maternal": "Pumacayocc", "sex": "female", "doc-TOTAL_FORMS": "0",
                                   "doc-INITIAL_FORMS": "0"}),
        "people:lookup": Route(PAGE, "person", read=None, method="post", write=_never,
                               data=lambda w, s: {"field": "victim-person", "victim-person_q": "Mamanchu"},
                               known_bugs=(KnownBug("shared", "test_the_person_picker_never_shows_a_pseudonymous_"
                                                              "share_by_name"),)),
        "people:detail": Route(**rec, read=person_read,
                               expect_markers=((Role.PROSECUTOR, "own", "registry_person"),
                                               (Role.CASEWORKER, "shared_identity", "registry_person"))),
        "people:edit": Route(**rec, read=person_write, method="post", write=person_write, data=b_person_edit),
    }


def _hotline_routes() -> dict[str, Route]:
    rec = {"kind": RECORD, "family": "contact", "kwargs": k_contact}
    post = {**rec, "read": None, "method": "post", "write": contact_write, "data": b_note}
    operator = lambda role, scope: can(role, C.CONTACT_CREATE)  # noqa: E731
    return {
        "hotline:home": Route(PAGE, "contact", read=_caps(C.CONTACT_VIEW, C.POLICE_REPORT_RECEIVE)),
        "hotline:contact_new": Route(PAGE, "contact", read=lambda r, s: operator(r, s) and s != "shared",
                                     method="post", write=lambda r, s: operator(r, s) and s != "shared",
                                     data=lambda w, s: {"started_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
                                                        "category": "information", "channel": "phone"}),
        "hotline:caller_lookup": Route(PAGE, "contact", read=None, method="post", write=_never,
                                       data=lambda w, s: {"caller_phone": "984 321 765"}),
        "hotline:contact_detail": Route(**rec, read=contact_read,
                                        expect_markers=((Role.HOTLINE_OPERATOR, "own", "caller"),
                                                        (Role.HOTLINE_OPERATOR, "own", "contact_person"))),
        "hotline:contact_attend": Route(RECORD, "contact", kwargs=lambda w, s: {"contact_uuid": w.open_contact.uuid},
                                        read=contact_write, method="post", write=contact_write,
                                        data=lambda w, s: {"category": "information"}),
        "hotline:follow_up_add": Route(**post),
        "hotline:flag_add": Route(**post),
        "hotline:person_link": Route(**{**post, "read": contact_write, "data": lambda w, s: {
            "action": "search", "text": "Mamanchu"}, "known_bugs": (KnownBug(
                "own", "test_the_hotline_person_search_never_names_a_pseudonymous_share"),)}),
        "hotline:report_new": Route(**{**post, "read": contact_write}),
        "hotline:follow_up_close": Route(**{**post, "kwargs": lambda w, s: {"follow_up_uuid": w.follow_up.uuid}}),
        "hotline:flag_clear": Route(**{**post, "kwargs": lambda w, s: {"flag_uuid": w.flag.uuid}}),
        "hotline:inbox": Route(PAGE, "report", read=_caps(C.POLICE_REPORT_RECEIVE)),
        "hotline:report_detail": Route(RECORD, "report", kwargs=k_report, read=report_read,
                                       expect_markers=((Role.POLICE, "shared", "caller"),)),
        "hotline:report_pdf": Route(RECORD, "report", kwargs=k_report, read=report_read),
        "hotline:report_acknowledge": Route(RECORD, "report", kwargs=k_report, read=None, method="post",
                                            write=report_receive, data=lambda w, s: {"reference": "OF-1"}),
        "hotline:report_open_case": Route(RECORD, "report", kwargs=k_report, read=None, method="post",
                                          write=report_receive, data=lambda w, s: {
                                              "number": "SEC-DESDE-REPORTE",
                                              "distrito_fiscal": w.case.distrito_fiscal.code}),
        "hotline:report_link_case": Route(RECORD, "report", kwargs=k_report, read=None, method="post",
                                          write=report_receive, data=lambda w, s: {"number": "SEC-2026-001"}),
        "hotline:supervisor": Route(PAGE, "contact", read=_caps(C.HOTLINE_SUPERVISE)),
        "hotline:handover": Route(PAGE, "contact", read=_caps(C.HOTLINE_SUPERVISE)),
        "hotline:import": Route(PAGE, "contact", read=_caps(C.HOTLINE_SUPERVISE), method="post",
                                write=_caps(C.HOTLINE_SUPERVISE), data=b_empty),
    }


def _assistance_routes() -> dict[str, Route]:
    rec = {"kind": RECORD, "family": "assistance", "kwargs": k_acase}
    form = {**rec, "read": assistance_edit, "method": "post", "write": assistance_edit, "data": b_note}
    ref = {"kind": RECORD, "family": "referral"}
    fam = {"kind": RECORD, "family": "family", "kwargs": k_family}
    assistance_page = _caps(C.ASSISTANCE_VIEW, C.REFERRAL_SEND, C.REFERRAL_RECEIVE)
    return {
        "assistance:dashboard": Route(PAGE, "referral", read=assistance_page),
        "assistance:ubigeo_lookup": Route(PAGE, "national", queries=({"field": "current_ubigeo", "q": "cusco"},)),
        "assistance:case_list": Route(PAGE, "assistance", read=_caps(C.ASSISTANCE_VIEW, C.REFERRAL_SEND)),
        "assistance:case_create": Route(PAGE, "assistance",
                                        read=lambda r, s: can(r, C.PERSON_VIEW) and can(r, C.ASSISTANCE_EDIT,
                                                                                         C.REFERRAL_SEND),
                                        method="post", write=lambda r, s: False, data=lambda w, s: {
                                            "person": str(w.registry_person.uuid), "identified_on": d(TODAY())},
                                        note="the registry person already has no open case of the asker's "
                                             "agency, but only identity holders may open one"),
        "assistance:case_detail": Route(**rec, read=assistance_read,
                                        expect_markers=((Role.CASEWORKER, "own", "assisted_victim"),
                                                        (Role.CASEWORKER, "own", "relative"))),
        "assistance:case_edit": Route(**form),
        "assistance:case_status": Route(**form),
        "assistance:case_follow_up": Route(**{**form, "read": None}),
        "assistance:case_close": Route(**form),
        "assistance:case_reopen": Route(**form),
        "assistance:case_pdf": Route(**rec, read=assistance_read),
        "assistance:criminal_link": Route(**form),
        "assistance:consent_add": Route(**{**form, "read": assistance_consent, "write": assistance_consent,
                                           "data": b_consent}),
        "assistance:consent_withdraw": Route(**{**form, "read": assistance_consent, "write": assistance_consent,
                                                "kwargs": lambda w, s: {"case_uuid": w.assistance_case.uuid,
                                                                        "consent_uuid": w.consent.uuid},
                                                "data": lambda w, s: {"withdrawn_on": d(TODAY())}}),
        "assistance:assessment_add": Route(**form),
        "assistance:plan_add": Route(**form),
        "assistance:plan_end": Route(**{**form, "kwargs": lambda w, s: {"case_uuid": w.assistance_case.uuid,
                                                                         "plan_uuid": w.plan.uuid},
                                        "data": lambda w, s: {"actual_end": d(TODAY())}}),
        "assistance:goal_add": Route(**{**form, "kwargs": lambda w, s: {"case_uuid": w.assistance_case.uuid,
                                                                         "plan_uuid": w.plan.uuid},
                                        "data": lambda w, s: {"description": "Otra meta"}}),
        "assistance:goal_status": Route(**{**form, "kwargs": lambda w, s: {"case_uuid": w.assistance_case.uuid,
                                                                            "goal_uuid": w.goal.uuid},
                                           "data": lambda w, s: {"status": "in_progress"}}),
        "assistance:delivery_add": Route(**form),
        "assistance:followup_add": Route(**form),
        "assistance:family_add": Route(**{**form, "data": b_family}),
        "assistance:referral_send": Route(**{**form, "read": assistance_refer, "write": assistance_refer}),
        "assistance:family_detail": Route(**fam, read=family_read,
                                          expect_markers=((Role.CASEWORKER, "shared", "relative"),)),
        "assistance:family_edit": Route(**fam, read=family_write, method="post", write=family_write,
                                        data=lambda w, s: {"full_name": "Saturninoq Pariapazacc",
                                                           "relationship": "father", "tracing_status": "located"}),
        "assistance:family_pdf": Route(**fam, read=family_read),
        "assistance:referral_detail": Route(**ref, kwargs=k_referral("referral_accepted"), read=referral_read,
                                            expect_markers=((Role.CASEWORKER, "shared", "assisted_victim"),)),
        "assistance:referral_pdf": Route(**ref, kwargs=k_referral("referral_accepted"), read=referral_read),
        "assistance:referral_accept": Route(**ref, kwargs=k_referral("referral_sent"), read=None, method="post",
                                            write=referral_respond, data=b_empty),
        "assistance:referral_decline": Route(**ref, kwargs=k_referral("referral_sent"), read=referral_respond,
                                             method="post", write=referral_respond, data=b_decline),
        "assistance:referral_complete": Route(**ref, kwargs=k_referral("referral_accepted"),
                                              read=referral_complete, method="post", write=referral_complete,
                                              data=lambda w, s: {"notes": "Concluida"}),
        "assistance:referral_revoke": Route(**ref, kwargs=k_referral("referral_sent"), read=referral_revoke,
                                            method="post", write=referral_revoke, data=b_decline),
        "assistance:referral_delivery_add": Route(**ref, kwargs=k_referral("referral_accepted"),
                                                  read=referral_work, method="post", write=referral_work,
                                                  data=b_empty),
        "assistance:referral_followup_add": Route(**ref, kwargs=k_referral("referral_accepted"),
                                                  read=referral_work, method="post", write=referral_work,
                                                  data=b_empty),
        "assistance:referral_family_add": Route(**ref, kwargs=k_referral("referral_accepted"),
                                                read=referral_work, method="post", write=referral_work,
                                                data=b_family),
        "assistance:catalogue": Route(PAGE, "national"),
        "assistance:provider_create": Route(PAGE, "national", read=_caps(C.ASSISTANCE_EDIT), method="post",
                                            write=_caps(C.ASSISTANCE_EDIT), data=b_empty),
        "assistance:provider_edit": Route(RECORD, "national", kwargs=lambda w, s: {"provider_uuid": w.provider.uuid},
                                          read=_caps(C.ASSISTANCE_EDIT), method="post",
                                          write=_caps(C.ASSISTANCE_EDIT), data=b_empty,
                                          note="the provider directory is national"),
        "assistance:timeline": Route(RECORD, "person", kwargs=k_person, read=person_read),
    }


def _stats_routes() -> dict[str, Route]:
    stats = _caps(C.STATS_VIEW)
    year = {"year": timezone.localdate().year - 1}
    filters = ({}, {"desde": "2020", "hasta": "2026", "departamento": "170000"})
    return {
        "stats:dashboard": Route(PAGE, read=stats, queries=filters),
        "stats:map": Route(PAGE, read=stats, queries=({}, {"medida": "captacion", "nivel": "provincia"})),
        "stats:refresh": Route(PAGE, read=None, method="post", write=stats, data=b_empty),
        "stats:export": Route(PAGE, read=stats, kwargs=lambda w, s: {"code": "cases_by_stage", "fmt": "csv"}),
        "stats:report_latest": Route(PAGE, read=stats),
        "stats:report": Route(PAGE, read=stats, kwargs=lambda w, s: year),
        "stats:report_pdf": Route(PAGE, read=stats, kwargs=lambda w, s: year),
        "stats:indicators": Route(PAGE, read=stats, queries=({}, {"formato": "csv"})),
        "stats:open_data": Route(PAGE, read=stats, method="post", write=_caps(C.OPEN_DATA_PUBLISH), data=b_empty),
        "stats:open_data_detail": Route(RECORD, kwargs=lambda w, s: {"release_uuid": w.release.uuid}, read=stats,
                                        note="open-data releases are national publications"),
        "stats:open_data_file": Route(RECORD, kwargs=lambda w, s: {"release_uuid": w.release.uuid,
                                                                    "name": "casos.csv"}, read=_never,
                                      note="a release still being prepared has no files: 404 for everyone"),
    }


def _interop_routes() -> dict[str, Route]:
    # a job is seen by its author only (sistra/interop/tests/test_views.py proves another user's job is a 404):
    # here a made-up job is a 404 for every role
    job = lambda w, s: {"job_uuid": random_uuid()}  # noqa: E731
    return {
        "interop:home": Route(PAGE, read=_caps(C.DATA_IMPORT, C.DATA_EXPORT)),
        "interop:job": Route(RECORD, kwargs=job, read=_never),
        "interop:job_confirm": Route(RECORD, kwargs=job, read=None, method="post", data=b_empty),
        "interop:job_report": Route(RECORD, kwargs=job, read=_never),
        "interop:job_download": Route(RECORD, kwargs=job, read=_never),
    }


def _audit_routes() -> dict[str, Route]:
    audit = _caps(C.AUDIT_VIEW)
    return {
        "audit:log": Route(PAGE, read=audit, queries=lambda w: (
            {}, {"kind": "cambios"}, {"kind": "cambios", "person": w.registry_person.code},
            {"person": str(w.victim_adult.uuid)}, {"kind": "cambios", "record": w.case.number})),
        "audit:person": Route(RECORD, kwargs=k_person, read=audit,
                              note="auditors oversee every agency, by pseudonym (sistra.audit.selectors)"),
        "audit:export": Route(PAGE, read=None, method="post", write=_never, data=lambda w, s: {
            "kind": "cambios", "export_purpose": "Revisión de accesos"},
            note="a re-authentication comes first; the export itself is an access-log row, not a change"),
        "audit:export_download": Route(PAGE, kwargs=lambda w, s: {"token": "no-existe-este-token"}, read=_never),
    }


def _api_routes() -> dict[str, Route]:
    api = {"api": True}
    case_rec = {**api, "kind": RECORD, "family": "case", "kwargs": k_case_api}
    case_post = {**case_rec, "read": None, "method": "post", "write": case_write}
    assistance_user = _caps(C.ASSISTANCE_VIEW, C.REFERRAL_SEND, C.REFERRAL_RECEIVE)
    stats = _caps(C.STATS_VIEW)
    ref = {**api, "kind": RECORD, "family": "referral"}
    return {
        "api-schema": Route(PAGE, **api),
        "api-docs": Route(PAGE),
        "api-term-list": Route(PAGE, **api, queries=({}, {"vocabulary": "exploitation"})),
        "api-term-detail": Route(PAGE, **api, kwargs=lambda w, s: {"vocabulary": "exploitation",
                                                                    "code": "sexual_exploitation"}),
        "api-ubigeo-list": Route(PAGE, **api, queries=({"q": "tambo"},)),
        "api-ubigeo-detail": Route(PAGE, **api, kwargs=lambda w, s: {"code": "170101"}),
        "api-country-list": Route(PAGE, **api),
        "api-country-detail": Route(PAGE, **api, kwargs=lambda w, s: {"code": "PE"}),
        "api-distrito-fiscal-list": Route(PAGE, **api),
        "api-distrito-fiscal-detail": Route(PAGE, **api, kwargs=lambda w, s: {
            "code": w.case.distrito_fiscal.code}),
        "api-penal-article-list": Route(PAGE, **api, queries=({"is_trafficking": "true"},)),
        "api-penal-article-detail": Route(PAGE, **api, kwargs=lambda w, s: {"code": w.article.code}),
        "api-stage-list": Route(PAGE, **api),
        "api-stage-detail": Route(PAGE, **api, kwargs=lambda w, s: {"code": "denuncia"}),
        "api-agency-list": Route(PAGE, **api),
        "api-agency-detail": Route(PAGE, **api, kwargs=lambda w, s: {"uuid": w.agencies["fis_own"].uuid}),
        # names and codes are searched by POST (api-person-search); ?q= is refused (decision 0182)
        "api-person-list": Route(PAGE, "person", **api, read=_caps(C.PERSON_VIEW), queries=lambda w: ({},)),
        "api-person-search": Route(PAGE, "person", **api, read=None, method="post", write=_caps(C.PERSON_VIEW),
                                   data=lambda w, s: {"q": "Mamanchu"}),
        "api-person-match": Route(PAGE, "person", **api, read=None, method="post", write=_never,
                                  data=lambda w, s: {"first_names": "Eustaquiana",
                                                     "last_name_paternal": "Mamanchura"}),
        "api-person-detail": Route(RECORD, "person", **api, kwargs=lambda w, s: {"uuid": w.registry_person.uuid},
                                   read=person_read, method="patch", write=person_write, data=b_api_person),
        "api-case-list": Route(PAGE, "case", **api, read=_caps(C.CASE_VIEW), queries=(
            {}, {"q": "SEC-2026"}), method="post", write=_caps(C.CASE_CREATE),
            data=lambda w, s: {"number": "SEC-API-1", "source": "police", "complaint_date": days_ago(1).isoformat(),
                               "fiscalia": w.agencies["fis_own"].code}),
        "api-case-detail": Route(**case_rec, read=case_read, extra_scopes=("shared_minor",), method="patch",
                                 write=case_write, data=lambda w, s: {"version": w.case.version, "title": "Otro"},
                                 expect_markers=((Role.PROSECUTOR, "own", "victim_adult"),)),
        "api-case-events": Route(**case_rec, read=case_read, method="post", write=case_write, data=b_api_event),
        "api-case-charges": Route(**case_post, data=lambda w, s: {"article": w.article.code,
                                                                  "offence_date": days_ago(35).isoformat()}),
        "api-case-charge-remove": Route(**{**case_post, "method": "delete", "kwargs": lambda w, s: {
            "uuid": w.case.uuid, "charge_uuid": w.charge.uuid}}),
        "api-case-defendants": Route(**case_post, data=lambda w, s: {"person": str(w.registry_person.uuid)}),
        "api-case-defendant-update": Route(**{**case_post, "method": "patch", "kwargs": lambda w, s: {
            "uuid": w.case.uuid, "defendant_uuid": w.defendant.uuid}}, data=lambda w, s: {"status": "accused"}),
        "api-case-history": Route(**case_rec, read=lambda r, s: case_read(r, s) and can(r, C.HISTORY_VIEW)),
        "api-case-parties": Route(**case_post, data=lambda w, s: {"person": str(w.registry_person.uuid),
                                                                  "role": "witness"}),
        "api-case-places": Route(**case_post, data=lambda w, s: {"kind": "transit", "ubigeo": "170101"}),
        "api-case-share-revoke": Route(**{**case_post, "method": "delete", "write": case_share_rule,
                                          "kwargs": lambda w, s: {"uuid": w.case.uuid,
                                                                  "agency_code": w.agencies["pol_shared"].code}}),
        "api-case-shares": Route(**{**case_post, "write": case_share_rule}, data=b_api_share),
        "api-case-transfer": Route(**case_post, data=lambda w, s: {
            "to_fiscalia": w.agencies["fis_other"].code, "date": days_ago(1).isoformat(),
            "reason": "Competencia territorial"}),
        "api-case-stage": Route(**case_post, data=lambda w, s: {"stage": "diligencias_preliminares",
                                                                "date": days_ago(1).isoformat(),
                                                                "version": w.case.version}),
        "api-case-victims": Route(**case_post, data=lambda w, s: {"person": str(w.registry_person.uuid)}),
        "api-hotline-contact-list": Route(PAGE, "contact", **api, read=None, method="post",
                                          write=lambda r, s: can(r, C.CONTACT_CREATE) and s != "shared",
                                          data=lambda w, s: {"caller_number": "984 555 666",
                                                             "started_at": timezone.now().isoformat()}),
        "api-hotline-contact-detail": Route(RECORD, "contact", **api, kwargs=lambda w, s: {"uuid": w.contact.uuid},
                                            read=contact_read),
        "api-assistance-case-list": Route(PAGE, "assistance", **api, read=assistance_user),
        "api-assistance-case-detail": Route(RECORD, "assistance", **api, kwargs=lambda w, s: {
            "uuid": w.assistance_case.uuid}, read=assistance_read),
        "api-referral-list": Route(PAGE, "referral", **api, read=assistance_user, queries=(
            {}, {"box": "inbox"}, {"box": "outbox"}), method="post", write=assistance_refer,
            data=lambda w, s: {"case": str(w.assistance_case.uuid), "to_agency": w.agencies["ngo_other"].code,
                               "due_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
                               "services": ["health"]}),
        "api-referral-detail": Route(**ref, kwargs=k_referral_api("referral_accepted"), read=referral_read),
        "api-referral-accept": Route(**ref, kwargs=k_referral_api("referral_sent"), read=None, method="post",
                                     write=referral_respond),
        "api-referral-decline": Route(**ref, kwargs=k_referral_api("referral_sent"), read=None, method="post",
                                      write=referral_respond, data=b_reason),
        "api-referral-complete": Route(**ref, kwargs=k_referral_api("referral_accepted"), read=None,
                                       method="post", write=referral_complete, data=b_reason),
        "api-referral-revoke": Route(**ref, kwargs=k_referral_api("referral_sent"), read=None, method="post",
                                     write=referral_revoke, data=b_reason),
        "api-service-type-list": Route(PAGE, **api, read=assistance_user),
        "api-service-type-detail": Route(PAGE, **api, read=assistance_user, kwargs=lambda w, s: {"code": "health"}),
        "api-provider-list": Route(PAGE, **api, read=assistance_user, queries=({"region": "170000"},)),
        "api-provider-detail": Route(RECORD, **api, read=assistance_user,
                                     kwargs=lambda w, s: {"uuid": w.provider.uuid}),
        "api-stats-figures": Route(PAGE, **api, read=stats, queries=({}, {"figuras": "cases_total,victims_by_sex"})),
        "api-stats-indicators": Route(PAGE, **api, read=stats, queries=({"anio": "2025"},)),
        "api-stats-open-data": Route(PAGE, **api, read=stats),
    }


def _account_routes() -> dict[str, Route]:
    account = {"kind": ACCOUNT, "family": "account"}
    return {
        "healthz": Route(PUBLIC),
        "set_language": Route(PUBLIC, read=None, method="post", data=lambda w, s: {"language": "en", "next": "/"}),
        "login": Route(PUBLIC),
        "account_login": Route(PUBLIC),
        "account_signup": Route(PUBLIC, note="closed: accounts are made by administrators"),
        "account_reset_password": Route(PUBLIC, note="SISTRA's page: no reset by e-mail"),
        "account_reset_password#2": Route(SHADOWED),
        "account_reset_password_done": Route(PUBLIC),
        "account_reset_password_from_key": Route(PUBLIC, kwargs=lambda w, s: {"uidb36": "1", "key": "a-b"}),
        "account_reset_password_from_key_done": Route(PUBLIC),
        "account_confirm_email": Route(PUBLIC, kwargs=lambda w, s: {"key": "clave-inexistente"}),
        "account_email_verification_sent": Route(PUBLIC),
        "account_inactive": Route(PUBLIC),
        "account_confirm_login_code": Route(PUBLIC),
        "logout": Route(**account, read=None, method="post", data=b_empty),
        "account_logout": Route(**account, read=None, method="post", data=b_empty),
        "account_logout#2": Route(SHADOWED),
        "account_email": Route(**account),
        "account_email#2": Route(SHADOWED),
        "account_reauthenticate": Route(**account),
        "account_change_password": Route(**account),
        "account_set_password": Route(**account),
        "mfa_index": Route(**account),
        "mfa_authenticate": Route(**account),
        "mfa_reauthenticate": Route(**account),
        "mfa_activate_totp": Route(**account),
        "mfa_deactivate_totp": Route(**account),
        "mfa_view_recovery_codes": Route(**account),
        "mfa_generate_recovery_codes": Route(**account),
        "mfa_download_recovery_codes": Route(**account),
        # passkeys (ADR 0211): the user's own authenticators, by allauth's id (ALLAUTH_OWN_IDS below)
        "mfa_add_webauthn": Route(**account),
        "mfa_list_webauthn": Route(**account),
        "mfa_reauthenticate_webauthn": Route(**account),
        "mfa_login_webauthn": Route(PUBLIC, note="the passkey sign-in ceremony (allauth)"),
        "mfa_edit_webauthn": Route(**account, kwargs=lambda w, s: {"pk": 999999},
                                   note="another user's (here: nobody's) authenticator is a 404"),
        "mfa_remove_webauthn": Route(**account, kwargs=lambda w, s: {"pk": 999999},
                                     note="SISTRA's guard in front of allauth's removal"),
        "mfa_remove_webauthn#2": Route(SHADOWED),
        "account_api_tokens": Route(**account),
        "account_api_token_create": Route(**account, read=None, method="post", data=lambda w, s: {
            "name": "Integración", "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()},
            note="after a re-authentication"),
        # a token is one user's: everyone else (here, every role of an unrelated agency) gets a 404
        "account_api_token_revoke": Route(RECORD, kwargs=lambda w, s: {"token_uuid": w.api_token.uuid},
                                          read=None, method="post", write=_never, data=b_empty, visible=_never),
        "home": Route(PAGE, "case"),
        "deadlines:notifications": Route(**account),
        # a notice is one user's: anyone else gets a 404, as for a notice that does not exist
        "deadlines:notification_read": Route(RECORD, kwargs=lambda w, s: {
            "notification_uuid": "00000000-0000-4000-8000-000000000015"}, read=None, method="post",
            write=_never, data=b_empty, visible=_never),
    }


def _return_routes() -> dict[str, Route]:
    """Return travel and reintegration (sistra.assistance.views_return, api_return): the lead agency's."""
    rec = {"kind": RECORD, "family": "assistance"}
    form = {**rec, "read": assistance_edit, "method": "post", "write": assistance_edit}
    api = {**rec, "api": True}
    assistance_user = _caps(C.ASSISTANCE_VIEW, C.REFERRAL_SEND, C.REFERRAL_RECEIVE)

    def k_travel(w, s):
        return {"case_uuid": w.assistance_case.uuid, "travel_uuid": w.return_travel.uuid}

    def k_api_travel(w, s):
        return {"uuid": w.return_travel.uuid}

    def k_api_plan(w, s):
        return {"uuid": w.reintegration_plan.uuid}

    return {
        "assistance:return_add": Route(**form, kwargs=k_acase, data=lambda w, s: {
            "origin_ubigeo": "170101", "destination_ubigeo": "080101", "transport": "land",
            "travel_document": "dni", "document_status": "ready", "visa": "not_needed", "escort": "staff",
            "paid_by": "mimp", "planned_departure": d(days_ago(1))}),
        "assistance:return_edit": Route(**form, kwargs=k_travel, data=b_empty),
        "assistance:return_depart": Route(**form, kwargs=k_travel, data=lambda w, s: {"departed_on": d(TODAY())}),
        "assistance:return_arrive": Route(**form, kwargs=k_travel, data=b_empty),
        "assistance:return_cancel": Route(**form, kwargs=k_travel, data=b_decline),
        "assistance:reintegration_add": Route(**form, kwargs=k_acase, data=b_empty),
        "assistance:reintegration_followup": Route(**form, kwargs=lambda w, s: {
            "case_uuid": w.assistance_case.uuid, "follow_up_uuid": w.reintegration_follow_up.uuid},
            data=lambda w, s: {"done_on": d(TODAY()), "kind": "office", "progress": "on_track",
                               "notes": "Asiste a clases"}),
        "assistance:reintegration_outcome": Route(**form, kwargs=lambda w, s: {
            "case_uuid": w.assistance_case.uuid, "plan_uuid": w.reintegration_plan.uuid},
            data=lambda w, s: {"outcome": "relocated", "outcome_on": d(TODAY())}),
        "api-return-list": Route(PAGE, "assistance", api=True, read=assistance_user, method="post",
                                 write=assistance_edit, data=lambda w, s: {
                                     "case": str(w.assistance_case.uuid), "origin_ubigeo": "170101",
                                     "destination_ubigeo": "150101", "escort": "staff",
                                     "planned_departure": days_ago(1).isoformat()}),
        "api-return-detail": Route(**api, kwargs=k_api_travel, read=assistance_read, method="patch",
                                   write=assistance_edit, data=lambda w, s: {"tickets": "LA2471"}),
        "api-return-depart": Route(**api, kwargs=k_api_travel, read=None, method="post", write=assistance_edit,
                                   data=lambda w, s: {"departed_on": TODAY().isoformat()}),
        "api-return-arrive": Route(**api, kwargs=k_api_travel, read=None, method="post", write=assistance_edit,
                                   data=lambda w, s: {"arrived_on": TODAY().isoformat(), "notes": "Confirmada"}),
        "api-return-cancel": Route(**api, kwargs=k_api_travel, read=None, method="post", write=assistance_edit,
                                   data=b_reason),
        "api-reintegration-plan-list": Route(PAGE, "assistance", api=True, read=assistance_user, method="post",
                                             write=assistance_edit, data=lambda w, s: {
                                                 "case": str(w.assistance_case.uuid), "community": "080101",
                                                 "goals": "Metas", "starts_on": TODAY().isoformat()}),
        "api-reintegration-plan-detail": Route(**api, kwargs=k_api_plan, read=assistance_read),
        "api-reintegration-plan-follow-ups": Route(**api, kwargs=k_api_plan, read=None, method="post",
                                                   write=assistance_edit, data=lambda w, s: {
                                                       "follow_up": str(w.reintegration_follow_up.uuid),
                                                       "done_on": TODAY().isoformat(), "kind": "office",
                                                       "progress": "on_track", "notes": "Asiste a clases"}),
        "api-reintegration-plan-outcome": Route(**api, kwargs=k_api_plan, read=None, method="post",
                                                write=assistance_edit, data=lambda w, s: {
                                                    "outcome": "relocated", "outcome_on": TODAY().isoformat()}),
    }


def user_admin_visible(role, scope):
    """The fiscalía's prosecutor, administered: by the national administrator from anywhere, by the agency
    administrator of the fiscalía only."""
    return role == Role.SYSTEM_ADMIN or (role == Role.AGENCY_ADMIN and scope == "own")


def _useradmin_routes() -> dict[str, Route]:
    """User administration (sistra.accounts.useradmin). Every change asks for a recent authentication, which
    the matrix's sessions (force_login) do not have: allowed writers are sent to re-authenticate, and nobody
    changes anything."""
    managers = _caps(C.USER_MANAGE)
    national = lambda role, scope: role == Role.SYSTEM_ADMIN  # noqa: E731
    user_rec = {"kind": RECORD, "family": "case", "kwargs": lambda w, s: {
        "user_uuid": w.user(Role.PROSECUTOR, "fis_own").uuid}, "visible": user_admin_visible}
    post = {**user_rec, "read": None, "method": "post", "write": user_admin_visible, "data": b_empty}
    agency_rec = {"kind": RECORD, "family": "national", "kwargs": lambda w, s: {
        "agency_uuid": w.agencies["fis_own"].uuid}, "visible": national}
    return {
        "useradmin:user_list": Route(PAGE, "case", read=managers),
        "useradmin:user_create": Route(PAGE, "case", read=managers, method="post", write=managers,
                                       data=lambda w, s: {"username": "nuevo.usuario", "role": "prosecutor"}),
        "useradmin:user_detail": Route(**user_rec, read=user_admin_visible),
        "useradmin:user_role": Route(**{**post, "data": lambda w, s: {"role": "agency_admin"}}),
        "useradmin:user_reset_mfa": Route(**post),
        "useradmin:user_reset_password": Route(**post),
        "useradmin:user_disable": Route(**post),
        "useradmin:user_enable": Route(**post),
        "useradmin:agency_list": Route(PAGE, "national", read=national),
        "useradmin:agency_create": Route(PAGE, "national", read=national, method="post", write=national,
                                         data=lambda w, s: {"code": "sec-nueva", "name": "Nueva", "kind": "ngo"}),
        "useradmin:agency_detail": Route(**agency_rec, read=national, method="post", write=national,
                                         data=lambda w, s: {"name": "Otro nombre", "kind": "fiscalia"}),
        "useradmin:agency_deactivate": Route(**agency_rec, read=None, method="post", write=national, data=b_empty),
        "useradmin:agency_reactivate": Route(**agency_rec, read=None, method="post", write=national, data=b_empty),
    }


# Routes whose request body is valid: an allowed writer does write with it (asserted by the matrix), so "no
# change" for everyone else proves a refusal and not a form error.
VALID_PAYLOADS = frozenset({
    "api-case-charge-remove", "api-case-charges", "api-case-defendant-update", "api-case-defendants",
    "api-case-detail", "api-case-events", "api-case-list", "api-case-parties", "api-case-places",
    "api-case-share-revoke", "api-case-shares", "api-case-stage", "api-case-victims", "api-hotline-contact-list",
    "api-person-detail", "api-referral-accept", "api-referral-complete", "api-referral-decline",
    "api-referral-list", "api-referral-revoke", "assistance:consent_add", "assistance:consent_withdraw",
    "assistance:family_add", "assistance:family_edit", "assistance:goal_add", "assistance:goal_status",
    "assistance:plan_end", "assistance:referral_accept", "assistance:referral_complete",
    "assistance:referral_decline", "assistance:referral_family_add", "assistance:referral_revoke",
    "cases:add_charge", "cases:add_event", "cases:add_party", "cases:add_place", "cases:attachment_remove",
    "cases:attachment_upload", "cases:change_stage", "cases:create", "cases:edit", "cases:revoke_share",
    "cases:transfer", "api-case-transfer",
    "cases:set_outcome", "cases:share", "hotline:flag_add", "hotline:flag_clear", "hotline:follow_up_add",
    "hotline:follow_up_close", "hotline:report_acknowledge", "hotline:report_link_case", "people:edit",
    # return and reintegration
    "assistance:return_add", "assistance:reintegration_followup", "assistance:reintegration_outcome",
    "api-return-list", "api-reintegration-plan-follow-ups", "api-reintegration-plan-outcome",
})

def prevention_read(role, scope):
    return scope == "own" and can(role, C.PREVENTION_VIEW)


def prevention_edit(role, scope):
    return scope == "own" and can(role, C.PREVENTION_EDIT)


def atrisk_read(role, scope):
    """The owning agency's prevention staff with names; analysts every family, by pseudonym."""
    if can(role, C.FAMILY_VIEW_IDENTITY):
        return scope == "own"
    return can(role, C.FAMILY_VIEW)


def atrisk_edit(role, scope):
    return scope == "own" and can(role, C.PREVENTION_EDIT) and can(role, C.FAMILY_VIEW_IDENTITY)


FAMILY_VISIBLE.update(prevention=prevention_read, atrisk=atrisk_read)


def _prevention_routes() -> dict[str, Route]:
    ev = {"kind": RECORD, "family": "prevention", "kwargs": lambda w, s: {"event_uuid": w.training.uuid}}
    camp = {"kind": RECORD, "family": "prevention", "kwargs": lambda w, s: {"campaign_uuid": w.campaign.uuid}}
    fam = {"kind": RECORD, "family": "atrisk", "kwargs": lambda w, s: {"family_uuid": w.atrisk.uuid}}
    cert = {**ev, "kwargs": lambda w, s: {"event_uuid": w.training.uuid, "participant_uuid": w.trainee.uuid}}
    view, edit = _caps(C.PREVENTION_VIEW), _caps(C.PREVENTION_EDIT)
    families = _caps(C.FAMILY_VIEW, C.FAMILY_VIEW_IDENTITY)
    family_edit = lambda r, s: can(r, C.PREVENTION_EDIT) and can(r, C.FAMILY_VIEW_IDENTITY)  # noqa: E731
    child = lambda p: lambda w, s: {f"{p}-child": str(w.atrisk_child.uuid)}  # noqa: E731
    api = {"api": True}
    api_ev = {**api, "kind": RECORD, "family": "prevention", "kwargs": lambda w, s: {"uuid": w.training.uuid}}
    api_camp = {**api, "kind": RECORD, "family": "prevention", "kwargs": lambda w, s: {"uuid": w.campaign.uuid}}
    api_fam = {**api, "kind": RECORD, "family": "atrisk", "kwargs": lambda w, s: {"uuid": w.atrisk.uuid}}
    return {
        "prevention:home": Route(PAGE, "prevention", read=_caps(C.PREVENTION_VIEW, C.FAMILY_VIEW)),
        "prevention:event_list": Route(PAGE, "prevention", read=view),
        "prevention:event_create": Route(PAGE, "prevention", read=edit, method="post", write=edit,
                                         data=lambda w, s: {"title": "Taller", "topic": "ruta", "organiser": "ONG",
                                                            "starts_on": d(days_ago(3)), "ends_on": d(days_ago(3)),
                                                            "ubigeo": "080101", "modality": "in_person",
                                                            "score_max": 20}),
        "prevention:event_detail": Route(**ev, read=prevention_read,
                                         expect_markers=((Role.PREVENTION_OFFICER, "own", "trainee"),)),
        "prevention:participant_add": Route(**ev, read=None, method="post", write=prevention_edit,
                                           data=lambda w, s: {"full_name": "Otra Persona", "profession": "judge",
                                                              "sex": "female", "attended": "on"}),
        "prevention:event_import": Route(**ev, read=prevention_edit, method="post", write=prevention_edit,
                                         data=b_empty),
        "prevention:certificate_issue": Route(**cert, read=None, method="post", write=prevention_edit,
                                              data=b_empty, note="the certificate exists: issuing again changes "
                                                                 "nothing"),
        "prevention:certificate_pdf": Route(**cert, read=prevention_read),
        "prevention:verify": Route(PUBLIC),
        "prevention:campaign_list": Route(PAGE, "prevention", read=view),
        "prevention:campaign_create": Route(PAGE, "prevention", read=edit, method="post", write=edit,
                                            data=lambda w, s: {"name": "Otra campaña", "starts_on": d(days_ago(9)),
                                                               "ends_on": d(days_ago(8))}),
        "prevention:campaign_detail": Route(**camp, read=prevention_read),
        "prevention:reach_add": Route(**camp, read=None, method="post", write=prevention_edit,
                                      data=lambda w, s: {"channel": "tv", "people": "500", "method": "estimate",
                                                         "source": "Estimación propia"}),
        "prevention:family_list": Route(PAGE, "atrisk", read=families),
        "prevention:family_create": Route(PAGE, "atrisk", read=family_edit, method="post", write=family_edit,
                                          data=b_empty),
        "prevention:family_detail": Route(**fam, read=atrisk_read,
                                          expect_markers=((Role.PREVENTION_OFFICER, "own", "atrisk_family"),)),
        "prevention:alternative_add": Route(**fam, read=None, method="post", write=atrisk_edit,
                                            data=lambda w, s: {**child("alt")(w, s), "alt-kind": "schooling",
                                                               "alt-started_on": d(days_ago(150))}),
        "prevention:followup_add": Route(**fam, read=None, method="post", write=atrisk_edit,
                                         data=lambda w, s: {**child("fu")(w, s), "fu-milestone": "other",
                                                            "fu-done_on": d(days_ago(10)), "fu-in_school": "on"}),
        "api-training-list": Route(PAGE, "prevention", **api, read=view, method="post", write=edit,
                                   data=lambda w, s: {"title": "Taller", "topic": "ruta", "organiser": "ONG",
                                                      "starts_on": days_ago(3).isoformat(),
                                                      "ends_on": days_ago(3).isoformat(), "ubigeo": "080101"}),
        "api-training-detail": Route(**api_ev, read=prevention_read),
        "api-training-participants": Route(**api_ev, read=prevention_read, method="post", write=prevention_edit,
                                           data=lambda w, s: {"full_name": "Otra Persona", "profession": "judge"}),
        "api-campaign-list": Route(PAGE, "prevention", **api, read=view, method="post", write=edit,
                                   data=lambda w, s: {"name": "Otra", "starts_on": days_ago(9).isoformat(),
                                                      "ends_on": days_ago(8).isoformat()}),
        "api-campaign-detail": Route(**api_camp, read=prevention_read),
        "api-campaign-add-reach": Route(**api_camp, read=None, method="post", write=prevention_edit,
                                        data=lambda w, s: {"channel": "tv", "people": 500, "method": "estimate",
                                                           "source": "Estimación"}),
        "api-family-list": Route(PAGE, "atrisk", **api, read=families, method="post", write=family_edit,
                                 data=b_empty),
        "api-family-detail": Route(**api_fam, read=atrisk_read,
                                   expect_markers=((Role.PREVENTION_OFFICER, "own", "atrisk_family"),)),
        "api-family-alternatives": Route(**api_fam, read=None, method="post", write=atrisk_edit,
                                         data=lambda w, s: {"child": str(w.atrisk_child.uuid), "kind": "schooling",
                                                            "started_on": days_ago(150).isoformat()}),
        "api-family-follow-ups": Route(**api_fam, read=None, method="post", write=atrisk_edit,
                                       data=lambda w, s: {"child": str(w.atrisk_child.uuid), "milestone": "other",
                                                          "done_on": days_ago(10).isoformat(), "in_school": True}),
    }


def _linkage_routes() -> dict[str, Route]:
    return {
        "linkage:queue": Route(PAGE, read=_caps(C.LINKAGE_REVIEW), queries=({}, {"estado": "linked"})),
        "linkage:runs": Route(PAGE, read=_caps(C.LINKAGE_RUN), method="post", write=_caps(C.LINKAGE_RUN),
                              data=b_empty),
        "linkage:review": Route(RECORD, kwargs=lambda w, s: {"candidate_uuid": uuid.UUID(int=12)}, read=_never,
                                method="post", data=b_empty,
                                note="the world holds no pair to review: every role gets the refusal of a "
                                     "made-up pair (sistra/linkage/tests cover the pairs)"),
        "linkage:unmerge": Route(RECORD, "person", kwargs=k_person, read=None, method="post",
                                 data=lambda w, s: {"reason": "Prueba"},
                                 note="no person of the world is linked: an unmerge changes nothing"),
        # the review queue over the API (pseudonyms in the list; a pair's identities where the review page shows
        # them): the world holds no pair, so the record routes answer a made-up one with the same refusal
        "api-link-candidate-list": Route(PAGE, api=True, read=_caps(C.LINKAGE_REVIEW)),
        "api-link-candidate-detail": Route(RECORD, api=True, kwargs=lambda w, s: {"uuid": uuid.UUID(int=12)},
                                           read=_never),
        "api-link-candidate-decide": Route(RECORD, api=True, kwargs=lambda w, s: {"uuid": uuid.UUID(int=12)},
                                           read=None, method="post", data=b_empty),
    }


def _clinic_routes() -> dict[str, Route]:
    """The mobile clinic's pages are for its team (a health worker with a profession, sistra.clinic.access):
    the world has no clinic member, so every role gets 404 (a made-up record the same); sistra/clinic/tests
    prove who on the team sees what."""
    none = "no clinic team member in the world: 404 for everyone"

    def rec(name):
        return lambda w, s: {name: random_uuid()}

    api = {"api": True}
    return {
        "clinic:home": Route(PAGE, read=_never, note=none),
        "clinic:consultations": Route(PAGE, read=_never, note=none),
        "clinic:consultation_export": Route(PAGE, read=_never, note=none),
        "clinic:screening_detail": Route(RECORD, kwargs=rec("screening_uuid"), read=_never, note=none),
        "clinic:conflicts": Route(PAGE, read=_never, note=none),
        "clinic:conflict_resolve": Route(RECORD, kwargs=rec("conflict_uuid"), read=None, method="post",
                                         data=lambda w, s: {"keep": "client"}, note=none),
        "clinic:devices": Route(PAGE, read=_never, note=none),
        "clinic:device_revoke": Route(RECORD, kwargs=rec("device_uuid"), read=None, method="post", data=b_empty,
                                      note=none),
        "clinic:app": Route(PAGE, read=_never, note=none),
        "clinic:shell": Route(PAGE, read=_never, note=none),
        "clinic:service_worker": Route(PAGE, note="the service worker script: static code, no data"),
        "clinic:manifest": Route(PAGE, note="the web app manifest: static, no data"),
        "api-clinic-devices": Route(PAGE, **api, read=None, method="post", data=lambda w, s: {"name": "t"},
                                    note=none),
        "api-clinic-packet": Route(PAGE, **api, read=_never, note=none),
        "api-clinic-sync": Route(PAGE, **api, read=None, method="post", data=b_empty, note=none),
    }


def _deadlines_routes() -> dict[str, Route]:
    return {"deadlines:mine": Route(PAGE, "case", read=_caps(C.CASE_EDIT))}


ROUTES: dict[str, Route] = {
    **_account_routes(), **_cases_routes(), **_people_routes(), **_hotline_routes(), **_assistance_routes(),
    **_stats_routes(), **_audit_routes(), **_api_routes(), **_prevention_routes(), **_linkage_routes(),
    **_clinic_routes(), **_deadlines_routes(), **_return_routes(), **_useradmin_routes(), **_interop_routes(),
}


# ---------------------------------------------------------------------------------------------------------
# The resolver
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResolvedURL:
    key: str       # the URL name (namespaced); "name#2" for a second pattern of the same name
    name: str
    route: str     # the path pattern, prefixes included
    callback: object
    arguments: tuple[str, ...]


def resolver_urls() -> list[ResolvedURL]:
    """Every URL pattern the project serves, walking includes (DRF routers under /api/v1/ included). The
    admin is not installed in config/urls.py, so it is not here."""
    found: list[ResolvedURL] = []
    seen: dict[str, int] = {}

    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
                seen[name] = seen.get(name, 0) + 1
                key = name if seen[name] == 1 else f"{name}#{seen[name]}"
                arguments = tuple(sorted(set(p.pattern.regex.groupindex) | _prefix_groups(prefix)))
                found.append(ResolvedURL(key, name, route, p.callback, arguments))

    walk(get_resolver().url_patterns, "", None)
    return found


def _prefix_groups(prefix: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", prefix))


def random_uuid() -> str:
    return str(uuid.uuid4())
