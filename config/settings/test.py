"""Settings for the test suite. DATABASE_URL picks SQLite or PostgreSQL."""

import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
FUGONG_FIELD_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0zMi1ieXRlcyEhISE"]  # 32 bytes, tests only
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="fugong-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="fugong-test-static-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The API's fast lane writes on the request's own connection (inside the test's transaction),
# not from its writing thread (fugong/core/fastlane.py).
FUGONG_FASTLANE_THREAD = False
