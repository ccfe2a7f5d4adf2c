"""Publishing open data: the request is recorded and audited, the release is built in the background with
suppressed tables, differentially private tables and the CTDC file, and its privacy budget is recorded."""

import csv
import io
import json
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sistra.audit.models import ChangeEvent
from sistra.stats.disclosure import CTDC_K, THRESHOLD
from sistra.stats.exports import CTDC_COLUMNS, CTDC_QUASI_IDENTIFIERS
from sistra.stats.models import OpenDataRelease
from sistra.stats.services import DP_TABLES, open_data_release_request, release_file

from .oracle import Filter, all_figures


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def release(run, analyst, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = open_data_release_request(
            actor=analyst, year_from=2015, year_to=2025, epsilon_per_table=0.5
        )
    created.refresh_from_db()
    return created


def test_a_release_records_its_privacy_budget_and_files(release, analyst):
    assert release.status == OpenDataRelease.Status.READY
    assert release.created_by == analyst
    assert release.epsilon_per_table == 0.5
    assert release.epsilon == pytest.approx(0.5 * len(DP_TABLES))
    assert release.threshold == THRESHOLD
    dp_tables = [t for t in release.tables if t["method"] == "dp"]
    assert len(dp_tables) == len(DP_TABLES)
    assert sum(t["epsilon"] for t in dp_tables) == pytest.approx(release.epsilon)
    names = {f["name"] for f in release.files}
    assert {"metadata.json", "ctdc_victims.csv", "cases_by_stage.csv", "dp_victims_by_sex.csv"} <= names
    metadata = json.loads(release_file(release, "metadata.json"))
    assert metadata["epsilon_total"] == pytest.approx(release.epsilon)
    assert metadata["threshold"] == THRESHOLD


def test_no_published_table_has_a_cell_under_the_threshold_nor_a_zero(release):
    for table in release.tables:
        if table["method"] == "k_anonymity":
            continue
        rows = read_csv(release_file(release, table["file"]))
        for row in rows[1:]:
            for cell in row[2:]:
                assert cell == "x" or int(cell) >= THRESHOLD, (table["file"], row)


def test_victims_are_published_once_with_differential_privacy_and_cases_once_exact(release):
    methods = {t["code"]: t["method"] for t in release.tables}
    assert not [code for code in methods if code.startswith("victims_")]
    assert {methods[code] for code in methods if code.startswith("dp_")} == {"dp"}
    assert {methods[code] for code in methods if code.startswith("cases_")} == {"suppression"}


def test_suppressed_tables_publish_the_raw_counts_where_they_publish_any(release):
    expected = all_figures(Filter(years=(2015, 2025)))
    rows = read_csv(release_file(release, "cases_by_stage.csv"))
    years = [int(y) for y in rows[0][2:]]
    for row in rows[1:-1]:
        for year, cell in zip(years, row[2:], strict=True):
            if cell != "x":
                assert int(cell) == expected["cases_by_stage"].get((year, row[0]), 0)
    totals = rows[-1]
    for year, cell in zip(years, totals[2:], strict=True):
        true_total = expected["cases_total"].get((year, ""), 0)
        # a yearly total is hidden only when it is small itself
        assert cell == ("x" if true_total < THRESHOLD else str(true_total))


def test_noisy_tables_are_consistent_their_totals_add_up(release):
    for table in release.tables:
        if table["method"] != "dp" or table["code"] == "dp_victims_by_form":
            continue
        rows = read_csv(release_file(release, table["file"]))
        assert rows[-1][1] == "Total"
        for j in range(2, len(rows[0])):
            column = [row[j] for row in rows[1:-1]]
            total = rows[-1][j]
            shown = sum(int(v) for v in column if v != "x")
            if total != "x":
                assert shown <= int(total)
            if total != "x" and "x" not in column:
                assert shown == int(total)


def test_tables_of_one_group_hide_the_same_yearly_totals(release):
    hidden = []
    for name in ("cases_by_df.csv", "cases_by_stage.csv", "cases_by_status.csv"):
        totals = read_csv(release_file(release, name))[-1][2:]
        hidden.append({i for i, v in enumerate(totals) if v == "x"})
    assert hidden[0] == hidden[1] == hidden[2]


def test_the_ctdc_file_is_k_anonymous_and_has_the_ctdc_columns(release):
    rows = read_csv(release_file(release, "ctdc_victims.csv"))
    assert rows[0] == CTDC_COLUMNS
    records = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    combos = Counter(tuple(r[q] for q in CTDC_QUASI_IDENTIFIERS) for r in records)
    assert all(n >= CTDC_K for n in combos.values())
    assert records, "with 190 victims some records survive"
    assert {r["Datasource"] for r in records} == {"Case Management"}


def test_the_request_is_audited(release, analyst):
    events = ChangeEvent.objects.filter(model="stats.opendatarelease", object_uuid=release.uuid)
    assert events.filter(action="create", actor=analyst).exists()
    assert events.filter(action="update").exists()


def test_a_role_without_the_capability_cannot_publish(run, supervisor):
    with pytest.raises(ValidationError):
        open_data_release_request(actor=supervisor, year_from=2020, year_to=2021, epsilon_per_table=0.5)
    assert not OpenDataRelease.objects.exists()


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"year_from": 2023, "year_to": 2020, "epsilon_per_table": 0.5}, "year_to"),
        ({"year_from": 2020, "year_to": 2099, "epsilon_per_table": 0.5}, "year_to"),
        ({"year_from": 2020, "year_to": 2021, "epsilon_per_table": 9}, "epsilon_per_table"),
        ({"year_from": 2020, "year_to": 2021, "epsilon_per_table": 0.5, "threshold": 3}, "threshold"),
    ],
)
def test_a_bad_request_is_refused_with_a_spanish_message(run, analyst, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        open_data_release_request(actor=analyst, **kwargs)
    assert field in exc.value.message_dict
    assert not OpenDataRelease.objects.exists()


def test_publishing_needs_computed_statistics(analyst, db):
    with pytest.raises(ValidationError) as exc:
        open_data_release_request(actor=analyst, year_from=2020, year_to=2021, epsilon_per_table=0.5)
    assert "Aún no hay estadísticas" in str(exc.value)


def test_the_release_page_lists_its_files_and_serves_them(client, analyst, release):
    client.force_login(analyst)
    html = client.get(reverse("stats:open_data_detail", args=[release.uuid])).content.decode()
    assert "ctdc_victims.csv" in html and "ε" in html
    response = client.get(reverse("stats:open_data_file", args=[release.uuid, "dp_victims_by_sex.csv"]))
    assert response.status_code == 200
    assert client.get(reverse("stats:open_data_file", args=[release.uuid, "other.csv"])).status_code == 404
    base = reverse("stats:open_data_detail", args=[release.uuid])
    assert client.get(base + "..%2F..%2Fsettings.py").status_code == 404


def test_publishing_from_the_page_redirects_to_the_release(
    client, analyst, run, media, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stats:open_data"),
            {"year_from": 2018, "year_to": 2024, "epsilon_per_table": 1, "threshold": 10},
        )
    release = OpenDataRelease.objects.get()
    assert response["Location"] == reverse("stats:open_data_detail", args=[release.uuid])
    release.refresh_from_db()
    assert release.status == OpenDataRelease.Status.READY
