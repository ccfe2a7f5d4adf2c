import pytest
from django.core.exceptions import ValidationError
from stdnum.pe import cui

from sistra.people.validators import clean_dni


def test_it_accepts_eight_digits_and_returns_them():
    assert clean_dni("10117410") == "10117410"


def test_it_ignores_spaces_and_dashes_around_the_number():
    assert clean_dni(" 1011 7410 ") == "10117410"


@pytest.mark.parametrize("value", ["101174102", "10117410G", "10117410g", "10117410-2"])
def test_it_accepts_the_check_character_printed_on_the_card_and_stores_eight_digits(value):
    assert cui.calc_check_digits("10117410") == "2G"
    assert clean_dni(value) == "10117410"


@pytest.mark.parametrize("value", ["101174103", "10117410X", "10117410-5"])
def test_it_refuses_a_wrong_check_character(value):
    with pytest.raises(ValidationError) as exc:
        clean_dni(value)
    assert exc.value.code == "invalid_dni_check"
    assert "el dígito de verificación no corresponde al número" in exc.value.messages[0]


@pytest.mark.parametrize("value", ["1011741", "", "ABCDEFGH", "1011741A", "1011741022", "10.117.410", "A10117410"])
def test_it_refuses_letters_and_wrong_lengths(value):
    with pytest.raises(ValidationError) as exc:
        clean_dni(value)
    assert exc.value.code == "invalid_dni"
    assert "debe tener 8 dígitos" in exc.value.messages[0]


def test_the_message_quotes_what_the_user_typed():
    with pytest.raises(ValidationError) as exc:
        clean_dni("1234")
    assert exc.value.messages == [
        "El DNI «1234» no es válido: debe tener 8 dígitos (y opcionalmente su dígito de verificación)."
    ]
