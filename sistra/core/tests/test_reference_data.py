"""The reference data loaded by migration core 0002: counts, hierarchy, legal validity, stages, idempotency."""

import time
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db.models import F

from sistra.core import reference
from sistra.core.models import Country, DistritoFiscal, PenalArticle, ProceduralStage, Term, Ubigeo
from sistra.core.selectors import article_in_force, articles_in_force_on, stage_deadline, ubigeo_search

REFERENCE_MODELS = [Ubigeo, Country, DistritoFiscal, PenalArticle, Term, ProceduralStage]


@pytest.fixture
def loaded(db):
    # The data migration loads everything; a transactional test elsewhere may have flushed it since.
    if not Ubigeo.objects.exists():
        reference.load_all(apps)


def _stage(code: str) -> ProceduralStage:
    return ProceduralStage.objects.get(code=code)


# ---------------------------------------------------------------------------------------------- ubigeo


def test_ubigeo_has_every_department_province_and_district(loaded):
    counts = {level: Ubigeo.objects.filter(level=level).count() for level in Ubigeo.Level.values}
    assert counts == {"departamento": 25, "provincia": 196, "distrito": 1893}


def test_every_district_hangs_from_a_province_of_its_department(loaded):
    districts = Ubigeo.objects.filter(level="distrito").select_related("parent__parent")
    for d in districts:
        assert d.parent.level == "provincia", d.code
        assert d.parent.parent.level == "departamento", d.code
        assert d.parent.parent.parent_id is None
        assert d.parent.code == d.code[:4] + "00"
        assert d.departamento_code == d.parent.parent.code[:2]
        assert d.provincia_code == d.parent.code[:4]


def test_full_name_reads_district_province_department(loaded):
    assert Ubigeo.objects.get(code="080101").full_name == "CUSCO, CUSCO, CUSCO"
    tambopata = Ubigeo.objects.get(code="170101")
    assert tambopata.full_name == "TAMBOPATA, TAMBOPATA, MADRE DE DIOS"
    assert tambopata.capital == "Puerto Maldonado"


def test_inei_and_reniec_codes_differ_for_some_districts(loaded):
    differing = Ubigeo.objects.filter(level="distrito").exclude(reniec_code="").exclude(reniec_code=F("code"))
    assert differing.count() > 1000
    # Cusco is 08 for INEI and 07 for RENIEC; DNI addresses carry the RENIEC code.
    assert Ubigeo.objects.get(code="080101").reniec_code == "070101"


def test_a_capital_split_over_two_lines_in_the_source_is_one_clean_name(loaded):
    assert Ubigeo.objects.get(code="010519").capital == "San Juan de Lopecancha"


def test_districts_missing_a_code_in_the_source_are_kept(loaded):
    huachipa = Ubigeo.objects.get(code="150144")
    assert huachipa.reniec_code == "" and huachipa.latitude is None
    san_antonio = Ubigeo.objects.get(reniec_code="170107")
    assert (san_antonio.code, san_antonio.name, san_antonio.parent_id) == ("180107", "SAN ANTONIO", "180100")


def test_ubigeo_search_ignores_accents_case_and_enye(loaded):
    assert "150500" in set(ubigeo_search("cañete").values_list("code", flat=True))
    assert "150500" in set(ubigeo_search("CANETE", level="provincia").values_list("code", flat=True))
    assert list(ubigeo_search("madre de dios", level="departamento").values_list("code", flat=True)) == [
        "170000"
    ]


def test_ubigeo_search_narrows_by_parent_names_and_lists_departments_first(loaded):
    miraflores = list(ubigeo_search("miraflores arequipa").values_list("code", flat=True))
    assert miraflores == ["040110"]
    lima = list(ubigeo_search("lima"))
    assert lima[0].code == "150000" and lima[0].level == "departamento"
    assert ubigeo_search("0801").filter(code="080101").exists()
    assert not ubigeo_search("").exists()


# ------------------------------------------------------------------------------ countries, fiscal districts


def test_all_iso_countries_are_loaded_with_common_spanish_names(loaded):
    assert Country.objects.count() >= 249
    names = dict(
        Country.objects.filter(code__in=["PE", "BO", "VE", "US", "NA"]).values_list("code", "name_es")
    )
    assert names == {
        "PE": "Perú",
        "BO": "Bolivia",
        "VE": "Venezuela",
        "US": "Estados Unidos",
        "NA": "Namibia",
    }
    assert Country.objects.get(code="PE").alpha3 == "PER"


def test_distritos_fiscales_point_at_their_main_department(loaded):
    assert DistritoFiscal.objects.count() == 34
    main = dict(DistritoFiscal.objects.values_list("code", "departamento_id"))
    assert main["selva-central"] == "120000"
    assert main["del-santa"] == "020000"
    assert main["sullana"] == "200000"
    assert main["callao"] == "070000"
    assert {main[c] for c in ("huaura", "canete", "lima-centro", "lima-norte", "lima-sur")} == {"150000"}
    assert DistritoFiscal.objects.get(code="canete").name == "Cañete"


# ----------------------------------------------------------------------------------------- penal articles


def test_versions_of_an_article_never_overlap_and_only_the_last_is_open(loaded):
    versions = defaultdict(list)
    for a in PenalArticle.objects.order_by("valid_from"):
        versions[a.article].append(a)
    for article, items in versions.items():
        for earlier, later in zip(items, items[1:], strict=False):
            assert earlier.valid_to is not None, article
            assert earlier.valid_to < later.valid_from, article
        assert all(a.valid_to is None or a.valid_to >= a.valid_from for a in items)


def test_a_replaced_version_ends_the_day_before_its_successor_starts(loaded):
    for old, new in [
        ("CP-182-L28251", "CP-153-L28950"),
        ("CP-153-L28950", "CP-153-L30251"),
        ("CP-153-L30251", "CP-129-A-L31146"),
        ("CP-153-A-L28950", "CP-129-B-L31146"),
        ("CP-153-B-DLEG1323", "CP-153-B-L30963"),
        ("CP-153-C-DLEG1323", "CP-129-Ñ-L31146"),
        ("CP-168-B-DLEG1323", "CP-129-O-L31146"),
    ]:
        ended = PenalArticle.objects.get(code=old).valid_to
        assert ended + timedelta(days=1) == PenalArticle.objects.get(code=new).valid_from, (old, new)


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2005, 3, 1), {"182"}),
        (date(2010, 5, 1), {"153", "153-A"}),
        (date(2016, 1, 1), {"153", "153-A"}),
        (date(2022, 1, 1), {"129-A", "129-B"}),
    ],
)
def test_the_trafficking_articles_in_force_change_with_the_law(loaded, day, expected):
    assert (
        set(articles_in_force_on(day).filter(is_trafficking=True).values_list("article", flat=True))
        == expected
    )


def test_the_right_version_of_trata_is_in_force_on_each_date(loaded):
    assert article_in_force("153", date(2010, 5, 1)).code == "CP-153-L28950"
    assert article_in_force("153", date(2016, 1, 1)).law == "Ley 30251"
    assert article_in_force("129-A", date(2022, 1, 1)).code == "CP-129-A-L31146"
    assert article_in_force("153", date(2022, 1, 1)) is None
    assert article_in_force("129-A", date(2020, 1, 1)) is None
    # the last day of the old numbering and the first of the new
    assert article_in_force("153", date(2021, 3, 30)).code == "CP-153-L30251"
    assert article_in_force("Art. 129-a", date(2021, 3, 31)).code == "CP-129-A-L31146"


def test_article_in_force_accepts_a_version_code_only_while_it_is_in_force(loaded):
    assert article_in_force("CP-153-L28950", date(2010, 5, 1)).article == "153"
    assert article_in_force("CP-153-L28950", date(2016, 1, 1)) is None


def test_exploitation_articles_of_dleg_1323_moved_to_129_in_2021(loaded):
    day_before, day_after = date(2021, 3, 30), date(2021, 3, 31)
    for old, new in [("153-B", "129-C"), ("153-C", "129-Ñ"), ("168-B", "129-O")]:
        assert article_in_force(old, day_before) is not None
        assert article_in_force(old, day_after) is None
        assert article_in_force(new, day_after) is not None


# ------------------------------------------------------------------------------------------- vocabularies


def test_every_vocabulary_is_loaded_with_htcds_values(loaded):
    loaded_vocabularies = set(Term.objects.values_list("vocabulary", flat=True))
    assert loaded_vocabularies == set(Term.Vocabulary.values)
    top = Term.objects.filter(vocabulary="exploitation", parent__isnull=True)
    assert set(top.values_list("htcds_value", flat=True)) == {
        "ForcedLabour",
        "SexualExploitation",
        "ChildLabour",
        "ForcedMarriage",
        "Servitude",
        "ForcedMilitaryByNonStateActors",
        "OrganRemoval",
        "ForcedBegging",
        "ForcedAdoption",
        "Surrogacy",
        "Other",
    }
    assert Term.objects.filter(vocabulary="control").count() == 16
    assert Term.objects.filter(vocabulary="perpetrator_role").count() == 15


def test_peruvian_categories_refine_an_htcds_value_of_the_same_vocabulary(loaded):
    mining = Term.objects.select_related("parent").get(vocabulary="exploitation", code="laboral_mineria")
    assert mining.parent.code == "forced_labour"
    assert mining.htcds_value == mining.parent.htcds_value == "ForcedLabour"
    for child in Term.objects.filter(parent__isnull=False).select_related("parent"):
        assert child.parent.vocabulary == child.vocabulary
        assert child.parent.parent_id is None


def test_relation_terms_cover_every_choice_of_the_case_victim_relation(loaded):
    from sistra.cases.models import CaseVictim

    codes = set(Term.objects.filter(vocabulary="relation").values_list("code", flat=True))
    assert set(CaseVictim.Relation.values) <= codes


def test_peruvian_languages_are_available(loaded):
    names = set(Term.objects.filter(vocabulary="language").values_list("name_es", flat=True))
    assert {"Castellano", "Quechua", "Aimara", "Asháninka", "Awajún", "Shipibo-Konibo"} <= names


# ---------------------------------------------------------------------------------------- procedural stages


def test_a_complaint_goes_to_preliminary_inquiries_or_archive_not_to_trial(loaded):
    denuncia = _stage("denuncia")
    nexts = set(denuncia.next_stages.values_list("code", flat=True))
    assert nexts == {"diligencias_preliminares", "archivo"}
    assert "juicio_oral" not in nexts


def test_procedural_paths_of_the_ncpp(loaded):
    def nexts(code):
        return set(_stage(code).next_stages.values_list("code", flat=True))

    assert "acusacion_directa" in nexts("diligencias_preliminares")
    assert nexts("acusacion_directa") == {"etapa_intermedia"}
    assert "terminacion_anticipada" in nexts("investigacion_preparatoria")
    # a plea agreement the judge does not approve sends the case back to the investigation (art. 470)
    assert nexts("terminacion_anticipada") == {"sentencia", "investigacion_preparatoria"}
    assert "conclusion_anticipada" in nexts("juicio_oral")
    assert "casacion" not in nexts("sentencia")
    assert {"casacion", "ejecucion", "juicio_oral"} <= nexts("apelacion")
    # an archived complaint can be reopened on new evidence (art. 335)
    # reopened with new evidence, or formalised when the superior prosecutor orders it (art. 334.6)
    assert nexts("archivo") == {"diligencias_preliminares", "investigacion_preparatoria"}
    assert _stage("archivo").is_terminal and _stage("ejecucion").is_terminal
    assert not _stage("ejecucion").next_stages.exists()


def test_every_stage_is_reachable_from_the_complaint(loaded):
    seen, todo = set(), ["denuncia"]
    while todo:
        code = todo.pop()
        if code not in seen:
            seen.add(code)
            todo.extend(_stage(code).next_stages.values_list("code", flat=True))
    assert seen == set(ProceduralStage.objects.values_list("code", flat=True))


def test_investigation_deadlines_count_calendar_days_and_longer_terms_when_complex(loaded):
    start = date(2026, 1, 5)
    assert stage_deadline(_stage("diligencias_preliminares"), started_on=start, is_complex=False) == date(
        2026, 3, 6
    )
    # a complex case: eight months, counted from date to date
    assert stage_deadline(_stage("diligencias_preliminares"), started_on=start, is_complex=True) == date(2026, 9, 5)
    assert stage_deadline(_stage("investigacion_preparatoria"), started_on=start, is_complex=False) == date(
        2026, 5, 5
    )
    assert stage_deadline(_stage("juicio_oral"), started_on=start, is_complex=True) is None


def test_appeal_deadlines_count_working_days(loaded):
    friday = date(2026, 11, 20)
    assert stage_deadline(_stage("apelacion"), started_on=friday, is_complex=False) == date(2026, 11, 27)
    # no complex term: the ordinary one applies
    assert stage_deadline(_stage("casacion"), started_on=friday, is_complex=True) == date(2026, 12, 4)


# -------------------------------------------------------------------------------------------- idempotency


def test_loading_again_adds_no_rows_and_restores_edited_values(loaded):
    before = {m.__name__: m.objects.count() for m in REFERENCE_MODELS}
    edges = ProceduralStage.next_stages.through.objects.count()
    Country.objects.filter(code="PE").update(name_es="Peru editado")
    started = time.monotonic()
    reference.load_all(apps)
    assert time.monotonic() - started < 10
    assert {m.__name__: m.objects.count() for m in REFERENCE_MODELS} == before
    assert ProceduralStage.next_stages.through.objects.count() == edges
    assert Country.objects.get(code="PE").name_es == "Perú"
