"""Loading schemas: where from, and refusing inconsistent directories at start-up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lovhub.codec import JOBSEEKER_EVENT, SchemaStore, SchemaStoreError, UnknownSchemaError
from lovhub.codec.store import SCHEMA_DIR_ENV, find_schema_dir

REPO_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def _record(name: str, namespace: str, extra_field: bool = False) -> dict[str, object]:
    fields: list[dict[str, object]] = [{"name": "id", "type": "string", "doc": "An id."}]
    if extra_field:
        fields.append({"name": "n", "type": ["null", "int"], "default": None, "doc": "n"})
    return {"type": "record", "name": name, "namespace": namespace, "doc": "d", "fields": fields}


def _write(root: Path, relative: str, schema: object) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema), encoding="utf-8")


def test_default_location_is_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCHEMA_DIR_ENV, raising=False)
    assert find_schema_dir().resolve() == REPO_SCHEMAS


def test_environment_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write(tmp_path, "demo/Thing.v1.avsc", _record("Thing", "se.lovhub.demo"))
    monkeypatch.setenv(SCHEMA_DIR_ENV, str(tmp_path))
    assert find_schema_dir() == tmp_path
    assert SchemaStore.load().names() == ("se.lovhub.demo.Thing",)


def test_missing_environment_directory_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(SCHEMA_DIR_ENV, str(tmp_path / "nope"))
    with pytest.raises(SchemaStoreError, match=SCHEMA_DIR_ENV):
        find_schema_dir()


def test_directory_without_schemas_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaStoreError, match="no <area>"):
        SchemaStore.load(tmp_path)


@pytest.mark.parametrize(
    ("relative", "schema", "message"),
    [
        ("demo/Thing.avsc", _record("Thing", "se.lovhub.demo"), "file name"),
        ("demo/Thing.v1.avsc", _record("Other", "se.lovhub.demo"), "must be named"),
        ("demo/Thing.v1.avsc", _record("Thing", "se.lovhub.elsewhere"), "namespace"),
        ("demo/Thing.v1.avsc", {"type": "enum", "name": "Thing", "symbols": ["A"]}, "record"),
        ("demo/Thing.v1.avsc", {**_record("Thing", "se.lovhub.demo"), "fields": 3}, "Avro"),
        ("Thing.v1.avsc", _record("Thing", "se.lovhub.demo"), "area subdirectory"),
    ],
)
def test_inconsistent_files_are_refused(
    tmp_path: Path, relative: str, schema: object, message: str
) -> None:
    _write(tmp_path, "demo/Good.v1.avsc", _record("Good", "se.lovhub.demo"))
    _write(tmp_path, relative, schema)
    with pytest.raises(SchemaStoreError, match=message):
        SchemaStore.load(tmp_path)


def test_invalid_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "Thing.v1.avsc").write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaStoreError, match="JSON"):
        SchemaStore.load(tmp_path)


def test_version_gaps_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "demo/Thing.v1.avsc", _record("Thing", "se.lovhub.demo"))
    _write(tmp_path, "demo/Thing.v3.avsc", _record("Thing", "se.lovhub.demo", extra_field=True))
    with pytest.raises(SchemaStoreError, match="gaps"):
        SchemaStore.load(tmp_path)


def test_a_version_that_changes_only_docs_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "demo/Thing.v1.avsc", _record("Thing", "se.lovhub.demo"))
    _write(tmp_path, "demo/Thing.v2.avsc", {**_record("Thing", "se.lovhub.demo"), "doc": "x"})
    with pytest.raises(SchemaStoreError, match="same canonical form"):
        SchemaStore.load(tmp_path)


def test_lookups(tmp_path: Path) -> None:
    shutil.copytree(REPO_SCHEMAS, tmp_path / "schemas")
    store = SchemaStore.load(tmp_path / "schemas")
    latest = store.resolve(JOBSEEKER_EVENT)
    assert latest.version == 3
    assert store.by_fingerprint(latest.fingerprint) is latest
    assert store.by_fingerprint(bytes(8)) is None
    assert len(store) == len(list(store)) == len(list(REPO_SCHEMAS.glob("*/*.avsc")))
    with pytest.raises(UnknownSchemaError):
        store.versions("se.lovhub.agency.Nothing")
    with pytest.raises(UnknownSchemaError):
        store.get(JOBSEEKER_EVENT, 4)
