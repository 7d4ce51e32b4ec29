"""Production: everything required must be set, or start-up stops with a clear message."""

from config.env import env_bool, env_int, require
from config.settings.base import *  # noqa: F403

require(["FUGONG_SECRET_KEY", "FUGONG_ALLOWED_HOSTS", "DATABASE_URL", "FUGONG_FIELD_KEYS"])

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("FUGONG_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("FUGONG_HSTS_SECONDS", 0)
