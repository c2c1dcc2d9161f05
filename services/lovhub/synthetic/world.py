"""A complete set of parties for a run: policy, recipients with fresh keys, operator key."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lovhub.codec import codec_for, default_store
from lovhub.crypto import MLKEM768_X25519, X25519, RecipientPrivateKey, generate_key_pair
from lovhub.identity import synthetic_organisation_number
from lovhub.pipeline import HubPipeline
from lovhub.policy import Policy, load_policy
from lovhub.policy.location import default_policy_dir
from lovhub.pseudonyms import Pseudonymiser
from lovhub.registry import PublicKeyEntry, Recipient, RecipientDirectory, load_recipients

__all__ = [
    "World",
    "build_world",
    "default_policy_dir",
    "pipeline_for",
    "synthetic_recipients",
]


@dataclass(frozen=True)
class World:
    policy: Policy
    recipients: RecipientDirectory
    private_keys: dict[str, RecipientPrivateKey]  # recipient id -> its private key
    operator_key: RecipientPrivateKey
    hub_secret: bytes

    def pseudonymiser(self) -> Pseudonymiser:
        return Pseudonymiser(self.hub_secret)


def build_world(
    policy_dir: Path | None = None,
    *,
    hybrid_for: frozenset[str] = frozenset({"framtidsvagen"}),
    without_key: frozenset[str] = frozenset(),
    valid_from: dt.datetime | None = None,
    extra_providers: int = 0,
    extra_third_parties: int = 0,
) -> World:
    """Load the policy and seed recipients, and give each recipient a fresh key pair.

    Recipients in ``hybrid_for`` get the ML-KEM-768 + X25519 suite, the others X25519;
    those in ``without_key`` get none (to show withholding when a key is missing).
    ``extra_providers`` and ``extra_third_parties`` add that many made-up, active, insured
    recipients (``synthetic-provider-01``..., ``synthetic-party-01``...) for larger runs
    such as the benchmarks; the default world is the seed registry alone.
    """
    directory = policy_dir or default_policy_dir()
    policy = load_policy(directory / "policy.yaml")
    recipients = load_recipients(directory / "recipients.yaml", policy=policy)
    for extra in synthetic_recipients(recipients, extra_providers, extra_third_parties):
        recipients = recipients.with_recipient(extra)
    start = valid_from or dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    private_keys: dict[str, RecipientPrivateKey] = {}
    for recipient in (*recipients.providers(), *recipients.third_parties()):
        if recipient.id in without_key:
            continue
        suite = MLKEM768_X25519 if recipient.id in hybrid_for else X25519
        pair = generate_key_pair(suite, valid_from=start)
        private_keys[recipient.id] = pair
        public = pair.public_key()
        entry = PublicKeyEntry(
            key_id=public.key_id,
            suite=suite.suite_id,
            public_key=public.to_text(),
            valid_from=start,
        )
        recipients = recipients.with_recipient(recipient.with_key(entry))
    operator = generate_key_pair(X25519, valid_from=start)
    return World(policy, recipients, private_keys, operator, secrets.token_bytes(32))


def synthetic_recipients(
    seed: RecipientDirectory, providers: int, third_parties: int
) -> list[Recipient]:
    """Made-up recipients shaped like the seed's first active provider and third party (its
    undertaking and residency too: vetted like it)."""
    rng = random.Random(f"synthetic-recipients-{providers}-{third_parties}")  # noqa: S311
    made: list[Recipient] = []
    templates = (
        ("synthetic-provider", providers, seed.providers()),
        ("synthetic-party", third_parties, seed.third_parties()),
    )
    for prefix, count, candidates in templates:
        if count <= 0:
            continue
        template = next(r for r in candidates if r.is_active)
        for number in range(1, count + 1):
            fields = template.model_dump()
            fields.update(
                id=f"{prefix}-{number:02d}",
                organisation_number=synthetic_organisation_number(rng),
                name=f"Synthetic {prefix.split('-')[1]} {number}",
                keys=(),
            )
            if template.is_provider:
                fields.update(
                    contract_id=f"LOV-2026-{9000 + number}",
                    insurance_valid_until=dt.date(2099, 12, 31),
                )
            else:
                fields.update(contract_id=f"DPA-2026-{9000 + number}")
            made.append(Recipient.model_validate(fields))
    return made


def pipeline_for(world: World, **topics: Any) -> HubPipeline:
    """The hub pipeline for this world; ``topics`` as :class:`HubPipeline` takes them."""
    return HubPipeline(
        policy=world.policy,
        recipients=world.recipients,
        pseudonymiser=world.pseudonymiser(),
        operator_key=world.operator_key.public_key(),
        codec=codec_for(None),
        store=default_store(),
        **topics,
    )
