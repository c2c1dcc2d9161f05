"""The local broker's TLS material: a broker certificate that X.509 path validation
(cryptography's verifier, as a TLS client does it) accepts for the listener's address under
the generated CA, a private keystore, and the same files on every later start."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from lovhub.devbroker.config import BrokerCredentials, BrokerLayout, render_server_properties
from lovhub.devbroker.tls import ensure_broker_tls, new_ca


def _chain(keystore: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(keystore.read_bytes())


def test_the_broker_certificate_validates_for_its_address_under_the_ca(tmp_path: Path) -> None:
    tls = ensure_broker_tls(tmp_path, "127.0.0.1")
    ca = x509.load_pem_x509_certificate(tls.ca_file.read_bytes())
    leaf, *intermediates = _chain(tls.keystore_file)
    verifier = (
        PolicyBuilder()
        .store(Store([ca]))
        .time(dt.datetime.now(dt.UTC))
        .build_server_verifier(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    )
    verifier.verify(leaf, intermediates)
    other = (
        PolicyBuilder()
        .store(Store([new_ca(dt.datetime.now(dt.UTC))[1]]))
        .build_server_verifier(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    )
    with pytest.raises(VerificationError):
        other.verify(leaf, intermediates)
    wrong_host = (
        PolicyBuilder()
        .store(Store([ca]))
        .build_server_verifier(x509.IPAddress(ipaddress.ip_address("10.0.0.7")))
    )
    with pytest.raises(VerificationError):
        wrong_host.verify(leaf, intermediates)


def test_the_keystore_is_private_and_kept_across_starts(tmp_path: Path) -> None:
    first = ensure_broker_tls(tmp_path, "127.0.0.1")
    assert stat.S_IMODE(first.keystore_file.stat().st_mode) == 0o600
    text = first.keystore_file.read_text(encoding="ascii")
    assert text.startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8, as Kafka's PEM store needs
    before = (first.ca_file.read_bytes(), first.keystore_file.read_bytes())
    again = ensure_broker_tls(tmp_path, "127.0.0.1")
    assert (again.ca_file.read_bytes(), again.keystore_file.read_bytes()) == before


def test_a_tls_port_adds_a_sasl_ssl_listener_with_the_keystore(tmp_path: Path) -> None:
    layout = BrokerLayout(tmp_path, 19092, 19093, tls_port=19094)
    credentials = BrokerCredentials("admin", "a-password", "c-password")
    keystore = tmp_path / "tls" / "broker.pem"
    properties = dict(
        line.split("=", 1)
        for line in render_server_properties(layout, credentials, keystore).splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert "TLS://127.0.0.1:19094" in properties["advertised.listeners"]
    assert "TLS:SASL_SSL" in properties["listener.security.protocol.map"]
    assert properties["listener.name.tls.ssl.keystore.location"] == str(keystore)
    assert properties["listener.name.tls.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    with pytest.raises(ValueError, match="keystore"):
        render_server_properties(layout, credentials)
