"""The compiled hot path (lovhub.compiled) is the code the sources say, or is not used."""

from __future__ import annotations

import ast
import importlib.machinery
import json
import random

import pytest

from lovhub import compiled
from lovhub.codec import FieldProblem, InvalidFieldError, validate_jobseeker_event
from lovhub.codec.examples import jobseeker_event


@pytest.mark.parametrize("module", compiled.HOT_MODULES)
def test_no_compiled_module_raises_from(module: str) -> None:
    # mypyc ignores `from` on raise: `raise X from None` would keep showing the handled
    # exception (whose message may quote personal data). lovhub.errors.conceal instead.
    tree = ast.parse(compiled.source_file(module).read_text())
    chained = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.cause]
    assert chained == [], f"{module} raises with `from` on lines {chained}"


def test_the_loaded_modules_are_what_the_build_says() -> None:
    loaded = compiled.compiled_modules()
    if not compiled.MANIFEST.exists():  # never built here: all interpreted
        assert loaded == []
        return
    manifest = json.loads(compiled.MANIFEST.read_text())
    if manifest["compiled"]:
        assert sorted(loaded) == sorted(compiled.HOT_MODULES) == sorted(manifest["modules"])
        for module in loaded:
            assert str(importlib.import_module(module).__file__).endswith(
                tuple(importlib.machinery.EXTENSION_SUFFIXES)
            )
    else:
        assert loaded == []
        assert manifest["reason"]


def test_a_change_of_any_source_makes_the_build_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    assert compiled.stale_reason() is None  # the test session would not have started
    monkeypatch.setattr(compiled, "package_digest", lambda: "0" * 64)
    if compiled.built_modules():
        assert compiled.stale_reason() == "the sources changed since the hot path was compiled"
    else:
        assert compiled.stale_reason() is None  # nothing compiled: nothing can be stale


def test_concealed_errors_do_not_show_what_they_handled() -> None:
    # lovhub.codec.validation is compiled where a compiler exists: conceal works there too.
    event = jobseeker_event("REGISTRATION", random.Random(3))
    event["body"][1]["personal_id"] = "19121212-1213"  # fails the Luhn check
    with pytest.raises(InvalidFieldError) as caught:
        validate_jobseeker_event(event)
    assert caught.value.reason is FieldProblem.BAD_PERSONAL_ID
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
