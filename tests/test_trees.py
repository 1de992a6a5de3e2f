"""Staging trees recycled from phase to phase and, in serve, from build to build (liandong.writer.Trees).

Each phase used to link a whole copy of build/ and delete the tree it swapped out. Now the tree
swapped out is brought up to date and staged again, so the risk is a stale file: these tests check
that after every phase build/ holds exactly what the phases wrote over what was there, that files
not written are the same inodes (hard links, nothing copied or modified), that a spare never
outlives its build unless kept, and that a tree swapped in by someone else is never overwritten
with a kept spare's stale contents.
"""

from __future__ import annotations

import array
import errno
import fcntl
import os
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liandong.writer import MARKER, Trees, output_lock, remove_file, write_file


def contents(tree: Path) -> dict[str, bytes]:
    return {path.relative_to(tree).as_posix(): path.read_bytes()
            for path in sorted(tree.rglob("*")) if path.is_file() and path.name != MARKER}


def leftovers(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.parent.iterdir() if p.name.startswith(f".{out_dir.name}-"))


def phase(trees: Trees, out_dir: Path, writes: dict[str, bytes], removes: list[str]) -> None:
    dests = list(writes) + removes
    with trees.stage(reuse=True, changes=lambda: dests) as stage:
        for dest, data in writes.items():
            write_file(stage, dest, data)
        for dest in removes:
            remove_file(stage, dest)


NAMES = st.sampled_from(["index.html", "2025/12/index.html", "2025/12/a.pdf", "2025/13/index.html",
                         "2024/1/index.html", "search-index/2025/0.txt", "counties/x/index.html"])
BATCH = st.tuples(st.dictionaries(NAMES, st.binary(min_size=1, max_size=8), max_size=4), st.lists(NAMES, max_size=3))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(builds=st.lists(st.lists(BATCH, min_size=1, max_size=3), min_size=1, max_size=4), keep=st.booleans())
def test_every_phase_publishes_exactly_its_changes_over_the_live_tree(tmp_path_factory, builds, keep):
    out_dir = tmp_path_factory.mktemp("site") / "build"
    expected: dict[str, bytes] = {}
    kept = Trees(out_dir) if keep else None
    for batches in builds:
        trees = kept or Trees(out_dir)
        with output_lock(out_dir.parent / "lock", out_dir, keep=trees.spare):
            for writes, removes in batches:
                removes = sorted({dest for dest in removes if dest in expected and dest not in writes})  # as stale outputs are
                before = {dest: (out_dir / dest).stat().st_ino for dest in expected} if out_dir.is_dir() else {}
                phase(trees, out_dir, writes, removes)
                expected.update(writes)
                for dest in removes:
                    expected.pop(dest, None)
                assert contents(out_dir) == expected
                for dest, inode in before.items():  # what the phase did not write is the same file
                    if dest in expected and dest not in writes:
                        assert (out_dir / dest).stat().st_ino == inode
            if not keep:
                trees.close()
                assert leftovers(out_dir) == []
    if keep:
        assert len(leftovers(out_dir)) <= 1  # the one spare serve keeps
        kept.close()
        assert leftovers(out_dir) == []


def test_a_spare_is_not_used_once_another_build_has_swapped_its_own_tree_in(tmp_path):
    out_dir = tmp_path / "build"
    serve = Trees(out_dir)
    phase(serve, out_dir, {"a.html": b"1", "b.html": b"1"}, [])
    phase(serve, out_dir, {"a.html": b"2"}, [])
    assert serve.spare is not None and serve.spare.is_dir()
    other = Trees(out_dir)  # another process's build, which then deletes its own spare
    phase(other, out_dir, {"b.html": b"other", "c.html": b"other"}, [])
    other.close()
    phase(serve, out_dir, {"a.html": b"3"}, [])  # serve's kept spare predates the other build
    assert contents(out_dir) == {"a.html": b"3", "b.html": b"other", "c.html": b"other"}
    serve.close()
    assert leftovers(out_dir) == []


def test_a_spare_removed_as_a_leftover_by_another_build_is_not_missed(tmp_path):
    out_dir = tmp_path / "build"
    serve = Trees(out_dir)
    phase(serve, out_dir, {"a.html": b"1"}, [])
    phase(serve, out_dir, {"a.html": b"2", "b.html": b"2"}, [])
    with output_lock(tmp_path / "lock", out_dir):  # a build that does not know the spare removes it
        pass
    assert leftovers(out_dir) == []
    phase(serve, out_dir, {"c.html": b"3"}, [])
    assert contents(out_dir) == {"a.html": b"2", "b.html": b"2", "c.html": b"3"}
    serve.close()


def test_a_failed_phase_leaves_the_live_tree_and_no_folder_behind(tmp_path):
    out_dir = tmp_path / "build"
    trees = Trees(out_dir)
    phase(trees, out_dir, {"a.html": b"1"}, [])
    phase(trees, out_dir, {"a.html": b"2"}, [])
    with pytest.raises(ZeroDivisionError):
        with trees.stage(reuse=True, changes=lambda: ["a.html"]) as stage:
            write_file(stage, "a.html", b"half")
            1 / 0
    assert contents(out_dir) == {"a.html": b"2"}
    assert leftovers(out_dir) == [] and trees.spare is None
    phase(trees, out_dir, {"b.html": b"3"}, [])  # the next phase links a whole tree again
    assert contents(out_dir) == {"a.html": b"2", "b.html": b"3"}
    trees.close()


@pytest.mark.slow  # seven builds of the sample
def test_serve_keeps_one_spare_between_rebuilds_and_the_cli_build_none(site):
    """End to end: serve's rebuilds (memo kept) leave one spare beside the preview folder and give
    the same tree as a plain build; a plain build leaves nothing beside build/."""
    from liandong.build import build

    issue = sorted((site / "content").glob("*/*.md"))[-1]
    original = issue.read_text(encoding="utf-8")
    preview, memo = site / ".liandong-cache" / "serve", {}
    build(site, preview, pdf=False, memo=memo)
    build(site, site / "build", pdf=False)
    for round_ in range(2):
        issue.write_text(original + f"\n\n第{round_}次修改的段落。\n", encoding="utf-8")
        build(site, preview, pdf=False, memo=memo, html_first=True)
        build(site, site / "build", pdf=False)
        assert contents(preview) == contents(site / "build")
        assert len([p for p in preview.parent.iterdir() if p.name.startswith(".serve-staging-")]) == 1
        assert not [p for p in site.iterdir() if p.name.startswith(".build-")]


def test_a_spare_made_ahead_is_the_live_tree_and_the_next_phase_builds_on_it(tmp_path):
    """serve links its spare before the first edit (Trees.make_spare): it must be a full copy of
    the live tree made of links, and a phase staged on it must publish exactly its own changes."""
    out_dir = tmp_path / "build"
    first = Trees(out_dir)
    first.make_spare()  # no build yet: nothing to link
    assert first.spare is None and leftovers(out_dir) == []
    phase(first, out_dir, {"a.html": b"1", "2025/12/b.pdf": b"1", "c.html": b"1"}, [])
    first.close()
    serve = Trees(out_dir)  # a new serve process over the same tree
    serve.make_spare()
    assert serve.spare is not None and contents(serve.spare) == contents(out_dir)
    assert (serve.spare / "2025/12/b.pdf").stat().st_ino == (out_dir / "2025/12/b.pdf").stat().st_ino
    phase(serve, out_dir, {"a.html": b"2"}, ["c.html"])
    assert contents(out_dir) == {"a.html": b"2", "2025/12/b.pdf": b"1"}
    phase(serve, out_dir, {"d.html": b"3"}, [])
    assert contents(out_dir) == {"a.html": b"2", "2025/12/b.pdf": b"1", "d.html": b"3"}
    serve.close()
    assert leftovers(out_dir) == []


def test_a_spare_made_ahead_is_dropped_once_another_build_swaps_its_tree_in(tmp_path):
    out_dir = tmp_path / "build"
    phase(Trees(out_dir), out_dir, {"a.html": b"1"}, [])
    serve = Trees(out_dir)
    serve.make_spare()
    other = Trees(out_dir)
    phase(other, out_dir, {"b.html": b"other"}, [])
    other.close()
    phase(serve, out_dir, {"c.html": b"3"}, [])
    assert contents(out_dir) == {"a.html": b"1", "b.html": b"other", "c.html": b"3"}
    serve.close()
    assert leftovers(out_dir) == []


def test_a_restarted_serve_loads_what_its_first_rebuild_needs_before_the_first_edit(site):
    """serve started on an up-to-date preview: its first build finds nothing to do, and then holds
    the build cache, the templates and a spare tree (liandong.pipeline.prime_memo), so the first
    save rebuilds like any later one; the result is the tree a plain build makes."""
    from liandong.build import build, trees_key
    from liandong.cache import cache_path

    preview = site / ".liandong-cache" / "serve"
    build(site, preview, pdf=False)  # an earlier serve session
    memo: dict = {}
    report = build(site, preview, pdf=False, memo=memo)
    assert not report.written
    assert cache_path(site, preview) in memo and "env" in memo
    spare = memo[trees_key(preview)].spare
    assert spare is not None and contents(spare) == contents(preview)
    issue = sorted((site / "content").glob("*/*.md"))[-1]
    issue.write_text(issue.read_text(encoding="utf-8") + "\n\n重新启动预览后的第一次修改。\n", encoding="utf-8")
    build(site, preview, pdf=False, memo=memo, html_first=True)
    build(site, site / "build", pdf=False)
    assert "重新启动预览后的第一次修改" in contents(preview)[f"{issue.parent.name}/{int(issue.stem):02d}/index.html"].decode()
    assert contents(preview) == contents(site / "build")
    assert len([p for p in preview.parent.iterdir() if p.name.startswith(".serve-staging-")]) == 1


# What the kernel says of a folder's flags, asked here without liandong.writer's code (<linux/fs.h>).
FS_IOC_GETFLAGS = (2 << 30) | (struct.calcsize("l") << 16) | (ord("f") << 8) | 1
FS_IOC_SETFLAGS = (1 << 30) | (struct.calcsize("l") << 16) | (ord("f") << 8) | 2
FS_TOPDIR_FL = 0x00020000


def folder_flags(folder: Path) -> int | None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(descriptor, FS_IOC_GETFLAGS, flags, True)
        return flags[0]
    except OSError:
        return None
    finally:
        os.close(descriptor)


def can_mark_top_folder(parent: Path) -> bool:
    """Whether the file system under ``parent`` takes the flag (ext2/3/4 do; tmpfs, xfs, btrfs not)."""
    probe = parent / "probe"
    probe.mkdir()
    descriptor = os.open(probe, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(descriptor, FS_IOC_GETFLAGS, flags, True)
        flags[0] |= FS_TOPDIR_FL
        fcntl.ioctl(descriptor, FS_IOC_SETFLAGS, flags, True)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)
        probe.rmdir()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="an ext2/3/4 flag")
def test_a_built_tree_is_marked_as_the_top_of_unrelated_folders_where_the_file_system_knows_the_flag(site, tmp_path):
    """The staging folder, so build/ once swapped in, carries ext4's "top of directory hierarchies"
    hint (liandong.writer.spread_subfolders: the year folders are spread over block groups); its
    subfolders do not (the flag is not inherited), and the tree's contents are those of a build
    whose file system refuses the flag."""
    from liandong.build import build

    if not can_mark_top_folder(tmp_path):
        pytest.skip("this file system does not take the flag (not ext2/3/4)")
    build(site, site / "build", pdf=False)
    assert folder_flags(site / "build") & FS_TOPDIR_FL
    year = next(path for path in (site / "build").iterdir() if path.name.isdigit())
    assert not folder_flags(year) & FS_TOPDIR_FL


def test_a_file_system_that_refuses_the_flag_changes_nothing_in_the_build(site, monkeypatch):
    """Where setting the flag fails (ENOTTY on tmpfs, EOPNOTSUPP on btrfs and xfs, EPERM), the build
    goes on and gives the same tree, and nothing is left beside build/."""
    from liandong import writer
    from liandong.build import build

    real_ioctl, refused = writer.fcntl.ioctl, []

    def refusing(descriptor, request, *args):
        if request in (FS_IOC_GETFLAGS, FS_IOC_SETFLAGS):
            refused.append(request)
            raise OSError(errno.ENOTTY, os.strerror(errno.ENOTTY))
        return real_ioctl(descriptor, request, *args)

    build(site, site / "plain", pdf=False)
    monkeypatch.setattr(writer.fcntl, "ioctl", refusing)
    build(site, site / "build", pdf=False)
    assert refused
    assert contents(site / "build") == contents(site / "plain")
    assert not [path for path in site.iterdir() if path.name.startswith((".build-", ".plain-"))]
