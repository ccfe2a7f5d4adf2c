"""Demo data: a year of prevention work of Terre des Hommes in Cusco and Madre de Dios — trainings for
judges, prosecutors, police, health workers, teachers and community authorities with their scores and
certificates; campaigns with their reach by channel (each with its method and source) and, when the hotline
exists, calls that say they heard of the line through a campaign; at-risk families in communities of origin
with their children, the alternatives given and the 6- and 12-month follow-ups. Everything is written through
the services (so it has its history) and only once: a second run creates nothing."""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User

from . import services
from .models import AtRiskFamily, Campaign, TrainingEvent
from .services import ChildInput, ParticipantInput, PlaceInput, ReachInput

SEED = 2026
AGENCY = "tdh-peru"
FIRST = [
    "Rosa",
    "Carmen",
    "Luz",
    "Juana",
    "María",
    "Elena",
    "Ruth",
    "Nelly",
    "José",
    "Luis",
    "Edwin",
    "Jorge",
    "Raúl",
    "Wilber",
    "Fredy",
    "Yesenia",
    "Maribel",
    "Hugo",
    "Alberto",
    "Lucía",
]
LAST = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Condori",
    "Ccori",
    "Apaza",
    "Choque",
    "Huillca",
    "Cárdenas",
    "Flores",
    "Rojas",
    "Vargas",
    "Ramos",
    "Torres",
    "Chávez",
    "Gutiérrez",
    "Puma",
    "Layme",
    "Sonco",
    "Yupanqui",
]
# (title, topic, ubigeo, audience professions, size)
TRAININGS = [
    (
        "Ley 31146 y los delitos de trata para operadores de justicia",
        "law_31146",
        "080101",
        ["judge", "prosecutor"],
        32,
    ),
    ("Identificación de víctimas en los servicios de salud", "identification", "170101", ["health"], 40),
    (
        "Ruta de atención a víctimas en Madre de Dios",
        "ruta",
        "170101",
        ["police", "prosecutor", "social_worker"],
        28,
    ),
    ("Entrevista a niñas, niños y adolescentes", "interview_minors", "080101", ["prosecutor", "police"], 24),
    ("La escuela frente a la captación", "community", "080801", ["teacher"], 38),
    ("Prevención en comunidades de origen", "community", "081210", ["community_authority", "teacher"], 30),
    ("Identificación de víctimas en zonas mineras", "identification", "170102", ["health", "police"], 26),
    ("Docentes de Madre de Dios contra la trata", "community", "170101", ["teacher"], 35),
    ("Ley 31146 para la Policía Nacional", "law_31146", "170101", ["police"], 30),
    ("Migración segura para autoridades comunales", "migration", "080601", ["community_authority"], 22),
    ("Ruta de atención en Cusco", "ruta", "080101", ["judge", "prosecutor", "health", "social_worker"], 34),
    ("Personal de salud de Huepetuhe", "identification", "170204", ["health"], 20),
]
COMMUNITIES = [
    ("081205", "Comunidad campesina de Ccatca"),
    ("081210", "Comunidad campesina de Ocongate"),
    ("081212", "Comunidad campesina de Quiquijana"),
    ("081101", "Comunidad de Paucartambo"),
    ("170101", "Asentamiento humano en Tambopata"),
]


@dataclass
class PreventionDemoResult:
    events: int = 0
    participants: int = 0
    campaigns: int = 0
    families: int = 0
    children: int = 0
    contacts: int = 0


def _officer() -> User | None:
    agency = Agency.objects.filter(code=AGENCY).first()
    if agency is None:
        return None
    return (
        User.objects.filter(agency=agency, role=Role.PREVENTION_OFFICER).order_by("id").first()
        or User.objects.filter(role=Role.PREVENTION_OFFICER, agency__isnull=False).order_by("id").first()
    )


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"


@transaction.atomic
def load_prevention_demo(*, today: datetime.date | None = None, seed: int = SEED) -> PreventionDemoResult:
    result = PreventionDemoResult()
    officer = _officer()
    if officer is None or TrainingEvent.objects.filter(owner_agency=officer.agency).exists():
        return result
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=365)
    rng = random.Random(seed)
    _trainings(officer, rng, start, result)
    campaigns = _campaigns(officer, start, result)
    _families(officer, rng, start, today, result)
    _hotline_calls(rng, campaigns, today, result)
    return result


def _trainings(officer, rng, start, result) -> None:
    for n, (title, topic, place, professions, size) in enumerate(TRAININGS):
        day = start + datetime.timedelta(days=15 + n * 28)
        event = services.event_create(
            actor=officer,
            title=title,
            topic=topic,
            organiser="Terre des Hommes — Perú",
            partners="MIMP; Ministerio Público",
            starts_on=day,
            ends_on=day + datetime.timedelta(days=1),
            ubigeo=place,
            audience=", ".join(professions),
        )
        result.events += 1
        names = set()
        while len(names) < size:
            names.add(_name(rng))
        for i, name in enumerate(sorted(names)):
            attended = rng.random() > 0.06
            pre = rng.randint(5, 13) if attended else None
            post = min(20, pre + rng.randint(1, 8)) if attended and rng.random() > 0.1 else None
            participant = services.participant_add(
                actor=officer,
                event=event,
                data=ParticipantInput(
                    full_name=name,
                    document_number=f"{40000000 + n * 1000 + i}",
                    profession=rng.choice(professions),
                    institution="",
                    sex=rng.choice(["female", "male"]),
                    region=place[:2],
                    attended=attended,
                    pre_score=pre,
                    post_score=post,
                ),
            )
            result.participants += 1
            if attended and post is not None and rng.random() > 0.5:
                services.certificate_issue(actor=officer, participant=participant)


def _campaigns(officer, start, result) -> list[Campaign]:
    specs = [
        (
            "No te dejes engañar",
            "Infórmate antes de aceptar un trabajo lejos de casa",
            30,
            90,
            [
                PlaceInput("region", "Región Cusco", "080101"),
                PlaceInput("bus_terminal", "Terminal terrestre de Cusco", "080101"),
                PlaceInput("radio_station", "Radio Tawantinsuyo", "080101"),
            ],
            [
                ReachInput(
                    "radio", 345000, "audience", "Estudio de audiencia de radios regionales (CPI)", "08"
                ),
                ReachInput("posters", 60000, "estimate", "Tránsito estimado en el terminal terrestre", "08"),
                ReachInput("talks", 2350, "counted", "Listas de asistencia de las charlas", "08"),
                ReachInput("theatre", 4000, "counted", "Entradas de la obra «Wayra»", "08"),
            ],
        ),
        (
            "Llama y Vive",
            "Línea gratuita 0800-2-3232",
            150,
            30,
            [
                PlaceInput("airport", "Aeropuerto Internacional Jorge Chávez", "070101"),
                PlaceInput("airport", "Aeropuerto de Puerto Maldonado", "170101"),
            ],
            [
                ReachInput(
                    "posters",
                    180000,
                    "estimate",
                    "Pasajeros en el periodo (CORPAC), estimación de exposición",
                    "07",
                ),
                ReachInput("social", 95000, "counted", "Estadísticas de la página (personas alcanzadas)", ""),
                ReachInput("tv", 410000, "audience", "Audiencia del noticiero regional (IBOPE)", ""),
            ],
        ),
        (
            "Escuelas seguras en Madre de Dios",
            "La trata no es un trabajo",
            240,
            45,
            [
                PlaceInput("school", "I.E. Carlos Fermín Fitzcarrald", "170101"),
                PlaceInput("border", "Paso de frontera de Iñapari", "170301"),
            ],
            [
                ReachInput(
                    "talks", 5200, "counted", "Registros de asistencia de las instituciones educativas", "17"
                ),
                ReachInput("radio", 38000, "audience", "Radio Madre de Dios", "17"),
            ],
        ),
    ]
    out = []
    for name, slogan, offset, length, places, reach in specs:
        first = start + datetime.timedelta(days=offset)
        out.append(
            services.campaign_create(
                actor=officer,
                name=name,
                slogan=slogan,
                starts_on=first,
                ends_on=first + datetime.timedelta(days=length - 1),
                channels=[],
                partners="MIMP; OIM; municipalidades",
                materials="Afiches, cuñas radiales, volantes, guía para docentes",
                places=places,
                reach=reach,
            )
        )
        result.campaigns += 1
    return out


def _families(officer, rng, start, today, result) -> None:
    factors = list(AtRiskFamily.RiskFactor.values)
    kinds = ["schooling", "vocational", "economic", "psychosocial"]
    for n in range(36):
        place, community = COMMUNITIES[n % len(COMMUNITIES)]
        registered = start + datetime.timedelta(days=(n * 9) % 200)
        surname = rng.choice(LAST)
        kids = [
            ChildInput(
                rng.choice(FIRST),
                f"{surname} {rng.choice(LAST)}",
                registered.year - rng.randint(6, 16),
                rng.choice(["female", "male"]),
                rng.random() > 0.2,
            )
            for _ in range(rng.randint(1, 4))
        ]
        family = services.family_register(
            actor=officer,
            registered_on=registered,
            ubigeo=place,
            community=community,
            head_name=f"{rng.choice(FIRST)} {surname} {rng.choice(LAST)}",
            risk_factors=rng.sample(factors[:-1], rng.randint(1, 3)),
            children=kids,
        )
        result.families += 1
        for kid in family.children.all():
            result.children += 1
            for kind in rng.sample(kinds, rng.randint(1, 2)):
                services.alternative_add(
                    actor=officer,
                    child=kid,
                    kind=kind,
                    started_on=registered + datetime.timedelta(days=rng.randint(5, 30)),
                    provider="Terre des Hommes — Perú",
                )
            for months, milestone in ((6, "6"), (12, "12")):
                done = registered + datetime.timedelta(days=months * 30 + rng.randint(0, 10))
                if done > today:
                    continue
                migrated = rng.random() < 0.06
                services.follow_up_record(
                    actor=officer,
                    child=kid,
                    milestone=milestone,
                    done_on=done,
                    in_school=not migrated and rng.random() > 0.12,
                    migrated=migrated,
                    referred=rng.random() < 0.1,
                )


def _hotline_calls(rng, campaigns, today, result) -> None:
    """Calls to the line around "Llama y Vive", some of whose callers say they heard of it there."""
    try:
        from sistra.hotline.services import contact_create
    except ImportError:  # a deployment without the hotline
        return
    operator = (
        User.objects.filter(role=Role.HOTLINE_OPERATOR, agency__kind=Agency.Kind.HOTLINE)
        .order_by("id")
        .first()
    )
    campaign = next((c for c in campaigns if c.name == "Llama y Vive"), None)
    if operator is None or campaign is None:
        return
    from sistra.hotline.models import Contact

    length = (campaign.ends_on - campaign.starts_on).days + 1
    first = campaign.starts_on - datetime.timedelta(days=length)
    tz = timezone.get_current_timezone()
    for day_offset in range(length * 3):
        day = first + datetime.timedelta(days=day_offset)
        if day >= today:
            break
        during = campaign.starts_on <= day <= campaign.ends_on
        for _ in range(rng.randint(2, 6) + (rng.randint(2, 5) if during else 0)):
            started = datetime.datetime.combine(
                day, datetime.time(rng.randint(7, 22), rng.randint(0, 59)), tzinfo=tz
            )
            heard = rng.random() < (0.45 if during else 0.1)
            contact_create(
                actor=operator,
                started_at=started,
                ended_at=started + datetime.timedelta(minutes=rng.randint(2, 15)),
                category=rng.choice(["information", "trafficking_report", "assistance"]),
                topics=[rng.choice(["job_offer", "labour_exploitation", "missing_person"])],
                heard_via=Contact.HeardVia.CAMPAIGN if heard else rng.choice(["radio_tv", "friend", ""]),
                heard_campaign=campaign if heard else None,
                source=Contact.Source.IMPORT,
            )
            result.contacts += 1


def load_demo_part(*, agencies) -> int:
    """The `sistra demo` hook (registered in apps.py): the number of records created."""
    result = load_prevention_demo()
    return result.events + result.participants + result.campaigns + result.families + result.children
