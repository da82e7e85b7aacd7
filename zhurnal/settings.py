"""Django settings for Zhurnal.

Everything that differs between machines comes from environment variables (see
docs/operations.md). The defaults are safe for the embedded mode: one school, SQLite in WAL
mode under ``var/``, served by gunicorn on 127.0.0.1.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("ZHURNAL_VAR_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key from ZHURNAL_SECRET_KEY, else one generated once and kept in var/."""
    if key := os.environ.get("ZHURNAL_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("ZHURNAL_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ZHURNAL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ZHURNAL_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rules",
    "axes",
    # The second factor of staff (issue 17): TOTP devices and the recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command is replaced by ours, which recovers the
    # tasks a crash cut off (zhurnal/ops/worker.py).
    "zhurnal.ops",
    "django_tasks_db",
    "zhurnal.core",
    "zhurnal.accounts",
    "zhurnal.school",
    "zhurnal.planning",
    "zhurnal.timetable",
    "zhurnal.journal",
    "zhurnal.diary",
    "zhurnal.assessments",
    "zhurnal.notifications",
    "zhurnal.audit",
    "zhurnal.imports",
    "zhurnal.messaging",
    # What reads the journal for the school's term and year: analytics, control, remarks.
    "zhurnal.reports",
    "zhurnal.oversight",
    # The printed journals, the term copies and the year's archive packages (issue 13).
    "zhurnal.archive",
    # Backups of the whole server: the database and the uploaded files (issue 13).
    "zhurnal.backups",
    # OneRoster 1.2 export and the regional upload (issue 17; seed 001, step 17).
    "zhurnal.exchange",
    # The year end: the checklist, closing the year, the next year and the promotion (issue 13).
    "zhurnal.yearend",
    "zhurnal.api",
    # The pages that compose several apps (the role home page).
    "zhurnal.home",
    # The rule table, registered at start-up (above the apps whose objects its rules look at).
    "zhurnal.permissions",
]

MIDDLEWARE = [
    # Pages compressed for browsers that accept it (the full journal grid: ~170 KB of HTML,
    # ~15 KB on the wire); Django pads each answer with random bytes against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "zhurnal.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhurnal.core.middleware.SchoolLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhurnal.accounts.middleware.SessionKeepAliveMiddleware",
    "zhurnal.accounts.middleware.CurrentSchoolMiddleware",
    "zhurnal.accounts.middleware.SecondFactorMiddleware",
    "zhurnal.accounts.middleware.ForcePasswordChangeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhurnal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "zhurnal.accounts.context_processors.current_school",
            ],
        },
    },
]

WSGI_APPLICATION = "zhurnal.wsgi.application"

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://user@host:port/name); without it the embedded
# SQLite database in var/ is used, in WAL mode with immediate transactions so that concurrent
# writers wait for each other instead of failing with "database is locked".
SQLITE_PATH = VAR_DIR / "zhurnal.sqlite3"
# A region on Citus (docs/scaling.md): every ORM join between two school-owned tables also
# matches their schools, so that Citus runs it on the school's node (zhurnal.core.tenancy).
# Only for a database distributed by `zhurnal distribute`; off for SQLite and PostgreSQL.
ZHURNAL_CITUS = _env_bool("ZHURNAL_CITUS")
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and ZHURNAL_CITUS:
        # a region on Citus: PostgreSQL's backend, grouping by every column (its docstring)
        DATABASES["default"]["ENGINE"] = "zhurnal.core.citus_backend"
    if DATABASES["default"]["ENGINE"] in (
        "django.db.backends.postgresql",
        "zhurnal.core.citus_backend",
    ):
        # Parameters bound on the server, and a statement prepared the second time a
        # connection runs it (Django turns psycopg's preparing off unless asked): PostgreSQL
        # then plans it once per connection instead of on every request (the journal's course
        # query alone took 4-6 ms to plan; docs/performance.md). Behind PgBouncer in
        # transaction mode turn both off: ZHURNAL_PG_SERVER_SIDE_BINDING=0.
        server_side_binding = _env_bool("ZHURNAL_PG_SERVER_SIDE_BINDING", default=True)
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=server_side_binding,
            prepare_threshold=2 if server_side_binding else None,
        )
        # No JIT compilation: PostgreSQL compiles a statement whose estimated cost passes
        # jit_above_cost on every execution, prepared or not — 10-12 ms for a year-end
        # checklist's statement that runs in 20, and on a region's tables for most reports
        # (docs/performance.md, "A region's pages"). ZHURNAL_PG_JIT=1 leaves the server's
        # setting (PgBouncer refuses a startup option unless told to ignore it).
        if not _env_bool("ZHURNAL_PG_JIT"):
            DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ---------------------------------------------------------------------------------
# ``journal`` and ``diary``: the journal grids and the diary's read models by course version
# (``journal.freshness``), in each server process's memory (the version is read from the
# database, so no process shows a stale grid; each keeps its own copies). A grid of 30 × 40
# cells takes ~250 KB.
# ``default``: a shared Redis when the deployment has one (``ZHURNAL_REDIS_URL``, e.g.
# redis://127.0.0.1:6379/0): the sessions are read through it (``accounts.sessions``);
# without it (the embedded default) each process's memory, and sessions from the database.
REDIS_URL = os.environ.get("ZHURNAL_REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "zhurnal",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "journal": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "journal-grids",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("ZHURNAL_GRID_CACHE_ENTRIES", 600))},
    },
    # The diary's weeks and marks of a term by the same versions (~15 KB each): apart from the
    # grids, so that the families' morning does not push the teachers' grids out.
    "diary": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "diary-pages",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("ZHURNAL_DIARY_CACHE_ENTRIES", 2000))},
    },
}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "zhurnal.accounts.backends.ZhurnalBackend",
    # Sign-in through the region's identity provider (acts only on its own callback).
    "zhurnal.accounts.oidc.RegionalBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 8 idle hours (a school day) and when the browser closes.
# In the database, read through Redis when there is one (``accounts.sessions``): never
# through a per-process cache, whose copies a logout in another worker would not remove.
SESSION_ENGINE = "zhurnal.accounts.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("ZHURNAL_SESSION_SECONDS", 8 * 3600))
# Renewed on activity by accounts.middleware.SessionKeepAliveMiddleware (at most every 5 min).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Over HTTPS (issue 16, finding 8: `check --deploy` clean in production): secure cookies; HSTS
# for a year, for the site's own subdomains and ready for the preload list (a school serving
# Zhurnal at the top of a domain with plain-HTTP subdomains turns these two off); every plain
# HTTP request redirected here too, behind a proxy as well (its X-Forwarded-Proto tells), but
# the health check, which local monitoring asks over plain HTTP.
SECURE_SSL = _env_bool("ZHURNAL_HTTPS")
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
LANGUAGE_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL and _env_bool("ZHURNAL_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = SECURE_SSL and _env_bool("ZHURNAL_HSTS_PRELOAD", True)
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind our own reverse proxy (nginx): trust its X-Forwarded-Proto and X-Forwarded-For.
ZHURNAL_BEHIND_PROXY = _env_bool("ZHURNAL_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if ZHURNAL_BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"

# Lockout (django-axes, zhurnal/accounts/lockout.py): 5 failures for one username from one
# address lock it from that address for 15 minutes; 50 failures within 24 hours from any
# addresses lock the username everywhere; the user's school administrators are told.
AXES_HANDLER = "zhurnal.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("ZHURNAL_LOCKOUT_FAILURES", 5))
AXES_COOLOFF_TIME = float(os.environ.get("ZHURNAL_LOCKOUT_HOURS", 0.25))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the failures of a login from every address, counted
ZHURNAL_LOCKOUT_LOGIN_FAILURES = int(os.environ.get("ZHURNAL_LOCKOUT_LOGIN_FAILURES", 50))
ZHURNAL_LOCKOUT_LOGIN_HOURS = float(os.environ.get("ZHURNAL_LOCKOUT_LOGIN_HOURS", 24))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "zhurnal.audit.actor.client_address"

# --- Sign-in through the region's identity provider (issue 17, docs/operations.md) ---------
# OpenID Connect (mozilla-django-oidc): the authorization code flow with PKCE (S256) and a
# nonce, the endpoints from the provider's discovery document, ID tokens signed with RS256 and
# checked against the provider's JWKS (issuer, audience, expiry). Off without an issuer; each
# school then turns it on for its people (the administrator's «Вход в журнал» page).
ZHURNAL_OIDC_ISSUER = os.environ.get("ZHURNAL_OIDC_ISSUER", "").strip().rstrip("/")
ZHURNAL_OIDC_PROVIDER_NAME = os.environ.get("ZHURNAL_OIDC_PROVIDER_NAME", "")
# How long a linking code handed out with the credentials stays valid.
ZHURNAL_OIDC_LINK_CODE_DAYS = int(os.environ.get("ZHURNAL_OIDC_LINK_CODE_DAYS", 30))
OIDC_RP_CLIENT_ID = os.environ.get("ZHURNAL_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("ZHURNAL_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("ZHURNAL_OIDC_SCOPES", "openid email")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = float(os.environ.get("ZHURNAL_OIDC_TIMEOUT", 10))
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"

# --- The second factor of staff (issue 17): TOTP and recovery codes (django-otp) ------------
# A wrong code counts as a failed login in the lockout above (``accounts.second_factor``), so
# django-otp's own growing delays are off.
OTP_TOTP_ISSUER = os.environ.get("ZHURNAL_OTP_ISSUER", "Журнал")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# --- Content security policy: everything is served by us, no CDN. ---------------------------
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; every deadline is computed in the school's own timezone

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Background work and e-mail ------------------------------------------------------------
# Notifications are delivered by tasks (the Django tasks API, the django-tasks backport on 5.2)
# stored in the database and run by `zhurnal db_worker`, which `make run` starts next to the
# web server (DESIGN §5). A task is enqueued after the transaction that caused it commits.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# SMTP when ZHURNAL_SMTP_HOST is set; otherwise mails are written to the console (development).
if os.environ.get("ZHURNAL_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["ZHURNAL_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("ZHURNAL_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("ZHURNAL_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ZHURNAL_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("ZHURNAL_SMTP_TLS", default=True)
    EMAIL_USE_SSL = _env_bool("ZHURNAL_SMTP_SSL")
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("ZHURNAL_MAIL_FROM", "Журнал <zhurnal@localhost>")
# The site's address for the links at the end of e-mails (e.g. https://journal.school7.ru).
ZHURNAL_SITE_URL = os.environ.get("ZHURNAL_SITE_URL", "")
# New marks are mailed as one digest per recipient, this long after the first of them.
ZHURNAL_DIGEST_DELAY_MINUTES = int(os.environ.get("ZHURNAL_DIGEST_DELAY_MINUTES", "60"))

# --- Backups (issue 13; seed 002 §4.2, §5.2, §5.6) -------------------------------------------
# Where `zhurnal backup` and the scheduled backups write: comma-separated folders, each on its
# own medium (two media kept in different rooms: a second disk, a network share).
ZHURNAL_BACKUP_DIRS = [
    part.strip() for part in os.environ.get("ZHURNAL_BACKUP_DIRS", "").split(",") if part.strip()
]
# How many backups each destination keeps (the term-end ones are kept besides these).
ZHURNAL_BACKUP_KEEP = int(os.environ.get("ZHURNAL_BACKUP_KEEP", "10"))
# The schedule: a backup when the last good one is this many days old (0: none on this count)…
ZHURNAL_BACKUP_EVERY_DAYS = int(os.environ.get("ZHURNAL_BACKUP_EVERY_DAYS", "7"))
# …and the day after a term of any school ends.
ZHURNAL_BACKUP_AT_TERM_END = _env_bool("ZHURNAL_BACKUP_AT_TERM_END", default=True)

# --- Data exchange with the region (issue 17; seed 001, step 17) ------------------------------
# The namespace of the OneRoster sourcedIds (UUID v5): keep it for the life of the deployment,
# or every record gets a new sourcedId in the region; give each deployment its own.
ZHURNAL_ONEROSTER_NAMESPACE = os.environ.get(
    "ZHURNAL_ONEROSTER_NAMESPACE", "5a3c1f52-77a4-5e43-9c0e-2f1c8e0d6b17"
)
# Where the scheduled upload sends each school's OneRoster package: an HTTPS address (POSTed
# with the bearer token) and/or a folder (a file per school and upload). Neither: no upload.
ZHURNAL_REGION_UPLOAD_URL = os.environ.get("ZHURNAL_REGION_UPLOAD_URL", "")
ZHURNAL_REGION_UPLOAD_TOKEN = os.environ.get("ZHURNAL_REGION_UPLOAD_TOKEN", "")
ZHURNAL_REGION_UPLOAD_DIR = os.environ.get("ZHURNAL_REGION_UPLOAD_DIR", "")
# An upload is due when the last one sent is this many days old (1: daily).
ZHURNAL_REGION_UPLOAD_EVERY_DAYS = int(os.environ.get("ZHURNAL_REGION_UPLOAD_EVERY_DAYS", "1"))
# Seconds an HTTPS upload may take before it counts as failed (and is retried).
ZHURNAL_REGION_UPLOAD_TIMEOUT = int(os.environ.get("ZHURNAL_REGION_UPLOAD_TIMEOUT", "60"))

# --- The archive (issue 13; seed 002 §4.2, §5.5–5.9) ----------------------------------------
# Where the term copies and the archive packages are written, read-only, never published by
# the web server (a folder of its own, apart from MEDIA_ROOT; every backup holds it).
ZHURNAL_ARCHIVE_DIR = Path(os.environ.get("ZHURNAL_ARCHIVE_DIR", VAR_DIR / "archive"))

# --- Product settings -----------------------------------------------------------------------
# Age from which a student may log in, unless a school sets its own (seed 002, 3.3.2).
ZHURNAL_STUDENT_MIN_AGE_DEFAULT = 14

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHURNAL_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}
