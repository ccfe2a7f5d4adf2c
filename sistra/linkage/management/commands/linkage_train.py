"""Learn the matcher's m/u probabilities by EM on generated Peruvian records with known truth and keep them
in sistra/people/matching/params.json. The band thresholds are chosen here, on the tuning seed, and never on
the seed the benchmark reports."""

from django.core.management.base import BaseCommand

from sistra.linkage.evaluation import pairwise
from sistra.linkage.generator import generate, true_pairs
from sistra.people.matching import features
from sistra.people.matching.batch import candidate_pairs, score_pairs, train
from sistra.people.matching.model import PARAMS_FILE


class Command(BaseCommand):
    help = "Entrena el modelo de comparación de personas (EM) con datos generados y guarda los parámetros."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--target-precision", type=float, default=0.995)

    def handle(self, *args, persons, seed, target_precision, **options):
        records = generate(persons, seed=seed)
        feats = [features(**r.as_dict()) for r in records]
        model = train(feats, seed=seed, meta={"generator_seed": seed, "generator_persons": persons})
        ids = [r.record_id for r in records]
        truth = true_pairs(records)
        scored = score_pairs(feats, model, candidate_pairs(feats))
        strong = None
        for threshold in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999):
            predicted = {tuple(sorted((ids[i], ids[j]))) for i, j, p in scored if p >= threshold}
            precision, recall, f1 = pairwise(predicted, truth)
            self.stdout.write(f"{threshold}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
            if strong is None and precision >= target_precision:
                strong = threshold
        model.strong = strong or 0.999
        model.possible = 0.5
        model.save()
        self.stdout.write(f"strong ≥ {model.strong}, possible ≥ {model.possible}; saved to {PARAMS_FILE}")
