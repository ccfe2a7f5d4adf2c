"""Spanish of Peru by default, English on request (docs/decisions/0004-spanish-source-strings.md): the interface
switches language, Peruvian formats hold, and the English catalogue is complete, compiled and faithful to
its placeholders — so a string added without its translation fails here, not in front of a user."""

import ast
import datetime
import gettext
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.utils import is_ignored_path
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from sistra.people.validators import clean_dni

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` ignores, plus makemessages' own defaults (".*" covers .venv and .git).
IGNORED = ["node_modules", "var", ".venv", "*/tests/*", "tests", "benchmarks", "CVS", ".*", "*~", "*.pyc"]
SPANISH_NAV = ["Casos", "Personas", "Asistencia", "Línea 0800", "Auditoría", "Cerrar sesión"]


def parse_po(text: str) -> list[dict]:
    """A tiny .po reader: one dict per entry with msgctxt, msgid, msgid_plural, msgstr (a list: one item, or
    one per plural form) and flags. Obsolete (#~) entries are left out."""
    entries, entry, field = [], None, None

    def close():
        if entry is not None and "msgid" in entry and not entry["obsolete"]:
            entries.append(entry)

    for line in text.splitlines():
        line = line.strip()
        if not line:
            close()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid_plural": None, "msgstr": {}, "flags": set(), "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        else:
            keyword, _, quoted = line.partition(" ")
            value = ast.literal_eval(quoted)
            plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural_form:
                field = int(plural_form.group(1))
                entry["msgstr"][field] = value
            elif keyword == "msgstr":
                field = 0
                entry["msgstr"][0] = value
            else:
                field = keyword
                entry[field] = value
    close()
    for item in entries:
        item["msgstr"] = [item["msgstr"][index] for index in sorted(item["msgstr"])]
    return entries


def catalogue() -> list[dict]:
    """The entries of the English .po, without its header."""
    return [entry for entry in parse_po(PO.read_text(encoding="utf-8")) if entry["msgid"]]


def nav_html(response) -> str:
    html = response.content.decode()
    match = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    assert match, "the page has no main navigation"
    return match.group(0)


# --- the interface in each language ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_case_list_is_in_spanish_by_default(client, prosecutor):
    client.force_login(prosecutor)

    response = client.get(reverse("cases:list"))

    assert response.status_code == 200
    assert '<html lang="es-pe">' in response.content.decode()
    nav = nav_html(response)
    assert "Casos" in nav
    assert "Personas" in nav


@pytest.mark.django_db
def test_the_language_switch_turns_the_case_list_into_english(client, prosecutor):
    client.force_login(prosecutor)

    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("cases:list")})
    response = client.get(reverse("cases:list"))

    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Criminal cases" in html
    nav = nav_html(response)
    assert ">Cases<" in nav
    assert ">People<" in nav
    assert "Sign out" in html
    for word in SPANISH_NAV:
        assert word not in nav, f"Spanish navigation word {word!r} on the English page"


@pytest.mark.django_db
def test_switching_back_to_spanish_restores_it(client, prosecutor):
    client.force_login(prosecutor)
    client.post(reverse("set_language"), {"language": "en"})

    client.post(reverse("set_language"), {"language": "es-pe"})
    response = client.get(reverse("cases:list"))

    assert ">Casos<" in nav_html(response)


# --- Peruvian formats -----------------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load l10n %}" + source).render(Context(context)).strip()


def test_dates_are_day_first_in_spanish_of_peru():
    with translation.override("es-pe"):
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=datetime.date(2026, 11, 22)) == "22/11/2026"
        assert render("{{ d|date }}", d=datetime.date(2026, 11, 22)) == "22 de noviembre de 2026"
        assert render('{{ d|date:"SHORT_DATETIME_FORMAT" }}', d=datetime.datetime(2026, 11, 22, 14, 5)) == (
            "22/11/2026 14:05"
        )


def test_numbers_use_a_decimal_point_and_comma_thousands_in_spanish_of_peru():
    with translation.override("es-pe"):
        assert render("{{ 1234.5|floatformat:2 }}") == "1,234.50"
        assert render("{{ n }}", n=1234567) == "1,234,567"
        assert render("{{ x }}", x=1234.5) == "1,234.5"


# --- messages from services -----------------------------------------------------------------------------


def dni_error(value: str) -> str:
    with pytest.raises(ValidationError) as raised:
        clean_dni(value)
    return raised.value.messages[0]


def test_a_service_error_is_in_spanish_by_default():
    assert translation.get_language() == "es-pe"
    assert dni_error("12-34") == (
        "El DNI «12-34» no es válido: debe tener 8 dígitos (y opcionalmente su dígito de verificación)."
    )


def test_a_service_error_is_in_english_when_english_is_active():
    with translation.override("en"):
        message = dni_error("12-34")

    assert message == (
        "The DNI “12-34” is not valid: it must have 8 digits (optionally followed by its check digit)."
    )


# --- the catalogue --------------------------------------------------------------------------------------


def test_the_catalogue_is_the_english_one_with_english_plural_rules():
    header = parse_po(PO.read_text(encoding="utf-8"))[0]
    assert header["msgid"] == ""
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]
    assert len(catalogue()) > 1000


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = catalogue()
    untranslated = [
        e["msgid"]
        for e in entries
        if not all(e["msgstr"]) or len(e["msgstr"]) != (2 if e["msgid_plural"] is not None else 1)
    ]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]

    assert not untranslated, f"untranslated (run `make messages` and translate them): {untranslated[:20]}"
    assert not fuzzy, f"fuzzy (check the translation and remove the flag): {fuzzy[:20]}"


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sd]|\{\w*\}")


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in catalogue():
        sources = [entry["msgid"]] + ([entry["msgid_plural"]] if entry["msgid_plural"] is not None else [])
        for index, translated in enumerate(entry["msgstr"]):
            source = sources[min(index, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                wrong.append((source, translated))

    assert not wrong


def test_the_compiled_catalogue_matches_the_po():
    """The .mo is committed (a fresh clone needs no gettext tools): it must hold what the .po says."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for entry in catalogue():
        if entry["msgid_plural"] is None:
            got = [
                compiled.pgettext(entry["msgctxt"], entry["msgid"])
                if entry["msgctxt"]
                else compiled.gettext(entry["msgid"])
            ]
        else:
            got = [compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
        if got != entry["msgstr"]:
            stale.append(entry["msgid"])

    assert not stale, f"django.mo is out of date (run `make messages`): {stale[:20]}"


def source_files() -> list[Path]:
    """The files `make messages` reads: .py, .html and .txt under the repository root, minus the ignored."""
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        relative = Path(dirpath).relative_to(ROOT)
        dirnames[:] = sorted(name for name in dirnames if not is_ignored_path(str(relative / name), IGNORED))
        found += [
            Path(dirpath) / name
            for name in sorted(filenames)
            if name.endswith((".py", ".html", ".txt")) and not is_ignored_path(str(relative / name), IGNORED)
        ]
    return found


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_translatable_string_in_the_code_is_in_the_catalogue():
    """Catches a string added to the code or a template without running `make messages`: extracted the
    way makemessages does (templates through Django's templatize, then xgettext), into a temporary folder."""
    from django.utils.translation.template import templatize

    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for number, path in enumerate(source_files()):
            if path.suffix == ".py":
                inputs.append(str(path))
                continue
            work = Path(tmp) / f"{number}.py"
            work.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
            inputs.append(str(work))
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(inputs), encoding="utf-8")
        extracted = subprocess.run(
            [
                "xgettext",
                "--language=Python",
                "--from-code=UTF-8",
                "--keyword=gettext_noop",
                "--keyword=gettext_lazy",
                "--keyword=ngettext_lazy:1,2",
                "--keyword=pgettext:1c,2",
                "--keyword=npgettext:1c,2,3",
                "--keyword=pgettext_lazy:1c,2",
                "--keyword=npgettext_lazy:1c,2,3",
                "--output=-",
                "--files-from",
                str(listing),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def key(entry):
        return entry["msgctxt"], entry["msgid"], entry["msgid_plural"]

    in_code = {key(e) for e in parse_po(extracted) if e["msgid"]}
    in_catalogue = {key(e) for e in catalogue()}
    missing = sorted(msgid for _, msgid, _ in in_code - in_catalogue)

    assert in_code
    assert not missing, f"not in locale/en (run `make messages` and translate): {missing[:20]}"
