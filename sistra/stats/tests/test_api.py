import pytest
from rest_framework.test import APIClient

from .oracle import Filter, all_figures


@pytest.fixture
def api(analyst):
    client = APIClient()
    client.force_authenticate(analyst)
    return client


def test_figures_equal_the_raw_rows(api, run):
    response = api.get(
        "/api/v1/estadisticas/cifras/", {"figuras": "victims_by_sex,stage_durations", "departamento": "17"}
    )
    assert response.status_code == 200
    body = response.json()
    expected = all_figures(Filter(dept="17"))
    totals = {}
    for (_y, k), v in expected["victims_by_sex"].items():
        totals[k] = totals.get(k, 0) + v
    assert body["figures"]["victims_by_sex"]["totals"] == totals
    assert body["data_as_of"]
    assert "median" in body["figures"]["stage_durations"]


def test_an_unknown_figure_is_a_400_in_spanish(api, run):
    response = api.get("/api/v1/estadisticas/cifras/", {"figuras": "nope"})
    assert response.status_code == 400
    assert "desconocidas" in response.json()["figuras"][0]


def test_indicators_of_a_year(api, run):
    body = api.get("/api/v1/estadisticas/indicadores/", {"anio": 2023}).json()
    expected = all_figures(Filter(years=(2023, 2023)))
    values = {i["code"]: i["value"] for i in body["indicators"]}
    assert values["PN-01"] == sum(expected["cases_total"].values())


def test_the_releases_list(api, run):
    assert api.get("/api/v1/estadisticas/datos-abiertos/").json() == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/estadisticas/cifras/",
        "/api/v1/estadisticas/indicadores/?anio=2023",
        "/api/v1/estadisticas/datos-abiertos/",
    ],
)
def test_a_role_without_statistics_is_refused(prosecutor, url):
    client = APIClient()
    client.force_authenticate(prosecutor)
    assert client.get(url).status_code == 403
