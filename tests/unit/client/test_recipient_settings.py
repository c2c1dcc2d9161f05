"""`lovhub consume` and `lovhub report` authenticate as the recipient, never as someone else."""

from __future__ import annotations

from pathlib import Path

import pytest

from lovhub.cli.consume import recipient_settings
from lovhub.errors import ConfigurationError

_VARIABLES = (
    "LOVHUB_KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_BOOTSTRAP_SERVERS",
    "LOVHUB_KAFKA_SASL_USERNAME",
    "KAFKA_SASL_USERNAME",
    "LOVHUB_KAFKA_SASL_PASSWORD",
    "KAFKA_SASL_PASSWORD",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def test_the_password_file_wins_and_the_user_is_the_recipient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOVHUB_KAFKA_SASL_USERNAME", "lovhub-admin")
    monkeypatch.setenv("LOVHUB_KAFKA_SASL_PASSWORD", "the admin's")
    (tmp_path / "pw").write_text('{"username": "jobbcoach-syd", "password": "recipient secret"}')
    settings = recipient_settings("jobbcoach-syd", tmp_path / "pw")
    assert settings.sasl_username == "jobbcoach-syd"
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == "recipient secret"


@pytest.mark.parametrize("configured_user", [None, "jobbcoach-syd"])
def test_the_environment_password_is_used_for_the_recipient_itself(
    monkeypatch: pytest.MonkeyPatch, configured_user: str | None
) -> None:
    if configured_user:
        monkeypatch.setenv("LOVHUB_KAFKA_SASL_USERNAME", configured_user)
    monkeypatch.setenv("LOVHUB_KAFKA_SASL_PASSWORD", "from env")
    settings = recipient_settings("jobbcoach-syd", None)
    assert settings.sasl_username == "jobbcoach-syd"
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == "from env"


def test_another_principals_password_is_never_borrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOVHUB_KAFKA_SASL_USERNAME", "lovhub-admin")
    monkeypatch.setenv("LOVHUB_KAFKA_SASL_PASSWORD", "the admin's")
    with pytest.raises(ConfigurationError, match="no password for jobbcoach-syd"):
        recipient_settings("jobbcoach-syd", None)


@pytest.mark.parametrize(
    "content",
    [
        "\n",
        "recipient secret\n",  # a bare password: not the one format
        '{"username": "jobbcoach-syd", "password": ""}',
        '{"username": "jobbcoach-syd", "password": "recipient secret", "extra": 1}',
        '{"username": "jobbcoach-syd"}',
        '["jobbcoach-syd", "recipient secret"]',
    ],
)
def test_anything_but_a_credentials_file_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "pw").write_text(content)
    with pytest.raises(ConfigurationError, match="not a credentials file") as refused:
        recipient_settings("jobbcoach-syd", tmp_path / "pw")
    assert "recipient secret" not in str(refused.value)


def test_another_principals_credentials_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text('{"username": "karriarbron", "password": "its secret"}')
    with pytest.raises(ConfigurationError, match="login of karriarbron, not of jobbcoach-syd"):
        recipient_settings("jobbcoach-syd", tmp_path / "pw")
