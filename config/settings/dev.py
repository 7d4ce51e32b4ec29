"""Local and demo use: one machine, SQLite, no other server."""

from config.env import env_bool, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import DATA_DIR


def _local_secret_key() -> str:
    """A random key kept in the data directory, so sessions survive restarts."""
    from django.core.management.utils import get_random_secret_key

    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


def _local_field_key() -> list[str]:
    """A random field key kept in the data directory (the demo's personal data stays readable
    across restarts; production sets FUGONG_FIELD_KEYS and keeps it away from the data)."""
    import base64
    import os

    path = DATA_DIR / "field_key"
    if not path.exists():
        path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))
        path.chmod(0o600)
    return [path.read_text().strip()]


DEBUG = env_bool("FUGONG_DEBUG", False)
SECRET_KEY = env_str("FUGONG_SECRET_KEY") or _local_secret_key()
FUGONG_FIELD_KEYS = FUGONG_FIELD_KEYS or _local_field_key()  # noqa: F405
