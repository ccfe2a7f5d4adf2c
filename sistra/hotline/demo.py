"""Demo data of the hotline: a few weeks of contacts (reports of possible trafficking, requests for
information and help, calls that were not substantive) and police reports sent to the PNP and to FISTRAP
Cusco, so the operator's desk, the supervisor's figures and the police inbox show something. Written through
the services, by the demo operator; idempotent: nothing is added once the hotline has contacts."""

import datetime

from django.db import transaction
from django.utils import timezone

from sistra.accounts.models import User

from . import services
from .models import Contact

HOTLINE = "linea-0800-2-3232"
OPERATOR = "operadora"

# (days ago, hour, minutes long, category, caller type, ubigeo, topics, indicators, risk, summary, report to)
CONTACTS = [
    (
        1,
        9,
        12,
        "trafficking_report",
        "relative",
        "170101",
        ["labour_exploitation"],
        ["deceptive_offer", "documents_withheld"],
        "high",
        "Su hermano viajó a un campamento minero de Huepetuhe con una oferta de trabajo y no puede volver.",
        "pnp-dirctptim",
    ),
    (2, 22, 6, "non_substantive", "anonymous", "", [], [], "none", "", ""),
    (
        3,
        15,
        9,
        "information",
        "public",
        "150101",
        ["job_offer"],
        [],
        "none",
        "Consulta si una agencia de empleo para trabajar en Argentina está registrada.",
        "",
    ),
    (
        4,
        11,
        18,
        "trafficking_report",
        "public",
        "080101",
        ["sexual_exploitation"],
        ["minor", "isolation"],
        "high",
        "Adolescentes en un bar de la avenida de la Cultura; el dueño no las deja salir.",
        "fistrap-cusco",
    ),
    (5, 8, 4, "non_substantive", "anonymous", "", [], [], "none", "", ""),
    (
        6,
        19,
        14,
        "assistance",
        "potential_victim",
        "160101",
        ["labour_exploitation"],
        ["unpaid", "debt"],
        "medium",
        "Trabaja en una embarcación en Iquitos, le descuentan una deuda y no le pagan.",
        "pnp-dirctptim",
    ),
    (
        8,
        10,
        7,
        "information",
        "institution",
        "080101",
        ["legal"],
        [],
        "none",
        "Una docente pide material para una charla de prevención en su colegio.",
        "",
    ),
    (
        9,
        16,
        11,
        "follow_up",
        "relative",
        "170101",
        ["missing_person"],
        ["transported"],
        "medium",
        "Llama de nuevo por su sobrina desaparecida desde hace tres semanas.",
        "",
    ),
    (
        11,
        13,
        5,
        "information",
        "public",
        "150101",
        ["migration"],
        [],
        "none",
        "Pregunta qué documentos necesita para que su hija viaje sola a Madre de Dios.",
        "",
    ),
    (13, 7, 3, "non_substantive", "anonymous", "", [], [], "none", "", ""),
    (
        16,
        20,
        16,
        "assistance",
        "potential_victim",
        "150101",
        ["domestic_servitude"],
        ["movement_restricted", "excessive_hours"],
        "high",
        "Trabajadora del hogar sin día libre; la empleadora le retiene el DNI.",
        "",
    ),
    (
        20,
        12,
        8,
        "information",
        "public",
        "080101",
        ["job_offer"],
        ["deceptive_offer"],
        "low",
        "Vio un aviso en Facebook de trabajo en Puerto Maldonado con pasaje pagado.",
        "",
    ),
]
NON_SUBSTANTIVE = ["hung_up", "silent", "wrong_number"]


@transaction.atomic
def load_hotline_demo(*, agencies) -> int:
    hotline = agencies.get(HOTLINE)
    operator = User.objects.filter(username=OPERATOR, agency=hotline).first()
    if hotline is None or operator is None or Contact.objects.filter(owner_agency=hotline).exists():
        return 0
    now = timezone.localtime()
    created = 0
    reasons = iter(NON_SUBSTANTIVE * 2)
    for (
        days,
        hour,
        minutes,
        category,
        caller,
        place,
        topics,
        indicators,
        risk,
        summary,
        report_to,
    ) in CONTACTS:
        started = (now - datetime.timedelta(days=days)).replace(hour=hour, minute=5, second=0, microsecond=0)
        substantive = category != Contact.Category.NON_SUBSTANTIVE
        contact = services.contact_create(
            actor=operator,
            started_at=started,
            ended_at=started + datetime.timedelta(minutes=minutes),
            category=category,
            caller_type=caller,
            ubigeo_code=place,
            topics=topics,
            indicators=indicators,
            risk_level=risk,
            summary=summary,
            information_given=substantive,
            non_substantive_reason="" if substantive else next(reasons),
        )
        created += 1
        recipient = agencies.get(report_to) if report_to else None
        if recipient is not None:
            services.police_report_send(actor=operator, contact=contact, recipient=recipient, facts=summary)
            created += 1
    return created
