"""Return travel and reintegration: every rule of assistance.services_return, on a fixed day."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sistra.assistance import services
from sistra.assistance import services_return as sr
from sistra.assistance.models import Consent, ReintegrationFollowUp, ReintegrationPlan, ReturnTravel
from sistra.audit.models import ChangeEvent
from sistra.core.models import Country
from sistra.core.testing import ubigeo

pytestmark = pytest.mark.django_db

LIMA = zoneinfo.ZoneInfo("America/Lima")
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=LIMA), tick=False):
        yield


def day(n: int) -> datetime.date:
    """n days before the fixed today."""
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def case(transferred_case):
    return transferred_case  # MIMP leads it; identified 10 days ago


def plan_return(actor, case, **extra):
    fields = {
        "origin_ubigeo": ubigeo("170101"),
        "destination_ubigeo": ubigeo("080101"),
        "transport": ReturnTravel.Transport.LAND,
        "escort": ReturnTravel.Escort.STAFF,
        "travel_document": ReturnTravel.Document.DNI,
        "document_status": ReturnTravel.DocumentStatus.READY,
        "cost_tickets": Decimal("120.00"),
        "paid_by": ReturnTravel.Payer.MIMP,
        "planned_departure": day(5),
        "planned_arrival": day(4),
    }
    fields.update(extra)
    return sr.return_plan(actor=actor, case=case, **fields)


def errors_of(exc) -> dict:
    return exc.value.message_dict


# --- planning -----------------------------------------------------------------------------------------------


def test_the_lead_agency_plans_a_return_and_it_is_recorded(case, mimp_worker):
    travel = plan_return(mimp_worker, case)
    assert travel.status == ReturnTravel.Status.PLANNED and not travel.is_international
    event = ChangeEvent.objects.filter(root_uuid=case.uuid, model="assistance.returntravel").get()
    assert event.action == "create" and "→" in event.summary


def test_another_agency_cannot_plan_a_return_on_the_case(case, ngo_worker):
    with pytest.raises(PermissionDenied):
        plan_return(ngo_worker, case)


def test_a_return_needs_one_origin_and_one_destination(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, origin_ubigeo=None, destination_ubigeo=None)
    assert {"origin_ubigeo", "destination_ubigeo"} <= set(errors_of(exc))
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, destination_country=Country.objects.get(code="US"))
    assert "destination_country" in errors_of(exc)


def test_the_destination_is_not_the_origin(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, destination_ubigeo=ubigeo("170101"))
    assert "destination_ubigeo" in errors_of(exc)


def test_a_domestic_return_needs_no_visa(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, visa=ReturnTravel.Visa.REQUESTED)
    assert "visa" in errors_of(exc)


def test_costs_are_never_negative(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, cost_other=Decimal("-1"))
    assert "cost_other" in errors_of(exc)


def test_who_pays_other_must_be_named(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, paid_by=ReturnTravel.Payer.OTHER)
    assert "paid_by_details" in errors_of(exc)


def test_a_return_is_not_planned_before_identification(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, planned_departure=day(30), planned_arrival=None)
    assert "planned_departure" in errors_of(exc)


def test_the_planned_arrival_is_not_before_the_planned_departure(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, planned_departure=day(4), planned_arrival=day(5))
    assert "planned_arrival" in errors_of(exc)


def test_a_minor_never_travels_without_escort(case, mimp_worker):
    # the victim is 17
    with pytest.raises(ValidationError) as exc:
        plan_return(mimp_worker, case, escort=ReturnTravel.Escort.NONE)
    assert "escort" in errors_of(exc)


def test_only_one_return_is_under_way_at_a_time(case, mimp_worker):
    plan_return(mimp_worker, case)
    with pytest.raises(ValidationError):
        plan_return(mimp_worker, case)


def test_the_database_refuses_an_arrival_before_the_departure(case, mimp_worker):
    travel = plan_return(mimp_worker, case)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnTravel.objects.filter(pk=travel.pk).update(departed_on=day(3), arrived_on=day(4))


# --- departure, arrival, cancellation ---------------------------------------------------------------------------


def test_an_international_return_does_not_leave_without_its_visa(case, mimp_worker):
    travel = plan_return(
        mimp_worker,
        case,
        origin_ubigeo=None,
        origin_country=Country.objects.get(code="US"),
        transport=ReturnTravel.Transport.AIR,
        tickets="LA2471",
        travel_document=ReturnTravel.Document.PASSPORT,
        visa=ReturnTravel.Visa.REQUESTED,
    )
    assert travel.is_international
    with pytest.raises(ValidationError) as exc:
        sr.return_record_departure(actor=mimp_worker, travel=travel, departed_on=day(5))
    assert "visa" in errors_of(exc)
    sr.return_update(actor=mimp_worker, travel=travel, visa=ReturnTravel.Visa.GRANTED)
    travel = sr.return_record_departure(actor=mimp_worker, travel=travel, departed_on=day(5))
    assert travel.status == ReturnTravel.Status.TRAVELLING


def test_a_departure_needs_the_travel_document_ready_and_air_tickets(case, mimp_worker):
    travel = plan_return(
        mimp_worker,
        case,
        document_status=ReturnTravel.DocumentStatus.PENDING,
        transport=ReturnTravel.Transport.AIR,
    )
    with pytest.raises(ValidationError) as exc:
        sr.return_record_departure(actor=mimp_worker, travel=travel, departed_on=day(5))
    assert {"document_status", "tickets"} <= set(errors_of(exc))


def test_a_departure_is_not_in_the_future(case, mimp_worker):
    travel = plan_return(mimp_worker, case)
    with pytest.raises(ValidationError) as exc:
        sr.return_record_departure(
            actor=mimp_worker, travel=travel, departed_on=TODAY + datetime.timedelta(days=1)
        )
    assert "departed_on" in errors_of(exc)


def test_the_arrival_is_confirmed_only_after_departure_and_not_before_it(case, mimp_worker):
    travel = plan_return(mimp_worker, case)
    with pytest.raises(ValidationError) as exc:
        sr.return_confirm_arrival(
            actor=mimp_worker, travel=travel, arrived_on=day(4), notes="La recibió su madre"
        )
    assert "status" in errors_of(exc)
    travel = sr.return_record_departure(actor=mimp_worker, travel=travel, departed_on=day(5))
    with pytest.raises(ValidationError) as exc:
        sr.return_confirm_arrival(
            actor=mimp_worker, travel=travel, arrived_on=day(6), notes="La recibió su madre"
        )
    assert "arrived_on" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        sr.return_confirm_arrival(actor=mimp_worker, travel=travel, arrived_on=day(4), notes=" ")
    assert "arrival_notes" in errors_of(exc)
    travel = sr.return_confirm_arrival(
        actor=mimp_worker, travel=travel, arrived_on=day(4), notes="La recibió la DEMUNA de Cusco"
    )
    assert travel.status == ReturnTravel.Status.ARRIVED and travel.arrival_confirmed_by == mimp_worker


def test_a_return_under_way_is_not_changed_or_cancelled(case, mimp_worker):
    travel = sr.return_record_departure(
        actor=mimp_worker, travel=plan_return(mimp_worker, case), departed_on=day(5)
    )
    with pytest.raises(ValidationError):
        sr.return_update(actor=mimp_worker, travel=travel, tickets="otro")
    with pytest.raises(ValidationError):
        sr.return_cancel(actor=mimp_worker, travel=travel, reason="x")


def test_a_cancellation_needs_a_reason_and_frees_the_case_for_another_return(case, mimp_worker):
    travel = plan_return(mimp_worker, case)
    with pytest.raises(ValidationError):
        sr.return_cancel(actor=mimp_worker, travel=travel, reason="")
    sr.return_cancel(actor=mimp_worker, travel=travel, reason="La familia no es segura")
    assert plan_return(mimp_worker, case).status == ReturnTravel.Status.PLANNED


def test_a_receiving_agency_organises_the_return_through_its_referral(case, mimp_worker, iom, iom_worker):
    from django.utils import timezone

    from .conftest import consent_to_share, service

    consent_to_share(mimp_worker, case, iom, day(9))
    referral = services.referral_send(
        actor=mimp_worker,
        case=case,
        to_agency=iom,
        services=[service("return_domestic")],
        destination_ubigeo=ubigeo("080101"),
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    services.referral_accept(actor=iom_worker, referral=referral)
    travel = plan_return(iom_worker, case, referral=referral, paid_by=ReturnTravel.Payer.IOM)
    assert travel.agency == iom
    travel = sr.return_record_departure(actor=iom_worker, travel=travel, departed_on=day(5))
    assert travel.status == ReturnTravel.Status.TRAVELLING


# --- reintegration --------------------------------------------------------------------------------------------


def make_plan(actor, case, **extra):
    fields = {
        "community": ubigeo("080101"),
        "goals": "Volver a estudiar; ingreso familiar",
        "starts_on": day(3),
        "areas": ["education", "livelihood"],
    }
    fields.update(extra)
    return sr.reintegration_plan_create(actor=actor, case=case, **fields)


def test_a_plan_schedules_follow_ups_at_3_6_and_12_months(case, mimp_worker):
    plan = make_plan(mimp_worker, case, starts_on=TODAY)
    due = {f.milestone: f.due_on for f in plan.follow_ups.all()}
    assert due == {
        "m3": datetime.date(2026, 9, 15),
        "m6": datetime.date(2026, 12, 15),
        "m12": datetime.date(2027, 6, 15),
    }


def test_a_plan_does_not_start_before_the_return_arrived(case, mimp_worker):
    travel = sr.return_record_departure(
        actor=mimp_worker, travel=plan_return(mimp_worker, case), departed_on=day(5)
    )
    travel = sr.return_confirm_arrival(
        actor=mimp_worker, travel=travel, arrived_on=day(4), notes="Confirmada"
    )
    with pytest.raises(ValidationError) as exc:
        make_plan(mimp_worker, case, starts_on=day(5), return_travel=travel)
    assert "starts_on" in errors_of(exc)
    assert make_plan(mimp_worker, case, starts_on=day(4), return_travel=travel).return_travel == travel


def test_a_plan_needs_goals_a_community_and_valid_areas(case, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        make_plan(mimp_worker, case, goals="", community=None, areas=["magic"])
    assert {"goals", "community", "areas"} <= set(errors_of(exc))


def test_only_one_plan_is_active_per_case(case, mimp_worker):
    make_plan(mimp_worker, case)
    with pytest.raises(ValidationError):
        make_plan(mimp_worker, case)


def test_another_agency_cannot_create_a_plan(case, ngo_worker):
    with pytest.raises(PermissionDenied):
        make_plan(ngo_worker, case)


def test_a_follow_up_is_not_before_the_plan_started_nor_in_the_future(case, mimp_worker):
    plan = make_plan(mimp_worker, case)
    follow_up = plan.follow_ups.get(milestone="m3")
    for done_on in (day(4), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            sr.reintegration_followup_record(
                actor=mimp_worker,
                follow_up=follow_up,
                done_on=done_on,
                kind="office",
                progress="on_track",
                notes="Asiste al colegio",
            )
        assert "done_on" in errors_of(exc)


def test_a_home_follow_up_needs_consent_to_be_contacted(case, mimp_worker):
    plan = make_plan(mimp_worker, case)
    follow_up = plan.follow_ups.get(milestone="m3")
    with pytest.raises(ValidationError) as exc:
        sr.reintegration_followup_record(
            actor=mimp_worker,
            follow_up=follow_up,
            done_on=day(1),
            kind="home",
            progress="on_track",
            notes="Visita",
        )
    assert "kind" in errors_of(exc)
    services.consent_record(actor=mimp_worker, case=case, kind=Consent.Kind.CONTACT, given_on=day(2))
    done = sr.reintegration_followup_record(
        actor=mimp_worker,
        follow_up=follow_up,
        done_on=day(1),
        kind="home",
        progress="on_track",
        notes="Visita",
    )
    assert done.is_done and done.done_by == mimp_worker
    with pytest.raises(ValidationError):  # recorded once
        sr.reintegration_followup_record(
            actor=mimp_worker,
            follow_up=follow_up,
            done_on=day(1),
            kind="home",
            progress="on_track",
            notes="Otra vez",
        )


def test_reintegration_is_not_called_achieved_without_a_follow_up(case, mimp_worker):
    plan = make_plan(mimp_worker, case)
    with pytest.raises(ValidationError) as exc:
        sr.reintegration_outcome_record(
            actor=mimp_worker, plan=plan, outcome="reintegrated", outcome_on=day(1)
        )
    assert "outcome" in errors_of(exc)


def test_the_outcome_is_not_before_the_last_follow_up_and_closes_the_plan(case, mimp_worker):
    plan = make_plan(mimp_worker, case)
    sr.reintegration_followup_record(
        actor=mimp_worker,
        follow_up=plan.follow_ups.get(milestone="m3"),
        done_on=day(1),
        kind="office",
        progress="on_track",
        notes="Bien",
    )
    with pytest.raises(ValidationError) as exc:
        sr.reintegration_outcome_record(
            actor=mimp_worker, plan=plan, outcome="reintegrated", outcome_on=day(2)
        )
    assert "outcome_on" in errors_of(exc)
    plan = sr.reintegration_outcome_record(
        actor=mimp_worker, plan=plan, outcome="reintegrated", outcome_on=TODAY
    )
    assert plan.status == ReintegrationPlan.Status.CLOSED
    with pytest.raises(ValidationError):  # a closed plan takes no more follow-ups
        sr.reintegration_followup_record(
            actor=mimp_worker,
            follow_up=plan.follow_ups.get(milestone="m6"),
            done_on=TODAY,
            kind="office",
            progress="on_track",
            notes="x",
        )
    summaries = list(ChangeEvent.objects.filter(root_uuid=case.uuid).values_list("summary", flat=True))
    assert any(s.startswith("Reintegración concluida") for s in summaries)


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert sr.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert sr.add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)
    assert ReintegrationFollowUp.MONTHS[ReintegrationFollowUp.Milestone.MONTH_12] == 12
