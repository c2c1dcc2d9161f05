"""Pseudonyms: stable per recipient, unrelated across recipients and to the audit stream,
revealing nothing of the input, and exactly HKDF + HMAC-SHA256 as documented."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from lovhub.errors import LovhubError
from lovhub.identity import RECIPIENT_ID_PATTERN
from lovhub.pseudonyms import PseudonymError, Pseudonymiser

SECRET = bytes(range(32))
PSEUDONYMISER = Pseudonymiser(SECRET)
PSEUDONYM = re.compile(r"ps_[0-9a-f]{32}")
AUDIT = re.compile(r"au_[0-9a-f]{32}")

recipient_ids = st.from_regex(RECIPIENT_ID_PATTERN, fullmatch=True)
jobseeker_ids = st.one_of(
    st.integers(0, 10**9 - 1).map(lambda n: f"AS-{n:09d}"), st.text(min_size=1, max_size=40)
)


@given(recipient=recipient_ids, jobseeker=jobseeker_ids)
def test_stable_and_well_formed(recipient: str, jobseeker: str) -> None:
    first = PSEUDONYMISER.for_recipient(recipient, jobseeker)
    assert PSEUDONYM.fullmatch(first)
    assert Pseudonymiser(SECRET).for_recipient(recipient, jobseeker) == first  # fresh cache
    assert PSEUDONYMISER.for_recipient(recipient, jobseeker) == first
    assert PSEUDONYMISER.for_field(recipient, "jobseeker_id", jobseeker) == first


@given(a=recipient_ids, b=recipient_ids, jobseeker=jobseeker_ids)
def test_different_across_recipients(a: str, b: str, jobseeker: str) -> None:
    if a != b:
        assert PSEUDONYMISER.for_recipient(a, jobseeker) != PSEUDONYMISER.for_recipient(
            b, jobseeker
        )


@given(recipient=recipient_ids, a=jobseeker_ids, b=jobseeker_ids)
def test_different_jobseekers_differ(recipient: str, a: str, b: str) -> None:
    if a != b:
        assert PSEUDONYMISER.for_recipient(recipient, a) != PSEUDONYMISER.for_recipient(
            recipient, b
        )


@given(recipient=recipient_ids, jobseeker=jobseeker_ids)
def test_audit_pseudonym_is_separate(recipient: str, jobseeker: str) -> None:
    audit = PSEUDONYMISER.for_audit(jobseeker)
    assert AUDIT.fullmatch(audit)
    assert audit[3:] != PSEUDONYMISER.for_recipient(recipient, jobseeker)[3:]
    assert audit == Pseudonymiser(SECRET).for_audit(jobseeker)


@given(recipient=recipient_ids, jobseeker=st.integers(0, 10**9 - 1).map(lambda n: f"AS-{n:09d}"))
def test_does_not_contain_the_input(recipient: str, jobseeker: str) -> None:
    for pseudonym in (
        PSEUDONYMISER.for_recipient(recipient, jobseeker),
        PSEUDONYMISER.for_audit(jobseeker),
    ):
        assert jobseeker not in pseudonym
        assert jobseeker[3:] not in pseudonym  # not even the digits


@given(path=st.sampled_from(["body.plan_id", "body.assessment_id"]), value=st.text(max_size=40))
def test_fields_are_kept_apart(path: str, value: str) -> None:
    pseudonym = PSEUDONYMISER.for_field("karriarbron", path, value)
    assert PSEUDONYM.fullmatch(pseudonym)
    other = "body.plan_id" if path != "body.plan_id" else "body.assessment_id"
    assert pseudonym != PSEUDONYMISER.for_field("karriarbron", other, value)


def test_is_hkdf_then_hmac_sha256() -> None:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"lovhub/pseudonyms/v1",
        info=b"recipient:praktik-nord",
    ).derive(SECRET)
    mac = hmac.new(key, b"jobseeker_id\x00AS-000000042", hashlib.sha256).hexdigest()[:32]
    assert PSEUDONYMISER.for_recipient("praktik-nord", "AS-000000042") == "ps_" + mac
    audit_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"lovhub/pseudonyms/v1", info=b"audit"
    ).derive(SECRET)
    audit = hmac.new(audit_key, b"jobseeker_id\x00AS-000000042", hashlib.sha256).hexdigest()[:32]
    assert PSEUDONYMISER.for_audit("AS-000000042") == "au_" + audit


def test_depends_on_the_secret() -> None:
    other = Pseudonymiser(bytes(range(1, 33)))
    assert other.for_recipient("karriarbron", "AS-1") != PSEUDONYMISER.for_recipient(
        "karriarbron", "AS-1"
    )
    assert other.for_audit("AS-1") != PSEUDONYMISER.for_audit("AS-1")


def test_refuses_weak_secrets_and_bad_recipient_ids() -> None:
    with pytest.raises(PseudonymError, match="at least 32 bytes"):
        Pseudonymiser(b"short")
    with pytest.raises(PseudonymError):
        Pseudonymiser("x" * 40)
    with pytest.raises(PseudonymError) as caught:
        PSEUDONYMISER.for_recipient("Not.An.Id", "AS-000000001")
    assert isinstance(caught.value, LovhubError)
    assert "AS-000000001" not in str(caught.value)
    with pytest.raises(PseudonymError):  # also where no pseudonym was made for it before
        Pseudonymiser(SECRET).event_reference("Not.An.Id", "6f1c3f0e-5b7a-4a53-9d0c-2b1f1a9e7c41")


def test_repr_hides_the_secret() -> None:
    assert SECRET.hex() not in repr(PSEUDONYMISER)
    assert repr(SECRET) not in repr(PSEUDONYMISER)
    assert "secret" in repr(PSEUDONYMISER)


def test_fast_enough_for_the_hot_path() -> None:
    ids = [f"AS-{n:09d}" for n in range(50_000)]
    pseudonymiser = Pseudonymiser(SECRET)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for jobseeker in ids:
            pseudonymiser.for_recipient("jobbcoach-syd", jobseeker)
        best = max(best, len(ids) / (time.perf_counter() - start))
    assert best > 200_000, f"{best:.0f} pseudonyms/s"
