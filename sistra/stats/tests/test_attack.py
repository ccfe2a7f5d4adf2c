"""The attack on a release: with only its published files, no hidden cell may be narrowed down to an interval
narrower than the small-cell threshold (see attacker.py for what the attacker may use)."""

import pytest

from sistra.stats.models import OpenDataRelease
from sistra.stats.services import open_data_release_request, release_file

from .attacker import attack


def published(release: OpenDataRelease) -> dict[str, bytes]:
    return {f["name"]: release_file(release, f["name"]) for f in release.files}


def make_release(actor, callbacks, **kwargs) -> OpenDataRelease:
    with callbacks(execute=True):
        created = open_data_release_request(actor=actor, **kwargs)
    created.refresh_from_db()
    assert created.status == OpenDataRelease.Status.READY, created.error
    return created


def describe(findings) -> str:
    return "; ".join(f"{f.table}[{f.category}, {f.year}] ∈ [{f.low:g}, {f.high:g}]" for f in findings[:10])


@pytest.mark.parametrize("epsilon_per_table", [0.25, 1.0])
def test_no_hidden_cell_of_a_release_can_be_narrowed_below_the_threshold(
    run, analyst, media, django_capture_on_commit_callbacks, epsilon_per_table
):
    release = make_release(
        analyst,
        django_capture_on_commit_callbacks,
        year_from=2015,
        year_to=2025,
        epsilon_per_table=epsilon_per_table,
    )
    result = attack(published(release))
    assert result.findings, "the release hides nothing: the attack tested nothing"
    assert not result.pinned, describe(result.pinned)
