"""Peruvian names for matching: surnames and first names as lists, particles, hypocoristics, a Spanish
phonetic key. Pure functions, no database: shared by the entry check, the batch linkage and the benchmark."""

import functools
import re

from sistra.core.text import normalize

PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "di", "van", "von"}
# glued forms typed without spaces ("Delacruz") and the particle-less spelling ("Cruz") are the same surname
GLUED_PARTICLES = ("delos", "delas", "dela", "del", "de")

# Common Spanish hypocoristics (nickname → the given names it stands for). Ambiguous ones map to several.
HYPOCORISTICS: dict[str, tuple[str, ...]] = {
    "pepe": ("jose",),
    "pepito": ("jose",),
    "chepe": ("jose",),
    "cheo": ("jose",),
    "pancho": ("francisco",),
    "paco": ("francisco",),
    "curro": ("francisco",),
    "quico": ("francisco",),
    "lucho": ("luis",),
    "chabuca": ("isabel",),
    "chabela": ("isabel",),
    "isa": ("isabel",),
    "nacho": ("ignacio",),
    "chucho": ("jesus",),
    "chuy": ("jesus",),
    "memo": ("guillermo",),
    "willy": ("guillermo", "wilfredo", "wilber"),
    "beto": ("alberto", "roberto"),
    "tito": ("roberto", "alberto"),
    "charo": ("rosario",),
    "lola": ("dolores",),
    "meche": ("mercedes",),
    "lupe": ("guadalupe",),
    "chelo": ("consuelo",),
    "manolo": ("manuel",),
    "lolo": ("manuel",),
    "lalo": ("eduardo",),
    "kike": ("enrique",),
    "quique": ("enrique",),
    "alejo": ("alejandro",),
    "ale": ("alejandro", "alejandra"),
    "tono": ("antonio",),
    "toni": ("antonio",),
    "pancha": ("francisca",),
    "paquita": ("francisca",),
    "pepa": ("josefa", "josefina"),
    "fina": ("josefina",),
    "tere": ("teresa",),
    "richi": ("ricardo",),
    "coco": ("jorge",),
    "goyo": ("gregorio",),
    "chago": ("santiago",),
    "bety": ("beatriz",),
    "chela": ("graciela",),
    "paty": ("patricia",),
    "cris": ("cristina", "cristian"),
    "rafa": ("rafael",),
    "nando": ("fernando",),
    "fer": ("fernando",),
    "charly": ("carlos",),
    "mica": ("micaela",),
    "juancho": ("juan",),
    "juanita": ("juana",),
    "rosita": ("rosa",),
    "mari": ("maria",),
    "maruja": ("maria",),
    "chayo": ("rosario",),
    "nena": (),
    "nico": ("nicolas",),
    "tomy": ("tomas",),
    "quina": ("joaquina",),
    "chacho": ("ignacio",),
    "chente": ("vicente",),
    "lencho": ("lorenzo",),
    "moncho": ("ramon",),
    "poncho": ("alfonso",),
    "toña": ("antonia",),
    "tona": ("antonia",),
    "licha": ("alicia",),
    "male": ("maria elena",),
    "marilu": ("maria luisa",),
    "juanjo": ("juan jose",),
}

_NON_LETTER = re.compile(r"[^a-z ]+")


def words(text: str | None) -> list[str]:
    """Lower-case words without accents, ñ as n, digits and punctuation dropped."""
    return _NON_LETTER.sub(" ", normalize(text)).split()


def surname_list(*fields: str | None) -> list[str]:
    """Every surname in the given fields, in order: two surnames typed into one field become two; particles
    are glued to the word they belong to ("de la Cruz" → "delacruz")."""
    result: list[str] = []
    pending = ""
    for field in fields:
        for word in words(field):
            if word in PARTICLES:
                pending += word
                continue
            result.append(pending + word)
            pending = ""
        pending = ""
    return result


def surname_variants(surname: str) -> set[str]:
    """A surname with and without a glued particle: "delacruz" is also "cruz"."""
    variants = {surname}
    for particle in GLUED_PARTICLES:
        if surname.startswith(particle) and len(surname) - len(particle) >= 3:
            variants.add(surname[len(particle) :])
    return variants


def first_name_list(text: str | None) -> list[str]:
    return [w for w in words(text) if w not in PARTICLES]


def canonical_forms(name: str) -> set[str]:
    """The given names a first name may stand for: itself and, for a hypocoristic, the full names."""
    return set(frozen_forms(name))


@functools.lru_cache(maxsize=20_000)
def frozen_forms(name: str) -> frozenset[str]:
    """canonical_forms, computed once per word and process."""
    forms = {name}
    for full in HYPOCORISTICS.get(name, ()):
        forms.update(full.split()[:1])
    return frozenset(forms)


# a duplicate check scores up to 300 candidates, most of them sharing a handful of common names: each word's key
# is computed once per process (words alone, never a person's whole name)
@functools.lru_cache(maxsize=20_000)
def phonetic(word: str) -> str:
    """A Spanish phonetic key (in the spirit of the Spanish adaptations of Soundex/Metaphone): letters that
    sound alike in Peruvian Spanish share a code — b/v, s/z/soft c, y/ll/i at the end, j/soft g, k/qu/hard c,
    silent h, doubled letters — and vowels after the first are kept (they carry much of a Quechua name)."""
    if not word:
        return ""
    w = word.lower()
    for a, b in (
        ("ch", "X"),
        ("ll", "y"),
        ("qu", "k"),
        ("gue", "ge"),
        ("gui", "gi"),
        ("ce", "se"),
        ("ci", "si"),
        ("ge", "je"),
        ("gi", "ji"),
        ("ph", "f"),
        ("sh", "X"),
        ("ck", "k"),
    ):
        w = w.replace(a, b)
    w = w.replace("h", "")
    out = []
    for ch in w:
        code = {"v": "b", "z": "s", "c": "k", "q": "k", "w": "u", "x": "ks"}.get(ch, ch)
        out.append(code)
    key = "".join(out)
    if key.endswith("y"):
        key = key[:-1] + "i"
    # "i" between a consonant and a vowel sounds like "y" (Yaneth / Ianeth)
    collapsed = []
    for ch in key:
        if not collapsed or collapsed[-1] != ch:
            collapsed.append(ch)
    return "".join(collapsed).upper()
