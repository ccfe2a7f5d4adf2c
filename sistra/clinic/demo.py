"""Demo data of the mobile clinic (`make demo`): the Caravana de la Vida team with one user per profession,
the Madre de Dios communities, a past itinerary through Huepetuhe, Delta 1, Mazuko, La Pampa and Laberinto
with its visits, patients and consultations (and a few screenings, one referred to MIMP), and a current
itinerary for the offline app. Idempotent: a second run creates nothing."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User

from . import services
from .models import Itinerary, Profession
from .testing import ensure_communities, ensure_itinerary, ensure_member

TEAM = "caravana-de-la-vida"
# username, profession, first name, last name; "salud" already exists in the core demo: the team's doctor
MEMBERS = [
    ("salud", Profession.DOCTOR, "Edwin", "Condori Apaza"),
    ("clinica.obstetra", Profession.OBSTETRICIAN, "Yolanda", "Huillca Mamani"),
    ("clinica.odontologo", Profession.DENTIST, "Raúl", "Ccori Quispe"),
    ("clinica.enfermera", Profession.NURSE, "Maribel", "Apaza Choque"),
    ("clinica.laboratorio", Profession.LAB_TECH, "Jhon", "Vilca Ramos"),
    ("clinica.conductor", Profession.DRIVER, "Percy", "Tito Huamán"),
    ("clinica.promotor", Profession.PROMOTER, "Nélida", "Cusi Flores"),
]
FIRST = [
    "Rosa",
    "María",
    "Juana",
    "Lucía",
    "Carmen",
    "Elena",
    "José",
    "Luis",
    "Pedro",
    "Marco",
    "Yeni",
    "Kelly",
]
LAST = ["Huamán", "Quispe", "Mamani", "Condori", "Apaza", "Choque", "Flores", "Ramos", "Vargas", "Ccama"]
REASONS = [
    ("triaje", "Fiebre y malestar", ["R50"]),
    ("medicina_general", "Tos de más de una semana", ["J20"]),
    ("medicina_general", "Diarrea", ["A09"]),
    ("control_prenatal", "Control prenatal", ["Z34"]),
    ("planificacion_familiar", "Consejería anticonceptiva", ["Z30"]),
    ("odontologia", "Dolor de muela", ["K02"]),
    ("laboratorio", "Descarte de malaria", ["B51"]),
    ("medicina_general", "Cefalea", ["R51"]),
]
BY_SERVICE = {
    "triaje": Profession.NURSE,
    "medicina_general": Profession.DOCTOR,
    "control_prenatal": Profession.OBSTETRICIAN,
    "planificacion_familiar": Profession.OBSTETRICIAN,
    "odontologia": Profession.DENTIST,
    "laboratorio": Profession.LAB_TECH,
}


def _users(agency) -> dict:
    """The team's users come from the core demo (sistra.core.demo.USERS); here each gets her profession."""
    users = {}
    for username, profession, _first, _last in MEMBERS:
        user = User.objects.filter(username=username, agency=agency, role=Role.HEALTH_WORKER).first()
        if user is not None:
            ensure_member(user, profession, is_supervisor=profession == Profession.DOCTOR)
            users[profession] = user
    return users


@transaction.atomic
def load_clinic_demo(*, seed: int = 2026) -> int:
    """Returns the number of consultations created (0 when the demo was already loaded)."""
    agency = Agency.objects.filter(code=TEAM).first()
    if agency is None:
        return 0
    users = _users(agency)
    if len(users) < len(MEMBERS):
        return 0
    communities = ensure_communities(agency)
    today = timezone.localdate()
    past_name = "Caravana — ruta Interoceánica (visita pasada)"
    if Itinerary.objects.filter(agency=agency, name=past_name).exists():
        return 0
    start = today - datetime.timedelta(days=40)
    past = ensure_itinerary(
        agency,
        name=past_name,
        starts_on=start,
        members=list(users.values()),
        communities=communities,
        days_per_stop=2,
    )
    ensure_itinerary(
        agency,
        name="Caravana — ruta Interoceánica (en curso)",
        starts_on=today - datetime.timedelta(days=1),
        members=list(users.values()),
        communities=communities,
        days_per_stop=2,
    )
    rng = random.Random(seed)
    created = 0
    screened = []
    for visit in past.visits.select_related("community"):
        day = visit.planned_on
        patients = []
        for _i in range(rng.randint(6, 10)):
            refuses = rng.random() < 0.1
            patient = services.patient_register(
                actor=users[Profession.NURSE],
                community=visit.community,
                registered_on=day,
                name_refused=refuses,
                first_names="" if refuses else rng.choice(FIRST),
                last_name_paternal="" if refuses else rng.choice(LAST),
                last_name_maternal="" if refuses else rng.choice(LAST),
                sex=rng.choice(["female", "male"]),
                estimated_age=rng.randint(1, 70),
                language=rng.choice(["spa", "spa", "que", "cni"]),
            )
            patients.append(patient)
            service, reason, codes = rng.choice(REASONS)
            services.consultation_record(
                actor=users[BY_SERVICE[service]],
                patient=patient,
                service=service,
                attended_on=day,
                reason=reason,
                diagnoses=codes,
                temperature_c=str(round(rng.uniform(36.0, 38.9), 1)),
                heart_rate_bpm=rng.randint(60, 110),
                treatment="Según guía MINSA",
            )
            created += 1
        adults = [p for p in patients if (p.person.age_on(day) or 0) >= 18]
        if adults:
            screened.append(
                services.screening_record(
                    actor=users[Profession.NURSE], patient=adults[0], screened_on=day, result="none"
                )
            )
        arrived = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 30)))
        services.visit_update(
            actor=users[Profession.NURSE],
            visit=visit,
            fields={
                "arrived_at": arrived,
                "departed_at": arrived + datetime.timedelta(hours=8),
                "patients_seen": len(patients),
                "incidents": "",
            },
        )
    mimp = Agency.objects.filter(code="mimp").first()
    mazuko_adults = [
        p
        for p in past.visits.get(community__name="Mazuko").community.patients.all()
        if not p.name_refused and (p.person.age_on(today) or 0) >= 18
    ]
    if mimp is not None and mazuko_adults:
        patient = mazuko_adults[0]
        screening = services.screening_record(
            actor=users[Profession.NURSE],
            patient=patient,
            screened_on=start + datetime.timedelta(days=4),
            result="possible",
            indicators=["deceit", "debt", "documents"],
            consent="given",
            action="Conversación en privado; se explicó la ruta de atención",
        )
        services.screening_refer(actor=users[Profession.NURSE], screening=screening, to_agency=mimp)
    return created
