"""Where the time of a one-issue rebuild goes: each step of liandong.pipeline, in order.

    python bench/edit_timeline.py SITE [--first-phase-only]

Appends a paragraph to SITE's newest issue, runs the real build in this process (PDFs and search
on) and prints, after each step, the wall time since the start, this process's CPU time and that
of its live child processes (the PDF workers, Pagefind), read from /proc. On a shared machine wall
times stretch with the load; CPU times do not. The issue file is restored afterwards (the next
build then redoes the issue: run it once more to get back to the original output).
``--first-phase-only`` stops the build (as Ctrl-C would) once the pages and issue PDFs are live.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from edit_live import newest_issue  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
STARTED = time.perf_counter()


def children_cpu(pid: int) -> float:
    """CPU seconds of pid's live descendants."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        try:
            kids = open(f"/proc/{current}/task/{current}/children").read().split()
        except OSError:
            continue
        for kid in map(int, kids):
            if kid in seen:
                continue
            seen.add(kid)
            todo.append(kid)
            try:
                fields = open(f"/proc/{kid}/stat").read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / TICKS
            except OSError:
                pass
    return total


def mark(label: str) -> None:
    print(f"{time.perf_counter() - STARTED:7.3f} s wall  {time.process_time():6.3f} s CPU main  "
          f"{children_cpu(os.getpid()):6.3f} s CPU children  {label}", flush=True)


def timed(owner, name: str) -> None:
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        mark(f"after {name}" + (f" ({args[1].name})" if name == "publish" and len(args) > 1 else ""))
        if name == "publish" and "--first-phase-only" in sys.argv and args[1].name == "pages":
            raise KeyboardInterrupt
        return result
    setattr(owner, name, wrapper)


def main() -> None:
    site = Path(sys.argv[1])
    issue = newest_issue(site)
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.rstrip("\n") + f"\n\n时间线测量{time.time_ns() % 100000}，组织代表开展专题调研。\n",
                     encoding="utf-8")
    from liandong import pipeline
    from liandong.build import build
    from liandong.cache import BuildCache

    timed(pipeline, "load_config")
    BuildCache.load = classmethod(lambda cls, path, _load=BuildCache.load.__func__: (_load(cls, path), mark("after BuildCache.load"))[0])
    for name in ("load_archive", "checked_fonts", "plan_first_phase", "make_env", "first_batches", "plan_late_phase"):
        timed(pipeline, name)
    timed(pipeline.Publisher, "publish")
    timed(pipeline.Run, "save_cache")
    try:
        global STARTED
        STARTED = time.perf_counter()
        mark(f"start (load {os.getloadavg()[0]:.1f})")
        try:
            report = build(site)
            mark(f"done: {len(report.written)} written")
        except KeyboardInterrupt as stopped:
            mark(f"stopped after the first phase; live: {stopped.live}")
    finally:
        issue.write_text(original, encoding="utf-8")


if __name__ == "__main__":
    main()
