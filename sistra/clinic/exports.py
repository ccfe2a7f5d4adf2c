"""The clinic's exports. A consultation export carries consultations only: the screening is a separate,
confidential record and no export has a column, a flag or a count of it."""

from django.utils.translation import gettext as _

from sistra.stats.exports import to_csv

from . import selectors

CONSULTATION_COLUMNS = [
    ("uuid", _("Identificador")),
    ("patient", _("Paciente (seudónimo)")),
    ("community", _("Comunidad")),
    ("service", _("Servicio")),
    ("attended_on", _("Fecha")),
    ("reason", _("Motivo")),
    ("diagnoses", _("Diagnósticos CIE-10")),
    ("treatment", _("Tratamiento")),
    ("follow_up", _("Seguimiento")),
]


def consultation_rows(actor):
    for c in selectors.consultation_list(actor).order_by("attended_on", "id"):
        yield [
            str(c.uuid),
            c.patient.person.code,
            c.community.name,
            c.get_service_display(),
            c.attended_on.isoformat(),
            c.reason,
            " ".join(c.diagnoses),
            c.treatment,
            c.follow_up,
        ]


def consultations_csv(actor) -> bytes:
    return to_csv([str(label) for _name, label in CONSULTATION_COLUMNS], consultation_rows(actor))
