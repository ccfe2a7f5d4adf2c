"""The one deadline rule (sistra.core.selectors.stage_term) with Peru's public holidays, months counted from
date to date, and the complex-case and organised-crime terms."""

from datetime import date as D

import pytest

from sistra.core.models import DeadlineKind
from sistra.core.selectors import stage_deadline, stage_term
from sistra.core.testing import stage
from sistra.core.workdays import add_months, add_working_days, is_working_day

pytestmark = pytest.mark.django_db


def test_peruvian_public_holidays_are_not_working_days():
    assert not is_working_day(D(2026, 4, 2))  # Jueves Santo
    assert not is_working_day(D(2026, 4, 3))  # Viernes Santo
    assert not is_working_day(D(2026, 7, 28))  # Fiestas Patrias
    assert not is_working_day(D(2026, 7, 29))
    assert not is_working_day(D(2026, 12, 8))  # Inmaculada Concepción
    assert not is_working_day(D(2026, 12, 5))  # a Saturday
    assert is_working_day(D(2026, 4, 1))
    assert is_working_day(D(2026, 12, 10))


def test_an_appeal_term_across_semana_santa_skips_holy_thursday_and_good_friday():
    # sentencing notified on Tuesday 31 March 2026: 5 working days (art. 414.1.b) end on Thursday 9 April,
    # not on Tuesday 7 April as weekends alone would give
    assert stage_deadline(stage("apelacion"), started_on=D(2026, 3, 31), is_complex=False) == D(2026, 4, 9)
    assert (
        stage_term(stage("apelacion"), started_on=D(2026, 3, 31), is_complex=False).kind
        == DeadlineKind.APPEAL
    )


def test_an_appeal_term_across_fiestas_patrias_skips_28_and_29_july():
    # notified on Monday 27 July 2026: 30 and 31 July, 3, 4 and 5 August
    assert stage_deadline(stage("apelacion"), started_on=D(2026, 7, 27), is_complex=False) == D(2026, 8, 5)


def test_a_cassation_term_across_8_and_9_december_skips_both():
    # notified on Friday 4 December 2026: 10 working days without 8 (Inmaculada) and 9 December (Ayacucho)
    assert stage_deadline(stage("casacion"), started_on=D(2026, 12, 4), is_complex=False) == D(2026, 12, 22)
    assert add_working_days(D(2026, 12, 4), 10) == D(2026, 12, 22)


def test_the_holidays_move_with_the_year():
    # Semana Santa 2025 was 17-18 April: a term from Wednesday 16 April ends on Friday 25 April (not 23)
    assert stage_deadline(stage("apelacion"), started_on=D(2025, 4, 16), is_complex=False) == D(2025, 4, 25)


def test_the_investigation_terms_are_calendar_days_holidays_included():
    # "días naturales" (art. 342.1): 120 days from 1 July 2026 end on 29 October, through Fiestas Patrias
    term = stage_term(stage("investigacion_preparatoria"), started_on=D(2026, 7, 1), is_complex=False)
    assert (term.due, term.kind) == (D(2026, 10, 29), DeadlineKind.ORDINARY)


def test_a_complex_case_has_eight_months_counted_from_date_to_date():
    term = stage_term(stage("diligencias_preliminares"), started_on=D(2024, 1, 31), is_complex=True)
    # there is no 31 September: the term ends on the last day of the month
    assert (term.due, term.kind) == (D(2024, 9, 30), DeadlineKind.COMPLEX)
    assert stage_deadline(
        stage("investigacion_preparatoria"), started_on=D(2024, 6, 30), is_complex=True
    ) == D(2025, 2, 28)


def test_an_organised_crime_case_has_thirty_six_months():
    for code in ("diligencias_preliminares", "investigacion_preparatoria"):
        term = stage_term(stage(code), started_on=D(2024, 1, 10), is_complex=False, is_organized=True)
        assert (term.due, term.kind) == (D(2027, 1, 10), DeadlineKind.ORGANIZED)
    # declared complex too: the organised-crime term prevails
    term = stage_term(
        stage("investigacion_preparatoria"), started_on=D(2024, 1, 10), is_complex=True, is_organized=True
    )
    assert term.due == D(2027, 1, 10)


def test_an_organised_crime_case_in_an_appeal_keeps_the_working_day_term():
    term = stage_term(stage("apelacion"), started_on=D(2026, 3, 31), is_complex=True, is_organized=True)
    assert (term.due, term.kind) == (D(2026, 4, 9), DeadlineKind.APPEAL)


def test_a_stage_without_a_legal_term_has_none_whatever_the_case():
    for flags in ({"is_complex": False}, {"is_complex": True}, {"is_complex": True, "is_organized": True}):
        assert stage_term(stage("juicio_oral"), started_on=D(2024, 1, 10), **flags) is None


def test_add_months_crosses_the_year_and_keeps_the_day():
    assert add_months(D(2024, 11, 15), 3) == D(2025, 2, 15)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
