import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sistra.audit.models import ChangeEvent
from sistra.cases.models import Case
from sistra.cases.testing import make_case
from sistra.core.validation import ConflictError
from sistra.hotline import services
from sistra.hotline.models import CallerFlag, Contact, FollowUp, PoliceNotification, PoliceReport
from sistra.hotline.phone import phone_hash
from sistra.hotline.services import FollowUpInput, PoliceNotificationInput

from .conftest import make_contact, minutes_ago

pytestmark = pytest.mark.django_db


def _history(contact):
    return ChangeEvent.objects.filter(root_model="hotline.contact", root_uuid=contact.uuid)


# ------------------------------------------------------------------------------------------ contact_create


def test_it_logs_a_full_trafficking_report_with_its_actions_and_history(operator, police_unit):
    notified = minutes_ago(5)
    contact = make_contact(
        operator, risk_level="emergency", caller_phone="987654321", contact_consent=True,
        caller_name="Juana Pérez", language_code="que", information_given=True, referred_to="CEM Tambopata",
        police_notification=PoliceNotificationInput(unit=police_unit, officer="SO2 Quispe", notified_at=notified,
                                                    reference="OF-123"),
        follow_up=FollowUpInput(note="Llamar mañana para saber si volvió", due_at=timezone.now()
                                + datetime.timedelta(days=1)),
    )
    contact.refresh_from_db()
    assert contact.status == Contact.Status.CLOSED
    assert contact.operator == operator
    assert contact.duration_seconds == 480
    assert contact.departamento_code == "17"
    assert contact.language.code == "que"
    assert contact.caller_phone == "987654321"
    assert contact.phone_hash == phone_hash("+51 987 654 321")
    notification = contact.police_notifications.get()
    assert (notification.unit, notification.officer, notification.reference) == (police_unit, "SO2 Quispe",
                                                                                  "OF-123")
    assert contact.follow_ups.get().status == FollowUp.Status.OPEN
    models = set(_history(contact).values_list("model", flat=True))
    assert models == {"hotline.contact", "hotline.policenotification", "hotline.followup"}


def test_a_non_substantive_contact_needs_only_its_reason_and_ends_when_saved(operator):
    before = timezone.now()
    contact = services.contact_create(actor=operator, started_at=minutes_ago(0.5), category="non_substantive",
                                      non_substantive_reason="hung_up")
    assert contact.non_substantive_reason == "hung_up"
    assert contact.ended_at >= before
    assert contact.caller_type == Contact.CallerType.ANONYMOUS


def test_it_refuses_a_non_substantive_contact_without_reason(operator):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=operator, started_at=minutes_ago(1), category="non_substantive")
    assert "non_substantive_reason" in exc.value.message_dict
    assert not Contact.objects.exists()


def test_a_reason_left_on_a_substantive_contact_is_dropped(operator):
    contact = make_contact(operator, non_substantive_reason="prank")
    assert contact.non_substantive_reason == ""


def test_it_refuses_an_end_before_the_start_and_saves_nothing(operator, police_unit):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, started_at=minutes_ago(5), ended_at=minutes_ago(10),
                     follow_up=FollowUpInput(note="llamar"),
                     police_notification=PoliceNotificationInput(unit=police_unit, notified_at=minutes_ago(4)))
    message = exc.value.message_dict["ended_at"][0]
    assert "no puede ser anterior a la hora de inicio" in message
    assert not Contact.objects.exists()
    assert not FollowUp.objects.exists() and not PoliceNotification.objects.exists()
    assert not ChangeEvent.objects.filter(model__startswith="hotline.").exists()


def test_it_refuses_an_unknown_ubigeo(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, ubigeo_code="999999")
    assert exc.value.message_dict["ubigeo"] == [
        "No existe el ubigeo «999999». Escriba el código INEI de 6 dígitos, por ejemplo 150101 (Lima)."]
    assert not Contact.objects.exists()


def test_it_refuses_an_ubigeo_together_with_a_foreign_country(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, ubigeo_code="150101", country_code="AR")
    assert "country" in exc.value.message_dict


def test_a_foreign_location_is_a_country(operator):
    contact = make_contact(operator, ubigeo_code="", country_code="ar")
    assert contact.country_id == "AR" and contact.ubigeo is None and contact.departamento_code == ""


@pytest.mark.parametrize(("notification", "field", "text"), [
    ({"officer": "SO3 Mamani", "notified_at": "now"}, "police_unit", "Indique la unidad policial"),
    ({"unit_name": "Comisaría de Puerto Maldonado"}, "police_notified_at", "Indique la hora"),
])
def test_it_refuses_a_police_notification_without_unit_or_time(operator, notification, field, text):
    if notification.get("notified_at") == "now":
        notification["notified_at"] = minutes_ago(1)
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, police_notification=PoliceNotificationInput(**notification))
    assert text in exc.value.message_dict[field][0]
    assert not Contact.objects.exists()


def test_a_police_notification_names_a_police_unit_not_a_fiscalia(operator, fiscalia):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, police_notification=PoliceNotificationInput(unit=fiscalia,
                                                                           notified_at=minutes_ago(1)))
    assert "no es una unidad de la Policía" in exc.value.message_dict["police_unit"][0]


def test_an_emergency_requires_the_police_to_be_called(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, risk_level="emergency")
    assert "emergencia" in exc.value.message_dict["police_unit"][0]


def test_a_number_without_consent_is_kept_only_as_its_hash(operator):
    contact = make_contact(operator, caller_phone="987 654 321", contact_consent=False)
    contact.refresh_from_db()
    assert contact.caller_phone == ""
    assert contact.phone_hash == phone_hash("987654321")
    assert "987654321" not in str(_history(contact).get().after)


def test_it_refuses_a_name_without_consent(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, caller_name="Juana", contact_consent=False)
    assert "consentimiento" in exc.value.message_dict["contact_consent"][0]


def test_it_refuses_a_start_in_the_future(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, started_at=timezone.now() + datetime.timedelta(hours=2), ended_at=None)
    assert "no puede ser futura" in exc.value.message_dict["started_at"][0]


def test_only_a_hotline_agency_owns_contacts(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_contact(prosecutor)
    assert exc.value.messages == ["Solo una línea de ayuda registra contactos."]


def test_it_refuses_unknown_topics_and_indicators(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, topics=["astrology"], indicators=["moon"])
    assert set(exc.value.message_dict) >= {"topics", "indicators"}


# ------------------------------------------------------------------------------------------ telephony


def test_the_same_call_registered_twice_is_one_contact(operator):
    start = minutes_ago(1)
    first, created = services.contact_register_call(actor=operator, caller_number="987654321", started_at=start,
                                                    line="0800-2-3232")
    again, created_again = services.contact_register_call(actor=operator, caller_number="+51 987 654 321",
                                                          started_at=start, line="0800-2-3232")
    assert created and not created_again
    assert first.pk == again.pk
    assert first.status == Contact.Status.OPEN and first.caller_phone == ""
    assert Contact.objects.count() == 1


def test_an_operator_completes_a_call_the_telephony_opened(operator):
    call, _created = services.contact_register_call(actor=operator, caller_number="987654321",
                                                    started_at=minutes_ago(3))
    contact = services.contact_complete(actor=operator, contact=call, expected_version=call.version,
                                        started_at=call.started_at, category="information",
                                        topics=["migration"], summary="Consulta sobre visa de trabajo")
    assert contact.status == Contact.Status.CLOSED
    assert contact.operator == operator
    assert contact.phone_hash == phone_hash("987654321")
    assert contact.duration_seconds >= 180
    with pytest.raises(ValidationError):
        services.contact_complete(actor=operator, contact=call, expected_version=contact.version,
                                  started_at=call.started_at, category="information")


def test_completing_with_a_stale_version_is_a_conflict(operator):
    call, _created = services.contact_register_call(actor=operator, caller_number="", started_at=minutes_ago(3))
    with pytest.raises(ConflictError):
        services.contact_complete(actor=operator, contact=call, expected_version=call.version + 1,
                                  started_at=call.started_at, category="information")


# ------------------------------------------------------------------------------------------ follow-ups, flags


def test_a_follow_up_is_closed_once(operator, contact):
    follow_up = services.follow_up_add(actor=operator, contact=contact, note="Volver a llamar")
    services.follow_up_close(actor=operator, follow_up=follow_up, outcome="Ya regresó a casa")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE and follow_up.done_by == operator
    with pytest.raises(ValidationError):
        services.follow_up_close(actor=operator, follow_up=follow_up)


def test_a_number_gets_each_flag_once_until_cleared(operator, contact):
    flag = services.caller_flag_add(actor=operator, contact=contact, kind="do_not_call_back",
                                    note="Vive con el tratante")
    with pytest.raises(ValidationError):
        services.caller_flag_add(actor=operator, contact=contact, kind="do_not_call_back")
    services.caller_flag_clear(actor=operator, flag=flag)
    again = services.caller_flag_add(actor=operator, contact=contact, kind="do_not_call_back")
    assert CallerFlag.objects.filter(cleared_at__isnull=True).get() == again
    assert _history(contact).filter(model="hotline.callerflag").count() == 3


def test_a_contact_without_number_cannot_be_flagged(operator):
    contact = make_contact(operator)
    with pytest.raises(ValidationError):
        services.caller_flag_add(actor=operator, contact=contact, kind="abusive")


def test_a_new_person_is_registered_and_linked_together(operator, contact):
    link = services.contact_add_new_person(actor=operator, contact=contact, role="potential_victim",
                                           first_names="Lucía", last_name_paternal="Condori")
    assert link.person.owner_agency == operator.agency
    assert _history(contact).filter(model="hotline.contactperson").exists()


# ------------------------------------------------------------------------------------------ reports


def test_a_report_is_sent_to_the_chosen_agency_with_a_deadline(operator, contact, police_unit, settings):
    settings.HOTLINE_REPORT_ACK_HOURS = 6
    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit,
                                         facts=contact.summary)
    assert report.recipient == police_unit
    assert report.status == PoliceReport.Status.SENT
    assert report.ack_due_at - report.sent_at == datetime.timedelta(hours=6)
    assert _history(contact).filter(model="hotline.policereport").exists()


def test_the_pdf_is_rendered_in_the_background_after_commit(operator, contact, police_unit,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit,
                                             facts="Hechos")
    report.refresh_from_db()
    assert bytes(report.pdf).startswith(b"%PDF")
    assert report.pdf_generated_at is not None


@pytest.mark.parametrize("kind", ["hotline", "ngo", "court"])
def test_a_report_goes_only_to_a_police_unit_or_a_fiscalia(operator, contact, kind):
    from sistra.core.testing import AgencyFactory

    agency = AgencyFactory(code=f"x-{kind}", kind=kind)
    with pytest.raises(ValidationError) as exc:
        services.police_report_send(actor=operator, contact=contact, recipient=agency, facts="Hechos")
    assert "recipient" in exc.value.message_dict
    assert not PoliceReport.objects.exists()


def test_a_non_substantive_contact_is_not_reported(operator, police_unit):
    contact = services.contact_create(actor=operator, started_at=minutes_ago(1), category="non_substantive",
                                      non_substantive_reason="prank")
    with pytest.raises(ValidationError):
        services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")


def test_the_callers_details_travel_only_with_consent(operator, police_unit):
    contact = make_contact(operator, caller_phone="987654321")
    with pytest.raises(ValidationError) as exc:
        services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos",
                                    include_caller_contact=True)
    assert "include_caller_contact" in exc.value.message_dict


def test_only_the_recipient_acknowledges_and_only_once(operator, contact, police_unit, police_officer,
                                                       other_police_officer, prosecutor):
    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    for intruder in (other_police_officer, prosecutor, operator):
        with pytest.raises(ValidationError):
            services.police_report_acknowledge(actor=intruder, report=report)
    services.police_report_acknowledge(actor=police_officer, report=report, reference="Parte 55-2026")
    report.refresh_from_db()
    assert report.status == PoliceReport.Status.ACKNOWLEDGED
    assert report.acknowledged_by == police_officer and report.recipient_reference == "Parte 55-2026"
    with pytest.raises(ValidationError) as exc:
        services.police_report_acknowledge(actor=police_officer, report=report)
    assert "ya fue recibido" in exc.value.messages[0]


def test_a_prosecutor_opens_a_case_from_the_report(operator, contact, fiscalia, prosecutor):
    report = services.police_report_send(actor=operator, contact=contact, recipient=fiscalia, facts="Hechos graves")
    report = services.police_report_open_case(actor=prosecutor, report=report, number="2026-0777",
                                              distrito_fiscal=fiscalia.distrito_fiscal)
    case = report.case
    assert case.source == Case.Source.HOTLINE and case.fiscalia == fiscalia and case.summary == "Hechos graves"
    assert report.status == PoliceReport.Status.ACKNOWLEDGED
    assert report.case_linked_by == prosecutor
    with pytest.raises(ValidationError):
        services.police_report_open_case(actor=prosecutor, report=report, number="2026-0778",
                                         distrito_fiscal=fiscalia.distrito_fiscal)


def test_the_police_open_a_case_naming_the_fiscalia(operator, contact, police_unit, police_officer, fiscalia):
    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    with pytest.raises(ValidationError) as exc:
        services.police_report_open_case(actor=police_officer, report=report, number="2026-1",
                                         distrito_fiscal=fiscalia.distrito_fiscal)
    assert "fiscalia" in exc.value.message_dict
    report = services.police_report_open_case(actor=police_officer, report=report, number="2026-1",
                                              distrito_fiscal=fiscalia.distrito_fiscal, fiscalia=fiscalia)
    assert report.case.owner_agency == police_unit and report.case.fiscalia == fiscalia


def test_a_report_attaches_only_to_a_case_the_user_can_see(operator, contact, fiscalia, prosecutor, outsider):
    report = services.police_report_send(actor=operator, contact=contact, recipient=fiscalia, facts="Hechos")
    foreign_case = make_case(actor=outsider, number="LIMA-1")
    with pytest.raises(ValidationError):
        services.police_report_link_case(actor=prosecutor, report=report, case=foreign_case)
    own_case = make_case(actor=prosecutor, number="CUSCO-1")
    report = services.police_report_link_case(actor=prosecutor, report=report, case=own_case)
    assert report.case == own_case


def test_overdue_reports_are_flagged_once(operator, contact, police_unit):
    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    assert services.flag_overdue_reports() == 0
    later = report.ack_due_at + datetime.timedelta(minutes=1)
    assert services.flag_overdue_reports(now=later) == 1
    assert services.flag_overdue_reports(now=later) == 0
    report.refresh_from_db()
    assert report.overdue_flagged_at == later


def test_the_overdue_check_runs_as_a_task(operator, contact, police_unit):
    from sistra.hotline.tasks import check_overdue_reports

    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    PoliceReport.objects.filter(pk=report.pk).update(sent_at=minutes_ago(60 * 48), ack_due_at=minutes_ago(60))
    result = check_overdue_reports.enqueue()
    assert result.return_value == 1


def test_a_start_in_the_future_is_the_only_error_when_no_end_was_typed(operator):
    with pytest.raises(ValidationError) as exc:
        make_contact(operator, started_at=timezone.now() + datetime.timedelta(hours=2), ended_at=None)
    assert list(exc.value.message_dict) == ["started_at"]


def test_a_contact_saved_without_an_end_still_ends_now(operator):
    contact = make_contact(operator, started_at=minutes_ago(4), ended_at=None)
    assert minutes_ago(1) < contact.ended_at <= timezone.now()
