"""The login page renders in headless Chromium, runs no inline script and speaks Spanish by default."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_in_spanish_and_healthz_answers(page):
    response = page.goto("/login/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "es-pe"
    health = page.request.get("/healthz")
    assert health.status == 200
    assert health.json()["database"]["status"] == "ok"
