"""Quality of a linkage against known truth: pairwise precision/recall/F1 and B-cubed over clusters."""

from collections import defaultdict


def pairwise(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def b_cubed(predicted: dict, truth: dict) -> tuple[float, float, float]:
    """predicted/truth: record id → cluster id. Per-record precision and recall of its cluster, averaged."""
    by_pred, by_true = defaultdict(set), defaultdict(set)
    for record, cluster in predicted.items():
        by_pred[cluster].add(record)
    for record, cluster in truth.items():
        by_true[cluster].add(record)
    precision = recall = 0.0
    for record in truth:
        mine, real = by_pred[predicted[record]], by_true[truth[record]]
        overlap = len(mine & real)
        precision += overlap / len(mine)
        recall += overlap / len(real)
    n = len(truth)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)
