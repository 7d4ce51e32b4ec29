"""Personal data encrypted at rest (issue 13): AES-GCM with a key id so keys rotate, refusal
of a value tampered with or sealed by an unknown key, keyed lookup hashes per purpose."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from fugong.core import crypto

OLD = crypto.new_key()
NEW = crypto.new_key()


def test_a_value_comes_back_and_is_not_stored_in_clear():
    sealed = crypto.encrypt("110101199003074514")
    assert "110101199003074514" not in sealed and sealed.startswith("v1.")
    assert crypto.decrypt(sealed) == "110101199003074514"
    # A fresh nonce each time: the same value never looks the same twice.
    assert crypto.encrypt("110101199003074514") != sealed
    assert crypto.decrypt(crypto.encrypt("张三 13812345678")) == "张三 13812345678"


def test_a_tampered_value_or_an_unknown_key_is_refused():
    sealed = crypto.encrypt("secret")
    version, key_id, body = sealed.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    for bad in (f"{version}.{key_id}.{flipped}", f"{version}.00000000.{body}", "plain", "v9.x.y"):
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt(bad)


def test_keys_rotate_the_old_still_open_and_the_new_one_seals():
    with override_settings(FUGONG_FIELD_KEYS=[OLD]):
        before = crypto.encrypt("old row")
    with override_settings(FUGONG_FIELD_KEYS=[NEW, OLD]):
        assert crypto.decrypt(before) == "old row"
        after = crypto.encrypt("new row")
    with override_settings(FUGONG_FIELD_KEYS=[NEW]):
        assert crypto.decrypt(after) == "new row"
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt(before)  # its key is gone


def test_lookup_hashes_are_exact_keyed_and_separated_by_purpose():
    a = crypto.lookup_hash("110101199003074514", "id_number")
    assert a == crypto.lookup_hash("110101199003074514", "id_number") and len(a) == 64
    assert a != crypto.lookup_hash("110101199003074515", "id_number")
    assert a != crypto.lookup_hash("110101199003074514", "phone")
    with override_settings(FUGONG_FIELD_KEYS=[NEW]):
        assert crypto.lookup_hash("110101199003074514", "id_number") != a  # keyed
        # A lookup key of its own keeps the hashes through a rotation.
        with override_settings(FUGONG_LOOKUP_KEY=OLD):
            kept = crypto.lookup_hash("x", "id_number")
    with override_settings(FUGONG_FIELD_KEYS=[OLD, NEW], FUGONG_LOOKUP_KEY=OLD):
        assert crypto.lookup_hash("x", "id_number") == kept


@pytest.mark.parametrize("keys", [[], ["short"], ["!!!not base64!!!"]])
def test_a_missing_or_malformed_key_is_a_configuration_error(keys):
    with override_settings(FUGONG_FIELD_KEYS=keys), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_the_command_prints_a_usable_key():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("field_key", stdout=out)
    key = out.getvalue().strip()
    with override_settings(FUGONG_FIELD_KEYS=[key]):
        assert crypto.decrypt(crypto.encrypt("ok")) == "ok"


def test_the_field_stores_sealed_reads_clear_and_refuses_to_be_searched():
    field = crypto.EncryptedTextField()
    stored = field.get_prep_value("110101199003074514")
    assert stored.startswith("v1.") and "1101011990" not in stored
    assert field.from_db_value(stored, None, None) == "110101199003074514"
    assert field.get_prep_value("") == "" and field.from_db_value(None, None, None) is None
    assert field.get_lookup("isnull") is not None
    for lookup in ("exact", "icontains", "startswith"):
        assert field.get_lookup(lookup) is None  # ciphertexts never match: use the hash
