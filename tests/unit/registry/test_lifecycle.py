"""Recipient lifecycle: legal and illegal transitions, key rotation, insurance expiry.

The hypothesis test runs random command sequences against the real functions and a tiny
reference model (a dict of statuses and key counts) and holds them to the same answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.codec import RECIPIENT_CHANGE, default_store
from lovhub.registry import (
    PublicKeyEntry,
    Recipient,
    RecipientDirectory,
    RecipientKind,
    RecipientStatus,
)
from lovhub.registry import lifecycle as life
from lovhub.registry.errors import LifecycleError

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _key(key_id: str, start: dt.datetime, end: dt.datetime | None = None) -> PublicKeyEntry:
    return PublicKeyEntry(
        key_id=key_id, suite="x25519-hkdf256-aes256gcm", public_key="pk", valid_from=start,
        valid_to=end,
    )  # fmt: skip


def _provider(rid: str = "jobbcoach-syd", *, insured: dt.date = dt.date(2027, 6, 30)) -> Recipient:
    return Recipient(
        id=rid,
        kind=RecipientKind.PROVIDER,
        organisation_number="5785797548",
        name="Jobbcoach Syd AB",
        contract_id="LOV-2025-0117",
        services=("KROM",),
        purposes=("lov.matching",),
        status=RecipientStatus.ACTIVE,
        insurance_valid_until=insured,
        contact="kontakt@jobbcoach-syd.example",
        representatives=("Anna Lindqvist",),
        keys=(_key("k0", T0 - dt.timedelta(days=10)),),
    )


def _apply(directory: RecipientDirectory, change: life.LifecycleChange) -> RecipientDirectory:
    return directory.with_recipient(change.recipient)


def _with(*recipients: Recipient) -> RecipientDirectory:
    return RecipientDirectory(recipients=recipients)


WHO: dict[str, Any] = {"actor": "lovhub-admin", "at": T0}


def test_add_then_suspend_resume_terminate() -> None:
    directory = RecipientDirectory()
    added = life.add_recipient(directory, _provider(), **WHO)
    assert added.action is life.RecipientAction.ADDED
    assert added.key_id == "k0"
    directory = _apply(directory, added)
    suspended = life.suspend(directory, "jobbcoach-syd", reason_code="FAILED_VETTING", **WHO)
    assert suspended.recipient.status is RecipientStatus.SUSPENDED
    assert suspended.audit_fields()["reason_code"] == "FAILED_VETTING"
    directory = _apply(directory, suspended)
    directory = _apply(directory, life.resume(directory, "jobbcoach-syd", **WHO))
    assert directory.get("jobbcoach-syd").status is RecipientStatus.ACTIVE  # type: ignore[union-attr]
    terminated = life.terminate(directory, "jobbcoach-syd", **WHO)
    assert terminated.audit_fields()["status_after"] == "terminated"


@pytest.mark.parametrize(
    ("step", "status", "message"),
    [
        (life.suspend, RecipientStatus.SUSPENDED, "suspended, not active"),
        (life.resume, RecipientStatus.ACTIVE, "active, not suspended"),
        (life.resume, RecipientStatus.TERMINATED, "terminated, not suspended"),
        (life.terminate, RecipientStatus.TERMINATED, "already terminated"),
    ],
)
def test_illegal_transitions_are_refused(step: Any, status: RecipientStatus, message: str) -> None:
    directory = _with(_provider().model_copy(update={"status": status}))
    with pytest.raises(LifecycleError, match=message) as caught:
        step(directory, "jobbcoach-syd", **WHO)
    assert caught.value.code == "LIFECYCLE_REFUSED"


def test_unknown_ids_and_duplicates_are_refused() -> None:
    with pytest.raises(LifecycleError, match="no recipient 'nobody'"):
        life.suspend(RecipientDirectory(), "nobody", **WHO)
    with pytest.raises(LifecycleError, match="already registered"):
        life.add_recipient(_with(_provider()), _provider(), **WHO)


def test_rotation_makes_the_new_key_current_and_keeps_the_old_for_the_grace() -> None:
    directory = _with(_provider())
    new = _key("k1", T0)
    change = life.rotate_key(directory, "jobbcoach-syd", new, **WHO)
    after = change.recipient
    old = next(k for k in after.keys if k.key_id == "k0")
    assert old.valid_to == T0 + life.DEFAULT_KEY_GRACE
    assert after.current_key(T0).key_id == "k1"  # type: ignore[union-attr]
    assert after.current_key(T0 - dt.timedelta(seconds=1)).key_id == "k0"  # type: ignore[union-attr]
    assert change.key_id == "k1"
    assert change.action is life.RecipientAction.KEY_ROTATED


def test_rotation_with_an_explicit_end_and_its_refusals() -> None:
    directory = _with(_provider())
    end = T0 + dt.timedelta(days=2)
    after = life.rotate_key(directory, "jobbcoach-syd", _key("k1", T0), old_valid_to=end, **WHO)
    assert next(k for k in after.recipient.keys if k.key_id == "k0").valid_to == end
    with pytest.raises(LifecycleError, match="until the new key starts"):
        life.rotate_key(
            directory, "jobbcoach-syd", _key("k1", T0), old_valid_to=T0 - dt.timedelta(1), **WHO
        )
    with pytest.raises(LifecycleError, match="already has key"):
        life.rotate_key(directory, "jobbcoach-syd", _key("k0", T0), **WHO)
    with pytest.raises(LifecycleError, match="start after every existing key"):
        life.rotate_key(directory, "jobbcoach-syd", _key("k1", T0 - dt.timedelta(days=20)), **WHO)


def test_insurance_expiry_suspends_active_providers_only() -> None:
    lapsed = _provider("karriarbron", insured=dt.date(2026, 11, 21))
    valid = _provider("jobbcoach-syd", insured=dt.date(2026, 11, 22))
    already = _provider("vagval-norr", insured=dt.date(2025, 1, 1)).model_copy(
        update={"status": RecipientStatus.SUSPENDED}
    )
    changes = life.expire_insurance(_with(lapsed, valid, already), T0.date(), **WHO)
    assert [c.recipient.id for c in changes] == ["karriarbron"]
    assert changes[0].action is life.RecipientAction.INSURANCE_EXPIRED
    assert changes[0].recipient.status is RecipientStatus.SUSPENDED
    assert changes[0].reason_code == "INSURANCE_EXPIRED"
    # Resuming needs renewed insurance.
    directory = _with(changes[0].recipient)
    with pytest.raises(LifecycleError, match="insurance expired"):
        life.resume(directory, "karriarbron", **WHO)
    renewed = life.resume(
        directory, "karriarbron", insurance_valid_until=dt.date(2027, 12, 31), **WHO
    )
    assert renewed.recipient.insurance_valid_until == dt.date(2027, 12, 31)


def test_change_fields_fit_the_avro_schema() -> None:
    from lovhub.codec import SingleObjectCodec

    change = life.suspend(_with(_provider()), "jobbcoach-syd", **WHO)
    record = {
        "change_id": "6f1d3c1e-8f40-4a43-9d7f-1d8c2f0f6b11",
        "sequence": 0,
        **change.audit_fields(),
        "registry_offset": 3,
        "registry_record_sha256": bytes(32),
        "prev_hash": bytes(32),
        "hash": bytes(32),
    }
    codec = SingleObjectCodec(default_store())
    assert codec.decode(codec.encode(RECIPIENT_CHANGE, record), RECIPIENT_CHANGE) == record


# -- random command sequences against a reference model ------------------------------------

IDS = ("jobbcoach-syd", "karriarbron")
commands = st.lists(
    st.tuples(st.sampled_from(("add", "suspend", "resume", "terminate", "rotate")),
              st.sampled_from(IDS)),
    max_size=25,
)  # fmt: skip


def _model_step(model: dict[str, list[Any]], command: str, rid: str) -> bool:
    """The rules in their plainest form; mutates ``model``; False when refused."""
    entry = model.get(rid)
    if command == "add":
        if entry is not None:
            return False
        model[rid] = ["active", 1]
        return True
    if entry is None:
        return False
    status = entry[0]
    allowed = {
        "suspend": status == "active",
        "resume": status == "suspended",
        "terminate": status != "terminated",
        "rotate": status != "terminated",
    }[command]
    if allowed:
        if command == "rotate":
            entry[1] += 1
        else:
            entry[0] = {"suspend": "suspended", "resume": "active", "terminate": "terminated"}[
                command
            ]
    return allowed


@settings(max_examples=150, deadline=None)
@given(commands)
def test_random_command_sequences_match_the_reference_model(
    sequence: list[tuple[str, str]],
) -> None:
    directory = RecipientDirectory()
    model: dict[str, list[Any]] = {}
    at = T0
    for number, (command, rid) in enumerate(sequence):
        at = at + dt.timedelta(hours=1)
        who = {"actor": "test", "at": at}
        try:
            if command == "add":
                change = life.add_recipient(directory, _provider(rid), **who)
            elif command == "rotate":
                key = _key(f"n{number}", at)
                change = life.rotate_key(directory, rid, key, **who)
            else:
                step = {"suspend": life.suspend, "resume": life.resume}.get(command, life.terminate)
                change = step(directory, rid, **who)
        except LifecycleError:
            assert not _model_step(model, command, rid), (command, rid)
            continue
        assert _model_step(model, command, rid), (command, rid)
        directory = _apply(directory, change)
        recipient = directory.get(rid)
        assert recipient is not None
        assert recipient.status.value == model[rid][0]
        assert len(recipient.keys) == model[rid][1]
        current = recipient.current_key(at)
        assert current is not None
        if command == "rotate":
            assert current.key_id == f"n{number}"  # the newest key is current at once
            assert all(k.valid_to is not None for k in recipient.keys if k is not current)
