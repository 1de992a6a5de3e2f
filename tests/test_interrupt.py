"""Interrupted means a complete tree: whatever the moment of Ctrl-C, SIGTERM or SIGKILL, build/ is
the complete previous build, the previous build with the new pages and issue PDFs (its volumes and
search index still the previous build's: the first of the two phases, liandong.publish), or the
complete new build; the message says which, and the next build cleans up and finishes the job.

The build is interrupted at counted events (a hard link of the staging copy, a page or PDF
written, a swap, the cache saved: tests/interrupt_driver.py), spread over a whole incremental
build with PDFs and the yearly volume and aimed at both phases and the moment between them, not
after fixed times.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from liandong.build import build

from conftest import copy_site, run_cli

# Slow (dozens of real CLI builds with PDFs, each interrupted at another point): `pytest -m 'not slow'` skips it locally; CI runs it.
pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("interrupt_driver.py")
EDIT = ("content/2025/13.md", "群众扫码即可", "群众用手机扫码即可")


def tree(out: Path) -> dict[str, bytes] | None:
    if not out.exists():
        return None
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def is_late(dest: str) -> bool:
    """Outputs of the second phase: the search index and the yearly volumes (<year>/<slug>-<year>-volume.pdf)."""
    return dest.startswith("search-index/") or (dest.endswith(".pdf") and dest.count("/") == 1)


def between(old: dict[str, bytes], new: dict[str, bytes]) -> dict[str, bytes]:
    """build/ once the first phase is live: the new build but its volumes and search index, which
    are the old build's."""
    return {**{d: b for d, b in new.items() if not is_late(d)}, **{d: b for d, b in old.items() if is_late(d)}}


def leftovers(site: Path) -> list[str]:
    return [p.name for p in site.iterdir() if p.name.startswith((".build-staging-", ".build-old-"))]


def drive(site: Path, *args: str, at: int = 0, sig: str = "SIGINT", count: Path | None = None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LIANDONG_SIGNAL_AT": str(at), "LIANDONG_SIGNAL": sig,
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    if count is not None:
        env["LIANDONG_EVENT_COUNT"] = str(count)
    # Output to files, not pipes: a worker forked by the fork server in the instant of a SIGKILL
    # (before it is handed its job, so before it can watch the build) can hold the build's stdout
    # for a while; the test waits for the build to exit, not for every copy of its pipes to close.
    with open(site.parent / "driver.out", "w+", encoding="utf-8") as out, \
            open(site.parent / "driver.err", "w+", encoding="utf-8") as err:
        result = subprocess.run([sys.executable, str(DRIVER), *args], cwd=site, env=env, stdout=out, stderr=err,
                                text=True, timeout=600)
        out.seek(0), err.seek(0)
        result.stdout, result.stderr = out.read(), err.read()
    return result


def restore(pristine: Path, site: Path) -> None:
    """The site and its previous build as they were (same path, so the build cache still applies)."""
    shutil.rmtree(site)
    shutil.copytree(pristine, site, symlinks=True)
    path = site / EDIT[0]
    path.write_text(path.read_text(encoding="utf-8").replace(EDIT[1], EDIT[2]), encoding="utf-8")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """(site, pristine copy, old tree, new tree, events of the edit's rebuild, events after each swap)."""
    root = tmp_path_factory.mktemp("interrupt")
    site = copy_site(root / "site")
    build(site, workers=1)
    pristine = root / "pristine"
    shutil.copytree(site, pristine, symlinks=True)
    old = tree(site / "build")
    restore(pristine, site)
    counted = drive(site, "build", "-j", "1", count=root / "count")
    assert counted.returncode == 0, counted.stderr
    new = tree(site / "build")
    assert new != old and "2025/liandong-2025-volume.pdf" in new
    assert new["2025/liandong-2025-volume.pdf"] != old["2025/liandong-2025-volume.pdf"]
    counted = json.loads((root / "count").read_text())
    return site, pristine, old, new, counted["events"], counted["swaps"]


def spread(total: int, trials: int) -> list[int]:
    return sorted({1 + (total - 1) * index // (trials - 1) for index in range(trials)} | {total - 6, total - 3})


def aimed(swaps: list[int]) -> list[int]:
    """Events just before the first swap, just after it (between the phases), in the middle of the
    second phase and just before its swap."""
    first, second = swaps
    return [first - 2, first + 1, first + 2, (first + second) // 2, second - 2]


SAID = {"old": "原有输出保持不变", "between": "各期网页和 PDF 已经更新并完整上线；合订本和全文检索仍是上次生成的版本",
        "new": "新的输出已经完整写入"}


def test_interrupt_at_many_points_leaves_a_complete_tree(scenario):
    site, pristine, old, new, total, swaps = scenario
    assert total > 50 and len(swaps) == 2  # links, pages, search files, PDFs, a swap per phase, cache saves
    middle = between(old, new)
    assert middle not in (old, new)  # the edit changes both phases' outputs
    outcomes = []
    for sig, points in (("SIGINT", spread(total, 6) + aimed(swaps)), ("SIGKILL", spread(total, 5) + aimed(swaps)[1:4]),
                        ("SIGTERM", [total // 3, swaps[0] + 1, total - 4])):
        for at in points:
            restore(pristine, site)
            result = drive(site, "build", "-j", "1", at=at, sig=sig)
            now = tree(site / "build")
            state = next((name for name, whole in (("old", old), ("between", middle), ("new", new)) if now == whole), None)
            assert state, f"{sig} at event {at}/{total}: build/ is neither the old, the between nor the new build"
            outcomes.append((sig, at, state))
            if sig == "SIGKILL":
                assert result.returncode == -signal.SIGKILL
            else:
                assert result.returncode == (130 if sig == "SIGINT" else 143), (at, result.stderr)
                assert "Traceback" not in result.stderr
                assert SAID[state] in result.stderr, (sig, at, state, result.stderr)
            if sig != "SIGKILL":
                assert not leftovers(site), (sig, at)
            again = drive(site, "build", "-j", "1", "-v")
            assert again.returncode == 0, again.stderr
            assert tree(site / "build") == new, f"{sig} at {at}: the next build did not finish the job"
            assert not leftovers(site)
            if state == "between" and sig != "SIGKILL":  # the cache knew what was live: only the rest is made
                redone = [line.split(" ", 1)[1] for line in again.stdout.splitlines() if line.startswith("写入 ")]
                assert redone and all(is_late(dest) for dest in redone), redone
    kinds = {outcome for _, _, outcome in outcomes}
    assert kinds == {"old", "between", "new"}, outcomes  # the trials reached every side of both swaps


def test_killed_swap_and_leftovers_are_cleaned_by_the_next_build(scenario):
    site, pristine, old, new, total, swaps = scenario
    restore(pristine, site)
    # leftovers as an earlier SIGKILL leaves them: a staging folder and an old tree
    (site / ".build-staging-deadbeef/2025").mkdir(parents=True)
    (site / ".build-old-x1y2/tree").mkdir(parents=True)
    (site / ".build-old-x1y2/tree/.liandong-build").write_text("", encoding="utf-8")
    result = run_cli("build", "-q", "-j", "1", cwd=site)
    assert result.returncode == 0, result.stderr
    assert not leftovers(site) and tree(site / "build") == new


def test_fallback_swap_killed_between_renames_is_restored(scenario, monkeypatch):
    """Where renameat2 cannot exchange, a build killed between its two renames leaves no build/;
    the next build puts the previous tree back before doing anything else."""
    site, pristine, old, new, total, swaps = scenario
    restore(pristine, site)
    (site / ".build-old-abc123").mkdir()
    os.replace(site / "build", site / ".build-old-abc123" / "tree")  # killed after the first rename
    from liandong import writer

    monkeypatch.setattr(writer, "exchange", lambda first, second: False)
    report = build(site, workers=1)
    assert "2025/13/index.html" in report.written and "2024/35/index.html" not in report.written  # cache still valid
    assert tree(site / "build") == new and not leftovers(site)


def test_cold_build_interrupted_leaves_no_half_build(tmp_path):
    site = copy_site(tmp_path / "site")
    result = drive(site, "build", "-j", "1", at=40)
    assert result.returncode == 130 and "Traceback" not in result.stderr
    assert not (site / "build").exists() and not leftovers(site)


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_parallel_pdfs_stops_workers_quietly(tmp_path, sig, code):
    site = copy_site(tmp_path / "site")
    tmpdir = tmp_path / "tmp"  # the workers' font files go there, and must not stay (liandong.pdf.keep_font_files_in)
    tmpdir.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "liandong", "build", "-j", "2"], cwd=site,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "TMPDIR": str(tmpdir)})
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        workers |= descendants(process.pid)
        if list(site.glob(".build-staging-*/2024/*/*.pdf")):  # PDFs are being rendered by the pool
            break
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be interrupted"
    workers |= descendants(process.pid)
    # Ctrl-C in a terminal reaches the whole process group, workers included
    os.killpg(process.pid, sig) if sig == signal.SIGINT else process.send_signal(sig)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert "Traceback" not in err and "原有输出保持不变" in err
    deadline = time.monotonic() + 10  # the forkserver notices its parent is gone, then exits
    while time.monotonic() < deadline and [pid for pid in workers if alive(pid)]:
        time.sleep(0.1)
    assert workers and not [(pid, Path(f"/proc/{pid}/cmdline").read_bytes()) for pid in workers if alive(pid)]
    assert not (site / "build").exists() and not leftovers(site)
    assert not [p.name for p in tmpdir.iterdir() if p.is_dir()]


def test_concurrent_builds_are_serialised_with_a_message(tmp_path):
    site = copy_site(tmp_path / "site")
    first = subprocess.Popen([sys.executable, "-m", "liandong", "build", "-j", "1"], cwd=site,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not leftovers(site):
        time.sleep(0.02)
    second = run_cli("build", "-j", "1", cwd=site)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert "另一个 liandong 构建正在写入 build，等它完成后再继续" in second.stderr
    assert "没有变化" in second.stdout  # it waited, then found the work done
    assert not leftovers(site) and (site / "build/2025/liandong-2025-volume.pdf").is_file()


def test_a_build_that_dies_after_a_swap_leaves_no_stale_page(site, monkeypatch):
    """Killed between exchanging build/ and saving the cache, a build leaves a cache that would vouch
    for the previous pages; if the editor then puts the source back, the next build must still
    remake the page instead of keeping the newer one (liandong.cache.mark_pending)."""
    from liandong import pipeline

    build(site, pdf=False, search=False)
    path, page = site / EDIT[0], site / "build/2025/13/index.html"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(EDIT[1], EDIT[2]), encoding="utf-8")

    def dies(self):
        raise RuntimeError("killed")
    monkeypatch.setattr(pipeline.Run, "save_cache", dies)
    with pytest.raises(RuntimeError):
        build(site, pdf=False, search=False)
    assert EDIT[2] in page.read_text(encoding="utf-8")  # the first phase was live
    monkeypatch.undo()
    path.write_text(original, encoding="utf-8")
    build(site, pdf=False, search=False)
    assert EDIT[1] in page.read_text(encoding="utf-8") and EDIT[2] not in page.read_text(encoding="utf-8")


def pdf_workers(build_process) -> list:
    """The PDF workers under a build (psutil processes): what the fork server started, not the
    server itself. A short-lived child (a worker's ldconfig or fc-list) may be gone, or a zombie not
    yet reaped, by the time it is looked at: it is skipped (psutil's ZombieProcess is a
    NoSuchProcess)."""
    import psutil

    found = []
    for child in build_process.children(recursive=True):
        try:
            if "forkserver" in " ".join(child.cmdline()) and child.ppid() != build_process.pid:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_killed_build_leaves_no_pdf_worker_behind(tmp_path):
    """SIGKILL (or the OOM killer) gives a build no chance to stop its PDF pool: the workers must
    notice on their own and exit, not stay with hundreds of MB and the build's stdout held open
    (whatever waits for the build's output would wait for ever)."""
    import psutil

    site = copy_site(tmp_path / "site")
    tmpdir = tmp_path / "tmp"  # the workers' font files: their pool's folder goes with them
    tmpdir.mkdir()
    build_process = subprocess.Popen([sys.executable, "-m", "liandong", "build", "-j", "2"], cwd=site,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, "TMPDIR": str(tmpdir)})
    me = psutil.Process(build_process.pid)
    workers: list[psutil.Process] = []
    deadline = time.monotonic() + 300
    while not workers and time.monotonic() < deadline and build_process.poll() is None:
        workers = pdf_workers(me)
        time.sleep(0.05)
    assert workers, "no PDF worker was seen while the build ran"
    build_process.send_signal(signal.SIGKILL)
    build_process.wait()
    gone, alive = psutil.wait_procs(workers, timeout=60)
    assert not alive, [process.cmdline() for process in alive]
    assert not list(tmpdir.glob("liandong-pdf-*")), "the PDF pool's folder stayed behind"


def test_pdf_worker_killed_by_the_system_is_reported_and_nothing_is_published(tmp_path):
    """The OOM killer ends the biggest process, a PDF worker, in the middle of a build: the editor
    reads why in Chinese and what to do (not 内部错误 and a Python class name), the exit is 1,
    and build/ is the previous build, whole."""
    import psutil

    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-q", cwd=site).returncode == 0
    before = tree(site / "build")
    path, old, new = EDIT
    (site / path).write_text((site / path).read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    build_process = subprocess.Popen([sys.executable, "-m", "liandong", "build", "-j", "1"], cwd=site,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    me = psutil.Process(build_process.pid)
    killed = False
    deadline = time.monotonic() + 300
    while not killed and time.monotonic() < deadline and build_process.poll() is None:
        for worker in pdf_workers(me):
            try:
                worker.kill()
                killed = True
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.02)
    assert killed, "no PDF worker was seen while the build ran"
    _, stderr = build_process.communicate(timeout=300)
    assert build_process.returncode == 1, stderr
    assert "PDF 排版进程意外终止" in stderr and "-j 1" in stderr, stderr
    assert "内部错误" not in stderr and "Traceback" not in stderr, stderr
    assert tree(site / "build") == before
    assert not leftovers(site)


@pytest.mark.parametrize("failure", [MemoryError(), OSError(12, "Cannot allocate memory"),
                                     ImportError("libqpdf.so: failed to map segment from shared object")],
                         ids=["MemoryError", "ENOMEM", "library not mapped"])
def test_memory_exhaustion_says_so_in_chinese(tmp_path, monkeypatch, failure):
    """Memory that cannot be had, wherever it shows (Python, the C library, the loader), is named
    as such with the way out, in the editor's language."""
    from click.testing import CliRunner

    import liandong.build
    from liandong.cli import main

    def exhausted(*args, **kwargs):
        raise failure

    monkeypatch.setattr(liandong.build, "build", exhausted)
    result = CliRunner().invoke(main, ["build", "--site", str(copy_site(tmp_path / "site"))])
    assert result.exit_code == 1, result.output
    assert "内存不足" in result.output and "-j 1" in result.output, result.output
    assert "内部错误" not in result.output and "Error" not in result.output, result.output


def test_signal_while_the_previous_tree_is_removed_still_counts_the_exchange(site, monkeypatch):
    """A Ctrl-C that lands just after an exchange, once signals are no longer held (while the
    previous tree is removed), must still count it: build/ is the whole new build and the message
    must say so. It once said that the volumes and search index were still the previous ones."""
    import shutil

    from liandong import writer

    build(site, search=False)
    path = site / EDIT[0]
    path.write_text(path.read_text(encoding="utf-8").replace(EDIT[1], EDIT[2]), encoding="utf-8")
    real_rmtree, removed = shutil.rmtree, []

    def interrupted_after(folder, *args, **kwargs):
        real_rmtree(folder, *args, **kwargs)
        if Path(folder).name.startswith(".build-staging-"):
            removed.append(folder)
            # the phases stage from the tree the one before swapped out (writer.Trees): the only
            # tree removed is the last one swapped out, once the second phase (volume) is in
            raise KeyboardInterrupt

    monkeypatch.setattr(writer.shutil, "rmtree", interrupted_after)
    with pytest.raises(KeyboardInterrupt) as caught:
        build(site, search=False)
    assert len(removed) == 1
    assert caught.value.live == "new"
    assert EDIT[2] in (site / "build/2025/13/index.html").read_text(encoding="utf-8")
