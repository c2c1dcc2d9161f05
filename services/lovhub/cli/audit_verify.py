"""``lovhub audit verify``: the Kafka shell around lovhub.audit.verify.

Reads every partition of every chained audit topic (or the ``--topic``s given) and the
checkpoint topic, hands the decoded records to the pure verifier and prints a summary table
(or JSON). Exit 1 on any break. Semantics of ``--from``/``--to``: docs/audit-evidence.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from rich.progress import Progress
from rich.table import Table

from lovhub.audit.anchors import (
    ANCHOR_POSITION,
    AnchorFileError,
    anchors_document,
    newest_per_chain,
    parse_anchors,
)
from lovhub.audit.canonical import canonical_encoder
from lovhub.audit.chain import BreakKind
from lovhub.audit.roles import WriterRole, role_of_chain
from lovhub.audit.signing import VerifyingKeys, load_verifying_keys
from lovhub.audit.verify import (
    ChainStart,
    Finding,
    PartitionResult,
    start_for,
    valid_checkpoints,
    verify_partition,
)
from lovhub.cli.console import err, out
from lovhub.codec import (
    AUDIT_CHECKPOINT,
    AUDIT_DECISION,
    OPERATOR_LOOKUP,
    RECIPIENT_CHANGE,
    Codec,
    CodecError,
    codec_for,
    default_store,
)
from lovhub.errors import ConfigurationError, LovhubError
from lovhub.kafka import consumer
from lovhub.kafka.reading import poll_assigned
from lovhub.provisioning.topology import AUDIT_CHECKPOINTS, CHAINED_AUDIT_TOPICS
from lovhub.settings import (
    HubSettings,
    KafkaSettings,
    StartupFiles,
    load_kafka_settings,
    state_dir,
)

__all__ = ["AuditReadError", "verify"]


class AuditReadError(LovhubError):
    """The audit or checkpoint topics could not be read (not a verdict on the evidence)."""

    code = "AUDIT_READ_ERROR"


READ_STALL_POLLS = 30  # one-second polls without a record before giving up on a partition
Checkpoints = dict[tuple[str, int], list[tuple[int, Mapping[str, Any]]]]


# The record schema of each writer role's chain (the others' are AuditDecisions).
_ROLE_SCHEMAS = {
    WriterRole.RECIPIENT_LIFECYCLE: RECIPIENT_CHANGE,
    WriterRole.OPERATOR_LOOKUP: OPERATOR_LOOKUP,
}


def _schema_of(topic: str, role: WriterRole) -> str:
    """The schema of a chain's records: by its writer role, ``role`` for a topic that is not
    one of the hub's chains (a staging copy, a test's own topic)."""
    return _ROLE_SCHEMAS.get(role_of_chain(topic, default=role), AUDIT_DECISION)


def _public_keys(path: Path | None) -> VerifyingKeys:
    if path is None:
        path = StartupFiles.from_environment().audit_public_key_file
    if path is None:
        demo = state_dir() / "demo" / "audit-signing.pub"
        if not demo.exists():
            raise ConfigurationError(
                "no audit public key: pass --public-key FILE or set LOVHUB_AUDIT_PUBLIC_KEY_FILE"
            )
        path = demo
    return load_verifying_keys(path)


def _parse_time(value: str | None) -> int | None:
    """Milliseconds since the epoch; naive times are UTC."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"not an ISO-8601 time: {value}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def _offset_at(reader: KafkaConsumer, tp: TopicPartition, millis: int | None, end: int) -> int:
    """The first offset at or after ``millis`` (the end when none)."""
    if millis is None:
        return end
    found = reader.offsets_for_times({tp: millis}).get(tp)
    return end if found is None else int(found.offset)


def _read(
    reader: KafkaConsumer, tp: TopicPartition, start: int, stop: int, progress: Any, task: Any
) -> list[Any]:
    reader.assign([tp])
    reader.seek(tp, start)
    records: list[Any] = []
    empty_polls = 0
    while reader.position(tp) < stop:
        # An undecodable batch stops here with one line naming topic and partition.
        batch = poll_assigned(reader, timeout_ms=1000).get(tp, [])
        records.extend(r for r in batch if r.offset < stop)
        progress.advance(task, len(batch))
        empty_polls = 0 if batch else empty_polls + 1
        if empty_polls >= READ_STALL_POLLS:
            raise AuditReadError(
                f"no records from {tp.topic}/{tp.partition} at offset {reader.position(tp)} "
                f"for {READ_STALL_POLLS} s (is READ granted on it?)"
            )
    return records


def _read_checkpoints(
    settings: KafkaSettings, topic: str, codec: Codec, progress: Any
) -> tuple[Checkpoints, list[Finding]]:
    reader = consumer(settings)
    found: Checkpoints = defaultdict(list)
    unreadable: list[Finding] = []
    try:
        partitions = sorted(reader.partitions_for_topic(topic) or ())
        for partition in partitions:
            tp = TopicPartition(topic, partition)
            start = reader.beginning_offsets([tp])[tp]
            end = reader.end_offsets([tp])[tp]
            task = progress.add_task(f"checkpoints {topic}/{partition}", total=end - start)
            for record in _read(reader, tp, start, end, progress, task):
                try:
                    cp = codec.decode(record.value, AUDIT_CHECKPOINT)
                except CodecError:
                    unreadable.append(
                        Finding(topic, partition, record.offset, BreakKind.UNREADABLE, "checkpoint")
                    )
                    continue
                found[(cp["audit_topic"], int(cp["partition"]))].append((record.offset, cp))
    finally:
        reader.close()
    return found, unreadable


def _verify_topic(
    settings: KafkaSettings,
    topic: str,
    original: str,
    checkpoints: Checkpoints,
    keys: VerifyingKeys,
    window: tuple[int | None, int | None],
    progress: Any,
    role: WriterRole,
) -> list[PartitionResult]:
    codec = codec_for(HubSettings())
    store = default_store()
    schema = _schema_of(original, role)
    try:
        store.resolve(schema)
    except Exception as error:  # the store names what is missing
        raise ConfigurationError(f"no schema {schema} for {topic}: {error}") from error
    encode_record = canonical_encoder(store, schema)
    encode_checkpoint = canonical_encoder(store, AUDIT_CHECKPOINT)
    reader = consumer(settings)
    results = []
    try:
        present = reader.partitions_for_topic(topic) or set()
        claimed = {p for (t, p) in checkpoints if t == original}
        for partition in sorted(present | claimed):
            ours = checkpoints.get((original, partition), [])
            start, stop, records = ChainStart(), None, []
            if partition in present:  # else: checkpoints name a partition that is gone
                tp = TopicPartition(topic, partition)
                end = reader.end_offsets([tp])[tp]
                if window[0] is not None:
                    first = _offset_at(reader, tp, window[0], end)
                    start = start_for(first, valid_checkpoints(ours, keys, encode_checkpoint))
                # --to is inclusive: stop at the first record after it.
                until = None if window[1] is None else window[1] + 1
                stop = _offset_at(reader, tp, until, end)
                task = progress.add_task(f"{topic}/{partition}", total=max(0, stop - start.offset))
                records = _read(reader, tp, start.offset, stop, progress, task)
                if window[1] is None:
                    stop = None  # up to the end of the log: checkpoints beyond it = truncation
            decoded: list[tuple[int, Mapping[str, Any] | None]] = []
            for record in records:
                try:
                    decoded.append((record.offset, codec.decode(record.value, schema)))
                except CodecError:
                    decoded.append((record.offset, None))
            results.append(
                verify_partition(
                    topic,
                    partition,
                    decoded,
                    ours,
                    keys=keys,
                    encode_record=encode_record,
                    encode_checkpoint=encode_checkpoint,
                    start=start,
                    stop=stop,
                )
            )
    finally:
        reader.close()
    return results


def verify(
    topic: list[str] = typer.Option(
        [], "--topic", help="Audit topic(s) to verify; default: every chained audit topic."
    ),
    from_time: str | None = typer.Option(
        None, "--from", help="ISO-8601 time: verify from the last checkpoint before it."
    ),
    to_time: str | None = typer.Option(None, "--to", help="ISO-8601 time: stop there."),
    public_key: Path | None = typer.Option(
        None, help="The hub's published public key (PEM); default LOVHUB_AUDIT_PUBLIC_KEY_FILE."
    ),
    checkpoint_topic: str = typer.Option(AUDIT_CHECKPOINTS, help="The checkpoint topic."),
    copy_of: str | None = typer.Option(
        None, help="The --topic is a copy (mirror, backup) of this topic: use its checkpoints."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON document instead of a table."),
    anchors: Path | None = typer.Option(
        None,
        "--anchors",
        help="An anchor file from `lovhub audit anchor`: the log must still extend every "
        "anchored checkpoint (ANCHOR_NOT_EXTENDED otherwise).",
    ),
    role: WriterRole = typer.Option(
        WriterRole.HUB_WORKER,
        help="Whose key signs a --topic that is not one of the hub's chains, and so which "
        "schema its records have (the hub's chains always take their own writer role's).",
    ),
) -> None:
    """Recompute every audit chain and check it against the signed checkpoints.

    Reports, per partition, the first break (MODIFIED, BROKEN_LINK, SEQUENCE,
    CHECKPOINT_FORGED, CHECKPOINT_MISMATCH, TRUNCATED, UNREADABLE) at its exact offset;
    exits 1 on any break and when a chained topic is missing.
    """
    settings = load_kafka_settings()
    keys = _public_keys(public_key)
    window = (_parse_time(from_time), _parse_time(to_time))
    topics = topic or list(CHAINED_AUDIT_TOPICS)
    if copy_of and len(topics) != 1:
        raise typer.BadParameter("--copy-of needs exactly one --topic")
    codec = codec_for(HubSettings())
    results: list[PartitionResult] = []
    absent: list[str] = []
    try:
        with Progress(console=err, transient=True) as progress:
            checkpoints, unreadable = _read_checkpoints(settings, checkpoint_topic, codec, progress)
            if anchors is not None:
                for chain, anchored in parse_anchors(_read_json(anchors)):
                    checkpoints[chain].append((ANCHOR_POSITION, anchored))
            existing = _existing_topics(settings)
            for name in topics:
                original = copy_of or name
                if name not in existing and not any(t == original for t, _ in checkpoints):
                    absent.append(name)
                    continue
                # Each chain's checkpoints count only under its own writer role's key.
                trusted = keys.for_role(role_of_chain(original, default=role))
                results += _verify_topic(
                    settings, name, original, checkpoints, trusted, window, progress, role
                )
    except KafkaError as error:
        raise AuditReadError(
            f"cannot read the audit topics ({type(error).__name__}): the verifier needs READ "
            f"on every audit topic and on {checkpoint_topic}"
        ) from error
    for result in results:
        result.findings = [_anchor_finding(f) for f in result.findings]
    breaks = [r.first_break for r in results if r.first_break] + unreadable
    if as_json:
        out.print_json(json.dumps(_as_json(results, unreadable, absent)))
    else:
        _print_table(results, unreadable, absent)
    if breaks or absent:  # a chained topic that is gone is lost evidence, not a pass
        raise typer.Exit(1)


def _existing_topics(settings: KafkaSettings) -> set[str]:
    reader = consumer(settings)
    try:
        return set(reader.topics())
    finally:
        reader.close()


def _as_json(
    results: list[PartitionResult], unreadable: list[Finding], absent: list[str]
) -> dict[str, Any]:
    def finding(f: Finding | None) -> dict[str, Any] | None:
        if f is None:
            return None
        return {
            "topic": f.topic,
            "partition": f.partition,
            "offset": f.offset,
            "kind": str(f.kind),
            "detail": f.detail,
            "checkpoint_offset": f.checkpoint_offset,
        }

    partitions = [
        {
            "topic": r.topic,
            "partition": r.partition,
            "start_offset": r.start.offset,
            "started_from_checkpoint": r.start.checkpoint_offset,
            "records_verified": r.records,
            "checkpoints_checked": r.checkpoints,
            "first_break": finding(r.first_break),
            "findings": [finding(f) for f in sorted(r.findings, key=lambda f: f.offset)],
        }
        for r in results
    ]
    return {
        "ok": not unreadable and not absent and all(r.first_break is None for r in results),
        "partitions": partitions,
        "unreadable_checkpoints": [finding(f) for f in unreadable],
        "absent_topics": absent,
    }


def _print_table(
    results: list[PartitionResult], unreadable: list[Finding], absent: list[str]
) -> None:
    table = Table(title="audit verification")
    for column in ("topic", "partition", "from", "records", "checkpoints", "result"):
        table.add_column(
            column,
            justify="right" if column in ("records", "checkpoints") else "left",
            overflow="fold",
        )
    for r in results:
        broken = r.first_break
        result = (
            f"[red]break at offset {broken.offset}: {broken.kind}[/red] ({broken.detail})"
            if broken
            else "[green]ok[/green]"
        )
        start = f"{r.start.offset} (checkpoint)" if r.start.checkpoint_offset is not None else "0"
        table.add_row(r.topic, str(r.partition), start, str(r.records), str(r.checkpoints), result)
    for f in unreadable:
        table.add_row(
            f.topic,
            str(f.partition),
            "-",
            "-",
            "-",
            f"[red]unreadable checkpoint at offset {f.offset}[/red]",
        )
    for name in absent:
        table.add_row(name, "-", "-", "-", "-", "[red]topic absent: evidence missing[/red]")
    out.print(table)
    total = sum(r.records for r in results)
    broken_count = sum(1 for r in results if r.first_break) + len(unreadable)
    verdict = (
        "[green]all verify[/green]"
        if not broken_count and not absent
        else f"[red]{broken_count} with a break, {len(absent)} topics absent[/red]"
    )
    out.print(
        f"{len(results)} partitions, {total} records, "
        f"{sum(r.checkpoints for r in results)} checkpoints: {verdict}"
    )


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnchorFileError(f"cannot read anchors {path}: {type(error).__name__}") from None


def _anchor_finding(finding: Finding) -> Finding:
    """A break at an anchored checkpoint: the log no longer extends what was anchored."""
    if finding.checkpoint_offset != ANCHOR_POSITION or finding.kind not in (
        BreakKind.CHECKPOINT_MISMATCH,
        BreakKind.TRUNCATED,
    ):
        return finding
    return replace(
        finding,
        kind=BreakKind.ANCHOR_NOT_EXTENDED,
        detail=f"the log does not extend an anchored checkpoint: {finding.detail}",
    )


def anchor(
    out_file: Path = typer.Option(..., "--out", help="The anchor file to write (JSON)."),
    checkpoint_topic: str = typer.Option(AUDIT_CHECKPOINTS, help="The checkpoint topic."),
    force: bool = typer.Option(False, help="Replace an existing anchor file."),
) -> None:
    """Export the newest signed checkpoint of every audit partition to a file kept outside
    Kafka; `lovhub audit verify --anchors FILE` later proves the log still extends them."""
    if out_file.exists() and not force:
        raise typer.BadParameter(f"{out_file} exists (--force replaces it)")
    settings = load_kafka_settings()
    codec = codec_for(HubSettings())
    with Progress(console=err, transient=True) as progress:
        checkpoints, _ = _read_checkpoints(settings, checkpoint_topic, codec, progress)
    newest = newest_per_chain(checkpoints)
    if not newest:
        err.print(f"no checkpoints on {checkpoint_topic}: nothing to anchor")
        raise typer.Exit(1)
    document = anchors_document(newest, dt.datetime.now(dt.UTC))
    out_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    err.print(f"anchored {len(newest)} audit partitions in {out_file}")
