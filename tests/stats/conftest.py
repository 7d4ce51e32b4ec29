"""Fixtures of the statistics tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture
def english(client):
    """Tests that match English sentences: services and pages speak English (the default
    language is Chinese; tests/test_translations.py checks every sentence is translated)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
