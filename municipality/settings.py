"""Balagh settings. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlsplit

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from kombu import Queue

from municipality.env import (
    SettingError,
    cache_config,
    database_from_url,
    database_pool,
    env_bool,
    env_file,
    env_int,
    env_list,
    env_networks,
    env_rate,
    env_regions,
    env_str,
    env_thresholds,
    load_env_file,
    mailbox_url,
    redis_url,
    replica_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# What `make` configured (.env, git-ignored) holds for commands run by hand too; the environment wins.
load_env_file(env_file(BASE_DIR))
VAR_DIR = Path(env_str("BALAGH_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise SettingError(
            gettext_noop(
                "SECRET_KEY is not set. Run `make setup` (it writes .env for development), "
                "set SECRET_KEY in the environment, or DEBUG=1 for a development default."
            )
        )
    SECRET_KEY = "dev-only-insecure-balagh-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise SettingError(gettext_noop("ALLOWED_HOSTS is empty; set it to the site's host names (comma-separated)."))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = (env_str("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "municipality.admin_config.BalaghAdminConfig",  # SimpleAdminConfig with Balagh's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "municipality.admin_config.PeriodicTasksConfig",  # django_celery_beat, its admin section translated
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "municipality",
    "complaints",
    "routing",
    "sla",
    "reports",
    "notifications",
    "channels",
    "demo",
    "bench",  # the benchmarks' load generator (manage.py generate_load); nothing imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "municipality.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "municipality.middleware.ArabicFirstLocaleMiddleware",
    "municipality.api_errors.APIErrorsAsJSONMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "municipality.two_factor.TwoFactorRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # who saved each version of the configuration
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers the login that its backend refused
]

ROOT_URLCONF = "municipality.urls"
WSGI_APPLICATION = "municipality.wsgi.application"

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
                "complaints.navigation.staff_navigation",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'balagh.sqlite3'}", BASE_DIR)}
# A PostgreSQL streaming replica for the committee's pages, downloads and the weekly compile's figures;
# writes and every other read stay on DATABASE_URL (municipality/replica.py). Unset: all on DATABASE_URL.
if _replica_url := env_str("DATABASE_REPLICA_URL") or "":
    DATABASES["replica"] = replica_database(_replica_url, DATABASES["default"], BASE_DIR)
BALAGH_READ_REPLICA = "replica" if _replica_url else ""
# Each process keeps a pool of at most this many PostgreSQL connections (Django's psycopg pool) instead of
# one per thread kept 60 s; 0: no pool. Behind PgBouncer in transaction mode see docs/operations.md.
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 0, minimum=0)
# DATABASE_URL (and the replica's) go through PgBouncer in transaction mode: no server-side cursors, since the
# next fetch of one may reach another server connection (docs/operations.md: what else that mode needs).
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
for _database in DATABASES.values():
    database_pool(_database, DATABASE_POOL_MAX_SIZE)
    _database["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
    if _database["ENGINE"] == "django.db.backends.postgresql" and not DATABASE_TRANSACTION_POOLING:
        # The intake's INSERTs (municipality.db) are prepared on each connection from their third run;
        # Django's own statements never are (client-side binding). Not through PgBouncer in transaction mode.
        _database["OPTIONS"].setdefault("prepare_threshold", 2)
DATABASE_ROUTERS = ["municipality.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Arabic first.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", pgettext_lazy("language", "Arabic")), ("en", pgettext_lazy("language", "English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Riyadh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["municipality.formats"]  # one date format in both languages (docs/languages.md)

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: at most 4 photos of at most 5 MB each.
BALAGH_MAX_PHOTOS = env_int("BALAGH_MAX_PHOTOS", 4, minimum=0)
BALAGH_MAX_PHOTO_BYTES = env_int("BALAGH_MAX_PHOTO_MB", 5, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Signed links to photos (tracking page, API, the form's previews) work this long, in seconds.
BALAGH_PHOTO_LINK_SECONDS = env_int("BALAGH_PHOTO_LINK_SECONDS", 3600, minimum=60)
# PDPL retention: reporters' name, mobile and e-mail are blanked this many days after closing (0: kept).
BALAGH_ANONYMISE_AFTER_DAYS = env_int("BALAGH_ANONYMISE_AFTER_DAYS", 365, minimum=0)
# Citizens may rate or reopen a resolved report within this many days.
BALAGH_REOPEN_DAYS = env_int("BALAGH_REOPEN_DAYS", 7, minimum=1)
BALAGH_AUTO_CLOSE_DAYS = env_int("BALAGH_AUTO_CLOSE_DAYS", 7, minimum=1)
BALAGH_PHONE_REGION = env_str("BALAGH_PHONE_REGION") or "SA"
# The countries whose mobiles are accepted for reporters and followers (ISO codes, comma-separated).
BALAGH_PHONE_COUNTRIES = env_regions("BALAGH_PHONE_COUNTRIES", ["SA"])
# Routing caches (districts index, rules) re-check the database at most this often, in seconds
# (0: on every report). A district or rule edited in the admin applies everywhere within it.
BALAGH_ROUTING_RECHECK_SECONDS = env_int("BALAGH_ROUTING_RECHECK_SECONDS", 1, minimum=0)
# The committee dashboard shares its figures through the cache this long (a beat task keeps the default view warm),
# then serves them this much longer while a worker computes them again (0: compute during the request).
BALAGH_REPORTS_CACHE_SECONDS = env_int("BALAGH_REPORTS_CACHE_SECONDS", 600, minimum=0)
BALAGH_REPORTS_STALE_SECONDS = env_int("BALAGH_REPORTS_STALE_SECONDS", 3600, minimum=0)
# A department's grade: per metric (percent), the lowest value for A, B and C; below C is D.
BALAGH_KPI_GRADE_THRESHOLDS = env_thresholds(
    "BALAGH_KPI_GRADE_THRESHOLDS", {"sla_pct": (90, 75, 60), "completion_pct": (90, 75, 60)}
)
# The municipality's name on the citizen pages; empty: the translated default name.
BALAGH_MUNICIPALITY_NAME = env_str("BALAGH_MUNICIPALITY_NAME") or ""

LOGIN_URL = "/admin/login/"
# After signing in without a usable ?next=: the role's own start page (complaints.navigation), never /accounts/profile/.
LOGIN_REDIRECT_URL = "staff_home"

# --- Staff sign-in: lock-out after failed passwords (django-axes) and two-factor codes (django-otp).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("BALAGH_LOGIN_FAILURE_LIMIT", 8, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BALAGH_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
# Each separately: a user name guessed from many addresses, and one address trying many names.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "municipality.client_ip.axes_client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False
# Two-factor codes for the roles that see or change the most (municipality/two_factor.py). On in
# production; the demo (DEBUG=1) and the test suite leave it off so the demo logins work with a password.
BALAGH_2FA_REQUIRED = env_bool("BALAGH_2FA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "Balagh"
# Configuration history (django-simple-history): read-only, a past version is never saved back over the
# current one (that would skip the services that keep caches and the clock in line).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Abuse limits. X-Forwarded-For is believed only from these proxies (CIDR list; empty: never),
# see municipality/client_ip.py. Every throttle and lock-out keys on that one address.
BALAGH_TRUSTED_PROXIES = env_networks("BALAGH_TRUSTED_PROXIES")
# The tracking page and API: failed look-ups per address and tracking number, and per tracking number
# from all addresses, within the window, before look-ups of that number are refused for the window.
BALAGH_TRACK_MAX_ATTEMPTS = env_int("BALAGH_TRACK_MAX_ATTEMPTS", 10, minimum=1)
BALAGH_TRACK_MAX_ATTEMPTS_PER_NUMBER = env_int("BALAGH_TRACK_MAX_ATTEMPTS_PER_NUMBER", 50, minimum=1)
BALAGH_TRACK_WINDOW_SECONDS = env_int("BALAGH_TRACK_WINDOW_SECONDS", 15 * 60, minimum=1)
# One-time codes sent by SMS to confirm a mobile (following a report, "my reports").
BALAGH_PHONE_CODE_MINUTES = env_int("BALAGH_PHONE_CODE_MINUTES", 10, minimum=1)
BALAGH_PHONE_CODE_ATTEMPTS = env_int("BALAGH_PHONE_CODE_ATTEMPTS", 5, minimum=1)
# Codes asked for per hour, per mobile number and per client address.
BALAGH_PHONE_CODES_PER_NUMBER = env_int("BALAGH_PHONE_CODES_PER_NUMBER", 3, minimum=1)
BALAGH_PHONE_CODES_PER_ADDRESS = env_int("BALAGH_PHONE_CODES_PER_ADDRESS", 20, minimum=1)
# "My reports": how long a session may list a mobile's reports after its code.
BALAGH_MY_REPORTS_MINUTES = env_int("BALAGH_MY_REPORTS_MINUTES", 15, minimum=1)

# --- Celery: Redis when REDIS_URL is set, otherwise a broker that needs no server.
REDIS_URL = redis_url()
# Handing a task to the broker happens inside web requests and commands (after commit): with the
# broker down it must fail at once, not retry, since the outbox's periodic re-send sends the
# message later. One connect attempt of at most BROKER_CONNECT_TIMEOUT_MS, one retry (a pooled
# connection may be stale after a Redis restart). The worker's own reconnection loop is unaffected.
BALAGH_BROKER_CONNECT_TIMEOUT = env_int("BROKER_CONNECT_TIMEOUT_MS", 1000, minimum=1) / 1000
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = BALAGH_BROKER_CONNECT_TIMEOUT
# No task's return value is ever read: no result backend (Celery's Redis result store retries
# 20 times a second apart on every .delay() while Redis is down).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    if REDIS_URL.startswith("redis://"):  # rediss:// (TLS) keeps kombu's own transport
        CELERY_BROKER_TRANSPORT = "municipality.broker:Transport"  # one Redis client per channel to publish
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": BALAGH_BROKER_CONNECT_TIMEOUT,
        "socket_timeout": 10,  # above the worker's 1 s BRPOP wait
    }
else:
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# One cache for all processes when Redis is there (API throttles, tracking-page attempt limits,
# the dashboard's figures). While Redis is unreachable each process uses its own memory instead
# (municipality.failopen_cache): nothing in it is worth refusing a citizen's report for.
CACHES = cache_config(REDIS_URL, VAR_DIR / "cache")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Three queues, so a long compile or export never holds up an SMS: every task is routed here and only
# here (tests/municipality/test_task_queues.py checks each one is). A worker started without -Q
# consumes all three (the embedded default); production runs one worker per queue (README).
BALAGH_TASK_QUEUES = {
    # What a citizen waits for: the outbox (SMS, e-mail, WhatsApp answers) and the intake channels.
    "notifications": ["notifications.tasks.*", "channels.*"],
    # The clock: the escalation sweep, its queue's repair, and the other periodic housekeeping of reports.
    "escalation": ["sla.tasks.*", "routing.tasks.*", "complaints.tasks.*"],
    # The committee's figures: dashboard refreshes, the weekly compile (figures and PDF).
    "reports": ["reports.tasks.*"],
}
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in BALAGH_TASK_QUEUES]
CELERY_TASK_DEFAULT_QUEUE = "notifications"
CELERY_TASK_ROUTES = {pattern: {"queue": name} for name, patterns in BALAGH_TASK_QUEUES.items() for pattern in patterns}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# One beat schedules at a time, even if two are started (municipality.beat).
CELERY_BEAT_SCHEDULER = "municipality.beat:SingleBeatScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every periodic task, defined here and only here (django-celery-beat copies these entries into its table
# when beat starts; an interval edited in the admin lasts until the next start).
CELERY_BEAT_SCHEDULE: dict = {
    # The escalation ladder (sla.sweep): at-risk warnings and escalations, each step once.
    "escalation-sweep": {
        "task": "sla.tasks.escalate_overdue_task",
        "schedule": timedelta(minutes=5),
    },
    # Outbox messages whose first send failed (the broker was down): picked up again.
    "outbox-resend": {
        "task": "notifications.tasks.resend_pending_outbox",
        "schedule": timedelta(minutes=1),
    },
    "auto-close-resolved": {
        "task": "complaints.tasks.auto_close_resolved",
        "schedule": crontab(minute=15),
    },
    # The escalation ladder's work queue, rebuilt from the reports (a safety net for changes made outside the services).
    "escalation-ladder-resync": {
        "task": "sla.tasks.resync_ladder_task",
        "schedule": crontab(minute=20, hour=2),
    },
    "anonymise-reporters": {
        "task": "complaints.tasks.anonymise_reporters",
        "schedule": crontab(minute=10, hour=4),
    },
    "purge-phone-codes": {
        "task": "notifications.tasks.purge_phone_codes",
        "schedule": crontab(minute=50, hour=3),
    },
    "purge-photo-stashes": {
        "task": "complaints.tasks.purge_photo_stashes",
        "schedule": crontab(minute=40, hour=3),
    },
    # The weekly report to the mayor: Sunday 07:00 (CELERY_TIMEZONE, Asia/Riyadh) for the week before.
    "weekly-report": {
        "task": "reports.tasks.compile_and_send_weekly_report",
        "schedule": crontab(minute=0, hour=7, day_of_week="sun"),
    },
    # Keep the committee pages' landing views (the default one, each department's) computed in the shared cache (reports.selectors).
    "reports-warm-dashboard": {
        "task": "reports.tasks.warm_dashboard",
        "schedule": crontab(minute="*/5"),
    },
    # WhatsApp messages stored while the broker was down (or whose worker died) are processed;
    # conversations left with a description for WHATSAPP_ABANDON_MINUTES are filed.
    "whatsapp-pickup": {
        "task": "channels.whatsapp.tasks.pickup_unprocessed",
        "schedule": crontab(minute="*"),
    },
    "whatsapp-abandoned": {
        "task": "channels.whatsapp.tasks.file_abandoned",
        "schedule": crontab(minute="*/5"),
    },
}

# --- E-mail: console by default, SMTP only when configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Every send is bounded, so a worker that is still sending can be told from one that died.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "Balagh <no-reply@balagh.local>"

# --- SMS (notifications.backends): console by default, a file under var/ or a generic HTTP gateway.
_SMS_BACKENDS = {
    "console": "notifications.backends.ConsoleSMSBackend",
    "file": "notifications.backends.FileSMSBackend",
    "http": "notifications.backends.HTTPSMSBackend",
}
BALAGH_SMS_BACKEND = _SMS_BACKENDS.get(env_str("SMS_BACKEND") or "console", env_str("SMS_BACKEND") or "")
if "." not in BALAGH_SMS_BACKEND:
    raise SettingError(
        gettext_noop("SMS_BACKEND=%(value)r: use console, file, http or a dotted class path."), value=BALAGH_SMS_BACKEND
    )
BALAGH_SMS_FILE = env_str("SMS_FILE_PATH") or str(VAR_DIR / "sms.log")
BALAGH_SMS_HTTP_URL = env_str("SMS_HTTP_URL") or ""
BALAGH_SMS_HTTP_AUTH_HEADER = env_str("SMS_HTTP_AUTH_HEADER") or ""  # e.g. "Authorization: Bearer …"
BALAGH_SMS_HTTP_BODY = env_str("SMS_HTTP_BODY") or '{"to": $to, "text": $body, "sender": "Balagh"}'
BALAGH_SMS_HTTP_CONTENT_TYPE = env_str("SMS_HTTP_CONTENT_TYPE") or "application/json"
BALAGH_SMS_HTTP_TIMEOUT = float(env_int("SMS_HTTP_TIMEOUT_MS", 5000, minimum=1)) / 1000
if BALAGH_SMS_BACKEND.endswith("HTTPSMSBackend") and not BALAGH_SMS_HTTP_URL:
    raise SettingError(gettext_noop("SMS_BACKEND=http needs SMS_HTTP_URL (the gateway's address)."))
# Outbox: attempts before a message is marked failed, back-off base, re-send of stuck rows, SMS cap.
BALAGH_OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 5, minimum=1)
BALAGH_OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 30, minimum=0)
# A sweep that takes more than this many reports for one person in one batch sends that person one
# digest (count, the first numbers, a link to the overdue list) instead of one message per report.
BALAGH_ESCALATION_DIGEST_OVER = env_int("ESCALATION_DIGEST_OVER", 20, minimum=1)
BALAGH_OUTBOX_RESEND_AFTER_SECONDS = env_int("OUTBOX_RESEND_AFTER_SECONDS", 60, minimum=0)
# A row being sent is leased for the longest send timeout plus this margin, renewed every third of
# the lease while the send lasts: a worker killed mid-send frees its row within one lease (about
# 30 s by default) for the next periodic re-send, instead of after ten minutes.
BALAGH_OUTBOX_LEASE_SECONDS = max(BALAGH_SMS_HTTP_TIMEOUT, EMAIL_TIMEOUT) + env_int("OUTBOX_LEASE_MARGIN_SECONDS", 20, minimum=1)
BALAGH_SMS_PER_REPORT_PER_DAY = env_int("SMS_PER_REPORT_PER_DAY", 5, minimum=1)

# --- E-mail and X intake (channels.email, channels.x); see docs/channels.md.
# The address citizens write to: the Reply-To of our answers, so their replies come back to the intake.
EMAIL_INTAKE_ADDRESS = env_str("EMAIL_INTAKE_ADDRESS") or ""
# The mailbox the beat task polls: imaps://user:password@host[:port]/FOLDER, imap://… (STARTTLS or plain, for
# a local server), or maildir:///path/to/Maildir. Empty: no polling (a mail server may pipe to receive_email).
IMAP_URL = mailbox_url("IMAP_URL")
IMAP_POLL_SECONDS = env_int("IMAP_POLL_SECONDS", 60, minimum=5)
# X mentions: "fake" (development and tests: mentions from a JSON file, replies appended to another) or "api".
X_BACKEND = (env_str("X_BACKEND") or "fake").strip().lower()
if X_BACKEND not in ("fake", "api"):
    raise SettingError(gettext_noop("X_BACKEND=%(value)r: use fake or api."), value=X_BACKEND)
X_BEARER_TOKEN = env_str("X_BEARER_TOKEN") or ""
X_ACCOUNT_ID = env_str("X_ACCOUNT_ID") or ""
X_API_URL = (env_str("X_API_URL") or "https://api.x.com/2").rstrip("/")
X_API_TIMEOUT = float(env_int("X_API_TIMEOUT_MS", 10000, minimum=1)) / 1000
X_POLL_SECONDS = env_int("X_POLL_SECONDS", 120, minimum=15)
X_FAKE_MENTIONS_FILE = env_str("X_FAKE_MENTIONS_FILE") or str(VAR_DIR / "x" / "mentions.json")
X_FAKE_REPLIES_FILE = env_str("X_FAKE_REPLIES_FILE") or str(VAR_DIR / "x" / "replies.jsonl")
if X_BACKEND == "api" and not (X_BEARER_TOKEN and X_ACCOUNT_ID):
    raise SettingError(gettext_noop("X_BACKEND=api needs X_BEARER_TOKEN and X_ACCOUNT_ID (the municipality's account id)."))
CELERY_BEAT_SCHEDULE["email-poll-mailbox"] = {"task": "channels.email.tasks.poll_mailbox", "schedule": IMAP_POLL_SECONDS}
CELERY_BEAT_SCHEDULE["x-poll-mentions"] = {"task": "channels.x.tasks.poll_mentions", "schedule": X_POLL_SECONDS}
# --- WhatsApp Cloud API (channels/whatsapp): the webhook's secrets, outbound messages, media downloads.
# Under DEBUG the webhook works with development secrets (``manage.py whatsapp_simulate`` signs with them);
# in production the POSTs are refused until WHATSAPP_APP_SECRET is set.
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET") or ("balagh-dev-whatsapp-secret" if DEBUG else "")
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN") or ("balagh-dev-verify-token" if DEBUG else "")
WHATSAPP_ACCESS_TOKEN = env_str("WHATSAPP_ACCESS_TOKEN") or ""
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID") or ""
WHATSAPP_GRAPH_URL = (env_str("WHATSAPP_GRAPH_URL") or "https://graph.facebook.com/v21.0").rstrip("/")
WHATSAPP_HTTP_TIMEOUT = float(env_int("WHATSAPP_HTTP_TIMEOUT_MS", 10000, minimum=1)) / 1000
_WHATSAPP_BACKENDS = {
    "console": "channels.whatsapp.transport.ConsoleWhatsAppBackend",
    "file": "channels.whatsapp.transport.FileWhatsAppBackend",
    "graph": "channels.whatsapp.transport.GraphWhatsAppBackend",
}
_whatsapp_backend = env_str("WHATSAPP_BACKEND") or ("console" if DEBUG else "graph")
BALAGH_WHATSAPP_BACKEND = _WHATSAPP_BACKENDS.get(_whatsapp_backend, _whatsapp_backend)
if "." not in BALAGH_WHATSAPP_BACKEND:
    raise SettingError(
        gettext_noop("WHATSAPP_BACKEND=%(value)r: use console, file, graph or a dotted class path."), value=_whatsapp_backend
    )
BALAGH_WHATSAPP_FILE = env_str("WHATSAPP_FILE_PATH") or str(VAR_DIR / "whatsapp.log")
_whatsapp_media = env_str("WHATSAPP_MEDIA_BACKEND") or ("folder" if DEBUG else "graph")
BALAGH_WHATSAPP_MEDIA_BACKEND = {
    "folder": "channels.whatsapp.media.FolderMediaFetcher",
    "graph": "channels.whatsapp.media.GraphMediaFetcher",
}.get(_whatsapp_media, _whatsapp_media)
if "." not in BALAGH_WHATSAPP_MEDIA_BACKEND:
    raise SettingError(
        gettext_noop("WHATSAPP_MEDIA_BACKEND=%(value)r: use folder, graph or a dotted class path."), value=_whatsapp_media
    )
BALAGH_WHATSAPP_MEDIA_FOLDER = env_str("WHATSAPP_MEDIA_FOLDER") or str(VAR_DIR / "whatsapp-media")
if WHATSAPP_APP_SECRET and not DEBUG:  # WhatsApp is switched on in production: the Graph API needs its credentials
    _missing = [
        name
        for name, value in (
            ("WHATSAPP_VERIFY_TOKEN", WHATSAPP_VERIFY_TOKEN),
            ("WHATSAPP_ACCESS_TOKEN", WHATSAPP_ACCESS_TOKEN),
            ("WHATSAPP_PHONE_NUMBER_ID", WHATSAPP_PHONE_NUMBER_ID),
        )
        if not value
    ]
    if _missing:
        raise SettingError(
            gettext_noop("WHATSAPP_APP_SECRET is set, so WhatsApp is on: it also needs %(names)s."), names=", ".join(_missing)
        )
# A conversation with a description and no answer for this long is filed with what it has.
BALAGH_WHATSAPP_ABANDON_MINUTES = env_int("WHATSAPP_ABANDON_MINUTES", 30, minimum=1)
# A message in the same chat this long after filing asks for the report's status, not for a new one.
BALAGH_WHATSAPP_FOLLOW_UP_HOURS = env_int("WHATSAPP_FOLLOW_UP_HOURS", 24, minimum=0)
BALAGH_WHATSAPP_MAX_BODY_BYTES = env_int("WHATSAPP_MAX_BODY_KB", 512, minimum=1) * 1024

# --- API
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": [
        "municipality.api_parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("BALAGH_API_ANON_RATE") or "120/min"},
    "EXCEPTION_HANDLER": "municipality.api_errors.api_exception_handler",
}
# Integrating systems (channels.api_keys): requests per key; clients without a key get the "anon" rate.
BALAGH_API_KEY_RATE = env_rate("BALAGH_API_KEY_RATE", "600/min")

# --- Open311 GeoReport v2 (channels.open311): the one jurisdiction this endpoint serves. Clients may
# send jurisdiction_id; any other value is refused. Defaults to the site's host name.
OPEN311_JURISDICTION_ID = (env_str("OPEN311_JURISDICTION_ID") or urlparse(SITE_URL).hostname or "balagh").strip()
if not re.fullmatch(r"[A-Za-z0-9._:-]{1,100}", OPEN311_JURISDICTION_ID):
    raise SettingError(
        gettext_noop("OPEN311_JURISDICTION_ID=%(value)r: use a short id without spaces, e.g. the city's domain name."),
        value=OPEN311_JURISDICTION_ID,
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "Balagh API",
    "DESCRIPTION": "Citizens' reports to the municipality: categories, submission, tracking.",
    "VERSION": "1.0.0",
    # Swagger UI served from our own static files: /api/docs/ works without Internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Maps: django-leaflet with its bundled Leaflet; the tile server is a setting.
BALAGH_TILE_URL = env_str("BALAGH_TILE_URL") or "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
BALAGH_MAP_CENTER = (18.30, 42.73)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": BALAGH_MAP_CENTER,
    "DEFAULT_ZOOM": 13,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": [(_("Map"), BALAGH_TILE_URL, {"attribution": "&copy; OpenStreetMap contributors", "maxZoom": 19})],
    "RESET_VIEW": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Browser security headers (docs/security.md). HTTPS settings are on by default in production.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-HTTP health check
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Covering indexes (INCLUDE) are for PostgreSQL; SQLite, the embedded default, builds them without their
# extra columns, which is all it needs (complaints.Event's event_transfer_cover).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not SECURE_HSTS_PRELOAD:
    # Joining the browsers' preload list is hard to undo: a decision for the domain's owner.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_REFERRER_POLICY = "same-origin"  # tracking links carry a secret token: never sent to other sites
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Geolocation only where the citizen form asks for it (municipality.security_headers).
BALAGH_PERMISSIONS_POLICY = "geolocation=(), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()"
_tile_origin = urlsplit(BALAGH_TILE_URL.replace("{s}.", "*."))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],  # style attributes (Leaflet positions its tiles with them)
        "img-src": [SELF, "data:", "blob:", f"{_tile_origin.scheme}://{_tile_origin.netloc}"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
