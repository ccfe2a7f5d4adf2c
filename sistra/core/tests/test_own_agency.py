"""The page header names the user's agency without a query of its own (sistra_tags.own_agency)."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sistra.accounts.models import Agency, User
from sistra.core import choices

pytestmark = pytest.mark.django_db


def header(user) -> tuple[str, list[str]]:
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("base.html", {}, request)
    return html, [q["sql"] for q in queries.captured_queries]


def test_the_header_names_the_users_agency_from_the_kept_list(prosecutor, outsider):
    choices.forget()
    header(User.objects.get(pk=outsider.pk))  # the first page of the process reads the list
    user = User.objects.get(pk=prosecutor.pk)  # as the session loads it: without its agency
    html, statements = header(user)
    assert f'<span class="user-agency">{prosecutor.agency.name}</span>' in html
    assert not any("accounts_agency" in sql for sql in statements)


def test_a_renamed_agency_shows_its_new_name_in_the_process_that_renamed_it(prosecutor):
    header(User.objects.get(pk=prosecutor.pk))
    Agency.objects.filter(pk=prosecutor.agency_id).update(name="Fiscalía renombrada")
    prosecutor.agency.name = "Fiscalía renombrada"
    prosecutor.agency.save()  # a save of reference data empties the keeper in this process
    html, _statements = header(User.objects.get(pk=prosecutor.pk))
    assert '<span class="user-agency">Fiscalía renombrada</span>' in html


def test_a_user_without_agency_has_no_agency_in_the_header(prosecutor):
    user = User.objects.get(pk=prosecutor.pk)
    user.agency = None
    html, _statements = header(user)
    assert "user-agency" not in html
