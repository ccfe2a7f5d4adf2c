"""Synthetic but realistic Peruvian trafficking cases, for the demo and for benchmarks.

Fast enough for 300,000 cases in minutes: everything is generated in memory and written in batches
(executemany on SQLite, COPY on PostgreSQL: see _Inserter), one transaction per batch — no per-row
service calls. The rows still satisfy every database constraint and the invariants the services enforce (sistra.cases.services): charges cite the article
version in force on the offence date, a sentence or reparation only with a conviction, no future dates,
dates in order, a CaseEvent for every stage change that follows ProceduralStage.next_stages, the status
that the stage implies, has_minor_victim true exactly when a victim is a minor, departamento_code of every
place filled as place_add does. The persons are invented: names drawn from common Peruvian first names and
surnames, DNIs with the valid 8-digit format, unique.

Audit: a seed writes ONE summary row in the change history (who, how many, which seed), never one row per
record — the data is synthetic and nobody edited it.
"""

import datetime
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User
from sistra.audit.models import ChangeEvent
from sistra.core.crypto import BlindIndexField, Encrypted, fill_indexes
from sistra.core.models import Country, PenalArticle, ProceduralStage, Term, Ubigeo
from sistra.core.selectors import stage_term
from sistra.core.text import normalize
from sistra.people.indexes import person_word_tokens
from sistra.people.matching.registry import person_features, stored_keys
from sistra.people.models import IdentityDocument, Person, PersonMatchKey, PersonSearchToken

from .models import Case, CaseDefendant, CaseEvent, CasePlace, CaseVictim, Charge, exploitation_key
from .services import ARCHIVE_STAGE, CLOSING_STAGES, INITIAL_STAGE, _victim_is_minor

FIRST_YEAR = 2009
# Before this, charges could not cite Ley 28950 (in force since 16/01/2007).
EARLIEST_FACTS = datetime.date(2007, 2, 1)

FEMALE_NAMES = """
    María Rosa Juana Carmen Luz Ana Milagros Yesenia Flor Gladys Maribel Lucía Nely Sonia Ruth Elizabeth
    Diana Karina Roxana Yolanda Norma Vilma Katherine Fiorella Daysi Yessica Silvia Marleni Sheyla
    Jhoselyn Valeria Camila Nayeli Dayana Luzmila Edith Nancy Soledad Hilda Rocío Melissa Yaneth Marisol
    Delia Celia Brenda Angélica Kiara Alexandra Mayra
""".split()
MALE_NAMES = """
    José Juan Luis Carlos Jorge Miguel Víctor Pedro Julio César Edwin Wilber Percy Wilfredo Fredy Alex
    Jhon Richard Raúl Hugo Marco Ronald Elmer Hernán Rubén Yony Ángel Franklin Roberto Jesús Walter
    Néstor Teodoro Alberto Eduardo Samuel Javier Abel Efraín Saúl Rolando Rodolfo
""".split()
SURNAMES = """
    Quispe Mamani Huamán Flores Condori Chávez Rojas Ramos Torres García Mendoza Vargas Castillo
    Gutiérrez Apaza Ccama Choque Huanca Cruz Díaz Sánchez Pérez Gonzales Rodríguez López Ccahuana
    Huillca Cusi Pari Tito Coaquira Ticona Cárdenas Espinoza Salazar Paredes Romero Medina Aguilar
    Vásquez Ríos Soto Yupanqui Palomino Zapata Inca Ccori Puma Chambi Luque Arévalo Tuanama Sangama
    Panduro Shupingahua Ahuanari Pizango Tapullima
""".split()
# The most common surnames are drawn more often, as in any real register.
SURNAME_WEIGHTS = [max(1, 30 - i) for i in range(len(SURNAMES))]
FOREIGN_SURNAMES = """
    Rodríguez González Hernández Pérez García Martínez López Díaz Morales Rivas Suárez Guzmán Acosta
    Contreras Medina Herrera Jiménez Castro
""".split()
# Nationalities of victims: mostly Peruvian, Venezuelan since 2017, some from neighbours.
FOREIGN_NATIONALITIES = [("VE", 60), ("BO", 15), ("CO", 15), ("EC", 10)]
DESTINATION_COUNTRIES = [("AR", 30), ("CL", 25), ("ES", 20), ("US", 15), ("JP", 10)]

# Departments (INEI 2-digit codes).
AMAZONAS, APURIMAC, AREQUIPA, CUSCO, LIMA, LORETO, MADRE_DE_DIOS, PUNO, TACNA, UCAYALI = (
    "01",
    "03",
    "04",
    "08",
    "15",
    "16",
    "17",
    "21",
    "23",
    "25",
)
DEPARTMENT_NAMES = {
    "01": "Amazonas",
    "02": "Áncash",
    "03": "Apurímac",
    "04": "Arequipa",
    "05": "Ayacucho",
    "06": "Cajamarca",
    "07": "Callao",
    "08": "Cusco",
    "09": "Huancavelica",
    "10": "Huánuco",
    "11": "Ica",
    "12": "Junín",
    "13": "La Libertad",
    "14": "Lambayeque",
    "15": "Lima",
    "16": "Loreto",
    "17": "Madre de Dios",
    "18": "Moquegua",
    "19": "Pasco",
    "20": "Piura",
    "21": "Puno",
    "22": "San Martín",
    "23": "Tacna",
    "24": "Tumbes",
    "25": "Ucayali",
}
DESTINATION_DISTRICTS = {
    MADRE_DE_DIOS: ["huepetuhe", "inambari", "laberinto", "madre de dios", "tambopata"],
    LIMA: [
        "lima",
        "san juan de lurigancho",
        "la victoria",
        "san martin de porres",
        "comas",
        "ate",
        "villa el salvador",
        "los olivos",
        "independencia",
        "chorrillos",
    ],
    AREQUIPA: ["arequipa", "cerro colorado", "chala", "camana", "caraveli"],
    TACNA: ["tacna", "gregorio albarracin lanchipa", "ciudad nueva"],
    CUSCO: ["cusco", "wanchaq", "santiago", "santa ana", "camanti", "sicuani"],
    PUNO: ["juliaca", "puno", "ananea", "desaguadero"],
    LORETO: ["iquitos", "punchana", "belen", "yurimaguas"],
    UCAYALI: ["calleria", "yarinacocha", "manantay"],
}
TRANSIT = {
    MADRE_DE_DIOS: [(CUSCO, "camanti"), (MADRE_DE_DIOS, "inambari"), (PUNO, "juliaca")],
    LIMA: [(UCAYALI, "calleria"), ("22", "tarapoto"), ("10", "huanuco")],
    "abroad": [(TACNA, "tacna"), (PUNO, "desaguadero"), ("24", "zarumilla"), (LIMA, "callao")],
}

# How a case moves on from each stage: weights of the next stages ("" = it stays where it is) and the days
# spent in the stage. Tuned so that about 60% of the cases end archived, most of the rest are still in
# preliminary or preparatory investigation, and a few per cent reach a sentence (Public Ministry, 2009-2017).
STAGE_PLAN: dict[str, tuple[dict[str, int], tuple[int, int]]] = {
    "denuncia": ({"diligencias_preliminares": 91, "archivo": 7, "": 2}, (0, 20)),
    "diligencias_preliminares": (
        {"archivo": 57, "investigacion_preparatoria": 23, "acusacion_directa": 2, "": 18},
        (45, 420),
    ),
    "investigacion_preparatoria": (
        {"etapa_intermedia": 40, "archivo": 22, "terminacion_anticipada": 8, "": 30},
        (120, 600),
    ),
    "acusacion_directa": ({"etapa_intermedia": 80, "": 20}, (20, 120)),
    "etapa_intermedia": ({"juicio_oral": 55, "archivo": 22, "": 23}, (60, 300)),
    "juicio_oral": ({"sentencia": 70, "conclusion_anticipada": 10, "": 20}, (60, 365)),
    "terminacion_anticipada": ({"sentencia": 90, "": 10}, (15, 90)),
    "conclusion_anticipada": ({"sentencia": 95, "": 5}, (1, 30)),
}
AFTER_SENTENCE = {
    # convicted?: stage → weights
    True: {
        "sentencia": {"apelacion": 45, "ejecucion": 40, "": 15},
        "apelacion": {"ejecucion": 55, "casacion": 20, "": 25},
        "casacion": {"ejecucion": 70, "": 30},
    },
    False: {
        "sentencia": {"apelacion": 35, "archivo": 30, "": 35},
        "apelacion": {"archivo": 40, "casacion": 10, "": 50},
        "casacion": {"archivo": 60, "": 40},
    },
}
AFTER_SENTENCE_DAYS = {"sentencia": (30, 200), "apelacion": (90, 365), "casacion": (180, 720)}
EARLY_CONVICTION = {"terminacion_anticipada", "conclusion_anticipada"}

SOURCES = [
    (Case.Source.POLICE, 45),
    (Case.Source.DIRECT, 20),
    (Case.Source.REFERRAL, 15),
    (Case.Source.HOTLINE, 10),
    (Case.Source.EX_OFFICIO, 10),
]
RELATIONS = [
    (CaseVictim.Relation.FRIEND, 25),
    (CaseVictim.Relation.STRANGER, 20),
    (CaseVictim.Relation.EMPLOYER, 20),
    (CaseVictim.Relation.FAMILY, 15),
    (CaseVictim.Relation.PARTNER, 8),
    (CaseVictim.Relation.UNKNOWN, 12),
]

# Forms of exploitation (Term codes of the exploitation vocabulary, with weights), grouped by what drives
# the victims' profile. Codes missing from the vocabulary are skipped; a category with none left falls back
# to whatever leaf term exists.
CATEGORY_TERMS = {
    "sexual": {"explotacion_sexual": 1},
    "labour": {
        "laboral_mineria": 4,
        "laboral_forestal": 2,
        "laboral_agricultura": 3,
        "laboral_pesca": 1,
        "laboral_construccion": 1,
        "laboral_comercio_ambulatorio": 2,
        "child_labour": 1,
    },
    "domestic": {"servidumbre_domestica": 1},
    "begging": {"mendicidad": 1},
    "other": {"criminalidad_forzada": 3, "venta_ninos": 1, "matrimonio_forzado": 1, "otras": 1},
}
# Which labour is found where: gold mining in Madre de Dios and Puno, logging in the Amazon.
LABOUR_BY_DESTINATION = {
    MADRE_DE_DIOS: {"laboral_mineria": 30, "laboral_forestal": 4},
    PUNO: {"laboral_mineria": 12},
    LORETO: {"laboral_forestal": 8},
    UCAYALI: {"laboral_forestal": 8},
}
CONTROL_WEIGHTS = {
    "debt_bondage": 4,
    "false_promises": 4,
    "withholds_documents": 3,
    "psychological_abuse": 3,
    "physical_threats": 2,
    "takes_earnings": 3,
    "excessive_working_hours": 2,
    "threatens_children_family": 2,
    "psychoactive_substance": 1,
}
RECRUITMENT_WEIGHTS = {
    "through_friends_or_social_events": 5,
    "through_online_social_networks": 4,
    "through_family_or_family_events": 3,
    "at_work": 2,
    "through_an_online_advertisement": 2,
    "through_a_newspaper_advert": 2,
    "at_a_place_of_business": 1,
}
ROLE_WEIGHTS = {
    "recruiter_or_intermediary": 8,
    "exploiter": 6,
    "transporter": 3,
    "harboured_individual": 2,
    "controlled_individual": 2,
    "received_individual": 1,
    "travelling_partner": 1,
}
CATEGORY_LABEL = {
    "sexual": "explotación sexual",
    "labour": "explotación laboral",
    "domestic": "servidumbre doméstica",
    "begging": "mendicidad",
    "other": "otras formas de explotación",
}
# (sex female %, [(min age, max age, weight)])
CATEGORY_PROFILE = {
    "sexual": (92, [(13, 17, 55), (18, 29, 45)]),
    "labour": (30, [(14, 17, 30), (18, 45, 70)]),
    "domestic": (85, [(12, 17, 50), (18, 35, 50)]),
    "begging": (50, [(6, 15, 80), (16, 60, 20)]),
    "other": (60, [(14, 17, 25), (18, 40, 75)]),
}


@dataclass
class Route:
    name: str
    origins: list[str]  # departments
    destination: str  # a department code, or "abroad"
    forms: dict[str, int]
    weight: int


def routes_for(dep: str) -> list[Route]:
    """The trafficking flows a fiscalía of department `dep` typically handles."""
    local_forms = {"sexual": 55, "labour": 30, "domestic": 10, "begging": 5}
    abroad = {"sexual": 50, "labour": 40, "domestic": 10}
    mining = {"labour": 55, "sexual": 45}
    if dep == MADRE_DE_DIOS:
        return [
            Route("mineria", [CUSCO, PUNO, APURIMAC], MADRE_DE_DIOS, mining, 70),
            Route("local", [MADRE_DE_DIOS], MADRE_DE_DIOS, local_forms, 30),
        ]
    if dep in (CUSCO, PUNO, APURIMAC):
        return [
            Route("mineria", [dep], MADRE_DE_DIOS, mining, 40),
            Route("local", [dep], dep, local_forms, 35),
            Route("a-lima", [dep], LIMA, {"domestic": 40, "sexual": 40, "labour": 20}, 10),
            Route("exterior", [dep], "abroad", abroad, 15),
        ]
    if dep == LIMA:
        return [
            Route("amazonia-lima", [LORETO, UCAYALI], LIMA, {"sexual": 60, "domestic": 25, "labour": 15}, 35),
            Route("lima-sur", [LIMA], AREQUIPA, {"sexual": 60, "labour": 40}, 8),
            Route("lima-tacna", [LIMA], TACNA, {"sexual": 70, "labour": 30}, 7),
            Route("sur-lima", [AREQUIPA, TACNA], LIMA, {"sexual": 60, "labour": 40}, 15),
            Route("local", [LIMA], LIMA, local_forms, 20),
            Route("exterior", [LIMA], "abroad", abroad, 15),
        ]
    if dep in (LORETO, UCAYALI):
        return [
            Route("amazonia-lima", [dep], LIMA, {"sexual": 60, "domestic": 25, "labour": 15}, 50),
            Route("local", [dep], dep, local_forms, 50),
        ]
    if dep in (AREQUIPA, TACNA):
        return [
            Route("sur-lima", [dep], LIMA, {"sexual": 60, "labour": 40}, 30),
            Route("lima-sur", [LIMA], dep, {"sexual": 60, "labour": 40}, 25),
            Route("local", [dep], dep, local_forms, 30),
            Route("exterior", [dep], "abroad", abroad, 15),
        ]
    return [
        Route("local", [dep], dep, local_forms, 60),
        Route("a-lima", [dep], LIMA, {"sexual": 50, "domestic": 30, "labour": 20}, 25),
        Route("exterior", [dep], "abroad", abroad, 15),
    ]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def _birth_date(rng: random.Random, age: int, on: datetime.date) -> datetime.date:
    """A birth date on which the person is exactly `age` years old on `on`."""
    try:
        latest = on.replace(year=on.year - age)
    except ValueError:  # 29 February
        latest = on.replace(year=on.year - age, day=28)
    return latest - datetime.timedelta(days=rng.randint(0, 364))


@dataclass
class SeedResult:
    cases: int
    persons: int
    seconds: float
    batch_uuid: uuid.UUID | None = None
    fiscalias: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


class SeedError(Exception):
    """The database lacks what the seeder needs (reference data, fiscalías)."""


class _Reference:
    """Everything the generator draws from, loaded once."""

    def __init__(self, fiscalias: list[Agency], today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        self.stages = {s.code: s for s in ProceduralStage.objects.all()}
        if INITIAL_STAGE not in self.stages:
            raise SeedError("Faltan las etapas procesales: aplique las migraciones (sistra migrate).")
        self.prosecutors: dict[int, list[int]] = defaultdict(list)
        for user_id, agency_id in (
            User.objects.filter(role=Role.PROSECUTOR, is_active=True, agency__in=fiscalias)
            .order_by("pk")
            .values_list("pk", "agency_id")
        ):
            self.prosecutors[agency_id].append(user_id)
        self.next_stages: dict[str, set[str]] = defaultdict(set)
        through = ProceduralStage.next_stages.through
        for src, dst in through.objects.values_list("from_proceduralstage_id", "to_proceduralstage_id"):
            self.next_stages[src].add(dst)
        self.articles = list(
            PenalArticle.objects.filter(is_trafficking=True).order_by("valid_from", "article")
        )
        if not self.articles:
            raise SeedError("Faltan los artículos penales de trata de personas: aplique las migraciones.")
        self.earliest_facts = max(EARLIEST_FACTS, min(a.valid_from for a in self.articles))
        terms = defaultdict(list)
        for term in Term.objects.filter(is_active=True).select_related("parent").order_by(
            "vocabulary", "sort_order", "code"
        ):
            terms[term.vocabulary].append(term)
        self.exploitation_terms = {t.code: t for t in terms[Term.Vocabulary.EXPLOITATION]}
        self.exploitation = self._exploitation_by_category(terms[Term.Vocabulary.EXPLOITATION])
        self.control = terms[Term.Vocabulary.CONTROL]
        self.control_weights = [CONTROL_WEIGHTS.get(t.code, 1) for t in self.control]
        self.recruitment = terms[Term.Vocabulary.RECRUITMENT]
        self.recruitment_weights = [RECRUITMENT_WEIGHTS.get(t.code, 1) for t in self.recruitment]
        self.perpetrator_roles = terms[Term.Vocabulary.PERPETRATOR_ROLE]
        self.role_weights = [ROLE_WEIGHTS.get(t.code, 1) for t in self.perpetrator_roles]
        languages = {t.code: t for t in terms[Term.Vocabulary.LANGUAGE]}
        self.quechua, self.aymara = languages.get("que"), languages.get("aym")
        # related offences (explotación sexual, trabajo forzoso…) charged beside trafficking in some cases
        self.related_articles = [
            (a, normalize(a.title_es))
            for a in PenalArticle.objects.filter(is_trafficking=False).order_by("valid_from")
        ]
        self.aggravated = {a.pk for a in self.articles if "agravad" in normalize(a.title_es)}
        countries = set(Country.objects.values_list("code", flat=True))
        if "PE" not in countries:
            raise SeedError("Faltan los países: aplique las migraciones (sistra migrate).")
        self.foreign_nationalities = [(c, w) for c, w in FOREIGN_NATIONALITIES if c in countries]
        self.destination_countries = [(c, w) for c, w in DESTINATION_COUNTRIES if c in countries]
        self.country_names = dict(
            Country.objects.filter(code__in=[c for c, _w in self.destination_countries]).values_list(
                "code", "name_es"
            )
        )
        self.districts: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for code, name, dep in Ubigeo.objects.filter(level=Ubigeo.Level.DISTRITO).values_list(
            "code", "name", "departamento_code"
        ):
            self.districts[dep].append((code, normalize(name)))
        if not self.districts:
            raise SeedError("Falta el ubigeo: aplique las migraciones.")
        self.fiscalias = []
        for agency in fiscalias:
            df = agency.distrito_fiscal
            if df is None:
                raise SeedError(f"La fiscalía {agency.code} no tiene distrito fiscal.")
            dep = df.departamento.departamento_code
            routes = [
                r
                for r in routes_for(dep)
                if all(self.districts.get(o) for o in r.origins)
                and (
                    r.destination == "abroad"
                    and self.destination_countries
                    or self.districts.get(r.destination)
                )
            ]
            if not routes:
                raise SeedError(f"No hay ubigeos para los casos de la fiscalía {agency.code}.")
            self.fiscalias.append((agency, df, routes))

    @staticmethod
    def _exploitation_by_category(terms: list[Term]) -> dict[str, dict[str, int]]:
        """Category → {term code: weight}, limited to the codes the vocabulary has."""
        codes = {t.code for t in terms}
        parents = {t.parent_id for t in terms if t.parent_id}
        leaves = {t.code: 1 for t in terms if t.pk not in parents}
        found = {}
        for category, weights in CATEGORY_TERMS.items():
            found[category] = {c: w for c, w in weights.items() if c in codes} or leaves
        return found

    def exploitation_weights(self, category: str, destination: str) -> tuple[list[Term], list[int]]:
        weights = dict(self.exploitation.get(category, {}))
        if category == "labour":
            for code, extra in LABOUR_BY_DESTINATION.get(destination, {}).items():
                if code in weights:
                    weights[code] += extra
        terms = [self.exploitation_terms[c] for c in weights]
        return terms, list(weights.values())

    def district(self, rng: random.Random, dep: str, *, preferred: bool) -> str:
        options = self.districts[dep]
        if preferred and dep in DESTINATION_DISTRICTS:
            names = DESTINATION_DISTRICTS[dep]
            named = [code for code, name in options if name in names]
            if named and rng.random() < 0.85:
                return rng.choice(named)
        return rng.choice(options)[0]

    def named_district(self, rng: random.Random, dep: str, name: str) -> str | None:
        for code, district_name in self.districts.get(dep, ()):
            if district_name == name:
                return code
        return self.district(rng, dep, preferred=True) if self.districts.get(dep) else None

    def articles_in_force(self, day: datetime.date) -> list[PenalArticle]:
        return [a for a in self.articles if a.in_force_on(day)]


class _Uniques:
    """Person codes, DNIs and other document numbers already used, so a new one never collides (the
    random public code has 32^8 values: at a million persons a collision is likely without this check)."""

    def __init__(self):
        self.codes = set(Person.objects.values_list("code", flat=True).iterator(chunk_size=20000))
        self.documents = set(
            IdentityDocument.objects.values_list("kind", "number").iterator(chunk_size=20000)
        )

    def person_code(self, rng: random.Random) -> str:
        alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            code = "P-" + "".join(rng.choices(alphabet, k=8))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def document(self, rng: random.Random, kind: str) -> str:
        while True:
            if kind == IdentityDocument.Kind.DNI:
                number = f"{rng.randint(10000000, 79999999)}"
            elif kind == IdentityDocument.Kind.PASSPORT:
                number = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randint(10000000, 99999999)}"
            else:
                number = f"{rng.randint(1000000, 999999999):09d}"
            if (kind, number) not in self.documents:
                self.documents.add((kind, number))
                return number


@dataclass
class _PersonPlan:
    person: Person
    documents: list[IdentityDocument]
    languages: list[Term]


class _Generator:
    def __init__(self, rng: random.Random, ref: _Reference, uniques: _Uniques, used_numbers):
        self.rng = rng
        self.ref = ref
        self.uniques = uniques
        self.used_numbers = used_numbers  # fiscalía id → set of numbers
        self.counters: dict[tuple[int, int], int] = defaultdict(int)
        years = list(range(FIRST_YEAR, ref.today.year + 1))
        # complaints grow over the years (more awareness, the hotline, more FISTRAP offices)
        self.years = years
        self.year_weights = [1 + 0.12 * i for i in range(len(years))]

    # -- people ----------------------------------------------------------------------------------------------

    def person(
        self,
        *,
        owner,
        sex: str,
        age: int | None,
        age_on: datetime.date,
        complaint: datetime.date,
        nationality: str,
        origin_ubigeo: str | None,
    ) -> _PersonPlan:
        """A person aged `age` on `age_on` (None: unknown), as known when the complaint was filed."""
        rng = self.rng
        foreign = nationality != "PE"
        names = FEMALE_NAMES if sex == Person.Sex.FEMALE else MALE_NAMES
        first = rng.choice(names)
        if rng.random() < 0.4:
            second = rng.choice(names)
            if second != first:
                first = f"{first} {second}"
        if foreign:
            paternal, maternal = rng.choice(FOREIGN_SURNAMES), rng.choice(FOREIGN_SURNAMES)
        else:
            paternal, maternal = rng.choices(SURNAMES, SURNAME_WEIGHTS, k=2)
            if rng.random() < 0.04:
                maternal = ""  # a surname unknown to whoever filed the complaint
        dob = estimated_age = estimated_on = None
        documents = []
        if age is not None:
            documented = rng.random() < (0.45 if foreign else 0.8)
            if documented:
                # an exact birth date comes from the identity document
                dob = _birth_date(rng, age, age_on)
            else:
                estimated_age, estimated_on = age + (complaint - age_on).days // 365, complaint
        else:
            documented = rng.random() < 0.3
        person = Person(
            code=self.uniques.person_code(rng),
            owner_agency=owner,
            first_names=first,
            last_name_paternal=paternal,
            last_name_maternal=maternal,
            sex=sex,
            date_of_birth=dob,
            estimated_age=estimated_age,
            age_estimated_on=estimated_on,
            nationality_id=nationality,
            country_origin_id=nationality if foreign else None,
            ubigeo_origin_id=None if foreign else origin_ubigeo,
            ubigeo_residence_id=None if foreign else origin_ubigeo,
        )
        person.refresh_keys()
        if documented:
            if not foreign:
                kind, country = IdentityDocument.Kind.DNI, None
            else:
                kind = rng.choice(
                    [IdentityDocument.Kind.PTP, IdentityDocument.Kind.CE, IdentityDocument.Kind.PASSPORT]
                )
                country = nationality if kind == IdentityDocument.Kind.PASSPORT else "PE"
            documents.append(
                IdentityDocument(
                    person=person, kind=kind, number=self.uniques.document(rng, kind), country_id=country
                )
            )
        languages = []
        if not foreign and origin_ubigeo:
            dep = origin_ubigeo[:2]
            if dep in (CUSCO, APURIMAC, PUNO, "05") and self.ref.quechua and rng.random() < 0.35:
                languages.append(self.ref.quechua)
            if dep == PUNO and self.ref.aymara and rng.random() < 0.15:
                languages.append(self.ref.aymara)
        return _PersonPlan(person, documents, languages)

    # -- the procedural path ---------------------------------------------------------------------------------

    def walk(self, complaint: datetime.date, is_complex: bool):
        """Stage changes after the complaint: [(date, from, to)], and the verdict if one was reached."""
        rng, ref = self.rng, self.ref
        current, day = INITIAL_STAGE, complaint
        steps: list[tuple[datetime.date, str, str]] = []
        convicted: bool | None = None
        for _ in range(12):
            if current in STAGE_PLAN:
                weights, (low, high) = STAGE_PLAN[current]
            elif convicted is not None and current in AFTER_SENTENCE[convicted]:
                weights, (low, high) = AFTER_SENTENCE[convicted][current], AFTER_SENTENCE_DAYS[current]
            else:
                break
            if is_complex:
                high = int(high * 1.6)
            allowed = [
                (code, w) for code, w in weights.items() if code == "" or code in ref.next_stages[current]
            ]
            if not allowed or all(code == "" for code, _w in allowed):
                break
            target = _pick(rng, allowed)
            if target == "":
                break
            day = day + _days(rng, low, high)
            if day > ref.today:
                break
            if target == "sentencia":
                convicted = current in EARLY_CONVICTION or rng.random() < 0.62
            steps.append((day, current, target))
            current = target
            if ref.stages[current].is_terminal:
                break
        return steps, convicted

    # -- one case --------------------------------------------------------------------------------------------

    def number(self, fiscalia: Agency, year: int) -> str:
        used = self.used_numbers[fiscalia.pk]
        while True:
            self.counters[(fiscalia.pk, year)] += 1
            number = f"{year}-{self.counters[(fiscalia.pk, year)]:05d}"
            if number not in used:
                used.add(number)
                return number

    def case(self, plan: dict) -> None:
        rng, ref = self.rng, self.ref
        fiscalia, df, routes = rng.choice(ref.fiscalias)
        route = _pick(rng, [(r, r.weight) for r in routes])
        category = _pick(rng, list(route.forms.items()))
        year = rng.choices(self.years, self.year_weights)[0]
        start = datetime.date(year, 1, 1)
        end = min(datetime.date(year, 12, 31), ref.today)
        complaint = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
        facts_from = max(ref.earliest_facts, complaint - _days(rng, 0, 540))
        facts_from = min(facts_from, complaint)
        facts_to = None
        if rng.random() < 0.7:
            facts_to = min(complaint, facts_from + _days(rng, 0, 365))
        opened = min(ref.today, complaint + _days(rng, 0, 10))
        n_victims = _pick(rng, [(1, 60), (2, 20), (3, 8), (4, 5), (5, 2), (rng.randint(6, 14), 5)])
        is_complex = n_victims >= 5 or rng.random() < 0.06
        steps, convicted = self.walk(complaint, is_complex)

        origin_dep = rng.choice(route.origins)
        origin = ref.district(rng, origin_dep, preferred=False)
        places: list[CasePlace] = [
            CasePlace(kind=CasePlace.Kind.RECRUITMENT, ubigeo_id=origin, departamento_code=origin[:2])
        ]
        if route.destination == "abroad":
            country = _pick(rng, ref.destination_countries)
            destination, destination_label = None, ref.country_names[country]
            if rng.random() < 0.6:
                dep, name = rng.choice(TRANSIT["abroad"])
                transit = ref.named_district(rng, dep, name)
                if transit:
                    places.append(
                        CasePlace(kind=CasePlace.Kind.TRANSIT, ubigeo_id=transit, departamento_code=dep)
                    )
            places.append(CasePlace(kind=CasePlace.Kind.EXPLOITATION, country_id=country))
        else:
            destination = ref.district(rng, route.destination, preferred=True)
            destination_label = DEPARTMENT_NAMES.get(route.destination, route.destination)
            if route.destination in TRANSIT and route.destination != origin_dep and rng.random() < 0.35:
                dep, name = rng.choice(TRANSIT[route.destination])
                transit = ref.named_district(rng, dep, name)
                if transit and transit not in (origin, destination):
                    places.append(
                        CasePlace(
                            kind=CasePlace.Kind.TRANSIT, ubigeo_id=transit, departamento_code=transit[:2]
                        )
                    )
            # place_add takes departamento_code from the ubigeo: the first two digits of an INEI code
            places.append(
                CasePlace(
                    kind=CasePlace.Kind.EXPLOITATION, ubigeo_id=destination, departamento_code=destination[:2]
                )
            )
        number = self.number(fiscalia, complaint.year)
        stage_code = steps[-1][2] if steps else INITIAL_STAGE
        stage_started_on = steps[-1][0] if steps else complaint
        # drawn without the random generator, so a seed gives the same cases as before these fields existed
        is_organized = n_victims >= 8
        term = stage_term(
            ref.stages[stage_code],
            started_on=stage_started_on,
            is_complex=is_complex,
            is_organized=is_organized,
        )
        prosecutors = ref.prosecutors.get(fiscalia.pk)
        case = Case(
            number=number,
            fiscalia=fiscalia,
            distrito_fiscal=df,
            owner_agency=fiscalia,
            title=f"Trata de personas con fines de {CATEGORY_LABEL[category]}"[:200],
            facts_date_from=facts_from,
            facts_date_to=facts_to,
            complaint_date=complaint,
            opened_date=opened,
            source=_pick(rng, SOURCES),
            is_complex=is_complex,
            is_organized_crime=is_organized,
            prosecutor_id=prosecutors[int(number[-5:]) % len(prosecutors)] if prosecutors else None,
            current_stage_id=stage_code,
            stage_started_on=stage_started_on,
            next_deadline_on=term.due if term else None,
            next_deadline_kind=term.kind if term else "",
            status=_status_for(stage_code),
            summary=(
                f"Denuncia por presunta trata de personas con fines de {CATEGORY_LABEL[category]}: "
                f"{n_victims} presunta(s) víctima(s) captada(s) en "
                f"{DEPARTMENT_NAMES.get(origin_dep, origin_dep)} y explotada(s) en {destination_label}."
            ),
        )

        victims = []
        form_terms, form_weights = ref.exploitation_weights(category, route.destination)
        female_pct, ages = CATEGORY_PROFILE[category]
        foreign_share = 0.12 if complaint.year >= 2017 else 0.04
        for _ in range(n_victims):
            sex = Person.Sex.FEMALE if rng.random() * 100 < female_pct else Person.Sex.MALE
            low, high = _pick(rng, [((lo, hi), w) for lo, hi, w in ages])
            age = rng.randint(low, high) if rng.random() > 0.04 else None
            nationality = "PE"
            if ref.foreign_nationalities and rng.random() < foreign_share:
                nationality = _pick(rng, ref.foreign_nationalities)
            pplan = self.person(
                owner=fiscalia,
                sex=sex,
                age=age,
                age_on=facts_from,
                complaint=complaint,
                nationality=nationality,
                origin_ubigeo=origin,
            )
            victim = CaseVictim(
                case=case,
                person=pplan.person,
                age_at_exploitation=age,
                nationality_id=pplan.person.nationality_id,
                recruitment_method=(
                    rng.choices(ref.recruitment, ref.recruitment_weights)[0]
                    if ref.recruitment and rng.random() < 0.85
                    else None
                ),
                relation_to_trafficker=_pick(rng, RELATIONS),
            )
            victim.is_minor = _victim_is_minor(case, pplan.person, age)
            victim_forms = set()
            if form_terms:
                victim_forms.add(rng.choices(form_terms, form_weights)[0])
                if rng.random() < 0.12:
                    victim_forms.add(rng.choices(form_terms, form_weights)[0])
            controls = (
                set(rng.choices(ref.control, ref.control_weights, k=rng.randint(0, 3)))
                if ref.control
                else set()
            )
            victims.append((pplan, victim, victim_forms, controls))
        case.has_minor_victim = any(v.is_minor for _p, v, _f, _c in victims)
        case.exploitation_key = exploitation_key(form for _p, _v, forms, _c in victims for form in forms)

        defendants = []
        n_defendants = _pick(rng, [(0, 12), (1, 48), (2, 22), (3, 10), (rng.randint(4, 7), 8)])
        for _ in range(n_defendants):
            sex = Person.Sex.MALE if rng.random() < 0.68 else Person.Sex.FEMALE
            nationality = (
                "PE"
                if rng.random() < 0.93 or not ref.foreign_nationalities
                else _pick(rng, ref.foreign_nationalities)
            )
            home = destination if destination and rng.random() < 0.5 else origin
            pplan = self.person(
                owner=fiscalia,
                sex=sex,
                age=rng.randint(19, 62),
                age_on=complaint,
                complaint=complaint,
                nationality=nationality,
                origin_ubigeo=home,
            )
            defendant = CaseDefendant(
                case=case,
                person=pplan.person,
                role=rng.choices(ref.perpetrator_roles, ref.role_weights)[0]
                if ref.perpetrator_roles
                else None,
            )
            self._outcome(defendant, stage_code, steps, convicted, first=not defendants)
            defendants.append((pplan, defendant))

        charges = []
        in_force = ref.articles_in_force(facts_from)
        related = self._related_articles(facts_from, category, case.has_minor_victim)
        if in_force:
            # a complaint against unknown perpetrators still charges the offence
            # ("contra los que resulten responsables")
            for defendant in [d for _p, d in defendants] or [None]:
                charges.append(
                    Charge(
                        case=case,
                        defendant=defendant,
                        offence_date=facts_from,
                        article=self._article(in_force, case.has_minor_victim),
                    )
                )
                if related and rng.random() < 0.15:
                    charges.append(
                        Charge(
                            case=case,
                            defendant=defendant,
                            offence_date=facts_from,
                            article=rng.choice(related),
                        )
                    )

        events = [
            CaseEvent(
                case=case,
                kind=CaseEvent.Kind.STAGE_CHANGE,
                date=complaint,
                title="Registro de la denuncia",
                stage_to_id=INITIAL_STAGE,
            )
        ]
        for day, src, dst in steps:
            events.append(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.STAGE_CHANGE,
                    date=day,
                    stage_from_id=src,
                    stage_to_id=dst,
                    title=f"Cambio de etapa: {ref.stages[src].name_es} → {ref.stages[dst].name_es}"[:200],
                )
            )
            if dst == "sentencia":
                events.append(
                    CaseEvent(
                        case=case,
                        kind=CaseEvent.Kind.DECISION,
                        date=day,
                        title="Sentencia condenatoria" if convicted else "Sentencia absolutoria",
                    )
                )
        for place in places:
            place.case = case
        plan["cases"].append(case)
        plan["victims"].extend(victims)
        plan["defendants"].extend(defendants)
        plan["charges"].extend(charges)
        plan["places"].extend(places)
        plan["events"].extend(events)

    def _outcome(self, defendant: CaseDefendant, stage_code: str, steps, convicted, *, first: bool) -> None:
        rng = self.rng
        reached = {dst: day for day, _src, dst in steps}
        if "sentencia" in reached:
            verdict_day = reached["sentencia"]
            if convicted and (first or rng.random() < 0.8):
                defendant.outcome = CaseDefendant.Outcome.CONVICTED
                defendant.status = CaseDefendant.Status.SENTENCED
                years = Decimal(rng.randint(8, 25))
                if rng.random() < 0.15:
                    years += Decimal("0.50")
                defendant.sentence_years = min(years, Decimal(25))
                if rng.random() < 0.8:
                    defendant.reparation_amount = Decimal(rng.randint(4, 160) * 500)
            else:
                defendant.outcome = CaseDefendant.Outcome.ACQUITTED
                defendant.status = CaseDefendant.Status.ACCUSED
            defendant.outcome_date = verdict_day
        elif stage_code == ARCHIVE_STAGE:
            defendant.outcome = CaseDefendant.Outcome.ARCHIVED
            defendant.outcome_date = reached[ARCHIVE_STAGE]
        elif rng.random() < 0.06:
            defendant.status = CaseDefendant.Status.FUGITIVE
        elif stage_code in (
            "etapa_intermedia",
            "juicio_oral",
            "acusacion_directa",
            "terminacion_anticipada",
            "conclusion_anticipada",
        ):
            defendant.status = (
                CaseDefendant.Status.DETAINED if rng.random() < 0.3 else CaseDefendant.Status.ACCUSED
            )
        elif stage_code == "investigacion_preparatoria" and rng.random() < 0.25:
            defendant.status = CaseDefendant.Status.DETAINED

    def _article(self, in_force: list[PenalArticle], minors: bool) -> PenalArticle:
        """The trafficking article in force: the aggravated form often when a victim is a minor."""
        weights = [(5 if minors else 1) if a.pk in self.ref.aggravated else 6 for a in in_force]
        return self.rng.choices(in_force, weights)[0]

    def _related_articles(self, day: datetime.date, category: str, minors: bool) -> list[PenalArticle]:
        keys = {
            "sexual": ("sexual",),
            "labour": ("trabajo forzoso", "esclavitud"),
            "domestic": ("esclavitud",),
            "begging": ("esclavitud",),
        }.get(category, ())
        found = []
        for article, title in self.ref.related_articles:
            if article.in_force_on(day) and any(k in title for k in keys):
                if ("nina" in title or "adolescente" in title) and not minors:
                    continue
                found.append(article)
        return found


def _status_for(stage_code: str) -> str:
    if stage_code == ARCHIVE_STAGE:
        return Case.Status.ARCHIVED
    if stage_code in CLOSING_STAGES:
        return Case.Status.CLOSED
    return Case.Status.ACTIVE


class _Inserter:
    """Writes already-built model objects: the same rows bulk_create would write, at a fraction of its cost
    per value (which dominates at hundreds of thousands of rows) — executemany on SQLite, COPY on
    PostgreSQL. Parents get their ids before the insert: from the sequence on PostgreSQL; on SQLite from
    MAX(id), safe because the batch runs in a transaction that holds the write lock from its start
    (transaction_mode IMMEDIATE in the settings)."""

    CONVERTED = (models.DateField, models.DecimalField, models.UUIDField, models.JSONField, Encrypted)

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]  # the object itself: no proxy lookup per value
        self.now = timezone.now()
        self._plans: dict = {}

    def _plan(self, model, names: tuple[str, ...] | None):
        key = (model, names)
        if key not in self._plans:
            fields = [f for f in model._meta.local_concrete_fields if names is None or f.attname in names]
            quote = self.connection.ops.quote_name
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"
            )
            converters = []
            for f in fields:
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    now = f.get_db_prep_save(self.now, self.connection)
                    converters.append((f.attname, lambda _value, now=now: now))
                elif isinstance(f, self.CONVERTED):
                    converters.append(
                        (f.attname, lambda value, f=f: f.get_db_prep_save(value, self.connection))
                    )
                else:
                    converters.append((f.attname, None))
            self._plans[key] = (sql, converters)
        return self._plans[key]

    def allocate_ids(self, model, objs: list) -> None:
        if not objs:
            return
        table, column = model._meta.db_table, model._meta.pk.column
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, column, len(objs)],
                )
                ids = [row[0] for row in cursor.fetchall()]
            else:
                quote = self.connection.ops.quote_name
                cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")
                first = cursor.fetchone()[0] + 1
                ids = range(first, first + len(objs))
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk

    def objects(self, model, objs: list, *, with_ids: bool = False) -> None:
        if any(isinstance(f, BlindIndexField) for f in model._meta.concrete_fields):
            for obj in objs:
                fill_indexes(obj)  # keyed indexes of encrypted values (sistra.core.crypto)
        if with_ids:
            self.allocate_ids(model, objs)
        names = (
            None
            if with_ids
            else tuple(f.attname for f in model._meta.local_concrete_fields if not f.primary_key)
        )
        sql, converters = self._plan(model, names)
        rows = [
            tuple(
                getattr(obj, name) if convert is None else convert(getattr(obj, name))
                for name, convert in converters
            )
            for obj in objs
        ]
        self._execute(sql, rows)

    def tuples(self, model, names: tuple[str, ...], rows: list[tuple]) -> None:
        sql, _converters = self._plan(model, names)
        self._execute(sql, rows)

    def _execute(self, sql: str, rows: list) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor != "postgresql":
                cursor.executemany(sql, rows)  # in-process on SQLite: no round trips to save
                return
            # COPY: the fastest way into PostgreSQL, no statement to parse and plan per row
            head = sql.split(" VALUES ")[0].replace("INSERT INTO", "COPY", 1)
            with cursor.cursor.copy(f"{head} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _write(plan: dict) -> int:
    """Insert one batch, parents before children; returns the number of persons written."""
    insert = _Inserter()
    plans: list[_PersonPlan] = [p for p, *_rest in plan["victims"]] + [p for p, _d in plan["defendants"]]
    insert.objects(Person, [p.person for p in plans], with_ids=True)
    insert.objects(IdentityDocument, [_refresh_fk(d, "person") for p in plans for d in p.documents])
    insert.tuples(PersonMatchKey, ("person_id", "key"), match_key_rows(plans))
    insert.tuples(PersonSearchToken, ("person_id", "token"), search_token_rows(plans))
    insert.tuples(
        Person.languages.through,
        ("person_id", "term_id"),
        [(p.person.pk, t.pk) for p in plans for t in p.languages],
    )
    insert.objects(Case, plan["cases"], with_ids=True)
    victims = [_refresh_fk(_refresh_fk(v, "case"), "person") for _p, v, _f, _c in plan["victims"]]
    insert.objects(CaseVictim, victims, with_ids=True)
    insert.tuples(
        CaseVictim.exploitation_forms.through,
        ("casevictim_id", "term_id"),
        [(v.pk, t.pk) for _p, v, forms, _c in plan["victims"] for t in forms],
    )
    insert.tuples(
        CaseVictim.control_methods.through,
        ("casevictim_id", "term_id"),
        [(v.pk, t.pk) for _p, v, _f, controls in plan["victims"] for t in controls],
    )
    defendants = [_refresh_fk(_refresh_fk(d, "case"), "person") for _p, d in plan["defendants"]]
    insert.objects(CaseDefendant, defendants, with_ids=True)
    charges = [_refresh_fk(c, "case") for c in plan["charges"]]
    insert.objects(Charge, [_refresh_fk(c, "defendant") if c.defendant is not None else c for c in charges])
    insert.objects(CasePlace, [_refresh_fk(p, "case") for p in plan["places"]])
    insert.objects(CaseEvent, [_refresh_fk(e, "case") for e in plan["events"]])
    return len(plans)


def search_token_rows(plans: list[_PersonPlan]) -> list[tuple[int, str]]:
    """The keyed word indexes the name search goes by (sistra.people.indexes): PersonSearchToken rows."""
    return [(p.person.pk, token) for p in plans for token in sorted(person_word_tokens(p.person, aliases=[]))]


def match_key_rows(plans: list[_PersonPlan]) -> list[tuple[int, str]]:
    """The duplicate check finds persons through their blocking keys (sistra.people.matching, ADR 0170),
    keyed: the PersonMatchKey rows of persons that already have their pk. Shared with the clinic's seeder."""
    return [
        (p.person.pk, key)
        for p in plans
        for key in sorted(
            stored_keys(
                person_features(
                    p.person,
                    dni=next((d.number for d in p.documents if d.kind == IdentityDocument.Kind.DNI), ""),
                )
            )
        )
    ]


def _refresh_fk(obj, name: str):
    """The parent got its pk after the child object was built: copy it into the *_id field."""
    setattr(obj, f"{name}_id", getattr(obj, name).pk)
    return obj


def default_fiscalias() -> list[Agency]:
    return list(
        Agency.objects.filter(kind=Agency.Kind.FISCALIA, is_active=True, distrito_fiscal__isnull=False)
        .select_related("distrito_fiscal__departamento")
        .order_by("code")
    )


def seed_cases(
    *,
    count: int,
    seed: int | None = None,
    fiscalias: list[Agency] | None = None,
    batch_size: int = 5000,
    actor=None,
    progress: Callable[[int, int, float], None] | None = None,
    today: datetime.date | None = None,
) -> SeedResult:
    """Create `count` synthetic cases (with their persons, victims, defendants, charges, places and
    timeline) spread over `fiscalias` (default: every active fiscalía with a distrito fiscal).

    `today` is the reference date the synthetic history ends on (default: today in Lima); tests pass a
    fixed one so that the same seed gives the same cases whatever day they run."""
    if count < 0:
        raise SeedError("El número de casos no puede ser negativo.")
    fiscalias = fiscalias if fiscalias is not None else default_fiscalias()
    if not fiscalias:
        raise SeedError("No hay fiscalías con distrito fiscal donde registrar los casos.")
    started = time.perf_counter()
    ref = _Reference(fiscalias, today)
    uniques = _Uniques()
    used_numbers: dict[int, set[str]] = defaultdict(set)
    for fiscalia_id, number in Case.objects.filter(fiscalia__in=fiscalias).values_list(
        "fiscalia_id", "number"
    ):
        used_numbers[fiscalia_id].add(number)
    rng = random.Random(seed)
    generator = _Generator(rng, ref, uniques, used_numbers)
    done = persons = 0
    while done < count:
        size = min(batch_size, count - done)
        plan: dict[str, list] = {
            k: [] for k in ("cases", "victims", "defendants", "charges", "places", "events")
        }
        for _ in range(size):
            generator.case(plan)
        with transaction.atomic():
            persons += _write(plan)
        done += size
        if progress:
            progress(done, count, time.perf_counter() - started)
    batch_uuid = uuid.uuid4()
    codes = [f.code for f in fiscalias]
    ChangeEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_agency_id=getattr(actor, "agency_id", None),
        action=ChangeEvent.Action.CREATE,
        kind=ChangeEvent.Kind.CREATED,
        model="cases.case",
        object_uuid=None,
        root_model="cases.seed",
        root_uuid=batch_uuid,
        summary=f"Carga de datos sintéticos: {count} casos, {persons} personas"[:200],
        after={"cases": count, "persons": persons, "seed": seed, "fiscalias": codes},
    )
    return SeedResult(
        cases=count,
        persons=persons,
        seconds=time.perf_counter() - started,
        batch_uuid=batch_uuid,
        fiscalias=codes,
    )
