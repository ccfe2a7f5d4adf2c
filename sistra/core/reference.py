"""Load the reference data in sistra/core/data (sources and licences in data/SOURCES.md) into the database.

Every loader takes its model class as an argument so a data migration can pass the historical model from
``apps.get_model``; ``load_all(apps)`` loads everything in dependency order. The files are the source of
truth: loading upserts by natural key, so running a loader again adds no rows and brings changed rows back
in line with the files.
"""

import csv
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
PERU_DIR = DATA_DIR / "peru"
BATCH_SIZE = 500

# The ubigeo source gives no INEI code for San Antonio (Mariscal Nieto, Moquegua), a district created after
# INEI's last published list; it has RENIEC code 170107. We key it by the free INEI code of its province plus
# the same district number, as INEI numbers new districts in sequence (see SOURCES.md).
_INEI_CODE_FOR_RENIEC = {"170107": "180107"}

_MISSING = {"", "NA"}


def _rows(path: Path) -> list[dict[str, str]]:
    # newline="" keeps quoted fields that contain line breaks (two district capitals) in one row.
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _text(value: str | None) -> str:
    if value is None or value.strip() in _MISSING:
        return ""
    return " ".join(value.split())


def _float(value: str | None) -> float | None:
    text = _text(value)
    return float(text) if text else None


def _int(value: str | None) -> int | None:
    text = _text(value)
    return int(text) if text else None


def _date(value: str | None) -> date | None:
    text = _text(value)
    return date.fromisoformat(text) if text else None


def _bool(value: str | None) -> bool:
    return _text(value).lower() in {"true", "1", "yes", "sí", "si"}


def _upsert(model, objs: list, *, unique_fields: list[str], update_fields: list[str]) -> None:
    model.objects.bulk_create(
        objs,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=update_fields,
    )


# ---------------------------------------------------------------------------------------------- ubigeo

_UBIGEO_FIELDS = [
    "reniec_code",
    "level",
    "name",
    "parent",
    "departamento_code",
    "provincia_code",
    "iso_3166_2",
    "capital",
    "latitude",
    "longitude",
]


def _ubigeo(Ubigeo, row: dict[str, str], *, level: str, name: str, code: str, parent_code: str | None):
    return Ubigeo(
        code=code,
        reniec_code=_text(row["reniec"]),
        level=level,
        name=_text(name),
        parent_id=parent_code,
        departamento_code=code[:2],
        provincia_code=code[:4] if level != "departamento" else "",
        iso_3166_2=_text(row["iso_3166_2"]),
        capital=_text(row["capital"]),
        latitude=_float(row["latitude"]),
        longitude=_float(row["longitude"]),
    )


def _district_code(row: dict[str, str]) -> str:
    code = _text(row["inei"])
    if code:
        return code
    reniec = _text(row["reniec"])
    if reniec in _INEI_CODE_FOR_RENIEC:
        return _INEI_CODE_FOR_RENIEC[reniec]
    raise ValueError(f"Distrito sin código INEI en la fuente: {row['distrito']} (RENIEC {reniec})")


def load_ubigeo(Ubigeo) -> None:
    """Departments, provinces and districts in one table keyed by the 6-digit INEI code."""
    departamentos = [
        _ubigeo(Ubigeo, r, level="departamento", name=r["departamento"], code=r["inei"], parent_code=None)
        for r in _rows(PERU_DIR / "ubigeo_departamento.csv")
    ]
    provincias = [
        _ubigeo(
            Ubigeo,
            r,
            level="provincia",
            name=r["provincia"],
            code=r["inei"],
            parent_code=r["inei"][:2] + "0000",
        )
        for r in _rows(PERU_DIR / "ubigeo_provincia.csv")
    ]
    distritos = []
    for r in _rows(PERU_DIR / "ubigeo_distrito.csv"):
        code = _district_code(r)
        distritos.append(
            _ubigeo(Ubigeo, r, level="distrito", name=r["distrito"], code=code, parent_code=code[:4] + "00")
        )
    # Parents first, so the foreign keys hold at every step on any database.
    for level in (departamentos, provincias, distritos):
        _upsert(Ubigeo, level, unique_fields=["code"], update_fields=_UBIGEO_FIELDS)


# ------------------------------------------------------------------------------------- other tables


def load_countries(Country) -> None:
    # Values are read verbatim (not through _text): "NA" is Namibia here, not a missing value.
    objs = [
        Country(
            code=r["code"],
            alpha3=r["alpha3"],
            numeric=r["numeric"],
            name_es=r["name_es"],
            name_en=r["name_en"],
        )
        for r in _rows(DATA_DIR / "countries.csv")
    ]
    _upsert(Country, objs, unique_fields=["code"], update_fields=["alpha3", "numeric", "name_es", "name_en"])


def load_distritos_fiscales(DistritoFiscal) -> None:
    objs = [
        DistritoFiscal(code=r["code"], name=r["name"], departamento_id=r["departamento_inei"] + "0000")
        for r in _rows(DATA_DIR / "distritos_fiscales.csv")
    ]
    _upsert(DistritoFiscal, objs, unique_fields=["code"], update_fields=["name", "departamento"])


def load_penal_articles(PenalArticle) -> None:
    objs = [
        PenalArticle(
            code=r["code"],
            article=r["article"],
            law=r["law"],
            title_es=r["title_es"],
            title_en=_text(r["title_en"]),
            valid_from=_date(r["valid_from"]),
            valid_to=_date(r["valid_to"]),
            is_trafficking=_bool(r["is_trafficking"]),
            notes=_text(r["notes"]),
        )
        for r in _rows(DATA_DIR / "penal_articles.csv")
    ]
    _upsert(
        PenalArticle,
        objs,
        unique_fields=["code"],
        update_fields=[
            "article",
            "law",
            "title_es",
            "title_en",
            "valid_from",
            "valid_to",
            "is_trafficking",
            "notes",
        ],
    )


def load_terms(Term) -> None:
    """All controlled vocabularies; a Peruvian category points at the HTCDS value it refines."""
    rows = _rows(DATA_DIR / "terms.csv")
    objs = [
        Term(
            vocabulary=r["vocabulary"],
            code=r["code"],
            htcds_value=_text(r["htcds_value"]),
            name_es=r["name_es"],
            name_en=_text(r["name_en"]),
            sort_order=_int(r["sort_order"]) or 0,
        )
        for r in rows
    ]
    _upsert(
        Term,
        objs,
        unique_fields=["vocabulary", "code"],
        update_fields=["htcds_value", "name_es", "name_en", "sort_order"],
    )
    ids = {(v, c): pk for v, c, pk in Term.objects.values_list("vocabulary", "code", "pk")}
    changed = []
    for r in rows:
        term = Term(pk=ids[(r["vocabulary"], r["code"])])
        term.parent_id = ids[(r["vocabulary"], r["parent_code"])] if r["parent_code"] else None
        changed.append(term)
    Term.objects.bulk_update(changed, ["parent"], batch_size=BATCH_SIZE)


def load_stages(ProceduralStage) -> None:
    rows = _rows(DATA_DIR / "procedural_stages.csv")
    # the month terms came in a later migration (core 0004): an earlier historical model has no such fields
    present = {f.name for f in ProceduralStage._meta.get_fields()}
    month_fields = [
        name for name in ("deadline_months_complex", "deadline_months_organized") if name in present
    ]
    objs = [
        ProceduralStage(
            code=r["code"],
            name_es=r["name_es"],
            name_en=_text(r["name_en"]),
            sort_order=int(r["sort_order"]),
            deadline_days=_int(r["deadline_days"]),
            deadline_basis=_text(r["deadline_basis"]),
            is_terminal=_bool(r["is_terminal"]),
            **{name: _int(r.get(name)) for name in month_fields},
        )
        for r in rows
    ]
    _upsert(
        ProceduralStage,
        objs,
        unique_fields=["code"],
        update_fields=[
            "name_es",
            "name_en",
            "sort_order",
            "deadline_days",
            "deadline_basis",
            "is_terminal",
            *month_fields,
        ],
    )
    Through = ProceduralStage.next_stages.through
    wanted = {(r["code"], nxt) for r in rows for nxt in filter(None, _text(r["next_stages"]).split("|"))}
    existing = set(Through.objects.values_list("from_proceduralstage_id", "to_proceduralstage_id"))
    Through.objects.bulk_create(
        [Through(from_proceduralstage_id=a, to_proceduralstage_id=b) for a, b in sorted(wanted - existing)]
    )
    for a, b in existing - wanted:
        Through.objects.filter(from_proceduralstage_id=a, to_proceduralstage_id=b).delete()


def load_all(apps) -> None:
    """Load every reference table; ``apps`` is a migration's app registry or ``django.apps.apps``."""
    load_ubigeo(apps.get_model("core", "Ubigeo"))
    load_countries(apps.get_model("core", "Country"))
    load_distritos_fiscales(apps.get_model("core", "DistritoFiscal"))
    load_penal_articles(apps.get_model("core", "PenalArticle"))
    load_terms(apps.get_model("core", "Term"))
    load_stages(apps.get_model("core", "ProceduralStage"))
