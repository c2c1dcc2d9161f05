"""Errors of the policy package.

    LovhubError
    └── PolicyError                  a policy or recipients file cannot be used
        └── UnknownEventTypeError    the policy says nothing about an event type

Messages name the file and the offending entry (``purposes[3].id``, a purpose id, an event
type); they never carry field values of events, because there are none in a policy.
"""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["PolicyError", "UnknownEventTypeError"]


class PolicyError(LovhubError):
    """A policy file is missing, not YAML, or fails validation."""

    code = "POLICY_INVALID"


class UnknownEventTypeError(PolicyError):
    """The policy has no entry for an event type (fail closed: nothing is delivered)."""

    code = "POLICY_UNKNOWN_EVENT_TYPE"
