"""Encryptors for recipients' current public keys, built once per key and reused.

Reusing the encryptor is what lets a data key serve many records (bounded by count and
age inside :class:`~lovhub.crypto.RecordEncryptor`): the public-key operation happens once
per data key, not once per record.
"""

from __future__ import annotations

import datetime as dt

from lovhub.crypto import Clock, RecordEncryptor, parse_public_key
from lovhub.registry import Recipient

__all__ = ["KeyRing"]


class KeyRing:
    def __init__(self, *, clock: Clock, max_records: int = 100_000, max_age: float = 3600.0):
        self._clock = clock
        self._max_records = max_records
        self._max_age = max_age
        # Keyed by the key's bytes too: a registry record that reuses a key id for other key
        # material (an error or an attack on the registry) must never get the old encryptor.
        self._encryptors: dict[tuple[str, str, str], RecordEncryptor] = {}

    def encryptor_for(self, recipient: Recipient, at: dt.datetime) -> RecordEncryptor | None:
        """The encryptor for the recipient's key valid at ``at``; None when it has none."""
        entry = recipient.current_key(at)
        if entry is None:
            return None
        cache_key = (recipient.id, entry.key_id, entry.public_key)
        encryptor = self._encryptors.get(cache_key)
        if encryptor is None:
            encryptor = RecordEncryptor(
                recipient.id,
                parse_public_key(entry.public_key),
                clock=self._clock,
                max_records=self._max_records,
                max_age=self._max_age,
            )
            self._encryptors[cache_key] = encryptor
        return encryptor
