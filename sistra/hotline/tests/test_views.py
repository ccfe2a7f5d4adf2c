"""The operator's screens: new contact (clock, quick non-substantive), detail (identity and access log,
repeat callers), follow-ups, flags, persons; denied paths are 403 for a role and 404 for another agency's record."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sistra.audit.models import AccessLog
from sistra.core import url_guard
from sistra.hotline import services
from sistra.hotline.forms import moment_text
from sistra.hotline.models import CallerFlag, Contact, ContactPerson, FollowUp
from sistra.people.testing import make_person

from .conftest import make_contact, minutes_ago

pytestmark = pytest.mark.django_db


def detail(contact):
    return reverse("hotline:contact_detail", args=[contact.uuid])


def form_data(**extra):
    data = {"channel": "phone", "caller_type": "anonymous", "risk_level": "none", "line": "0800-2-3232",
            "started_at": moment_text(minutes_ago(4))}
    data.update(extra)
    return data


# ------------------------------------------------------------------------------------------ new contact


def test_the_new_contact_form_opens_with_the_clock_running(client, operator):
    client.force_login(operator)
    before = timezone.localtime().replace(microsecond=0)
    response = client.get(reverse("hotline:contact_new"))
    assert response.status_code == 200
    html = response.content.decode()
    started = re.search(r'name="started_at" value="([^"]+)"', html).group(1)
    assert started[:10] == before.strftime("%d/%m/%Y")
    assert "autofocus" in html
    assert 'data-shortcut="1" data-reason="hung_up"' in html
    assert "hotline/contact_form.js" in html and 'nonce="' in html
    assert "<script>" not in html  # no inline script under the CSP


def test_a_quick_non_substantive_contact_is_saved_and_the_next_form_opens(client, operator):
    client.force_login(operator)
    response = client.post(reverse("hotline:contact_new"),
                           form_data(category="non_substantive", non_substantive_reason="silent"))
    assert response.status_code == 302 and response.url == reverse("hotline:contact_new")
    contact = Contact.objects.get()
    assert (contact.category, contact.non_substantive_reason, contact.operator) == ("non_substantive", "silent",
                                                                                    operator)
    assert contact.duration_seconds >= 240


def test_a_full_contact_goes_to_its_page(client, operator, police_unit):
    client.force_login(operator)
    response = client.post(reverse("hotline:contact_new"), form_data(
        category="trafficking_report", caller_type="relative", caller_phone="987654321", topics=["job_offer"],
        indicators=["deceptive_offer", "minor"], summary="Oferta falsa en Puerto Maldonado", risk_level="emergency",
        police_unit=police_unit.pk, police_notified_at=moment_text(minutes_ago(1)), ubigeo="Tambopata",
        language="que",
    ))
    contact = Contact.objects.get()
    assert response.status_code == 302 and response.url == detail(contact)
    assert contact.ubigeo_id == "170101"
    assert contact.indicators == ["deceptive_offer", "minor"]
    assert contact.police_notifications.get().unit == police_unit


def test_a_refused_contact_shows_the_spanish_message_and_keeps_the_clock(client, operator):
    client.force_login(operator)
    started = moment_text(minutes_ago(4))
    response = client.post(reverse("hotline:contact_new"), form_data(
        category="information", started_at=started, ended_at=moment_text(minutes_ago(9)), ubigeo="999999"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "no puede ser anterior a la hora de inicio" in html
    assert "No existe el ubigeo «999999»" in html
    assert f'value="{started}"' in html
    assert not Contact.objects.exists()


def test_a_police_notification_without_time_is_refused_on_screen(client, operator, police_unit):
    client.force_login(operator)
    response = client.post(reverse("hotline:contact_new"), form_data(category="assistance",
                                                                     police_unit=police_unit.pk))
    assert "Indique la hora en que se avisó a la policía." in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize("user", ["prosecutor", "police_officer", "analyst"])
def test_only_hotline_operators_log_contacts(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("hotline:contact_new")).status_code == 403
    assert client.post(reverse("hotline:contact_new"), form_data(category="information")).status_code == 403


# ------------------------------------------------------------------------------------------ repeat callers


def test_the_caller_lookup_shows_earlier_contacts_and_flags_of_the_number(client, operator):
    earlier = make_contact(operator, caller_phone="987654321")
    services.caller_flag_add(actor=operator, contact=earlier, kind="do_not_call_back", note="Riesgo en casa")
    client.force_login(operator)
    response = client.post(reverse("hotline:caller_lookup"), {"caller_phone": "+51 987 654 321"})
    html = response.content.decode()
    assert earlier.code in html
    assert "No devolver la llamada" in html and "Riesgo en casa" in html
    unknown = client.post(reverse("hotline:caller_lookup"), {"caller_phone": "912000111"}).content.decode()
    assert "Sin contactos anteriores" in unknown


def test_the_caller_lookup_does_not_cross_hotlines(client, operator, foreign_operator):
    earlier = make_contact(operator, caller_phone="987654321")
    client.force_login(foreign_operator)
    html = client.post(reverse("hotline:caller_lookup"), {"caller_phone": "987654321"}).content.decode()
    assert earlier.code not in html


def test_the_caller_lookup_is_a_post(client, operator):
    client.force_login(operator)
    with url_guard.deliberate():  # forged on purpose: the interface never puts the number in a URL
        assert client.get(reverse("hotline:caller_lookup") + "?caller_phone=987654321").status_code == 405


# ------------------------------------------------------------------------------------------ detail


def test_the_contact_page_shows_the_callers_details_and_logs_the_read(client, operator, contact):
    client.force_login(operator)
    response = client.get(detail(contact))
    html = response.content.decode()
    assert "Juana Pérez" in html and "987 654 321" in html
    log = AccessLog.objects.get(object_uuid=contact.uuid)
    assert log.purpose == "hotline" and log.actor == operator
    assert set(log.fields) == {"caller_name", "caller_phone"}


def test_a_contact_without_identity_writes_no_access_log(client, operator):
    contact = make_contact(operator)
    client.force_login(operator)
    assert client.get(detail(contact)).status_code == 200
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("user", ["foreign_operator", "prosecutor", "police_officer"])
def test_another_agency_gets_a_404_for_the_contact(client, request, contact, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(detail(contact)).status_code == 404
    assert client.post(reverse("hotline:follow_up_add", args=[contact.uuid]), {"note": "x"}).status_code == 404
    assert client.post(reverse("hotline:flag_add", args=[contact.uuid]), {"kind": "abusive"}).status_code == 404
    assert client.get(reverse("hotline:report_new", args=[contact.uuid])).status_code == 404
    assert client.get(reverse("hotline:person_link", args=[contact.uuid])).status_code == 404
    assert not AccessLog.objects.exists()


def test_a_follow_up_is_added_and_closed_from_the_page(client, operator, contact):
    client.force_login(operator)
    client.post(reverse("hotline:follow_up_add", args=[contact.uuid]),
                {"note": "Llamar a la madre", "due_at": moment_text(timezone.now())})
    follow_up = FollowUp.objects.get()
    client.post(reverse("hotline:follow_up_close", args=[follow_up.uuid]), {"outcome": "Contactada"})
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.outcome == "Contactada"


def test_another_hotline_cannot_close_a_follow_up_or_clear_a_flag(client, operator, foreign_operator, contact):
    follow_up = services.follow_up_add(actor=operator, contact=contact, note="Llamar")
    flag = services.caller_flag_add(actor=operator, contact=contact, kind="abusive")
    client.force_login(foreign_operator)
    assert client.post(reverse("hotline:follow_up_close", args=[follow_up.uuid])).status_code == 404
    assert client.post(reverse("hotline:flag_clear", args=[flag.uuid])).status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == "open" and CallerFlag.objects.get().cleared_at is None


def test_a_number_is_flagged_from_the_contact_page(client, operator, contact):
    client.force_login(operator)
    client.post(reverse("hotline:flag_add", args=[contact.uuid]), {"kind": "safe_call_only", "note": "Solo ella"})
    assert CallerFlag.objects.get().kind == "safe_call_only"


# ------------------------------------------------------------------------------------------ incoming calls


def test_an_incoming_call_is_listed_and_completed(client, operator):
    call, _created = services.contact_register_call(actor=operator, caller_number="987654321",
                                                    started_at=minutes_ago(2))
    client.force_login(operator)
    assert call.code in client.get(reverse("hotline:home")).content.decode()
    page = client.get(reverse("hotline:contact_attend", args=[call.uuid])).content.decode()
    assert moment_text(call.started_at) in page
    response = client.post(reverse("hotline:contact_attend", args=[call.uuid]), form_data(
        started_at=moment_text(call.started_at), category="information", topics=["migration"],
        version=str(call.version)))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == "closed" and call.operator == operator and call.topics == ["migration"]


# ------------------------------------------------------------------------------------------ persons


def test_a_person_is_searched_by_post_and_linked(client, operator, contact):
    person = make_person(actor=operator, first_names="Lucía", last_name_paternal="Condori")
    client.force_login(operator)
    url = reverse("hotline:person_link", args=[contact.uuid])
    html = client.post(url, {"action": "search", "text": "condori"}).content.decode()
    assert "Lucía Condori" in html
    assert AccessLog.objects.filter(person_uuid=person.uuid, purpose="hotline").exists()
    client.post(url, {"action": "link", "person": str(person.uuid), "role": "potential_victim"})
    assert ContactPerson.objects.get().person == person


def test_a_new_person_similar_to_an_existing_one_needs_confirmation(client, operator, contact):
    make_person(actor=operator, first_names="Lucía", last_name_paternal="Condori", last_name_maternal="")
    client.force_login(operator)
    url = reverse("hotline:person_link", args=[contact.uuid])
    data = {"action": "create", "role": "caller", "first_names": "Lucia", "last_name_paternal": "Condori",
            "sex": "female"}
    response = client.post(url, data)
    assert "Hay personas parecidas" in response.content.decode()
    assert not ContactPerson.objects.exists()
    client.post(url, {**data, "confirm_new": "on"})
    assert ContactPerson.objects.get().person.first_names == "Lucia"


def test_a_person_of_another_agency_cannot_be_linked(client, operator, prosecutor, contact):
    person = make_person(actor=prosecutor, first_names="Oculta")
    client.force_login(operator)
    response = client.post(reverse("hotline:person_link", args=[contact.uuid]),
                           {"action": "link", "person": str(person.uuid), "role": "caller"})
    assert response.status_code == 404
    assert not ContactPerson.objects.exists()


# ------------------------------------------------------------------------------------------ home


def test_the_home_page_can_hide_non_substantive_contacts(client, operator):
    substantive = make_contact(operator)
    silent = services.contact_create(actor=operator, started_at=minutes_ago(1), category="non_substantive",
                                     non_substantive_reason="silent")
    client.force_login(operator)
    html = client.get(reverse("hotline:home")).content.decode()
    assert substantive.code in html and silent.code in html
    html = client.get(reverse("hotline:home") + "?sustantivos=1").content.decode()
    assert substantive.code in html and silent.code not in html


def test_the_police_land_on_their_inbox(client, police_officer):
    client.force_login(police_officer)
    response = client.get(reverse("hotline:home"))
    assert response.status_code == 302 and response.url == reverse("hotline:inbox")


def test_a_role_without_hotline_access_is_refused(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("hotline:home")).status_code == 403
