"""Production: secrets and hosts from the environment, HTTPS only."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Every role that sees identities passes a second factor; no environment variable turns it off here.
SISTRA_REQUIRE_MFA = True
# __Host- binds the session cookie to this host over HTTPS, path "/" (it cannot be set by a subdomain).
SESSION_COOKIE_NAME = "__Host-sessionid"
