"""Settings shared by every environment. Values come from config.env, documented in
docs/configuration.md."""

from __future__ import annotations

import json
from datetime import time, timedelta
from decimal import Decimal

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, data_dir, env_bool, env_int, env_list, env_str

DATA_DIR = data_dir()

DEBUG = False
SECRET_KEY = env_str("FUGONG_SECRET_KEY")
# The keys that encrypt personal data at rest (fugong.core.crypto): comma-separated, 32 bytes
# each in base64url; the first encrypts, every one decrypts (rotation). FUGONG_LOOKUP_KEY, when
# set, keys the lookup hashes instead of the first field key (so they survive a rotation).
FUGONG_FIELD_KEYS = [k.strip() for k in env_str("FUGONG_FIELD_KEYS").split(",") if k.strip()]
FUGONG_LOOKUP_KEY = env_str("FUGONG_LOOKUP_KEY")
ALLOWED_HOSTS = env_list("FUGONG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("FUGONG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "template_partials",
    "django_filters",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "captcha",  # django-simple-captcha: the public tip page's CAPTCHA, drawn by Pillow here
    "fugong.core",
    "fugong.accounts",
    "fugong.enterprises",
    "fugong.inspections",
    "fugong.policies",
    "fugong.resumption",
    "fugong.stats",
    "fugong.reporting",
    "fugong.notifications",
    "fugong.workforce",
    "fugong.cases",
    "fugong.vacancies",
    "fugong.buses",
    "fugong.reports",
    "fugong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fugong.core.middleware.SessionMiddleware",
    "fugong.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fugong.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "fugong.core.middleware.NulQueryMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fugong.core.context_processors.navigation",
            ],
        },
    }
]


def database_from_env() -> dict:
    url = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'fugong.sqlite3'}"
    # Persistent connections on PostgreSQL (a new connection costs milliseconds per request);
    # SQLite opens a file, which is cheap.
    default_age = 0 if url.startswith("sqlite") else 60
    config = dj_database_url.parse(
        url, conn_max_age=env_int("FUGONG_DB_CONN_MAX_AGE", default_age), conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while the worker writes; IMMEDIATE avoids lock upgrades.
        # A writer waits this long for the write lock, then gets a "busy" sentence (503).
        busy = env_int("FUGONG_DB_BUSY_TIMEOUT", 20)
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                f"PRAGMA foreign_keys=ON;PRAGMA busy_timeout={busy * 1000};"
                # Triggers' and sorts' temporary tables in memory (the workforce counts'
                # triggers halve their cost on a roster import).
                "PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": busy,
        }
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("FUGONG_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fugong.accounts.validators.CharacterClassValidator"},
    # zxcvbn's estimate: 3 of 4 ("safely unguessable") refuses a1a1a1a1a1 and the like.
    {
        "NAME": "fugong.accounts.validators.StrengthValidator",
        "OPTIONS": {"min_score": env_int("FUGONG_PASSWORD_MIN_SCORE", 3)},
    },
]
CSRF_FAILURE_VIEW = "fugong.core.views.csrf_failure"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: expire after a period of inactivity and when the browser closes.
SESSION_COOKIE_AGE = env_int("FUGONG_SESSION_IDLE_MINUTES", 120) * 60
# Not on every request: fugong.core.middleware.SessionMiddleware saves an unchanged session
# at most once per FUGONG_SESSION_REFRESH_SECONDS to slide the idle expiry, so reading a page
# does not write (nor wait for SQLite's write lock).
SESSION_SAVE_EVERY_REQUEST = False
FUGONG_SESSION_REFRESH_SECONDS = env_int("FUGONG_SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock an account (per username and address) after repeated failures.
AXES_FAILURE_LIMIT = env_int("FUGONG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FUGONG_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries while locked do not restart the wait, so the minutes shown stay true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "fugong.accounts.views.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "fugong.core.middleware.client_ip"
# Reverse proxies in front of Fugong that append to X-Forwarded-For (0: none, use REMOTE_ADDR).
FUGONG_PROXY_COUNT = env_int("FUGONG_PROXY_COUNT", 0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fugong" / "locale"]
TIME_ZONE = env_str("FUGONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"


def storages_from_env() -> dict:
    """FUGONG_STORAGE_BACKEND picks the file store (default: files under FUGONG_DATA_DIR/media).
    An S3-compatible store is e.g. storages.backends.s3.S3Storage from django-storages, with its
    options in FUGONG_STORAGE_OPTIONS as JSON."""
    import json

    backend = env_str("FUGONG_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
    try:
        options = json.loads(env_str("FUGONG_STORAGE_OPTIONS", "{}") or "{}")
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"FUGONG_STORAGE_OPTIONS must be a JSON object: {exc}.") from exc
    if not isinstance(options, dict):
        raise ImproperlyConfigured(
            'FUGONG_STORAGE_OPTIONS must be a JSON object, e.g. {"bucket_name": "fugong"}.'
        )
    return {
        "default": {"BACKEND": backend, "OPTIONS": options},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


STORAGES = storages_from_env()
# Key enterprise by default (seed 002): tax paid last year above this many 10,000 yuan;
# a jurisdiction's RegistryRule overrides it for its subtree.
try:
    FUGONG_KEY_MIN_TAX_PAID = Decimal(env_str("FUGONG_KEY_MIN_TAX_PAID", "50") or "50")
except ArithmeticError as exc:
    raise ImproperlyConfigured(
        "FUGONG_KEY_MIN_TAX_PAID must be a number of 10,000 yuan, e.g. 50."
    ) from exc
# Largest file an import accepts.
FUGONG_MAX_UPLOAD_MB = env_int("FUGONG_MAX_UPLOAD_MB", 50)
# What a spreadsheet may hold before it is read (fugong/core/tabular.py checks them first):
# columns, cells (rows × columns of the used area), xlsx unpacked size and compression ratio,
# CSV line length; and the memory (MB) and CPU seconds the process reading a workbook may use.
FUGONG_IMPORT_MAX_COLUMNS = env_int("FUGONG_IMPORT_MAX_COLUMNS", 500)
FUGONG_IMPORT_MAX_CELLS = env_int("FUGONG_IMPORT_MAX_CELLS", 10_000_000)
FUGONG_IMPORT_MAX_UNPACKED_MB = env_int("FUGONG_IMPORT_MAX_UNPACKED_MB", 500)
FUGONG_IMPORT_MAX_ZIP_RATIO = env_int("FUGONG_IMPORT_MAX_ZIP_RATIO", 200)
FUGONG_IMPORT_MAX_LINE_KB = env_int("FUGONG_IMPORT_MAX_LINE_KB", 256)
FUGONG_IMPORT_MEMORY_MB = env_int("FUGONG_IMPORT_MEMORY_MB", 1024)
FUGONG_IMPORT_CPU_SECONDS = env_int("FUGONG_IMPORT_CPU_SECONDS", 300)
# A running job whose heartbeat is older than this is taken for dead (its worker was killed).
FUGONG_JOB_STALE_SECONDS = env_int("FUGONG_JOB_STALE_SECONDS", 120)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest attachment of a resumption filing (plan, roster, commitment letter, bus list, photo).
FUGONG_ATTACHMENT_MAX_MB = env_int("FUGONG_ATTACHMENT_MAX_MB", 10)
# Largest photo, in pixels (width × height), decoded and re-encoded on upload; more is refused
# before decoding (a decompression bomb).
FUGONG_MAX_IMAGE_PIXELS = env_int("FUGONG_MAX_IMAGE_PIXELS", 40_000_000)

# Security headers. Uploaded files are never served from /media/ (there is no such URL); the
# views that serve them set their type from the content and a CSP of their own
# (fugong.core.files.file_response).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline or eval'd script anywhere; behaviours live in
# fugong/core/static/fugong/behaviours.js. Inline style attributes stay allowed (templates and
# ECharts' SVG use them; they cannot run script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
# The resumption mode where no jurisdiction has chosen one: approval, record or commitment.
FUGONG_DEFAULT_RESUMPTION_MODE = env_str("FUGONG_DEFAULT_RESUMPTION_MODE", "approval")
if FUGONG_DEFAULT_RESUMPTION_MODE not in ("approval", "record", "commitment"):
    raise ImproperlyConfigured(
        "FUGONG_DEFAULT_RESUMPTION_MODE must be approval, record or commitment."
    )
# What 复工率 divides by where no jurisdiction has chosen: "need" (the units that need to
# resume, as seed 003) or "all" (all units).
FUGONG_RATE_DENOMINATOR = env_str("FUGONG_RATE_DENOMINATOR", "need")
if FUGONG_RATE_DENOMINATOR not in ("need", "all"):
    raise ImproperlyConfigured("FUGONG_RATE_DENOMINATOR must be need or all.")
# When a town's daily figures are due (HH:MM, local time), where no jurisdiction has chosen.
try:
    FUGONG_REPORT_DEADLINE = time.fromisoformat(env_str("FUGONG_REPORT_DEADLINE", "12:00"))
except ValueError as exc:
    raise ImproperlyConfigured("FUGONG_REPORT_DEADLINE must be a time such as 12:00.") from exc

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}

TASKS = {
    "default": {
        "BACKEND": env_str("FUGONG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [],
    }
}

# /healthz (fugong.core.health) answers 503 when the oldest background job waiting to start has
# waited longer than this many seconds (no worker running, or all stuck), or when the data
# folder's disk has less than this many MB free.
FUGONG_HEALTH_QUEUE_AGE = env_int("FUGONG_HEALTH_QUEUE_AGE", 900)
# Commuter-bus letters (通勤班车使用意见函) are reviewed by the place before they are issued;
# a place's own rule (the letters page) overrides it for its subtree. The seeds disagree.
FUGONG_BUS_LETTER_APPROVAL = env_bool("FUGONG_BUS_LETTER_APPROVAL", True)
FUGONG_HEALTH_DISK_MIN_MB = env_int("FUGONG_HEALTH_DISK_MIN_MB", 512)

EMAIL_BACKEND = env_str("FUGONG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("FUGONG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("FUGONG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("FUGONG_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("FUGONG_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("FUGONG_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("FUGONG_EMAIL_FROM", "fugong@localhost")

FUGONG_API_TOKEN_DAYS = env_int("FUGONG_API_TOKEN_DAYS", 30)
# How often an open page asks for the inbox's unread count (the bell in the top bar).
FUGONG_INBOX_POLL_SECONDS = env_int("FUGONG_INBOX_POLL_SECONDS", 30)
# Where the site is reached, for the links in messages sent outside it (email).
FUGONG_SITE_URL = env_str("FUGONG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A message that cannot be sent is tried again after 30 s, 60 s, 120 s … (at most an hour
# apart), this many times in all, then logged as failed with the reason.
FUGONG_NOTIFY_MAX_ATTEMPTS = env_int("FUGONG_NOTIFY_MAX_ATTEMPTS", 5)
# SMS through an HTTP gateway (the Chinese providers' shape: a signature, a template id and
# its parameters). Off while FUGONG_SMS_URL is empty; only the event kinds given a template
# in FUGONG_SMS_TEMPLATES (JSON: kind -> template id) are sent; at most FUGONG_SMS_DAILY_CAP
# messages a day to one person.
FUGONG_SMS_URL = env_str("FUGONG_SMS_URL")
FUGONG_SMS_TOKEN = env_str("FUGONG_SMS_TOKEN")
FUGONG_SMS_SIGN = env_str("FUGONG_SMS_SIGN", "复工复产")
FUGONG_SMS_TEMPLATES = json.loads(env_str("FUGONG_SMS_TEMPLATES", "{}") or "{}")
# The SMS template of the one-time code of the check-in by phone (its parameter: "code");
# empty: that check-in is off (employees check in with their account).
FUGONG_SMS_CODE_TEMPLATE = env_str("FUGONG_SMS_CODE_TEMPLATE", "")
FUGONG_SMS_DAILY_CAP = env_int("FUGONG_SMS_DAILY_CAP", 10)
# The group robots' services (a test or an intranet relay may point elsewhere).
FUGONG_WECOM_ROBOT_URL = env_str(
    "FUGONG_WECOM_ROBOT_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
)
FUGONG_DINGTALK_ROBOT_URL = env_str(
    "FUGONG_DINGTALK_ROBOT_URL", "https://oapi.dingtalk.com/robot/send"
)
# What one group robot may post a minute (both platforms refuse more than 20); the rest wait.
FUGONG_ROBOT_PER_MINUTE = env_int("FUGONG_ROBOT_PER_MINUTE", 20)
# The rate limit per channel beyond the robots (what the mail relay and the SMS contract
# allow); 0: none.
FUGONG_EMAIL_PER_MINUTE = env_int("FUGONG_EMAIL_PER_MINUTE", 600)
FUGONG_SMS_PER_MINUTE = env_int("FUGONG_SMS_PER_MINUTE", 300)
# The same kind of event about the same thing reaches a phone, a mailbox or a group once in
# this many minutes (the inbox keeps each); 0: no window.
FUGONG_NOTIFY_DEDUP_MINUTES = env_int("FUGONG_NOTIFY_DEDUP_MINUTES", 10)
# Health records (check-ins) and travel history are deleted after this many days (PIPL);
# the counts of each enterprise's days are kept.
FUGONG_HEALTH_RETENTION_DAYS = env_int("FUGONG_HEALTH_RETENTION_DAYS", 30)
# Requests (诉求): dispatched at once by the routing table when it names a department (the
# dispatcher still re-routes a returned one); off: a command office dispatches each.
FUGONG_CASES_AUTO_DISPATCH = env_bool("FUGONG_CASES_AUTO_DISPATCH", False)
# 无事不扰: at most this many visits to one enterprise in this many days, unless it asks.
FUGONG_VISITS_QUIET_MAX = env_int("FUGONG_VISITS_QUIET_MAX", 2)
FUGONG_VISITS_QUIET_DAYS = env_int("FUGONG_VISITS_QUIET_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal": {"()": "fugong.core.masking.PersonalDataLogFilter"},
        "client_errors": {"()": "fugong.core.log_filters.ClientErrorLogFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            # First drop a client error's traceback, then mask what is left.
            "filters": ["client_errors", "mask_personal"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("FUGONG_LOG_LEVEL", "INFO")},
    # Every handler masks phone and ID numbers. Django's own defaults would add handlers that
    # do not (a console one under DEBUG, mail to ADMINS with the request's query string, the
    # runserver request log): these loggers get ours instead and do not propagate past it.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django_tasks": {"level": "WARNING"},
    },
}

FUGONG_SITE_NAME = _("Work and Production Resumption Platform")

# The public tip page's CAPTCHA (django-simple-captcha, drawn by Pillow on this server): a
# picture stays valid 30 minutes (time to write the tip) and may be tried once.
CAPTCHA_TIMEOUT = 30
CAPTCHA_LENGTH = 4
