"""The bounded paginator counts a few pages past the one asked for, never the whole table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sistra.accounts.models import Agency
from sistra.core.pagination import PAGES_AHEAD, bounded_page
from sistra.core.testing import AgencyFactory


@pytest.fixture
def agencies(db):
    for i in range(30):
        AgencyFactory(code=f"pag-{i:02d}")
    return Agency.objects.order_by("code")


def test_the_count_stops_at_the_pages_ahead(agencies, monkeypatch):
    monkeypatch.setattr("sistra.core.pagination.PAGES_AHEAD", 1)
    total = agencies.count()
    page = bounded_page(agencies, 5, "1")
    assert page.paginator.count == 11 and page.paginator.truncated and page.paginator.limit == 10
    assert page.has_next() and page.paginator.num_pages == 3 and page.paginator.known_pages == 2
    with CaptureQueriesContext(connection) as queries:
        counted = bounded_page(agencies, 5, "2").paginator.count
    assert counted == 16 and "LIMIT 16" in queries[0]["sql"]  # (2 + 1) pages of 5, and one more row to know there are more
    last = bounded_page(agencies, 5, str(total))
    assert last.paginator.count == total and not last.paginator.truncated


def test_a_page_past_the_end_or_not_a_number_is_the_last_or_the_first(agencies):
    assert bounded_page(agencies, 5, "999").number == -(-agencies.count() // 5)
    assert bounded_page(agencies, 5, "x").number == 1
    assert bounded_page(agencies, 5, None).number == 1
    assert PAGES_AHEAD * 25 >= 1000  # the first page of a list counts at least a thousand rows


def test_a_list_already_read_is_bounded_too(monkeypatch):
    monkeypatch.setattr("sistra.core.pagination.PAGES_AHEAD", 1)
    page = bounded_page(list(range(30)), 5, "1")
    assert page.paginator.count == 11 and page.paginator.truncated and list(page) == [0, 1, 2, 3, 4]
    assert bounded_page(list(range(30)), 5, "6").paginator.count == 30


def test_a_deep_page_reads_its_ids_first_and_keeps_the_order(agencies, monkeypatch):
    monkeypatch.setattr("sistra.core.pagination.LATE_ROWS_FROM", 10)
    ordered = agencies.order_by("-code")
    with CaptureQueriesContext(connection) as queries:
        deep = list(bounded_page(ordered, 5, "3"))
    assert [a.code for a in deep] == [a.code for a in ordered[10:15]]
    assert any("OFFSET 10" in q["sql"] and "accounts_agency\".\"name\"" not in q["sql"] for q in queries)
    with CaptureQueriesContext(connection) as queries:
        shallow = [a.code for a in bounded_page(ordered, 5, "2")]
    assert shallow == [a.code for a in ordered[5:10]]
    rows = [q["sql"] for q in queries if "OFFSET 5" in q["sql"]]
    assert len(rows) == 1 and "accounts_agency\".\"name\"" in rows[0]  # read in one statement, as before


def test_a_deep_page_of_values_is_read_as_it_is(agencies, monkeypatch):
    monkeypatch.setattr("sistra.core.pagination.LATE_ROWS_FROM", 10)
    codes = agencies.order_by("code").values_list("code", flat=True)
    assert list(bounded_page(codes, 5, "3")) == list(codes[10:15])
