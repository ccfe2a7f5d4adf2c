"""A logging filter that takes query strings out of every log line: a search, a filter or a `next` link in a
URL may hold a name, a document or a telephone number, and access logs are kept, copied and shipped far more
widely than the database. The path stays (it holds only UUIDs and case numbers)."""

from __future__ import annotations

import logging
import re

# a URL path or absolute URL followed by a query string, up to a space, a quote or the end
_QUERY = re.compile(r"((?:https?://[^\s?\"']*|/[^\s?\"']*))\?[^\s\"']*")
SCRUBBED = "?[…]"


def scrub(text: str) -> str:
    return _QUERY.sub(lambda m: m.group(1) + SCRUBBED, text)


class ScrubQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(scrub(a) if isinstance(a, str) and "?" in a else a for a in record.args)
        elif isinstance(record.args, dict) and record.args:
            record.args = {
                k: scrub(v) if isinstance(v, str) and "?" in v else v for k, v in record.args.items()
            }
        return True
