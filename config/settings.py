"""Lexmeet settings: one module, every deployment value from the environment.

Embedded default (no environment): SQLite in immediate-transaction mode and the
in-memory channel layer. Real deployment: ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL`` (channel layer and cache shared by several Daphne processes).
With ``DEBUG`` off the process refuses to start without a real ``SECRET_KEY``
and the security settings satisfy ``manage.py check --deploy``.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# pytest (>= 8.2) exports PYTEST_VERSION while it runs.
TESTING = "PYTEST_VERSION" in os.environ

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# With DEBUG off, a missing or development secret is an error that stops the server
# (config/asgi.py) and every command that runs system checks (config/checks.py:
# check, send_reminders, ...). Commands that sign nothing and skip checks
# (makemigrations) still work in a bare checkout; the process gets a throwaway key.
SECRET_KEY_PROBLEM = ""
if not (DEBUG or TESTING):
    if not SECRET_KEY:
        SECRET_KEY_PROBLEM = "SECRET_KEY must be set when DEBUG is off."
    elif SECRET_KEY == _DEV_SECRET:
        SECRET_KEY_PROBLEM = "SECRET_KEY is the development default; set a real one."
if not SECRET_KEY:
    SECRET_KEY = _DEV_SECRET if (DEBUG or TESTING) else secrets.token_urlsafe(50)
# Rotation: the previous key(s) still verify sessions, join tickets and password-reset
# links until they expire (docs/operations.md, "Key rotation").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if (DEBUG or TESTING) else "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "config.apps.SiteConfig",
    "daphne",
    "config.apps.OtpAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "accounts",
    "scheduling",
    "video",
    "notary",
]

MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",  # first: request id and one JSON line per request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.ApiSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.OTPRequiredMiddleware",
    "config.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite: every transaction starts with BEGIN IMMEDIATE, so writers are serialized
# and a check-then-insert inside one transaction cannot race (Django >= 5.1).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Under ASGI every request may run on a new thread: persistent connections would pile
    # up one per thread (Django docs, "Persistent connections" and ASGI), so close them.
    # Health checks: a connection that a PostgreSQL restart broke is replaced at the next
    # request instead of failing it (matters whenever CONN_MAX_AGE is raised for a pooler).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)}
    # Give up connecting after a few seconds (a restarting server) rather than hang the request.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis with a pool that queues past 100 connections (config/layers.py).
            "BACKEND": "config.layers.RedisChannelLayer",
            # channels_redis drops silently past `capacity` (default 100) queued
            # messages per channel; a negotiation burst must never hit that.
            # The socket timeout must outlast channels_redis' 5 s blocking BZPOPMIN: redis-py
            # 8 defaults it to 5 s, so an idle socket's receive raised TimeoutError and
            # killed the consumer (found by tests/e2e on two Daphne processes). It is also how
            # long a join can hang on a connection a Redis restart left dead (tests/faults:
            # 30 s made the rejoin after a restart miss its 30 s), so just above the 15 s margin.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 16, "socket_connect_timeout": 5}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    # config.cache: a Redis outage turns cache calls into misses (bookings go on); short timeouts.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1500}}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login lockout (django-axes); must come first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failures for one (email, client
# address) pair, sign-in answers 429 for LOGIN_FAILURE_WINDOW_SECONDS, whatever the password.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.services.axes_username"
SILENCED_SYSTEM_CHECKS = ["axes.W002"]  # no AxesMiddleware on purpose, see above
# No AxesMiddleware: accounts.services.user_authenticate turns a lockout into our own 429
# error body (API) or form error (page) instead of axes' plain-text response.
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0")) or None

# Two-factor authentication (django-otp, TOTP) for notaries and staff (accounts/otp.py).
# A wrong code makes the next try wait 1, 2, 4, 8 ... seconds (per device).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Lexmeet")
# The admin never shows a device's secret key or its QR code (django-otp's config/qrcode views answer 403;
# without this they needed the qrcode package and answered 500). Enrolment is the user's own page.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_THROTTLE_FACTOR = int(os.environ.get("OTP_TOTP_THROTTLE_FACTOR", "1"))

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
# collectstatic's target; nginx serves it (deploy/nginx/lexmeet-locations.conf).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# --- Notary -----------------------------------------------------------------
# Largest accepted document upload (bytes), the office signing keys (outside the
# repository), and an optional CJK TrueType font for certificates.
NOTARY_MAX_UPLOAD_BYTES = int(os.environ.get("NOTARY_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
NOTARY_KEY_DIR = Path(os.environ.get("NOTARY_KEY_DIR", str(BASE_DIR / "var" / "keys")))
NOTARY_CJK_FONT = os.environ.get("NOTARY_CJK_FONT", "")
# Key of the HMAC that lets two identity checks of one document be matched without
# storing its number (notary/identity.py). Empty: derived from SECRET_KEY; set it
# so that rotating SECRET_KEY does not break the matching of older checks.
IDENTITY_HASH_KEY = os.environ.get("IDENTITY_HASH_KEY", "")

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "emails"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP call gives up: emails go out right after a booking commits.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Lexmeet <no-reply@lexmeet.local>")

# --- Video ----------------------------------------------------------------
TURN_URLS = env_list("TURN_URLS")
TURN_SECRET = os.environ.get("TURN_SECRET", "")
STUN_URLS = env_list("STUN_URLS", "stun:stun.l.google.com:19302")
# A room closes this long after its appointment ends (TURN credentials last as long).
VIDEO_ROOM_GRACE_MINUTES = int(os.environ.get("VIDEO_ROOM_GRACE_MINUTES", "15"))
# Signaling frames per socket: a burst of this many, refilled at this rate (then close 4429).
VIDEO_RATE_BURST = int(os.environ.get("VIDEO_RATE_BURST", "300"))
VIDEO_RATE_PER_SECOND = float(os.environ.get("VIDEO_RATE_PER_SECOND", "100"))

# --- Rate limits (config/throttles.py) ---------------------------------------
# Per client address (login, register) or per user (the rest), counted in the default
# cache (Redis with REDIS_URL, so shared by every process). Generous: a person never
# meets them; a script hammering the service does.
THROTTLE_RATES = {
    "login": os.environ.get("THROTTLE_LOGIN", "30/minute"),
    "register": os.environ.get("THROTTLE_REGISTER", "20/hour"),
    "booking": os.environ.get("THROTTLE_BOOKING", "60/minute"),
    "upload": os.environ.get("THROTTLE_UPLOAD", "120/hour"),
    # The notary's page sends a recording chunk every 4 s (15/minute) plus retries.
    "recording": os.environ.get("THROTTLE_RECORDING", "60/minute"),
    # CSP violation reports, per client address: a broken page reports on each load, not more.
    "csp_report": os.environ.get("THROTTLE_CSP_REPORT", "120/minute"),
}

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header lets DRF answer 401, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Client address for the per-address limits: X-Forwarded-For is believed only for the
    # PROXY_COUNT proxies we run (0: the socket's address; a client cannot pick its own).
    "NUM_PROXIES": int(os.environ.get("PROXY_COUNT", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lexmeet API",
    "DESCRIPTION": "Public legal services at a distance: scheduling, video rooms and remote notarization.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProviderKindEnum": "scheduling.models.ProviderKind",
        "OrganizationKindEnum": "scheduling.models.OrganizationKind",
    },
}

# --- Security (all on whenever DEBUG is off) -------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Cookies: no script reads the session, CSRF or language cookie (pages take the CSRF
# token from the form field every page has); Lax keeps them off cross-site POSTs.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# Content Security Policy (django-csp): scripts and styles only from our own static
# files (no inline code anywhere in templates/), WebSocket signaling to this origin
# ('self' covers ws:/wss: of the same host, CSP Level 3), camera and remote streams
# as blob:/mediastream: media, no framing, no plugins; violations reported to /csp-report/.
_CSP_REPORT_URI = os.environ.get("CSP_REPORT_URI", "/csp-report/")
_WS_ORIGIN = SITE_URL.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "media-src": [SELF, "blob:", "mediastream:"],
        "connect-src": [SELF, _WS_ORIGIN],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # Violations are logged by config/csp_reports.py; CSP_REPORT_URI sends them elsewhere ("" for none).
        **({"report-uri": _CSP_REPORT_URI} if _CSP_REPORT_URI else {}),
    }
}
# Browser features: camera and microphone for our own pages (the video room), nothing else.
PERMISSIONS_POLICY = "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()"

# JSON lines on stderr, secrets and tokens redacted (config/logs.py); LOG_FORMAT=text for
# a human-readable console. The test run keeps to WARNING unless LOG_LEVEL says otherwise.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING" if TESTING else "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logs.RedactFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if os.environ.get("LOG_FORMAT") == "text" else "json",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Our own request line replaces django.request's 4xx warnings; its errors (with tracebacks) stay.
    "loggers": {"django.request": {"level": "ERROR"}},
}
