"""What each topic carries: its record key and its value's format.

The topology (:mod:`lovhub.provisioning.topology`) names the topics, their configs and who may
use them; this table adds what their records hold, which the code that writes them decides
(the pipeline, the report processor, the audit writers, the registry operations). A topic of
the topology without an entry here stops the AsyncAPI generation (:class:`ContractError`),
so a new topic cannot be published without a contract.

Recipient topics exist once per recipient; they are described once, by the topology's own
naming functions applied to a placeholder (``lov.provider.{providerId}.v1``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lovhub.codec import names
from lovhub.errors import LovhubError
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AGENCY_REPORTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    DEAD_LETTER,
    HUB_STATE_CHANGELOG,
    LOOKUP_AUDIT,
    RECIPIENT_CHANGES,
    RECIPIENT_HOLDS,
    RECIPIENT_REGISTRY,
    REDELIVERY_AUDIT,
    REPORT_AUDIT,
    provider_report_topic,
    provider_topic,
    thirdparty_topic,
)
from lovhub.registry.records import REGISTRY_RECORD_FORMAT

__all__ = [
    "PROVIDER_ID",
    "THIRDPARTY_ID",
    "ContractError",
    "RecordKey",
    "TopicContent",
    "content_of",
]

# The channel parameters of the per-recipient topics (AsyncAPI `{name}` syntax).
PROVIDER_ID = "{providerId}"
THIRDPARTY_ID = "{recipientId}"


class ContractError(LovhubError):
    """The topology and this table disagree: a topic without a contract."""

    code = "CONTRACT_ERROR"


@dataclass(frozen=True, slots=True)
class RecordKey:
    """What a record's key holds (always UTF-8 text, or no key at all)."""

    description: str
    nullable: bool = False
    always_null: bool = False

    def schema(self) -> dict[str, Any]:
        """The key as an AsyncAPI (JSON) schema."""
        if self.always_null:
            kind: str | list[str] = "null"
        elif self.nullable:
            kind = ["string", "null"]
        else:
            kind = "string"
        return {"type": kind, "description": self.description}


@dataclass(frozen=True, slots=True)
class TopicContent:
    """A topic's key and value: an Avro schema of ``schemas/`` (every version of it), or,
    for the topics whose values are JSON, an AsyncAPI schema of the document."""

    key: RecordKey
    avro_schema: str | None = None
    json_name: str = ""
    json_schema: Mapping[str, Any] | None = None
    # What the topic is for, where the topology gives no purpose (the recipient topics).
    about: str = ""


_JOBSEEKER_ID = RecordKey(
    "The agency's opaque jobseeker id (never a personal identity number), UTF-8; places a "
    "jobseeker's whole history on one partition."
)
_AUDIT_PSEUDONYM = RecordKey(
    "The jobseeker's audit pseudonym (separate from every recipient's), UTF-8; no key when "
    "the input could not be read.",
    nullable=True,
)
_RECIPIENT_ID = RecordKey("The recipient id, UTF-8.")
_RECIPIENT_PSEUDONYM = RecordKey(
    "This recipient's own pseudonym of the jobseeker, UTF-8 (no two recipients share one)."
)
_NO_KEY_SINGLE_CHAIN = RecordKey(
    "No key: a single-partition hash chain with one writer.", always_null=True
)

_REGISTRY_DOCUMENT: Mapping[str, Any] = {
    "type": "object",
    "description": "Canonical JSON (sorted keys, no spaces), the recipient's whole current "
    "state; compaction keeps the latest record of each recipient.",
    "required": ["format", "recipient"],
    "additionalProperties": False,
    "properties": {
        "format": {"type": "string", "const": REGISTRY_RECORD_FORMAT},
        "recipient": {
            "type": "object",
            "description": "The recipient: id, kind, contract, purposes, public keys, "
            "status (lovhub.registry.model.Recipient).",
        },
    },
}
_STATE_DOCUMENT: Mapping[str, Any] = {
    "type": "object",
    "description": "The jobseeker's assignments, consents and protection changes in clear "
    "(ids, dates, offsets), and under f the held facts sealed with AES-256-GCM under the hub "
    "state key (docs/pipeline.md#state). Read by the hub worker and the report processor.",
}

_HOLD_DOCUMENT: Mapping[str, Any] = {
    "type": "object",
    "description": "A hold (held true: since when the recipient's topic refused the hub's "
    "writes, which topic, the client error's class) or its release by an operator (held "
    "false: by whom, when); the last record of a recipient decides "
    "(lovhub.worker.recipient_holds). Hub-internal: the hub worker and operators' "
    "`lovhub recipient holds/release` read and write it.",
    "required": ["recipient_id", "held"],
    "properties": {
        "recipient_id": {"type": "string"},
        "held": {"type": "boolean"},
        "topic": {"type": "string"},
        "since": {"type": "string", "format": "date-time"},
        "cause": {"type": "string"},
        "released_by": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
    },
}

_CONTENTS: Mapping[str, TopicContent] = {
    AGENCY_EVENTS: TopicContent(_JOBSEEKER_ID, avro_schema=names.JOBSEEKER_EVENT),
    AUDIT: TopicContent(_AUDIT_PSEUDONYM, avro_schema=names.AUDIT_DECISION),
    REPORT_AUDIT: TopicContent(_NO_KEY_SINGLE_CHAIN, avro_schema=names.AUDIT_DECISION),
    REDELIVERY_AUDIT: TopicContent(_AUDIT_PSEUDONYM, avro_schema=names.AUDIT_DECISION),
    RECIPIENT_CHANGES: TopicContent(_RECIPIENT_ID, avro_schema=names.RECIPIENT_CHANGE),
    LOOKUP_AUDIT: TopicContent(_NO_KEY_SINGLE_CHAIN, avro_schema=names.OPERATOR_LOOKUP),
    AUDIT_CHECKPOINTS: TopicContent(
        RecordKey("The checkpointed chain as <audit topic>/<partition>, UTF-8."),
        avro_schema=names.AUDIT_CHECKPOINT,
    ),
    DEAD_LETTER: TopicContent(
        RecordKey(
            "No key: the jobseeker id stays inside the payload sealed to the operators' key.",
            always_null=True,
        ),
        avro_schema=names.DEAD_LETTER_RECORD,
    ),
    RECIPIENT_REGISTRY: TopicContent(
        _RECIPIENT_ID, json_name="RecipientRegistryRecord", json_schema=_REGISTRY_DOCUMENT
    ),
    HUB_STATE_CHANGELOG: TopicContent(
        _JOBSEEKER_ID, json_name="JobseekerState", json_schema=_STATE_DOCUMENT
    ),
    RECIPIENT_HOLDS: TopicContent(
        _RECIPIENT_ID, json_name="RecipientHold", json_schema=_HOLD_DOCUMENT
    ),
    AGENCY_REPORTS: TopicContent(_JOBSEEKER_ID, avro_schema=names.AGENCY_PROVIDER_REPORT),
    provider_topic(PROVIDER_ID): TopicContent(
        _RECIPIENT_PSEUDONYM,
        avro_schema=names.RECIPIENT_RECORD,
        about="One provider's deliveries: what its assignments and consents allow, personal "
        "fields encrypted for it alone. Created when the provider is added.",
    ),
    provider_report_topic(PROVIDER_ID): TopicContent(
        RecordKey("The provider's pseudonym of the jobseeker the report is about, UTF-8."),
        avro_schema=names.PROVIDER_REPORT,
        about="One provider's reports back to the agency (activity, absence, outcome), about "
        "jobseekers assigned to it. Created when the provider is added.",
    ),
    thirdparty_topic(THIRDPARTY_ID): TopicContent(
        _RECIPIENT_PSEUDONYM,
        avro_schema=names.RECIPIENT_RECORD,
        about="One consent-based third party's deliveries: only what a consent names. "
        "Created when the third party is added.",
    ),
}


def content_of(topic: str) -> TopicContent:
    """The contract of one topic (a recipient topic by its placeholder name)."""
    try:
        return _CONTENTS[topic]
    except KeyError:
        raise ContractError(
            f"topic {topic} has no entry in lovhub.contract.topics: say what its records hold"
        ) from None
