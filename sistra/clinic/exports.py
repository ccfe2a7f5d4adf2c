"""The clinic's exports. A consultation export carries consultations only: the screening is a separate,
confidential record and no export has a column, a flag or a count of it. The list grows with the clinic's
years of work, so it is read in chunks and sent as it is written (patients appear by pseudonym only: no
identity is shown, and no read is logged)."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from sistra.stats.exports import csv_blocks

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


# consultations read per database round trip
EXPORT_CHUNK = 2000


def consultation_rows(actor, *, chunk_size: int | None = None):
    consultations = selectors.consultation_list(actor).order_by("attended_on", "id")
    for c in consultations.iterator(chunk_size=chunk_size or EXPORT_CHUNK):
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


def consultations_csv_blocks(actor, *, chunk_size: int | None = None) -> Iterator[bytes]:
    """The CSV of the consultations the actor may see, in blocks, rows read as the blocks are asked for."""
    return csv_blocks(
        [str(label) for _name, label in CONSULTATION_COLUMNS], consultation_rows(actor, chunk_size=chunk_size)
    )


def consultations_csv(actor) -> bytes:
    return b"".join(consultations_csv_blocks(actor))
