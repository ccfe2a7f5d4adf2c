"""Export an agency's persons as CLK encodings (no name, no document leaves): `sistra linkage_clk_export
--agency CODE --secret-file PATH --out PATH`. Ids in the file are keyed tokens only the agency can resolve."""

import json

from django.core.management.base import BaseCommand, CommandError

from sistra.accounts.models import Agency
from sistra.linkage.pprl import _mac, export
from sistra.people.models import Person


def read_secret(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            secret = handle.read().strip()
    except OSError as exc:
        raise CommandError(f"No se puede leer el secreto compartido: {exc.strerror}.") from None
    if len(secret) < 16:
        raise CommandError("El secreto compartido debe tener al menos 16 caracteres.")
    return secret


class Command(BaseCommand):
    help = "Exporta las codificaciones CLK de las personas de una institución."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--secret-file", required=True)
        parser.add_argument("--out", required=True)

    def handle(self, *args, agency, secret_file, out, **options):
        secret = read_secret(secret_file)
        owner = Agency.objects.filter(code=agency).first()
        if owner is None:
            raise CommandError(f"No existe la institución «{agency}».")
        rows = []
        for person in Person.objects.filter(owner_agency=owner).prefetch_related("documents").iterator(2000):
            dni = next((d.number for d in person.documents.all() if d.kind == "dni"), "")
            rows.append(
                {
                    "id": _mac(secret, "id|" + str(person.uuid)).hex()[:24],
                    "first_names": person.first_names,
                    "last_name_paternal": person.last_name_paternal,
                    "last_name_maternal": person.last_name_maternal,
                    "date_of_birth": person.date_of_birth,
                    "sex": person.sex if person.sex in ("female", "male") else "",
                    "dni": dni,
                }
            )
        with open(out, "w") as handle:
            json.dump(export(rows, secret=secret, agency=agency), handle)
        self.stdout.write(f"{len(rows)} codificaciones exportadas.")
