"""The key ring never hands out an encryptor for other key material under a reused key id
(issue 10, finding 16)."""

from __future__ import annotations

import datetime as dt

from lovhub.crypto import X25519, generate_key_pair
from lovhub.pipeline.keyring import KeyRing
from lovhub.synthetic import build_world

NOW = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def test_a_reused_key_id_with_other_key_bytes_gets_its_own_encryptor() -> None:
    world = build_world()
    recipient = world.recipients.get("jobbcoach-syd")
    assert recipient is not None
    ring = KeyRing(clock=NOW.timestamp)
    first = ring.encryptor_for(recipient, NOW)
    entry = recipient.current_key(NOW)
    assert entry is not None
    other = generate_key_pair(X25519, valid_from=entry.valid_from).public_key().to_text()
    swapped = recipient.model_copy(
        update={"keys": (entry.model_copy(update={"public_key": other}),)}
    )
    second = ring.encryptor_for(swapped, NOW)
    assert first is not None
    assert second is not None
    assert second is not first
    assert ring.encryptor_for(recipient, NOW) is first, "the same key is still reused"
