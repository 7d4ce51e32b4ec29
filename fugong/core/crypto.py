"""Personal data encrypted at rest (issue 13: 身份证号, phones, health records) and keyed
hashes to find and de-duplicate it without decrypting.

- ``encrypt``/``decrypt``: AES-256-GCM (the ``cryptography`` package) with a random 96-bit
  nonce; the text stored is ``v1.<key id>.<base64url(nonce + ciphertext + tag)>``. The key id
  names which key sealed it, so keys can be rotated: ``FUGONG_FIELD_KEYS`` lists the keys,
  the first seals, every one opens (old rows stay readable; re-saving a row seals it with
  the first key).
- ``lookup_hash(value, purpose)``: HMAC-SHA256 under a key derived (HKDF) from the first
  field key and the purpose, hex. Equal values give equal hashes, so a column of them is
  indexed and searched exactly (one person, one identity across enterprises) while a stolen
  database without the key gives nothing to try ID numbers against. Rotating the first key
  would change the hashes, so ``FUGONG_LOOKUP_KEY``, when set, is the hashing key instead
  and stays put while the field keys rotate.
- ``EncryptedTextField``: a model field that stores ``encrypt(value)`` and reads the clear
  text back; it cannot be filtered on (use the hash column beside it).

Keys are 32 random bytes in base64url (``fugong field-key`` prints a new one). Production
refuses to start without ``FUGONG_FIELD_KEYS``; the demo keeps one in its data directory; the
tests use a fixed one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """A stored value that no configured key opens (a lost key, or tampering)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("FUGONG_FIELD_KEYS: a key is not base64url") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "FUGONG_FIELD_KEYS: each key is 32 bytes in base64url (`fugong field-key` makes one)"
        )
    return raw


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"fugong-field-key-id" + key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keys(configured: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    if not configured:
        raise ImproperlyConfigured("FUGONG_FIELD_KEYS is not set: personal data cannot be stored")
    return tuple((_key_id(k), k) for k in (_decode_key(t) for t in configured))


def keys() -> tuple[tuple[str, bytes], ...]:
    """(id, key) of each configured key, the sealing one first."""
    return _keys(tuple(settings.FUGONG_FIELD_KEYS))


def sealer() -> Callable[[str], str]:
    """``encrypt`` for many values (an import's 100,000 ID numbers and phones): the key read
    and the cipher made once. Each value: ``v1.<key id>.<base64url(nonce + ciphertext +
    tag)>`` with a fresh random nonce and the key id as associated data."""
    key_id, key = keys()[0]
    cipher = AESGCM(key)
    prefix = f"{VERSION}.{key_id}."
    bound = key_id.encode()
    urandom, b64 = os.urandom, base64.urlsafe_b64encode

    def seal(text: str) -> str:
        nonce = urandom(NONCE_BYTES)
        return prefix + b64(nonce + cipher.encrypt(nonce, text.encode(), bound)).decode().rstrip(
            "="
        )

    return seal


def encrypt(text: str) -> str:
    return sealer()(text)


def decrypt(stored: str) -> str:
    try:
        version, key_id, body = stored.split(".", 2)
    except ValueError:
        raise DecryptionFailed("not an encrypted value") from None
    if version != VERSION:
        raise DecryptionFailed(f"unknown version {version!r}")
    key = dict(keys()).get(key_id)
    if key is None:
        raise DecryptionFailed(f"no configured key has the id {key_id}")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise DecryptionFailed("the value does not open with its key") from exc


@lru_cache(maxsize=32)
def _lookup_key(root: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"fugong-lookup:" + purpose.encode()
    ).derive(root)


def lookup_hash(value: str, purpose: str) -> str:
    """A keyed hash of ``value`` for exact lookup (64 hex digits); ``purpose`` separates the
    hashes of different kinds of value (an ID number's never equals a phone's)."""
    root = _decode_key(settings.FUGONG_LOOKUP_KEY) if settings.FUGONG_LOOKUP_KEY else keys()[0][1]
    return hmac.new(_lookup_key(root, purpose), value.encode(), hashlib.sha256).hexdigest()


def lookup_hasher(purpose: str) -> Callable[[str], str]:
    """``lookup_hash`` for many values of one purpose (the 5,000 ID numbers of a bulk call):
    the key is read and the HMAC keyed once, then copied for each value."""
    root = _decode_key(settings.FUGONG_LOOKUP_KEY) if settings.FUGONG_LOOKUP_KEY else keys()[0][1]
    keyed = hmac.new(_lookup_key(root, purpose), digestmod=hashlib.sha256)

    def digest(value: str) -> str:
        one = keyed.copy()
        one.update(value.encode())
        return one.hexdigest()

    return digest


class EncryptedTextField(models.TextField):
    """Stores the value sealed by ``encrypt``; reads it back in clear. Not searchable: keep a
    ``lookup_hash`` column beside it for exact lookup. An empty value is stored empty."""

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None  # an exact or a contains would compare ciphertexts: use the hash
        return super().get_lookup(lookup_name)
