"""The hub's pure pipeline for one agency record: decode, decide, minimise, encrypt, encode.

No I/O: the worker shell feeds it bytes and publishes what it returns. It never raises for
bad input: anything it cannot process becomes a dead letter sealed to the operators plus a
REJECTED audit decision, and the jobseeker's state is left as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from lovhub.audit import ChainHead
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.audit.chain import link_encoded
from lovhub.codec import (
    AUDIT_DECISION,
    JOBSEEKER_EVENT,
    Codec,
    CodecError,
    FieldProblem,
    SchemaNotKnownYetError,
    SchemaRegistryError,
    validate_jobseeker_event,
)
from lovhub.codec.store import SchemaStore
from lovhub.core import Decision, JobseekerState, Outcome, Reason, apply_event, decide_event
from lovhub.core.correction import (
    apply_correction,
    corrected_event,
    correction_decisions,
    record_receipt,
)
from lovhub.core.facts import remember_fact
from lovhub.core.handover import handover_decisions
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.core.status_answer import StatusAnswer, status_answer
from lovhub.crypto import CryptoError, RecipientPublicKey
from lovhub.errors import conceal
from lovhub.minimise import MinimisedField
from lovhub.pipeline.audit import (
    AuditSubject,
    audit_decision,
    decided_audit,
    delivered_audit,
    unavailable_audit,
)
from lovhub.pipeline.audit_wire import AuditWireEncoder
from lovhub.pipeline.delivery import (
    CONSENT_REFERENCE_PATH,
    CORRECTS_EVENT_PATH,
    REGISTERED_PATH,
    STATUS_ANSWER_TYPE,
    DeliveryKind,
    build_delivery,
    minimised_fields,
)
from lovhub.pipeline.hold import InputHeld
from lovhub.pipeline.ids import (
    decision_id,
    delivery_id,
    event_key,
    handover_key,
    status_answer_key,
)
from lovhub.pipeline.ingest_time import check_occurred_at
from lovhub.pipeline.keyring import KeyRing
from lovhub.pipeline.policy_cache import CachedPolicy, recipient_facts
from lovhub.pipeline.rejection import Rejection, reject
from lovhub.policy import Policy
from lovhub.provisioning.topology import AUDIT, DEAD_LETTER, provider_topic, thirdparty_topic
from lovhub.pseudonyms import Pseudonymiser
from lovhub.registry import Recipient, RecipientDirectory

__all__ = ["HubPipeline", "check_catalogue"]

_PROVIDER_EVENTS = ("ASSIGNMENT_STARTED", "ASSIGNMENT_ENDED")
_CONSENT_EVENTS = ("CONSENT_GIVEN", "CONSENT_WITHDRAWN")
_RESTRICTING_EVENTS = (
    "CONSENT_WITHDRAWN",
    "ASSIGNMENT_ENDED",
    "PROTECTED_IDENTITY_SET",
    "RESTRICTION_SET",
)
#: The largest delivery the hub writes: below Kafka's default 1 MiB request limit with room
#: for the batch framing, so an accepted event can always be written (never retried for ever).
MAX_DELIVERY_BYTES = 900_000
# Field problems audited under their own reason (implausible input, not a malformed field).
_OWN_AUDIT_REASON = frozenset(
    {FieldProblem.TOO_LONG, FieldProblem.TOO_MANY_ITEMS, FieldProblem.IMPLAUSIBLE_DATE}
)


class _Accounts:
    """What one event's decisions have produced so far, and what they share.

    A plain class, not a dataclass: compiled, its ``__init__`` is native code, where a
    dataclass's generated ``__init__`` stays interpreted (one per event)."""

    __slots__ = ("audit_pseudonym", "audits", "deliveries", "now", "policy_version", "position")

    def __init__(
        self, audit_pseudonym: str, policy_version: str, now: dt.datetime, position: int
    ) -> None:
        self.audit_pseudonym = audit_pseudonym
        self.policy_version = policy_version
        self.now = now
        self.position = position
        self.deliveries: list[OutboundRecord] = []
        self.audits: list[PendingAudit] = []


class HubPipeline:
    def __init__(
        self,
        *,
        policy: Policy,
        recipients: RecipientDirectory,
        pseudonymiser: Pseudonymiser,
        operator_key: RecipientPublicKey,
        codec: Codec,
        store: SchemaStore,
        clock: Callable[[], float] = time.time,
        audit_topic: str = AUDIT,
        dead_letter_topic: str = DEAD_LETTER,
        recipient_topic: Callable[[Recipient], str] | None = None,
        hold_unknown_schemas: bool = True,
        key_ring: KeyRing | None = None,
        unavailable_recipients: frozenset[str] = frozenset(),
    ) -> None:
        """``key_ring``: where recipients' encryptors come from (default: a
        :class:`KeyRing` on ``clock``); the benchmark's encryption-free baseline passes its
        own. ``unavailable_recipients``: see :meth:`use_unavailable`."""
        self.policy = policy
        # An unknown writer schema on the agency topic is most often a producer that
        # deployed a new schema before the hub: hold (fail closed) until the hub knows it.
        self.hold_unknown_schemas = hold_unknown_schemas
        self._decisions_policy = CachedPolicy(policy)
        self._protected_paths = tuple(policy.protected_identity_paths)
        self.use_recipients(recipients)
        self.unavailable_recipients = unavailable_recipients
        self.pseudonymiser = pseudonymiser
        self.operator_key = operator_key
        self.codec = codec
        self.clock = clock
        self.keys = key_ring if key_ring is not None else KeyRing(clock=clock)
        self.audit_topic = audit_topic
        self.dead_letter_topic = dead_letter_topic
        self.recipient_topic = recipient_topic or default_recipient_topic
        self._record_fingerprint = store.get("se.lovhub.recipient.RecipientRecord").fingerprint
        self._canonical_audit = canonical_audit_encoder(store)
        self._audit_wire = AuditWireEncoder(codec, store, self._canonical_audit)

    def use_recipients(self, recipients: RecipientDirectory) -> None:
        """Decide from now on with ``recipients`` (the registry changed).

        Encryptors stay cached by (recipient, key id): a rotated key gets a new one, and an
        old key's encryptor is simply no longer chosen.
        """
        self.recipients = recipients
        self._by_id: Mapping[str, Recipient] = recipients.as_mapping()
        self._facts = recipient_facts(self._by_id.values())

    def use_unavailable(self, recipients: frozenset[str]) -> None:
        """Withhold from now on every delivery to ``recipients`` as RECIPIENT_UNAVAILABLE
        (their topics refuse the hub's writes; lovhub.worker.recipient_holds). Everything
        else is decided, built and checked as before, so the other recipients' decisions and
        the jobseeker's state are the same as with every recipient available."""
        self.unavailable_recipients = recipients

    def recipient_of_topic(self, topic: str) -> str | None:
        """The registered recipient whose deliveries go to ``topic``, if any."""
        return next((r.id for r in self._by_id.values() if self.recipient_topic(r) == topic), None)

    # -- the Pipeline protocol -------------------------------------------------------------

    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        *,
        seen_event: Callable[[str], bytes | None] | None = None,
    ) -> EventResult:
        """Decide one record. ``seen_event`` tells the digest of the event already decided
        under an event id (None if none): the shell's index of its partition's event ids."""
        seconds = self.clock()
        now = dt.datetime.fromtimestamp(seconds, dt.UTC)
        event: dict[str, Any] | None = None
        try:
            event = self._decode_or_hold(value)
            self._validate(event, key, source)
            new_id = None
            if seen_event is not None:
                digest = event_digest(event)
                if self._resent_or_new(event, digest, seen_event):
                    return self._resent(event, key, source, now)
                new_id = (event["event_id"], digest)
            result = self._share(event, key, source, state, now)
            return result if new_id is None else replace(result, new_event_id=new_id)
        except InputHeld:
            raise
        except Rejection as rejection:
            return self._rejected(rejection, value, key, source, state, now, seconds, event)
        except (CodecError, CryptoError) as error:
            reason = getattr(error, "dead_letter_reason", "OTHER")
            path = getattr(error, "path", None)
            problem = getattr(error, "reason", None)
            audit_reason = problem.value if problem in _OWN_AUDIT_REASON else None
            code = audit_reason or error.code
            wrapped = Rejection(reason, code, path, audit_reason=audit_reason)
            return self._rejected(wrapped, value, key, source, state, now, seconds, event)
        except Exception as error:  # a bug must not stop the stream or lose the event
            internal = Rejection("OTHER", f"INTERNAL_{type(error).__name__}")
            return self._rejected(internal, value, key, source, state, now, seconds, event)

    def finish_audit(
        self, pending: PendingAudit, delivery: tuple[str, int, int] | None, head: ChainHead
    ) -> tuple[OutboundRecord, ChainHead]:
        """The audit record with its delivery's place, chained onto ``head``."""
        decision = pending.decision  # link_encoded copies it: no copy of our own
        if delivery is not None:
            topic, partition, offset = delivery
            decision = {
                **decision,
                "delivery_topic": topic,
                "delivery_partition": partition,
                "delivery_offset": offset,
            }
        chained, new_head, unsigned = link_encoded(decision, head, self._canonical_audit)
        key = chained["jobseeker_audit_pseudonym"]
        record = OutboundRecord(
            topic=self.audit_topic,
            key=key.encode() if key else None,
            value=self._audit_wire.encode(chained, unsigned),
            headers=_outcome_header(chained["outcome"]),
        )
        return record, new_head

    def chain_head_of(self, last_audit: bytes | None) -> ChainHead:
        """The head a partition's chain continues from, given its last record (if any)."""
        if last_audit is None:
            return ChainHead()
        decision = self.codec.decode(last_audit, AUDIT_DECISION)
        return ChainHead(bytes(decision["hash"]), int(decision["sequence"]) + 1)

    def replay_state(
        self, value: bytes | None, key: bytes | None, source: SourcePosition, state: JobseekerState
    ) -> tuple[dict[str, Any] | None, JobseekerState]:
        """For operators' replays (``lovhub redeliver``): the validated event (None when
        :meth:`process` would reject it) and the state :meth:`process` would leave, without
        deciding, encrypting or publishing anything; except the receipts (who received
        what, for corrections), which only deliveries make: a re-delivery sends no
        corrections."""
        event: dict[str, Any] | None = None
        try:
            event = self._decode_or_hold(value)
            self._validate(event, key, source)
        except InputHeld:
            raise  # the operator's run stops with the reason; nothing is re-sent past it
        except Exception:  # rejected by process() too; only a narrowing event still applies
            return None, _restrict_anyway(state, event, source.offset) or state
        return event, self._next_state(state, event, source.offset)

    def _next_state(
        self, state: JobseekerState, event: dict[str, Any], position: int
    ) -> JobseekerState:
        """The state after a valid event: its bases, and the fact it brings if some rule
        can deliver from it (held for handovers)."""
        if event["event_type"] == "CORRECTION":
            corrected = corrected_event(event)
            kind = corrected["event_type"] if corrected else ""
            return apply_correction(state, event, self._decisions_policy.deliverable_paths(kind))
        paths = self._decisions_policy.deliverable_paths(event["event_type"])
        return remember_fact(apply_event(state, event, position), event, position, paths)

    # -- steps -----------------------------------------------------------------------------

    def _decode_or_hold(self, value: bytes | None) -> dict[str, Any]:
        if value is None:
            raise Rejection("MALFORMED", "EMPTY_RECORD")
        try:
            return self.codec.decode(value, JOBSEEKER_EVENT)
        except SchemaRegistryError as error:
            raise conceal(InputHeld("SCHEMA_REGISTRY_UNAVAILABLE", type(error).__name__))
        except SchemaNotKnownYetError as error:
            if self.hold_unknown_schemas:
                raise conceal(InputHeld("UNKNOWN_SCHEMA", type(error).__name__))
            raise

    def _validate(self, event: dict[str, Any], key: bytes | None, source: SourcePosition) -> None:
        validate_jobseeker_event(event)
        check_occurred_at(event["occurred_at"], source.ingested_at)
        if key is None or key != str(event["jobseeker_id"]).encode():
            # Keys place a jobseeker's history on one partition; a wrong key breaks ordering.
            raise Rejection("INVALID_FIELD", "KEY_NOT_JOBSEEKER_ID", "key")
        body = event["body"][1]
        if event["event_type"] in _PROVIDER_EVENTS:
            provider = self._by_id.get(body["provider_id"])
            if provider is None or not provider.is_provider:
                raise Rejection("UNKNOWN_RECIPIENT", "UNKNOWN_PROVIDER", "body.provider_id")
        if event["event_type"] in _CONSENT_EVENTS and body["recipient_id"] not in self._by_id:
            raise Rejection("UNKNOWN_RECIPIENT", "UNKNOWN_RECIPIENT", "body.recipient_id")
        if event["event_type"] in ("ASSIGNMENT_STARTED", "CONSENT_GIVEN"):
            check_catalogue(self._decisions_policy, body)

    @staticmethod
    def _resent_or_new(
        event: dict[str, Any], digest: bytes, seen_event: Callable[[str], bytes | None]
    ) -> bool:
        """True for a true re-send (the id decided before, same content), False for a new
        id; a Rejection when the id was used before for another event (issue 10, 5)."""
        known = seen_event(event["event_id"])
        if known is None:
            return False
        if known != digest:
            raise Rejection(
                "INVALID_FIELD", "EVENT_ID_REUSED", "event_id", audit_reason="EVENT_ID_REUSED"
            )
        return True

    def _resent(
        self, event: dict[str, Any], key: bytes | None, source: SourcePosition, now: dt.datetime
    ) -> EventResult:
        """A re-send is not decided again: its first decisions stand (deciding it against
        today's state could give one decision id a second outcome). One audit decision of
        its own, under an id derived from where the re-send sits, says it arrived."""
        subject = AuditSubject(
            decision_key=f"{event['event_id']}@{source.topic}/{source.partition}/{source.offset}",
            recipient_id=None,
            event=event,
            audit_pseudonym=_safe_audit_pseudonym(self.pseudonymiser, event),
            policy_version=self._decisions_policy.version,
            now=now,
            sequence=source.offset,
        )
        audit = audit_decision(
            subject, outcome=Outcome.WITHHELD, reason=Reason.DUPLICATE_INPUT.value
        )
        return EventResult(source, key, None, audits=(PendingAudit(audit),))

    def _share(
        self,
        event: dict[str, Any],
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        now: dt.datetime,
    ) -> EventResult:
        position = source.offset
        policy = self._decisions_policy
        new_state = self._next_state(state, event, position)
        correcting = event["event_type"] == "CORRECTION"
        if correcting:
            decisions = correction_decisions(
                new_state, event, position, policy, self._facts, ingested_at=source.ingested_at
            )
        else:
            decisions = decide_event(
                new_state, event, position, policy, self._facts, ingested_at=source.ingested_at
            )
        handover = handover_decisions(
            new_state, event, position, policy, self._facts, ingested_at=source.ingested_at
        )
        protected = new_state.protected(position)
        accounts = _Accounts(
            self.pseudonymiser.for_audit(event["jobseeker_id"]),
            # Policy.version is a pydantic private attribute (~1.5 us a read); the cached
            # policy holds it as a plain attribute.
            policy.version,
            now,
            position,
        )
        event_id = event_key(event["event_id"], event["jobseeker_id"])
        day = event["occurred_at"].date()
        if correcting:
            corrected = corrected_event(event) or event
            original = event["body"][1]["corrects_event_id"]
            for decision in decisions:
                self._account(
                    accounts,
                    decision,
                    corrected,
                    event_id,
                    protected,
                    DeliveryKind.CORRECTION,
                    corrects=original,
                    audited=event,  # the audit says CORRECTION; the record, what it corrects
                )
        for decision in () if correcting else decisions:
            sent = self._account(accounts, decision, event, event_id, protected)
            if sent is not None:  # who received what, for a later correction
                new_state = record_receipt(
                    new_state, event["event_id"], event["event_type"], day, sent
                )
        for fact, decision in handover:
            item = fact.as_event(event["jobseeker_id"])
            item_key = handover_key(event_id, fact.event_id)
            sent = self._account(
                accounts, decision, item, item_key, protected, DeliveryKind.HANDOVER
            )
            if sent is not None:
                new_state = record_receipt(
                    new_state, fact.event_id, fact.event_type, fact.occurred_at.date(), sent
                )
        answer = status_answer(
            new_state, event, position, policy, self._facts, ingested_at=source.ingested_at
        )
        if answer is not None:
            self._answer(accounts, answer, event, event_id, protected)
        return EventResult(
            source=source,
            jobseeker_key=key,
            state=new_state if new_state != state else None,
            deliveries=tuple(accounts.deliveries),
            audits=tuple(accounts.audits),
        )

    def _answer(
        self,
        accounts: _Accounts,
        answer: StatusAnswer,
        event: dict[str, Any],
        event_id: str,
        protected: bool,
    ) -> None:
        """The registration-status answer: the hub's own fields, under the policy's say-so
        (the decision delivers only where a rule for the status purpose exists)."""
        question = {**event, "event_type": STATUS_ANSWER_TYPE, "body": ("", {})}
        fields = [MinimisedField(REGISTERED_PATH, answer.registered, personal=True)]
        reference = event["body"][1].get("reference")
        if reference:
            fields.append(MinimisedField(CONSENT_REFERENCE_PATH, reference, personal=True))
        self._account(
            accounts,
            answer.decision,
            question,
            status_answer_key(event_id),
            protected,
            DeliveryKind.STATUS_ANSWER,
            answer_fields=tuple(fields),
        )

    def _account(
        self,
        accounts: _Accounts,
        decision: Decision,
        event: dict[str, Any],
        decision_key: str,
        protected: bool,
        kind: DeliveryKind = DeliveryKind.LIVE,
        *,
        answer_fields: tuple[MinimisedField, ...] | None = None,
        corrects: str | None = None,
        audited: dict[str, Any] | None = None,
    ) -> Decision | None:
        """Deliver ``decision`` if it delivers, and audit it either way; the decision that
        was delivered, or None. ``corrects``: the agency event a correction corrects."""
        ident = decision_id(decision_key, decision.recipient_id)
        decision, built = self._deliver(
            decision,
            event,
            protected,
            accounts.now,
            decision_key,
            ident,
            kind,
            answer_fields,
            corrects,
        )
        subject = AuditSubject(
            known_decision_id=ident,
            decision_key=decision_key,
            recipient_id=decision.recipient_id,
            event=audited or event,
            audit_pseudonym=accounts.audit_pseudonym,
            policy_version=accounts.policy_version,
            now=accounts.now,
            sequence=accounts.position,
        )
        if built is None:
            accounts.audits.append(PendingAudit(decided_audit(subject, decision)))
            return None
        if len(built.record.value) > MAX_DELIVERY_BYTES:
            raise Rejection("OVERSIZED", "OUTPUT_TOO_LARGE", audit_reason="OUTPUT_TOO_LARGE")
        if decision.recipient_id in self.unavailable_recipients:
            accounts.audits.append(PendingAudit(unavailable_audit(subject, decision)))
            # Owed, not refused: an operator re-delivers it, so it counts as received (a
            # later correction of the event follows it there).
            return decision
        accounts.deliveries.append(built.record)
        accounts.audits.append(
            PendingAudit(
                delivered_audit(subject, decision, built),
                delivery_index=len(accounts.deliveries) - 1,
            )
        )
        return decision

    def _deliver(
        self,
        decision: Decision,
        event: dict[str, Any],
        protected: bool,
        now: dt.datetime,
        decision_key: str,
        ident: str,
        kind: DeliveryKind,
        answer_fields: tuple[MinimisedField, ...] | None = None,
        corrects: str | None = None,
    ) -> tuple[Decision, Any]:
        if decision.outcome is not Outcome.DELIVERED or decision.recipient_id is None:
            return decision, None
        recipient = self._by_id[decision.recipient_id]
        fields = answer_fields or minimised_fields(
            event,
            decision,
            protected_identity=protected,
            pseudonymiser=self.pseudonymiser,
            protected_paths=self._protected_paths,
        )
        if not fields:
            return Decision.withheld(decision.recipient_id, Reason.NOTHING_ALLOWED), None
        encryptor = self.keys.encryptor_for(recipient, now)
        if encryptor is None:  # every delivery is bound under a wrapped data key
            return Decision.withheld(decision.recipient_id, Reason.NO_KEY), None
        topic = self.recipient_topic(recipient)
        built = build_delivery(
            event=event,
            decision=decision,
            fields=(*fields, *kind.marker_fields(), *self._pointer(recipient, corrects)),
            topic=topic,
            jobseeker_pseudonym=self.pseudonymiser.for_recipient(
                recipient.id, event["jobseeker_id"]
            ),
            event_reference=self.pseudonymiser.event_reference(recipient.id, event["event_id"]),
            delivery_id=delivery_id(decision_key, recipient.id),
            decision_id=ident,
            policy_version=self._decisions_policy.version,
            encryptor=encryptor,
            codec=self.codec,
            schema_fingerprint=self._record_fingerprint,
        )
        return decision, built

    def _pointer(self, recipient: Recipient, corrects: str | None) -> tuple[MinimisedField, ...]:
        """A correction's pointer: the recipient's own reference of the corrected event (the
        ``event_id`` of the record it received then, live or in a handover)."""
        if corrects is None:
            return ()
        reference = self.pseudonymiser.event_reference(recipient.id, corrects)
        return (MinimisedField(CORRECTS_EVENT_PATH, reference, personal=False),)

    def _rejected(
        self,
        rejection: Rejection,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        now: dt.datetime,
        seconds: float,
        event: dict[str, Any] | None,
    ) -> EventResult:
        pseudonym = _safe_audit_pseudonym(self.pseudonymiser, event)
        letter, audit = reject(
            rejection,
            payload=value,
            source=source,
            dead_letter_topic=self.dead_letter_topic,
            operator_key=self.operator_key,
            codec=self.codec,
            now=now,
            clock_seconds=seconds,
            known_event=event,
            audit_pseudonym=pseudonym,
        )
        return EventResult(
            source=source,
            jobseeker_key=key,
            state=_restrict_anyway(state, event, source.offset),
            dead_letters=(letter,),
            audits=(audit,),
        )


class Catalogue(Protocol):
    """The policy's purpose and category catalogue (:class:`Policy`, or the cached view)."""

    def has_purpose(self, purpose_id: str) -> bool: ...
    def has_category(self, category_id: str) -> bool: ...


_OUTCOME_HEADERS: dict[str, tuple[tuple[str, bytes], ...]] = {
    outcome.value: (("outcome", outcome.value.encode()),) for outcome in Outcome
}


def _outcome_header(outcome: Any) -> tuple[tuple[str, bytes], ...]:
    text = str(outcome)
    return _OUTCOME_HEADERS.get(text) or (("outcome", text.encode()),)


def check_catalogue(policy: Catalogue, body: dict[str, Any]) -> None:
    """A basis may only name purposes and categories the policy's catalogue has: an
    assignment "for marketing" or a consent to "everything" is refused at the door."""
    for index, purpose in enumerate(body["purposes"]):
        if not policy.has_purpose(purpose):
            path = f"body.purposes[{index}]"
            raise Rejection(
                "INVALID_FIELD", "UNKNOWN_PURPOSE", path, audit_reason="UNKNOWN_PURPOSE"
            )
    for index, category in enumerate(body.get("data_categories") or ()):
        if not policy.has_category(category):
            path = f"body.data_categories[{index}]"
            raise Rejection(
                "INVALID_FIELD", "UNKNOWN_CATEGORY", path, audit_reason="UNKNOWN_CATEGORY"
            )


def event_digest(event: dict[str, Any]) -> bytes:
    """SHA-256 over the decoded event, independent of its framing (a re-send through the
    other wire format has the same digest)."""
    text = json.dumps(event, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).digest()[:16]


def default_recipient_topic(recipient: Recipient) -> str:
    return provider_topic(recipient.id) if recipient.is_provider else thirdparty_topic(recipient.id)


def _safe_audit_pseudonym(pseudonymiser: Pseudonymiser, event: dict[str, Any] | None) -> str | None:
    try:
        return pseudonymiser.for_audit(str(event["jobseeker_id"])) if event else None
    except Exception:  # an undecodable id just means the rejection cannot name the person
        return None


def _restrict_anyway(
    state: JobseekerState, event: dict[str, Any] | None, position: int
) -> JobseekerState | None:
    """A rejected event that only narrows sharing still takes effect: fail closed.

    A consent withdrawal, an assignment end, a protection flag or a restriction of
    processing that fails validation must not leave data flowing while the agency fixes the
    record. Nothing that could widen
    sharing (a consent given, an assignment started) is ever applied from rejected input.
    """
    if event is None or event.get("event_type") not in _RESTRICTING_EVENTS:
        return None
    try:
        narrowed = apply_event(state, event, position)
    except Exception:  # too broken to read the fields that say what to restrict
        return None
    return narrowed if narrowed != state else None
