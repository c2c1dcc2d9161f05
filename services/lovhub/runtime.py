"""What a hub worker needs besides Kafka: policy, recipients with keys, the operators'
public key and the hub's pseudonym secret. Loaded once at start-up; any gap stops the
start with a message that names the missing piece (fail fast, fail closed).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lovhub.audit.roles import ROLE_LABEL, WriterRole, required_signing_key_path
from lovhub.audit.signing import SigningKey, load_signing_key, write_signing_key
from lovhub.codec import codec_for, default_store
from lovhub.codec.store import SchemaStore
from lovhub.crypto import CryptoError, RecipientPublicKey, parse_public_key, write_private_key_file
from lovhub.crypto.state_keys import (
    STATE_KEY_FILE_NAME,
    StateKeyRing,
    read_state_keys,
    write_new_state_keys,
)
from lovhub.errors import ConfigurationError, LovhubError
from lovhub.pipeline import HubPipeline
from lovhub.policy import Policy, load_policy
from lovhub.policy.location import default_policy_dir
from lovhub.private_files import write_private
from lovhub.pseudonyms import Pseudonymiser
from lovhub.registry import RecipientDirectory, load_recipients
from lovhub.settings import HubSettings, ServiceSettings, StartupFiles
from lovhub.synthetic.world import World

__all__ = [
    "DecidingMaterials",
    "HubMaterials",
    "hub_pipeline",
    "load_deciding_materials",
    "load_materials",
    "recipients_source",
    "startup_file",
    "write_world",
]

MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class DecidingMaterials:
    """What the pipeline decides with, and nothing that writes evidence: what a read-only
    replay (``lovhub audit reconcile --replay``) loads; never a signing or state key."""

    policy: Policy
    recipients: RecipientDirectory
    operator_key: RecipientPublicKey
    hub_secret: bytes


@dataclass(frozen=True)
class HubMaterials:
    policy: Policy
    recipients: RecipientDirectory
    operator_key: RecipientPublicKey
    hub_secret: bytes
    # Signs the audit checkpoints; without it the worker does not start (fail closed).
    signing_key: SigningKey
    # Seals the held facts in the hub worker's state; only the hub worker loads it.
    state_keys: StateKeyRing | None = None

    def hub_state_keys(self) -> StateKeyRing:
        if self.state_keys is None:
            raise ConfigurationError("the hub state key was not loaded (LOVHUB_STATE_KEY_FILE)")
        return self.state_keys


def startup_file(
    variable: str, default_name: str | None, files: StartupFiles | None = None
) -> Path:
    """The file ``variable`` names (one of :class:`StartupFiles`), else ``default_name`` in
    the default policy directory (looked for only then: an image given every file by
    variable needs no directory)."""
    given = (files or StartupFiles.from_environment()).named(variable)
    if given is not None:
        return given
    if default_name is None:
        raise ConfigurationError(f"{variable} is not set")
    return default_policy_dir() / default_name


def recipients_source(settings: ServiceSettings | None = None) -> str:
    """Where ``lovhub run`` takes its recipients: ``registry`` (the shared, followed topic;
    the default) or ``file`` (``LOVHUB_RECIPIENTS_FILE``, static: for tests and offline use)."""
    settings = settings or ServiceSettings.from_environment()
    source = settings.recipients_source.strip() or "registry"
    if source not in ("registry", "file"):
        variable = ServiceSettings.variable("recipients_source")
        raise ConfigurationError(f"{variable} must be 'registry' or 'file'")
    return source


def load_deciding_materials(
    *, registry: Callable[[Policy], RecipientDirectory] | None = None
) -> DecidingMaterials:
    """What deciding needs: policy, recipients (``registry(policy)`` if given, else the
    file), the operators' public key and the pseudonym secret; no private key of any writer.
    """
    policy_file = startup_file("LOVHUB_POLICY_FILE", "policy.yaml")
    operator_file = startup_file("LOVHUB_OPERATOR_PUBLIC_KEY_FILE", None)
    secret_file = startup_file("LOVHUB_HUB_SECRET_FILE", None)
    try:
        policy = load_policy(policy_file)
        if registry is not None:
            recipients = registry(policy)
        else:
            recipients_file = startup_file("LOVHUB_RECIPIENTS_FILE", "recipients.yaml")
            recipients = load_recipients(recipients_file, policy=policy)
        operator_key = parse_public_key(operator_file.read_text(encoding="utf-8").strip())
        secret = bytes.fromhex(secret_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot load the hub's start-up files: {error}") from error
    except (LovhubError, CryptoError) as error:
        raise ConfigurationError(f"invalid start-up file: {error}") from error
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{secret_file} must hold at least {MIN_SECRET_BYTES} bytes (hex)")
    return DecidingMaterials(policy, recipients, operator_key, secret)


def load_materials(
    *,
    registry: Callable[[Policy], RecipientDirectory] | None = None,
    role: WriterRole = WriterRole.HUB_WORKER,
) -> HubMaterials:
    """The start-up materials; recipients from ``registry(policy)`` if given, else the file.
    The signing key is ``role``'s own (:func:`lovhub.audit.roles.signing_key_path`)."""
    deciding = load_deciding_materials(registry=registry)
    signing_key = load_signing_key(required_signing_key_path(role))
    state_keys = None
    if role is WriterRole.HUB_WORKER:
        state_keys = read_state_keys(startup_file("LOVHUB_STATE_KEY_FILE", None))
    return HubMaterials(
        deciding.policy,
        deciding.recipients,
        deciding.operator_key,
        deciding.hub_secret,
        signing_key,
        state_keys,
    )


def write_world(world: World, directory: Path) -> dict[str, str]:
    """Write a synthetic world's files and return the environment that points at them."""
    directory.mkdir(parents=True, exist_ok=True)
    recipients = {
        "label": "demo recipients with generated keys",
        "recipients": [
            r.model_dump(mode="json")
            for r in (*world.recipients.providers(), *world.recipients.third_parties())
        ],
    }
    recipients_file = directory / "recipients.yaml"
    recipients_file.write_text(yaml.safe_dump(recipients, sort_keys=False), encoding="utf-8")
    operator_file = directory / "operator.pub"
    operator_file.write_text(world.operator_key.public_key().to_text() + "\n", encoding="utf-8")
    write_private_key_file(directory / "operator.key", world.operator_key)
    for recipient_id, key in world.private_keys.items():
        write_private_key_file(directory / f"{recipient_id}.key", key)
    secret_file = directory / "hub-secret.hex"
    write_private(secret_file, world.hub_secret.hex() + "\n")
    # Kept across runs like the signing keys: the worker's stored state is sealed under it.
    state_key_file = directory / STATE_KEY_FILE_NAME
    if not state_key_file.exists():
        write_new_state_keys(state_key_file)
    # One key per writer role, kept across runs (checkpoints signed earlier must still
    # verify), published together in one labelled public-key file.
    signing_public = directory / "audit-signing.pub"
    legacy = _retire_single_key(directory, signing_public)
    keys = {role: _kept_signing_key(directory / role.key_file_name) for role in WriterRole}
    signing_public.write_text(
        legacy + "".join(key.public_pem(role) for role, key in keys.items()), encoding="ascii"
    )
    return {
        **{role.key_variable: str(directory / role.key_file_name) for role in WriterRole},
        "LOVHUB_AUDIT_PUBLIC_KEY_FILE": str(signing_public),
        "LOVHUB_RECIPIENTS_FILE": str(recipients_file),
        "LOVHUB_OPERATOR_PUBLIC_KEY_FILE": str(operator_file),
        "LOVHUB_HUB_SECRET_FILE": str(secret_file),
        "LOVHUB_STATE_KEY_FILE": str(state_key_file),
    }


def _retire_single_key(directory: Path, published: Path) -> str:
    """An earlier run's single key signed every chain and was published unlabelled: keep
    publishing it that way (its checkpoints must still verify) but stop signing with it, so
    from now on each role signs with its own key. Returns the text to keep publishing."""
    if not published.exists():
        return ""
    text = published.read_text(encoding="ascii")
    if ROLE_LABEL in text:
        return "".join(
            line for line in text.splitlines(keepends=True) if line.startswith("# retired")
        ) + _unlabelled_blocks(text)
    (directory / WriterRole.HUB_WORKER.key_file_name).unlink(missing_ok=True)
    return f"# retired single key, trusted for the checkpoints it signed\n{text}"


def _unlabelled_blocks(text: str) -> str:
    """The PEM blocks of ``text`` not preceded by a role label."""
    kept, lines, labelled = [], text.splitlines(keepends=True), False
    inside: list[str] | None = None
    for line in lines:
        if line.startswith(ROLE_LABEL):
            labelled = True
        elif line.startswith("-----BEGIN PUBLIC KEY-----"):
            inside = [line]
        elif inside is not None:
            inside.append(line)
            if line.startswith("-----END PUBLIC KEY-----"):
                if not labelled:
                    kept.extend(inside)
                inside, labelled = None, False
    return "".join(kept)


def _kept_signing_key(path: Path) -> SigningKey:
    if path.exists():
        return load_signing_key(path)
    key = SigningKey.generate()
    write_signing_key(path, path.with_suffix(".pub"), key)
    return key


def new_hub_secret() -> bytes:
    return secrets.token_bytes(MIN_SECRET_BYTES)


def hub_pipeline(
    materials: HubMaterials | DecidingMaterials,
    *,
    recipients: RecipientDirectory | None = None,
    store: SchemaStore | None = None,
    **topics: Any,
) -> HubPipeline:
    """The pure pipeline over a deployment's materials (``topics``: the topic overrides
    :class:`HubPipeline` takes, e.g. ``audit_topic`` or ``recipient_topic``)."""
    return HubPipeline(
        policy=materials.policy,
        recipients=recipients if recipients is not None else materials.recipients,
        pseudonymiser=Pseudonymiser(materials.hub_secret),
        operator_key=materials.operator_key,
        codec=codec_for(HubSettings()),
        store=store or default_store(),
        **topics,
    )
