"""Registering a case and editing its general data (optimistic locking)."""

import datetime

import pytest
from django.urls import reverse

from sistra.cases import services
from sistra.cases.models import Case
from sistra.cases.testing import make_case

pytestmark = pytest.mark.django_db

URL = reverse("cases:create")


def valid_data(agency, **extra):
    data = {
        "number": "2026-00123", "fiscalia": agency.code, "distrito_fiscal": agency.distrito_fiscal_id,
        "source": "police", "title": "Operación Oro", "complaint_date": "22/10/2025",
        "facts_date_from": "01/09/2025", "facts_date_to": "", "opened_date": "", "summary": "Hechos.",
    }
    data.update(extra)
    return data


def test_the_form_is_in_sections_with_the_users_fiscalia_preselected(client, prosecutor):
    client.force_login(prosecutor)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].initial["fiscalia"] == prosecutor.agency.code
    assert "<legend>Identificación</legend>" in html and "<legend>Fechas</legend>" in html
    assert 'placeholder="dd/mm/aaaa"' in html
    assert "no-store" in response["Cache-Control"]


def test_it_registers_a_case_and_goes_to_its_page(client, prosecutor):
    client.force_login(prosecutor)

    response = client.post(URL, valid_data(prosecutor.agency))

    case = Case.objects.get(number="2026-00123")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.uuid])
    assert case.complaint_date == datetime.date(2025, 10, 22)
    assert case.current_stage_id == "denuncia"
    assert case.owner_agency == prosecutor.agency


def test_it_accepts_iso_dates_too(client, prosecutor):
    client.force_login(prosecutor)

    client.post(URL, valid_data(prosecutor.agency, complaint_date="2025-10-22", facts_date_from=""))

    assert Case.objects.get(number="2026-00123").complaint_date == datetime.date(2025, 10, 22)


def test_it_reads_day_first_even_in_english(client, prosecutor):
    client.force_login(prosecutor)

    client.post(URL, valid_data(prosecutor.agency, complaint_date="05/11/2025", facts_date_from=""),
                HTTP_ACCEPT_LANGUAGE="en")

    assert Case.objects.get(number="2026-00123").complaint_date == datetime.date(2025, 11, 5)


def test_a_refused_case_shows_the_spanish_message_on_the_field_and_saves_nothing(client, prosecutor):
    client.force_login(prosecutor)
    future = (datetime.date.today() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")

    response = client.post(URL, valid_data(prosecutor.agency, complaint_date=future))

    assert response.status_code == 422
    assert "no puede ser una fecha futura" in " ".join(response.context["form"].errors["complaint_date"])
    assert not Case.objects.exists()


def test_a_duplicate_number_is_refused_on_the_number_field(client, prosecutor):
    make_case(actor=prosecutor, number="2026-00123")
    client.force_login(prosecutor)

    response = client.post(URL, valid_data(prosecutor.agency))

    assert response.status_code == 422
    assert "Ya existe un caso con el número 2026-00123" in response.context["form"].errors["number"][0]
    assert Case.objects.count() == 1


def test_a_malformed_date_gets_a_spanish_message(client, prosecutor):
    client.force_login(prosecutor)

    response = client.post(URL, valid_data(prosecutor.agency, complaint_date="31-31-2025"))

    assert response.status_code == 422
    assert "dd/mm/aaaa" in response.context["form"].errors["complaint_date"][0]
    assert not Case.objects.exists()


def test_a_role_that_cannot_register_cases_is_refused(client, analyst):
    client.force_login(analyst)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403


# --- edit ---------------------------------------------------------------------------------------------------

def test_it_edits_the_general_data(client, prosecutor):
    case = make_case(actor=prosecutor, number="2026-00123")
    client.force_login(prosecutor)
    url = reverse("cases:edit", args=[case.uuid])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(title="Operación Ámbar", complaint_date=case.complaint_date.strftime("%d/%m/%Y"), is_complex="on")

    response = client.post(url, data)

    case.refresh_from_db()
    assert response.status_code == 302
    assert case.title == "Operación Ámbar" and case.is_complex
    assert case.version == 2


def test_an_edit_over_a_stale_version_is_refused_with_the_conflict_message(client, prosecutor, teammate):
    case = make_case(actor=prosecutor, number="2026-00123")
    client.force_login(prosecutor)
    url = reverse("cases:edit", args=[case.uuid])
    data = {"version": case.version, "title": "Mi cambio", "distrito_fiscal": case.distrito_fiscal_id,
            "source": case.source, "complaint_date": case.complaint_date.strftime("%d/%m/%Y")}
    services.case_update(actor=teammate, case=case, expected_version=case.version, title="Cambio del colega")

    response = client.post(url, data)

    case.refresh_from_db()
    assert response.status_code == 422
    assert "Otra persona modificó este registro" in response.content.decode()
    assert case.title == "Cambio del colega"


def test_another_agency_cannot_open_the_edit_page(client, prosecutor, outsider):
    case = make_case(actor=prosecutor)
    client.force_login(outsider)

    assert client.get(reverse("cases:edit", args=[case.uuid])).status_code == 404


def test_an_analyst_cannot_edit(client, prosecutor, analyst):
    case = make_case(actor=prosecutor)
    client.force_login(analyst)

    assert client.post(reverse("cases:edit", args=[case.uuid]), {}).status_code == 404
