import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sistra.audit.models import ChangeEvent
from sistra.cases import services
from sistra.cases.models import Case, CaseDefendant, CaseEvent, CasePlace, CaseShare, CaseVictim, Charge
from sistra.cases.services import (
    case_change_stage,
    case_create,
    case_share,
    case_share_revoke,
    case_update,
    charge_add,
    charge_remove,
    defendant_add,
    defendant_update,
    place_add,
    victim_add,
    victim_remove,
)
from sistra.cases.testing import make_case
from sistra.core.models import Country, DistritoFiscal, PenalArticle, Term
from sistra.core.testing import stage, ubigeo
from sistra.core.validation import ConflictError
from sistra.people.testing import make_person

TODAY = timezone.localdate()
D = datetime.date


def field_messages(exc: pytest.ExceptionInfo, field: str) -> list[str]:
    return exc.value.message_dict[field]


def case_history(case: Case) -> list[ChangeEvent]:
    return list(ChangeEvent.objects.filter(root_uuid=case.uuid).order_by("id"))


@pytest.fixture
def case(prosecutor):
    return make_case(actor=prosecutor, number="2024-00001", complaint_date=D(2024, 3, 1),
                     facts_date_from=D(2023, 6, 1), facts_date_to=D(2024, 2, 1))


@pytest.fixture
def person(prosecutor):
    return make_person(actor=prosecutor)


# --- case_create ----------------------------------------------------------------------------------------


def test_a_new_case_starts_at_the_complaint_stage_with_a_timeline_event_and_history(prosecutor, fiscalia):
    case = make_case(actor=prosecutor, number=" 2024-00007 ", complaint_date=D(2024, 3, 1),
                     opened_date=D(2024, 3, 5))
    assert case.number == "2024-00007"
    assert case.current_stage.code == "denuncia"
    assert case.stage_started_on == D(2024, 3, 1)
    assert case.status == Case.Status.ACTIVE
    assert (case.owner_agency, case.fiscalia, case.created_by) == (fiscalia, fiscalia, prosecutor)
    assert case.version == 1
    event = case.events.get()
    assert (event.kind, event.date, event.stage_from, event.stage_to.code) == (
        CaseEvent.Kind.STAGE_CHANGE, D(2024, 3, 1), None, "denuncia")
    assert event.title == "Registro de la denuncia"
    [history] = case_history(case)
    assert (history.action, history.model, history.actor) == ("create", "cases.case", prosecutor)
    assert history.after["number"] == "2024-00007"
    assert history.after["current_stage_id"] == "denuncia"


def test_a_case_number_is_unique_within_a_fiscalia(prosecutor, teammate, case):
    with pytest.raises(ValidationError) as exc:
        make_case(actor=teammate, number="2024-00001", complaint_date=D(2024, 4, 1))
    assert field_messages(exc, "number") == ["Ya existe un caso con el número 2024-00001 en FISTRAP Cusco."]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    assert ChangeEvent.objects.filter(model="cases.case").count() == 1


def test_the_same_number_in_another_fiscalia_is_fine(outsider, case):
    other = make_case(actor=outsider, number="2024-00001", complaint_date=D(2024, 4, 1))
    assert other.fiscalia == outsider.agency
    assert Case.objects.filter(number="2024-00001").count() == 2


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"facts_date_from": TODAY + datetime.timedelta(days=1)}, "facts_date_from",
         "La fecha de inicio de los hechos ({d}) no puede ser una fecha futura."),
        ({"facts_date_to": TODAY + datetime.timedelta(days=1)}, "facts_date_to",
         "La fecha de fin de los hechos ({d}) no puede ser una fecha futura."),
        ({"complaint_date": TODAY + datetime.timedelta(days=1)}, "complaint_date",
         "La fecha de la denuncia ({d}) no puede ser una fecha futura."),
        ({"opened_date": TODAY + datetime.timedelta(days=2)}, "opened_date",
         "La fecha de apertura ({d}) no puede ser una fecha futura."),
    ],
)
def test_it_refuses_dates_in_the_future(prosecutor, dates, field, message):
    values = {"complaint_date": TODAY, **dates}
    with pytest.raises(ValidationError) as exc:
        make_case(actor=prosecutor, **values)
    assert message.format(d=f"{dates[field]:%d/%m/%Y}") in field_messages(exc, field)
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not ChangeEvent.objects.exists()


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"facts_date_from": D(2024, 1, 10), "facts_date_to": D(2024, 1, 9)}, "facts_date_to",
         "El fin de los hechos (09/01/2024) no puede ser anterior a la fecha de inicio de los hechos (10/01/2024)."),
        ({"facts_date_from": D(2024, 3, 2), "complaint_date": D(2024, 3, 1)}, "complaint_date",
         "La fecha de la denuncia (01/03/2024) no puede ser anterior a la fecha de inicio de los hechos (02/03/2024)."),
        ({"complaint_date": D(2024, 3, 1), "opened_date": D(2024, 2, 29)}, "opened_date",
         "La fecha de apertura (29/02/2024) no puede ser anterior a la denuncia (01/03/2024)."),
    ],
)
def test_it_refuses_dates_in_the_wrong_order(prosecutor, dates, field, message):
    with pytest.raises(ValidationError) as exc:
        make_case(actor=prosecutor, **{"complaint_date": D(2024, 3, 1), **dates})
    assert field_messages(exc, field) == [message]
    assert not Case.objects.exists()
    assert not ChangeEvent.objects.exists()


def test_facts_may_go_on_after_the_complaint(prosecutor):
    case = make_case(actor=prosecutor, facts_date_from=D(2024, 1, 1), complaint_date=D(2024, 2, 1),
                     facts_date_to=D(2024, 5, 1))
    assert case.facts_date_to == D(2024, 5, 1)


def test_it_refuses_a_case_without_number_complaint_date_distrito_fiscal_or_valid_source(prosecutor, fiscalia):
    with pytest.raises(ValidationError) as exc:
        case_create(actor=prosecutor, number=" ", fiscalia=fiscalia, distrito_fiscal=None,
                    complaint_date=None, source="carta")
    errors = exc.value.message_dict
    assert errors["complaint_date"] == ["Indique la fecha de la denuncia."]
    assert errors["distrito_fiscal"] == ["Indique el distrito fiscal."]
    with pytest.raises(ValidationError) as exc:
        case_create(actor=prosecutor, number=" ", fiscalia=fiscalia, distrito_fiscal=fiscalia.distrito_fiscal,
                    complaint_date=D(2024, 1, 1), source="carta")
    assert exc.value.message_dict["number"] == ["Indique el número de carpeta fiscal."]
    assert exc.value.message_dict["source"] == ["Origen de la denuncia no válido."]
    assert not Case.objects.exists()


# --- case_update ----------------------------------------------------------------------------------------


def test_case_update_records_before_and_after(prosecutor, case):
    cusco = DistritoFiscal.objects.get(code="cusco")
    updated = case_update(actor=prosecutor, case=case, expected_version=1, title="Operación Oro",
                          distrito_fiscal=cusco)
    assert (updated.title, updated.distrito_fiscal, updated.version) == ("Operación Oro", cusco, 2)
    history = case_history(case)[-1]
    assert (history.action, history.before["title"], history.after["title"]) == ("update", "", "Operación Oro")
    assert history.after["distrito_fiscal_id"] == "cusco"


def test_case_update_with_a_stale_version_raises_a_conflict_and_changes_nothing(prosecutor, teammate, case):
    case_update(actor=teammate, case=case, expected_version=1, title="De la colega")
    with pytest.raises(ConflictError):
        case_update(actor=prosecutor, case=case, expected_version=1, title="Mío")
    case.refresh_from_db()
    assert (case.title, case.version) == ("De la colega", 2)


def test_case_update_checks_the_dates_against_the_stored_ones(prosecutor, case):
    with pytest.raises(ValidationError) as exc:
        case_update(actor=prosecutor, case=case, expected_version=1, facts_date_to=D(2023, 1, 1))
    assert "no puede ser anterior a la fecha de inicio de los hechos" in field_messages(exc, "facts_date_to")[0]
    case.refresh_from_db()
    assert (case.facts_date_to, case.version) == (D(2024, 2, 1), 1)


# --- case_change_stage ----------------------------------------------------------------------------------


def test_it_moves_to_a_following_stage_with_an_event_and_history(prosecutor, case):
    event = case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                              date=D(2024, 3, 10), expected_version=1)
    assert (event.kind, event.stage_from.code, event.stage_to.code, event.reason) == (
        CaseEvent.Kind.STAGE_CHANGE, "denuncia", "diligencias_preliminares", "")
    assert event.title == "Cambio de etapa: Denuncia → Diligencias preliminares"
    assert event.created_by == prosecutor
    # the caller's instance follows, so a form shown next has the new version
    assert (case.current_stage.code, case.stage_started_on, case.version) == (
        "diligencias_preliminares", D(2024, 3, 10), 2)
    case.refresh_from_db()
    assert (case.current_stage_id, case.stage_started_on, case.status, case.version) == (
        "diligencias_preliminares", D(2024, 3, 10), Case.Status.ACTIVE, 2)
    history = case_history(case)[-1]
    assert history.before["current_stage_id"] == "denuncia"
    assert history.after["current_stage_id"] == "diligencias_preliminares"
    assert history.summary == event.title


def test_the_allowed_transitions_come_from_the_stage_data(db):
    assert set(stage("denuncia").next_stages.values_list("code", flat=True)) == {
        "diligencias_preliminares", "archivo"}
    assert not stage("denuncia").next_stages.filter(code="juicio_oral").exists()


def test_a_jump_the_ncpp_does_not_allow_is_refused_even_with_a_reason(prosecutor, case):
    # this test used to accept Denuncia → Juicio oral with a reason; the NCPP allows no such step (issue 15)
    with pytest.raises(ValidationError) as exc:
        case_change_stage(actor=prosecutor, case=case, stage=stage("juicio_oral"), date=D(2024, 3, 10),
                          reason="Acumulación con la carpeta 2023-00099")
    assert field_messages(exc, "stage") == [
        "El NCPP no prevé pasar de Denuncia a Juicio oral. Desde Denuncia el caso puede pasar a: "
        "Diligencias preliminares, Archivo / sobreseimiento."
    ]
    case.refresh_from_db()
    assert (case.current_stage_id, case.version) == ("denuncia", 1)
    assert case.events.count() == 1
    assert len(case_history(case)) == 1


def test_archiving_sets_the_status_archived_and_reopening_makes_it_active(prosecutor, case):
    case_change_stage(actor=prosecutor, case=case, stage=stage("archivo"), date=D(2024, 3, 10))
    case.refresh_from_db()
    assert case.status == Case.Status.ARCHIVED
    case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"), date=D(2024, 5, 1))
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE


def test_enforcement_of_the_judgment_closes_the_case(prosecutor, case):
    # the old data jumped Denuncia → Sentencia with a reason; the legal path of a plea agreement:
    for code, day in [("diligencias_preliminares", D(2024, 3, 5)), ("investigacion_preparatoria", D(2024, 3, 8)),
                      ("terminacion_anticipada", D(2024, 3, 9)), ("sentencia", D(2024, 3, 10))]:
        case_change_stage(actor=prosecutor, case=case, stage=stage(code), date=day)
    case_change_stage(actor=prosecutor, case=case, stage=stage("ejecucion"), date=D(2024, 4, 10))
    case.refresh_from_db()
    assert (case.current_stage_id, case.status) == ("ejecucion", Case.Status.CLOSED)


def test_it_refuses_a_date_before_the_start_of_the_current_stage(prosecutor, case):
    with pytest.raises(ValidationError) as exc:
        case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                          date=D(2024, 2, 28))
    assert field_messages(exc, "date") == [
        "La fecha del cambio de etapa (28/02/2024) no puede ser anterior a la fecha de inicio de la etapa actual "
        "(01/03/2024)."
    ]
    case.refresh_from_db()
    assert (case.current_stage_id, case.version, case.events.count()) == ("denuncia", 1, 1)


def test_it_refuses_a_stage_change_in_the_future_or_to_the_same_stage(prosecutor, case):
    with pytest.raises(ValidationError) as exc:
        case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                          date=TODAY + datetime.timedelta(days=1))
    assert "no puede ser una fecha futura" in field_messages(exc, "date")[0]
    with pytest.raises(ValidationError) as exc:
        case_change_stage(actor=prosecutor, case=case, stage=stage("denuncia"), date=D(2024, 3, 10))
    assert field_messages(exc, "stage") == ["El caso ya se encuentra en la etapa Denuncia."]
    case.refresh_from_db()
    assert (case.version, case.events.count()) == (1, 1)


def test_a_stage_change_with_a_stale_version_raises_a_conflict_and_changes_nothing(prosecutor, teammate, case):
    case_update(actor=teammate, case=case, expected_version=1, title="De la colega")
    with pytest.raises(ConflictError):
        case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                          date=D(2024, 3, 10), expected_version=1)
    case.refresh_from_db()
    assert (case.current_stage_id, case.version, case.events.count()) == ("denuncia", 2, 1)


# --- charges --------------------------------------------------------------------------------------------


def test_it_refuses_an_article_not_yet_in_force_on_the_offence_date_naming_its_period(prosecutor, case):
    art_129a = PenalArticle.objects.get(article="129-A")
    with pytest.raises(ValidationError) as exc:
        charge_add(actor=prosecutor, case=case, article=art_129a, offence_date=D(2015, 6, 1))
    assert field_messages(exc, "article") == [
        "El artículo 129-A (Ley 31146) no estaba vigente el 01/06/2015, fecha del delito "
        "(vigente desde el 31/03/2021)."
    ]
    assert not Charge.objects.exists()
    case.refresh_from_db()
    assert case.version == 1


def test_it_refuses_an_article_with_a_closed_validity_period_naming_both_ends(prosecutor, case):
    art_153b = PenalArticle.objects.get(code="CP-153-B-DLEG1323")
    with pytest.raises(ValidationError) as exc:
        charge_add(actor=prosecutor, case=case, article=art_153b, offence_date=D(2010, 1, 1))
    assert field_messages(exc, "article") == [
        "El artículo 153-B (D. Leg. 1323) no estaba vigente el 01/01/2010, fecha del delito "
        "(vigente del 07/01/2017 al 18/06/2019)."
    ]
    assert not Charge.objects.exists()


def test_it_accepts_the_version_in_force_on_the_offence_date(prosecutor, case):
    in_force = [a for a in PenalArticle.objects.filter(article="153") if a.in_force_on(D(2015, 6, 1))]
    assert [a.law for a in in_force] == ["Ley 30251"]
    charge = charge_add(actor=prosecutor, case=case, article=in_force[0], offence_date=D(2015, 6, 1))
    assert (charge.case, charge.article.code) == (case, "CP-153-L30251")
    case.refresh_from_db()
    assert case.version == 2
    history = case_history(case)[-1]
    assert (history.model, history.action, history.summary) == ("cases.charge", "create", "Imputación: art. 153")


def test_an_article_is_in_force_on_the_first_and_last_day_of_its_period(prosecutor, case):
    art_153b = PenalArticle.objects.get(code="CP-153-B-DLEG1323")
    charge_add(actor=prosecutor, case=case, article=art_153b, offence_date=D(2017, 1, 7))
    charge_add(actor=prosecutor, case=case, article=art_153b, offence_date=D(2019, 6, 18))
    with pytest.raises(ValidationError):
        charge_add(actor=prosecutor, case=case, article=art_153b, offence_date=D(2019, 6, 19))
    assert case.charges.count() == 2


def test_a_charge_needs_an_offence_date_not_in_the_future(prosecutor, case):
    art = PenalArticle.objects.get(article="129-A")
    with pytest.raises(ValidationError) as exc:
        charge_add(actor=prosecutor, case=case, article=art, offence_date=None)
    assert field_messages(exc, "offence_date") == ["Indique la fecha del delito."]
    with pytest.raises(ValidationError) as exc:
        charge_add(actor=prosecutor, case=case, article=art, offence_date=TODAY + datetime.timedelta(days=1))
    assert "no puede ser una fecha futura" in field_messages(exc, "offence_date")[0]
    assert not Charge.objects.exists()


def test_a_charge_refuses_a_defendant_of_another_case(prosecutor, case, person):
    other = make_case(actor=prosecutor, number="2024-00002", complaint_date=D(2024, 3, 1))
    foreign = defendant_add(actor=prosecutor, case=other, person=person)
    with pytest.raises(ValidationError) as exc:
        charge_add(actor=prosecutor, case=case, article=PenalArticle.objects.get(article="129-A"),
                   offence_date=D(2022, 1, 1), defendant=foreign)
    assert field_messages(exc, "defendant") == ["El imputado no pertenece a este caso."]


def test_charge_remove_deletes_it_and_records_the_before_state(prosecutor, case):
    charge = charge_add(actor=prosecutor, case=case, article=PenalArticle.objects.get(article="129-A"),
                        offence_date=D(2022, 1, 1))
    charge_remove(actor=prosecutor, charge=charge)
    assert not Charge.objects.exists()
    history = case_history(case)[-1]
    assert (history.action, history.before["offence_date"]) == ("delete", "2022-01-01")


# --- defendants -----------------------------------------------------------------------------------------


@pytest.fixture
def defendant(prosecutor, case, person):
    return defendant_add(actor=prosecutor, case=case, person=person)


def test_it_refuses_a_sentence_without_conviction(prosecutor, defendant):
    with pytest.raises(ValidationError) as exc:
        defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.ACQUITTED,
                         outcome_date=D(2024, 6, 1), sentence_years=Decimal("15"))
    assert field_messages(exc, "sentence_years") == [
        "No se puede registrar una pena ni una reparación civil sin una condena."
    ]
    defendant.refresh_from_db()
    assert (defendant.outcome, defendant.sentence_years) == (CaseDefendant.Outcome.PENDING, None)


def test_it_refuses_a_reparation_without_conviction(prosecutor, defendant):
    with pytest.raises(ValidationError) as exc:
        defendant_update(actor=prosecutor, defendant=defendant, reparation_amount=Decimal("5000"))
    assert "sin una condena" in field_messages(exc, "sentence_years")[0]


def test_it_refuses_a_conviction_without_sentence_years(prosecutor, defendant):
    with pytest.raises(ValidationError) as exc:
        defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.CONVICTED,
                         outcome_date=D(2024, 6, 1), reparation_amount=Decimal("5000"))
    assert field_messages(exc, "sentence_years") == ["Indique la pena impuesta (años) para la condena."]
    defendant.refresh_from_db()
    assert (defendant.outcome, defendant.status, defendant.reparation_amount) == (
        CaseDefendant.Outcome.PENDING, CaseDefendant.Status.INVESTIGATED, None)


def test_a_conviction_with_sentence_and_reparation_is_recorded_and_the_status_becomes_sentenced(
    prosecutor, case, defendant
):
    version = Case.objects.get(pk=case.pk).version
    updated = defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.CONVICTED,
                               outcome_date=D(2024, 6, 1), sentence_years=Decimal("15.5"),
                               reparation_amount=Decimal("20000.00"))
    updated.refresh_from_db()
    assert updated.outcome == CaseDefendant.Outcome.CONVICTED
    assert updated.status == CaseDefendant.Status.SENTENCED
    assert (updated.sentence_years, updated.reparation_amount) == (Decimal("15.50"), Decimal("20000.00"))
    assert updated.outcome_date == D(2024, 6, 1)
    assert Case.objects.get(pk=case.pk).version == version + 1
    history = case_history(case)[-1]
    assert history.summary == f"Situación del imputado {defendant.person.code}: Condenado"
    assert (history.before["outcome"], history.after["outcome"]) == ("pending", "convicted")
    assert history.after["sentence_years"] == "15.5"


def test_an_outcome_needs_a_date_not_before_the_complaint(prosecutor, defendant):
    with pytest.raises(ValidationError) as exc:
        defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.ACQUITTED)
    assert field_messages(exc, "outcome_date") == ["Indique la fecha del resultado."]
    with pytest.raises(ValidationError) as exc:
        defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.ACQUITTED,
                         outcome_date=D(2024, 1, 1))
    assert "no puede ser anterior a la denuncia (01/03/2024)" in field_messages(exc, "outcome_date")[0]


def test_it_refuses_an_unknown_status_or_outcome(prosecutor, defendant):
    with pytest.raises(ValidationError) as exc:
        defendant_update(actor=prosecutor, defendant=defendant, status="libre", outcome="perdonado")
    assert exc.value.message_dict["status"] == ["Situación procesal no válida."]
    assert exc.value.message_dict["outcome"] == ["Resultado no válido."]
    defendant.refresh_from_db()
    assert defendant.status == CaseDefendant.Status.INVESTIGATED


def test_a_sentence_of_zero_or_over_99_years_or_a_negative_reparation_is_refused(prosecutor, defendant):
    for years, reparation, field in ((Decimal(0), None, "sentence_years"), (Decimal(100), None, "sentence_years"),
                                     (Decimal(10), Decimal(-1), "reparation_amount")):
        with pytest.raises(ValidationError) as exc:
            defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.CONVICTED,
                             outcome_date=D(2024, 6, 1), sentence_years=years, reparation_amount=reparation)
        assert field in exc.value.message_dict


# --- victims --------------------------------------------------------------------------------------------


def test_a_victim_is_a_minor_from_the_age_during_exploitation(prosecutor, case):
    adult_by_birth = make_person(actor=prosecutor, first_names="Ana", date_of_birth=D(1990, 1, 1))
    victim = victim_add(actor=prosecutor, case=case, person=adult_by_birth, age_at_exploitation=15)
    assert victim.is_minor is True
    other = victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Luz"),
                       age_at_exploitation=18)
    assert other.is_minor is False


def test_a_victim_is_a_minor_from_the_birth_date_at_the_date_of_the_facts(prosecutor, case):
    # 17 when the facts began (01/06/2023), 18 at the complaint (01/03/2024)
    person = make_person(actor=prosecutor, date_of_birth=D(2005, 8, 1))
    assert victim_add(actor=prosecutor, case=case, person=person).is_minor is True
    adult = make_person(actor=prosecutor, first_names="Luz", date_of_birth=D(2005, 5, 31))
    assert victim_add(actor=prosecutor, case=case, person=adult).is_minor is False


def test_without_facts_date_the_age_is_taken_at_the_complaint(prosecutor):
    case = make_case(actor=prosecutor, complaint_date=D(2024, 3, 1))
    person = make_person(actor=prosecutor, date_of_birth=D(2006, 3, 2))
    assert victim_add(actor=prosecutor, case=case, person=person).is_minor is True


def test_a_victim_without_known_age_is_not_counted_as_a_minor(prosecutor, case, person):
    assert victim_add(actor=prosecutor, case=case, person=person).is_minor is False


def test_the_minor_victim_flag_of_the_case_follows_additions_and_removals(prosecutor, case):
    minor = victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Ana"),
                       age_at_exploitation=14)
    assert Case.objects.get(pk=case.pk).has_minor_victim is True
    adult = victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Luz"),
                       age_at_exploitation=30)
    assert Case.objects.get(pk=case.pk).has_minor_victim is True
    victim_remove(actor=prosecutor, victim=minor)
    assert Case.objects.get(pk=case.pk).has_minor_victim is False
    victim_remove(actor=prosecutor, victim=adult)
    assert not CaseVictim.objects.exists()
    assert [e.action for e in case_history(case)][-2:] == ["delete", "delete"]


def test_the_minor_victim_flag_is_right_even_from_a_stale_instance_of_the_case(prosecutor, case):
    stale = Case.objects.get(pk=case.pk)
    minor = victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor, first_names="Ana"),
                       age_at_exploitation=14)
    stale.has_minor_victim = True
    victim_remove(actor=prosecutor, victim=minor)
    victim_add(actor=prosecutor, case=stale, person=make_person(actor=prosecutor, first_names="Luz"),
               age_at_exploitation=12)
    assert Case.objects.get(pk=case.pk).has_minor_victim is True


def test_a_victim_records_forms_of_exploitation_and_history(prosecutor, case, person):
    mining = Term.objects.get(vocabulary="exploitation", code="laboral_mineria")
    victim = victim_add(actor=prosecutor, case=case, person=person, exploitation_forms=[mining],
                        relation_to_trafficker=CaseVictim.Relation.EMPLOYER)
    assert list(victim.exploitation_forms.all()) == [mining]
    history = case_history(case)[-1]
    assert (history.model, history.after["exploitation_forms"]) == ("cases.casevictim", ["laboral_mineria"])
    assert history.summary == f"Víctima añadida: {person.code}"
    assert person.first_names not in history.summary


def test_the_same_person_cannot_be_victim_and_defendant_in_one_case(prosecutor, case, person):
    other = make_person(actor=prosecutor, first_names="Pedro")
    victim_add(actor=prosecutor, case=case, person=person)
    defendant_add(actor=prosecutor, case=case, person=other)
    with pytest.raises(ValidationError) as exc:
        defendant_add(actor=prosecutor, case=case, person=person)
    assert field_messages(exc, "person") == ["Esta persona figura como víctima en el mismo caso."]
    with pytest.raises(ValidationError) as exc:
        victim_add(actor=prosecutor, case=case, person=other)
    assert field_messages(exc, "person") == ["Esta persona figura como imputada en el mismo caso."]
    with pytest.raises(ValidationError) as exc:
        victim_add(actor=prosecutor, case=case, person=person)
    assert field_messages(exc, "person") == ["Esta persona ya figura como víctima en el caso."]
    assert (case.victims.count(), case.defendants.count()) == (1, 1)


def test_a_person_may_be_victim_in_one_case_and_defendant_in_another(prosecutor, case, person):
    other_case = make_case(actor=prosecutor, number="2024-00002", complaint_date=D(2024, 3, 1))
    victim_add(actor=prosecutor, case=case, person=person)
    assert defendant_add(actor=prosecutor, case=other_case, person=person).case == other_case


# --- places ---------------------------------------------------------------------------------------------


def test_a_place_in_peru_has_its_ubigeo_and_department_code(prosecutor, case):
    place = place_add(actor=prosecutor, case=case, kind=CasePlace.Kind.EXPLOITATION, ubigeo=ubigeo("170101"))
    place.refresh_from_db()
    assert (place.ubigeo_id, place.country_id, place.departamento_code) == ("170101", None, "17")
    assert case_history(case)[-1].summary == "Lugar de explotación añadido"


def test_a_place_abroad_has_a_country_and_no_department(prosecutor, case):
    place = place_add(actor=prosecutor, case=case, kind=CasePlace.Kind.EXPLOITATION,
                      country=Country.objects.get(code="AR"))
    assert (place.ubigeo, place.country_id, place.departamento_code) == (None, "AR", "")


def test_a_place_needs_either_a_ubigeo_or_a_foreign_country(prosecutor, case):
    for kwargs in ({}, {"ubigeo": ubigeo("080101"), "country": Country.objects.get(code="AR")}):
        with pytest.raises(ValidationError) as exc:
            place_add(actor=prosecutor, case=case, kind=CasePlace.Kind.RECRUITMENT, **kwargs)
        assert field_messages(exc, "ubigeo") == ["Indique un ubigeo del Perú o un país extranjero, no ambos."]
    assert not CasePlace.objects.exists()


def test_peru_is_not_a_foreign_country(prosecutor, case):
    with pytest.raises(ValidationError) as exc:
        place_add(actor=prosecutor, case=case, kind=CasePlace.Kind.TRANSIT, country=Country.objects.get(code="PE"))
    assert field_messages(exc, "country") == ["Para un lugar en el Perú indique su ubigeo."]
    assert not CasePlace.objects.exists()


def test_an_unknown_kind_of_place_is_refused(prosecutor, case):
    with pytest.raises(ValidationError) as exc:
        place_add(actor=prosecutor, case=case, kind="destino", ubigeo=ubigeo("080101"))
    assert field_messages(exc, "kind") == ["Tipo de lugar no válido."]


# --- sharing --------------------------------------------------------------------------------------------


def test_sharing_records_the_grant_and_revoking_records_the_end(prosecutor, police_unit, case):
    share = case_share(actor=prosecutor, case=case, agency=police_unit, level=CaseShare.Level.WRITE,
                       reason=" Investigación policial ")
    assert (share.reason, share.level, share.granted_by, share.is_active) == (
        "Investigación policial", "write", prosecutor, True)
    history = case_history(case)[-1]
    assert history.after == {"agency": "pnp-dirintrap", "level": "write", "reason": "Investigación policial",
                             "expires_at": None}
    case_share_revoke(actor=prosecutor, share=share)
    share.refresh_from_db()
    assert share.revoked_at is not None and not share.is_active
    assert case_history(case)[-1].summary == "Acceso revocado a PNP DIRCTPTIM"
    count = len(case_history(case))
    case_share_revoke(actor=prosecutor, share=share)
    assert len(case_history(case)) == count


def test_sharing_refuses_the_owner_a_missing_reason_a_past_expiry_and_an_unknown_level(prosecutor, fiscalia,
                                                                                       police_unit, case):
    with pytest.raises(ValidationError) as exc:
        case_share(actor=prosecutor, case=case, agency=fiscalia, reason=" ",
                   expires_at=timezone.now() - datetime.timedelta(hours=1))
    errors = exc.value.message_dict
    assert errors["agency"] == ["La institución propietaria ya tiene acceso al caso."]
    assert errors["reason"] == ["Indique el motivo por el que comparte el caso."]
    assert errors["expires_at"] == ["La fecha de vencimiento debe ser futura."]
    with pytest.raises(ValidationError) as exc:
        case_share(actor=prosecutor, case=case, agency=police_unit, level="admin", reason="x")
    assert exc.value.message_dict["level"] == ["Nivel de acceso no válido."]
    assert not CaseShare.objects.exists()


def test_a_case_cannot_be_shared_twice_with_the_same_agency_while_the_first_share_is_active(
    prosecutor, police_unit, case
):
    first = case_share(actor=prosecutor, case=case, agency=police_unit, reason="Investigación")
    with pytest.raises(ValidationError) as exc:
        case_share(actor=prosecutor, case=case, agency=police_unit, level=CaseShare.Level.WRITE, reason="Más")
    assert exc.value.message_dict["agency"] == [
        "El caso ya está compartido con PNP DIRCTPTIM; revoque ese acceso para cambiarlo."
    ]
    case_share_revoke(actor=prosecutor, share=first)
    second = case_share(actor=prosecutor, case=case, agency=police_unit, level=CaseShare.Level.WRITE, reason="Más")
    assert second.is_active


def test_every_case_write_is_undone_when_the_history_cannot_be_written(prosecutor, case, person, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "record_change", broken)
    with pytest.raises(RuntimeError):
        case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                          date=D(2024, 3, 10))
    with pytest.raises(RuntimeError):
        victim_add(actor=prosecutor, case=case, person=person, age_at_exploitation=12)
    with pytest.raises(RuntimeError):
        make_case(actor=prosecutor, number="2024-00099", complaint_date=D(2024, 3, 1))
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.current_stage_id, fresh.version, fresh.has_minor_victim) == ("denuncia", 1, False)
    assert not CaseVictim.objects.exists()
    assert fresh.events.count() == 1
    assert not Case.objects.filter(number="2024-00099").exists()
