import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

# Files the tests upload go to a directory of this run's own (CI runs the SQLite and PostgreSQL suites side by
# side in one checkout), removed when the run ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sistra-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# Tasks run at once, in the test's own transaction, so tests see their effects.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "stats"]}}

# The suite logs users in with `client.force_login`, which passes no MFA step; the MFA tests turn it on.
SISTRA_REQUIRE_MFA = False

# Every URL asked of the test client and the live server is checked for names, documents and phones of the test
# data (sistra.core.url_guard; the root conftest.py fails the session on any).
MIDDLEWARE = ["sistra.core.url_guard.RecordUrls", *MIDDLEWARE]  # noqa: F405
