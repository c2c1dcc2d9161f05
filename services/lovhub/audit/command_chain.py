"""A command's evidence on its single-writer chain: open the chain first, append, close.

The operators' command-line writers append through here: ``lovhub recipient ...`` (the
recipient-change chain, :mod:`lovhub.registry.operations`) and ``lovhub audit report`` /
``audit replay`` naming a person (the lookup chain, :mod:`lovhub.cli.audit_lookups`).
:func:`open_chain` starts a :class:`~lovhub.audit.writer.ChainedRecordWriter` before the
command does what the evidence is about, so a chain that cannot be opened (a missing topic,
no ACL, a broker away) stops the command before anything happens: :class:`ChainUnavailable`.
A tail that does not extend the chain's last signed checkpoint stays
:class:`~lovhub.audit.resume.ResumeRefused`. On leaving, the writer checkpoints what it
appended (with a signing key) and closes.

One writer at a time per chain: run these commands one after another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from lovhub.audit.resume import ResumeRefused
from lovhub.audit.signing import SigningKey
from lovhub.audit.writer import ChainedRecordWriter
from lovhub.codec import Codec
from lovhub.codec.store import SchemaStore
from lovhub.errors import LovhubError
from lovhub.provisioning.topology import AUDIT_CHECKPOINTS

__all__ = ["ChainUnavailable", "CommandChain", "append_evidence", "open_chain"]


class ChainUnavailable(LovhubError):
    """The chain could not be opened or appended to: the evidence was not written."""

    code = "AUDIT_WRITE_FAILED"


@dataclass(frozen=True, slots=True)
class CommandChain:
    """One single-partition chain a command appends to, and how it is checkpointed."""

    topic: str
    schema_name: str
    checkpoint_topic: str = AUDIT_CHECKPOINTS
    signing_key: SigningKey | None = None
    key_of: Callable[[Mapping[str, Any]], str | None] | None = None


@asynccontextmanager
async def open_chain(
    client_config: dict[str, Any],
    chain: CommandChain,
    *,
    codec: Codec,
    store: SchemaStore,
    checkpoint_every: int = 1,
) -> AsyncIterator[ChainedRecordWriter]:
    """The chain's writer, started (where the chain ends); checkpointed and closed on exit."""
    writer = ChainedRecordWriter(
        client_config=client_config,
        topic=chain.topic,
        codec=codec,
        store=store,
        schema_name=chain.schema_name,
        key_of=chain.key_of,
        signing_key=chain.signing_key,
        checkpoint_topic=chain.checkpoint_topic,
        checkpoint_every=checkpoint_every,
    )
    try:
        await writer.start()
    except ResumeRefused:
        await writer.stop()
        raise
    except Exception as error:
        await writer.stop()
        raise ChainUnavailable(
            f"cannot append to the chain {chain.topic} ({type(error).__name__})"
        ) from error
    try:
        yield writer
    finally:
        await writer.stop()


async def append_evidence(
    client_config: dict[str, Any],
    chain: CommandChain,
    records: Sequence[Mapping[str, Any]],
    *,
    codec: Codec,
    store: SchemaStore,
) -> list[tuple[dict[str, Any], int]]:
    """Append ``records`` in one go and return each chained record with its offset, once the
    broker acknowledged them (and their checkpoint, with a signing key); raises
    :class:`ChainUnavailable` (or ``ResumeRefused``) when they may not have been written."""
    try:
        async with open_chain(
            client_config, chain, codec=codec, store=store, checkpoint_every=len(records)
        ) as writer:
            return await writer.append(records)
    except LovhubError:
        raise
    except Exception as error:  # the append or its checkpoint: not known to be written
        raise ChainUnavailable(
            f"writing to the chain {chain.topic} failed ({type(error).__name__})"
        ) from error
