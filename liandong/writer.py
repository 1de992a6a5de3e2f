"""The only module that writes the output folder, and it does so atomically.

A build is written into a staging folder beside build/ and swapped in only when complete, so a
failed or interrupted build leaves the previous build/ exactly as it was. For an incremental build
the staging folder starts as hard links to the previous tree (no data copied), and every file that
changes is unlinked before it is written, so the previous tree is never modified in place.

The swap is one system call: ``renameat2(RENAME_EXCHANGE)`` trades the staging folder and build/
atomically, so at every instant, SIGKILL and power loss included, build/ is the complete previous
tree or the complete new one. (Where the file system cannot exchange, two renames are made with
Ctrl-C and SIGTERM held back, and the next build restores the previous tree if it was killed in
between.) What a killed build leaves beside build/ (``.build-staging-*``, ``.build-old-*``) is
removed by the next build, which holds a lock so that two builds never share these folders.

A folder is only ever replaced if it is empty or carries the marker of an earlier liandong build,
so a mistyped ``--out`` can never wipe an editor's files.
"""

from __future__ import annotations

import array
import ctypes
import errno
import fcntl
import os
import secrets
import shutil
import signal
import struct
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from liandong.errors import LiandongError, Location, Problem, os_reason
from liandong.errors import display_path as _display_path

MARKER = ".liandong-build"
MARKER_TEXT = "此目录由 liandong 生成，每次构建都会整体替换。\n"


def check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).exists())):
        raise LiandongError(Problem(Location(_display_path(out_dir)),
                                    "输出目录已存在且不是 liandong 生成的，为避免覆盖其中的文件，已停止构建；"
                                    "请换一个输出目录或先清空它"))


@contextmanager
def output_lock(lock_file: Path, out_dir: Path, on_wait: Callable[[str], None] | None = None,
                keep: Path | None = None) -> Iterator[None]:
    """Serialise builds into one output folder: a second build waits (saying so) until the first
    is done, then finds its work already made. The lock is the kernel's (flock), so a killed build
    never leaves it held. ``keep`` is a spare tree this process kept from its last build (see
    :class:`Trees`), which is not a leftover."""
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_file, "a+b")
    except OSError as exc:
        raise LiandongError(Problem(Location(_display_path(lock_file)), f"无法创建构建锁文件：{os_reason(exc)}")) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"另一个 liandong 构建正在写入 {_display_path(out_dir)}，等它完成后再继续……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            remove_leftovers(out_dir, keep)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def leftovers(out_dir: Path) -> list[Path]:
    """Staging and old folders of out_dir that a killed build left beside it."""
    if not out_dir.parent.is_dir():
        return []
    prefixes = (f".{out_dir.name}-staging-", f".{out_dir.name}-old-")
    return sorted(p for p in out_dir.parent.iterdir() if p.name.startswith(prefixes) and p.is_dir()
                  and not p.is_symlink())


def remove_leftovers(out_dir: Path, keep: Path | None = None) -> None:
    """Called with the lock held, so no other build is using them. If a build was killed between
    the two renames of the fallback swap, out_dir is missing and its previous tree is put back."""
    found = leftovers(out_dir)
    if not out_dir.exists():
        previous = [p / "tree" for p in found if p.name.startswith(f".{out_dir.name}-old-") and (p / "tree" / MARKER).is_file()]
        if previous:
            os.replace(previous[-1], out_dir)
    for path in found:
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


class Trees:
    """The staging folders of one build's phases, each made from the folder the previous phase
    swapped out.

    Why: a build publishes in two or three phases (liandong.publish), and a hard-linked copy of a
    1000-issue build/ is ~1,200 folders and ~3,500 links, 0.4-0.8 s of system calls on the
    machines measured, with as much again to delete the tree each exchange swaps out; all of it
    lay between an editor's save and the page showing the edit. After an exchange the folder
    swapped out holds the previous tree, which differs from the live one only by what that phase
    wrote or removed, so the next phase starts from it once those few paths are brought up to
    date (:func:`catch_up`). Only the first phase links a whole tree, and only :meth:`close`, once
    every phase is live, deletes one. A spare left by a killed build is a staging folder like any
    other, removed by the next build (:func:`remove_leftovers`).

    ``liandong serve`` keeps its spare from one rebuild to the next (and tells :func:`output_lock`
    it is no leftover), so not even
    the first phase links a whole tree. A spare is only used while the live tree is still the one
    this object swapped in (same folder identity): another process's build makes it a leftover."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.spare: Path | None = None  # the tree the last exchange swapped out
        self.behind: list[str] = []  # the outputs in which the spare differs from the live tree
        self.live_id: tuple[int, int] | None = None  # the live tree's identity right after that exchange

    @contextmanager
    def stage(self, reuse: bool = False, on_swapped: Callable[[], None] | None = None,
              changes: Callable[[], list[str]] = list) -> Iterator[Path]:
        """A staging folder for one phase (a hard-linked copy of out_dir with ``reuse``), swapped
        in on success and removed on any failure, Ctrl-C included. ``on_swapped`` is called with
        signals held, right after the swap: a Ctrl-C that lands later cannot make the caller
        believe the old tree is still live. ``changes`` names, once the folder is swapped in, every output the phase wrote or removed:
        the folder swapped out then differs from the live tree in those only, and becomes the spare."""
        check_replaceable(self.out_dir)
        out_dir, swapped, stage = self.out_dir, False, None
        try:
            stage, self.spare = (self.spare if reuse else None), None
            if stage is not None and not self.mirrors_live(stage):
                remove_tree(stage)
                stage = None
            if stage is not None:
                catch_up(stage, out_dir, self.behind)
            else:
                stage = self.new_stage()
                if reuse and out_dir.is_dir():
                    link_tree(out_dir, stage)
            if not (stage / MARKER).exists():
                (stage / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            yield stage
            with signals_held():  # a Ctrl-C now is raised after the swap, which then says so
                swap_in(stage, out_dir)
                swapped = True
                if on_swapped is not None:
                    on_swapped()
        except KeyboardInterrupt as interrupt:
            interrupt.output_replaced = swapped  # which of the two complete trees build/ now is
            remove_tree(stage)
            raise
        except OSError as exc:
            remove_tree(stage)
            where = Location(_display_path(Path(exc.filename) if exc.filename else out_dir))
            raise LiandongError(Problem(where, f"无法写入输出（{os_reason(exc)}），原有输出保持不变；"
                                               "请检查目录权限和磁盘空间")) from exc
        except BaseException:
            remove_tree(stage)
            raise
        if stage.is_dir() and (stage / MARKER).is_file():  # it held a previous tree (not the first build)
            self.spare, self.behind, self.live_id = stage, list(changes()), folder_id(out_dir)
        else:
            remove_tree(stage)

    def make_spare(self) -> None:
        """A spare linked from the live tree now (serve, before the first edit), unless one is kept."""
        if self.spare is not None and self.mirrors_live(self.spare) or not (self.out_dir / MARKER).is_file():
            return
        remove_tree(self.spare)
        self.spare = None
        try:
            stage = self.new_stage()
        except LiandongError:
            return
        try:
            link_tree(self.out_dir, stage)
        except OSError:
            remove_tree(stage)
            return  # the first rebuild links its own, as without a spare
        self.spare, self.behind, self.live_id = stage, [], folder_id(self.out_dir)

    def new_stage(self) -> Path:
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            stage = self.out_dir.parent / f".{self.out_dir.name}-staging-{secrets.token_hex(6)}"
            stage.mkdir()  # not mkdtemp: its mode 0700 would become build/'s and hide it from web servers
        except OSError as exc:
            raise LiandongError(Problem(Location(_display_path(self.out_dir.parent)),
                                        f"无法在此目录中写入：{os_reason(exc)}")) from exc
        spread_subfolders(stage)
        return stage

    def mirrors_live(self, spare: Path) -> bool:
        """Whether the spare is still what the last exchange swapped out beside the live tree: the
        live tree is the folder swapped in then (no other build has exchanged its own in since)
        and the spare was not removed as a leftover meanwhile."""
        return folder_id(self.out_dir) == self.live_id and (spare / MARKER).is_file()

    def close(self) -> None:
        """Delete the spare: called once the build is over, whatever its end."""
        remove_tree(self.spare)
        self.spare = None


# <linux/fs.h>: _IOR('f', 1, long), _IOW('f', 2, long) and the "top of directory hierarchies" flag
_FS_IOC_GETFLAGS = (2 << 30) | (struct.calcsize("l") << 16) | (ord("f") << 8) | 1
_FS_IOC_SETFLAGS = (1 << 30) | (struct.calcsize("l") << 16) | (ord("f") << 8) | 2
_FS_TOPDIR_FL = 0x00020000


def spread_subfolders(folder: Path) -> None:
    """Mark a new staging folder as the top of unrelated hierarchies (``chattr +T``), where the
    file system knows the flag (ext2/3/4); elsewhere nothing happens.

    Why: ext4 without a journal (as on the machines liandong is measured on) does not reuse an
    inode freed in the last minute (six while its table block is unwritten), and for every inode
    it creates checks each such freed inode of the block group before a free one (kernel
    ``find_inode_bit``). Every build frees the tree it replaces, ~2,700 inodes at 1000 issues (and
    more if build/ was just deleted), and creates as many in the same group: the checks grow with
    the product, 0.3-0.7 s of kernel CPU in a build run right after a deletion, more the more trees
    were freed in the last minutes. With the flag, ext4's Orlov allocator spreads the year folders
    (and the trees under them) over block groups of their own, chosen by name, as it does the
    folders of /home: each group then holds a few hundred of the freed inodes and of the new ones,
    not thousands of both.
    Five cold builds of the other 1000-issue archive, each right after deleting the
    previous output, took 1.11-1.23 s instead of 1.28-1.58 s (bench/README.md, "the kernel's
    share"). The flag is only a placement hint; it is not inherited and changes no content."""
    if not sys.platform.startswith("linux"):
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(descriptor, _FS_IOC_GETFLAGS, flags, True)
        if not flags[0] & _FS_TOPDIR_FL:
            flags[0] |= _FS_TOPDIR_FL
            fcntl.ioctl(descriptor, _FS_IOC_SETFLAGS, flags, True)
    except OSError:  # not ext2/3/4 (ENOTTY, EOPNOTSUPP, EINVAL) or not allowed: only a hint
        pass
    finally:
        os.close(descriptor)


def remove_tree(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def folder_id(path: Path) -> tuple[int, int] | None:
    """Which folder is at ``path`` now: an exchange puts another one there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def catch_up(spare: Path, live: Path, dests: list[str]) -> None:
    """Make ``spare`` hold what ``live`` holds at each of ``dests`` (links to the same files, or
    nothing where live has nothing), so a tree swapped out becomes a copy of the live one again."""
    for dest in dests:
        target, source = spare / dest, live / dest
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            link_or_copy(source, target)
        elif target.parent.is_dir():
            remove_file(spare, dest)


def link_tree(source: Path, target: Path) -> None:
    """Mirror source into target with hard links (copies where links are not possible)."""
    for folder, dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            link_or_copy(Path(folder) / name, target / relative / name)


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link (no data copied), or a copy where the file system cannot link."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def swap_in(stage: Path, out_dir: Path) -> None:
    """Put stage in out_dir's place; afterwards stage holds the previous tree (if any), to delete.
    Called with signals held (see :func:`signals_held`)."""
    if not out_dir.exists():
        os.rename(stage, out_dir)
    elif not exchange(stage, out_dir):
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
        os.replace(out_dir, old / "tree")
        try:
            os.replace(stage, out_dir)
        except OSError:
            os.replace(old / "tree", out_dir)
            raise
        os.replace(old / "tree", stage)
        old.rmdir()


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def exchange(first: Path, second: Path) -> bool:
    """Atomically trade two paths (Linux renameat2); False where the system or file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for a few system calls that must not be separated.

    A signal mask is not enough: it holds a signal back from this thread only, and while the PDF
    pool's threads run, the kernel hands the signal to one of them and Python then runs the handler
    here at once. So the handlers are swapped for ones that only note the signal, and the first one
    noted goes to its own handler once the calls are done. Off the main thread (where handlers cannot
    be set and never run) the mask is used as before."""
    held = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread():
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        return
    noted: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: noted.append(number)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if noted:
            _deliver(noted[0], previous[noted[0]])


def _deliver(number: int, handler) -> None:
    """Act on a held signal as its own handler would have."""
    if callable(handler):
        handler(number, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), number)


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

