from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# Tasks run at once, in the test's own transaction, so tests see their effects.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "stats"]}}

# The suite logs users in with `client.force_login`, which passes no MFA step; the MFA tests turn it on.
SISTRA_REQUIRE_MFA = False
