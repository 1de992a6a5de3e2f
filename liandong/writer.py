"""The only module that writes the output folder, and it does so atomically.

A build is written into a staging folder beside build/ and swapped in only when complete, so a
failed or interrupted build leaves the previous build/ exactly as it was. For an incremental build
the staging folder starts as hard links to the previous tree (no data copied), and every file that
changes is unlinked before it is written, so the previous tree is never modified in place.

A folder is only ever replaced if it is empty or carries the marker of an earlier liandong build,
so a mistyped ``--out`` can never wipe an editor's files.
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
MARKER_TEXT = "此目录由 liandong 生成，每次构建都会整体替换。\n"


def check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).exists())):
        raise LiandongError(Problem(Location(_display_path(out_dir)),
                                    "输出目录已存在且不是 liandong 生成的，为避免覆盖其中的文件，已停止构建；"
                                    "请换一个输出目录或先清空它"))


@contextmanager
def staging(out_dir: Path, reuse: bool = False) -> Iterator[Path]:
    """A folder beside out_dir (a hard-linked copy of it with ``reuse``); swapped in on success,
    removed on any failure, Ctrl-C included."""
    check_replaceable(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=out_dir.parent))
        stage.chmod(0o777 & ~current_umask())  # mkdtemp makes it 0700; web servers read build/ as another user
    except OSError as exc:
        raise LiandongError(Problem(Location(_display_path(out_dir.parent)),
                                    f"无法在此目录中写入：{exc.strerror}")) from exc
    try:
        if reuse and out_dir.is_dir():
            link_tree(out_dir, stage)
        if not (stage / MARKER).exists():
            (stage / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        yield stage
        swap_in(stage, out_dir)
    except OSError as exc:
        where = Location(_display_path(Path(exc.filename) if exc.filename else out_dir))
        raise LiandongError(Problem(where, f"无法写入输出（{exc.strerror or exc}），原有输出保持不变；"
                                           "请检查目录权限和磁盘空间")) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def link_tree(source: Path, target: Path) -> None:
    """Mirror source into target with hard links (copies where links are not possible)."""
    for folder, dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(Path(folder) / name, target / relative / name)
            except OSError:
                shutil.copyfile(Path(folder) / name, target / relative / name)


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


def write_file(stage: Path, dest: str, content: bytes | str) -> None:
    """Write one output; unlink first so a hard link shared with the live tree is never changed."""
    path = stage / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def remove_file(stage: Path, dest: str) -> None:
    """Delete an output the site no longer has, and folders it leaves empty."""
    path = stage / dest
    path.unlink(missing_ok=True)
    for parent in path.parents:
        if parent == stage or any(parent.iterdir()):
            break
        parent.rmdir()


def current_umask() -> int:
    """The process umask, read without changing it (os.umask can only set it, and setting it even
    briefly would race with the serve thread's writes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
