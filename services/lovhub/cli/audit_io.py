"""The I/O half of the operators' tools: streaming topics, decoding decisions, looking up
a person's agency ids and the recipients' names. The logic lives in :mod:`lovhub.operators`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kafka import TopicPartition
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lovhub.cli.console import err, say
from lovhub.codec import AUDIT_DECISION, JOBSEEKER_EVENT, Codec, CodecError
from lovhub.errors import ConfigurationError, LovhubError
from lovhub.identity import is_valid_personal_id
from lovhub.kafka import consumer
from lovhub.kafka.aio import aio_client_config
from lovhub.kafka.reading import poll_assigned
from lovhub.operators.decisions import AuditedDecision, Place, jobseeker_ids_for
from lovhub.policy import Policy, load_policy
from lovhub.policy.location import default_policy_dir
from lovhub.provisioning.topology import AUDIT, REDELIVERY_AUDIT, REPORT_AUDIT
from lovhub.registry import RecipientDirectory, load_recipients
from lovhub.settings import KafkaSettings, StartupFiles

__all__ = [
    "AUDIT_TOPICS_HELP",
    "DECISION_TOPICS",
    "UnreadableCount",
    "agency_ids_of",
    "current_policy",
    "current_recipients",
    "stream_decisions",
    "stream_topic",
]

# The chained topics whose records are AuditDecisions (the recipient-change chain has
# another schema).
DECISION_TOPICS = (AUDIT, REPORT_AUDIT, REDELIVERY_AUDIT)
AUDIT_TOPICS_HELP = "An audit topic to read (repeat); default: every AuditDecision topic."


def stream_topic(
    settings: KafkaSettings,
    topic: str,
    *,
    starts: Mapping[int, int] | None = None,
    stops: Mapping[int, int] | None = None,
    only_partitions: Iterable[int] | None = None,
    label: str | None = None,
) -> Iterator[Any]:
    """Every record of ``topic`` from ``starts`` (default: the beginning) up to ``stops``
    (default: the end it had when reading began), partition by partition in offset order,
    with a progress bar."""
    reader = consumer(settings)
    try:
        numbers = reader.partitions_for_topic(topic)
        if not numbers:
            raise ConfigurationError(f"topic {topic} does not exist or cannot be read")
        wanted = set(numbers) if only_partitions is None else set(only_partitions) & numbers
        partitions = [TopicPartition(topic, p) for p in sorted(wanted)]
        ends = reader.end_offsets(partitions)
        if stops is not None:
            ends = {tp: min(end, stops.get(tp.partition, end)) for tp, end in ends.items()}
        firsts = reader.beginning_offsets(partitions)
        begin = {tp: max(firsts[tp], (starts or {}).get(tp.partition, 0)) for tp in partitions}
        total = sum(max(0, ends[tp] - begin[tp]) for tp in partitions)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task(label or f"reading {topic}", total=total)
            for tp in partitions:
                if begin[tp] >= ends[tp]:
                    continue
                reader.assign([tp])
                reader.seek(tp, begin[tp])
                while reader.position(tp) < ends[tp]:
                    for batch in poll_assigned(reader, timeout_ms=500, max_records=2000).values():
                        for record in batch:
                            if record.offset < ends[tp]:
                                yield record
                        bar.advance(task, len(batch))
    finally:
        reader.close()


class UnreadableCount:
    """Counts records that are not decisions: shown in the summary, never skipped silently."""

    def __init__(self) -> None:
        self.places: list[Place] = []


def stream_decisions(
    settings: KafkaSettings,
    codec: Codec,
    topics: Iterable[str],
    unreadable: UnreadableCount,
) -> Iterator[AuditedDecision]:
    """Every decision of every topic, decoded; unreadable records go to ``unreadable``."""
    for topic in topics:
        for record in stream_topic(settings, topic, label=f"reading {topic}"):
            place = Place(record.topic, record.partition, record.offset)
            try:
                decision = codec.decode(record.value, AUDIT_DECISION)
            except CodecError:
                unreadable.places.append(place)
                continue
            yield AuditedDecision(place, decision)


def agency_ids_of(
    settings: KafkaSettings, codec: Codec, agency_topic: str, personal_id: str
) -> frozenset[str]:
    """The agency jobseeker ids whose registrations carry ``personal_id``, in memory only.

    Avro stores strings as their UTF-8 bytes, so records that do not contain the number's
    bytes cannot carry it and are not decoded. Neither the number nor the ids are logged.
    """
    if not is_valid_personal_id(personal_id):
        raise ConfigurationError("the personal identity number is not valid (12 digits, check)")
    needle = personal_id.encode("ascii")

    def candidates() -> Iterator[dict[str, Any]]:
        for record in stream_topic(settings, agency_topic, label="finding the person"):
            if record.value is None or needle not in record.value:
                continue
            try:
                yield codec.decode(record.value, JOBSEEKER_EVENT)
            except CodecError:
                continue

    return jobseeker_ids_for(personal_id, candidates())


def current_policy() -> Policy:
    path = StartupFiles.from_environment().policy_file or default_policy_dir() / "policy.yaml"
    try:
        return load_policy(path)
    except (OSError, LovhubError) as error:
        raise ConfigurationError(f"cannot load the policy: {error}") from error


def _recipients_file(policy: Policy) -> RecipientDirectory:
    configured = StartupFiles.from_environment().recipients_file
    path = configured or default_policy_dir() / "recipients.yaml"
    try:
        return load_recipients(path, policy=policy)
    except (OSError, LovhubError) as error:
        raise ConfigurationError(f"cannot load the recipients: {error}") from error


def current_recipients(settings: KafkaSettings, policy: Policy, source: str) -> RecipientDirectory:
    """Today's recipients: from the registry topic (``source='registry'``), the recipients
    file (``'file'``: LOVHUB_RECIPIENTS_FILE or deploy/policy/recipients.yaml), or the
    registry when it is available and holds recipients, else the file (``'auto'``)."""
    if source not in ("auto", "registry", "file"):
        raise ConfigurationError("--recipients must be auto, registry or file")
    if source != "file":
        try:
            from lovhub.registry.follower import read_registry

            directory = asyncio.run(read_registry(aio_client_config(settings), policy=policy))
        except Exception as error:  # no registry topic, no access, or an older release
            if source == "registry":
                raise ConfigurationError(
                    f"cannot read the recipient registry: {type(error).__name__}"
                ) from error
            directory = None
        if directory is not None and (len(directory) or source == "registry"):
            return directory
        say("the recipient registry is empty or unavailable: using the recipients file")
    return _recipients_file(policy)
