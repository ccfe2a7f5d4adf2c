"""The issue's "done when": the HTCDS export of the demo data imports into an empty database with the same
content."""

import pytest

from sistra.accounts.capabilities import Role
from sistra.core.demo import FISCALIAS, load_demo_data
from sistra.core.testing import UserFactory
from sistra.interop import htcds
from sistra.interop.services import htcds_export, htcds_import

from .conftest import PURPOSE, delete_cases_and_persons, domain_content, read_cells, unpack

# Derived from the defendants' outcomes (a conviction makes an "actual" victim), which victim rows do not
# carry; and the pseudonym, which person_create draws anew.
NOT_CARRIED = {htcds.TRAFFICKING_STATUS, htcds.PERSON_CODE}


def comparable(path) -> list[list]:
    cells = read_cells(path)
    keep = [i for i, name in enumerate(cells[0]) if name not in NOT_CARRIED]
    return [[row[i] for i in keep] for row in cells]


@pytest.mark.django_db
def test_the_demo_data_survives_export_and_import_into_an_empty_database(tmp_path):
    load_demo_data(cases=24)
    prosecutors = [
        UserFactory(username=f"export-{code}", agency__code=code, role=Role.PROSECUTOR) for code in FISCALIAS
    ]
    before = domain_content()
    assert len(before) >= 24
    first, passwords = {}, {}
    for user in prosecutors:
        first[user.pk] = tmp_path / f"first-{user.username}.zip"
        passwords[user.pk] = htcds_export(actor=user, path=first[user.pk], purpose=PURPOSE).password

    delete_cases_and_persons()
    for user in prosecutors:
        report = htcds_import(actor=user, path=first[user.pk], password=passwords[user.pk])
        assert report.errors == [], report.errors[:5]

    assert domain_content() == before
    for user in prosecutors:
        second = tmp_path / f"second-{user.username}.zip"
        password = htcds_export(actor=user, path=second, purpose=PURPOSE).password
        assert comparable(unpack(second, password, tmp_path / "second.xlsx")) == comparable(
            unpack(first[user.pk], passwords[user.pk], tmp_path / "first.xlsx")
        )
