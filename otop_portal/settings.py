"""Settings for OTOP Portal.

Everything that differs between a laptop and production comes from the environment. With no
environment at all you get the embedded default: SQLite, local media, console email, tasks run
inline. With DJANGO_DEBUG off the portal refuses to start without a real SECRET_KEY.
"""

from pathlib import Path

import environ
import structlog
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; a missing file is fine

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET = "insecure-dev-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment "
            "(or DJANGO_DEBUG=true for local development only)."
        )
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "otop_portal",  # first: its templates and the custom user model
    "producers",
    "partners",
    "matching",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_structlog",
    "simple_history",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "otop_portal.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Ends the session of an account that may no longer be used (otop_portal/access.py).
    "otop_portal.middleware.RefusedAccountMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "otop_portal.urls"
WSGI_APPLICATION = "otop_portal.wsgi.application"
ASGI_APPLICATION = "otop_portal.asgi.application"

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
                "otop_portal.context_processors.navigation",
            ],
        },
    },
    {
        # Row templates of the long tables only, included with {% jinja_include %}
        # (otop_portal/jinja2.py); every page is a Django template.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "otop_portal.jinja2.environment"},
    },
]
# Form widgets through Jinja2 where Django ships a Jinja2 version (the admin's through Django
# templates): a select's options are not an include each (otop_portal/renderers.py, issue 13).
# The pages' own templates stay Django templates.
FORM_RENDERER = "otop_portal.renderers.JinjaFirstRenderer"

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections: a new PostgreSQL connection costs ~6 ms (STACK.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Prepared statements: a statement a connection has run before is not planned again (the
# referral lists spent 6 ms planning ten joins for 2 ms of execution; docs/performance.md,
# issue 13). Needs server-side binding. Off behind a pooler in transaction mode that cannot
# keep prepared statements (PgBouncer before 1.21).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 1}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a request writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: allauth's rate limits need one shared by every worker process ----------------------
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://otop_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Django keeps 300 entries in a database cache and, past that, deletes a third of them in
    # key order: allauth's login limits ("allauth:rl:...") and the kept counts' versions first,
    # so at national size (a key per producer's explained products, per officer's scope ...)
    # the limits would be forgotten and the counts worked out again and again. Room for
    # 20,000 (each write counts the table: about 1 ms at 20,000 rows, 5 ms at 100,000);
    # CACHE_URL=dbcache://otop_cache?MAX_ENTRIES=... says otherwise, redis://... needs none.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "otop_portal.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, the session's user read through a statement (otop_portal/backends.py).
    "otop_portal.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"  # dispatches each role to its own home page
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"

ACCOUNT_ADAPTER = "otop_portal.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OTOP Portal] "
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
# Rate limits are on by default (ACCOUNT_RATE_LIMITS); they are kept in CACHES["default"].

# --- Internationalisation: Thai first ---------------------------------------------------------
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# --- Static files and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Scanned certificates: never under MEDIA_ROOT, served only after a permission check.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {
        # e.g. MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage for object storage
        "BACKEND": env.str(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
if DEBUG:
    # runserver serves from the finders; no collectstatic needed while developing.
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Email ------------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
    if _email.get(_key):
        globals()[_key] = _email[_key]
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OTOP Portal <no-reply@otop.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's address in links of emails sent without a request (notifications, digests).
PORTAL_URL = env.str("PORTAL_URL", default="")
# The portal's name in emails (greeting, signature, subject); empty: "OTOP Portal" translated
# into the recipient's language.
PORTAL_NAME = env.str("PORTAL_NAME", default="")

# --- Background tasks (django-tasks; Django 6's django.tasks later) ---------------------------
TASKS = {
    "default": {
        # Inline by default; django_tasks_db.DatabaseBackend + `manage.py db_worker` in production.
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# --- The client's address behind proxies -------------------------------------------------------
# How many proxies of ours (load balancer, nginx) stand in front of the portal, each adding the
# address it received to X-Forwarded-For. Rate limits (allauth's logins, the API's throttles)
# count the address that many entries from the right: what our own proxies saw, never what the
# client wrote. 0 (the default): X-Forwarded-For is ignored and REMOTE_ADDR is used.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Unset, DRF would take the whole X-Forwarded-For as the client: a forged header each call
    # would escape the anonymous rate limit.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call gets 401 with a WWW-Authenticate header.
        "otop_portal.authentication.PersonalTokenAuthentication",
        # A partner's API keys: "Authorization: Bearer otp_…" (partners/tokens.py).
        "partners.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "otop_portal.api_schema.PortalAutoSchema",  # documents 401/403/404/429
    "DEFAULT_THROTTLE_RATES": {
        "anon": "60/min",
        "user": "600/min",
        # Each partner API key on its own (calls made with it also count as its maker's).
        "partner_key": env.str("API_KEY_RATE", default="1200/hour"),
    },
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "partners.tokens.ApiTokenRateThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OTOP Portal API",
    "DESCRIPTION": "Producers, products, partner channels, matching and referrals.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # assets from our own static files: docs work offline
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Request bodies get their own components: read-only fields are not asked for, and a field
    # that may not be blank says so (minLength 1), as the API checks it.
    "COMPONENT_SPLIT_REQUEST": True,
    # Enums are named after their field; name the shared ones so they do not collide.
    "ENUM_NAME_OVERRIDES": {
        "ChannelKindEnum": "partners.models.ChannelKind",
        "ProducerTypeEnum": "producers.models.ProducerType",
        "ReferralStateEnum": "matching.models.ReferralState",
    },
}

# --- Security ---------------------------------------------------------------------------------
# Django's database sessions, read through a statement compiled once (otop_portal/sessions.py).
SESSION_ENGINE = "otop_portal.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the language switch and forms read nothing from JS; default kept
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Content-Security-Policy (django-csp): everything from the portal's own origin, no inline
# script or style anywhere (templates carry none; tests/core/test_security.py checks), no
# plugins, no framing. CSP_EXTRA_IMG_SRC adds image origins, e.g. an object storage's address
# when MEDIA_STORAGE_BACKEND serves partner logos from there.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, *env.list("CSP_EXTRA_IMG_SRC", default=[])],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (django-permissions-policy): no page of the portal uses these features.
PERMISSIONS_POLICY = dict.fromkeys(  # noqa: RUF024 - the empty lists are only read
    [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "browsing-topics",
    ],
    [],
)

# --- Logging: structured, one JSON object a line in production --------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
# Records from the standard library (Django's own, third parties) get the same fields.
_FOREIGN_PRE_CHAIN = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso"),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer(ensure_ascii=False),
            "foreign_pre_chain": _FOREIGN_PRE_CHAIN,
        },
        "console": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.dev.ConsoleRenderer(colors=False),
            "foreign_pre_chain": _FOREIGN_PRE_CHAIN,
        },
    },
    "handlers": {"default": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["default"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_structlog": {"level": LOG_LEVEL},
        "fontTools": {"level": "WARNING"},  # fpdf2's font subsetting chatters at INFO
    },
}
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)

# --- Personal data (PDPA) ---------------------------------------------------------------------
# django-fernet-encrypted-fields derives its keys from SECRET_KEY (+ SECRET_KEY_FALLBACKS when
# rotating) and these salts: changing either without a fallback makes stored IDs unreadable.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALTS", default=["otop-portal-pdpa-v1"])
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Keyed hash of national IDs for finding duplicates; never rotated with SECRET_KEY.
PII_HASH_KEY = env.str("PII_HASH_KEY", default=SECRET_KEY)

# --- The national register: claim codes (producers/claims.py) ---------------------------------
CLAIM_CODE_VALID_DAYS = env.int("CLAIM_CODE_VALID_DAYS", default=90)
CLAIM_CODES_PER_HOUR = env.int("CLAIM_CODES_PER_HOUR", default=1000)  # per officer
CLAIM_FAILURES_PER_ACCOUNT = 5  # wrong tries in 15 minutes, then a pause
CLAIM_FAILURES_PER_ADDRESS = 20
# Claim letters (PDF) are set in a Thai TrueType font: Debian's fonts-thai-tlwg by default.
THAI_PDF_FONT = env.str("THAI_PDF_FONT", default="/usr/share/fonts/truetype/tlwg/Loma.ttf")
THAI_PDF_FONT_BOLD = env.str(
    "THAI_PDF_FONT_BOLD", default="/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf"
)

# --- Uploads ----------------------------------------------------------------------------------
UPLOAD_MAX_IMAGE_BYTES = env.int("UPLOAD_MAX_IMAGE_BYTES", default=8 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
UPLOAD_MAX_DOCUMENT_BYTES = env.int("UPLOAD_MAX_DOCUMENT_BYTES", default=10 * 1024 * 1024)
PRIVACY_NOTICE_VERSION = "2025-11"

# --- Portal -----------------------------------------------------------------------------------
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# Spreadsheet exports of up to this many rows are made during the request; larger ones by a
# background task, and the officer is notified when the file is ready.
EXPORT_INLINE_ROWS = env.int("EXPORT_INLINE_ROWS", default=5000)
# Export files hold personal data: removed this many days after they were made.
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=30)
# How long a queue's or a list's count may lag a change that no service announces (a
# re-score); the services' own changes show at once (otop_portal/counts.py). 0: no cache.
COUNTS_CACHE_SECONDS = env.int("COUNTS_CACHE_SECONDS", default=60)
# How long the officers' dashboard keeps its figures (seconds; 0: worked out on every visit).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# How long the image links in a partner's listing feed work without a login.
FEED_IMAGE_LINK_HOURS = env.int("FEED_IMAGE_LINK_HOURS", default=72)
