"""Text stored in Spanish (change-history summaries written with the actor's language) shown in the reader's
language: a stored text that is one of SISTRA's own messages — as it is, or with its placeholders filled in
("Imputación: art. 153-A") — is translated at display time; anything else (a title someone typed) is shown as
stored. The Spanish source strings are the keys of the English catalogue (docs/decisions/0004)."""

import re
from functools import lru_cache

from django.utils.translation import get_language, gettext, trans_real

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# a message needs this many letters of its own to be recognised in a stored text (not "%(title)s" alone)
MIN_LITERAL = 6


@lru_cache(maxsize=8)
def _patterns(language: str) -> tuple[tuple[re.Pattern, str], ...]:
    catalog = trans_real.translation(language)._catalog
    patterns = []
    for msgid in catalog.keys():
        if not isinstance(msgid, str) or "%(" not in msgid or "\n" in msgid:
            continue
        literal = PLACEHOLDER.sub("", msgid)
        if sum(c.isalpha() for c in literal) < MIN_LITERAL:
            continue
        parts, position, seen = [], 0, set()
        for match in PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[position : match.start()]))
            name = match.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            position = match.end()
        parts.append(re.escape(msgid[position:]))
        patterns.append((len(literal), re.compile("^" + "".join(parts) + "$", re.DOTALL), msgid))
    # the most specific message first
    patterns.sort(key=lambda item: -item[0])
    return tuple((pattern, msgid) for _length, pattern, msgid in patterns)


def display_text(stored: str) -> str:
    """The stored text in the active language where it is one of SISTRA's messages."""
    if not stored:
        return stored
    language = get_language() or "es"
    if language.startswith("es"):
        return stored
    translated = gettext(stored)
    if translated != stored:
        return translated
    for pattern, msgid in _patterns(language):
        match = pattern.match(stored)
        if match:
            try:
                return gettext(msgid) % match.groupdict()
            except (KeyError, ValueError, TypeError):
                return stored
    return stored
