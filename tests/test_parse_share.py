"""The parse shared file by file with forked workers (liandong.parse_share): every result comes
back in item order whoever parsed it, both processes take part, a worker that dies or fails
loses nothing and hides nothing, and Ctrl-C leaves no worker behind.

Each case runs in a fresh interpreter: the workers fork, which pytest's threads would make unsafe."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and pipe sizes as on Linux")

PRELUDE = textwrap.dedent("""
    import json, os, sys, time, multiprocessing
    sys.path.insert(0, {repo!r})
    from liandong.parse_share import parse_shared
    MAIN = os.getpid()
    # items as the reader's: (path, data, digest); sizes vary so that the claiming order matters
    items = [(f"f{{i}}", b"x" * (1 + (i * 7919) % 5000), str(i)) for i in range(300)]
    def slow(item):  # ~0.2 ms a file, as a short issue: enough for the worker to take its part
        end = time.perf_counter() + 0.0002
        while time.perf_counter() < end:
            pass
        return (item[2], len(item[1]), os.getpid())
    def at(nth, happen, in_main=False):  # a make_parse: happen(item) on its nth file in a worker (or here)
        def make():
            count = [0]
            def parse(item):
                if (os.getpid() == MAIN) == in_main:
                    count[0] += 1
                    if count[0] == nth:
                        return happen(item)
                return slow(item)
            return parse
        return make
    def report(results):
        print(json.dumps({{"ok": [r[:2] for r in results] == [(i[2], len(i[1])) for i in items],
                          "children": len(multiprocessing.active_children())}}))
""")


def run(body: str) -> subprocess.CompletedProcess:
    code = PRELUDE.format(repo=str(REPO)) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_results_come_back_in_item_order_and_both_processes_parse():
    done = run("""
        results = parse_shared(items, lambda: slow, 1)
        print(json.dumps({"ok": [r[:2] for r in results] == [(i[2], len(i[1])) for i in items],
                          "pids": sorted({r[2] for r in results} - {MAIN}), "main": sum(r[2] == MAIN for r in results),
                          "children": len(multiprocessing.active_children())}))
    """)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["ok"]
    assert len(answer["pids"]) == 1 and 30 < answer["main"] < 270  # each side took a real part
    assert answer["children"] == 0


def test_a_worker_that_dies_loses_no_file():
    """Killed (SIGKILL, the OOM killer) after claiming files it never sent: they are parsed here."""
    # its 20th file: claimed, parsed 19, sent 16 (every 8): 4 files lost with it
    done = run("""
        report(parse_shared(items, at(20, lambda item: os.kill(os.getpid(), 9)), 1))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True, "children": 0}


def test_an_error_in_a_worker_is_raised_here():
    done = run("""
        def fail(item):
            raise ValueError("解析器故障")
        try:
            parse_shared(items, at(12, fail), 1)
        except ValueError as error:
            print(json.dumps({"error": str(error), "children": len(multiprocessing.active_children())}))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"error": "解析器故障", "children": 0}


def test_an_error_that_cannot_be_rebuilt_here_counts_as_the_workers_death():
    """Pickled by the worker, an exception whose __init__ wants other arguments fails to unpickle:
    its files are then parsed here (where a real bug raises it again), none is lost."""
    done = run("""
        class Odd(Exception):
            def __init__(self, first, second):
                super().__init__(first)
        def fail(item):
            raise Odd("解析器故障", 2)
        report(parse_shared(items, at(12, fail), 1))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True, "children": 0}


def test_results_that_cannot_be_read_back_end_the_worker_quietly_and_are_parsed_here():
    done = run("""
        def refuse():
            if os.getpid() == MAIN:
                raise ValueError("cannot be rebuilt here")
        class Trap:
            def __reduce__(self):
                return (refuse, ())
        report(parse_shared(items, at(12, lambda item: Trap()), 1))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True, "children": 0}
    assert "Traceback" not in done.stderr


def test_ctrl_c_in_the_main_process_leaves_no_worker():
    done = run("""
        def interrupt(item):
            raise KeyboardInterrupt
        try:
            parse_shared(items, at(10, interrupt, in_main=True), 2)
        except KeyboardInterrupt:
            print(json.dumps({"children": len(multiprocessing.active_children())}))
    """)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"children": 0}
