"""Secret files: mode 0600 at creation whatever the umask, no symlinks followed, no overwrite."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from lovhub.private_files import create_private, write_private


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o000)  # the most permissive umask a process can have
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("write", [create_private, write_private])
def test_mode_is_0600_right_after_creation_even_with_umask_000(
    tmp_path: Path, open_umask: None, write: object
) -> None:
    target = tmp_path / "secret.key"
    write(target, "s3cret\n")  # type: ignore[operator]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_text(encoding="utf-8") == "s3cret\n"


@pytest.mark.parametrize("write", [create_private, write_private])
def test_a_symlink_at_the_target_is_never_followed(tmp_path: Path, write: object) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched", encoding="utf-8")
    os.chmod(victim, 0o644)
    link = tmp_path / "secret.key"
    link.symlink_to(victim)
    with contextlib.suppress(FileExistsError):  # create_private refuses, write_private replaces
        write(link, "s3cret\n")  # type: ignore[operator]
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o644


def test_create_private_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "secret.key"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(FileExistsError):
        create_private(target, "new")
    assert target.read_text(encoding="utf-8") == "old"


def test_create_private_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "secret.key"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FileExistsError):
        create_private(link, "new")
    assert not (tmp_path / "elsewhere").exists()


def test_write_private_replaces_a_readable_file_with_a_0600_one(tmp_path: Path) -> None:
    target = tmp_path / "connection.json"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o644)
    write_private(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["connection.json"], "no temporary left"
