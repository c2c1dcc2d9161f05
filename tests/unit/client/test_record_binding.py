"""Issue 10, findings 7 and 8: every change to a delivered record is RECORD_FORGED, and
recipients of one event get unrelated event references."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.client import DeliveryOpener, DeliveryProblem, OpenedDelivery, ProblemReason
from lovhub.client.deliveries import RecordPosition
from lovhub.pseudonyms import Pseudonymiser
from tests.unit.client.records import CLEAR, CODEC, RECIPIENT, TOPIC, encode, new_key, record

AT = RecordPosition(TOPIC, 0, 3)
_KEY = new_key()
_GENUINE = record(_KEY)
_OTHER = record(_KEY)  # another genuine record of the same recipient


def _open(value: dict[str, Any]) -> OpenedDelivery | DeliveryProblem | None:
    return DeliveryOpener(RECIPIENT, {_KEY.key_id: _KEY}, CODEC).open(encode(value), AT)


def test_an_untouched_record_opens() -> None:
    assert isinstance(_open(copy.deepcopy(_GENUINE)), OpenedDelivery)


def _forged(value: dict[str, Any]) -> None:
    result = _open(value)
    assert isinstance(result, DeliveryProblem), result
    assert result.reason is ProblemReason.RECORD_FORGED


_text = st.text(min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(pseudonym=st.from_regex(r"ps_[0-9a-f]{32}", fullmatch=True))
def test_a_swapped_pseudonym_is_forged(pseudonym: str) -> None:
    forged = copy.deepcopy(_GENUINE)
    if pseudonym == forged["jobseeker_pseudonym"]:
        return
    forged["jobseeker_pseudonym"] = pseudonym
    _forged(forged)


@settings(max_examples=60, deadline=None)
@given(purposes=st.lists(_text, max_size=3))
def test_changed_purposes_are_forged(purposes: list[str]) -> None:
    forged = copy.deepcopy(_GENUINE)
    if purposes == forged["purposes"]:
        return
    forged["purposes"] = purposes
    _forged(forged)


def test_a_changed_legal_basis_is_forged() -> None:
    forged = copy.deepcopy(_GENUINE)
    forged["legal_basis"] = "CONSENT"
    _forged(forged)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["delivery_id", "decision_id", "event_id", "policy_version"]),
    value=st.uuids().map(str),
)
def test_changed_ids_are_forged(name: str, value: str) -> None:
    forged = copy.deepcopy(_GENUINE)
    forged[name] = value
    _forged(forged)


@settings(max_examples=100, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(CLEAR) - 1),
    value=st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text()),
)
def test_a_changed_clear_value_is_forged(index: int, value: Any) -> None:
    forged = copy.deepcopy(_GENUINE)
    if forged["fields"][index]["value"] == value and type(value) is type(
        forged["fields"][index]["value"]
    ):
        return
    forged["fields"][index]["value"] = value
    _forged(forged)


@settings(max_examples=30, deadline=None)
@given(index=st.integers(min_value=len(CLEAR), max_value=len(_GENUINE["fields"]) - 1))
def test_ciphertext_moved_from_another_record_is_forged(index: int) -> None:
    forged = copy.deepcopy(_GENUINE)
    forged["fields"][index]["encrypted"] = _OTHER["fields"][index]["encrypted"]
    _forged(forged)


def test_a_whole_other_records_fields_and_key_under_this_pseudonym_are_forged() -> None:
    forged = copy.deepcopy(_GENUINE)
    forged["fields"] = copy.deepcopy(_OTHER["fields"])
    forged["data_key"] = copy.deepcopy(_OTHER["data_key"])
    _forged(forged)


def test_a_record_without_binding_is_forged() -> None:
    forged = copy.deepcopy(_GENUINE)
    forged["binding"] = None
    _forged(forged)


def test_two_recipients_of_one_event_get_unrelated_references() -> None:
    pseudonyms = Pseudonymiser(b"k" * 32)
    event_id = "0b6e2f4c-9a55-4a4e-8f0e-1c2d3e4f5a6b"
    first = pseudonyms.event_reference("jobbcoach-syd", event_id)
    second = pseudonyms.event_reference("karriarbron", event_id)
    assert first != second
    assert event_id not in (first, second)
    assert first == pseudonyms.event_reference("jobbcoach-syd", event_id)  # stable
