"""Keys: ids, public key text form, private key files, choosing the current key."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.crypto import (
    MLKEM768_X25519,
    X25519,
    KeyFormatError,
    MissingKeyError,
    RecipientPrivateKey,
    RecipientPublicKey,
    derive_key_id,
    generate_key_pair,
    parse_public_key,
    private_key_from_text,
    private_key_to_text,
    read_private_key_file,
    select_current_key,
    suite_by_id,
    suite_by_name,
    suite_by_number,
    write_private_key_file,
)
from tests.unit.crypto.conftest import VALID_FROM, VALID_TO, key_for

PASSPHRASE = "correct horse battery staple"


def test_suite_ids_are_stable_and_distinct() -> None:
    assert (X25519.suite_id, X25519.number) == ("x25519-hkdf256-aes256gcm", 0x01)
    assert (MLKEM768_X25519.suite_id, MLKEM768_X25519.number) == (
        "mlkem768x25519-hkdf256-aes256gcm",
        0x02,
    )
    for suite in (X25519, MLKEM768_X25519):
        assert suite_by_id(suite.suite_id) is suite
        assert suite_by_number(suite.number) is suite
        assert suite_by_name(suite.name) is suite
    assert suite_by_number(0) is None
    assert suite_by_id("x25519") is None


def test_key_id_is_derived_from_the_public_key(private_key: RecipientPrivateKey) -> None:
    public = private_key.public_key()
    assert private_key.key_id == hashlib.sha256(public.public_bytes).hexdigest()[:16]
    assert derive_key_id(public.public_bytes) == private_key.key_id
    assert len(public.public_bytes) == private_key.suite.public_key_len


def test_given_key_id_is_kept() -> None:
    key = generate_key_pair(X25519, valid_from=VALID_FROM, key_id="provider-2026")
    assert key.key_id == "provider-2026"


def test_public_key_text_round_trips(private_key: RecipientPrivateKey) -> None:
    public = private_key.public_key()
    text = public.to_text()
    assert text.startswith(f"lovhub-pk-v1:{private_key.suite.suite_id}:{private_key.key_id}:")
    assert parse_public_key(text) == public
    assert parse_public_key(f"  {text}\n") == public


def test_open_ended_key_text_round_trips() -> None:
    public = generate_key_pair(X25519, valid_from=VALID_FROM).public_key()
    assert public.valid_to is None
    assert ":-:" in public.to_text()
    assert parse_public_key(public.to_text()) == public


def _variants(text: str) -> list[str]:
    prefix, suite, key_id, start, end, body = text.split(":")
    return [
        "",
        "lovhub-pk-v1",
        text.replace("lovhub-pk-v1", "lovhub-pk-v2"),
        ":".join((prefix, "x25519", key_id, start, end, body)),  # short name is not a suite id
        ":".join((prefix, suite, "Key_Id", start, end, body)),
        ":".join((prefix, suite, key_id, "2026-01-01", end, body)),
        ":".join((prefix, suite, key_id, start, "20261399T000000Z", body)),
        ":".join((prefix, suite, key_id, end, start, body)),  # empty validity
        ":".join((prefix, suite, key_id, start, end, body[:-1])),  # wrong length
        ":".join((prefix, suite, key_id, start, end, body + "=")),  # padding
        ":".join((prefix, suite, key_id, start, end, body[:-1] + "+")),  # not base64url
        ":".join((prefix, suite, key_id, start, end, body, "extra")),
    ]


@pytest.mark.parametrize("index", range(12))
def test_malformed_key_texts_are_rejected(index: int) -> None:
    text = key_for(X25519).public_key().to_text()
    with pytest.raises(KeyFormatError) as raised:
        parse_public_key(_variants(text)[index])
    assert raised.value.code == "KEY_FORMAT_INVALID"


def test_non_canonical_base64_is_rejected() -> None:
    text = key_for(X25519).public_key().to_text()
    head, body = text.rsplit(":", 1)
    # 32 bytes encode to 43 characters: the last holds 2 unused bits that must be zero.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(body[-1])
    assert last & 0b11 == 0
    with pytest.raises(KeyFormatError):
        parse_public_key(f"{head}:{body[:-1]}{alphabet[last | 1]}")


def test_invalid_mlkem_public_key_is_rejected() -> None:
    public = key_for(MLKEM768_X25519).public_key()
    broken = b"\xff" * 1184 + public.public_bytes[1184:]  # coefficients out of range
    with pytest.raises(KeyFormatError):
        RecipientPublicKey(public.key_id, public.suite, broken, VALID_FROM)


@given(st.text(max_size=200))
def test_garbage_never_parses_and_never_echoes(garbage: str) -> None:
    with pytest.raises(KeyFormatError) as raised:
        parse_public_key(garbage)
    if len(garbage.strip()) > 3:
        assert garbage.strip() not in str(raised.value)


def test_naive_times_are_rejected() -> None:
    with pytest.raises(KeyFormatError):
        generate_key_pair(X25519, valid_from=datetime(2026, 1, 1))


def test_private_key_repr_hides_the_key(private_key: RecipientPrivateKey) -> None:
    assert private_key.private_bytes.hex() not in repr(private_key)
    assert "private_bytes" not in repr(private_key)


def test_key_file_is_owner_only_and_round_trips(
    private_key: RecipientPrivateKey, tmp_path: Path
) -> None:
    path = tmp_path / "keys" / "provider.key"
    write_private_key_file(path, private_key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_private_key_file(path) == private_key


def test_existing_world_readable_file_becomes_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "provider.key"
    path.write_text("old")
    path.chmod(0o644)
    write_private_key_file(path, key_for(X25519))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_passphrase_protected_file(private_key: RecipientPrivateKey, tmp_path: Path) -> None:
    path = tmp_path / "provider.key"
    write_private_key_file(path, private_key, PASSPHRASE, scrypt_log2_n=14)
    content = path.read_text()
    assert private_key.private_bytes.hex() not in content
    assert json.loads(content)["protection"] == "scrypt-aes256gcm"
    assert read_private_key_file(path, PASSPHRASE) == private_key
    with pytest.raises(KeyFormatError, match="PASSPHRASE_REQUIRED"):
        read_private_key_file(path)
    with pytest.raises(KeyFormatError, match="WRONG_PASSPHRASE_OR_TAMPERED"):
        read_private_key_file(path, "wrong horse battery staple")
    with pytest.raises(KeyFormatError, match="EMPTY_PASSPHRASE"):
        read_private_key_file(path, "")


def test_protected_file_header_cannot_be_changed() -> None:
    key = key_for(X25519)
    doc = json.loads(private_key_to_text(key, PASSPHRASE, scrypt_log2_n=14))
    longer = (VALID_TO + timedelta(days=3650)).strftime("%Y%m%dT%H%M%SZ")
    for field, value in (("key_id", "someone-else"), ("valid_to", longer)):
        tampered = json.dumps({**doc, field: value})
        with pytest.raises(KeyFormatError, match="WRONG_PASSPHRASE_OR_TAMPERED"):
            private_key_from_text(tampered, PASSPHRASE)


def test_unprotected_file_with_passphrase_is_refused() -> None:
    with pytest.raises(KeyFormatError, match="NOT_PASSPHRASE_PROTECTED"):
        private_key_from_text(private_key_to_text(key_for(X25519)), PASSPHRASE)


@pytest.mark.parametrize(
    "text", ["", "{}", "[]", "not json", '{"format": "lovhub-sk-v1"}', '{"format": "other"}']
)
def test_malformed_key_files_are_rejected(text: str) -> None:
    with pytest.raises(KeyFormatError):
        private_key_from_text(text)


def test_key_file_with_excessive_scrypt_cost_is_refused() -> None:
    doc = json.loads(private_key_to_text(key_for(X25519), PASSPHRASE, scrypt_log2_n=14))
    doc["kdf"]["log2_n"] = 30  # would need 128 GiB to even try
    with pytest.raises(KeyFormatError, match="BAD_KDF_PARAMETERS"):
        private_key_from_text(json.dumps(doc), PASSPHRASE)


def test_missing_file_is_a_key_format_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFormatError):
        read_private_key_file(tmp_path / "absent.key")


def test_select_current_key_picks_the_newest_valid_one() -> None:
    old = key_for(X25519).public_key()
    new = dataclasses.replace(
        key_for(X25519, "next").public_key(), valid_from=VALID_FROM + timedelta(days=30)
    )
    at = datetime(2026, 1, 15, tzinfo=UTC).timestamp()
    assert select_current_key([old, new], at) == old
    later = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    assert select_current_key([old, new], later) == new
    with pytest.raises(MissingKeyError):
        select_current_key([old, new], VALID_TO.timestamp())
    with pytest.raises(MissingKeyError):
        select_current_key([], later)
