"""The clinic's figures for the statistics app: patients and consultations by service, community and month;
screenings and their results; referrals and their outcome. Every count goes through the statistics app's
disclosure control (sistra.stats.disclosure): a cell of 1..threshold-1 is never shown, with complementary
suppression so it cannot be worked out from the total. No screening answer ever leaves as a row."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max
from django.db.models.functions import TruncMonth

from sistra.assistance.models import Referral
from sistra.stats.disclosure import suppress_vector

from .models import Consultation, Patient, Screening, Service


@dataclass
class Figure:
    title: str
    rows: list[tuple[str, int | None]]
    total: int | None


def _suppressed(title: str, labelled_counts: list[tuple[str, int]]) -> Figure:
    table = suppress_vector([n for _label, n in labelled_counts])
    rows = [(label, table.get(i, 0)) for i, (label, _n) in enumerate(labelled_counts)]
    return Figure(title=title, rows=rows, total=table.col_total(0))


# the dashboard's counts are kept this long, and only while no consultation, patient, screening or referral
# was added or a referral changed (the key carries their newest ids): at 300,000 consultations the six GROUP
# BYs cost ~0.25 s of every dashboard view
CACHE_SECONDS = 600


def clinic_figures(*, agencies=None, year: int | None = None, cached: bool = False) -> list[Figure]:

    key = None
    if cached and agencies is None:
        marks = [m.objects.aggregate(n=Max("id"))["n"] for m in (Consultation, Patient, Screening)]
        changed = Referral.objects.filter(clinic_screening__isnull=False).aggregate(t=Max("updated_at"))["t"]
        key = f"clinic-figures:{year}:{marks}:{changed}"
        counts = cache.get(key)
        if counts is not None:
            return _figures(*counts)
    counts = _counts(agencies, year)
    if key:
        cache.set(key, counts, CACHE_SECONDS)
    return _figures(*counts)


def _counts(agencies, year):
    consultations = Consultation.objects.all()
    patients = Patient.objects.all()
    screenings = Screening.objects.all()
    if agencies is not None:
        consultations = consultations.filter(agency__in=agencies)
        patients = patients.filter(agency__in=agencies)
        screenings = screenings.filter(agency__in=agencies)
    if year is not None:
        consultations = consultations.filter(attended_on__year=year)
        patients = patients.filter(registered_on__year=year)
        screenings = screenings.filter(screened_on__year=year)
    by_service = dict(consultations.values_list("service").annotate(n=Count("id")).order_by())
    by_community = list(
        consultations.values_list("community__name").annotate(n=Count("id")).order_by("community__name")
    )
    by_month = list(
        consultations.annotate(m=TruncMonth("attended_on"))
        .values_list("m")
        .annotate(n=Count("id"))
        .order_by("m")
    )
    patients_by_community = list(
        patients.values_list("community__name").annotate(n=Count("id")).order_by("community__name")
    )
    by_result = dict(screenings.values_list("result").annotate(n=Count("id")).order_by())
    referrals = Referral.objects.filter(clinic_screening__in=screenings)
    by_status = dict(referrals.values_list("status").annotate(n=Count("id")).order_by())
    return by_service, by_community, by_month, patients_by_community, by_result, by_status


def _figures(by_service, by_community, by_month, patients_by_community, by_result, by_status) -> list[Figure]:
    from django.utils.translation import gettext as _

    return [
        _suppressed(
            _("Consultas por servicio"),
            [(str(label), by_service.get(code, 0)) for code, label in Service.choices],
        ),
        _suppressed(_("Consultas por comunidad"), by_community),
        _suppressed(_("Consultas por mes"), [(m.strftime("%Y-%m"), n) for m, n in by_month]),
        _suppressed(_("Pacientes por comunidad"), patients_by_community),
        _suppressed(
            _("Tamizajes de trata por resultado"),
            [(str(label), by_result.get(code, 0)) for code, label in Screening.Result.choices],
        ),
        _suppressed(
            _("Derivaciones desde la clínica por estado"),
            [(str(label), by_status.get(code, 0)) for code, label in Referral.Status.choices],
        ),
    ]
