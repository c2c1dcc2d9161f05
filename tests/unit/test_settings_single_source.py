"""Every setting and path a lovhub process reads from its environment is declared in
``lovhub.settings`` (issue 13, item 7): no other module of services/lovhub reads
``os.environ`` or ``os.getenv``, and no command option names its variable in a literal of its
own (``envvar="LOVHUB_..."``). Read from the source with ast, not by importing, so that a read
in a module no test imports still counts, and one under ``if`` or in a function too."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"

#: The one module that reads the environment.
SETTINGS_MODULE = "lovhub/settings.py"

#: Code that builds the environment of a subprocess (a copy of ``os.environ`` passed on, with
#: variables added) reads no setting of its own: allowed, by module and function, each with
#: its reason. A read anywhere else in the same module still fails.
SUBPROCESS_ENVIRONMENT_BUILDERS = {
    # The demo runs `lovhub` commands as a user would: they inherit the user's environment
    # (PATH, HOME, ...) with the demo's files and logins on top.
    ("lovhub/cli/demo_story.py", "second_act"),
}

_READERS = frozenset({"environ", "environb", "getenv", "getenvb"})


@dataclass(frozen=True, order=True)
class EnvironmentRead:
    module: str
    function: str  # the innermost enclosing function, "<module>" at top level
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} in {self.function}: {self.code}"


class _Finder(ast.NodeVisitor):
    """Uses of ``os.environ``/``os.getenv``: as attributes of ``os`` (also ``import os as x``,
    ``__import__("os")``) and as names imported from ``os`` (``from os import environ as e``)."""

    def __init__(self, module: str, source: str) -> None:
        self.module, self.source = module, source
        self.os_names: set[str] = set()
        self.reader_names: set[str] = set()
        self.functions = ["<module>"]
        self.found: list[EnvironmentRead] = []

    def _record(self, node: ast.expr | ast.stmt) -> None:
        code = ast.get_source_segment(self.source, node) or ast.unparse(node)
        self.found.append(EnvironmentRead(self.module, self.functions[-1], node.lineno, code))

    def visit_Import(self, node: ast.Import) -> None:
        self.os_names.update(a.asname or a.name for a in node.names if a.name == "os")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "os":
            readers = [a for a in node.names if a.name in _READERS]
            self.reader_names.update(a.asname or a.name for a in readers)
            if readers:
                self._record(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _is_os(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.os_names
        return (  # __import__("os")
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and [ast.unparse(a) for a in node.args[:1]] == ["'os'"]
        )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _READERS and self._is_os(node.value):
            self._record(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.reader_names and isinstance(node.ctx, ast.Load):
            self._record(node)


def environment_reads(module: str, source: str) -> list[EnvironmentRead]:
    finder = _Finder(module, source)
    finder.visit(ast.parse(source))
    return finder.found


def literal_envvars(module: str, source: str) -> list[str]:
    """``envvar=`` keywords (typer/click options) given a string literal, or a list of them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "envvar":
            value = node.value
            values = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            if any(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
                found.append(f"{module}:{node.value.lineno}: envvar={ast.unparse(node.value)}")
    return found


def _sources() -> dict[str, str]:
    return {
        path.relative_to(SERVICES).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((SERVICES / "lovhub").rglob("*.py"))
    }


def _reads_outside_settings() -> list[EnvironmentRead]:
    return [
        read
        for module, source in _sources().items()
        if module != SETTINGS_MODULE
        for read in environment_reads(module, source)
    ]


def test_only_lovhub_settings_reads_the_environment() -> None:
    reads = [
        read
        for read in _reads_outside_settings()
        if (read.module, read.function) not in SUBPROCESS_ENVIRONMENT_BUILDERS
    ]
    assert not reads, (
        "read the environment only in lovhub/settings.py (declare the variable there, take "
        "its settings object here):\n" + "\n".join(map(str, sorted(reads)))
    )


def test_every_allowed_subprocess_environment_builder_still_copies_the_environment() -> None:
    """An allow-list entry whose code no longer reads the environment is removed, so that
    the list cannot quietly cover a later read."""
    builders = {(read.module, read.function) for read in _reads_outside_settings()}
    assert builders >= SUBPROCESS_ENVIRONMENT_BUILDERS, SUBPROCESS_ENVIRONMENT_BUILDERS - builders


def test_the_settings_module_is_where_the_reads_are() -> None:
    """The walk sees this module's own reads: a check that would find nothing anywhere (a
    wrong path, a broken finder) fails here rather than passing everything."""
    assert environment_reads(SETTINGS_MODULE, _sources()[SETTINGS_MODULE])


def test_command_options_take_their_variable_from_lovhub_settings() -> None:
    literals = [
        found
        for module, source in _sources().items()
        if module != SETTINGS_MODULE
        for found in literal_envvars(module, source)
    ]
    assert not literals, (
        "declare the option's variable in lovhub.settings (an OptionVariable, or a field's "
        "variable) and use its name:\n" + "\n".join(literals)
    )


READS = """
import os
import os as system
from os import environ, getenv as lookup

A = os.environ.get("A")
def f():
    if True:
        return system.getenv("B")
class C:
    async def g(self):
        return environ["C"], lookup("D"), __import__("os").environ["E"]
"""

NOT_READS = """
import os
from os import path
environ = {"mine": "a dict of my own"}
def f(getenv):
    return os.path.join("a", "b"), environ["mine"], getenv("x"), path.sep
"""


def test_the_finder_sees_every_spelling_of_a_read() -> None:
    found = {(read.function, read.code) for read in environment_reads("m.py", READS)}
    assert found == {
        ("<module>", "from os import environ, getenv as lookup"),
        ("<module>", "os.environ"),
        ("f", "system.getenv"),
        ("g", "environ"),
        ("g", "lookup"),
        ("g", '__import__("os").environ'),
    }


def test_the_finder_ignores_other_uses_of_os_and_names_like_environ() -> None:
    assert environment_reads("m.py", NOT_READS) == []


def test_a_literal_envvar_is_found_and_a_declared_one_is_not() -> None:
    source = (
        "import typer\n"
        'A = typer.Option(1, envvar="LOVHUB_A")\n'
        'B = typer.Option(1, envvar=["LOVHUB_B", "B"])\n'
        "C = typer.Option(1, envvar=C_VARIABLE.name)\n"
    )
    assert literal_envvars("m.py", source) == [
        "m.py:2: envvar='LOVHUB_A'",
        "m.py:3: envvar=['LOVHUB_B', 'B']",
    ]
