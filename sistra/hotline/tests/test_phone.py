import pytest

from sistra.hotline.phone import masked, normalize_phone, phone_hash, phone_hashes_for_lookup


@pytest.mark.parametrize("number", ["987654321", "987 654 321", "+51 987 654 321", "0051987654321",
                                    "(+51) 987-654-321"])
def test_the_ways_of_writing_a_mobile_are_one_number(number):
    assert normalize_phone(number) == "51987654321"


def test_lima_and_province_landlines_get_their_area_code():
    assert normalize_phone("4567890") == "5114567890"
    assert normalize_phone("01 4567890") == "5114567890"
    assert normalize_phone("084 123456") == "5184123456"


def test_the_hash_is_keyed_and_stable(settings):
    first = phone_hash("987654321")
    assert first == phone_hash("+51 987 654 321")
    assert len(first) == 64 and "987654321" not in first
    settings.SECRET_KEY = "otra-clave-" + "x" * 50
    assert phone_hash("987654321") != first


def test_a_rotated_key_still_finds_old_callers(settings):
    old = phone_hash("987654321")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "nueva-clave-" + "y" * 50
    assert old in phone_hashes_for_lookup("987654321")


@pytest.mark.parametrize("number", ["", None, "anónimo", "123"])
def test_a_withheld_or_unusable_number_has_no_hash(number):
    assert phone_hash(number) == ""
    assert phone_hashes_for_lookup(number) == []


def test_a_masked_number_shows_the_last_digits_only():
    assert masked("987654321") == "•••321"
