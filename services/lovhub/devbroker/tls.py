"""The local broker's TLS material: a CA of its own and a broker certificate it signs,
generated on first start with ``cryptography`` (no ``keytool``, no ``openssl``) and reused.

- ``ca.crt``: the CA certificate clients trust (``LOVHUB_KAFKA_SSL_CAFILE``); public.
- ``broker.pem``: the broker's PKCS#8 private key and its certificate chain, the PEM
  keystore Kafka reads (``ssl.keystore.type=PEM``, KIP-651); 0600.

ECDSA P-256 keys; the broker certificate names the listener's address (IP and
``localhost``) so clients verify the host, not only the signature. This is a development
CA: production brokers use the organisation's CA (Strimzi's cluster CA on Kubernetes).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lovhub.private_files import write_private

__all__ = ["BrokerTls", "ensure_broker_tls", "new_ca"]

_CA_YEARS = 10
_BROKER_DAYS = 825  # the longest validity browsers and most clients still accept


@dataclass(frozen=True, slots=True)
class BrokerTls:
    ca_file: Path
    keystore_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lovhub development broker"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_ca(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A fresh self-signed CA (key, certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("lovhub development CA")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * _CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _broker_certificate(
    host: str, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=_BROKER_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def ensure_broker_tls(directory: Path, host: str) -> BrokerTls:
    """The CA and broker keystore in ``directory``, created on first use and then kept (a
    client's trusted CA file stays valid across restarts). The CA's private key is not
    kept: nothing else is ever signed with it."""
    tls = BrokerTls(directory / "ca.crt", directory / "broker.pem")
    if tls.ca_file.is_file() and tls.keystore_file.is_file():
        return tls
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key, ca = new_ca(now)
    key, certificate = _broker_certificate(host, ca_key, ca, now)
    pem = serialization.Encoding.PEM
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain = certificate.public_bytes(pem) + ca.public_bytes(pem)
    write_private(tls.keystore_file, (private + chain).decode("ascii"))
    tls.ca_file.write_bytes(ca.public_bytes(pem))
    return tls
