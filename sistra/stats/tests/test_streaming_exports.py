"""Exports that grow with the registry are written as they are read: the CSV writer hands out blocks before it
has seen every row, and the CTDC file is made k-anonymous in two passes over the facts — with the same bytes
as the list-based k_anonymise it replaces."""

import hashlib
import random

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from sistra.stats.disclosure import k_anonymise
from sistra.stats.exports import (
    CTDC_COLUMNS,
    CTDC_LADDER,
    CTDC_QUASI_IDENTIFIERS,
    csv_blocks,
    ctdc_csv,
    ctdc_record,
    to_csv,
)
from sistra.stats.models import FactVictim
from sistra.stats.services import open_data_release_request, release_path

META = {
    "forms": ["sexual_exploitation", "forced_labour", "servitude", "forced_begging"],
    "controls": ["debt_bondage", "withholds_documents", "physical_threats", "false_promises"],
}


def _facts(n: int, seed: int = 7) -> list[dict]:
    """Facts with a few common profiles (large classes) and a tail of rare ones (classes under k)."""
    rng = random.Random(seed)
    facts = []
    for _ in range(n):
        common = rng.random() < 0.7
        age = rng.choice([15, 22, 25] if common else [None, 3, 12, 19, 31, 44, 60])
        facts.append(
            {
                "year": rng.choice([2022, 2023] if common else [2019, 2020, 2021, 2022, 2023]),
                "sex": rng.choice(
                    ["female", "male"] if common else ["female", "male", "transgender", "unknown"]
                ),
                "age": age,
                "is_minor": age is not None and age < 18,
                "nationality": rng.choice(["PE"] if common else ["PE", "VE", "CO", "BO", ""]),
                "form_mask": rng.choice([1, 2] if common else [0, 1, 2, 3, 4, 8, 12]),
                "control_mask": rng.randrange(16),
                "relation": rng.choice(["partner", "family", "friend", "stranger", "unknown", None]),
                "exploitation_countries": "" if common else rng.choice(["", "AR", "CL,BO"]),
                "dept_mask": rng.choice([0, 1 << 17]),
            }
        )
    return facts


def _old_ctdc_file(facts: list[dict], k: int) -> tuple[bytes, dict]:
    """The CTDC file as it was written before it streamed: every record in a list, k_anonymise, to_csv."""
    records, report = k_anonymise(
        [ctdc_record(f, META) for f in facts],
        quasi_identifiers=CTDC_QUASI_IDENTIFIERS,
        ladder=CTDC_LADDER,
        k=k,
    )
    return to_csv(CTDC_COLUMNS, ([r.get(c, "") for c in CTDC_COLUMNS] for r in records)), report


class _Reads:
    """An iterable of rows that counts how far it was read, and refuses to be read past `limit`."""

    def __init__(self, rows, limit=None):
        self.rows, self.limit, self.read = rows, limit, 0

    def __iter__(self):
        for row in self.rows:
            if self.limit is not None and self.read >= self.limit:
                raise AssertionError(f"read past row {self.limit} before a block was handed out")
            self.read += 1
            yield row


def test_csv_blocks_are_the_bytes_of_to_csv():
    header = ["código", "=fórmula"]
    rows = [[f"=fila {i}", i, None, "Madre de Dios"] for i in range(5000)]

    assert b"".join(csv_blocks(header, rows, block=1000)) == to_csv(header, rows)
    assert to_csv(header, rows).startswith("\ufeff".encode())


def test_the_csv_writer_hands_out_a_block_before_reading_every_row():
    rows = _Reads([["Cusco", i] for i in range(10_000)], limit=200)

    first = next(csv_blocks(["departamento", "n"], rows, block=512))

    assert first.decode("utf-8-sig").startswith("departamento,n\r\nCusco,0\r\n")
    assert rows.read < 200


def _few_rare(n_rare: int) -> list[dict]:
    """One large class and a few records unlike it: generalised to nothing, then suppressed."""
    common, *rare = _facts(1 + n_rare, seed=3)
    return [dict(common) for _ in range(200)] + rare


@pytest.mark.parametrize(
    ("facts", "k"),
    [(_facts(3000), 2), (_facts(3000), 5), (_facts(3000), 11), (_facts(3000), 40), (_few_rare(4), 11)],
    ids=["k2", "k5", "k11", "k40", "suppressed"],
)
def test_the_streamed_ctdc_file_is_byte_for_byte_the_list_based_one(facts, k):
    blocks, report = ctdc_csv(lambda: iter(facts), META, k=k, block=4096)
    content = b"".join(blocks)

    old_content, old_report = _old_ctdc_file(facts, k)
    assert content == old_content
    assert report == old_report
    assert any(report["generalised"].values())


def test_the_few_records_unlike_the_rest_are_suppressed_as_before():
    _blocks, report = ctdc_csv(lambda: iter(_few_rare(4)), META, k=11)

    assert (report["input"], report["output"]) == (204, 204 - report["suppressed"])
    assert 0 < report["suppressed"] <= 4


def test_the_ctdc_file_counts_classes_first_then_writes_records_as_it_reads_them():
    facts = _facts(3000)
    passes = []

    def read_facts():
        # the first pass may read everything (it only counts); the second must write as it reads
        passes.append(_Reads(facts, limit=None if not passes else 300))
        return passes[-1]

    blocks, report = ctdc_csv(read_facts, META, k=5, block=2048)
    first = next(blocks)

    assert len(passes) == 2
    assert passes[0].read == 3000 and report["input"] == 3000
    assert first.decode("utf-8-sig").startswith(",".join(CTDC_COLUMNS[:3]))
    assert passes[1].read < 300


@pytest.fixture
def release(run, analyst, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = open_data_release_request(
            actor=analyst, year_from=2015, year_to=2025, epsilon_per_table=0.5
        )
    created.refresh_from_db()
    return created


def test_a_release_stores_the_ctdc_file_the_list_based_build_would_have_stored(release):
    facts = list(
        FactVictim.objects.filter(run=release.run, year__gte=2015, year__lte=2025).values(
            "year",
            "sex",
            "age",
            "is_minor",
            "nationality",
            "form_mask",
            "control_mask",
            "relation",
            "exploitation_countries",
            "dept_mask",
        )
    )
    records, report = k_anonymise(
        [ctdc_record(f, release.run.meta) for f in facts],
        quasi_identifiers=CTDC_QUASI_IDENTIFIERS,
        ladder=CTDC_LADDER,
        k=release.k_anonymity,
    )
    expected = to_csv(CTDC_COLUMNS, ([r.get(c, "") for c in CTDC_COLUMNS] for r in records))

    with default_storage.open(release_path(release, "ctdc_victims.csv"), "rb") as handle:
        stored = handle.read()
    assert stored == expected
    table = next(t for t in release.tables if t["code"] == "ctdc_victims")
    assert (table["rows"], table["suppressed_records"]) == (report["output"], report["suppressed"])
    assert table["generalised"] == report["generalised"]


def test_every_stored_file_has_the_size_and_digest_the_release_records(release):
    assert len(release.files) > 5
    for item in release.files:
        with default_storage.open(release_path(release, item["name"]), "rb") as handle:
            content = handle.read()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (item["size"], item["sha256"])


def test_a_release_file_is_sent_in_blocks_from_the_storage(client, analyst, release):
    client.force_login(analyst)

    response = client.get(reverse("stats:open_data_file", args=[release.uuid, "ctdc_victims.csv"]))

    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="ctdc_victims.csv"'
    with default_storage.open(release_path(release, "ctdc_victims.csv"), "rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_a_failed_build_stores_nothing(run, analyst, media, django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("sin espacio en disco")

    monkeypatch.setattr("sistra.stats.services.ctdc_csv", broken)
    with django_capture_on_commit_callbacks(execute=True):
        created = open_data_release_request(
            actor=analyst, year_from=2015, year_to=2025, epsilon_per_table=0.5
        )
    created.refresh_from_db()

    assert created.status == created.Status.FAILED and created.error == "RuntimeError"
    assert created.files == []
    assert not default_storage.exists(f"open_data/{created.uuid}")
