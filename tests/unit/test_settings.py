from __future__ import annotations

import json
from pathlib import Path

import pytest

from lovhub.errors import ConfigurationError
from lovhub.settings import SecurityProtocol, load_kafka_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "LOVHUB_KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "LOVHUB_KAFKA_SASL_USERNAME",
        "LOVHUB_KAFKA_SASL_PASSWORD",
        "LOVHUB_KAFKA_SECURITY_PROTOCOL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOVHUB_STATE_DIR", str(tmp_path))
    return tmp_path


def test_unprefixed_kafka_variables_are_accepted(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9093")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "someone")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "pw")
    settings = load_kafka_settings()
    assert settings.bootstrap_servers == "kafka.example:9093"
    assert settings.sasl_username == "someone"
    assert settings.security_protocol is SecurityProtocol.SASL_PLAINTEXT


def test_prefixed_variables_win_over_unprefixed(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "plain:1")
    monkeypatch.setenv("LOVHUB_KAFKA_BOOTSTRAP_SERVERS", "prefixed:2")
    monkeypatch.setenv("LOVHUB_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    assert load_kafka_settings().bootstrap_servers == "prefixed:2"


def test_sasl_without_credentials_is_a_clear_error(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    with pytest.raises(ConfigurationError, match="SASL_USERNAME"):
        load_kafka_settings()


def _connection_file(state: Path) -> None:
    connection = state / "broker" / "connection.json"
    connection.parent.mkdir(parents=True)
    connection.write_text(
        json.dumps(
            {
                "bootstrap_servers": "127.0.0.1:19092",
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "SCRAM-SHA-512",
                "username": "lovhub-admin",
                "password": "secret",
            }
        )
    )


def test_falls_back_to_the_local_broker_connection_file(clean_env: Path) -> None:
    _connection_file(clean_env)
    settings = load_kafka_settings()
    assert settings.bootstrap_servers == "127.0.0.1:19092"
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == "secret"
    assert "secret" not in repr(settings)


def test_no_broker_configured_says_how_to_get_one(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError, match="lovhub dev up"):
        load_kafka_settings()


@pytest.mark.parametrize("prefix", ["LOVHUB_", ""])
def test_credentials_in_the_environment_are_never_replaced_by_the_connection_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """Issue 10, finding 4: a hub login without a bootstrap variable ran as the admin."""
    _connection_file(clean_env)
    monkeypatch.setenv(f"{prefix}KAFKA_SASL_USERNAME", "lovhub-hub")
    monkeypatch.setenv(f"{prefix}KAFKA_SASL_PASSWORD", "a-wrong-password")
    settings = load_kafka_settings()
    assert settings.bootstrap_servers == "127.0.0.1:19092"  # the address still comes from it
    assert settings.sasl_username == "lovhub-hub"
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == "a-wrong-password"


@pytest.mark.parametrize("given", ["KAFKA_SASL_USERNAME", "LOVHUB_KAFKA_SASL_PASSWORD"])
def test_half_a_login_in_the_environment_is_an_error_not_the_admin_login(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    _connection_file(clean_env)
    monkeypatch.setenv(given, "lovhub-hub")
    with pytest.raises(ConfigurationError, match="go together"):
        load_kafka_settings()
