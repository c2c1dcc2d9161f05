"""Anchors: signed checkpoint heads kept outside Kafka, so the log can be checked against them
without trusting whoever runs the brokers (docs/audit-evidence.md).

``lovhub audit anchor`` writes the newest signed checkpoint of every audit partition to a JSON
file (kept with the data protection officer, in a repository, printed); ``lovhub audit verify
--anchors FILE`` adds them to the checkpoints it verifies against. An operator who rewrites,
truncates or recreates an audit topic *and* its checkpoint topic cannot forge the anchors'
signatures, so the log no longer extends them and verify fails ``ANCHOR_NOT_EXTENDED``.
Pure: the CLI reads and writes the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from lovhub.errors import LovhubError

__all__ = [
    "ANCHOR_FORMAT",
    "ANCHOR_POSITION",
    "AnchorFileError",
    "anchors_document",
    "newest_per_chain",
    "parse_anchors",
]

ANCHOR_FORMAT = "lovhub-audit-anchors/1"
#: The checkpoint-topic position given to an anchored checkpoint (it is not on the topic).
ANCHOR_POSITION = -1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BYTES = ("chain_head", "signature")


class AnchorFileError(LovhubError):
    code = "ANCHOR_FILE"


Checkpoint = Mapping[str, Any]


def newest_per_chain(
    checkpoints: Mapping[tuple[str, int], Iterable[tuple[int, Checkpoint]]],
) -> list[Checkpoint]:
    """The checkpoint covering the highest offset of each (audit topic, partition)."""
    newest = []
    for _, entries in sorted(checkpoints.items()):
        listed = list(entries)
        if listed:
            newest.append(max(listed, key=lambda e: (int(e[1]["offset"]), e[0]))[1])
    return newest


def anchors_document(checkpoints: Iterable[Checkpoint], created_at: dt.datetime) -> dict[str, Any]:
    anchors = []
    for cp in checkpoints:
        entry: dict[str, Any] = {}
        for name, value in cp.items():
            if name in _BYTES:
                entry[name] = bytes(value).hex()
            elif isinstance(value, dt.datetime):
                entry[name] = (value - _EPOCH) // dt.timedelta(milliseconds=1)
            else:
                entry[name] = value
        anchors.append(entry)
    return {"format": ANCHOR_FORMAT, "created_at": created_at.isoformat(), "anchors": anchors}


def parse_anchors(document: object) -> list[tuple[tuple[str, int], dict[str, Any]]]:
    """((audit topic, partition), checkpoint as the codec decodes it) per anchor."""
    if not isinstance(document, dict) or document.get("format") != ANCHOR_FORMAT:
        raise AnchorFileError(f"not an anchor file (format {ANCHOR_FORMAT} expected)")
    parsed = []
    for index, entry in enumerate(document.get("anchors") or []):
        try:
            cp = dict(entry)
            for name in _BYTES:
                cp[name] = bytes.fromhex(cp[name])
            cp["signed_at"] = _EPOCH + dt.timedelta(milliseconds=int(cp["signed_at"]))
            key = (str(cp["audit_topic"]), int(cp["partition"]))
        except (KeyError, TypeError, ValueError) as error:
            raise AnchorFileError(f"anchor {index} is malformed ({type(error).__name__})") from None
        parsed.append((key, cp))
    return parsed
