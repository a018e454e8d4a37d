"""Test settings: the production settings with what a test run needs changed, and nothing more."""

import os

# Tests run the production code paths (DEBUG off), whatever the shell says.
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from otop_portal.settings import *  # noqa: F403
from otop_portal.settings import STORAGES

SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
# Hashed manifest storage needs collectstatic; the finders serve the same files to tests.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOG_FORMAT = "console"
LOGGING["handlers"]["default"]["formatter"] = "console"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = None  # beside each test's own MEDIA_ROOT (tests/conftest.py)
LOGGING["loggers"]["django_structlog"]["level"] = "WARNING"  # noqa: F405
# In-process cache: each test starts empty without needing the database (rate limits work alike).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
