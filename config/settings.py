"""Settings read from environment variables, with embedded defaults for a first run.

Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_HOST
and leaves DJANGO_DEBUG unset; start-up stops, naming the variable, when one is missing.
The embedded default (no DATABASE_URL -> SQLite in ./var; no REDIS_URL -> Celery tasks run
eagerly in-process; no EMAIL_HOST -> email printed to the console) is only used with
DJANGO_DEBUG=1 or an explicit DJANGO_EMBEDDED=1 (`make run`, the tests).
"""

import os
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)

# Production never falls back to the embedded default silently: a deployment that lost its
# DATABASE_URL would otherwise start on an empty SQLite file, one without REDIS_URL would send
# email inside requests, one without EMAIL_HOST would print customers' email to a log.
REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "REDIS_URL", "EMAIL_HOST")
ALLOW_EMBEDDED = DEBUG or env_bool("DJANGO_EMBEDDED", False)
_missing = [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name, "").strip()]
if _missing and not ALLOW_EMBEDDED:
    raise ImproperlyConfigured(
        f"{' and '.join(_missing)} must be set when DJANGO_DEBUG is off. "
        "Set DJANGO_EMBEDDED=1 to run the embedded demo instead (SQLite, tasks run in-process, "
        "email printed to the console)."
    )
EMBEDDED = not os.environ.get("DATABASE_URL", "").strip()

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or EMBEDDED):
        raise RuntimeError("DJANGO_SECRET_KEY must be set outside the embedded default")
    SECRET_KEY = "embedded-default-insecure-key-do-not-use-in-production-0123456789"

# Calendar sync (calendars.crypto): the Fernet key that encrypts stored CalDAV passwords.
# Production refuses to start without it; the embedded default / DEBUG derive one from
# SECRET_KEY (stable, so stored passwords stay readable across restarts of the demo).
CALENDAR_SECRET_KEY = os.environ.get("CALENDAR_SECRET_KEY", "").strip()
if not CALENDAR_SECRET_KEY:
    if not ALLOW_EMBEDDED:
        raise ImproperlyConfigured(
            "CALENDAR_SECRET_KEY must be set when DJANGO_DEBUG is off (a Fernet key: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())")'
        )
    import base64
    import hashlib

    CALENDAR_SECRET_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(f"calendars:{SECRET_KEY}".encode()).digest()
    ).decode()

_hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()] or (
    ["127.0.0.1", "localhost", "testserver"] if (DEBUG or EMBEDDED) else []
)
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # The Django admin, for superusers only; its URLs exist only when DJANGO_ADMIN_PATH is set.
    "core.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "template_partials",
    "core",
    "contacts",
    "schedules",
    "bookings",
    "appointments",
    "agenda",
    "calendars",
    "invoicing",
    "sessions_backdate",
    "notifications",
    "portal",
    "reports",
    "accounts",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.StripNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.security.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a log-in refused by the throttle into the lockout page (core/accounts/throttle.py).
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    }
]

if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
else:
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The throttle first (it refuses a locked-out log-in before any password is checked), then
# ModelBackend with a user's permissions in one query (core/auth.py).
AUTHENTICATION_BACKENDS = ["core.accounts.throttle.ThrottleBackend", "core.auth.Backend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Days an invitation's set-password link works (accounts.tokens).
INVITE_LINK_DAYS = int(os.environ.get("INVITE_LINK_DAYS", "7"))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or EMBEDDED
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when the broker is down or hangs (paused, or a host that accepts the connection
# and never answers): emails are enqueued after commit inside the request, the outbox row is
# already committed, and the beat sweep (notifications.tasks.outbox_sweep) sends it later.
# Connect within 1 s, read within 2 s (above kombu's 1 s BRPOP wait, which the worker reads
# with the same options), one retry of a refused connection; after a failure the process
# leaves the broker alone for OUTBOX_BROKER_BACKOFF seconds (notifications.services.queue).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
OUTBOX_BROKER_BACKOFF = float(os.environ.get("OUTBOX_BROKER_BACKOFF", "30"))
CELERY_BEAT_SCHEDULE = {
    # Appointment occurrences and open recurring bookings follow the 13-month window.
    "occurrences-extend": {
        "task": "appointments.tasks.occurrences_extend_task",
        "schedule": 6 * 3600.0,
    },
    "login-records-prune": {"task": "core.tasks.login_records_prune_task", "schedule": 86400.0},
    "outbox-sweep": {"task": "notifications.tasks.outbox_sweep", "schedule": 60.0},
    "revenue-fold": {"task": "invoicing.tasks.revenue_fold_task", "schedule": 300.0},
    "form-tokens-purge": {"task": "core.tasks.form_tokens_purge", "schedule": 3600.0},
    # Calendar sync: read external calendars that are due; send CalDAV pushes left pending.
    "calendars-refresh": {"task": "calendars.tasks.calendars_refresh_due", "schedule": 300.0},
    "calendars-push-sweep": {"task": "calendars.tasks.push_sweep", "schedule": 60.0},
    # Nightly at 03:30 (UTC: Celery default): every invoice's cached balances against its
    # ledger rows (`manage.py ledger_verify`); the Outbox page shows the result.
    "ledger-verify": {
        "task": "invoicing.tasks.ledger_verify_task",
        "schedule": crontab(hour=3, minute=30),
    },
}

# Calendar sync: external calendars are read again when due (each one's interval: the admin's,
# else the feed's REFRESH-INTERVAL / X-PUBLISHED-TTL, else this default, in seconds).
CALENDAR_REFRESH_DEFAULT = int(os.environ.get("CALENDAR_REFRESH_DEFAULT", "3600"))
CALENDAR_HTTP_TIMEOUT = float(os.environ.get("CALENDAR_HTTP_TIMEOUT", "10"))
CALENDAR_PUSH_MAX_ATTEMPTS = int(os.environ.get("CALENDAR_PUSH_MAX_ATTEMPTS", "8"))

# --- Email --------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
else:
    # Embedded default: messages stay in the Outbox page and are printed to the console.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bookings@example.test")
# The site's own domain, e.g. for each email's Message-ID (<outbox.123.…@SITE_DOMAIN>, the same
# on every delivery attempt of one outbox message); by default the sender address's domain.
SITE_DOMAIN = os.environ.get("SITE_DOMAIN", "") or (
    parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
)
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
# Seconds before the first retry of a failed delivery; doubles per attempt up to the max.
OUTBOX_RETRY_BACKOFF = float(os.environ.get("OUTBOX_RETRY_BACKOFF", "30"))
OUTBOX_RETRY_BACKOFF_MAX = float(os.environ.get("OUTBOX_RETRY_BACKOFF_MAX", "600"))

# --- Forms --------------------------------------------------------------------------------
# Seconds a form that changes something stays usable after it was shown (core.onetime): an
# older post is refused with "This form is out of date" and changes nothing.
FORM_TOKEN_MAX_AGE = int(os.environ.get("FORM_TOKEN_MAX_AGE", str(7 * 24 * 3600)))

# --- Business -----------------------------------------------------------------------------
CURRENCY = os.environ.get("CURRENCY", "GBP")
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "GB")
DEFAULT_VAT_RATE = Decimal(os.environ.get("DEFAULT_VAT_RATE", "0.20"))
INVOICE_NUMBER_PREFIX = os.environ.get("INVOICE_NUMBER_PREFIX", "INV-")
CREDIT_NOTE_NUMBER_PREFIX = os.environ.get("CREDIT_NOTE_NUMBER_PREFIX", "CN-")
# Seed 002: "Send Booking Email" is offered only when email sending is enabled here (and the
# family has a valid email address).
APPOINTMENT_EMAILS_ENABLED = os.environ.get("APPOINTMENT_EMAILS_ENABLED", "1") not in (
    "0",
    "false",
    "",
)
# Bulk tuition charges: how many Celery tasks share one run (appointments.services.charge_runs).
TUITION_CHARGE_RUN_PARTS = int(os.environ.get("TUITION_CHARGE_RUN_PARTS", "2"))
INVOICE_PAYMENT_TERMS_DAYS = int(os.environ.get("INVOICE_PAYMENT_TERMS_DAYS", "30"))
SELLER = {
    "name": os.environ.get("SELLER_NAME", "Northwind Training Ltd"),
    "address": os.environ.get("SELLER_ADDRESS", "1 Market Street\nLeeds\nLS1 6DT"),
    "email": os.environ.get("SELLER_EMAIL", "accounts@northwind-training.example"),
    "vat_number": os.environ.get("SELLER_VAT_NUMBER", "GB 123 4567 89"),
    "company_number": os.environ.get("SELLER_COMPANY_NUMBER", "01234567"),
}

# --- Log-in throttling, sessions, passwords (core/accounts, README "Production") -----------
# A username with LOGIN_FAILURE_LIMIT failed log-ins, or an address with
# LOGIN_FAILURE_LIMIT_PER_ADDRESS, is refused for LOGIN_LOCKOUT_SECONDS; every further lockout
# of that username or address within a day doubles it, up to LOGIN_LOCKOUT_MAX_SECONDS.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "60"))
LOGIN_LOCKOUT_MAX_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_MAX_SECONDS", "900"))
LOGIN_LOCKOUT_MEMORY_SECONDS = 24 * 3600
# Reverse proxies in front of the app that append the client to X-Forwarded-For (0: none,
# the address is REMOTE_ADDR). Wrong here means every client shares the proxy's address.
LOGIN_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
# Axes' failure and success logs older than this are deleted daily (core.tasks).
LOGIN_RECORDS_KEEP_DAYS = int(os.environ.get("LOGIN_RECORDS_KEEP_DAYS", "90"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = "core.accounts.throttle.cool_off"
AXES_HANDLER = "core.accounts.throttle.ThrottleHandler"
AXES_LOCKOUT_CALLABLE = "core.accounts.throttle.lockout_response"
AXES_USERNAME_CALLABLE = "core.accounts.throttle.client_username"
AXES_CLIENT_IP_CALLABLE = "core.accounts.throttle.client_ip"
# Attempts while locked out do not restart the lockout, so an attacker who keeps trying
# cannot keep the real user out for longer than the lockout itself.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # its lockout rows make the next lockout longer
AXES_ENABLE_ADMIN = False  # unlock with `manage.py axes_reset_username <name>`
AXES_VERBOSE = False

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (8 hours by default;
# core.security.SessionIdleTimeoutMiddleware). The stored session outlives that by an hour so
# that the log-in page can still say why it ended; after that it is gone.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(8 * 3600)))
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT + 3600
# A password reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))

# The Django admin: off unless a path is given (e.g. DJANGO_ADMIN_PATH=ops-7f3c/); on by
# default only in DEBUG (`make run`). Superusers only; it cannot change ledger, outbox,
# history or email template rows (core/admin_site.py).
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "django-admin/" if DEBUG else "").strip("/")

# --- Security headers (core/security.py) --------------------------------------------------
# Pages load scripts and styles only from our own static files: no inline script, style
# attribute or eval (HTMX is told so by the htmx-config meta tag in base.html).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Security (production) ----------------------------------------------------------------
if not (DEBUG or EMBEDDED):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
