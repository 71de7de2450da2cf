"""Settings shared by every environment; everything that differs comes from environment variables.

Environment modules (``development``, ``test``, ``production``) import this one and only tighten it.
A git-ignored ``.env`` at the project root is read when present; real environment variables win.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# `make run` keeps development keys in .env; a deployment may set DJANGO_READ_DOT_ENV=false to use only
# the process environment.
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # project-wide sub-apps
    "suzhou_childcare.regions",
    "suzhou_childcare.accounts",
    "suzhou_childcare.audit",
    "suzhou_childcare.outbox",
    "suzhou_childcare.workdays",
    "suzhou_childcare.notices",
    "suzhou_childcare.privacy",
    # domain apps, lowest layer first
    "facilities",
    "inspections",
    "training",
    "subsidies",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "suzhou_childcare.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "suzhou_childcare.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "suzhou_childcare.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "suzhou_childcare.middleware.WebAccessMiddleware",
    "suzhou_childcare.accounts.middleware.SecondFactorMiddleware",
    "suzhou_childcare.middleware.ApplicationErrorMiddleware",
    # AxesMiddleware last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "suzhou_childcare.urls"
WSGI_APPLICATION = "suzhou_childcare.wsgi.application"
ASGI_APPLICATION = "suzhou_childcare.asgi.application"

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
                "suzhou_childcare.navigation.navigation",
                "suzhou_childcare.notices.context_processors.unread_notices",
            ],
            "libraries": {"humanize_portal": "suzhou_childcare.templatetags.humanize_portal"},
        },
    },
]

# --- database -------------------------------------------------------------------------------------------
# The embedded default is an SQLite file; DATABASE_URL switches to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT: PostgreSQL compiles any query estimated above jit_above_cost, and the indicator compilation's
    # aggregates (estimated far above their real cost) spent ~1 s each compiling for ~0.1 s of work
    # (bench/indicators.py). The portal's queries are short; JIT does not pay for them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

# --- accounts and sessions ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: the cookie's age is renewed on every request, so it expires after this much inactivity.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failures, keyed on the pair (username, client address).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=0.5)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "suzhou_childcare.accounts.views.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "old_password", "new_password1", "new_password2"]
AXES_IPWARE_PROXY_COUNT = env.int("REVERSE_PROXY_COUNT", default=0) or None

# REST tokens expire; the key is shown once and only its hash is stored.
API_TOKEN_LIFETIME_HOURS = env.int("API_TOKEN_LIFETIME_HOURS", default=12)

# --- personal data ----------------------------------------------------------------------------------------
# Fernet keys, newest first; older ones still decrypt until `manage.py rotate_personal_data_keys` re-encrypts.
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# Key of the keyed hash (blind index) that finds and de-duplicates encrypted values.
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")

# --- language and time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static files ---------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Third-party assets come from npm (`make assets`); nothing of theirs is copied into the repository.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

# --- REST API ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "suzhou_childcare.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["suzhou_childcare.permissions.IsPortalUser"],
    "DEFAULT_PAGINATION_CLASS": "suzhou_childcare.drf.PageSizePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "suzhou_childcare.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "suzhou_childcare.drf.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_MAX_PAGE_SIZE = 100

SPECTACULAR_SETTINGS = {
    "TITLE": "苏州市托育服务监管平台 API",
    "DESCRIPTION": "Childcare supervision portal of the Suzhou health commission. "
    "Obtain a token at /api/v1/auth/token/ and send it as `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["suzhou_childcare.permissions.IsPortalUser"],
}

# --- background jobs --------------------------------------------------------------------------------------
# No broker configured: tasks run in-process right after the enqueuing transaction commits.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hard limit well below the broker's visibility timeout, so a running task is never delivered twice
# merely for being slow.
CELERY_BROKER_VISIBILITY_TIMEOUT = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # A producer facing a dead broker gives up after a few quick tries (the outbox keeps the message)
    # instead of blocking the request that enqueued it.
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 3,
}
CELERY_TASK_TIME_LIMIT = 900
CELERY_TASK_SOFT_TIME_LIMIT = 840
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long the relay leaves a message it could not deliver before the periodic sweep resends it.
OUTBOX_RESEND_AFTER_SECONDS = env.int("OUTBOX_RESEND_AFTER_SECONDS", default=30)
# The indicator compilation groups the units into chunks of about this many facilities, one task each.
INDICATOR_CHUNK_FACILITIES = env.int("INDICATOR_CHUNK_FACILITIES", default=20_000)
INDICATOR_CHUNK_UNITS = env.int("INDICATOR_CHUNK_UNITS", default=500)

# --- notices ----------------------------------------------------------------------------------------------
# In-app notices always; e-mail too when this is on and the account has an address.
NOTICE_EMAIL_ENABLED = env.bool("NOTICE_EMAIL_ENABLED", default=False)
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- mail -------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")

# --- logging ----------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "suzhou_childcare.context.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "suzhou_childcare.views.csrf_failure"
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=10 * 1024 * 1024)

# --- second factor (TOTP) ---------------------------------------------------------------------------------
# Browser logins of every web role (operators included) ask for a six-digit TOTP code after the password once
# the account has a confirmed device (django-otp). With OTP_REQUIRED an account without one is sent to enrolment
# and reaches nothing else. REST tokens never need it: they are issued to API clients, expire and can be revoked.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Suzhou Childcare Portal")
# Exponential back-off after each wrong code (1 s, 2 s, 4 s, …) on the device; wrong codes also count towards
# axes' lockout of (username, address). 0 would switch the back-off off: keep it on.
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_TOTP_THROTTLE_FACTOR", default=1)
AXES_SENSITIVE_PARAMETERS = [*AXES_SENSITIVE_PARAMETERS, "otp_token"]

# --- retention and personal data --------------------------------------------------------------------------

# --- content security policy and rate limits ------------------------------------------------------------
# Every response carries this policy (suzhou_childcare.middleware.SecurityHeadersMiddleware): scripts, styles,
# fonts and images from the portal itself only — no inline script, no inline style attribute or element, no eval;
# pages, Swagger UI (its split view loads its start-up script from a URL) and the charts satisfy it. Empty turns it
# off; CONTENT_SECURITY_POLICY_REPORT_ONLY=true only reports.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY_REPORT_ONLY = env.bool("CONTENT_SECURITY_POLICY_REPORT_ONLY", default=False)
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Rate limits per client address ("count/period", period s, m, h or d; suzhou_childcare/ratelimit.py): the token
# endpoint (DRF throttle), the login form and the public complaint form (page limiter); 429 beyond them.
RATE_LIMIT_API_TOKEN = env.str("RATE_LIMIT_API_TOKEN", default="10/minute")
RATE_LIMIT_LOGIN = env.str("RATE_LIMIT_LOGIN", default="30/minute")
RATE_LIMIT_PUBLIC_COMPLAINT = env.str("RATE_LIMIT_PUBLIC_COMPLAINT", default="5/hour")
# Upload limits. Form fields and bodies other than files: at most 2.5 MB read into memory (larger is a 400).
# Files above 2.5 MB are streamed to a temporary file, never held in memory; materials and evidence are capped
# by MATERIAL_MAX_BYTES, workbooks by their importers (a clear error on the form, not a 500). Every upload form
# takes one file, so a request carrying many is refused. The reverse proxy caps whole bodies
# (client_max_body_size somewhat above MATERIAL_MAX_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- database outages ---
# While the database is down or restarting, requests answer 503 at once (errors/503.html; JSON under /api/) from
# suzhou_childcare.middleware.DatabaseUnavailableMiddleware, placed before the session middleware so that everything
# reading the database runs inside it. A persistent connection (CONN_MAX_AGE) is checked before each request reuses
# it, so one left stale by a restart is replaced instead of failing the request; connecting gives up after a few
# seconds rather than hanging on an unreachable server. tests/faults/test_postgres_restart.py (`make faults`).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True))
if "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "suzhou_childcare.middleware.DatabaseUnavailableMiddleware",
)
