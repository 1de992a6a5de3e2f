"""The only module that writes the output folder, and it does so atomically.

A build is written into a staging folder beside build/ and swapped in only when complete, so a
failed or interrupted build leaves the previous build/ exactly as it was. A folder is only ever
replaced if it is empty or carries the marker of an earlier liandong build, so a mistyped
``--out`` can never wipe an editor's files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from liandong.config import _display_path
from liandong.errors import LiandongError, Location, Problem

MARKER = ".liandong-build"


def check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).exists())):
        raise LiandongError(Problem(Location(_display_path(out_dir)),
                                    "输出目录已存在且不是 liandong 生成的，为避免覆盖其中的文件，已停止构建；"
                                    "请换一个输出目录或先清空它"))


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh folder beside out_dir; swapped in on success, removed on any failure."""
    check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=out_dir.parent))
    except OSError as exc:
        raise LiandongError(Problem(Location(_display_path(out_dir.parent)), f"无法在此目录中写入：{exc.strerror}")) from exc
    try:
        (stage / MARKER).write_text("此目录由 liandong 生成，每次构建都会整体替换。\n", encoding="utf-8")
        yield stage
        swap_in(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def swap_in(stage: Path, out_dir: Path) -> None:
    """Replace out_dir by stage with two renames; the old tree is deleted only afterwards."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
        os.replace(out_dir, old / "tree")
    try:
        os.replace(stage, out_dir)
    except OSError:
        if old is not None:
            os.replace(old / "tree", out_dir)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_text(stage: Path, dest: str, content: str) -> None:
    path = stage / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8"))


def copy_tree(source: Path, target: Path) -> None:
    """Copy static assets; file times are not preserved, so output depends on content only."""
    if source.is_dir():
        shutil.copytree(source, target, copy_function=shutil.copyfile, dirs_exist_ok=True)
