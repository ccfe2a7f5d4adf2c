"""Look-ups over reference data for the search pickers of the web forms (htmx autocomplete)."""

import re

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sistra.core.forms import ubigeo_option
from sistra.core.models import Ubigeo
from sistra.core.text import normalize

LIMIT = 15
_LEVEL_ORDER = {Ubigeo.Level.DEPARTAMENTO: 0, Ubigeo.Level.PROVINCIA: 1, Ubigeo.Level.DISTRITO: 2}
# the name of the radio inputs the options are rendered for, e.g. "place-ubigeo" or "ubigeo_origin"
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")


def ubigeo_matches(text: str, *, limit: int = LIMIT) -> list[Ubigeo]:
    """Ubigeos whose full name ("Tambopata, Tambopata, Madre de Dios") contains every word typed, ignoring
    accents and case; a 2-6 digit text is a code prefix. Departments first, then provinces, then districts.

    Peru has about 2,100 ubigeos: comparing normalised names in Python is a few milliseconds and works the
    same on SQLite and PostgreSQL (whose LIKE is accent-sensitive)."""
    text = (text or "").strip()
    if not text:
        return []
    if text.isdigit():
        if not 2 <= len(text) <= 6:
            return []
        return list(Ubigeo.objects.select_related("parent__parent").filter(code__startswith=text)
                    .order_by("code")[:limit])
    tokens = normalize(text).split()
    if not tokens:
        return []
    rows = Ubigeo.objects.values_list("code", "name", "level", "parent__name", "parent__parent__name")
    found = []
    for code, name, level, parent, grandparent in rows:
        full = normalize(" ".join(p for p in (name, parent, grandparent) if p))
        if all(t in full for t in tokens):
            exact = normalize(name) == " ".join(tokens)
            found.append((not exact, _LEVEL_ORDER.get(level, 3), name, code))
    found.sort()
    codes = [code for *_, code in found[:limit]]
    by_code = Ubigeo.objects.select_related("parent__parent").in_bulk(codes)
    return [by_code[c] for c in codes if c in by_code]


@require_GET
def ubigeo_lookup(request):
    """The radio options for an ubigeo picker. Place names are public reference data, so a GET is fine."""
    name = request.GET.get("field", "")
    if not FIELD_NAME.match(name):
        return HttpResponseBadRequest()
    text = request.GET.get(f"{name}_q", request.GET.get("q", ""))
    options = [ubigeo_option(u) for u in ubigeo_matches(text)]
    return render(request, "includes/picker_options.html",
                  {"name": name, "options": options, "searched": bool(text.strip()), "kind": "ubigeo"})
