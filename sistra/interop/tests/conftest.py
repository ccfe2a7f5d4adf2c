"""A realistic set of cases built through the services, and helpers to compare what SISTRA holds."""

import datetime

import pytest

from sistra.cases.models import Case, CaseVictim
from sistra.cases.services import case_change_stage, case_create, place_add, victim_add
from sistra.core.models import Country, Term
from sistra.core.testing import stage, ubigeo
from sistra.people.models import Person
from sistra.people.services import DocumentInput, person_create

D = datetime.date


def term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, code=code)


def country(code: str) -> Country:
    return Country.objects.get(code=code)


@pytest.fixture
def exchange_cases(prosecutor, outsider):
    """Two cases of the prosecutor's fiscalía (one active in investigation, one archived) with a minor who is
    a victim in both, a foreign adult with two documents and two forms of exploitation, a person with no
    document and only an estimated age, a transgender victim, foreign and Peruvian places; and a case of
    another fiscalía that the prosecutor may not see."""
    agency = prosecutor.agency
    a = case_create(
        actor=prosecutor,
        number="2024-00101",
        fiscalia=agency,
        distrito_fiscal=agency.distrito_fiscal,
        complaint_date=D(2024, 3, 10),
        source=Case.Source.POLICE,
        title="Bar La Pampa",
        facts_date_from=D(2024, 1, 1),
        facts_date_to=D(2024, 2, 28),
        opened_date=D(2024, 3, 12),
        is_complex=True,
    )
    case_change_stage(actor=prosecutor, case=a, stage=stage("diligencias_preliminares"), date=D(2024, 3, 15))
    case_change_stage(actor=prosecutor, case=a, stage=stage("investigacion_preparatoria"), date=D(2024, 6, 1))
    place_add(
        actor=prosecutor,
        case=a,
        kind="recruitment",
        ubigeo=ubigeo("080101"),
        description="Terminal terrestre",
    )
    place_add(actor=prosecutor, case=a, kind="recruitment", country=country("BO"))
    place_add(actor=prosecutor, case=a, kind="transit", ubigeo=ubigeo("081201"))
    place_add(
        actor=prosecutor,
        case=a,
        kind="exploitation",
        ubigeo=ubigeo("170102"),
        description="Campamento minero; bar del km 108",
    )

    minor = person_create(
        actor=prosecutor,
        first_names="María Elena",
        last_name_paternal="Quispe",
        last_name_maternal="Mamani",
        sex=Person.Sex.FEMALE,
        date_of_birth=D(2008, 5, 4),
        nationality=country("PE"),
        ubigeo_origin=ubigeo("080101"),
        ubigeo_residence=ubigeo("081201"),
        documents=[DocumentInput("dni", "45712389")],
        aliases=["Mari"],
        languages=[term("language", "que"), term("language", "spa")],
    )
    victim_add(
        actor=prosecutor,
        case=a,
        person=minor,
        age_at_exploitation=15,
        exploitation_forms=[term("exploitation", "explotacion_sexual")],
        control_methods=[term("control", "false_promises"), term("control", "withholds_documents")],
        recruitment_method=term("recruitment", "through_online_social_networks"),
        relation_to_trafficker="friend",
    )
    foreign = person_create(
        actor=prosecutor,
        first_names="Yesenia",
        last_name_paternal="Vargas",
        last_name_maternal="Rojas",
        sex=Person.Sex.FEMALE,
        date_of_birth=D(1999, 11, 30),
        nationality=country("VE"),
        country_origin=country("VE"),
        documents=[
            DocumentInput("passport", "143256789", country("VE")),
            DocumentInput("ce", "001234567", country("PE")),
        ],
    )
    victim_add(
        actor=prosecutor,
        case=a,
        person=foreign,
        age_at_exploitation=24,
        exploitation_forms=[
            term("exploitation", "laboral_mineria"),
            term("exploitation", "sexual_exploitation"),
        ],
        control_methods=[term("control", "debt_bondage")],
        relation_to_trafficker="employer",
    )
    no_document = person_create(
        actor=prosecutor,
        first_names="Juana",
        last_name_paternal="Huamán",
        sex=Person.Sex.FEMALE,
        estimated_age=25,
        age_estimated_on=D(2024, 3, 10),
    )
    victim_add(actor=prosecutor, case=a, person=no_document)

    b = case_create(
        actor=prosecutor,
        number="2023-00042",
        fiscalia=agency,
        distrito_fiscal=agency.distrito_fiscal,
        complaint_date=D(2023, 8, 1),
        source=Case.Source.HOTLINE,
        facts_date_from=D(2023, 6, 1),
    )
    case_change_stage(
        actor=prosecutor,
        case=b,
        stage=stage("archivo"),
        date=D(2023, 12, 1),
        reason="No se identificó a los responsables",
    )
    place_add(actor=prosecutor, case=b, kind="recruitment", ubigeo=ubigeo("150101"))
    place_add(actor=prosecutor, case=b, kind="exploitation", country=country("AR"))
    jose = person_create(
        actor=prosecutor,
        first_names="José Luis",
        last_name_paternal="De la Cruz",
        last_name_maternal="Ccori",
        sex=Person.Sex.MALE,
        date_of_birth=D(1990, 2, 14),
        nationality=country("PE"),
        documents=[DocumentInput("dni", "09876543")],
    )
    victim_add(
        actor=prosecutor,
        case=b,
        person=jose,
        exploitation_forms=[
            term("exploitation", "laboral_agricultura"),
            term("exploitation", "servidumbre_domestica"),
            term("exploitation", "mendicidad"),
        ],
        recruitment_method=term("recruitment", "through_family_or_family_events"),
        relation_to_trafficker="family",
    )
    victim_add(actor=prosecutor, case=b, person=minor)
    alexa = person_create(
        actor=prosecutor,
        first_names="Alexa",
        last_name_paternal="Ramos",
        last_name_maternal="Torres",
        sex=Person.Sex.TRANSGENDER,
        date_of_birth=D(2001, 7, 7),
        nationality=country("PE"),
        documents=[DocumentInput("dni", "70112233")],
    )
    victim_add(
        actor=prosecutor,
        case=b,
        person=alexa,
        control_methods=[term("control", "psychological_abuse"), term("control", "other")],
    )

    other = case_create(
        actor=outsider,
        number="2024-00999",
        fiscalia=outsider.agency,
        distrito_fiscal=outsider.agency.distrito_fiscal,
        complaint_date=D(2024, 5, 5),
        source=Case.Source.DIRECT,
    )
    hidden = person_create(
        actor=outsider,
        first_names="Rosa",
        last_name_paternal="Oculta",
        last_name_maternal="Reservada",
        documents=[DocumentInput("dni", "11223344")],
    )
    victim_add(actor=outsider, case=other, person=hidden)
    return {
        "active": a,
        "archived": b,
        "other": other,
        "minor": minor,
        "foreign": foreign,
        "no_document": no_document,
        "jose": jose,
        "alexa": alexa,
        "hidden": hidden,
    }


def domain_content(cases=None) -> list[dict]:
    """What SISTRA holds about each victim of the given cases, without database ids, UUIDs, pseudonym codes or
    timestamps: the content a round trip must keep."""
    victims = CaseVictim.objects.select_related(
        "case__fiscalia",
        "case__owner_agency",
        "person__owner_agency",
        "recruitment_method",
    ).prefetch_related(
        "exploitation_forms",
        "control_methods",
        "case__places",
        "person__documents",
        "person__aliases",
        "person__languages",
    )
    if cases is not None:
        victims = victims.filter(case__in=cases)
    content = []
    for v in victims:
        c, p = v.case, v.person
        content.append(
            {
                "case": (
                    c.fiscalia.code,
                    c.number,
                    c.owner_agency.code,
                    c.distrito_fiscal_id,
                    c.title,
                    c.complaint_date,
                    c.facts_date_from,
                    c.facts_date_to,
                    c.opened_date,
                    c.source,
                    c.is_complex,
                    c.current_stage_id,
                    c.stage_started_on,
                    c.status,
                    c.has_minor_victim,
                ),
                "places": sorted(
                    (pl.kind, pl.ubigeo_id or "", pl.country_id or "", pl.description, pl.departamento_code)
                    for pl in c.places.all()
                ),
                "person": (
                    p.first_names,
                    p.last_name_paternal,
                    p.last_name_maternal,
                    p.sex,
                    p.date_of_birth,
                    p.estimated_age,
                    p.age_estimated_on,
                    p.nationality_id,
                    p.ubigeo_origin_id,
                    p.country_origin_id,
                    p.ubigeo_residence_id,
                    p.owner_agency.code,
                ),
                "documents": sorted((d.kind, d.number, d.country_id or "") for d in p.documents.all()),
                "aliases": sorted(a.alias for a in p.aliases.all()),
                "languages": sorted(t.code for t in p.languages.all()),
                "victim": (
                    v.age_at_exploitation,
                    v.is_minor,
                    v.nationality_id,
                    sorted(t.code for t in v.exploitation_forms.all()),
                    sorted(t.code for t in v.control_methods.all()),
                    v.recruitment_method.code if v.recruitment_method else None,
                    v.relation_to_trafficker,
                ),
            }
        )
    return sorted(content, key=repr)


def delete_cases_and_persons() -> None:
    Case.objects.all().delete()
    # the persons of assistance cases (the demo's return and reintegration stories) are not in the HTCDS case
    # export, and their cases protect them: they stay
    # nor are the clinic's patients, whose records protect them too
    Person.objects.filter(assistance_cases__isnull=True, clinic_patient__isnull=True).delete()


def read_cells(path) -> list[list]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    rows = [[cell.value for cell in row] for row in wb.worksheets[0].iter_rows()]
    wb.close()
    return rows


PURPOSE = "Remisión a la OIM para el informe anual"


def unpack(archive, password: str, out):
    """The workbook inside an export's protected ZIP, written to `out` (a test's own temporary folder)."""
    import pyzipper

    with pyzipper.AESZipFile(archive) as zf:
        (name,) = zf.namelist()
        out.write_bytes(zf.read(name, pwd=password.encode()))
    return out
