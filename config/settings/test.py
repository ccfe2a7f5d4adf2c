import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

# Files the tests upload go to a directory of this run's own (CI runs the SQLite and PostgreSQL suites side by
# side in one checkout), removed when the run ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sistra-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Fixed keys for the suite (never used elsewhere): the tests that rotate keys replace them.
SISTRA_KEYS = {
    "data_keys": ["6RmmcsvP0V5UdNfmQ0W7Jq5dnP1z6w7tq5l3k6pZs0M="],
    "index_key": "7465737420696e646578206b657920666f72207369737472612074657374730a",
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# Tasks run at once, in the test's own transaction, so tests see their effects.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "stats"]}}

# The suite logs users in with `client.force_login`, which passes no MFA step; the MFA tests turn it on.
SISTRA_REQUIRE_MFA = False

# Every URL asked of the test client and the live server is checked for names, documents and phones of the test
# data (sistra.core.url_guard; the root conftest.py fails the session on any).
MIDDLEWARE = ["sistra.core.url_guard.RecordUrls", *MIDDLEWARE]  # noqa: F405
