"""The one interface both wire formats implement, and the factory that picks one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from lovhub.codec.store import SchemaStore
    from lovhub.settings import HubSettings

__all__ = ["Codec", "codec_for"]


@runtime_checkable
class Codec(Protocol):
    """Turns records into framed Avro bytes and back.

    ``schema_name`` is a full name (latest version) or ``name@N``; see
    :mod:`lovhub.codec.names`. ``decode`` raises only :class:`~lovhub.codec.CodecError`
    subclasses, whatever the bytes.
    """

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes: ...

    def decode(self, data: bytes, reader_schema_name: str) -> dict[str, Any]: ...


def codec_for(settings_or_url: HubSettings | str | None, store: SchemaStore | None = None) -> Codec:
    """The Confluent codec when a Schema Registry URL is configured, else single-object.

    ``settings_or_url`` is the hub's settings (``schema_registry_url``, env
    ``LOVHUB_SCHEMA_REGISTRY_URL``), a registry URL, or None. ``store`` defaults to the
    process-wide store.
    """
    # Imported here so that importing the protocol does not pull in both implementations.
    from lovhub.codec.confluent import ConfluentCodec, SchemaRegistryClient
    from lovhub.codec.single_object import SingleObjectCodec
    from lovhub.codec.store import default_store

    if isinstance(settings_or_url, str) or settings_or_url is None:
        url = settings_or_url
    else:
        url = settings_or_url.schema_registry_url
    schemas = store if store is not None else default_store()
    if url:
        return ConfluentCodec(schemas, SchemaRegistryClient(url))
    return SingleObjectCodec(schemas)
