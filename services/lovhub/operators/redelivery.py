"""Re-delivery to one recipient after it lost data, with today's facts as an upper bound.

Two passes over the agency topic, both through the hub's own steps
(:meth:`HubPipeline.replay_state`, :func:`lovhub.core.decide_event`, the pipeline's
minimisation, encryption and record building):

1. :meth:`RedeliveryPlanner.learn` replays every record from the beginning and keeps each
   jobseeker's state. State is position-indexed, so the state at the end of the log still
   answers "what held at position p" exactly as it did when the event was first decided.
2. :meth:`RedeliveryPlanner.plan` takes each record at or after the start point and
   re-delivers it only if
   - the hub delivered it to this recipient back then: the audit stream's DELIVERED
     decisions name the event and their purposes (without them, the decision at the event's
     own position, taking the recipient as active then, stands in), and
   - a decision under today's facts allows it too: every consent withdrawal, expiry and
     assignment end in the log is in force (the event is decided at a position after the
     whole log, at today's time), and today's recipient status and keys apply.
   Nothing is re-delivered that could not be delivered now. The fields are re-minimised
   for the purposes both decisions allow (the intersection), under today's policy, and for
   a person whose identity is protected then or now, contact fields are dropped.

Each re-delivery gets new, deterministic ids per (event, recipient, run id) and
``redelivery=true``; its audit decision (DELIVERED, or WITHHELD with today's reason for
something delivered back then that today's facts forbid) is marked ``redelivery=true``
and belongs on the re-delivery audit topic. Pure: the shell reads and publishes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lovhub.codec.store import SchemaStore
from lovhub.core import Decision, JobseekerState, Outcome, Reason, decide_event
from lovhub.core.decide import LegalBasis
from lovhub.core.outputs import AuditRecord, OutboundRecord, SourcePosition
from lovhub.errors import ConfigurationError, LovhubError
from lovhub.pipeline import HubPipeline
from lovhub.pipeline.audit import AuditSubject, audit_decision, delivered_audit
from lovhub.pipeline.delivery import build_delivery, minimised_fields
from lovhub.pipeline.ids import decision_id, delivery_id
from lovhub.pipeline.policy_cache import CachedPolicy, recipient_facts

__all__ = [
    "TODAY_POSITION",
    "RedeliveryError",
    "RedeliveryPlanner",
    "RedeliveryStep",
    "redelivery_key",
]

# A log position after every real offset: ends and withdrawals anywhere in the log apply.
TODAY_POSITION = 2**62


class RedeliveryError(LovhubError):
    """A re-delivery run stopped part-way (the message names the step, never data)."""

    code = "REDELIVERY_FAILED"


@dataclass(frozen=True, slots=True)
class RedeliveryStep:
    """What to do for one earlier delivery: publish ``delivery`` (if any), then audit."""

    source: SourcePosition
    delivery: OutboundRecord | None
    audit: AuditRecord  # delivery topic/partition/offset filled in after publishing


def redelivery_key(event_id: str, run_id: str) -> str:
    """The decision key of a re-delivery: new ids per run, the same ids within a run."""
    return f"{event_id}\x1fredelivery\x1f{run_id}"


class RedeliveryPlanner:
    """Plans one re-delivery run for one recipient; see the module docstring."""

    def __init__(
        self,
        pipeline: HubPipeline,
        store: SchemaStore,
        *,
        recipient_id: str,
        run_id: str,
        now: dt.datetime,
        delivered_before: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        recipient = pipeline.recipients.get(recipient_id)
        if recipient is None:
            raise ConfigurationError(f"recipient {recipient_id} is not registered")
        self.recipient = recipient
        self.pipeline = pipeline
        self.run_id = run_id
        self.now = now
        self.delivered_before = delivered_before
        self.states: dict[tuple[int, bytes], JobseekerState] = {}
        self._policy = CachedPolicy(pipeline.policy)
        self._facts = recipient_facts(pipeline.recipients.as_mapping().values())
        # Back then the recipient was active, or the hub would not have delivered to it.
        active = recipient.model_copy(update={"status": "active"})
        self._then_facts = {**self._facts, **recipient_facts([active])}
        self._fingerprint = store.get("se.lovhub.recipient.RecipientRecord").fingerprint
        self._protected_paths = tuple(pipeline.policy.protected_identity_paths)

    def learn(self, value: bytes | None, key: bytes | None, source: SourcePosition) -> None:
        """Pass 1: replay one record (every record, from the beginning, in offset order)."""
        where = (source.partition, key or b"")
        state = self.states.get(where, JobseekerState())
        _, after = self.pipeline.replay_state(value, key, source, state)
        if after != state:
            self.states[where] = after

    def plan(
        self, value: bytes | None, key: bytes | None, source: SourcePosition
    ) -> RedeliveryStep | None:
        """Pass 2: the re-delivery of one record at or after the start point, or None when
        it was not delivered to this recipient back then."""
        state = self.states.get((source.partition, key or b""), JobseekerState())
        event, _ = self.pipeline.replay_state(value, key, source, state)
        if event is None:
            return None
        then = self._then(state, event, source)
        if then is None:
            return None
        today_event = {**event, "occurred_at": self.now}
        today = self._decision(state, today_event, TODAY_POSITION, self._facts)
        allowed = self._upper_bound(then, today, event["event_type"])
        protected = state.protected(source.offset) or state.protected(TODAY_POSITION)
        return self._step(allowed, event, source, protected)

    def _then(
        self, state: JobseekerState, event: dict[str, Any], source: SourcePosition
    ) -> Decision | None:
        """What the recipient got back then, or None when it got nothing: judged at the
        original record's ingest time, as the first run judged it."""
        if self.delivered_before is not None:
            purposes = self.delivered_before.get(event["event_id"])
            if purposes is None:
                return None
            return Decision(self.recipient.id, Outcome.DELIVERED, None, tuple(purposes))
        then = self._decision(
            state, event, source.offset, self._then_facts, ingested_at=source.ingested_at
        )
        return then if then is not None and then.outcome is Outcome.DELIVERED else None

    def _decision(
        self,
        state: JobseekerState,
        event: dict[str, Any],
        position: int,
        facts: Any,
        *,
        ingested_at: dt.datetime | None = None,
    ) -> Decision | None:
        decisions = decide_event(
            state, event, position, self._policy, facts, ingested_at=ingested_at
        )
        return next((d for d in decisions if d.recipient_id == self.recipient.id), None)

    def _upper_bound(self, then: Decision, today: Decision | None, event_type: str) -> Decision:
        if today is None:
            return Decision.withheld(self.recipient.id, Reason.NO_CANDIDATE)
        if today.outcome is not Outcome.DELIVERED:
            return today
        common = tuple(p for p in today.purposes if p in then.purposes)
        if not common:
            return Decision.withheld(self.recipient.id, Reason.NOTHING_ALLOWED)
        rules = tuple(r for p in common for r in self._policy.rules_for(event_type, p))
        return Decision(
            recipient_id=self.recipient.id,
            outcome=Outcome.DELIVERED,
            reason=None,
            purposes=common,
            legal_basis=today.legal_basis,
            consent_id=today.consent_id if today.legal_basis is LegalBasis.CONSENT else None,
            rules=rules,
        )

    def _step(
        self, decision: Decision, event: dict[str, Any], source: SourcePosition, protected: bool
    ) -> RedeliveryStep:
        pipeline, recipient = self.pipeline, self.recipient
        key = redelivery_key(event["event_id"], self.run_id)
        subject = AuditSubject(
            decision_key=key,
            recipient_id=recipient.id,
            event=event,
            audit_pseudonym=pipeline.pseudonymiser.for_audit(event["jobseeker_id"]),
            policy_version=pipeline.policy.version,
            now=self.now,
            sequence=0,  # the chained writer numbers the re-delivery chain
            redelivery=True,
        )
        reason = decision.reason
        fields: tuple[Any, ...] = ()
        encryptor = None
        if decision.outcome is Outcome.DELIVERED:
            fields = minimised_fields(
                event,
                decision,
                protected_identity=protected,
                pseudonymiser=pipeline.pseudonymiser,
                protected_paths=self._protected_paths,
            )
            encryptor = pipeline.keys.encryptor_for(recipient, self.now)
            if not fields:
                reason = Reason.NOTHING_ALLOWED
            elif encryptor is None:  # every delivery is bound under a wrapped data key
                reason = Reason.NO_KEY
        if reason is not None or decision.outcome is not Outcome.DELIVERED:
            audit = audit_decision(
                subject,
                outcome=Outcome.WITHHELD.value,
                reason=(reason or Reason.NOTHING_ALLOWED).value,
            )
            return RedeliveryStep(source, None, audit)
        built = build_delivery(
            event=event,
            decision=decision,
            fields=fields,
            topic=pipeline.recipient_topic(recipient),
            jobseeker_pseudonym=pipeline.pseudonymiser.for_recipient(
                recipient.id, event["jobseeker_id"]
            ),
            event_reference=pipeline.pseudonymiser.event_reference(recipient.id, event["event_id"]),
            delivery_id=delivery_id(key, recipient.id),
            decision_id=decision_id(key, recipient.id),
            policy_version=pipeline.policy.version,
            encryptor=encryptor,
            codec=pipeline.codec,
            schema_fingerprint=self._fingerprint,
            redelivery=True,
        )
        audit = delivered_audit(subject, decision, built)
        return RedeliveryStep(source, built.record, audit)
