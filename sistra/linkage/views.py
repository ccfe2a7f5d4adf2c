"""Pages of the record linkage for data stewards: the review queue, a pair side by side with the decision,
unmerge, and the batch runs. A pair the steward may not see is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sistra.accounts.capabilities import Capability
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access
from sistra.people.access import access_person

from . import batch, services
from .access import access_candidate
from .forms import DecisionForm, ReasonForm
from .models import LinkageRun, LinkCandidate
from .selectors import review_queue, side

IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "date_of_birth", "documents"]


def _require_steward(user) -> None:
    if not user.can(Capability.LINKAGE_REVIEW):
        raise PermissionDenied


@never_cache
def queue(request):
    _require_steward(request.user)
    status = request.GET.get("estado", LinkCandidate.Status.PENDING)
    if status not in LinkCandidate.Status.values:
        status = LinkCandidate.Status.PENDING
    return render(
        request,
        "linkage/queue.html",
        {
            "candidates": review_queue(request.user, status=status)[:200],
            "status": status,
            "statuses": LinkCandidate.Status.choices,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def review(request, candidate_uuid):
    user = request.user
    _require_steward(user)
    candidate = access_candidate(user, candidate_uuid)
    status = 200
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.candidate_decide(
                    actor=user,
                    candidate=candidate,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Decisión registrada."))
                return redirect("linkage:queue")
        status = 422
    else:
        form = DecisionForm(initial={"version": candidate.version})
    sides = [side(user, candidate.person_a), side(user, candidate.person_b)]
    with transaction.atomic():
        for s in sides:
            if s.identity:
                log_access(
                    actor=user, instance=s.person, fields=IDENTITY_FIELDS, purpose=AccessLog.Purpose.LINKAGE
                )
        return render(
            request,
            "linkage/review.html",
            {
                "candidate": candidate,
                "sides": sides,
                "form": form,
                "editable": candidate.status in (LinkCandidate.Status.PENDING, LinkCandidate.Status.UNSURE),
            },
            status=status,
        )


@never_cache
@require_POST
def unmerge(request, person_uuid):
    user = request.user
    _require_steward(user)
    person = access_person(user, person_uuid)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indique el motivo de la separación."))
        return redirect("people:detail", person_uuid=person.uuid)
    try:
        services.identity_unmerge(
            actor=user, identity=services.active_identity(person), reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Los registros vuelven a estar separados."))
    return redirect("people:detail", person_uuid=person.uuid)


@never_cache
@require_http_methods(["GET", "POST"])
def runs(request):
    user = request.user
    if not user.can(Capability.LINKAGE_RUN):
        raise PermissionDenied
    if request.method == "POST":
        try:
            batch.run_start(actor=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Vinculación por lotes en cola."))
        return redirect("linkage:runs")
    return render(
        request, "linkage/runs.html", {"runs": LinkageRun.objects.select_related("started_by")[:20]}
    )
