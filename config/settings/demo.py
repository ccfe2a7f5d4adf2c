"""`make demo`: the development settings with DEBUG off, so the demo shows what production shows — the project's
own error pages, never Django's technical ones — and static files are served by WhiteNoise from STATIC_ROOT
(filled by `sistra demo` with collectstatic), as in production."""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
