"""Encryption of personal fields for one recipient (safety property 3, "Confidentiality").

- :mod:`~lovhub.crypto.suites`: the two HPKE suites and their ids.
- :mod:`~lovhub.crypto.keys`: recipient key pairs, key ids, public key text form.
- :mod:`~lovhub.crypto.key_files`: private key files (0600, optional passphrase).
- :mod:`~lovhub.crypto.data_keys`: data keys wrapped once per recipient, rotated by count/age.
- :mod:`~lovhub.crypto.envelope`: per-field AES-256-GCM envelopes bound to their place.
- :mod:`~lovhub.crypto.operator`: dead-letter payloads sealed to the operators' key.

The wire formats are specified in ``docs/envelope.md``; test vectors are in
``tests/vectors/envelope-v1.json``.
"""

from lovhub.crypto._wire import Value
from lovhub.crypto.data_keys import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_RECORDS,
    Clock,
    DataKey,
    DataKeyProvider,
    FakeClock,
    WrappedDataKey,
    unwrap_data_key,
    wrap_data_key,
)
from lovhub.crypto.envelope import RecordDecryptor, RecordEncryptor, SealedRecord
from lovhub.crypto.errors import CryptoError, DecryptionError, KeyFormatError, MissingKeyError
from lovhub.crypto.key_files import (
    private_key_from_text,
    private_key_to_text,
    read_private_key_file,
    write_private_key_file,
)
from lovhub.crypto.keys import (
    RecipientPrivateKey,
    RecipientPublicKey,
    derive_key_id,
    generate_key_pair,
    parse_public_key,
    select_current_key,
)
from lovhub.crypto.operator import OperatorSealed, open_for_operators, seal_for_operators
from lovhub.crypto.suites import (
    MLKEM768_X25519,
    SUITES,
    X25519,
    Suite,
    suite_by_id,
    suite_by_name,
    suite_by_number,
)

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_RECORDS",
    "MLKEM768_X25519",
    "SUITES",
    "X25519",
    "Clock",
    "CryptoError",
    "DataKey",
    "DataKeyProvider",
    "DecryptionError",
    "FakeClock",
    "KeyFormatError",
    "MissingKeyError",
    "OperatorSealed",
    "RecipientPrivateKey",
    "RecipientPublicKey",
    "RecordDecryptor",
    "RecordEncryptor",
    "SealedRecord",
    "Suite",
    "Value",
    "WrappedDataKey",
    "derive_key_id",
    "generate_key_pair",
    "open_for_operators",
    "parse_public_key",
    "private_key_from_text",
    "private_key_to_text",
    "read_private_key_file",
    "seal_for_operators",
    "select_current_key",
    "suite_by_id",
    "suite_by_name",
    "suite_by_number",
    "unwrap_data_key",
    "wrap_data_key",
    "write_private_key_file",
]
