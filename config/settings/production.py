"""Production: secrets and hosts from the environment, HTTPS only, a cache shared by every worker process.
`sistra check --deploy --fail-level WARNING` passes with these settings (sistra/core/tests/test_deploy_check.py);
docs/deployment.md lists the environment variables."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
# old keys, comma-separated, while rotating SECRET_KEY: sessions, signed values and the encrypted second-factor
# secrets (sistra.accounts.adapters) made with them keep working
SECRET_KEY_FALLBACKS = [key for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key]
ALLOWED_HOSTS = [host.strip() for host in os.environ["ALLOWED_HOSTS"].split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Behind a reverse proxy that ends TLS, Django sees plain HTTP: trust the proxy's X-Forwarded-Proto only when
# told to, because a client could send that header itself if no proxy overwrites it.
if env_bool("SISTRA_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- binds a cookie to this host over HTTPS, path "/" (it cannot be set by a subdomain).
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# no script reads the CSRF cookie: forms carry the token and htmx takes it from <body hx-headers>
CSRF_COOKIE_HTTPONLY = True
CONN_HEALTH_CHECKS = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One cache for every worker process: allauth keeps there the TOTP codes already used (replay protection) and
# its rate limits, which a per-process memory cache would split between workers. The database by default
# (`sistra createcachetable` once, after `sistra migrate`); Redis at scale with SISTRA_REDIS_URL.
if redis_url := os.environ.get("SISTRA_REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sistra_cache",
            "OPTIONS": {"MAX_ENTRIES": 50000},
        }
    }

# Every role that sees identities passes a second factor; no environment variable turns it off here.
SISTRA_REQUIRE_MFA = True

# The deadline digests and urgent clinic notices go out by SMTP (EMAIL_HOST, EMAIL_PORT; any other backend with
# EMAIL_BACKEND): never the development console backend.
MAILERS["default"]["BACKEND"] = os.environ.get(  # noqa: F405
    "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
if MAILERS["default"]["BACKEND"].endswith(("console.EmailBackend", "locmem.EmailBackend")):  # noqa: F405
    MAILERS["default"]["BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"  # noqa: F405
