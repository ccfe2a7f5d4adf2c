"""Synthetic consultations of the mobile clinic, for the statistics benchmark (`sistra seed --consultations`).

The same bulk path as the case seeder (sistra.cases.seed): everything generated in memory, written in
batches by its _Inserter (executemany on SQLite, COPY on PostgreSQL), one transaction per batch, no service
call per row. Persons get their match keys exactly as the case seeder writes them (match_key_rows). The rows
satisfy the database constraints and what the clinic's services check: vital signs inside VITAL_RANGES and
the diastolic below the systolic, CIE-10 codes of the shipped list, no future date, the professional's
profession allowed for the service, prenatal care only for women of childbearing age, the visit of the
patient's community, results of a screening with indicators when not "none", screenings only by the
screening professions. Screenings are never referred here (a referral goes through the assistance
services).

Deterministic for a given seed and `today`: the public UUIDs too are drawn from the seeded generator.
Audit: ONE summary row in the change history, as the case seeder writes."""

import datetime
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from sistra.accounts.models import Agency
from sistra.audit.models import ChangeEvent
from sistra.cases.seed import (
    FEMALE_NAMES,
    MALE_NAMES,
    SURNAME_WEIGHTS,
    SURNAMES,
    SeedError,
    _birth_date,
    _Inserter,
    _PersonPlan,
    _refresh_fk,
    _Uniques,
    match_key_rows,
    search_token_rows,
)
from sistra.core.models import Term
from sistra.people.models import IdentityDocument, Person, PersonMatchKey, PersonSearchToken

from . import cie10
from .access import SCREENING_PROFESSIONS, SERVICE_PROFESSIONS
from .models import ClinicMember, Consultation, Itinerary, Patient, Screening, Service, Visit
from .services import NO_NAME
from .testing import ensure_communities

TEAM = "caravana-de-la-vida"
DAYS = 730  # the last two years before `today`
STOP_DAYS = 2  # days the clinic stays in each community

SERVICE_WEIGHTS = [
    (Service.TRIAGE, 30),
    (Service.GENERAL, 30),
    (Service.PRENATAL, 8),
    (Service.FAMILY_PLANNING, 7),
    (Service.DENTAL, 15),
    (Service.LAB, 10),
]
# reason, CIE-10 codes (filtered against the shipped list at run time)
REASONS = {
    Service.TRIAGE: [
        ("Fiebre y malestar", ["R50"]),
        ("Control de funciones vitales", ["Z00"]),
        ("Dolor abdominal", ["R10"]),
        ("Cefalea", ["R51"]),
    ],
    Service.GENERAL: [
        ("Tos de más de una semana", ["J20"]),
        ("Diarrea", ["A09"]),
        ("Resfrío", ["J00"]),
        ("Dolor de garganta", ["J02", "J03"]),
        ("Dolor de espalda", ["M54"]),
        ("Presión alta", ["I10"]),
        ("Parásitos", ["B82", "B77"]),
        ("Anemia", ["D50"]),
        ("Lesiones de piel", ["L01", "L08"]),
        ("Ardor al orinar", ["N39"]),
        ("Fiebre tras picadura de zancudo", ["A90"]),
        ("Exposición a mercurio", ["T56"]),
    ],
    Service.PRENATAL: [
        ("Control prenatal", ["Z34"]),
        ("Control prenatal de alto riesgo", ["Z35"]),
        ("Infección urinaria en el embarazo", ["O23"]),
    ],
    Service.FAMILY_PLANNING: [("Consejería anticonceptiva", ["Z30"])],
    Service.DENTAL: [
        ("Dolor de muela", ["K02"]),
        ("Sangrado de encías", ["K05"]),
        ("Absceso dental", ["K04"]),
    ],
    Service.LAB: [
        ("Descarte de malaria", ["B51", "B50"]),
        ("Descarte de anemia", ["D50"]),
        ("Descarte de VIH y sífilis", ["Z01"]),
        ("Descarte de tuberculosis", ["A15"]),
    ],
}
LANGUAGES = [("spa", 70), ("que", 20), ("cni", 5), ("", 5)]
SCREENING_SHARE = 0.03  # of consultations by a screening profession's service, of patients 12 and older
RESULTS = [(Screening.Result.NONE, 85), (Screening.Result.POSSIBLE, 12), (Screening.Result.URGENT, 3)]
ACTIONS = {
    Screening.Result.NONE: "",
    Screening.Result.POSSIBLE: "Conversación en privado; se explicó la ruta de atención",
    Screening.Result.URGENT: "Se coordinó de inmediato con la ruta de atención",
}


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


@dataclass
class ClinicSeedResult:
    consultations: int
    patients: int
    visits: int
    screenings: int
    seconds: float
    batch_uuid: uuid.UUID | None = None

    @property
    def rate(self) -> float:
        return self.consultations / self.seconds if self.seconds else 0.0


def default_team() -> Agency | None:
    """The demo team, else the first health agency with a clinic team."""
    team = Agency.objects.filter(code=TEAM).first()
    if team is not None and ClinicMember.objects.filter(user__agency=team).exists():
        return team
    agency_id = (
        ClinicMember.objects.filter(user__agency__kind=Agency.Kind.HEALTH)
        .order_by("user__agency_id")
        .values_list("user__agency_id", flat=True)
        .first()
    )
    return Agency.objects.filter(pk=agency_id).first() if agency_id else None


class _Generator:
    def __init__(self, rng: random.Random, agency: Agency, today: datetime.date, uniques: _Uniques):
        self.rng, self.agency, self.today, self.uniques = rng, agency, today, uniques
        by_profession: dict[str, list[int]] = defaultdict(list)
        for user_id, profession in (
            ClinicMember.objects.filter(user__agency=agency, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", "profession")
        ):
            by_profession[profession].append(user_id)
        self.professionals = {
            service: sorted(u for p in SERVICE_PROFESSIONS[service] for u in by_profession.get(p, ()))
            for service in Service.values
        }
        self.services = [(s, w) for s, w in SERVICE_WEIGHTS if self.professionals[s]]
        if not self.services:
            raise SeedError("El equipo no tiene profesionales que registren consultas.")
        self.screeners = sorted(u for p in SCREENING_PROFESSIONS for u in by_profession.get(p, ()))
        self.registrar = (self.professionals[Service.TRIAGE] or self.professionals[self.services[0][0]])[0]
        known = cie10.codes()
        self.reasons = {
            service: [(r, [c for c in codes if c in known]) for r, codes in reasons]
            for service, reasons in REASONS.items()
        }
        terms = {t.code: t for t in Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE)}
        self.languages = [(terms.get(code), w) for code, w in LANGUAGES]
        # patients of each community so far, to come back to
        self.patients: dict[int, list[Patient]] = defaultdict(list)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def patient(self, community, day: datetime.date, *, female_adult: bool, plan: dict) -> Patient:
        rng = self.rng
        sex = Person.Sex.FEMALE if female_adult or rng.random() < 0.58 else Person.Sex.MALE
        age = (
            rng.randint(15, 44)
            if female_adult
            else _pick(rng, [(rng.randint(0, 11), 30), (rng.randint(12, 17), 15), (rng.randint(18, 80), 55)])
        )
        refused = rng.random() < 0.06
        documented = not refused and age >= 18 and rng.random() < 0.55
        names = FEMALE_NAMES if sex == Person.Sex.FEMALE else MALE_NAMES
        language = _pick(rng, self.languages)
        person = Person(
            uuid=self.uuid(),
            code=self.uniques.person_code(rng),
            owner_agency_id=self.agency.pk,
            created_by_id=self.registrar,
            first_names=NO_NAME if refused else rng.choice(names),
            last_name_paternal="" if refused else rng.choices(SURNAMES, SURNAME_WEIGHTS)[0],
            last_name_maternal="" if refused else rng.choices(SURNAMES, SURNAME_WEIGHTS)[0],
            sex=sex,
            date_of_birth=_birth_date(rng, age, day) if documented else None,
            estimated_age=None if documented else age,
            age_estimated_on=None if documented else day,
            nationality_id="PE",
        )
        person.refresh_keys()
        documents = []
        if documented:
            documents.append(
                IdentityDocument(
                    person=person,
                    kind=IdentityDocument.Kind.DNI,
                    number=self.uniques.document(rng, IdentityDocument.Kind.DNI),
                )
            )
        plan["persons"].append(_PersonPlan(person, documents, [language] if language else []))
        patient = Patient(
            uuid=self.uuid(),
            agency_id=self.agency.pk,
            person=person,
            community_id=community.pk,
            name_refused=refused,
            language=language,
            registered_on=day,
            registered_by_id=self.registrar,
        )
        patient._age, patient._sex = age, sex  # what the generator needs later, without a query
        plan["patients"].append(patient)
        self.patients[community.pk].append(patient)
        return patient

    def vitals(self, service: str, age: int) -> dict:
        rng = self.rng
        if service == Service.LAB or (service == Service.DENTAL and rng.random() < 0.7):
            return {"temperature_c": Decimal(f"{rng.uniform(36.0, 37.4):.1f}")}
        values = {
            "temperature_c": Decimal(
                f"{rng.uniform(35.8, 39.6) if rng.random() < 0.2 else rng.uniform(36.0, 37.4):.1f}"
            ),
            "heart_rate_bpm": rng.randint(60, 110) if age >= 12 else rng.randint(80, 140),
            "respiratory_rate": rng.randint(12, 24) if age >= 12 else rng.randint(18, 40),
            "spo2_pct": rng.randint(90, 100),
        }
        if age >= 12:
            systolic = rng.randint(95, 165)
            values["systolic_mmhg"] = systolic
            values["diastolic_mmhg"] = rng.randint(55, min(105, systolic - 20))
        if age < 2:
            weight, height = rng.uniform(3, 13), rng.uniform(48, 90)
        elif age < 12:
            weight, height = rng.uniform(11, 40), rng.uniform(85, 150)
        else:
            weight, height = rng.uniform(38, 95), rng.uniform(140, 185)
        values["weight_kg"] = Decimal(f"{weight:.2f}")
        values["height_cm"] = Decimal(f"{height:.1f}")
        return values

    def consultation(self, visit: Visit, community, day: datetime.date, plan: dict) -> None:
        rng = self.rng
        service = _pick(rng, self.services)
        needs_woman = service in (Service.PRENATAL, Service.FAMILY_PLANNING)
        known = self.patients[community.pk]
        patient = None
        if known and rng.random() >= 1 / 3:
            patient = known[rng.randrange(len(known))]
            if needs_woman and not (patient._sex == Person.Sex.FEMALE and 15 <= patient._age <= 49):
                service = Service.TRIAGE if self.professionals[Service.TRIAGE] else Service.GENERAL
                if not self.professionals[service]:
                    patient = None
                    service = _pick(rng, self.services)
        if patient is None:
            # registered on the first day of the stop: never after a consultation of the same stop
            patient = self.patient(community, visit.planned_on, female_adult=needs_woman, plan=plan)
        age = patient._age + (day - patient.registered_on).days // 365
        reason, codes = rng.choice(self.reasons[service])
        follow_up_on = day + datetime.timedelta(days=rng.choice([7, 15, 30])) if rng.random() < 0.2 else None
        plan["consultations"].append(
            Consultation(
                uuid=self.uuid(),
                agency_id=self.agency.pk,
                patient=patient,
                visit_id=visit.pk,
                community_id=community.pk,
                service=service,
                attended_on=day,
                professional_id=rng.choice(self.professionals[service]),
                reason=reason,
                diagnoses=codes,
                treatment="Según guía técnica del MINSA",
                follow_up="Control en el siguiente paso de la caravana" if follow_up_on else "",
                follow_up_on=follow_up_on,
                **self.vitals(service, age),
            )
        )
        if self.screeners and age >= 12 and rng.random() < SCREENING_SHARE:
            result = _pick(rng, RESULTS)
            indicators = []
            if result != Screening.Result.NONE:
                indicators = rng.sample(Screening.Indicator.values, rng.randint(1, 3))
            consent = (
                Screening.Consent.NOT_ASKED
                if result == Screening.Result.NONE
                else _pick(rng, [(Screening.Consent.GIVEN, 60), (Screening.Consent.REFUSED, 40)])
            )
            plan["screenings"].append(
                Screening(
                    uuid=self.uuid(),
                    agency_id=self.agency.pk,
                    patient=patient,
                    community_id=community.pk,
                    screened_on=day,
                    screened_by_id=rng.choice(self.screeners),
                    indicators=indicators,
                    result=result,
                    action=ACTIONS[result],
                    consent=consent,
                )
            )


def _visits(rng: random.Random, gen: _Generator, agency: Agency, communities, today: datetime.date):
    """One itinerary a month through every community over the two years before `today` (the stops that would
    fall after `today` are left out), written at once: a few hundred rows."""
    first = today - datetime.timedelta(days=DAYS)
    itineraries, stops = [], []
    month = first.replace(day=1)
    while month <= today:
        start = max(first, month + datetime.timedelta(days=rng.randint(0, 9)))
        planned = [
            (community, start + datetime.timedelta(days=i * STOP_DAYS))
            for i, community in enumerate(communities)
        ]
        planned = [(c, d) for c, d in planned if d <= today]
        if planned:
            itinerary = Itinerary(
                uuid=gen.uuid(),
                agency_id=agency.pk,
                name=f"Caravana — ruta {month:%Y-%m} (datos sintéticos)",
                starts_on=start,
                ends_on=planned[-1][1] + datetime.timedelta(days=STOP_DAYS - 1),
            )
            itineraries.append(itinerary)
            for community, day in planned:
                stops.append(
                    Visit(uuid=gen.uuid(), itinerary=itinerary, community_id=community.pk, planned_on=day)
                )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    insert = _Inserter()
    insert.objects(Itinerary, itineraries, with_ids=True)
    for visit in stops:
        _refresh_fk(visit, "itinerary")
        day = visit.planned_on
        arrived = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, rng.choice([0, 30]))))
        visit.arrived_at = arrived
        visit.departed_at = arrived + datetime.timedelta(days=STOP_DAYS - 1, hours=9)
    insert.objects(Visit, stops, with_ids=True)
    return stops


def _vacuum_written() -> None:
    """On PostgreSQL, the tables written vacuumed and analyzed, as the criminal-case seeder ends (sistra.demo.bulk):
    the patients' persons add ~11 word-index rows each, and until a vacuum sets their visibility map the name
    searches' index-only reads fetch each of those rows from the table. Inside a transaction (tests), only
    analyzed."""
    if connection.vendor != "postgresql":
        return
    models = (Person, IdentityDocument, PersonMatchKey, PersonSearchToken, Person.languages.through, Patient,
              Consultation, Screening, Visit)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def _write(plan: dict) -> None:
    insert = _Inserter()
    plans: list[_PersonPlan] = plan["persons"]
    insert.objects(Person, [p.person for p in plans], with_ids=True)
    insert.objects(IdentityDocument, [_refresh_fk(d, "person") for p in plans for d in p.documents])
    insert.tuples(PersonMatchKey, ("person_id", "key"), match_key_rows(plans))
    insert.tuples(PersonSearchToken, ("person_id", "token"), search_token_rows(plans))
    insert.tuples(
        Person.languages.through,
        ("person_id", "term_id"),
        [(p.person.pk, t.pk) for p in plans for t in p.languages],
    )
    insert.objects(Patient, [_refresh_fk(p, "person") for p in plan["patients"]], with_ids=True)
    insert.objects(Consultation, [_refresh_fk(c, "patient") for c in plan["consultations"]])
    insert.objects(Screening, [_refresh_fk(s, "patient") for s in plan["screenings"]])


def seed_consultations(
    *,
    count: int,
    seed: int | None = None,
    today: datetime.date | None = None,
    agency: Agency | None = None,
    batch_size: int = 5000,
    actor=None,
    progress: Callable[[int, int, float], None] | None = None,
) -> ClinicSeedResult:
    """Create `count` consultations of the clinic team `agency` (default: the demo's Caravana de la Vida)
    over the two years before `today` (default: today in Lima), with their patients (about one per three
    consultations), the Madre de Dios communities when missing, a monthly itinerary with its visits, and
    a small share of trafficking screenings."""
    if count < 0:
        raise SeedError("El número de consultas no puede ser negativo.")
    if batch_size < 1:
        raise SeedError("El tamaño de lote debe ser mayor que cero.")
    agency = agency or default_team()
    if agency is None:
        raise SeedError(
            "No hay un equipo de la clínica móvil: ejecute «sistra demo --no-serve» o cree un equipo con "
            "sus integrantes."
        )
    started = time.perf_counter()
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        communities = ensure_communities(agency)
        generator = _Generator(rng, agency, today, _Uniques())
        visits = _visits(rng, generator, agency, communities, today) if count else []
    by_pk = {c.pk: c for c in communities}
    # consultations per stop, proportional to the community's population, in the order the stops happened
    weights = [by_pk[v.community_id].population or 1000 for v in visits]
    per_visit = [0] * len(visits)
    for i in rng.choices(range(len(visits)), weights, k=count) if visits else ():
        per_visit[i] += 1
    done = patients = screenings = 0
    plan: dict[str, list] = {"persons": [], "patients": [], "consultations": [], "screenings": []}

    def flush() -> None:
        nonlocal patients, screenings, plan
        with transaction.atomic():
            _write(plan)
        patients += len(plan["patients"])
        screenings += len(plan["screenings"])
        plan = {"persons": [], "patients": [], "consultations": [], "screenings": []}
        if progress:
            progress(done, count, time.perf_counter() - started)

    for visit, n in zip(visits, per_visit, strict=True):
        community = by_pk[visit.community_id]
        for _ in range(n):
            day = visit.planned_on + datetime.timedelta(days=rng.randrange(STOP_DAYS))
            generator.consultation(visit, community, min(day, today), plan)
            done += 1
            if len(plan["consultations"]) >= batch_size:
                flush()
    if plan["consultations"]:
        flush()
    _vacuum_written()
    batch_uuid = uuid.uuid4()
    ChangeEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_agency_id=getattr(actor, "agency_id", None),
        action=ChangeEvent.Action.CREATE,
        kind=ChangeEvent.Kind.CREATED,
        model="clinic.consultation",
        object_uuid=None,
        root_model="clinic.seed",
        root_uuid=batch_uuid,
        summary=f"Carga de datos sintéticos: {count} consultas, {patients} pacientes"[:200],
        after={
            "consultations": count,
            "patients": patients,
            "screenings": screenings,
            "seed": seed,
            "team": agency.code,
        },
    )
    return ClinicSeedResult(
        consultations=count,
        patients=patients,
        visits=len(visits),
        screenings=screenings,
        seconds=time.perf_counter() - started,
        batch_uuid=batch_uuid,
    )
