"""Match two agencies' CLK files and print only the linked pairs (keyed ids and Dice score):
`sistra linkage_clk_match OURS THEIRS --secret-file PATH [--threshold 0.8]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sistra.linkage.management.commands.linkage_clk_export import read_secret
from sistra.linkage.pprl import load, match


class Command(BaseCommand):
    help = "Compara dos archivos de codificaciones CLK y muestra solo los pares vinculados."

    def add_arguments(self, parser):
        parser.add_argument("ours")
        parser.add_argument("theirs")
        parser.add_argument("--secret-file", required=True)
        parser.add_argument("--threshold", type=float, default=0.8)

    def handle(self, *args, ours, theirs, secret_file, threshold, **options):
        secret = read_secret(secret_file)
        encodings = []
        for path in (ours, theirs):
            try:
                with open(path) as handle:
                    encodings.append(load(handle.read(), secret=secret))
            except OSError as exc:
                raise CommandError(f"No se puede leer {path}: {exc.strerror}.") from None
            except ValidationError as exc:
                raise CommandError(f"{path}: {' '.join(exc.messages)}") from None
        pairs = match(encodings[0], encodings[1], threshold=threshold)
        for a, b, score in pairs:
            self.stdout.write(f"{a}\t{b}\t{score}")
        self.stderr.write(f"{len(pairs)} pares vinculados.")
