"""Configuration from the environment; production refuses to start without what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent


def load_settings(module: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("FUGONG_", "DATABASE_URL"))
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": module, "FUGONG_DATA_DIR": "/tmp/fugong-settings-test", **extra}
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_refuses_to_start_and_names_what_is_missing():
    result = load_settings("config.settings.prod", {})
    assert result.returncode != 0
    for name in ("FUGONG_SECRET_KEY", "FUGONG_ALLOWED_HOSTS", "DATABASE_URL", "FUGONG_FIELD_KEYS"):
        assert name in result.stderr
    assert "docs/configuration.md" in result.stderr


def test_production_starts_when_configured():
    result = load_settings(
        "config.settings.prod",
        {
            "FUGONG_SECRET_KEY": "x" * 50,
            "FUGONG_ALLOWED_HOSTS": "fugong.example.gov.cn",
            "DATABASE_URL": "postgres://u@db/fugong",
            "FUGONG_FIELD_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS0zMi1ieXRlcyEhISE",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


def test_default_database_is_sqlite_in_the_data_dir():
    result = load_settings("config.settings.dev", {})
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_sqlite_uses_wal(settings):
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert "journal_mode=WAL" in options["init_command"]


def test_bad_boolean_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("FUGONG_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FUGONG_DEBUG"):
        env.env_bool("FUGONG_DEBUG")


def test_bad_number_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("FUGONG_SESSION_IDLE_MINUTES", "ten")
    with pytest.raises(ImproperlyConfigured, match="FUGONG_SESSION_IDLE_MINUTES"):
        env.env_int("FUGONG_SESSION_IDLE_MINUTES", 120)


def test_client_ip_behind_proxies(settings, rf):
    from fugong.core.middleware import client_ip

    request = rf.get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.1.1, 10.0.0.9", REMOTE_ADDR="10.0.0.2"
    )
    settings.FUGONG_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.FUGONG_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.9"
    settings.FUGONG_PROXY_COUNT = 2
    assert client_ip(request) == "10.1.1.1"
