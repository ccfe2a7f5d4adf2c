"""Privacy-preserving linkage: CLK encodings under a shared secret, Dice matching, refusals."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from sistra.linkage.pprl import dice, encode, export, load, match
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person

SECRET = b"un-secreto-compartido-entre-instituciones"


def person(first, paternal, maternal="", dob=None, dni="", sex="female", id="x"):
    return {
        "id": id,
        "first_names": first,
        "last_name_paternal": paternal,
        "last_name_maternal": maternal,
        "date_of_birth": dob,
        "dni": dni,
        "sex": sex,
    }


def test_the_same_person_typed_differently_is_closer_than_a_namesake():
    isabel = encode(person("Isabel", "Ccori", "Puma", datetime.date(2009, 4, 2)), SECRET)
    chabuca = encode(person("Chabuca", "CCORI PUMA", "", datetime.date(2009, 4, 2)), SECRET)
    other = encode(person("Isabel", "Quispe", "Mamani", datetime.date(1990, 1, 9)), SECRET)
    assert dice(isabel, chabuca) > 0.8 > dice(isabel, other)


def test_the_encoding_depends_on_the_secret():
    p = person("Rosa", "Flores")
    assert encode(p, SECRET) != encode(p, b"otro-secreto-distinto-de-verdad")


def test_the_file_holds_no_name_nor_document():
    text = json.dumps(export([person("Rosa", "Flores", dni="45678912", id="r1")], secret=SECRET, agency="a"))
    assert "Rosa" not in text and "Flores" not in text.lower() and "45678912" not in text


def test_matching_reveals_only_the_linked_pairs():
    ours = load(
        export(
            [
                person("Isabel", "Ccori", "Puma", datetime.date(2009, 4, 2), id="a1"),
                person("Juana", "Rojas", id="a2"),
            ],
            secret=SECRET,
            agency="a",
        ),
        secret=SECRET,
    )
    theirs = load(
        export(
            [
                person("Chabuca", "Ccori Puma", "", datetime.date(2009, 4, 2), id="b1"),
                person("Rosa", "Ccori", id="b2"),
            ],
            secret=SECRET,
            agency="b",
        ),
        secret=SECRET,
    )
    assert [(a, b) for a, b, _score in match(ours, theirs)] == [("a1", "b1")]


def test_a_file_made_with_another_secret_is_refused():
    data = export([person("Rosa", "Flores")], secret=b"otro-secreto-distinto-de-verdad", agency="b")
    with pytest.raises(ValidationError) as exc:
        load(data, secret=SECRET)
    assert exc.value.messages == ["El archivo se codificó con otro secreto compartido: no se puede comparar."]


def test_a_file_of_another_schema_is_refused():
    data = export([person("Rosa", "Flores")], secret=SECRET, agency="b") | {"schema": "clkhash-v3"}
    with pytest.raises(ValidationError) as exc:
        load(data, secret=SECRET)
    assert "otro esquema" in exc.value.messages[0]


@pytest.mark.django_db
def test_the_commands_export_and_match_two_agencies(tmp_path, prosecutor, outsider, capsys):
    make_person(
        actor=prosecutor,
        first_names="Isabel",
        last_name_paternal="Ccori",
        last_name_maternal="Puma",
        date_of_birth=datetime.date(2009, 4, 2),
        documents=[DocumentInput(kind="dni", number="45678912")],
    )
    make_person(
        actor=outsider,
        first_names="Chabuca",
        last_name_paternal="Ccori Puma",
        date_of_birth=datetime.date(2009, 4, 2),
        documents=[DocumentInput(kind="dni", number="45678912")],
    )
    make_person(actor=outsider, first_names="Rosa", last_name_paternal="Flores")
    secret = tmp_path / "secreto"
    secret.write_bytes(SECRET)
    for agency, name in ((prosecutor.agency, "a.json"), (outsider.agency, "b.json")):
        call_command(
            "linkage_clk_export", agency=agency.code, secret_file=str(secret), out=str(tmp_path / name)
        )
    capsys.readouterr()

    call_command(
        "linkage_clk_match", str(tmp_path / "a.json"), str(tmp_path / "b.json"), secret_file=str(secret)
    )

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert "Isabel" not in lines[0] and "Chabuca" not in lines[0]


@pytest.mark.django_db
def test_the_match_command_refuses_another_secret_in_spanish(tmp_path, prosecutor):
    make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Flores")
    secret, wrong = tmp_path / "s", tmp_path / "w"
    secret.write_bytes(SECRET)
    wrong.write_bytes(b"otro-secreto-distinto-de-verdad")
    call_command(
        "linkage_clk_export",
        agency=prosecutor.agency.code,
        secret_file=str(wrong),
        out=str(tmp_path / "a.json"),
    )

    with pytest.raises(CommandError) as exc:
        call_command(
            "linkage_clk_match", str(tmp_path / "a.json"), str(tmp_path / "a.json"), secret_file=str(secret)
        )
    assert "otro secreto compartido" in str(exc.value)
