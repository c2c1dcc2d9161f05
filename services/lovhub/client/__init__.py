"""The provider client: what a recipient runs to read its deliveries and report back.

- :mod:`~lovhub.client.deliveries`: decode, check the addressee, decrypt and verify every
  field, drop duplicates (pure).
- :mod:`~lovhub.client.keys`: the recipient's private key files, by key id.
- :mod:`~lovhub.client.reports`: building a ``ProviderReport`` (pure).
- :mod:`~lovhub.client.kafka`: reading one's own topic with one's own credentials, committing
  only finished offsets; sending one's own reports.

A provider using another language follows ``docs/provider-guide.md`` instead.
"""

from lovhub.client.deliveries import (
    DeliveryOpener,
    DeliveryProblem,
    OpenedDelivery,
    OpenedField,
    ProblemReason,
    RecordPosition,
)
from lovhub.client.errors import ClientError
from lovhub.client.keys import load_private_keys
from lovhub.client.reports import (
    OutcomeKind,
    absence_body,
    activity_body,
    encode_report,
    outcome_body,
    provider_report,
)

__all__ = [
    "ClientError",
    "DeliveryOpener",
    "DeliveryProblem",
    "OpenedDelivery",
    "OpenedField",
    "OutcomeKind",
    "ProblemReason",
    "RecordPosition",
    "absence_body",
    "activity_body",
    "encode_report",
    "load_private_keys",
    "outcome_body",
    "provider_report",
]
