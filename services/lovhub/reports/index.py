"""Which jobseeker a provider's pseudonym names, and when that provider had them assigned.

Built from the hub's state changelog (key: the agency's jobseeker id; value: the
jobseeker's state, :mod:`lovhub.core.state_codec`). For every assignment the provider's own
pseudonym for the jobseeker is computed with the hub secret, so a report's pseudonym leads
back to a jobseeker only through an assignment to the very provider that sent it: a
pseudonym another provider received (or made up) finds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from lovhub.core.state import Assignment
from lovhub.core.state_codec import EVENT_ID_KEY_PREFIX, state_from_bytes
from lovhub.pseudonyms import PseudonymError, Pseudonymiser

__all__ = ["AssignedJobseeker", "AssignmentPeriod", "PseudonymIndex"]


@dataclass(frozen=True, slots=True)
class AssignmentPeriod:
    assignment_id: str
    valid_from: dt.date
    valid_to: dt.date | None  # inclusive; None: open-ended

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class AssignedJobseeker:
    """A jobseeker as one provider knows them: the agency id and that provider's periods."""

    jobseeker_id: str
    periods: tuple[AssignmentPeriod, ...]

    def covering(self, day: dt.date, assignment_id: str | None = None) -> list[AssignmentPeriod]:
        """The periods in force on ``day`` (only the named one when an id is given)."""
        return [
            period
            for period in self.periods
            if period.covers(day) and assignment_id in (None, period.assignment_id)
        ]


class PseudonymIndex:
    """(provider id, provider's pseudonym) -> the assigned jobseeker; fed changelog records."""

    def __init__(self, pseudonymiser: Pseudonymiser) -> None:
        self._pseudonymiser = pseudonymiser
        self._entries: dict[tuple[str, str], AssignedJobseeker] = {}
        self._keys_of: dict[str, list[tuple[str, str]]] = {}
        self.unreadable = 0  # changelog values that did not decode (never silently trusted)

    def __len__(self) -> int:
        return len(self._entries)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """One changelog record: the jobseeker's latest state replaces what was known."""
        if not key:
            self.unreadable += 1
            return
        if key.startswith(EVENT_ID_KEY_PREFIX):
            return  # the hub's event-id index shares the changelog; not a jobseeker
        try:
            jobseeker_id = key.decode("utf-8")
        except UnicodeDecodeError:
            self.unreadable += 1
            return
        for entry in self._keys_of.pop(jobseeker_id, []):
            self._entries.pop(entry, None)
        if value is None:  # a tombstone: the jobseeker's state was deleted
            return
        try:
            state = state_from_bytes(value)
        except (ValueError, TypeError, KeyError):
            self.unreadable += 1
            return
        periods: dict[str, list[AssignmentPeriod]] = defaultdict(list)
        for assignment in state.assignments.values():
            periods[assignment.provider_id].append(
                AssignmentPeriod(
                    assignment.assignment_id, assignment.valid_from, _last_day(assignment)
                )
            )
        entries = []
        for provider_id, provider_periods in periods.items():
            try:
                pseudonym = self._pseudonymiser.for_recipient(provider_id, jobseeker_id)
            except PseudonymError:
                continue  # not a recipient id: no provider can hold this pseudonym
            entry = (provider_id, pseudonym)
            ordered = tuple(sorted(provider_periods, key=lambda p: (p.valid_from, p.assignment_id)))
            self._entries[entry] = AssignedJobseeker(jobseeker_id, ordered)
            entries.append(entry)
        if entries:
            self._keys_of[jobseeker_id] = entries

    def lookup(self, provider_id: str, pseudonym: str) -> AssignedJobseeker | None:
        return self._entries.get((provider_id, pseudonym))


def _last_day(assignment: Assignment) -> dt.date | None:
    """The planned end, or the day an early end named when that came first."""
    ends = [day for day in (assignment.valid_to, assignment.ended_on) if day is not None]
    return min(ends, default=None)
