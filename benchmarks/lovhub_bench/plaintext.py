"""Benchmark only: the hub pipeline with field encryption switched off.

It measures what encryption costs, nothing else: records keep their exact shape and size
(each "envelope" is the real header, a zero nonce, the *clear* value and a zero tag, and
the record still carries a real wrapped data key); only the AES-GCM work and the associated
data are skipped. Never use it for real data: it publishes personal fields in clear.

Deliberately not reachable from ``lovhub run``, the worker, the settings or the runtime
materials: the only way in is :func:`clear_key_ring`, which the benchmarks pass to the
pipelines they build themselves (``HubPipeline(key_ring=...)``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

from lovhub.crypto import RecordEncryptor, SealedRecord, Value, parse_public_key
from lovhub.crypto._wire import NONCE_LEN, TAG_LEN, encode_value
from lovhub.pipeline.keyring import KeyRing
from lovhub.registry import Recipient

__all__ = ["clear_key_ring"]

_ZERO_NONCE = bytes(NONCE_LEN)
_ZERO_TAG = bytes(TAG_LEN)


class _ClearSealer(RecordEncryptor):
    def seal_record(
        self, topic: str, event_id: str, fields: Sequence[tuple[str, Value]]
    ) -> SealedRecord:
        # Like the real encryptor: a data key for every record, which also keys its binding.
        key = self.provider.for_record(len(fields))
        head = key.header + _ZERO_NONCE
        return SealedRecord(
            key.wrapped,
            [head + encode_value(value) + _ZERO_TAG for _, value in fields],
            key.binding_key,
        )


class _ClearKeyRing(KeyRing):
    def encryptor_for(self, recipient: Recipient, at: dt.datetime) -> RecordEncryptor | None:
        entry = recipient.current_key(at)
        if entry is None:
            return None
        cache_key = (recipient.id, entry.key_id, entry.public_key)
        sealer = self._encryptors.get(cache_key)
        if sealer is None:
            sealer = _ClearSealer(recipient.id, parse_public_key(entry.public_key))
            self._encryptors[cache_key] = sealer
        return sealer


def clear_key_ring(clock: Callable[[], float] = time.time) -> KeyRing:
    """A key ring whose encryptors do not encrypt (benchmark only)."""
    return _ClearKeyRing(clock=clock)
