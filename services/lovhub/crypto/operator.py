"""Sealing rejected input for the dead-letter topic, readable by operators only.

A dead-letter payload is rare and may be anything (it failed validation), so it is sealed
whole with HPKE single-shot to the operators' public key, no data key involved. HPKE
``info`` binds the suite, the operator key id and the dead-letter id, so a payload cannot be
moved to another dead-letter record. Sealed bytes::

    0x01 | suite byte | enc (Nenc bytes) | HPKE ciphertext || tag
"""

from __future__ import annotations

import time
from typing import Final, NamedTuple

from lovhub.crypto._wire import dead_letter_info
from lovhub.crypto.data_keys import Clock
from lovhub.crypto.errors import DecryptionError, MissingKeyError
from lovhub.crypto.keys import RecipientPrivateKey, RecipientPublicKey

__all__ = ["OPERATOR_SEAL_VERSION", "OperatorSealed", "open_for_operators", "seal_for_operators"]

OPERATOR_SEAL_VERSION: Final = 0x01
_MAX_DEAD_LETTER_ID_LEN: Final = 128  # a UUID; the bound keeps HPKE info small


class OperatorSealed(NamedTuple):
    """What the ``DeadLetterRecord`` stores: ``operator_key_id`` and ``encrypted_payload``."""

    key_id: str
    sealed: bytes


def seal_for_operators(
    payload: bytes,
    *,
    dead_letter_id: str,
    operator_key: RecipientPublicKey,
    clock: Clock = time.time,
) -> OperatorSealed:
    """Seal ``payload`` to the operators' key; :class:`MissingKeyError` if it is not valid now."""
    _check_dead_letter_id(dead_letter_id)
    if not operator_key.is_valid_at(clock()):
        raise MissingKeyError(operator_key.key_id, "operator key is not valid now")
    suite = operator_key.suite
    info = dead_letter_info(suite.suite_id, operator_key.key_id, dead_letter_id)
    enc, ciphertext = suite.seal(bytes(payload), operator_key.hpke_key(), info)
    header = bytes((OPERATOR_SEAL_VERSION, suite.number))
    return OperatorSealed(operator_key.key_id, header + enc + ciphertext)


def open_for_operators(
    key_id: str,
    sealed: bytes,
    *,
    dead_letter_id: str,
    private_key: RecipientPrivateKey,
) -> bytes:
    """The original payload; :class:`DecryptionError` if it was sealed for another record,
    key or suite, or was changed; :class:`MissingKeyError` if ``private_key`` is another key."""
    _check_dead_letter_id(dead_letter_id)
    if key_id != private_key.key_id:
        raise MissingKeyError(key_id, "payload is sealed to another operator key")
    suite = private_key.suite
    enc_end = 2 + suite.enc_len
    if len(sealed) < enc_end or sealed[0] != OPERATOR_SEAL_VERSION:
        raise DecryptionError("malformed sealed payload")
    if sealed[1] != suite.number:
        raise DecryptionError("sealed payload suite does not match the private key")
    info = dead_letter_info(suite.suite_id, key_id, dead_letter_id)
    try:
        return suite.open(sealed[2:enc_end], sealed[enc_end:], private_key.hpke_key(), info)
    except ValueError:
        raise DecryptionError("sealed payload does not open") from None


def _check_dead_letter_id(dead_letter_id: str) -> None:
    if not isinstance(dead_letter_id, str) or not 0 < len(dead_letter_id) <= (
        _MAX_DEAD_LETTER_ID_LEN
    ):
        raise ValueError("dead_letter_id must be a non-empty string of at most 128 characters")
