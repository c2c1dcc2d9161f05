"""The recipient directory: every recipient by id, loaded from a YAML file and versioned.

The shared registry is the compacted topic ``lov.hub.recipients.v1``, folded into a directory
by :mod:`lovhub.registry.records`; this in-memory directory is what the pure decision code
sees either way. Optionally checked against a policy: every contracted purpose
must be in the catalogue and open to the recipient's kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from lovhub.policy import Policy, content_version, describe_validation_error, read_yaml_mapping
from lovhub.registry.errors import RegistryError
from lovhub.registry.model import VETTING, Recipient, RecipientKind

__all__ = ["RecipientDirectory", "load_recipients", "parse_recipients"]


class RecipientDirectory(BaseModel):
    """An immutable set of recipients with unique ids; ``version`` hashes the content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(default="recipients", min_length=1, max_length=200)
    recipients: tuple[Recipient, ...] = ()

    _by_id: dict[str, Recipient] = PrivateAttr(default_factory=dict)
    _version: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _index(self) -> RecipientDirectory:
        by_id: dict[str, Recipient] = {}
        for index, recipient in enumerate(self.recipients):
            if recipient.id in by_id:
                raise ValueError(f"recipients[{index}]: duplicate recipient id {recipient.id!r}")
            by_id[recipient.id] = recipient
        self._by_id = by_id
        self._version = content_version(self)
        return self

    @property
    def version(self) -> str:
        return self._version

    def get(self, recipient_id: str) -> Recipient | None:
        return self._by_id.get(recipient_id)

    def as_mapping(self) -> Mapping[str, Recipient]:
        """Read-only view by id (what :func:`lovhub.core.decide.decide_event` takes)."""
        return dict(self._by_id)

    def providers(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.kind is RecipientKind.PROVIDER)

    def third_parties(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.kind is RecipientKind.THIRD_PARTY)

    def __len__(self) -> int:
        return len(self.recipients)

    def __contains__(self, recipient_id: object) -> bool:
        return recipient_id in self._by_id

    def with_recipient(self, recipient: Recipient) -> RecipientDirectory:
        """A new directory with ``recipient`` added or replacing the one with its id."""
        if recipient.id in self._by_id:
            updated = tuple(recipient if r.id == recipient.id else r for r in self.recipients)
        else:
            updated = (*self.recipients, recipient)
        return RecipientDirectory(label=self.label, recipients=updated)

    def problems_with(self, policy: Policy) -> tuple[str, ...]:
        """Contracted purposes the policy does not know or does not open to the kind."""
        problems: list[str] = []
        for index, recipient in enumerate(self.recipients):
            for purpose_id in recipient.purposes:
                purpose = policy.purpose(purpose_id)
                if purpose is None:
                    problems.append(
                        f"recipients[{index}] ({recipient.id}): unknown purpose {purpose_id!r}"
                    )
                elif recipient.kind not in purpose.recipient_kinds:
                    problems.append(
                        f"recipients[{index}] ({recipient.id}): purpose {purpose_id} is not "
                        f"open to a {recipient.kind}"
                    )
        return tuple(problems)


def parse_recipients(
    data: Mapping[str, Any] | Iterable[Recipient],
    *,
    source: Path | str = "<recipients>",
    policy: Policy | None = None,
    vetted: bool = False,
) -> RecipientDirectory:
    """A validated directory; :class:`RegistryError` naming ``source`` and the entry.

    ``vetted``: every recipient must also pass the vetting rules (:data:`VETTING`), as a
    new record must (``recipient import``)."""
    context = VETTING if vetted else None
    try:
        if isinstance(data, Mapping):
            directory = RecipientDirectory.model_validate(data, context=context)
        else:
            recipients = tuple(data)
            if vetted:
                for recipient in recipients:
                    Recipient.model_validate(recipient.model_dump(), context=VETTING)
            directory = RecipientDirectory(recipients=recipients)
    except ValidationError as error:
        raise RegistryError(describe_validation_error(source, error)) from error
    problems = directory.problems_with(policy) if policy is not None else ()
    if problems:
        lines = [f"{source}: {len(problems)} problem(s)", *(f"  {p}" for p in problems)]
        raise RegistryError("\n".join(lines))
    return directory


def load_recipients(
    path: Path | str, *, policy: Policy | None = None, vetted: bool = False
) -> RecipientDirectory:
    """Read and validate a recipients file (and check it against ``policy`` if given);
    ``vetted``: as :func:`parse_recipients`."""
    path = Path(path)
    data = read_yaml_mapping(path, RegistryError)
    return parse_recipients(data, source=path, policy=policy, vetted=vetted)
