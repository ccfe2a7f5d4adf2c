import datetime
import random
from collections import Counter

import pytest
from django.utils import timezone

from sistra.hotline import selectors, services
from sistra.hotline.models import Contact, ContactPerson, FollowUp
from sistra.hotline.phone import phone_hash
from sistra.hotline.services import FollowUpInput, PoliceNotificationInput

from .conftest import make_contact, minutes_ago

pytestmark = pytest.mark.django_db

UBIGEOS = ["150101", "080101", "170101", "160101", ""]
COUNTRIES = ["AR", "CL"]


def _random_contacts(actor, police_unit, *, count: int, seed: int = 7) -> None:
    """Contacts spread over the last ~80 days, at every hour, of every category and channel."""
    rng = random.Random(seed)
    now = timezone.now()
    for _i in range(count):
        started = now - datetime.timedelta(minutes=rng.randint(30, 80 * 24 * 60))
        category = rng.choice(Contact.Category.values)
        kwargs = {
            "started_at": started, "ended_at": started + datetime.timedelta(seconds=rng.randint(5, 1800)),
            "channel": rng.choice(Contact.Channel.values), "category": category,
        }
        if category == Contact.Category.NON_SUBSTANTIVE:
            kwargs["non_substantive_reason"] = rng.choice(Contact.NonSubstantive.values)
        else:
            place = rng.choice(UBIGEOS + COUNTRIES)
            kwargs["ubigeo_code" if place.isdigit() else "country_code"] = place
            if rng.random() < 0.15:
                kwargs["risk_level"] = "emergency"
                kwargs["police_notification"] = PoliceNotificationInput(unit=police_unit, notified_at=started)
            if rng.random() < 0.3:
                kwargs["follow_up"] = FollowUpInput(note="Volver a llamar")
        services.contact_create(actor=actor, **kwargs)


def _expected(rows, date_from, date_to, *, hide_non_substantive=False):
    """The figures recomputed from the rows in Python, independently of the selector's queries."""
    chosen = []
    for row in rows:
        local = timezone.localtime(row.started_at)
        if not date_from <= local.date() <= date_to:
            continue
        if hide_non_substantive and row.category == "non_substantive":
            continue
        chosen.append((row, local))
    region = Counter()
    for row, _local in chosen:
        if row.ubigeo_id:
            region[row.ubigeo_id[:2]] += 1
        elif row.country_id:
            region["foreign"] += 1
        else:
            region["unknown"] += 1
    durations = [(row.ended_at - row.started_at).total_seconds() for row, _local in chosen]
    return {
        "total": len(chosen),
        "by_hour": Counter(local.hour for _row, local in chosen),
        "by_day": Counter(local.date() for _row, local in chosen),
        "by_month": Counter(local.date().replace(day=1) for _row, local in chosen),
        "by_category": Counter(row.category for row, _local in chosen),
        "by_channel": Counter(row.channel for row, _local in chosen),
        "by_region": region,
        "average": sum(durations) / len(durations) if durations else None,
        "emergencies": sum(1 for row, _local in chosen if row.risk_level == "emergency"),
    }


@pytest.mark.parametrize("hide_non_substantive", [False, True])
def test_supervisor_figures_match_the_rows(operator, foreign_operator, police_unit, hide_non_substantive):
    _random_contacts(operator, police_unit, count=140)
    _random_contacts(foreign_operator, police_unit, count=15, seed=99)  # another hotline: never counted
    services.contact_register_call(actor=operator, caller_number="987654321", started_at=minutes_ago(1))  # open
    today = timezone.localdate()
    date_from, date_to = today - datetime.timedelta(days=60), today
    rows = list(Contact.objects.filter(owner_agency=operator.agency, status="closed"))
    expected = _expected(rows, date_from, date_to, hide_non_substantive=hide_non_substantive)

    stats = selectors.contact_stats(operator, selectors.StatsFilters(date_from=date_from, date_to=date_to,
                                                                     hide_non_substantive=hide_non_substantive))

    assert stats.total == expected["total"] > 50
    assert dict(stats.by_hour) == {h: expected["by_hour"].get(h, 0) for h in range(24)}
    assert dict(stats.by_day) == dict(expected["by_day"])
    assert dict(stats.by_month) == dict(expected["by_month"])
    assert {code: n for code, _label, n in stats.by_category} == dict(expected["by_category"])
    assert {code: n for code, _label, n in stats.by_channel} == dict(expected["by_channel"])
    assert {code: n for code, _label, n in stats.by_region} == dict(expected["by_region"])
    assert stats.average_handling_seconds == pytest.approx(expected["average"])
    assert stats.emergencies == expected["emergencies"]
    assert stats.open_follow_ups == FollowUp.objects.filter(contact__owner_agency=operator.agency,
                                                            status="open").count()
    if hide_non_substantive:
        assert "non_substantive" not in {code for code, _label, _n in stats.by_category}


def test_regions_are_named_by_their_department(operator):
    make_contact(operator, ubigeo_code="080101")
    make_contact(operator, ubigeo_code="", country_code="AR")
    today = timezone.localdate()
    stats = selectors.contact_stats(operator, selectors.StatsFilters(date_from=today - datetime.timedelta(days=1),
                                                                     date_to=today))
    labels = {code: label for code, label, _n in stats.by_region}
    assert set(labels) == {"08", "foreign"}
    assert labels["08"].lower() == "cusco" and labels["foreign"] == "Extranjero"


def test_a_day_is_counted_in_lima_time(operator):
    # 23:30 in Lima on 1 March is 04:30 UTC on 2 March: it belongs to 1 March
    lima = timezone.get_current_timezone()
    started = datetime.datetime(2025, 3, 1, 23, 30, tzinfo=lima)
    make_contact(operator, started_at=started, ended_at=started + datetime.timedelta(minutes=5))
    stats = selectors.contact_stats(operator, selectors.StatsFilters(date_from=datetime.date(2025, 3, 1),
                                                                     date_to=datetime.date(2025, 3, 1)))
    assert stats.total == 1
    assert stats.by_day == [(datetime.date(2025, 3, 1), 1)]
    assert dict(stats.by_hour)[23] == 1


def test_caller_history_finds_earlier_contacts_of_the_number_and_of_the_person(operator, foreign_operator):
    first = make_contact(operator, caller_phone="987654321")
    make_contact(operator, caller_phone="912345678")
    make_contact(foreign_operator, caller_phone="987654321")  # another hotline's caller: not shown
    by_person = make_contact(operator)
    person_link = services.contact_add_new_person(actor=operator, contact=by_person, role="caller",
                                                  first_names="Lucía")
    current = make_contact(operator, caller_phone="+51 987 654 321")
    ContactPerson.objects.create(contact=current, person=person_link.person, role="caller")
    services.caller_flag_add(actor=operator, contact=first, kind="do_not_call_back")

    history = selectors.caller_history(operator, phone_hashes=[phone_hash("987654321")],
                                       person_ids=[person_link.person_id], exclude_pk=current.pk)

    assert {c.pk for c in history.contacts} == {first.pk, by_person.pk}
    assert history.total == 2
    assert [f.kind for f in history.flags] == ["do_not_call_back"]
    assert not selectors.caller_history(foreign_operator, phone_hashes=[phone_hash("912345678")]).is_repeat


def test_handover_lists_emergencies_open_follow_ups_and_overdue_reports_since_a_time(operator, police_unit):
    old = make_contact(operator, started_at=minutes_ago(60 * 30), ended_at=minutes_ago(60 * 30 - 5),
                       risk_level="emergency",
                       police_notification=PoliceNotificationInput(unit=police_unit,
                                                                   notified_at=minutes_ago(60 * 30 - 1)))
    recent = make_contact(operator, started_at=minutes_ago(60), ended_at=minutes_ago(50), risk_level="emergency",
                          police_notification=PoliceNotificationInput(unit_name="Comisaría Tambopata",
                                                                      notified_at=minutes_ago(55)))
    older_open = services.follow_up_add(actor=operator, contact=old, note="pendiente antiguo")
    FollowUp.objects.filter(pk=older_open.pk).update(created_at=minutes_ago(60 * 30))
    due = services.follow_up_add(actor=operator, contact=old, note="vencido", due_at=minutes_ago(60 * 29))
    FollowUp.objects.filter(pk=due.pk).update(created_at=minutes_ago(60 * 30))
    fresh = services.follow_up_add(actor=operator, contact=recent, note="nuevo")
    done = services.follow_up_add(actor=operator, contact=recent, note="hecho")
    services.follow_up_close(actor=operator, follow_up=done)
    report = services.police_report_send(actor=operator, contact=recent, recipient=police_unit, facts="Hechos")
    from sistra.hotline.models import PoliceReport

    PoliceReport.objects.filter(pk=report.pk).update(ack_due_at=minutes_ago(1), sent_at=minutes_ago(30))

    handover = selectors.handover(operator, since=minutes_ago(12 * 60))

    assert [c.pk for c in handover.emergencies] == [recent.pk]
    assert {f.pk for f in handover.follow_ups} == {due.pk, fresh.pk}
    assert [r.pk for r in handover.overdue_reports] == [report.pk]
