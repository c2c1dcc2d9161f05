"""Bringing a set of recipients (a seed file, the demo's world) into the registry.

Pure planning: which lifecycle changes make the registry hold these recipients with these
keys. A recipient the registry lacks is added; one it has keeps its record and status (the
registry is the source of truth, not the seed) and, when it lacks the given current key, gets
it through a key rotation. Terminated recipients are left alone: ids are never reused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from lovhub.registry.directory import RecipientDirectory
from lovhub.registry.lifecycle import LifecycleChange, add_recipient, rotate_key
from lovhub.registry.model import Recipient, RecipientStatus

__all__ = ["plan_registration"]


def plan_registration(
    directory: RecipientDirectory,
    recipients: Iterable[Recipient],
    *,
    actor: str,
    at: dt.datetime,
    reason_code: str | None = None,
    retire_old_keys: bool = False,
) -> list[LifecycleChange]:
    """The changes that register ``recipients``; with ``retire_old_keys`` the keys they
    replace end when the new ones start (no grace: for throw-away demo keys)."""
    changes: list[LifecycleChange] = []
    for recipient in recipients:
        registered = directory.get(recipient.id)
        if registered is None:
            change = add_recipient(
                directory, recipient, actor=actor, at=at, reason_code=reason_code
            )
        elif registered.status is RecipientStatus.TERMINATED:
            continue
        else:
            wanted = recipient.current_key(at)
            known = {key.key_id for key in registered.keys}
            if wanted is None or wanted.key_id in known:
                continue
            change = rotate_key(
                directory,
                recipient.id,
                wanted,
                actor=actor,
                at=at,
                old_valid_to=wanted.valid_from if retire_old_keys else None,
                reason_code=reason_code,
            )
        directory = directory.with_recipient(change.recipient)
        changes.append(change)
    return changes
