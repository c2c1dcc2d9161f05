"""Byte encodings shared by the crypto modules (specified in docs/envelope.md).

Everything that is authenticated (AES-GCM associated data, HPKE ``info``) is built from
length-prefixed parts, never from strings joined with separators: with separators,
("a:b", "c") and ("a", "b:c") would authenticate the same bytes and a ciphertext could be
moved between them.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Final

from lovhub.crypto.errors import CryptoError, DecryptionError

__all__ = [
    "DATA_KEY_ID_LEN",
    "DATA_KEY_LEN",
    "ENVELOPE_HEADER_LEN",
    "ENVELOPE_VERSION",
    "MAX_LIST_ITEMS",
    "NONCE_LEN",
    "TAG_LEN",
    "Value",
    "data_key_info",
    "dead_letter_info",
    "decode_value",
    "encode_value",
    "envelope_header",
    "field_aad_prefix",
    "lp",
    "lp_str",
]

#: A field value the envelope can carry; it comes back from decryption with the same type.
Value = str | int | bool | None | list[str]

ENVELOPE_VERSION: Final = 0x01
DATA_KEY_LEN: Final = 32  # AES-256
DATA_KEY_ID_LEN: Final = 16
NONCE_LEN: Final = 12  # AES-GCM's standard nonce; random per field
TAG_LEN: Final = 16
ENVELOPE_HEADER_LEN: Final = 2 + DATA_KEY_ID_LEN + NONCE_LEN
MAX_LIST_ITEMS: Final = 1024  # "small lists": bounds the work a malformed value can cause

_TAG_NULL: Final = 0x00
_TAG_BOOL: Final = 0x01
_TAG_LONG: Final = 0x02
_TAG_STRING: Final = 0x03
_TAG_STRING_LIST: Final = 0x04

_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")
_NULL_BYTES: Final = bytes([_TAG_NULL])
_FALSE_BYTES: Final = bytes([_TAG_BOOL, 0])
_TRUE_BYTES: Final = bytes([_TAG_BOOL, 1])
_LONG_PREFIX: Final = bytes([_TAG_LONG])
_STRING_PREFIX: Final = bytes([_TAG_STRING])

_DATA_KEY_LABEL: Final = b"lovhub-data-key-v1"
_DEAD_LETTER_LABEL: Final = b"lovhub-dead-letter-v1"


def lp(data: bytes) -> bytes:
    """``data`` prefixed with its length as a 4-byte big-endian unsigned integer."""
    return _U32.pack(len(data)) + data


def lp_str(text: str) -> bytes:
    return lp(text.encode("utf-8"))


def envelope_header(suite_number: int, data_key_id: bytes) -> bytes:
    """The envelope's first 18 bytes: version, suite, data key id."""
    return bytes((ENVELOPE_VERSION, suite_number)) + data_key_id


def field_aad_prefix(
    suite_number: int, data_key_id: bytes, recipient_id: str, key_id: str
) -> bytes:
    """The part of a field's associated data that is the same for every field of a data key.

    The full AAD appends ``lp(topic) || lp(event_id) || lp(path)``; constant parts come first
    so the hot path only appends the per-record and per-field parts.
    """
    return envelope_header(suite_number, data_key_id) + lp_str(recipient_id) + lp_str(key_id)


def data_key_info(suite_id: str, recipient_id: str, key_id: str, data_key_id: bytes) -> bytes:
    """HPKE ``info`` for wrapping a data key: binds it to its recipient, key and suite."""
    return (
        lp(_DATA_KEY_LABEL) + lp_str(suite_id) + lp_str(recipient_id) + lp_str(key_id)
    ) + data_key_id


def dead_letter_info(suite_id: str, key_id: str, dead_letter_id: str) -> bytes:
    """HPKE ``info`` for a dead-letter payload: binds it to its dead-letter record."""
    return lp(_DEAD_LETTER_LABEL) + lp_str(suite_id) + lp_str(key_id) + lp_str(dead_letter_id)


def encode_value(value: Value) -> bytes:
    """Canonical plaintext of a field value: a type tag, then the value's bytes."""
    if type(value) is str:  # the common case first: this runs once per encrypted field
        try:
            return _STRING_PREFIX + value.encode("utf-8")
        except UnicodeEncodeError:
            raise CryptoError("field value cannot be encoded (not UTF-8)") from None
    # bool before int: True is an int in Python, but must come back as a bool.
    if value is None:
        return _NULL_BYTES
    if value is True:
        return _TRUE_BYTES
    if value is False:
        return _FALSE_BYTES
    if isinstance(value, int):
        try:
            return _LONG_PREFIX + _I64.pack(value)
        except struct.error:
            raise CryptoError("field value out of range for a 64-bit integer") from None
    if isinstance(value, str):  # a str subclass
        return encode_value(str(value))
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return _encode_string_list(value)
    raise CryptoError("unsupported field value type")


def _encode_string_list(items: Sequence[str]) -> bytes:
    if len(items) > MAX_LIST_ITEMS:
        raise CryptoError("field value list is too long")
    try:
        parts = [lp(item.encode("utf-8")) for item in items]
    except UnicodeEncodeError:
        raise CryptoError("field value cannot be encoded (not UTF-8)") from None
    return bytes([_TAG_STRING_LIST]) + _U32.pack(len(items)) + b"".join(parts)


def decode_value(data: bytes) -> Value:
    """Inverse of :func:`encode_value`; anything not canonical is a :class:`DecryptionError`."""
    if not data:
        raise DecryptionError("malformed value")
    tag, body = data[0], data[1:]
    try:
        if tag == _TAG_STRING:
            return body.decode("utf-8")
        if tag == _TAG_NULL and not body:
            return None
        if tag == _TAG_BOOL and body in (b"\x00", b"\x01"):
            return body == b"\x01"
        if tag == _TAG_LONG and len(body) == _I64.size:
            return int(_I64.unpack(body)[0])
        if tag == _TAG_STRING_LIST:
            return _decode_string_list(body)
    except UnicodeDecodeError:
        pass
    raise DecryptionError("malformed value")


def _decode_string_list(body: bytes) -> list[str]:
    if len(body) < _U32.size:
        raise DecryptionError("malformed value")
    (count,) = _U32.unpack_from(body)
    if count > MAX_LIST_ITEMS:
        raise DecryptionError("malformed value")
    items: list[str] = []
    offset = _U32.size
    for _ in range(count):
        if offset + _U32.size > len(body):
            raise DecryptionError("malformed value")
        (size,) = _U32.unpack_from(body, offset)
        offset += _U32.size
        if offset + size > len(body):
            raise DecryptionError("malformed value")
        items.append(body[offset : offset + size].decode("utf-8"))
        offset += size
    if offset != len(body):  # trailing bytes: not the canonical encoding
        raise DecryptionError("malformed value")
    return items
