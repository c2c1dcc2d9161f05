"""How far an event's ``occurred_at`` may stray from the hub's ingest time (pure).

The ingest time is the agency record's broker timestamp (the agency topic uses
``message.timestamp.type=LogAppendTime``, so the broker's clock stamps it, not the
producer's). Nothing else bounds ``occurred_at`` but the years 2000-2100, and expiry used to be
judged by it alone, so a backdated event was shared after the consent had expired (issue 10,
finding 10). Decisions now judge dates at the later of the two (:func:`lovhub.core.decide.
judged_instant`); these bounds reject what no honest producer sends.
"""

from __future__ import annotations

import datetime as dt

from lovhub.pipeline.rejection import Rejection

__all__ = [
    "LOG_APPEND_TIME",
    "MAX_BACKDATING",
    "MAX_CLOCK_SKEW",
    "broker_ingest_time",
    "check_occurred_at",
]

#: Kafka's timestamp type of a record stamped by the broker (0 is CreateTime, the producer's).
LOG_APPEND_TIME = 1

#: An event may claim to have happened this much after the broker received it: clock skew
#: between the agency's systems and the broker, never more (NTP keeps both within seconds).
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
#: An event may reach the hub this long after it happened: the agency's outages, batch
#: re-sends and late corrections. Expiry no longer depends on it (dates are judged at the
#: later instant); it bounds how far back an event may rewrite the jobseeker's history.
MAX_BACKDATING = dt.timedelta(days=30)


def check_occurred_at(occurred_at: dt.datetime, ingested_at: dt.datetime | None) -> None:
    """Raise a :class:`Rejection` when ``occurred_at`` is outside the bounds around
    ``ingested_at``; no ingest time known (an untrusted timestamp) checks nothing."""
    if ingested_at is None:
        return
    if occurred_at > ingested_at + MAX_CLOCK_SKEW:
        raise Rejection(
            "INVALID_FIELD", "OCCURRED_IN_FUTURE", "occurred_at", audit_reason="OCCURRED_IN_FUTURE"
        )
    if occurred_at < ingested_at - MAX_BACKDATING:
        raise Rejection(
            "INVALID_FIELD",
            "OCCURRED_TOO_LONG_AGO",
            "occurred_at",
            audit_reason="OCCURRED_TOO_LONG_AGO",
        )


def broker_ingest_time(timestamp_ms: int | None, timestamp_type: int | None) -> dt.datetime | None:
    """The record's ingest time when the broker stamped it (LogAppendTime), else None.

    A CreateTime timestamp is the producer's own clock: a producer that backdates
    ``occurred_at`` sets it too, so it bounds nothing and is not used (test topics and
    topics created before finding 10 keep the previous behaviour; ``lovhub provision``
    creates the agency topic with LogAppendTime)."""
    if timestamp_type != LOG_APPEND_TIME or timestamp_ms is None or timestamp_ms < 0:
        return None
    return dt.datetime.fromtimestamp(timestamp_ms / 1000, dt.UTC)
