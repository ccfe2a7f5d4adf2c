import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sistra.assistance import services
from sistra.assistance.access import visible_assistance_cases
from sistra.assistance.models import (
    AssistanceCase,
    Consent,
    FamilyContact,
    FollowUpVisit,
    Referral,
    ReferralAlert,
)
from sistra.audit.models import ChangeEvent
from sistra.cases.testing import make_case
from sistra.core.testing import ubigeo
from sistra.people.access import can_see_identity, visible_persons
from sistra.people.models import PersonShare

from .conftest import consent_to_share, service

TODAY = timezone.localdate
IN_3_DAYS = lambda: timezone.localdate() + datetime.timedelta(days=3)  # noqa: E731


def send(actor, case, agency, codes=("shelter",), **extra):
    return services.referral_send(actor=actor, case=case, to_agency=agency, services=[service(c) for c in codes],
                                  due_on=extra.pop("due_on", IN_3_DAYS()), **extra)


# --- identification ---------------------------------------------------------------------------------------

def test_the_clinic_opens_a_case_as_potential_victim_identified_by_a_clinic(health_worker, victim, days_ago):
    case = services.case_open(actor=health_worker, person=victim, identified_on=days_ago(2))
    assert case.owner_agency == health_worker.agency
    assert case.trafficking_status == AssistanceCase.TraffickingStatus.POTENTIAL
    assert case.identification_channel == AssistanceCase.Channel.CLINIC
    assert case.status_decision_org == AssistanceCase.DecisionOrg.GOVERNMENT
    event = ChangeEvent.objects.get(root_uuid=case.uuid, action="create")
    assert event.actor == health_worker


def test_it_refuses_a_second_open_case_for_the_same_person_in_the_agency(clinic_case, health_worker, victim,
                                                                          days_ago):
    with pytest.raises(ValidationError) as exc:
        services.case_open(actor=health_worker, person=victim, identified_on=days_ago(1))
    assert clinic_case.code in str(exc.value.message_dict["person"])


def test_it_refuses_an_identification_dated_in_the_future(health_worker, victim):
    with pytest.raises(ValidationError) as exc:
        services.case_open(actor=health_worker, person=victim, identified_on=TODAY() + datetime.timedelta(days=1))
    assert "identified_on" in exc.value.message_dict
    assert not AssistanceCase.objects.exists()


def test_an_analyst_cannot_open_a_case(analyst, victim, days_ago):
    with pytest.raises(PermissionDenied):
        services.case_open(actor=analyst, person=victim, identified_on=days_ago(1))


def test_an_agency_that_sees_the_person_only_by_pseudonym_cannot_take_the_case(clinic_case, health_worker, ngo,
                                                                                ngo_worker, days_ago):
    send(health_worker, clinic_case, ngo, ("health",))
    assert visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()
    with pytest.raises(ValidationError) as exc:
        services.case_open(actor=ngo_worker, person=clinic_case.person, identified_on=days_ago(1))
    assert "identidad" in exc.value.message_dict["person"][0]


def test_confirming_the_status_records_which_kind_of_organisation_decided(transferred_case, mimp_worker, days_ago):
    case = services.case_set_trafficking_status(
        actor=mimp_worker, case=transferred_case, trafficking_status=AssistanceCase.TraffickingStatus.CONFIRMED,
        status_decision_org=AssistanceCase.DecisionOrg.GOVERNMENT, status_decided_on=days_ago(1))
    assert case.trafficking_status == "ActualVictimOfTrafficking"
    assert case.status_decided_on == days_ago(1)


def test_a_status_decided_before_identification_is_refused(transferred_case, mimp_worker, days_ago):
    with pytest.raises(ValidationError) as exc:
        services.case_set_trafficking_status(
            actor=mimp_worker, case=transferred_case, trafficking_status="ActualVictimOfTrafficking",
            status_decision_org="Police", status_decided_on=days_ago(30))
    assert "status_decided_on" in exc.value.message_dict


# --- consent ----------------------------------------------------------------------------------------------

def test_consent_to_share_data_names_an_agency(clinic_case, health_worker, days_ago):
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=health_worker, case=clinic_case, kind=Consent.Kind.SHARE_DATA,
                                given_on=days_ago(1))
    assert "agency" in exc.value.message_dict


def test_the_same_consent_is_not_recorded_twice(clinic_case, health_worker, days_ago):
    with pytest.raises(ValidationError):
        services.consent_record(actor=health_worker, case=clinic_case, kind=Consent.Kind.SERVICES,
                                given_on=days_ago(1))


def test_consent_records_who_recorded_it_and_when(clinic_case, health_worker, mimp, days_ago):
    consent = consent_to_share(health_worker, clinic_case, mimp, days_ago(5))
    assert consent.recorded_by == health_worker
    assert consent.recorded_by_agency == health_worker.agency
    assert consent.given_on == days_ago(5)
    assert consent.is_active


# --- referrals and sharing --------------------------------------------------------------------------------

def test_a_referral_with_consent_shares_the_identity_with_the_receiver(clinic_case, health_worker, mimp,
                                                                       mimp_worker, days_ago):
    consent_to_share(health_worker, clinic_case, mimp, days_ago(5))
    referral = send(health_worker, clinic_case, mimp)
    share = PersonShare.objects.get(source=referral.share_source)
    assert share.include_identity and share.agency == mimp
    assert referral.carries_identity
    assert can_see_identity(mimp_worker, clinic_case.person)


def test_a_referral_without_consent_carries_no_identity(clinic_case, health_worker, iom, iom_worker):
    referral = send(health_worker, clinic_case, iom, ("return_domestic",),
                    destination_ubigeo=ubigeo("080000"))
    share = PersonShare.objects.get(source=referral.share_source)
    assert share.include_identity is False
    assert not referral.carries_identity
    assert visible_persons(iom_worker).filter(pk=clinic_case.person_id).exists()
    assert not can_see_identity(iom_worker, clinic_case.person)


def test_a_referral_without_consent_may_not_name_the_victim_in_its_details(clinic_case, health_worker, iom):
    with pytest.raises(ValidationError) as exc:
        send(health_worker, clinic_case, iom, ("health",), details="Rosa necesita control prenatal")
    assert "details" in exc.value.message_dict
    with pytest.raises(ValidationError):
        send(health_worker, clinic_case, iom, ("health",), details="DNI 45678912")
    assert not Referral.objects.exists()
    assert not PersonShare.objects.exists()


def test_a_transfer_needs_consent_to_share_with_the_receiver(clinic_case, health_worker, mimp, mimp_worker):
    with pytest.raises(ValidationError) as exc:
        send(health_worker, clinic_case, mimp, kind="transfer")
    assert "derivación para servicios" in exc.value.message_dict["kind"][0]


def test_a_referral_needs_consent_to_receive_services(health_worker, victim, mimp, mimp_worker, days_ago):
    case = services.case_open(actor=health_worker, person=victim, identified_on=days_ago(1))
    with pytest.raises(ValidationError) as exc:
        send(health_worker, case, mimp)
    assert "recibir servicios" in str(exc.value)


def test_a_referral_to_an_agency_without_caseworkers_is_refused(clinic_case, health_worker, fiscalia):
    with pytest.raises(ValidationError) as exc:
        send(health_worker, clinic_case, fiscalia)
    assert "no recibe derivaciones" in exc.value.message_dict["to_agency"][0]


def test_a_due_date_in_the_past_is_refused(clinic_case, health_worker, mimp, mimp_worker, days_ago):
    with pytest.raises(ValidationError) as exc:
        send(health_worker, clinic_case, mimp, due_on=days_ago(1))
    assert "due_on" in exc.value.message_dict


def test_accepting_a_transfer_makes_the_receiver_the_lead_agency(transferred_case, health_worker, mimp,
                                                                 mimp_worker):
    assert transferred_case.owner_agency == mimp
    assert transferred_case.caseworker == mimp_worker
    assert visible_assistance_cases(mimp_worker).filter(pk=transferred_case.pk).exists()
    assert not visible_assistance_cases(health_worker).filter(pk=transferred_case.pk).exists()
    referral = transferred_case.referrals.get()
    assert referral.status == Referral.Status.ACCEPTED and not referral.is_open
    # ownership now gives the access; the share of the referral ended
    assert not PersonShare.objects.filter(source=referral.share_source, revoked_at__isnull=True).exists()
    assert can_see_identity(mimp_worker, transferred_case.person)


def test_declining_needs_a_reason_and_ends_the_access(clinic_case, health_worker, ngo, ngo_worker):
    referral = send(health_worker, clinic_case, ngo, ("health",))
    with pytest.raises(ValidationError):
        services.referral_decline(actor=ngo_worker, referral=referral, reason=" ")
    services.referral_decline(actor=ngo_worker, referral=referral, reason="Sin cupo en el albergue")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert not visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()


def test_only_the_receiver_answers_a_referral(clinic_case, health_worker, mimp, mimp_worker, ngo_worker):
    referral = send(health_worker, clinic_case, mimp)
    with pytest.raises(PermissionDenied):
        services.referral_accept(actor=ngo_worker, referral=referral)
    with pytest.raises(PermissionDenied):
        services.referral_accept(actor=health_worker, referral=referral)


def test_a_referral_is_accepted_only_once(clinic_case, health_worker, mimp, mimp_worker):
    referral = send(health_worker, clinic_case, mimp)
    services.referral_accept(actor=mimp_worker, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_accept(actor=mimp_worker, referral=referral)
    assert "aceptada" in str(exc.value)


def test_completing_a_referral_ends_the_receivers_access(transferred_case, mimp_worker, iom, iom_worker, days_ago):
    consent_to_share(mimp_worker, transferred_case, iom, days_ago(1))
    referral = send(mimp_worker, transferred_case, iom, ("return_domestic",),
                    destination_ubigeo=ubigeo("080000"))
    services.referral_accept(actor=iom_worker, referral=referral)
    assert can_see_identity(iom_worker, transferred_case.person)
    services.referral_complete(actor=iom_worker, referral=referral, notes="Retorno realizado")
    assert not visible_persons(iom_worker).filter(pk=transferred_case.person_id).exists()


def test_the_sender_revokes_an_open_referral(clinic_case, health_worker, ngo, ngo_worker):
    referral = send(health_worker, clinic_case, ngo, ("health",))
    services.referral_revoke(actor=health_worker, referral=referral, reason="La víctima fue atendida en otro lugar")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REVOKED
    assert not visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()
    with pytest.raises(ValidationError):
        services.referral_revoke(actor=health_worker, referral=referral, reason="otra vez")


# --- withdrawing consent ----------------------------------------------------------------------------------

def test_withdrawing_consent_ends_the_identity_of_a_referral_in_flight(clinic_case, health_worker, mimp,
                                                                       mimp_worker, days_ago):
    consent = consent_to_share(health_worker, clinic_case, mimp, days_ago(5))
    referral = send(health_worker, clinic_case, mimp)
    assert can_see_identity(mimp_worker, clinic_case.person)
    result = services.consent_withdraw(actor=health_worker, consent=consent, withdrawn_on=TODAY())
    assert result.referrals_without_identity == [referral]
    referral.refresh_from_db()
    assert referral.identity_withdrawn_at is not None and not referral.carries_identity
    assert referral.status == Referral.Status.SENT  # it goes on, with the pseudonym only
    assert not can_see_identity(mimp_worker, clinic_case.person)
    assert visible_persons(mimp_worker).filter(pk=clinic_case.person_id).exists()
    # and no further sharing: a new referral to MIMP carries no identity
    services.referral_revoke(actor=health_worker, referral=referral, reason="Se reenvía")
    again = send(health_worker, clinic_case, mimp)
    assert again.include_identity is False


def test_withdrawing_consent_to_receive_services_revokes_referrals_in_flight(clinic_case, health_worker, ngo,
                                                                            ngo_worker):
    referral = send(health_worker, clinic_case, ngo, ("health",))
    consent = clinic_case.consents.get(kind=Consent.Kind.SERVICES)
    result = services.consent_withdraw(actor=health_worker, consent=consent, withdrawn_on=TODAY())
    assert result.referrals_revoked == [referral]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REVOKED
    assert not visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()


def test_a_withdrawn_consent_cannot_be_withdrawn_again(clinic_case, health_worker):
    consent = clinic_case.consents.get(kind=Consent.Kind.SERVICES)
    services.consent_withdraw(actor=health_worker, consent=consent, withdrawn_on=TODAY())
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=health_worker, consent=consent, withdrawn_on=TODAY())


# --- services, follow-ups, family -------------------------------------------------------------------------

def test_a_service_dated_before_identification_is_refused(transferred_case, mimp_worker, days_ago):
    with pytest.raises(ValidationError) as exc:
        services.delivery_record(actor=mimp_worker, case=transferred_case, service_type=service("shelter"),
                                 delivered_on=days_ago(11))
    assert "anterior" in exc.value.message_dict["delivered_on"][0]
    assert not transferred_case.deliveries.exists()


def test_a_delivery_records_cost_in_soles(transferred_case, mimp_worker, days_ago):
    delivery = services.delivery_record(actor=mimp_worker, case=transferred_case, service_type=service("shelter"),
                                        delivered_on=days_ago(5), cost=Decimal("1250.50"))
    assert delivery.cost == Decimal("1250.50") and delivery.agency == mimp_worker.agency
    with pytest.raises(ValidationError):
        services.delivery_record(actor=mimp_worker, case=transferred_case, service_type=service("shelter"),
                                 delivered_on=days_ago(5), cost=Decimal("-1"))


def test_a_return_needs_a_destination(transferred_case, mimp_worker, days_ago):
    with pytest.raises(ValidationError) as exc:
        services.delivery_record(actor=mimp_worker, case=transferred_case,
                                 service_type=service("return_domestic"), delivered_on=days_ago(1))
    assert "destination_ubigeo" in exc.value.message_dict


def test_the_receiver_records_only_the_services_referred(transferred_case, mimp_worker, iom, iom_worker, days_ago):
    referral = send(mimp_worker, transferred_case, iom, ("return_domestic",), destination_ubigeo=ubigeo("080000"))
    with pytest.raises(PermissionDenied):  # not accepted yet
        services.delivery_record(actor=iom_worker, case=transferred_case, referral=referral,
                                 service_type=service("return_domestic"), delivered_on=TODAY(),
                                 destination_ubigeo=ubigeo("080000"))
    services.referral_accept(actor=iom_worker, referral=referral)
    with pytest.raises(ValidationError):
        services.delivery_record(actor=iom_worker, case=transferred_case, referral=referral,
                                 service_type=service("shelter"), delivered_on=TODAY())
    delivery = services.delivery_record(actor=iom_worker, case=transferred_case, referral=referral,
                                        service_type=service("return_domestic"), delivered_on=TODAY(),
                                        destination_ubigeo=ubigeo("080000"), tickets="Bus Puerto Maldonado–Cusco",
                                        cost=Decimal("120"))
    assert delivery.referral == referral and delivery.agency == iom_worker.agency
    with pytest.raises(PermissionDenied):  # without a referral, only the lead agency records services
        services.delivery_record(actor=iom_worker, case=transferred_case, service_type=service("return_domestic"),
                                 delivered_on=TODAY(), destination_ubigeo=ubigeo("080000"))


def test_a_contact_visit_needs_consent_to_be_contacted(transferred_case, mimp_worker, days_ago):
    with pytest.raises(ValidationError) as exc:
        services.followup_record(actor=mimp_worker, case=transferred_case, kind=FollowUpVisit.Kind.HOME,
                                 visited_on=days_ago(1), outcome="Visita")
    assert "contactada" in exc.value.message_dict["kind"][0]
    visit = services.followup_record(actor=mimp_worker, case=transferred_case, kind=FollowUpVisit.Kind.OFFICE,
                                     visited_on=days_ago(1), outcome="Acude a la oficina")
    assert visit.pk


def test_reunification_with_a_relative_involved_in_the_trafficking_is_refused(transferred_case, mimp_worker,
                                                                              days_ago):
    uncle = services.family_contact_add(actor=mimp_worker, case=transferred_case, full_name="Tío Captador",
                                        relationship=FamilyContact.Relationship.OTHER_RELATIVE,
                                        involved_in_trafficking=True)
    assert uncle.must_not_know_location
    with pytest.raises(ValidationError) as exc:
        services.family_contact_update(actor=mimp_worker, contact=uncle, tracing_status="reunited",
                                       reunited_on=days_ago(1))
    assert "tracing_status" in exc.value.message_dict


def test_reunification_is_recorded_with_its_date(transferred_case, mimp_worker, days_ago):
    mother = services.family_contact_add(actor=mimp_worker, case=transferred_case, full_name="Madre",
                                         relationship=FamilyContact.Relationship.MOTHER)
    with pytest.raises(ValidationError):
        services.family_contact_update(actor=mimp_worker, contact=mother, tracing_status="reunited")
    mother = services.family_contact_update(actor=mimp_worker, contact=mother, tracing_status="reunited",
                                            reunited_on=days_ago(1))
    assert mother.tracing_status == "reunited"
    assert ChangeEvent.objects.filter(root_uuid=transferred_case.uuid,
                                      summary="Reunificación familiar realizada").exists()


# --- closing ----------------------------------------------------------------------------------------------

def test_a_case_with_open_referrals_cannot_be_closed(transferred_case, mimp_worker, ngo, ngo_worker):
    referral = send(mimp_worker, transferred_case, ngo, ("health",))
    with pytest.raises(ValidationError) as exc:
        services.case_close(actor=mimp_worker, case=transferred_case, closure_reason="goals_met",
                            closed_on=TODAY())
    assert "ONG Otra" in str(exc.value)
    transferred_case.refresh_from_db()
    assert transferred_case.is_open
    services.referral_accept(actor=ngo_worker, referral=referral)
    services.referral_complete(actor=ngo_worker, referral=referral)
    case = services.case_close(actor=mimp_worker, case=transferred_case, closure_reason="goals_met",
                               closed_on=TODAY())
    assert case.status == AssistanceCase.Status.CLOSED


def test_closing_because_referred_out_of_sistra_is_closed_referred(transferred_case, mimp_worker):
    case = services.case_close(actor=mimp_worker, case=transferred_case, closure_reason="referred_out",
                               closed_on=TODAY())
    assert case.status == AssistanceCase.Status.CLOSED_REFERRED
    with pytest.raises(ValidationError):
        services.delivery_record(actor=mimp_worker, case=case, service_type=service("health"),
                                 delivered_on=TODAY())


# --- criminal cases ---------------------------------------------------------------------------------------

def test_a_case_links_only_criminal_cases_where_the_person_is_a_victim(transferred_case, mimp_worker, prosecutor,
                                                                       mimp):
    from sistra.cases.services import case_share, victim_add

    criminal = make_case(actor=prosecutor)
    case_share(actor=prosecutor, case=criminal, agency=mimp, level="read", reason="Asistencia a la víctima")
    with pytest.raises(ValidationError):
        services.case_link_criminal_case(actor=mimp_worker, case=transferred_case, criminal_case=criminal)
    victim_add(actor=prosecutor, case=criminal, person=transferred_case.person)
    services.case_link_criminal_case(actor=mimp_worker, case=transferred_case, criminal_case=criminal)
    assert list(transferred_case.criminal_cases.all()) == [criminal]


def test_a_criminal_case_the_user_cannot_see_is_not_linked(transferred_case, mimp_worker, prosecutor):
    criminal = make_case(actor=prosecutor)
    with pytest.raises(ValidationError) as exc:
        services.case_link_criminal_case(actor=mimp_worker, case=transferred_case, criminal_case=criminal)
    assert "No tiene acceso" in exc.value.message_dict["criminal_case"][0]


# --- overdue ----------------------------------------------------------------------------------------------

def test_overdue_referrals_raise_one_alert_for_each_agency(clinic_case, health_worker, mimp, mimp_worker):
    referral = send(health_worker, clinic_case, mimp)
    assert services.overdue_alerts_raise(on=referral.due_on) == 0
    assert services.overdue_alerts_raise(on=referral.due_on + datetime.timedelta(days=1)) == 2
    assert services.overdue_alerts_raise(on=referral.due_on + datetime.timedelta(days=2)) == 0
    assert set(ReferralAlert.objects.values_list("agency_id", flat=True)) == {health_worker.agency_id, mimp.pk}


def test_the_overdue_task_raises_the_alerts(clinic_case, health_worker, mimp, mimp_worker):
    from sistra.assistance.tasks import check_overdue_referrals

    referral = send(health_worker, clinic_case, mimp)
    Referral.objects.filter(pk=referral.pk).update(due_on=TODAY() - datetime.timedelta(days=1))
    result = check_overdue_referrals.enqueue()
    assert result.return_value == 2
    assert ReferralAlert.objects.filter(referral=referral).count() == 2


# --- providers --------------------------------------------------------------------------------------------

def test_a_provider_is_listed_by_department_and_service(mimp_worker, iom):
    from sistra.assistance.selectors import provider_directory
    provider = services.provider_create(actor=mimp_worker, name="OIM — Retornos", kind="international", agency=iom,
                                        services=[service("return_domestic")], regions=[ubigeo("170000")])
    assert list(provider_directory(region="170000", service="return_domestic")) == [provider]
    assert not provider_directory(region="080000").exists()
    with pytest.raises(ValidationError):
        services.provider_create(actor=mimp_worker, name="X", kind="ngo", services=[service("health")],
                                 regions=[ubigeo("170101")])



def test_on_a_queue_that_can_wait_a_referral_schedules_its_overdue_check(clinic_case, health_worker, mimp,
                                                                         mimp_worker, settings,
                                                                         django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from sistra.assistance.tasks import check_overdue_referrals

    # Django resets its task backends when TASKS changes; the fixture puts the setting back afterwards
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "stats"]}}
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(health_worker, clinic_case, mimp)
    queued = DBTaskResult.objects.get(task_path=check_overdue_referrals.module_path)
    assert timezone.localtime(queued.run_after).date() == referral.due_on + datetime.timedelta(days=1)
