"""Which registry record of a recipient the audited change chain vouches for (pure).

Every lifecycle command writes the registry record first, then a ``RecipientChange`` on the
hash-chained, signed change topic naming that record's SHA-256 (``registry_record_sha256``).
A registry record no change record names was written by someone with WRITE on the registry
topic but outside the audited lifecycle (issue 10, finding 16a): it must not be used.

Of the records seen for one recipient (oldest first), the one used is the newest whose
SHA-256 the recipient's latest change record names:

- the newest record itself in normal operation;
- an older one for the moment between a lifecycle command's registry write and its change
  record, and when a forged record was written over an audited one: the forgery is ignored
  and the audited state stays in force;
- none when the latest change record names no record seen (compaction removed the audited
  one after a forgery) or the recipient has no change record at all: the recipient is then
  absent, so nothing is delivered to it (fail closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["AttestationProblem", "AttestedChoice", "choose_attested"]


class AttestationProblem(StrEnum):
    """Why a recipient's newest registry record is not the one used."""

    NO_CHANGE_RECORD = "NO_CHANGE_RECORD"  # no change record names this recipient at all
    NOT_ATTESTED = "NOT_ATTESTED"  # the latest change record names another record


@dataclass(frozen=True, slots=True)
class AttestedChoice:
    """The index (into the records seen) of the record to use, or None: the recipient is
    absent; ``problem`` is None exactly when the newest record is the one used."""

    index: int | None
    problem: AttestationProblem | None


def choose_attested(digests_seen: Sequence[bytes], attested_sha256: bytes | None) -> AttestedChoice:
    """``digests_seen``: the SHA-256 of each valid registry record seen for one recipient,
    oldest first; ``attested_sha256``: what its latest change record names (None: none)."""
    if not digests_seen:
        return AttestedChoice(None, None)
    if attested_sha256 is None:
        return AttestedChoice(None, AttestationProblem.NO_CHANGE_RECORD)
    newest = len(digests_seen) - 1
    for index in range(newest, -1, -1):
        if digests_seen[index] == attested_sha256:
            problem = None if index == newest else AttestationProblem.NOT_ATTESTED
            return AttestedChoice(index, problem)
    return AttestedChoice(None, AttestationProblem.NOT_ATTESTED)
