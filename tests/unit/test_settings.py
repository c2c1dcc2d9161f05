from __future__ import annotations

import json
from pathlib import Path

import pytest

from lovhub.errors import ConfigurationError
from lovhub.policy.location import default_policy_dir
from lovhub.runtime import recipients_source, startup_file
from lovhub.settings import (
    DevBrokerSettings,
    LocalDirectories,
    PasswordSettings,
    SecurityProtocol,
    ServiceSettings,
    StartupFiles,
    kafka_bootstrap_in_environment,
    load_kafka_settings,
    local_connection_file,
    state_dir,
)


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


# -- the settings declared in lovhub.settings, read as the os.environ reads they replace -----


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOVHUB_POLICY_FILE", "")
    monkeypatch.setenv("LOVHUB_RECIPIENTS_SOURCE", "")
    assert StartupFiles.from_environment().policy_file is None
    assert ServiceSettings.from_environment().recipients_source == "registry"


def test_an_empty_password_is_kept_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``admin init`` did with ``os.environ.get``: an empty password is set, not made."""
    monkeypatch.setenv("LOVHUB_HUB_PASSWORD", "")
    monkeypatch.delenv("LOVHUB_REPORTS_PASSWORD", raising=False)
    passwords = PasswordSettings.from_environment()
    assert passwords.hub_password is not None
    assert passwords.hub_password.get_secret_value() == ""
    assert passwords.reports_password is None


def test_variables_are_read_by_their_exact_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOVHUB_HUB_SECRET_FILE", raising=False)
    monkeypatch.setenv("lovhub_hub_secret_file", "/somewhere")
    assert StartupFiles.from_environment().hub_secret_file is None


def test_a_file_setting_expands_the_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOVHUB_STATE_KEY_FILE", "~/state-keys.json")
    expected = Path.home() / "state-keys.json"
    assert StartupFiles.from_environment().named("LOVHUB_STATE_KEY_FILE") == expected


def test_a_file_variable_not_declared_is_an_error_not_unset() -> None:
    with pytest.raises(KeyError, match="LOVHUB_POLICY_FILES"):
        StartupFiles.from_environment().named("LOVHUB_POLICY_FILES")


def test_a_value_of_the_wrong_type_names_the_variable_not_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOVHUB_DEV_BROKER_PORT", "not-a-port-s3cret")
    with pytest.raises(ConfigurationError, match="LOVHUB_DEV_BROKER_PORT") as raised:
        DevBrokerSettings.from_environment()
    assert "s3cret" not in str(raised.value)
    assert raised.value.__cause__ is None  # pydantic's error, which shows the value, is not kept


def test_the_state_directory_follows_xdg_when_not_given() -> None:
    given = LocalDirectories.model_validate({"XDG_STATE_HOME": "/xdg/state"})
    assert state_dir(given) == Path("/xdg/state/lovhub")
    explicit = LocalDirectories.model_validate(
        {"XDG_STATE_HOME": "/xdg/state", "LOVHUB_STATE_DIR": "/mine"}
    )
    assert state_dir(explicit) == Path("/mine")
    assert local_connection_file(explicit) == Path("/mine/broker/connection.json")


def test_settings_are_read_when_asked_for_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOVHUB_CHECKPOINT_TOPIC", "first")
    assert ServiceSettings.from_environment().checkpoint_topic == "first"
    monkeypatch.setenv("LOVHUB_CHECKPOINT_TOPIC", "second")
    assert ServiceSettings.from_environment().checkpoint_topic == "second"


def test_the_variable_of_a_field_is_its_declared_name() -> None:
    assert StartupFiles.variable("lookup_signing_key_file") == "LOVHUB_LOOKUP_SIGNING_KEY_FILE"
    assert LocalDirectories.variable("xdg_cache_home") == "XDG_CACHE_HOME"


def test_the_kafka_address_in_the_environment_under_either_name(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not kafka_bootstrap_in_environment()
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert kafka_bootstrap_in_environment()
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS")
    monkeypatch.setenv("LOVHUB_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert kafka_bootstrap_in_environment()


# -- modules take these settings as collaborators (the environment's when none is given) ----


def test_the_policy_directory_given_by_setting(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text("{}\n", encoding="utf-8")
    given = LocalDirectories.model_validate({"LOVHUB_POLICY_DIR": str(tmp_path)})
    assert default_policy_dir(given) == tmp_path
    empty = LocalDirectories.model_validate({"LOVHUB_POLICY_DIR": str(tmp_path / "empty")})
    with pytest.raises(ConfigurationError, match=r"LOVHUB_POLICY_DIR=.*holds no policy\.yaml"):
        default_policy_dir(empty)


@pytest.mark.parametrize(("given", "chosen"), [(" file ", "file"), ("  ", "registry")])
def test_the_recipients_source_is_trimmed(given: str, chosen: str) -> None:
    settings = ServiceSettings.model_validate({"LOVHUB_RECIPIENTS_SOURCE": given})
    assert recipients_source(settings) == chosen


def test_an_unknown_recipients_source_is_refused() -> None:
    settings = ServiceSettings.model_validate({"LOVHUB_RECIPIENTS_SOURCE": "FILE"})
    with pytest.raises(ConfigurationError, match="LOVHUB_RECIPIENTS_SOURCE must be"):
        recipients_source(settings)


def test_a_startup_file_is_the_one_its_setting_names_else_a_clear_error(tmp_path: Path) -> None:
    given = StartupFiles.model_validate({"LOVHUB_POLICY_FILE": str(tmp_path / "mine.yaml")})
    assert startup_file("LOVHUB_POLICY_FILE", "policy.yaml", given) == tmp_path / "mine.yaml"
    with pytest.raises(ConfigurationError, match="LOVHUB_HUB_SECRET_FILE is not set"):
        startup_file("LOVHUB_HUB_SECRET_FILE", None, StartupFiles.model_validate({}))
