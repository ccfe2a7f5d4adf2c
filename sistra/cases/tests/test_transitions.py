"""The NCPP transitions between stages, the documented exception path, registration in one's own fiscalía,
the transfer for competence (derivación por competencia) and the stored deadline the services keep."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from sistra.audit.models import ChangeEvent
from sistra.cases.access import access_case, visible_cases
from sistra.cases.models import Case, CaseEvent, CaseShare
from sistra.cases.services import (
    case_assign_prosecutor,
    case_change_stage,
    case_create,
    case_share,
    case_transfer,
    case_update,
)
from sistra.cases.testing import make_case
from sistra.core.models import DistritoFiscal, ProceduralStage
from sistra.core.testing import UserFactory, stage

D = datetime.date
START = D(2024, 1, 1)

# The law as this test reads it (NCPP 2004 with D. Leg. 1194 and Ley 30077); the reference data must agree.
ALLOWED = {
    "denuncia": {"diligencias_preliminares", "archivo"},
    "diligencias_preliminares": {"investigacion_preparatoria", "acusacion_directa", "juicio_oral", "archivo"},
    "acusacion_directa": {"etapa_intermedia"},
    "investigacion_preparatoria": {"etapa_intermedia", "terminacion_anticipada", "juicio_oral"},
    "terminacion_anticipada": {"sentencia", "investigacion_preparatoria"},
    "etapa_intermedia": {"juicio_oral", "archivo"},
    "juicio_oral": {"sentencia", "conclusion_anticipada"},
    "conclusion_anticipada": {"sentencia"},
    "sentencia": {"apelacion", "ejecucion"},
    "apelacion": {"casacion", "ejecucion", "juicio_oral"},
    "casacion": {"ejecucion", "apelacion", "juicio_oral"},
    "ejecucion": set(),
    "archivo": {"diligencias_preliminares", "investigacion_preparatoria"},
}
# a legal way to reach each stage from the complaint
PATH = {
    "denuncia": [],
    "diligencias_preliminares": ["diligencias_preliminares"],
    "acusacion_directa": ["diligencias_preliminares", "acusacion_directa"],
    "investigacion_preparatoria": ["diligencias_preliminares", "investigacion_preparatoria"],
    "terminacion_anticipada": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "terminacion_anticipada",
    ],
    "etapa_intermedia": ["diligencias_preliminares", "investigacion_preparatoria", "etapa_intermedia"],
    "juicio_oral": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "etapa_intermedia",
        "juicio_oral",
    ],
    "conclusion_anticipada": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "etapa_intermedia",
        "juicio_oral",
        "conclusion_anticipada",
    ],
    "sentencia": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "etapa_intermedia",
        "juicio_oral",
        "sentencia",
    ],
    "apelacion": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "etapa_intermedia",
        "juicio_oral",
        "sentencia",
        "apelacion",
    ],
    "casacion": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "etapa_intermedia",
        "juicio_oral",
        "sentencia",
        "apelacion",
        "casacion",
    ],
    "ejecucion": [
        "diligencias_preliminares",
        "investigacion_preparatoria",
        "etapa_intermedia",
        "juicio_oral",
        "sentencia",
        "ejecucion",
    ],
    "archivo": ["archivo"],
}


class Rollback(Exception):
    pass


def walk(actor, case, codes, *, start=START):
    day = start
    for code in codes:
        day += datetime.timedelta(days=10)
        case_change_stage(actor=actor, case=case, stage=stage(code), date=day)
    return day


def test_the_reference_data_holds_exactly_the_ncpp_transitions(db):
    table = {s.code: set(s.next_stages.values_list("code", flat=True)) for s in ProceduralStage.objects.all()}
    assert table == ALLOWED


@pytest.mark.parametrize("source", sorted(ALLOWED))
def test_from_each_stage_only_the_ncpp_transitions_are_accepted(prosecutor, source):
    case = make_case(actor=prosecutor, number=f"T-{source}", complaint_date=START)
    day = walk(prosecutor, case, PATH[source]) + datetime.timedelta(days=5)
    for target in ProceduralStage.objects.exclude(code=source):
        case.refresh_from_db()
        if target.code in ALLOWED[source]:
            try:
                with transaction.atomic():
                    event = case_change_stage(
                        actor=prosecutor, case=case, stage=target, date=day, reason="Según el NCPP"
                    )
                    assert (event.stage_from_id, event.stage_to_id, event.exception) == (
                        source,
                        target.code,
                        "",
                    )
                    raise Rollback
            except Rollback:
                pass
        else:
            with pytest.raises(ValidationError) as exc:
                case_change_stage(
                    actor=prosecutor, case=case, stage=target, date=day, reason="Un motivo no basta"
                )
            assert "stage" in exc.value.message_dict, (source, target.code)
        case.refresh_from_db()
        assert case.current_stage_id == source


def test_denuncia_to_sentencia_and_sentencia_back_to_investigation_are_refused(prosecutor):
    # the two steps issue 15 found accepted
    case = make_case(actor=prosecutor, number="T-1", complaint_date=START)
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor,
            case=case,
            stage=stage("sentencia"),
            date=D(2024, 2, 1),
            reason="Terminación anticipada aprobada",
        )
    assert exc.value.message_dict["stage"] == [
        "El NCPP no prevé pasar de Denuncia a Sentencia. Desde Denuncia el caso puede pasar a: "
        "Diligencias preliminares, Archivo / sobreseimiento."
    ]
    walk(prosecutor, case, PATH["sentencia"])
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor, case=case, stage=stage("investigacion_preparatoria"), date=D(2024, 6, 1)
        )
    assert exc.value.message_dict["stage"] == [
        "El NCPP no prevé pasar de Sentencia a Investigación preparatoria. Desde Sentencia el caso puede pasar "
        "a: Apelación, Ejecución de sentencia."
    ]


def test_enforcement_is_final_and_nothing_goes_back_to_the_complaint(prosecutor):
    case = make_case(actor=prosecutor, number="T-2", complaint_date=START)
    walk(prosecutor, case, PATH["ejecucion"])
    with pytest.raises(ValidationError) as exc:
        case_change_stage(actor=prosecutor, case=case, stage=stage("apelacion"), date=D(2024, 6, 1))
    assert exc.value.message_dict["stage"][0].endswith("puede pasar a: ninguna (etapa final).")
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor,
            case=case,
            stage=stage("denuncia"),
            date=D(2024, 6, 1),
            exception="correction",
            reason="Error",
        )
    assert exc.value.message_dict["stage"] == ["Un caso no puede volver a la etapa de denuncia."]


def test_an_archived_case_reopens_with_new_evidence_or_when_the_superior_orders_formalisation(prosecutor):
    case = make_case(actor=prosecutor, number="T-3", complaint_date=START)
    walk(prosecutor, case, ["archivo", "investigacion_preparatoria"])
    case.refresh_from_db()
    assert (case.current_stage_id, case.status) == ("investigacion_preparatoria", Case.Status.ACTIVE)


# --- the exception path --------------------------------------------------------------------------------


def test_a_case_that_arrives_at_trial_is_registered_through_the_exception_with_a_reason(prosecutor):
    case = make_case(actor=prosecutor, number="T-4", complaint_date=START)
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor, case=case, stage=stage("juicio_oral"), date=D(2024, 2, 1), exception="received"
        )
    assert exc.value.message_dict["reason"] == ["Un cambio de etapa excepcional exige registrar el motivo."]
    event = case_change_stage(
        actor=prosecutor,
        case=case,
        stage=stage("juicio_oral"),
        date=D(2024, 2, 1),
        exception="received",
        reason="Expediente recibido del juzgado ya en juicio oral",
    )
    assert event.exception == CaseEvent.StageException.RECEIVED
    assert event.title == (
        "Cambio de etapa excepcional (Caso recibido en una etapa posterior): Denuncia → Juicio oral"
    )
    history = ChangeEvent.objects.filter(root_uuid=case.uuid).order_by("id").last()
    assert history.summary == event.title
    case.refresh_from_db()
    assert case.current_stage_id == "juicio_oral"


def test_the_received_exception_is_only_for_a_case_that_has_not_moved_yet(prosecutor):
    case = make_case(actor=prosecutor, number="T-5", complaint_date=START)
    walk(prosecutor, case, ["diligencias_preliminares"])
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor,
            case=case,
            stage=stage("sentencia"),
            date=D(2024, 2, 1),
            exception="received",
            reason="Llegó así",
        )
    assert exc.value.message_dict["exception"] == [
        "Solo un caso recién registrado, que aún no ha cambiado de etapa, puede registrarse como recibido en "
        "una etapa posterior."
    ]


def test_a_correction_undoes_the_last_change_and_restores_the_earlier_start_and_deadline(prosecutor):
    case = make_case(actor=prosecutor, number="T-6", complaint_date=START)
    case_change_stage(
        actor=prosecutor, case=case, stage=stage("diligencias_preliminares"), date=D(2024, 1, 10)
    )
    case_change_stage(actor=prosecutor, case=case, stage=stage("archivo"), date=D(2024, 2, 1))
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor,
            case=case,
            stage=stage("investigacion_preparatoria"),
            date=D(2024, 2, 2),
            exception="correction",
            reason="Archivo registrado por error",
        )
    assert exc.value.message_dict["exception"] == [
        "Una corrección solo puede devolver el caso a la etapa en que estaba antes del último cambio "
        "(Diligencias preliminares)."
    ]
    event = case_change_stage(
        actor=prosecutor,
        case=case,
        stage=stage("diligencias_preliminares"),
        date=D(2024, 2, 2),
        exception="correction",
        reason="Archivo registrado por error",
    )
    assert event.exception == "correction"
    case.refresh_from_db()
    assert (case.current_stage_id, case.stage_started_on, case.status) == (
        "diligencias_preliminares",
        D(2024, 1, 10),
        Case.Status.ACTIVE,
    )
    assert case.next_deadline_on == D(2024, 3, 10)  # 60 days from 10 January, as before the wrong archive


def test_an_unknown_exception_is_refused(prosecutor):
    case = make_case(actor=prosecutor, number="T-7", complaint_date=START)
    with pytest.raises(ValidationError) as exc:
        case_change_stage(
            actor=prosecutor,
            case=case,
            stage=stage("sentencia"),
            date=D(2024, 2, 1),
            exception="porque_si",
            reason="x",
        )
    assert exc.value.message_dict["exception"] == ["Tipo de excepción no válido."]


# --- registering in one's own fiscalía -------------------------------------------------------------------


def test_a_prosecutor_registers_cases_only_in_their_own_fiscalia(prosecutor, other_fiscalia):
    df = DistritoFiscal.objects.order_by("code").first()
    with pytest.raises(ValidationError) as exc:
        case_create(
            actor=prosecutor,
            number="2024-1",
            fiscalia=other_fiscalia,
            distrito_fiscal=df,
            complaint_date=START,
            source=Case.Source.POLICE,
        )
    assert exc.value.message_dict["fiscalia"] == [
        "Solo puede registrar casos en su propia fiscalía (FISTRAP Cusco). Si el caso corresponde a otra "
        "fiscalía, regístrelo y derívelo por competencia."
    ]
    assert not Case.objects.exists()


def test_a_new_case_of_a_prosecutor_is_theirs_to_follow(prosecutor):
    case = make_case(actor=prosecutor, number="T-8", complaint_date=START)
    assert (case.prosecutor, case.owner_agency, case.next_deadline_on) == (
        prosecutor,
        prosecutor.agency,
        None,
    )


def test_the_police_register_a_case_for_a_fiscalia_and_own_it(police_officer, fiscalia):
    case = case_create(
        actor=police_officer,
        number="PNP-1",
        fiscalia=fiscalia,
        distrito_fiscal=DistritoFiscal.objects.order_by("code").first(),
        complaint_date=START,
        source=Case.Source.POLICE,
    )
    assert (case.fiscalia, case.owner_agency, case.prosecutor) == (fiscalia, police_officer.agency, None)


# --- transfer for competence -----------------------------------------------------------------------------


@pytest.fixture
def case(prosecutor):
    return make_case(actor=prosecutor, number="2024-00031", complaint_date=START)


def test_a_transfer_hands_the_case_over_with_its_history(prosecutor, outsider, other_fiscalia, case):
    event = case_transfer(
        actor=prosecutor,
        case=case,
        to_fiscalia=other_fiscalia,
        date=D(2024, 2, 1),
        reason="Los hechos ocurrieron en Lima",
    )
    assert (event.kind, event.title, event.reason) == (
        CaseEvent.Kind.TRANSFER,
        "Derivación por competencia: FISTRAP Cusco → FISTRAP Lima",
        "Los hechos ocurrieron en Lima",
    )
    case.refresh_from_db()
    assert (case.fiscalia, case.owner_agency, case.prosecutor, case.version) == (
        other_fiscalia,
        other_fiscalia,
        None,
        2,
    )
    history = ChangeEvent.objects.filter(root_uuid=case.uuid).order_by("id").last()
    assert history.before["fiscalia_id"] == prosecutor.agency_id
    assert history.after["fiscalia_id"] == other_fiscalia.pk
    # the receiving fiscalía sees and works the case; the one that sent it no longer does
    assert access_case(outsider, case.uuid, write=True) == case
    assert not visible_cases(prosecutor).filter(pk=case.pk).exists()


def test_a_transfer_keeps_the_police_unit_that_owns_the_case(police_officer, fiscalia, other_fiscalia):
    case = case_create(
        actor=police_officer,
        number="PNP-2",
        fiscalia=fiscalia,
        distrito_fiscal=DistritoFiscal.objects.order_by("code").first(),
        complaint_date=START,
        source=Case.Source.POLICE,
    )
    cusco = UserFactory(username="fiscal-cusco-2", agency=fiscalia)
    case_transfer(
        actor=cusco, case=case, to_fiscalia=other_fiscalia, date=D(2024, 2, 1), reason="Competencia"
    )
    case.refresh_from_db()
    assert (case.fiscalia, case.owner_agency) == (other_fiscalia, police_officer.agency)


def test_only_the_fiscalia_in_charge_transfers_the_case(
    prosecutor, police_officer, outsider, other_fiscalia, case
):
    case_share(
        actor=prosecutor, case=case, agency=police_officer.agency, level="write", reason="Investigación"
    )
    for actor in (police_officer, outsider):
        with pytest.raises(ValidationError) as exc:
            case_transfer(actor=actor, case=case, to_fiscalia=other_fiscalia, date=D(2024, 2, 1), reason="x")
        assert exc.value.message_dict["to_fiscalia"] == [
            "Solo la fiscalía a cargo del caso puede derivarlo por competencia."
        ]
    case.refresh_from_db()
    assert case.fiscalia == prosecutor.agency


def test_a_transfer_is_refused_to_the_same_fiscalia_to_a_non_fiscalia_or_without_a_reason(
    prosecutor, fiscalia, police_unit, other_fiscalia, case
):
    cases = [
        (
            {"to_fiscalia": fiscalia, "reason": "x"},
            "to_fiscalia",
            "El caso ya está a cargo de FISTRAP Cusco.",
        ),
        (
            {"to_fiscalia": police_unit, "reason": "x"},
            "to_fiscalia",
            "El caso solo puede derivarse a una fiscalía activa.",
        ),
        (
            {"to_fiscalia": other_fiscalia, "reason": "  "},
            "reason",
            "Indique el motivo de la derivación por competencia.",
        ),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            case_transfer(actor=prosecutor, case=case, date=D(2024, 2, 1), **kwargs)
        assert exc.value.message_dict[field] == [message]
    assert case.events.count() == 1


def test_a_transfer_is_refused_when_the_other_fiscalia_has_the_same_number(
    prosecutor, outsider, other_fiscalia, case
):
    make_case(actor=outsider, number=case.number, complaint_date=START)
    with pytest.raises(ValidationError) as exc:
        case_transfer(actor=prosecutor, case=case, to_fiscalia=other_fiscalia, date=D(2024, 2, 1), reason="x")
    assert exc.value.message_dict["to_fiscalia"] == [
        "FISTRAP Lima ya tiene un caso con el número 2024-00031."
    ]


def test_a_share_the_receiving_fiscalia_held_ends_with_the_transfer(prosecutor, other_fiscalia, case):
    share = case_share(actor=prosecutor, case=case, agency=other_fiscalia, reason="Consulta")
    case_transfer(actor=prosecutor, case=case, to_fiscalia=other_fiscalia, date=D(2024, 2, 1), reason="x")
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert not CaseShare.objects.filter(case=case, revoked_at__isnull=True).exists()


def test_the_receiving_fiscalia_names_its_prosecutor(prosecutor, outsider, other_fiscalia, case):
    case_transfer(actor=prosecutor, case=case, to_fiscalia=other_fiscalia, date=D(2024, 2, 1), reason="x")
    with pytest.raises(ValidationError):
        case_assign_prosecutor(actor=prosecutor, case=case, prosecutor=prosecutor)
    with pytest.raises(ValidationError) as exc:
        case_assign_prosecutor(actor=outsider, case=case, prosecutor=prosecutor)
    assert exc.value.message_dict["prosecutor"] == ["Elija un fiscal activo de la fiscalía a cargo del caso."]
    case_assign_prosecutor(actor=outsider, case=case, prosecutor=outsider)
    case.refresh_from_db()
    assert case.prosecutor == outsider


# --- the stored deadline ---------------------------------------------------------------------------------


def test_the_services_keep_the_stored_deadline_equal_to_the_rule(prosecutor, case):
    assert (case.next_deadline_on, case.next_deadline_kind) == (None, "")
    case_change_stage(
        actor=prosecutor, case=case, stage=stage("diligencias_preliminares"), date=D(2024, 1, 10)
    )
    case.refresh_from_db()
    assert (case.next_deadline_on, case.next_deadline_kind) == (D(2024, 3, 10), "ordinary")
    case_update(actor=prosecutor, case=case, expected_version=case.version, is_complex=True)
    case.refresh_from_db()
    assert (case.next_deadline_on, case.next_deadline_kind) == (D(2024, 9, 10), "complex")
    case_update(actor=prosecutor, case=case, expected_version=case.version, is_organized_crime=True)
    case.refresh_from_db()
    assert (case.next_deadline_on, case.next_deadline_kind) == (D(2027, 1, 10), "organized")
    case_change_stage(actor=prosecutor, case=case, stage=stage("acusacion_directa"), date=D(2024, 2, 10))
    case.refresh_from_db()
    assert (case.next_deadline_on, case.next_deadline_kind) == (None, "")


def test_an_appeal_stores_the_holiday_aware_working_day_deadline(prosecutor):
    case = make_case(actor=prosecutor, number="T-9", complaint_date=D(2025, 6, 1))
    walk(prosecutor, case, PATH["sentencia"], start=D(2025, 6, 1))
    case_change_stage(actor=prosecutor, case=case, stage=stage("apelacion"), date=D(2025, 12, 5))
    case.refresh_from_db()
    # Friday 5 December 2025: 10, 11, 12, 15 and 16 December (8 December is Inmaculada Concepción, 9 Ayacucho)
    assert (case.next_deadline_on, case.next_deadline_kind) == (D(2025, 12, 16), "appeal")
