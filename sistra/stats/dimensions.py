"""The dimensions every figure is cut by, with their codes, order and Spanish labels: age bands, the steps
of the attrition from complaint to conviction, the milestones whose durations are measured, departments
and provinces, and the bit masks that let one fact row carry several departments or forms."""

import datetime
from collections.abc import Iterable
from functools import cache

from django.utils.translation import gettext_lazy as _

# --- age ---------------------------------------------------------------------------------------------------

# Niñas y niños (0-11) and adolescentes (12-17) as the Código de los Niños y Adolescentes counts them.
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-11", 0, 11),
    ("12-17", 12, 17),
    ("18-24", 18, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50+", 50, None),
]
AGE_UNKNOWN = "unknown"
AGE_BAND_CODES = [code for code, _lo, _hi in AGE_BANDS] + [AGE_UNKNOWN]


def age_band(age: int | None) -> str:
    if age is None:
        return AGE_UNKNOWN
    for code, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return code
    return AGE_UNKNOWN


def age_on(day: datetime.date, *, date_of_birth, estimated_age, age_estimated_on) -> int | None:
    """Person.age_on without building a Person: the same rule, for a million rows."""
    if date_of_birth:
        years = day.year - date_of_birth.year
        if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
            years -= 1
        return years
    if estimated_age is not None and age_estimated_on:
        return estimated_age + (day - age_estimated_on).days // 365
    return estimated_age


# --- the criminal process ----------------------------------------------------------------------------------

# The attrition from complaint to conviction. A step counts the cases that reached it or went beyond it
# (a plea agreement reaches a sentence without a trial: it still passed the earlier steps), so the funnel
# never widens.
ATTRITION_STEPS: list[tuple[str, object]] = [
    ("complaint", _("Denuncias")),
    ("formalised", _("Investigación preparatoria formalizada")),
    ("accusation", _("Acusación / etapa intermedia")),
    ("trial", _("Juicio oral")),
    ("sentence", _("Sentencia")),
    ("conviction", _("Condena")),
]
ATTRITION_CODES = [code for code, _label in ATTRITION_STEPS]
# the funnel rank each stage implies (index into ATTRITION_STEPS)
STAGE_RANK = {
    "denuncia": 0,
    "diligencias_preliminares": 0,
    "archivo": 0,
    "investigacion_preparatoria": 1,
    "terminacion_anticipada": 1,
    "acusacion_directa": 2,
    "etapa_intermedia": 2,
    "juicio_oral": 3,
    "conclusion_anticipada": 3,
    "sentencia": 4,
    "apelacion": 4,
    "casacion": 4,
    "ejecucion": 4,
}
CONVICTION_RANK = 5

# Milestones: first day the case entered any of these stages (days counted from the complaint).
MILESTONES: dict[str, tuple[str, ...]] = {
    "preliminary": ("diligencias_preliminares",),
    "formalised": ("investigacion_preparatoria",),
    "accusation": ("acusacion_directa", "etapa_intermedia"),
    "trial": ("juicio_oral",),
    "sentence": ("sentencia",),
}
MILESTONE_OF_STAGE = {stage: m for m, stages in MILESTONES.items() for stage in stages}
# (code, from milestone or "complaint", to milestone, label)
TRANSITIONS: list[tuple[str, str, str, object]] = [
    ("complaint_preliminary", "complaint", "preliminary", _("Denuncia → diligencias preliminares")),
    (
        "preliminary_formalised",
        "preliminary",
        "formalised",
        _("Diligencias preliminares → investigación preparatoria"),
    ),
    ("formalised_accusation", "formalised", "accusation", _("Investigación preparatoria → acusación")),
    ("accusation_trial", "accusation", "trial", _("Acusación → juicio oral")),
    ("trial_sentence", "trial", "sentence", _("Juicio oral → sentencia")),
    ("complaint_sentence", "complaint", "sentence", _("Denuncia → sentencia (total)")),
]
TRANSITION_CODES = [code for code, *_rest in TRANSITIONS]

CASE_OUTCOMES: list[tuple[str, object]] = [
    ("convicted", _("Con condena")),
    ("acquitted", _("Con absolución")),
    ("archived", _("Archivado / sobreseído")),
    ("pending", _("Sin resultado aún")),
]


def case_outcome(*, status: str, n_convicted: int, n_acquitted: int, n_archived: int, n_pending: int) -> str:
    """One outcome per case: a conviction of any defendant wins, then an acquittal, then the archive."""
    if n_convicted:
        return "convicted"
    if n_acquitted:
        return "acquitted"
    if status == "archived" or (n_archived and not n_pending):
        return "archived"
    return "pending"


# --- places ------------------------------------------------------------------------------------------------

# INEI department codes with their names as written in Spanish (the ubigeo source has them in capitals
# without accents).
DEPARTMENTS: dict[str, str] = {
    "01": "Amazonas",
    "02": "Áncash",
    "03": "Apurímac",
    "04": "Arequipa",
    "05": "Ayacucho",
    "06": "Cajamarca",
    "07": "Callao",
    "08": "Cusco",
    "09": "Huancavelica",
    "10": "Huánuco",
    "11": "Ica",
    "12": "Junín",
    "13": "La Libertad",
    "14": "Lambayeque",
    "15": "Lima",
    "16": "Loreto",
    "17": "Madre de Dios",
    "18": "Moquegua",
    "19": "Pasco",
    "20": "Piura",
    "21": "Puno",
    "22": "San Martín",
    "23": "Tacna",
    "24": "Tumbes",
    "25": "Ucayali",
}
FOREIGN_PREFIX = "ext:"


def dept_bit(code: str) -> int:
    return 1 << int(code)


def mask_of_departments(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes:
        if code in DEPARTMENTS:
            mask |= dept_bit(code)
    return mask


def departments_in(mask: int) -> list[str]:
    return [code for code in DEPARTMENTS if mask & (1 << int(code))]


def bits_in(mask: int, codes: list[str]) -> list[str]:
    """Codes whose bit (their position in `codes`) is set."""
    return [code for i, code in enumerate(codes) if mask & (1 << i)]


def mask_of(values: Iterable[str], codes: list[str]) -> int:
    index = {code: i for i, code in enumerate(codes)}
    mask = 0
    for value in values:
        if value in index:
            mask |= 1 << index[value]
    return mask


def _title(name: str) -> str:
    words = name.title().split()
    small = {"De", "Del", "La", "Las", "Los", "Y", "El"}
    return " ".join(w.lower() if i and w in small else w for i, w in enumerate(words))


@cache
def province_names() -> dict[str, str]:
    from sistra.core.models import Ubigeo

    return {
        code: _title(name)
        for code, name in Ubigeo.objects.filter(level=Ubigeo.Level.PROVINCIA).values_list(
            "provincia_code", "name"
        )
    }


def place_label(code: str) -> str:
    """A department (2 digits), province (4 digits) or foreign country (ext:XX)."""
    if code.startswith(FOREIGN_PREFIX):
        return country_name(code[len(FOREIGN_PREFIX) :])
    if len(code) == 2:
        return DEPARTMENTS.get(code, code)
    if len(code) == 4:
        name = province_names().get(code, code)
        return f"{name} ({DEPARTMENTS.get(code[:2], code[:2])})"
    return code


@cache
def _country_rows() -> dict[str, tuple[str, str, str]]:
    from sistra.core.models import Country

    return {
        c: (es, en, a3)
        for c, es, en, a3 in Country.objects.values_list("code", "name_es", "name_en", "alpha3")
    }


def country_name(code: str) -> str:
    from django.utils.translation import get_language

    row = _country_rows().get(code)
    if not row:
        return code or str(_("Sin dato"))
    return row[1] if (get_language() or "").startswith("en") and row[1] else row[0]


# --- forms of exploitation and means of control -------------------------------------------------------------


@cache
def _terms(vocabulary: str) -> list[tuple[str, str, str, str | None]]:
    from sistra.core.models import Term

    return list(
        Term.objects.filter(vocabulary=vocabulary)
        .order_by("sort_order", "code")
        .values_list("code", "name_es", "name_en", "parent__code")
    )


def top_level_forms() -> list[str]:
    return [code for code, _es, _en, parent in _terms("exploitation") if parent is None]


def form_top_level() -> dict[str, str]:
    """Every exploitation term code → its top-level code (the case list filters by either)."""
    mapping = {}
    for code, _es, _en, parent in _terms("exploitation"):
        mapping[code] = parent or code
    return mapping


def control_codes() -> list[str]:
    return [code for code, *_rest in _terms("control")]


def term_label(vocabulary: str, code: str) -> str:
    from django.utils.translation import get_language

    for c, es, en, _parent in _terms(vocabulary):
        if c == code:
            return en if (get_language() or "").startswith("en") and en else es
    return code


@cache
def distrito_fiscal_names() -> dict[str, str]:
    from sistra.core.models import DistritoFiscal

    return dict(DistritoFiscal.objects.values_list("code", "name"))


@cache
def stage_names() -> dict[str, tuple[str, str]]:
    from sistra.core.models import ProceduralStage

    return {
        code: (es, en)
        for code, es, en in ProceduralStage.objects.order_by("sort_order").values_list(
            "code", "name_es", "name_en"
        )
    }


def stage_label(code: str) -> str:
    from django.utils.translation import get_language

    names = stage_names().get(code)
    if not names:
        return code
    return names[1] if (get_language() or "").startswith("en") and names[1] else names[0]


def clear_caches() -> None:
    """Reference data is read once per process; tests that change it call this."""
    for f in (province_names, _country_rows, _terms, distrito_fiscal_names, stage_names):
        f.cache_clear()
