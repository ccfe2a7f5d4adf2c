"""The load test's floor page (/__floor__/) exists only under config.settings.benchmark, whose settings are
production's but for plain HTTP on this machine."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from config.settings import base


def test_the_floor_page_does_not_exist_under_the_test_settings(client, prosecutor):
    client.force_login(prosecutor)

    assert client.get("/__floor__/").status_code == 404


@override_settings(ROOT_URLCONF="config.urls_benchmark")
def test_the_floor_page_makes_one_primary_key_select_behind_the_middleware(client, prosecutor):
    client.force_login(prosecutor)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/__floor__/")

    assert response.status_code == 200
    assert response.content.decode().strip() == f"<p>{prosecutor.agency.code}</p>"
    agency_queries = [q["sql"] for q in captured.captured_queries if '"accounts_agency"' in q["sql"]]
    assert len(agency_queries) == 1
    assert f'"accounts_agency"."id" = {prosecutor.agency_id}' in agency_queries[0]
    assert "Content-Security-Policy" in response.headers


@override_settings(ROOT_URLCONF="config.urls_benchmark")
def test_the_floor_page_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get("/__floor__/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.fixture
def benchmark_settings():
    return importlib.import_module("config.settings.benchmark")


def test_the_benchmark_settings_keep_production_behaviour_over_plain_http(benchmark_settings):
    assert benchmark_settings.ROOT_URLCONF == "config.urls_benchmark"
    assert benchmark_settings.DEBUG is False
    assert benchmark_settings.SISTRA_REQUIRE_MFA is True
    assert benchmark_settings.MIDDLEWARE == base.MIDDLEWARE
    assert benchmark_settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
    assert not getattr(benchmark_settings, "SECURE_SSL_REDIRECT", False)
    assert benchmark_settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert benchmark_settings.SISTRA_KEY_FILE == base.SISTRA_KEY_FILE
