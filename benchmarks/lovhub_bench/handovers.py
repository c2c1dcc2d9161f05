"""Telling handovers apart from the deliveries a latency can be timed by.

A handover (the facts held about a jobseeker, sent to a provider when an assignment begins)
carries in its ``trace_id`` the reference of the older event that brought each fact, sent
long before the assignment that caused the handover. Timed from that event it would measure
the stream's pace (how long after a registration the assignment came), not the hub. The
latency benchmark and the soak therefore count handovers and do not time them.
"""

from __future__ import annotations

from lovhub.codec import RECIPIENT_RECORD, codec_for
from lovhub.pipeline.delivery import DELIVERY_KIND_PATH, DeliveryKind

__all__ = ["is_handover"]

_MARKER = DELIVERY_KIND_PATH.encode()
_CODEC = codec_for(None)


def is_handover(value: bytes) -> bool:
    """Whether a recipient record is a handover (its clear marker field says so)."""
    if _MARKER not in value:  # a live delivery has no marker: the common case, decoded never
        return False
    fields = _CODEC.decode(value, RECIPIENT_RECORD)["fields"]
    return any(
        f["path"] == DELIVERY_KIND_PATH and f["value"] == DeliveryKind.HANDOVER for f in fields
    )
