"""liandong.forked: a job run in a forked copy gives its value back, a failing job gives None (the
caller then does the work itself), and nothing is forked beside a running thread.

Each case runs in a fresh interpreter: a test process that has run browser or server tests keeps
threads, and forked.start then (rightly) forks nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

DRIVER = """
import json, os, sys, threading
from liandong import forked

def pid_and_sum(numbers):
    return [os.getpid(), sum(numbers)]

def fails():
    raise ValueError("in the copy")

if sys.argv[1] == "thread":
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
job = forked.start(pid_and_sum, [1, 2, 3], name="t")
failing = forked.start(fails, name="t")
print(json.dumps({"main": os.getpid(),
                  "value": job.result() if job else "not forked",
                  "again": job.result() if job else "not forked",
                  "failing": failing.result() if failing else "not forked"}))
"""


def run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: forked.start runs nothing in a copy")
def test_a_job_runs_in_another_process_and_a_failure_gives_none():
    seen = run("-")
    pid, total = seen["value"]
    assert total == 6 and pid != seen["main"]
    assert seen["again"] == seen["value"]  # the result is kept: the copy is gone after the first call
    assert seen["failing"] is None


def test_nothing_is_forked_beside_a_running_thread():
    seen = run("thread")
    assert seen["value"] == "not forked" and seen["failing"] == "not forked"


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: forked.start runs nothing in a copy")
def test_a_parent_that_never_reads_the_result_still_exits():
    """Ctrl-C during the parse leaves the county names unread: the process must still end, even
    when the result is larger than the pipe holds (the copy used to wait for ever to write it, and
    the exit for ever for the copy)."""
    script = ("import sys, time\nfrom liandong import forked\n"
              "job = forked.start(lambda: 'x' * 2_000_000, name='t')\n"
              "assert job is not None\ntime.sleep(0.5)\nsys.exit(3)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
