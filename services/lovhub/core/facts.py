"""The latest facts about a jobseeker, held so that a provider assigned later gets a handover.

Real life produces registration, assessment, plan and contact details *before* the
assignment; without held facts the provider would learn only the assignment id (issue 11,
part 1). The hub holds, per jobseeker, the latest event of each type in
:data:`FACT_EVENT_TYPES`, projected on exactly the body paths some delivery rule of the
policy reads (collect less: a path no rule reads, such as the personal identity number or a
caseworker's note, is never held). Held facts are personal: the shell seals them at rest
(:mod:`lovhub.crypto.state_keys`).

A fact replaces the held one only if it comes later in the log, so replaying an earlier
event cannot bring back an older value. Like every other fact, it carries the position it
arrived at, and a handover at position ``p`` uses only facts from before ``p``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from lovhub.core.state import Fact, JobseekerState

__all__ = ["FACT_EVENT_TYPES", "project", "remember_fact"]

#: What a handover can carry, in handover order. Deregistration is not among them (it ends
#: the registration a new assignment would rest on); state events are state, not facts.
FACT_EVENT_TYPES: tuple[str, ...] = (
    "REGISTRATION",
    "ASSESSMENT",
    "PLAN_UPDATED",
    "CONTACT_DETAILS_CHANGED",
    "HEALTH_RESTRICTION_RECORDED",
)
_FACT_TYPES = frozenset(FACT_EVENT_TYPES)

_Trie = dict[str, tuple[bool, "_Trie | None"]]


def remember_fact(
    state: JobseekerState, event: Mapping[str, Any], position: int, paths: Sequence[str]
) -> JobseekerState:
    """The state holding ``event`` as the latest fact of its type, projected on ``paths``
    (the policy's source paths for that type); unchanged for other types, for a type no rule
    reads, and for an event older in the log than the fact already held."""
    event_type = event["event_type"]
    if event_type not in _FACT_TYPES or not paths:
        return state
    held = state.facts.get(event_type)
    if held is not None and held.since >= position:
        return state
    body_type, body = event["body"]
    fact = Fact(
        event_id=event["event_id"],
        event_type=event_type,
        body_type=body_type,
        occurred_at=event["occurred_at"],
        body=project(body, paths),
        since=position,
    )
    return state.evolve(facts={**state.facts, event_type: fact})


def project(body: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """``body`` reduced to ``paths`` (``body.a``, ``body.a.b``, ``body.items[].code``): a
    path's value is kept whole where the path ends, and only the named parts above it."""
    return _cut(body, _trie(tuple(paths)))


@functools.lru_cache(maxsize=256)
def _trie(paths: tuple[str, ...]) -> _Trie:
    # Cached: the policy asks for the same few path sets for every event.
    trie: _Trie = {}
    for path in paths:
        parts = path.split(".")
        if parts[0] != "body" or len(parts) < 2:
            continue
        node = trie
        for index, part in enumerate(parts[1:], start=1):
            name, is_list = part.removesuffix("[]"), part.endswith("[]")
            last = index == len(parts) - 1
            kept_list, child = node.get(name, (is_list, {}))
            if last or child is None:
                node[name] = (kept_list, None)  # the whole value is kept
                break
            node[name] = (kept_list, child)
            node = child
    return trie


def _cut(node: Mapping[str, Any], trie: _Trie) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, (is_list, child) in trie.items():
        if name not in node:
            continue
        value = node[name]
        if child is None or value is None:
            kept[name] = value
        elif is_list and isinstance(value, list):
            kept[name] = [_cut_record(item, child) for item in value]
        else:
            kept[name] = _cut_record(value, child)
    return kept


def _cut_record(value: Any, trie: _Trie) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Mapping):
        return (value[0], _cut(value[1], trie))  # a union branch: (record name, fields)
    if isinstance(value, Mapping):
        return _cut(value, trie)
    return value
