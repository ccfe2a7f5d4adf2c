"""Reads of the reference data: legal deadlines, the penal article in force on a date, ubigeo search."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from sistra.core.models import DeadlineKind, PenalArticle, ProceduralStage, Ubigeo
from sistra.core.text import normalize
from sistra.core.workdays import add_months, add_working_days

# Deadlines to lodge an appeal or a cassation are counted in working days (NCPP art. 414): weekends and Peru's
# national public holidays are skipped (sistra.core.workdays). The investigation terms are calendar days (art.
# 342.1 says "días naturales"); the complex-case and organised-crime terms are months (arts. 334.2 and 342.2 as
# amended by Ley 30077), counted from date to date.
BUSINESS_DAY_STAGES = frozenset({"apelacion", "casacion"})


@dataclass(frozen=True)
class StageTerm:
    due: date
    kind: str  # a DeadlineKind value


def stage_term(
    stage: ProceduralStage, *, started_on: date, is_complex: bool, is_organized: bool = False
) -> StageTerm | None:
    """The last day of the stage's legal term and which term it is, or None when the law sets none. This is the
    one deadline rule: the case page, the stored Case.next_deadline_on (kept by the case services and the seed)
    and the deadline overviews and digests all come from it."""
    if is_organized and stage.deadline_months_organized:
        return StageTerm(add_months(started_on, stage.deadline_months_organized), DeadlineKind.ORGANIZED)
    # an organised-crime case is complex too (art. 342.3): where no organised-crime term exists, the complex one
    if (is_complex or is_organized) and stage.deadline_months_complex:
        return StageTerm(add_months(started_on, stage.deadline_months_complex), DeadlineKind.COMPLEX)
    days = stage.deadline_days
    if not days:
        return None
    if stage.code in BUSINESS_DAY_STAGES:
        return StageTerm(add_working_days(started_on, days), DeadlineKind.APPEAL)
    return StageTerm(started_on + timedelta(days=days), DeadlineKind.ORDINARY)


def stage_deadline(
    stage: ProceduralStage, *, started_on: date, is_complex: bool, is_organized: bool = False
) -> date | None:
    """The last day of the stage's legal term (see stage_term), or None when the law sets none."""
    term = stage_term(stage, started_on=started_on, is_complex=is_complex, is_organized=is_organized)
    return term.due if term else None


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
