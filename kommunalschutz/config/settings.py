"""Django settings, read from the environment (see docs/settings.md).

Production (DEBUG off) refuses to start without a real SECRET_KEY and
FIELD_ENCRYPTION_KEYS. Development (DEBUG on) generates both once under var/.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kommunalschutz.config.env import env_bool, env_int, env_list, env_optional, env_str
from kommunalschutz.config.secrets import dev_secret, validate_encryption_keys, validate_secret_key
from kommunalschutz.foundation.monitoring.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("KOMMUNALSCHUTZ_VAR_DIR", str(PROJECT_DIR / "var")))
TESTING = "pytest" in sys.modules or env_bool("KOMMUNALSCHUTZ_TESTING", False)

DEBUG = env_bool("DEBUG", False)

_secret = env_optional("SECRET_KEY")
# Development and the test suite generate their own secrets once; production never does.
if _secret is None and (DEBUG or TESTING):
    _secret = dev_secret(VAR_DIR, "dev-secret-key", kind="django")
SECRET_KEY = validate_secret_key(_secret, debug=DEBUG or TESTING)
# Earlier keys, still accepted for signatures and anonymous receipts after SECRET_KEY was changed.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

_keys = env_list("FIELD_ENCRYPTION_KEYS")
if not _keys and (DEBUG or TESTING):
    _keys = [dev_secret(VAR_DIR, "dev-field-encryption-key", kind="fernet")]
FIELD_ENCRYPTION_KEYS = validate_encryption_keys(_keys, debug=DEBUG or TESTING)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG or TESTING else [])
if not (DEBUG or TESTING) and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rules.apps.AutodiscoverRulesConfig",
    "huey.contrib.djhuey",
    "ninja",
    "kommunalschutz.foundation.core",
    "kommunalschutz.foundation.monitoring",
    "kommunalschutz.foundation.accounts",
    "kommunalschutz.foundation.registry",
    "kommunalschutz.alliance.programme",
    "kommunalschutz.alliance.engagements",
    "kommunalschutz.alliance.councils",
    "kommunalschutz.alliance.events",
    "kommunalschutz.alliance.insights",
    "kommunalschutz.protection.cases",
    "kommunalschutz.protection.intake",
    "kommunalschutz.protection.evidence",
    "kommunalschutz.protection.onlinehate",
    "kommunalschutz.protection.assessments",
    "kommunalschutz.protection.measures",
    "kommunalschutz.protection.casestats",
    "kommunalschutz.surveys.projects",
    "kommunalschutz.surveys.sampling",
    "kommunalschutz.surveys.responses",
    "kommunalschutz.surveys.findings",
    "kommunalschutz.surveys.officials",
    "kommunalschutz.situation",
    "kommunalschutz.demo",
]

MIDDLEWARE = [
    # First: request id and metrics for every answer; /health/* and /metrics answered before host checks,
    # HTTPS redirect, sessions, CSRF and login (decision 0037).
    "kommunalschutz.foundation.monitoring.middleware.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kommunalschutz.foundation.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public answers cached by data version are replayed here, before sessions and login (decision 0027).
    "kommunalschutz.foundation.core.dataversion.VersionedAnswerMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # German pages for empty 405 answers, and in DEBUG for Django's technical 400/403/404 pages (decision 0025).
    "kommunalschutz.foundation.web.errors.ErrorPagesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kommunalschutz.foundation.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After CSRF and authentication: refuses posted values no field accepts; input errors -> German 400.
    "kommunalschutz.foundation.web.guard.InputGuardMiddleware",
]

ROOT_URLCONF = "kommunalschutz.config.urls"
WSGI_APPLICATION = "kommunalschutz.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kommunalschutz.foundation.core.context_processors.platform",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------
_database_url = env_optional("DATABASE_URL")
# PostgreSQL with two roles (docs/deployment.md): DATABASE_URL names the runtime role that gunicorn and
# Huey use (it may only INSERT and SELECT on the audit trail); MIGRATION_DATABASE_URL names the owner of
# the schema, used by the commands in cli.OWNER_COMMANDS (migrate, grant-runtime-privileges), for which
# the cli sets KOMMUNALSCHUTZ_DATABASE_OWNER. DATABASE_RUNTIME_ROLE is the role the owner grants to.
_migration_database_url = env_optional("MIGRATION_DATABASE_URL")
DATABASE_RUNTIME_ROLE = ""
DATABASE_POOL = DATABASE_PGBOUNCER = False  # PostgreSQL only (below)
if _database_url:
    DATABASES: dict[str, Any] = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if _migration_database_url:
        DATABASE_RUNTIME_ROLE = str(DATABASES["default"].get("USER") or "")
        if env_bool("KOMMUNALSCHUTZ_DATABASE_OWNER", False):
            DATABASES["default"] = dj_database_url.parse(_migration_database_url, conn_max_age=0)
    # Connection pooling (docs/deployment.md, "Connection pooling"): either Django's own pool in each process
    # (psycopg_pool; persistent connections off, as Django requires) or PgBouncer in transaction mode in front
    # of PostgreSQL, where a server connection changes between transactions: no server-side cursors (they
    # live across transactions) and no prepared statements (PgBouncer 1.18 does not carry them over).
    DATABASE_POOL = env_bool("DATABASE_POOL", False)
    DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
    if DATABASE_POOL and DATABASE_PGBOUNCER:
        raise ImproperlyConfigured("DATABASE_POOL and DATABASE_PGBOUNCER exclude each other: pool in the "
                                   "platform or in PgBouncer, not in both.")
    _default_db = DATABASES["default"]
    if _default_db["ENGINE"] == "django.db.backends.postgresql":
        if DATABASE_POOL and not env_bool("KOMMUNALSCHUTZ_DATABASE_OWNER", False):
            _default_db["CONN_MAX_AGE"] = 0
            _default_db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2, minimum=0),
                "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4, minimum=1),
                "timeout": env_int("DATABASE_POOL_TIMEOUT_SECONDS", 10, minimum=1),
            }
        if DATABASE_PGBOUNCER:
            _default_db["DISABLE_SERVER_SIDE_CURSORS"] = True
            _default_db.setdefault("OPTIONS", {})["prepare_threshold"] = None
elif _migration_database_url:
    raise ImproperlyConfigured("MIGRATION_DATABASE_URL needs DATABASE_URL (the runtime role) beside it.")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "kommunalschutz.sqlite3",
            # WAL lets readers proceed while the worker writes; IMMEDIATE avoids
            # "database is locked" upgrades from read to write transactions.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
# Where PostgreSQL itself listens when the platform's URLs point at PgBouncer: pg_dump and pg_restore
# (backup, restore) connect there, because they set session parameters (search_path) that a transaction
# pooler would hand on to the next client. Backup and restore refuse to run through PgBouncer without it.
DATABASE_DIRECT_HOST = env_optional("DATABASE_DIRECT_HOST") or ""
DATABASE_DIRECT_PORT = env_int("DATABASE_DIRECT_PORT", 5432, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work --------------------------------------------------
REDIS_URL = env_optional("REDIS_URL")
# Several deployments (or the crash-safety test beside a developer's instance) may share one Redis
# database: the prefix keeps their cache keys and task queues apart.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "")
# "volatile" holds what must never reach a disk: the per-client counters of the anonymous channel (keyed
# hashes of client addresses) and the key of that hash. Redis when REDIS_URL is set (shared by all workers);
# otherwise each process's own memory, never the database cache. Production with several web workers needs
# Redis, or each worker counts a client on its own (docs/protection/anonymous-channel.md).
if REDIS_URL:
    CACHES: dict[str, Any] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": REDIS_KEY_PREFIX},
        "volatile": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                     "KEY_PREFIX": f"{REDIS_KEY_PREFIX}volatile"},
    }
else:
    # A database cache is shared by all web workers and the task worker, which
    # login throttling needs; locmem would give every process its own counter.
    # MAX_ENTRIES is high so that culling never evicts live throttle counters.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ks_cache",
                    "OPTIONS": {"MAX_ENTRIES": 100_000}},
        "volatile": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ks-volatile",
                     "OPTIONS": {"MAX_ENTRIES": 100_000}},
    }

HUEY: dict[str, Any] = {
    "name": "kommunalschutz",
    "immediate": TESTING and not env_bool("HUEY_REAL_QUEUE", False),
    "consumer": {"workers": 2, "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL, "name": f"{REDIS_KEY_PREFIX}kommunalschutz"})
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# A running background task writes a heartbeat (at least every quarter of this); a task whose heartbeat is
# older than this many seconds is taken as lost with its worker (kill -9, power cut) and is queued again once
# or marked failed (decision 0024). Longer than the longest single database transaction of any operation.
TASK_STALE_SECONDS = env_int("TASK_STALE_SECONDS", 300, minimum=2)

# --- Authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests hash hundreds of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect); answers only the provider's callback, and only when OIDC_ISSUER is set.
    "kommunalschutz.foundation.accounts.auth.SignOnBackend",
]
SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: every request extends the session
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# How many reverse proxies in front of the platform append to X-Forwarded-For; 0 = use the socket address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# Login throttling (docs/foundation/accounts.md): failures per account *and* client address, refused after
# LOGIN_THROTTLE_ATTEMPTS; per address across all names, refused after LOGIN_THROTTLE_ADDRESS_ATTEMPTS; per
# account from anywhere only slowed down (at most LOGIN_SLOWDOWN_MAX_SECONDS per attempt; 0 = off).
LOGIN_THROTTLE_ATTEMPTS = env_int("LOGIN_THROTTLE_ATTEMPTS", 5, minimum=1)
LOGIN_THROTTLE_ADDRESS_ATTEMPTS = env_int("LOGIN_THROTTLE_ADDRESS_ATTEMPTS", 20, minimum=1)
LOGIN_THROTTLE_CODE_ATTEMPTS = env_int("LOGIN_THROTTLE_CODE_ATTEMPTS", 10, minimum=1)
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 900, minimum=1)
LOGIN_SLOWDOWN_MAX_SECONDS = env_int("LOGIN_SLOWDOWN_MAX_SECONDS", 3, minimum=0)
# Wrong survey access codes per client address before /umfrage/ refuses codes for the window.
SURVEY_CODE_ATTEMPTS = env_int("SURVEY_CODE_ATTEMPTS", 10, minimum=1)
SURVEY_CODE_WINDOW_SECONDS = env_int("SURVEY_CODE_WINDOW_SECONDS", 900, minimum=1)
# The platform's public address (https://…) for links printed on paper, e.g. the survey letters' QR codes;
# empty: https:// and the first ALLOWED_HOSTS entry.
SITE_URL = env_str("SITE_URL", "")
OTP_TOTP_ISSUER = "Kommunalschutz"
# django_otp's own throttle refuses even the right code after a wrong one; accounts.throttle slows down instead.
OTP_TOTP_THROTTLE_FACTOR = 0
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90, minimum=1)
# Password login; false: only single sign-on (the login page shows only its button, a password POST is refused).
LOCAL_LOGIN = env_bool("LOCAL_LOGIN", True)

# --- Single sign-on (OpenID Connect), docs/foundation/accounts.md and decision 0035 ----
# Off while OIDC_ISSUER or OIDC_CLIENT_ID is empty. Endpoints come from the issuer's discovery document
# (fetched from the issuer only, once per process) unless given here.
OIDC_ISSUER = env_str("OIDC_ISSUER", "").rstrip("/")
OIDC_DISCOVERY_URL = env_str("OIDC_DISCOVERY_URL", "")
OIDC_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_USERINFO_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT", "")
OIDC_END_SESSION_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT", "")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_SIGN_ALGORITHM = env_str("OIDC_SIGN_ALGORITHM", "RS256")
OIDC_CLAIM_USERNAME = env_str("OIDC_CLAIM_USERNAME", "preferred_username")
OIDC_CLAIM_EMAIL = env_str("OIDC_CLAIM_EMAIL", "email")
OIDC_CLAIM_GIVEN_NAME = env_str("OIDC_CLAIM_GIVEN_NAME", "given_name")
OIDC_CLAIM_FAMILY_NAME = env_str("OIDC_CLAIM_FAMILY_NAME", "family_name")
OIDC_CLAIM_GROUPS = env_str("OIDC_CLAIM_GROUPS", "groups")
# Groups to organisations and roles: JSON or TOML text (OIDC_ROLE_MAPPING_FILE names a file instead).
OIDC_ROLE_MAPPING = env_str("OIDC_ROLE_MAPPING", "")
# The provider's sign-in counts as the second factor when its amr contains one of these, or its acr is one of these.
OIDC_MFA_AMR = env_list("OIDC_MFA_AMR", ["mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "pop"])
OIDC_MFA_ACR = env_list("OIDC_MFA_ACR", [])
# Link an existing local account by its e-mail address (only if the provider says email_verified) at first sign-on.
OIDC_LINK_BY_EMAIL = env_bool("OIDC_LINK_BY_EMAIL", False)
OIDC_CLOCK_LEEWAY_SECONDS = env_int("OIDC_CLOCK_LEEWAY_SECONDS", 60, minimum=0)
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
# A CA bundle for the provider's TLS certificate (an administration's own CA); empty: the system's.
OIDC_CA_BUNDLE = env_str("OIDC_CA_BUNDLE", "")

# --- E-mail -----------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kommunalschutz@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from a meta tag, not the cookie
if not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known IANA time zone.") from exc

# --- Static files -----------------------------------------------------------------
STATIC_URL = "/static/"
# The container image collects static files at build time into a read-only path of its own (deploy/Containerfile),
# so they do not live in the var volume that is mounted over it.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
if not STATIC_ROOT.is_dir():  # whitenoise warns about a missing directory; a read-only image has it already
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Every file the platform keeps (evidence, agreements, reports, letters, exports) is encrypted with
# FIELD_ENCRYPTION_KEYS and kept in the database (default) or an S3-compatible object store (decision 0034).
FILE_STORAGE = env_str("FILE_STORAGE", "database")
if FILE_STORAGE not in ("database", "s3"):
    raise ImproperlyConfigured(f"FILE_STORAGE must be 'database' or 's3', not {FILE_STORAGE!r}.")
FILE_STORAGE_S3_ENDPOINT_URL = env_str("FILE_STORAGE_S3_ENDPOINT_URL", "")
FILE_STORAGE_S3_BUCKET = env_str("FILE_STORAGE_S3_BUCKET", "")
FILE_STORAGE_S3_REGION = env_str("FILE_STORAGE_S3_REGION", "")
FILE_STORAGE_S3_ACCESS_KEY_ID = env_str("FILE_STORAGE_S3_ACCESS_KEY_ID", "")
FILE_STORAGE_S3_SECRET_ACCESS_KEY = env_str("FILE_STORAGE_S3_SECRET_ACCESS_KEY", "")
# "path" (bucket in the path: MinIO, Ceph) or "virtual" (bucket in the host name).
FILE_STORAGE_S3_ADDRESSING_STYLE = env_str("FILE_STORAGE_S3_ADDRESSING_STYLE", "path")
if FILE_STORAGE_S3_ADDRESSING_STYLE not in ("path", "virtual", "auto"):
    raise ImproperlyConfigured("FILE_STORAGE_S3_ADDRESSING_STYLE must be 'path', 'virtual' or 'auto'.")
# A folder inside the bucket (empty: the bucket's root), so one bucket can serve several instances.
FILE_STORAGE_S3_PREFIX = env_str("FILE_STORAGE_S3_PREFIX", "")
if FILE_STORAGE == "s3" and not FILE_STORAGE_S3_BUCKET:
    raise ImproperlyConfigured("FILE_STORAGE=s3 needs FILE_STORAGE_S3_BUCKET.")
# Where files lived before decision 0034; read only by `kommunalschutz move-files` on an upgrade.
LEGACY_FILES_DIR = VAR_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "kommunalschutz.foundation.core.storage.EncryptedStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Source maps (django-ninja's Swagger UI and ReDoc bring 5 MB of them) are fetched only by a developer's
# browser tools, never by a page: compressing them with Brotli at its highest level made `collectstatic`, a
# step of every deployment, take over a minute; the scripts and styles that pages load stay compressed.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv", "woff",
    "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv",  # whitenoise's own
    "map",
)
# The icons are also served at the site root (/favicon.ico, /apple-touch-icon.png): browsers and tools ask
# there without reading the page (decision 0026).
WHITENOISE_ROOT = BASE_DIR / "static" / "icons"

# Forms render through the project's templates, so templates/django/forms/ overrides Django's own
# (the required-field mark in label.html: one place for every form; decision 0026).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# One JSON object per line on stdout (json, the default without DEBUG) or readable lines (text, the default
# with DEBUG); never personal data (decision 0037, kommunalschutz/foundation/monitoring/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING: dict[str, Any] = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO" if not TESTING else "WARNING"))

# --- Health and metrics (decision 0037) ---------------------------------------------
# /metrics answers only a request with "Authorization: Bearer <METRICS_TOKEN>" (when set) from an address in
# METRICS_ALLOWED_NETWORKS (when set; CIDR list); with neither set it is off. Everyone else gets 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
try:
    [ipaddress.ip_network(_net, strict=False) for _net in METRICS_ALLOWED_NETWORKS]
except ValueError as _exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_exc}") from _exc
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 24 characters long (a random token).")
# The task worker writes a heartbeat every quarter of this; an older one makes /health/ready fail
# (or only warn, with HEALTH_WORKER_REQUIRED off).
HEALTH_WORKER_MAX_AGE_SECONDS = env_int("HEALTH_WORKER_MAX_AGE_SECONDS", 120, minimum=4)
HEALTH_WORKER_REQUIRED = env_bool("HEALTH_WORKER_REQUIRED", True)

# --- Platform ---------------------------------------------------------------------
PLATFORM_NAME = env_str("PLATFORM_NAME", "Kommunalschutz")
REGISTRY_DATA_DIR = BASE_DIR / "foundation" / "registry" / "data"
# The state package (decision 0039, docs/foundation/state-packages.md): a shipped one by code or state key
# ("sn"/"14" Saxony, "th"/"16" Thuringia) or the path of a package folder.
STATE_PACKAGE = env_str("KOMMUNALSCHUTZ_STATE", "sn")

# --- Alliance: cooperation agreements ----------------------------------------------
# The largest signed agreement PDF accepted, in bytes (default 10 MB).
AGREEMENT_UPLOAD_MAX_BYTES = env_int("AGREEMENT_UPLOAD_MAX_BYTES", 10_000_000, minimum=1)
# A reminder e-mail goes out this many days before an agreed review date.
AGREEMENT_REVIEW_REMINDER_DAYS = env_int("AGREEMENT_REVIEW_REMINDER_DAYS", 14, minimum=0)

# --- Protection of officials (cases, intake, evidence, statistics) -------------------------------
# Where evidence files lived before decision 0034 (now in the file storage above); read only by
# `kommunalschutz move-files` on an upgrade.
EVIDENCE_ROOT = Path(env_str("EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
# The largest evidence file accepted, in bytes (default 20 MB).
EVIDENCE_UPLOAD_MAX_BYTES = env_int("EVIDENCE_UPLOAD_MAX_BYTES", 20_000_000, minimum=1)
# Online hate (decision 0043): the largest import of comments at once, and of an uploaded export in bytes.
ONLINEHATE_IMPORT_MAX_ITEMS = env_int("ONLINEHATE_IMPORT_MAX_ITEMS", 10_000, minimum=1)
ONLINEHATE_IMPORT_MAX_BYTES = env_int("ONLINEHATE_IMPORT_MAX_BYTES", 20_000_000, minimum=1)
# The triage model; empty: the file shipped with the platform (kommunalschutz train-triage writes a new one).
TRIAGE_MODEL_PATH = env_optional("TRIAGE_MODEL_PATH")
# A new case must have an owner within this time: acute cases in hours, the others in working days.
CASE_ACK_HOURS_ACUTE = env_int("CASE_ACK_HOURS_ACUTE", 1, minimum=1)
CASE_ACK_WORKING_DAYS = env_int("CASE_ACK_WORKING_DAYS", 2, minimum=1)
# Closed cases are deleted this many months after closing; an anonymous statistical record stays.
CASE_RETENTION_MONTHS = env_int("CASE_RETENTION_MONTHS", 24, minimum=1)
# Statistics shown outside a case team suppress every cell below this count.
STATISTICS_MIN_CELL = env_int("STATISTICS_MIN_CELL", 5, minimum=1)
# Anonymous reporting: failed receipt/passphrase attempts before a receipt is locked, and for how long.
RECEIPT_LOCKOUT_ATTEMPTS = env_int("RECEIPT_LOCKOUT_ATTEMPTS", 5, minimum=1)
RECEIPT_LOCKOUT_MINUTES = env_int("RECEIPT_LOCKOUT_MINUTES", 30, minimum=1)
# The anonymous channel's limits count per client (a keyed hash of the address in the "volatile" cache, never
# stored), never for the whole platform. Reports without a valid proof of work per client and window:
ANONYMOUS_REPORTS_PER_CLIENT = env_int("ANONYMOUS_REPORTS_PER_CLIENT", 10, minimum=1)
ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS = env_int("ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS", 3600, minimum=1)
# Failed receipt look-ups per client and window before that client (only) must wait.
ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT = env_int("ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT", 20, minimum=1)
ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT_WINDOW_SECONDS = env_int(
    "ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT_WINDOW_SECONDS", 600, minimum=1)
# Proof of work of the anonymous report: leading zero bits of sha256(challenge:nonce), and how long a
# challenge stays valid (a person may take long over the form).
ANONYMOUS_PROOF_OF_WORK_BITS = env_int("ANONYMOUS_PROOF_OF_WORK_BITS", 14, minimum=1)
ANONYMOUS_PROOF_OF_WORK_SECONDS = env_int("ANONYMOUS_PROOF_OF_WORK_SECONDS", 7200, minimum=60)
