"""docs/asyncapi.yaml passes the AsyncAPI project's own parser, Avro schemas included.

The parser (npm, pinned by tests/support/asyncapi/package-lock.json) is installed by the
session fixture on first use; without Node and npm these tests fail, never skip. The helper
is itself tested on broken copies, so a validator that accepts everything cannot pass.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from lovhub.contract.asyncapi import AVRO_SCHEMA_FORMAT
from tests.support.asyncapi_parser import (
    ParseReport,
    ParserUnavailable,
    install_parser,
    parse_document,
)

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="session")
def parser_dir() -> Iterator[Path]:
    try:
        yield install_parser()
    except ParserUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of docs/asyncapi.yaml and schemas/ at the same relative places."""
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "docs").mkdir()
    shutil.copyfile(COMMITTED, tmp_path / "docs" / "asyncapi.yaml")
    return tmp_path / "docs" / "asyncapi.yaml"


def _parse(document: Path, parser_dir: Path) -> ParseReport:
    try:
        return parse_document(document, parser_dir=parser_dir)
    except ParserUnavailable as error:
        pytest.fail(str(error), pytrace=False)


def _edit_yaml(path: Path, change: Any) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_the_committed_document_has_no_errors(parser_dir: Path) -> None:
    report = _parse(COMMITTED, parser_dir)
    assert report.errors == (), report.errors
    assert report.parsed
    document = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    avro_messages = [
        message
        for message in document["components"]["messages"].values()
        if message["payload"].get("schemaFormat") == AVRO_SCHEMA_FORMAT
    ]
    assert len(avro_messages) == len(list((REPO / "schemas").glob("*/*.avsc")))
    # Every referenced .avsc was resolved and checked by the Avro schema parser.
    assert report.avro_payloads_checked == len(avro_messages)


def test_the_helper_reports_an_invalid_avro_schema(copy: Path, parser_dir: Path) -> None:
    schema_file = copy.parent.parent / "schemas" / "audit" / "AuditCheckpoint.v1.avsc"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["fields"][0]["type"] = "strnig"
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    errors = _parse(copy, parser_dir).errors
    assert [e["code"] for e in errors] == ["avro-schema"], errors
    assert "strnig" in errors[0]["message"]
    assert errors[0]["path"] == "components/messages/AuditCheckpoint.v1/payload/schema"


def test_the_helper_reports_a_missing_schema_file(copy: Path, parser_dir: Path) -> None:
    (copy.parent.parent / "schemas" / "report" / "ProviderReport.v1.avsc").unlink()
    errors = _parse(copy, parser_dir).errors
    assert any("ProviderReport.v1.avsc" in e["message"] for e in errors), errors


def _publish_action(document: dict[str, Any]) -> None:
    # AsyncAPI 2 vocabulary: 3.0 operations send or receive.
    document["operations"]["lov.hub.audit.v1.send"]["action"] = "publish"


def _unknown_security_type(document: dict[str, Any]) -> None:
    document["components"]["securitySchemes"]["scramSha512"]["type"] = "scram-sha-512"


def _no_partitions(document: dict[str, Any]) -> None:
    document["channels"]["lov.hub.audit.v1"]["bindings"]["kafka"]["partitions"] = 0


@pytest.mark.parametrize(
    ("change", "error_path"),
    [
        (_publish_action, "operations/lov.hub.audit.v1.send/action"),
        (_unknown_security_type, "components/securitySchemes/scramSha512/type"),
        (_no_partitions, "channels/lov.hub.audit.v1/bindings/kafka/partitions"),
    ],
)
def test_the_helper_reports_an_invalid_document(
    copy: Path, parser_dir: Path, change: Any, error_path: str
) -> None:
    _edit_yaml(copy, change)
    report = _parse(copy, parser_dir)
    assert not report.parsed
    assert error_path in {e["path"] for e in report.errors}, report.errors


def test_the_helper_reports_an_operation_on_messages_of_another_channel(
    copy: Path, parser_dir: Path
) -> None:
    def cross(document: dict[str, Any]) -> None:
        operations = document["operations"]
        operations["lov.hub.audit.v1.send"]["messages"] = operations[
            "lov.agency.jobseeker-events.v1.send"
        ]["messages"]

    _edit_yaml(copy, cross)
    codes = {e["code"] for e in _parse(copy, parser_dir).errors}
    assert "asyncapi3-operation-messages-from-referred-channel" in codes, codes
