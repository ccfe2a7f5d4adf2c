"""Batch linkage over every person in the registry, as a background task: blocking by the stored keys'
rules, the EM-trained Fellegi–Sunter model (or Splink 5 on DuckDB), pairs in the possible band or above sent
to review (past decisions reused), clusters at the strong threshold recorded with the run."""

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.audit.services import record_change
from sistra.people.matching import default_model
from sistra.people.matching.batch import (
    blocked_pairs,
    clusters,
    code_vector,
    columns,
    for_file,
    score_blocked,
)
from sistra.people.matching.registry import person_features
from sistra.people.models import Person

from .models import IdentityMember, LinkageRun, LinkCandidate

ONE_AT_A_TIME = _("Ya hay una vinculación por lotes en curso. Espere a que termine antes de iniciar otra.")


@transaction.atomic
def run_start(*, actor, engine: str = "sistra") -> LinkageRun:
    if LinkageRun.objects.filter(active=True).exists():
        raise ValidationError(ONE_AT_A_TIME)
    model = default_model()
    try:
        with transaction.atomic():
            run = LinkageRun.objects.create(
                started_by=actor,
                engine=engine,
                thresholds={"strong": model.strong, "possible": model.possible},
                parameters=model.to_json(),
            )
    except IntegrityError:
        # another steward started one between our check and our insert
        raise ValidationError(ONE_AT_A_TIME) from None
    record_change(
        actor=actor,
        action="create",
        instance=run,
        after={"engine": engine, "thresholds": run.thresholds},
        root=run,
        summary=_("Vinculación por lotes iniciada"),
    )
    transaction.on_commit(lambda: run_batch_linkage.enqueue(str(run.uuid)))
    return run


def _progress(run: LinkageRun, value: int) -> None:
    run.progress = value
    LinkageRun.objects.filter(pk=run.pk).update(progress=value)


def execute_run(run_uuid: str) -> str:
    run = LinkageRun.objects.filter(uuid=run_uuid, active=True).first()
    if run is None:
        return "missing"
    LinkageRun.objects.filter(pk=run.pk).update(status=LinkageRun.Status.RUNNING, started_at=timezone.now())
    try:
        results = _link_all(run)
    except Exception as exc:  # the run is marked failed, whatever went wrong, and the lock released
        LinkageRun.objects.filter(pk=run.pk).update(
            status=LinkageRun.Status.FAILED, active=None, finished_at=timezone.now(), message=str(exc)[:300]
        )
        raise
    LinkageRun.objects.filter(pk=run.pk).update(
        status=LinkageRun.Status.DONE, active=None, progress=100, finished_at=timezone.now(), results=results
    )
    return "done"


def _link_all(run: LinkageRun) -> dict:
    from .services import candidate_propose

    persons = list(Person.objects.prefetch_related("documents").order_by("pk"))
    feats = [person_features(p) for p in persons]
    model = for_file(default_model(), len(feats))
    cols = columns(feats)
    _progress(run, 20)
    # the fast path (ADR 0173): the same comparison vectors and probabilities as comparison_vector and
    # Model.match_weight, over columns; over-size keys split by birth year rather than dropped
    lo, hi = blocked_pairs(feats, cols=cols)
    _progress(run, 40)
    identity_of = dict(
        IdentityMember.objects.filter(removed_at__isnull=True).values_list("person_id", "identity_id")
    )
    decided = {
        (a, b): s
        for a, b, s in LinkCandidate.objects.exclude(status=LinkCandidate.Status.PENDING).values_list(
            "person_a_id", "person_b_id", "status"
        )
    }
    n = len(persons)
    si, sj, codes, _probabilities = score_blocked(cols, model, lo, hi, minimum=model.possible)
    _progress(run, 70)
    # a decided pair is reused whatever its score, as long as blocking brings it in
    index_of = {p.pk: k for k, p in enumerate(persons)}
    decided_codes = np.array(
        [
            min(index_of[a], index_of[b]) * n + max(index_of[a], index_of[b])
            for a, b in decided
            if a in index_of and b in index_of
        ],
        dtype=np.int64,
    )
    blocked_codes = lo.astype(np.int64) * n + hi
    decided_blocked = decided_codes[np.isin(decided_codes, blocked_codes)]
    vectors = {int(i) * n + int(j): code_vector(int(c)) for i, j, c in zip(si, sj, codes, strict=True)}
    strong_links, proposed, reused, weights = [], 0, 0, []
    for key in sorted(set(vectors) | set(decided_blocked.tolist())):
        i, j = divmod(key, n)
        a, b = (persons[i], persons[j]) if persons[i].pk < persons[j].pk else (persons[j], persons[i])
        status = decided.get((a.pk, b.pk))
        if status is not None:
            reused += 1
            if status == LinkCandidate.Status.LINKED:
                strong_links.append((i, j))
            continue
        vector = vectors[key]
        weight = model.match_weight(vector)
        probability = model.probability(weight)
        band = model.band(probability)
        if band == "strong":
            strong_links.append((i, j))
        weights.append(round(weight, 2))
        same = identity_of.get(a.pk) is not None and identity_of.get(a.pk) == identity_of.get(b.pk)
        if not same and candidate_propose(
            a=a,
            b=b,
            probability=probability,
            band=band,
            vector=vector,
            origin=LinkCandidate.Origin.BATCH,
            run=run,
        ):
            proposed += 1
    cluster_of = clusters(len(persons), strong_links)
    sizes: dict[int, int] = {}
    for c in cluster_of:
        sizes[c] = sizes.get(c, 0) + 1
    return {
        "persons": len(persons),
        "compared_pairs": len(lo),
        "proposed": proposed,
        "decisions_reused": reused,
        "clusters": len(sizes),
        "clusters_of_two_or_more": sum(1 for s in sizes.values() if s > 1),
        "match_weights": sorted(weights)[-1000:],
        "prior": model.prior,
    }


# --- background work (Django's tasks API): defined beside the service that enqueues it, so that services and
# tasks form no import circle; tasks.py lists the tasks for the worker (ADR 0170). Tasks take public
# identifiers.


@task
def run_batch_linkage(run_uuid: str) -> str:
    return execute_run(run_uuid)
