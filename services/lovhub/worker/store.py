"""Jobseeker state: a local RocksDB store, recoverable from a compacted changelog topic.

The changelog is co-partitioned with the agency topic (same key, same partition), so a
worker that is assigned agency partition ``p`` restores exactly changelog partition ``p``.
The store remembers, per partition, up to which changelog offset it has applied, so a
restart on the same disk only reads what it missed.

States are kept in their changelog form, so the held facts in them stay sealed under the
hub state key on disk as on the topic (:mod:`lovhub.crypto.state_keys`): the store opens a
state only to decide, with the sealer it was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rocksdict import Rdict, WriteBatch

from lovhub.core import JobseekerState, state_from_bytes, state_to_bytes
from lovhub.core.state_codec import EVENT_ID_KEY_PREFIX, FactSealer

__all__ = ["EVENT_ID_KEY_PREFIX", "StateStore", "event_id_key"]


_STATE = b"s:"
_CHECKPOINT = b"c:"


class StateStore:
    def __init__(self, path: Path, sealer: FactSealer) -> None:
        """``sealer``: the hub state key ring (:mod:`lovhub.crypto.state_keys`)."""
        path.mkdir(parents=True, exist_ok=True)
        self._db = Rdict(str(path))
        self._sealer = sealer

    def get(self, partition: int, key: bytes) -> JobseekerState:
        raw = self._db.get(self._state_key(partition, key))
        return state_from_bytes(
            raw if isinstance(raw, bytes) else None, opener=self._sealer, owner=key
        )

    def encode(self, key: bytes, state: JobseekerState) -> bytes:
        """``state`` as the changelog and this store hold it (facts sealed to ``key``)."""
        return state_to_bytes(state, sealer=self._sealer, owner=key)

    def put_many(
        self,
        items: Iterable[tuple[int, bytes, bytes]],
        event_ids: Iterable[tuple[int, str, bytes]] = (),
        *,
        changelog_at: tuple[int, int] | None = None,
    ) -> None:
        """Apply the worker's own committed writes; ``changelog_at`` (partition, offset):
        the store now holds that partition's changelog up to there, so a restart does not
        read the worker's own writes back."""
        batch = WriteBatch()
        for partition, key, value in items:
            batch.put(self._state_key(partition, key), value)  # already encode()d
        for partition, event_id, digest in event_ids:
            batch.put(self._state_key(partition, event_id_key(event_id)), digest)
        if changelog_at is not None:
            batch.put(self._checkpoint_key(changelog_at[0]), str(changelog_at[1]).encode())
        self._db.write(batch)

    def event_digest(self, partition: int, event_id: str) -> bytes | None:
        """The digest of the event decided under ``event_id`` on ``partition``, if any."""
        raw = self._db.get(self._state_key(partition, event_id_key(event_id)))
        return raw if isinstance(raw, bytes) else None

    def apply_changelog(
        self, partition: int, records: Iterable[tuple[bytes, bytes | None]], last_offset: int
    ) -> None:
        batch = WriteBatch()
        for key, value in records:
            if value is None:
                batch.delete(self._state_key(partition, key))
            else:
                batch.put(self._state_key(partition, key), value)
        batch.put(self._checkpoint_key(partition), str(last_offset).encode())
        self._db.write(batch)

    def checkpoint(self, partition: int) -> int | None:
        raw = self._db.get(self._checkpoint_key(partition))
        return int(raw) if isinstance(raw, bytes) else None

    def set_checkpoint(self, partition: int, offset: int) -> None:
        self._db[self._checkpoint_key(partition)] = str(offset).encode()

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def _state_key(partition: int, key: bytes) -> bytes:
        return _STATE + partition.to_bytes(4, "big") + key

    @staticmethod
    def _checkpoint_key(partition: int) -> bytes:
        return _CHECKPOINT + partition.to_bytes(4, "big")


def event_id_key(event_id: str) -> bytes:
    return EVENT_ID_KEY_PREFIX + event_id.encode()
