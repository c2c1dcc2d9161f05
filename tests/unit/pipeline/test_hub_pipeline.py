"""The pure pipeline over a synthetic stream: the safety properties, record by record."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache
from typing import Any

import pytest

from lovhub.codec import JOBSEEKER_EVENT, RECIPIENT_RECORD, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition
from lovhub.crypto import DecryptionError, RecordDecryptor, WrappedDataKey
from lovhub.pipeline import HubPipeline
from lovhub.policy import is_contact_path
from lovhub.synthetic import World, build_world, generate_scenario, pipeline_for

CODEC = codec_for(None)


@cache
def _world() -> World:
    return build_world(without_key=frozenset({"karriarbron"}))


@cache
def _run() -> tuple[list[tuple[dict[str, Any] | None, EventResult, JobseekerState]], HubPipeline]:
    world = _world()
    pipeline = pipeline_for(world)
    scenario = generate_scenario(world, CODEC, jobseekers=300, seed=3, invalid_rate=0.05)
    states: dict[bytes, JobseekerState] = {}
    results = []
    for offset, ((key, value), event) in enumerate(
        zip(scenario.records, scenario.events, strict=True)
    ):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("agency", 0, offset), state)
        after = result.state or state
        if result.state is not None:
            states[key or b""] = result.state
        results.append((event, result, after))
    return results, pipeline


def _records(result: EventResult) -> list[dict[str, Any]]:
    return [CODEC.decode(r.value, RECIPIENT_RECORD) for r in result.deliveries]


def test_every_input_gets_an_audit_and_every_delivery_its_decision() -> None:
    results, _ = _run()
    for _event, result, _state in results:
        assert result.audits, "no event without an audit decision"
        delivered = [a for a in result.audits if a.decision["outcome"] == "DELIVERED"]
        assert len(delivered) == len(result.deliveries)
        assert sorted(a.delivery_index for a in delivered) == list(range(len(result.deliveries)))


def test_delivered_fields_are_within_the_policy_for_the_purposes() -> None:
    results, pipeline = _run()
    policy = pipeline.policy
    for event, result, _ in results:
        for record in _records(result):
            allowed = {
                rule.output_path
                for purpose in record["purposes"]
                for rule in policy.rules_for(record["event_type"], purpose)
            }
            # Hub-made records say what they are in the one field the hub adds
            # (docs/envelope.md, "Hub-added fields").
            marks = [f["value"] for f in record["fields"] if f["path"] == "delivery_kind"]
            paths = {f["path"] for f in record["fields"]} - {"delivery_kind"}
            if marks == ["STATUS_ANSWER"]:
                assert record["event_type"] == "REGISTRATION_STATUS"
                assert "registered" in paths
                assert paths <= {"registered", "consent_reference"}
                assert all(policy.rules_for("REGISTRATION", p) for p in record["purposes"])
                continue
            assert marks in ([], ["HANDOVER"])
            assert paths <= allowed
            assert event is not None


def test_protected_identity_never_leaks_address_or_contact() -> None:
    results, _ = _run()
    protected_deliveries = 0
    for _event, result, state in results:
        if not state.protected(result.source.offset):
            continue
        for record in _records(result):
            protected_deliveries += 1
            assert not any(is_contact_path(f["path"]) for f in record["fields"])
    assert protected_deliveries > 0, "the scenario must exercise protected identities"


def test_pseudonyms_are_stable_per_recipient_and_differ_across_recipients() -> None:
    results, _ = _run()
    seen: dict[tuple[str, str], str] = {}
    per_jobseeker: dict[str, set[tuple[str, str]]] = {}
    for event, result, _ in results:
        for record in _records(result):
            assert event is not None
            jobseeker = event["jobseeker_id"]
            pair = (record["recipient_id"], jobseeker)
            assert (
                seen.setdefault(pair, record["jobseeker_pseudonym"])
                == record["jobseeker_pseudonym"]
            )
            assert jobseeker not in record["jobseeker_pseudonym"]
            per_jobseeker.setdefault(jobseeker, set()).add(
                (record["recipient_id"], record["jobseeker_pseudonym"])
            )
    linked = [pairs for pairs in per_jobseeker.values() if len({r for r, _ in pairs}) > 1]
    assert linked, "some jobseeker must reach two recipients"
    for pairs in linked:
        assert len({p for _, p in pairs}) == len(pairs)


def test_personal_fields_are_encrypted_and_open_only_in_place() -> None:
    results, _ = _run()
    world = _world()
    decryptors = {rid: RecordDecryptor(rid, {k.key_id: k}) for rid, k in world.private_keys.items()}
    opened = 0
    for _event, result, _ in results:
        for outbound, record in zip(result.deliveries, _records(result), strict=True):
            encrypted = [f for f in record["fields"] if f["encrypted"] is not None]
            if not encrypted:
                continue
            wrapped = WrappedDataKey.from_avro(record["data_key"])
            own = decryptors[record["recipient_id"]]
            first = encrypted[0]
            own.open_field(
                wrapped,
                first["encrypted"],
                topic=outbound.topic,
                event_id=record["event_id"],
                path=first["path"],
            )
            opened += 1
            with pytest.raises(DecryptionError):
                own.open_field(
                    wrapped,
                    first["encrypted"],
                    topic=outbound.topic,
                    event_id=record["event_id"],
                    path="body.moved",
                )
            with pytest.raises(DecryptionError):
                own.open_field(
                    wrapped,
                    first["encrypted"],
                    topic=outbound.topic,
                    event_id="another-event",
                    path=first["path"],
                )
    assert opened > 0


def test_rejections_carry_the_right_reasons_and_nothing_in_clear() -> None:
    results, _ = _run()
    reasons: Counter[str] = Counter()
    for event, result, _ in results:
        if event is not None:
            assert not result.dead_letters
            continue
        assert len(result.dead_letters) == 1
        (audit,) = result.audits
        assert audit.decision["outcome"] == "REJECTED"
        reasons[audit.decision["reason_code"]] += 1
        assert result.dead_letters[0].key is None
    assert set(reasons) == {"MALFORMED", "BAD_PERSONAL_ID", "UNKNOWN_RECIPIENT", "INVALID_FIELD"}


def _outcomes(pipeline: HubPipeline, events: list[dict[str, Any]]) -> list[list[str]]:
    state = JobseekerState()
    outcomes = []
    for offset, event in enumerate(events):
        value = CODEC.encode(JOBSEEKER_EVENT, event)
        key = event["jobseeker_id"].encode()
        result = pipeline.process(value, key, SourcePosition("a", 0, offset), state)
        state = result.state or state
        outcomes.append([a.decision["outcome"] for a in result.audits])
    return outcomes


def test_a_withdrawal_that_fails_validation_still_stops_sharing() -> None:
    _, pipeline = _run()
    rng = random.Random(5)
    person = "AS-000000001"
    given = jobseeker_event(
        "CONSENT_GIVEN",
        rng,
        jobseeker_id=person,
        body={
            "recipient_id": "praktik-nord",
            "purposes": ["consent.registration-status"],
            "data_categories": ["registration_status"],
            "valid_until": None,
            "delivery_mode": "WHILE_VALID",  # answers go on until withdrawn
        },
    )
    withdrawn = jobseeker_event(
        "CONSENT_WITHDRAWN",
        rng,
        jobseeker_id=person,
        # Recorded at an office without the caseworker's id: invalid, so rejected.
        body={
            "consent_id": given["body"][1]["consent_id"],
            "recipient_id": "praktik-nord",
            "channel": "OFFICE",
            "recorded_by": None,
        },
    )
    registration = jobseeker_event("REGISTRATION", rng, jobseeker_id=person)
    assert _outcomes(pipeline, [given, registration])[1] == ["DELIVERED"]  # the control
    outcomes = _outcomes(pipeline, [given, withdrawn, registration])
    assert outcomes[1] == ["REJECTED"]
    assert outcomes[2] == ["WITHHELD"]


def test_only_the_operators_can_read_a_dead_letter() -> None:
    results, _ = _run()
    world = _world()
    from lovhub.codec import DEAD_LETTER_RECORD
    from lovhub.crypto import CryptoError, open_for_operators

    stranger = next(iter(world.private_keys.values()))
    opened = 0
    for event, result, _ in results:
        if event is not None:
            continue
        letter = CODEC.decode(result.dead_letters[0].value, DEAD_LETTER_RECORD)
        payload = open_for_operators(
            letter["operator_key_id"],
            letter["encrypted_payload"],
            dead_letter_id=letter["dead_letter_id"],
            private_key=world.operator_key,
        )
        assert payload  # the rejected bytes, recoverable by operators for repair
        opened += 1
        with pytest.raises(CryptoError):
            open_for_operators(
                letter["operator_key_id"],
                letter["encrypted_payload"],
                dead_letter_id=letter["dead_letter_id"],
                private_key=stranger,
            )
    assert opened > 0


def test_no_personal_data_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    world = build_world()
    pipeline = pipeline_for(world)
    scenario = generate_scenario(world, CODEC, jobseekers=60, seed=9, invalid_rate=0.1)
    secrets_in_clear: set[str] = set()
    for event in scenario.events:
        if event is None:
            continue
        body = event["body"][1]
        secrets_in_clear.update(
            str(body[name])
            for name in ("personal_id", "given_name", "family_name", "email", "phone")
            if body.get(name)
        )
    states: dict[bytes, JobseekerState] = {}
    with caplog.at_level(logging.DEBUG):
        for offset, (key, value) in enumerate(scenario.records):
            result = pipeline.process(
                value, key, SourcePosition("a", 0, offset), states.get(key or b"", JobseekerState())
            )
            if result.state is not None:
                states[key or b""] = result.state
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert secrets_in_clear
    assert not [s for s in secrets_in_clear if s in logged]
