import io

import pytest
import pyzipper

from sistra.core.exports import new_archive_password, protected_zip, safe_cell, unsafe_cell


@pytest.mark.parametrize("text", ["=1+1", "+51 999", "-cmd", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised_and_restored(text):
    assert safe_cell(text) == "'" + text
    assert unsafe_cell(safe_cell(text)) == text


def test_ordinary_values_pass_unchanged():
    assert safe_cell("Quispe") == "Quispe"
    assert safe_cell(12) == 12
    assert unsafe_cell("'hola") == "'hola"


def test_protected_zip_needs_the_password():
    password = new_archive_password()
    data = protected_zip({"casos.csv": b"numero\n2026-1\n"}, password)
    with pyzipper.AESZipFile(io.BytesIO(data)) as zf:
        with pytest.raises(RuntimeError):
            zf.read("casos.csv")
        zf.setpassword(password.encode())
        assert zf.read("casos.csv") == b"numero\n2026-1\n"
