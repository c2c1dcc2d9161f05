"""The decision core: pure, synchronous, no I/O.

- :mod:`~lovhub.core.state`: per-jobseeker consents, assignments, protected identity, with
  the log positions at which each fact began and ended.
- :mod:`~lovhub.core.decide`: deny-by-default decisions per candidate recipient.
- :mod:`~lovhub.core.facts`: the latest deliverable facts, held for handovers.
- :mod:`~lovhub.core.handover`: what a provider gets when an assignment to it starts.
- :mod:`~lovhub.core.reasons`: outcomes and reason codes.
"""

from lovhub.core.decide import Decision, LegalBasis, PolicyView, RecipientView, decide_event
from lovhub.core.reasons import Outcome, Reason
from lovhub.core.state import (
    Assignment,
    Consent,
    Fact,
    JobseekerState,
    apply_event,
    is_state_event,
)
from lovhub.core.state_codec import state_from_bytes, state_to_bytes

__all__ = [
    "Assignment",
    "Consent",
    "Decision",
    "Fact",
    "JobseekerState",
    "LegalBasis",
    "Outcome",
    "PolicyView",
    "Reason",
    "RecipientView",
    "apply_event",
    "decide_event",
    "is_state_event",
    "state_from_bytes",
    "state_to_bytes",
]
