"""Settings shared by every environment. Values that differ come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "sistra-development-key-not-for-production-use-0123456789")
DEBUG = env_bool("DEBUG", True)
CSRF_FAILURE_VIEW = "sistra.core.views_errors.csrf_failure"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "sistra.core",
    "sistra.accounts",
    "sistra.audit",
    "sistra.people",
    "sistra.cases",
    "sistra.interop",
    "sistra.hotline",
    "sistra.assistance",
    "sistra.stats",
    "sistra.prevention",
    "sistra.linkage",
    "sistra.clinic",
    "sistra.deadlines",
    "sistra.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sistra.core.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sistra.accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "sistra.accounts.middleware.SessionTimeoutMiddleware",
    "sistra.accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sistra.core.db_router.ReplicaReadsMiddleware",
    # last, as django-axes asks: it turns a lockout flagged during the request into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# drop-down lists written in Python, byte for byte as Django's templates would (sistra.core.renderers)
FORM_RENDERER = "sistra.core.renderers.FormRenderer"

(BASE_DIR / "var" / "static").mkdir(parents=True, exist_ok=True)

# SQLite with zero set-up; PostgreSQL (or any database dj-database-url knows) when DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'sistra.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on SISTRA's short interactive queries (benchmarks/README.md);
    # statements are bound on the client and planned each time: kept plans were tried and refused (ADR 0224)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout so the web process and the task worker can share the file safely.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Keys that encrypt identifiers at rest and key their search indexes (sistra.core.crypto, docs/decisions/0210):
# SISTRA_DATA_KEYS and SISTRA_INDEX_KEY from the environment, else this file (`make install` creates the
# development one). Without them SISTRA does not start.
SISTRA_KEY_FILE = os.environ.get("SISTRA_KEY_FILE", str(BASE_DIR / "var" / "keys.json"))

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Authentication (docs/decisions/0008-authentication.md): django-allauth by username, no sign-up and no e-mail
# flows (accounts are made by administrators), TOTP with recovery codes, django-axes against guessing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "sistra.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "sistra.accounts.forms.LoginForm",
    "change_password": "sistra.accounts.forms.ChangePasswordForm",
    "reauthenticate": "sistra.accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
MFA_ADAPTER = "sistra.accounts.adapters.MFAAdapter"
MFA_FORMS = {
    "authenticate": "sistra.accounts.forms.AuthenticateForm",
    "reauthenticate": "sistra.accounts.forms.MFAReauthenticateForm",
    "activate_totp": "sistra.accounts.forms.ActivateTOTPForm",
    "add_webauthn": "sistra.accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "sistra.accounts.forms.EditWebAuthnForm",
}
# Passkeys (WebAuthn, docs/decisions/0211-passkeys.md): offered to every role, required of administrators.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# a passkey kept on the device and unlocked with its PIN or fingerprint also signs in without the password
MFA_PASSKEY_LOGIN_ENABLED = True
# The page's origin is checked: https, or http://localhost on a developer's machine (fido2 accepts it, and
# browsers refuse passkeys on any other http address). Switching this on would accept any origin at all — and
# DEBUG is no guide here: production.py turns DEBUG off only after this file is read.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_TOTP_ISSUER = "SISTRA"
# one 30-second step either side: field tablets in the Amazon drift
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODES_SHOW_ONCE = True
# MFA is required of every role that can see identities (sistra.accounts.mfa.mfa_required), a passkey of
# administrators (sistra.accounts.mfa.passkey_required)
SISTRA_REQUIRE_MFA = env_bool("SISTRA_REQUIRE_MFA", True)
SISTRA_DEMO = env_bool("SISTRA_DEMO", False)
SISTRA_IDLE_TIMEOUT_SECONDS = int(os.environ.get("SISTRA_IDLE_TIMEOUT_SECONDS", str(15 * 60)))
SISTRA_SESSION_MAX_AGE = int(os.environ.get("SISTRA_SESSION_MAX_AGE", str(10 * 60 * 60)))
SESSION_COOKIE_AGE = SISTRA_SESSION_MAX_AGE
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "sistra.accounts.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_COOLOFF_MESSAGE = _("Cuenta bloqueada por demasiados intentos fallidos. Vuelva a intentarlo en 15 minutos.")

# Spanish of Peru first; English on request. Source strings are written in Spanish.
LANGUAGE_CODE = "es-pe"
LANGUAGES = [("es-pe", _("Español (Perú)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "America/Lima"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# htmx is installed from npm at install time (package.json), never copied into the repository.
if (BASE_DIR / "node_modules" / "htmx.org" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"))
# The clinic's offline app (sistra.clinic): Workbox modules and idb, from npm at install time, likewise.
for _package, _folder in (("workbox-sw", "build"), ("workbox-core", "build"), ("workbox-routing", "build"),
                          ("workbox-strategies", "build"), ("idb", "build")):
    if (BASE_DIR / "node_modules" / _package / _folder).is_dir():
        STATICFILES_DIRS.append(("vendor/idb" if _package == "idb" else "vendor/workbox",
                                 BASE_DIR / "node_modules" / _package / _folder))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
# Attachments (docs/decisions/0009): never served from MEDIA_ROOT directly, only through the download view.
SISTRA_ATTACHMENT_MAX_BYTES = int(os.environ.get("SISTRA_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = SISTRA_ATTACHMENT_MAX_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sistra.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "sistra.core.api_contract.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "sistra.core.api.exception_handler",
    # JSON only: the browsable API needs inline scripts that the Content-Security-Policy forbids.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # the usual three, refusing control characters in any field with 400 (sistra/core/api_contract.py)
    "DEFAULT_PARSER_CLASSES": [
        "sistra.core.api_contract.JSONParser",
        "sistra.core.api_contract.FormParser",
        "sistra.core.api_contract.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SISTRA API",
    "DESCRIPTION": "API del sistema de información contra la trata de personas del Perú.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # a PATCH body is documented as its serializer declares it: `version` is required where the server requires it
    "COMPONENT_SPLIT_PATCH": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the sidecar package (PyPI), not a CDN: the network is closed and CSP forbids it.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # every operation documents its error answers too (400, 401, 403, 404…): sistra/core/openapi.py
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sistra.core.openapi.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "sistra.accounts.models.Agency.Kind",
        "DocumentKindEnum": "sistra.people.models.IdentityDocument.Kind",
        "PlaceKindEnum": "sistra.cases.models.CasePlace.Kind",
        "EventKindEnum": "sistra.cases.models.CaseEvent.Kind",
        "CaseStatusEnum": "sistra.cases.models.Case.Status",
        "DefendantStatusEnum": "sistra.cases.models.CaseDefendant.Status",
        "UbigeoLevelEnum": "sistra.core.models.Ubigeo.Level",
        "ShareLevelEnum": "sistra.cases.models.CaseShare.Level",
        "CaseSourceEnum": "sistra.cases.models.Case.Source",
        "ContactSourceEnum": "sistra.hotline.models.Contact.Source",
        "ContactStatusEnum": "sistra.hotline.models.Contact.Status",
        "ReferralKindEnum": "sistra.assistance.models.Referral.Kind",
        "ConsentKindEnum": "sistra.assistance.models.Consent.Kind",
        "ProviderKindEnum": "sistra.assistance.models.Provider.Kind",
        "FollowUpKindEnum": "sistra.assistance.models.FollowUpVisit.Kind",
        "ReintegrationOutcomeEnum": "sistra.assistance.models.ReintegrationPlan.Outcome",
        "DefendantOutcomeEnum": "sistra.cases.models.CaseDefendant.Outcome",
    },
}

# Background work: Django's tasks API. By default a database-backed queue whose worker `sistra demo` starts
# itself (`sistra db_worker`); at national scale set TASKS_BACKEND to a broker-backed backend (docs/deployment.md).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "celery": "django_tasks_celery.CeleryBackend",
}
# the daily deadline digest e-mails through Django's e-mail framework: the console by default, SMTP (or any
# backend) when EMAIL_BACKEND is set; MAILERS OPTIONS carry the backend's settings (host, port, TLS…)
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        "OPTIONS": {k: v for k, v in {"host": os.environ.get("EMAIL_HOST"),
                                      "port": int(os.environ["EMAIL_PORT"]) if os.environ.get("EMAIL_PORT")
                                      else None}.items() if v},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SISTRA <no-responder@sistra.local>")
# the address the digest's link points at (e.g. https://sistra.mpfn.gob.pe)
SISTRA_BASE_URL = os.environ.get("SISTRA_BASE_URL", "")

TASKS = {
    "default": {
        "BACKEND": TASKS_BACKENDS.get(
            os.environ.get("TASKS_BACKEND", "database"), os.environ.get("TASKS_BACKEND", "")
        ),
        "QUEUES": ["default", "stats"],
        "OPTIONS": {},
    }
}
if TASKS["default"]["BACKEND"] == TASKS_BACKENDS["celery"]:
    TASKS["default"]["OPTIONS"] = {"CELERY_APP": "config.celery.app"}

# Celery (TASKS_BACKEND=celery): Redis as broker and result store. The queue names are Django's ("default",
# "stats"), so a worker started with `-Q default,stats` serves both; the schedule replaces the cron lines of
# docs/deployment.md (each entry only queues a task; the tasks are idempotent).
CELERY_BROKER_URL = os.environ.get("SISTRA_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("SISTRA_CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-way is delivered again, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "America/Lima"
CELERY_BEAT_SCHEDULE = {
    "police-reports-overdue": {
        "task": "sistra.hotline.services.check_overdue_reports",
        "schedule": 5 * 60,
    },
    "referrals-overdue": {
        "task": "sistra.assistance.services.referrals.check_overdue_referrals",
        "schedule": 15 * 60,
    },
    "statistics-nightly": {
        "task": "sistra.stats.services.refresh_aggregates",
        "schedule": 24 * 3600,
        "options": {"queue": "stats"},
    },
}

# A PostgreSQL streaming replica (SISTRA_REPLICA_URL) takes the statistics, the exports and the analysts'
# reads; every write, and every read of a request that follows the user's own write, stays on the primary
# (sistra/core/db_router.py, ADR 0190).
if replica_url := os.environ.get("SISTRA_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        replica_url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["sistra.core.db_router.PrimaryReplicaRouter"]
# how long after a user's own write their reads stay on the primary (longer than the replica's usual lag)
SISTRA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("SISTRA_READ_YOUR_WRITES_SECONDS", "15"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # no query string in any log line: it may hold a name, a document or a phone (decision 0182)
    "filters": {"scrub_query": {"()": "sistra.core.logging.ScrubQueryStrings"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["scrub_query"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["scrub_query"]},
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
