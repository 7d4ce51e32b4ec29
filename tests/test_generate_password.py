"""Generated passwords follow the site's password rules, whatever minimum length it sets."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.test import override_settings

from fugong.demo.generator import generate_password


def _with_min_length(n: int) -> list[dict]:
    validators = copy.deepcopy(settings.AUTH_PASSWORD_VALIDATORS)
    for v in validators:
        if v["NAME"].endswith("MinimumLengthValidator"):
            v["OPTIONS"] = {"min_length": n}
    return validators


def test_a_longer_minimum_gives_a_longer_password(monkeypatch):
    from django.contrib.auth import password_validation

    calls = []
    real = password_validation.validate_password

    def counted(password, *args, **kwargs):  # a generator that never grows would loop for ever
        calls.append(password)
        if len(calls) > 1000:
            raise RuntimeError("no acceptable password after 1,000 tries")
        return real(password, *args, **kwargs)

    monkeypatch.setattr(password_validation, "validate_password", counted)
    with override_settings(AUTH_PASSWORD_VALIDATORS=_with_min_length(16)):
        word = generate_password()
        validate_password(word)
    assert len(word) >= 16 and word.isalnum()


def test_the_default_rules_give_twelve_characters():
    word = generate_password()
    validate_password(word)
    assert len(word) == 12
