"""Recipient lifecycle as pure functions: each command takes the current directory and
returns the recipient's new record plus what changed, or refuses with a clear error.

    add ──▶ active ◀──resume── suspended ◀──suspend / insurance expiry── active
               │                  │
               └──── terminate ───┴──▶ terminated (final; kept for the audit trail)

``rotate-key`` keeps the status: the new key becomes current (it starts after every older
key) and every older key stays valid for decryption until ``old_valid_to``, by default
:data:`DEFAULT_KEY_GRACE` after the new key starts, so a recipient can still open records
sealed just before the rotation. Nothing here does I/O; :mod:`lovhub.registry.operations`
publishes the results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from pydantic import ValidationError

from lovhub.policy import describe_validation_error
from lovhub.registry.accountability import Residency, Undertaking
from lovhub.registry.directory import RecipientDirectory
from lovhub.registry.errors import LifecycleError
from lovhub.registry.model import PublicKeyEntry, Recipient, RecipientStatus

__all__ = [
    "DEFAULT_KEY_GRACE",
    "INSURANCE_EXPIRED_REASON",
    "LifecycleChange",
    "RecipientAction",
    "add_recipient",
    "expire_insurance",
    "insurance_expired",
    "resume",
    "rotate_key",
    "suspend",
    "terminate",
]

#: How long an old key stays valid after the new one starts, unless the operator says.
#: Long enough for records already sealed to the old key to be consumed (topics keep 30 days).
DEFAULT_KEY_GRACE: Final = dt.timedelta(days=30)
INSURANCE_EXPIRED_REASON: Final = "INSURANCE_EXPIRED"


class RecipientAction(StrEnum):
    ADDED = "ADDED"
    SUSPENDED = "SUSPENDED"
    RESUMED = "RESUMED"
    TERMINATED = "TERMINATED"
    KEY_ROTATED = "KEY_ROTATED"
    INSURANCE_EXPIRED = "INSURANCE_EXPIRED"


@dataclass(frozen=True, slots=True)
class LifecycleChange:
    """One change: the recipient as it is afterwards, and what the audit record says."""

    recipient: Recipient
    action: RecipientAction
    actor: str
    changed_at: dt.datetime
    reason_code: str | None = None
    key_id: str | None = None

    def audit_fields(self) -> dict[str, Any]:
        """The RecipientChange fields this change determines (not ids, offsets or chain)."""
        return {
            "recipient_id": self.recipient.id,
            "action": self.action.value,
            "reason_code": self.reason_code,
            "actor": self.actor,
            "changed_at": self.changed_at,
            "status_after": self.recipient.status.value,
            "key_id": self.key_id,
        }


def insurance_expired(recipient: Recipient, day: dt.date) -> bool:
    """A provider whose insurance ended before ``day`` (the same rule as the pipeline's)."""
    return recipient.is_provider and not recipient.insured_on(day)


def _existing(directory: RecipientDirectory, recipient_id: str) -> Recipient:
    recipient = directory.get(recipient_id)
    if recipient is None:
        raise LifecycleError(f"no recipient {recipient_id!r} in the registry")
    return recipient


def _updated(recipient: Recipient, **changes: Any) -> Recipient:
    try:
        return Recipient.model_validate({**recipient.model_dump(), **changes})
    except ValidationError as error:
        raise LifecycleError(
            describe_validation_error(f"recipient {recipient.id}", error)
        ) from error


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise LifecycleError("change times must be timezone-aware")
    return at


def _current_key_id(recipient: Recipient, at: dt.datetime) -> str | None:
    key = recipient.current_key(at)
    return None if key is None else key.key_id


def add_recipient(
    directory: RecipientDirectory,
    recipient: Recipient,
    *,
    actor: str,
    at: dt.datetime,
    reason_code: str | None = None,
) -> LifecycleChange:
    """Register a new recipient; ids are never reused, not even a terminated one's."""
    _aware(at)
    if recipient.id in directory:
        raise LifecycleError(f"recipient {recipient.id!r} is already registered")
    if recipient.status is RecipientStatus.TERMINATED:
        raise LifecycleError(f"recipient {recipient.id!r}: cannot add a terminated recipient")
    return LifecycleChange(
        recipient,
        RecipientAction.ADDED,
        actor,
        at,
        reason_code,
        _current_key_id(recipient, at),
    )


def suspend(
    directory: RecipientDirectory,
    recipient_id: str,
    *,
    actor: str,
    at: dt.datetime,
    reason_code: str | None = None,
) -> LifecycleChange:
    """Stop deliveries to an active recipient from the next event on."""
    _aware(at)
    recipient = _existing(directory, recipient_id)
    if recipient.status is not RecipientStatus.ACTIVE:
        raise LifecycleError(f"recipient {recipient_id!r} is {recipient.status}, not active")
    after = _updated(recipient, status=RecipientStatus.SUSPENDED)
    return LifecycleChange(after, RecipientAction.SUSPENDED, actor, at, reason_code)


def resume(
    directory: RecipientDirectory,
    recipient_id: str,
    *,
    actor: str,
    at: dt.datetime,
    reason_code: str | None = None,
    insurance_valid_until: dt.date | None = None,
    undertaking: Undertaking | None = None,
    residency: Residency | None = None,
) -> LifecycleChange:
    """Restart deliveries to a suspended recipient (with renewed insurance, if it lapsed,
    and the undertaking or residency its record lacks or that changed)."""
    _aware(at)
    recipient = _existing(directory, recipient_id)
    if recipient.status is not RecipientStatus.SUSPENDED:
        raise LifecycleError(f"recipient {recipient_id!r} is {recipient.status}, not suspended")
    changes: dict[str, Any] = {"status": RecipientStatus.ACTIVE}
    for name, value in (
        ("insurance_valid_until", insurance_valid_until),
        ("undertaking", undertaking),
        ("residency", residency),
    ):
        if value is not None:
            changes[name] = value
    after = _updated(recipient, **changes)
    if insurance_expired(after, at.date()):
        raise LifecycleError(
            f"recipient {recipient_id!r}: insurance expired on {after.insurance_valid_until}; "
            "resume with the renewed insurance's valid-until date"
        )
    return LifecycleChange(after, RecipientAction.RESUMED, actor, at, reason_code)


def terminate(
    directory: RecipientDirectory,
    recipient_id: str,
    *,
    actor: str,
    at: dt.datetime,
    reason_code: str | None = None,
) -> LifecycleChange:
    """End the contract: final, the record stays (terminated) for the audit trail."""
    _aware(at)
    recipient = _existing(directory, recipient_id)
    if recipient.status is RecipientStatus.TERMINATED:
        raise LifecycleError(f"recipient {recipient_id!r} is already terminated")
    after = _updated(recipient, status=RecipientStatus.TERMINATED)
    return LifecycleChange(after, RecipientAction.TERMINATED, actor, at, reason_code)


def rotate_key(
    directory: RecipientDirectory,
    recipient_id: str,
    new_key: PublicKeyEntry,
    *,
    actor: str,
    at: dt.datetime,
    old_valid_to: dt.datetime | None = None,
    grace: dt.timedelta = DEFAULT_KEY_GRACE,
    reason_code: str | None = None,
) -> LifecycleChange:
    """Make ``new_key`` current; older keys end at ``old_valid_to`` (default: start + grace)."""
    _aware(at)
    recipient = _existing(directory, recipient_id)
    if recipient.status is RecipientStatus.TERMINATED:
        raise LifecycleError(f"recipient {recipient_id!r} is terminated: no new keys")
    if any(key.key_id == new_key.key_id for key in recipient.keys):
        raise LifecycleError(f"recipient {recipient_id!r} already has key {new_key.key_id!r}")
    if any(key.valid_from >= new_key.valid_from for key in recipient.keys):
        raise LifecycleError(
            f"recipient {recipient_id!r}: the new key must start after every existing key"
        )
    if new_key.valid_to is not None and new_key.valid_to <= at:
        raise LifecycleError(f"recipient {recipient_id!r}: the new key has already expired")
    end = old_valid_to if old_valid_to is not None else max(at, new_key.valid_from) + grace
    if end < new_key.valid_from:
        raise LifecycleError(
            f"recipient {recipient_id!r}: old keys must stay valid until the new key starts"
        )
    kept = tuple(
        key
        if key.valid_to is not None and key.valid_to <= end
        else key.model_copy(update={"valid_to": end})
        for key in recipient.keys
    )
    after = _updated(recipient, keys=(*kept, new_key))
    return LifecycleChange(
        after, RecipientAction.KEY_ROTATED, actor, at, reason_code, new_key.key_id
    )


def expire_insurance(
    directory: RecipientDirectory, day: dt.date, *, actor: str, at: dt.datetime
) -> tuple[LifecycleChange, ...]:
    """Suspend every active provider whose insurance ended before ``day`` (a daily job)."""
    _aware(at)
    return tuple(
        LifecycleChange(
            _updated(recipient, status=RecipientStatus.SUSPENDED),
            RecipientAction.INSURANCE_EXPIRED,
            actor,
            at,
            INSURANCE_EXPIRED_REASON,
        )
        for recipient in sorted(directory.recipients, key=lambda r: r.id)
        if recipient.status is RecipientStatus.ACTIVE and insurance_expired(recipient, day)
    )
