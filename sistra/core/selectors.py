"""Reads of the reference data: legal deadlines, the penal article in force on a date, ubigeo search."""

from datetime import date, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from sistra.core.models import PenalArticle, ProceduralStage, Ubigeo
from sistra.core.text import normalize

# Deadlines to lodge an appeal or a cassation are counted in working days (NCPP art. 414); the investigation
# deadlines in calendar days (art. 342.1 says "días naturales"). Public holidays are not known here, so a
# working-day deadline is the earliest it can fall: the prosecutor's office must check holidays.
BUSINESS_DAY_STAGES = frozenset({"apelacion", "casacion"})


def _add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def stage_deadline(stage: ProceduralStage, *, started_on: date, is_complex: bool) -> date | None:
    """The last day of the stage's legal term, or None when the law sets none."""
    days = stage.deadline_days_complex if is_complex and stage.deadline_days_complex else stage.deadline_days
    if not days:
        return None
    if stage.code in BUSINESS_DAY_STAGES:
        return _add_business_days(started_on, days)
    return started_on + timedelta(days=days)


def articles_in_force_on(day: date) -> QuerySet[PenalArticle]:
    return PenalArticle.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def article_in_force(article_code_or_article_number: str, on_date: date) -> PenalArticle | None:
    """The version in force on ``on_date`` of an article given by number ("153-A") or version code
    ("CP-153-L28950"); None if that article was not in force that day."""
    key = article_code_or_article_number.strip().upper()
    for prefix in ("ARTÍCULO", "ARTICULO", "ART."):
        key = key.removeprefix(prefix).strip()
    field = "code" if key.startswith("CP-") else "article"
    return articles_in_force_on(on_date).filter(**{field: key}).first()


def ubigeo_search(text: str, level: str | None = None) -> QuerySet[Ubigeo]:
    """Ubigeos whose name matches ``text`` ignoring accents, case and ñ; extra words narrow by the parent names
    ("miraflores arequipa"). Digits match the INEI or RENIEC code prefix."""
    qs = Ubigeo.objects.select_related("parent__parent")
    if level:
        qs = qs.filter(level=level)
    text = (text or "").strip()
    if not text:
        return qs.none()
    if text.isdigit():
        matches = qs.filter(Q(code__startswith=text) | Q(reniec_code__startswith=text))
    else:
        words = normalize(text).split()
        # About 2,100 short rows: matching in Python is what makes accents and ñ portable across databases.
        codes = []
        for code, name, parent, grandparent in qs.values_list(
            "code", "name", "parent__name", "parent__parent__name"
        ):
            own = normalize(name)
            path = " ".join([own, normalize(parent), normalize(grandparent)])
            if all(w in path for w in words) and any(w in own for w in words):
                codes.append(code)
        matches = qs.filter(code__in=codes)
    level_order = Case(
        When(level=Ubigeo.Level.DEPARTAMENTO, then=Value(0)),
        When(level=Ubigeo.Level.PROVINCIA, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return matches.order_by(level_order, "name", "code")
