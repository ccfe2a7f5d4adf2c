"""The load-test harness (benchmarks/harness): production's behaviour served over plain HTTP on this machine.

DEBUG off, the middleware of base.py unchanged, the second factor required of every role that sees identities,
static files from WhiteNoise's manifest storage, a cache in the database as production's default. What differs
from production is only what plain http://127.0.0.1 needs (no HTTPS redirect, no secure or __Host- cookies) and
base.py's local defaults for the secrets. The keys that encrypt identifiers are base.py's (SISTRA_KEY_FILE, var/keys.json,
or SISTRA_DATA_KEYS/SISTRA_INDEX_KEY): the ones the benchmark database was seeded with.

The URLs add the floor page /__floor__/ (config/urls_benchmark.py), which exists under no other settings."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
# SECRET_KEY is base.py's (the environment's, else the development key): callers' phone numbers are stored as
# HMACs keyed with it, so a database seeded under the demo settings is only searched right with the same key.
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "config.urls_benchmark"

# production.py's security settings, less those that need HTTPS (SECURE_SSL_REDIRECT, HSTS, secure cookies)
CSRF_COOKIE_HTTPONLY = True
CONN_HEALTH_CHECKS = True
SISTRA_REQUIRE_MFA = True

# `collectstatic` fills a directory of its own: the demo's var/static keeps its unhashed files
STATIC_ROOT = BASE_DIR / "var" / "static-benchmark"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Production's default cache (`sistra createcachetable`, which benchmarks/harness/run.py runs); Redis with
# SISTRA_REDIS_URL, as in production.
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
