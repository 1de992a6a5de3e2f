"""liandong.interrupt.stop_pool: a pool stopped mid-job leaves no process and no thread behind."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from liandong.interrupt import stop_pool


def sleep_long(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_stopping_a_busy_pool_ends_its_workers_and_its_manager_thread():
    pool = ProcessPoolExecutor(2)
    futures = [pool.submit(sleep_long, 60) for _ in range(4)]
    time.sleep(0.5)  # the workers are running their jobs
    processes = list(pool._processes.values())
    manager = pool._executor_manager_thread
    assert processes and manager.is_alive()
    stop_pool(pool)
    assert not any(process.is_alive() for process in processes)
    assert not manager.is_alive()
    assert all(future.done() for future in futures)


EXIT_AFTER_STOP = """
import time
from concurrent.futures import ProcessPoolExecutor
from liandong.interrupt import stop_pool
pool = ProcessPoolExecutor(2)
futures = [pool.submit(time.sleep, 60) for _ in range(4)]
time.sleep(0.3)
stop_pool(pool)
"""


def test_the_interpreter_exits_quietly_after_a_pool_is_stopped():
    """The exit hook of concurrent.futures must find the pool's wake-up pipe closed, not closing."""
    for _ in range(5):
        result = subprocess.run([sys.executable, "-c", EXIT_AFTER_STOP], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stderr == "", result.stderr


def niceness_and_signal() -> tuple[int, object]:
    import os
    import signal

    return os.nice(0), signal.getsignal(signal.SIGINT)


def test_serve_draws_pdfs_at_a_lower_priority_than_the_preview_and_a_build_at_the_same():
    """serve's workers yield the CPU to the browser and server showing the edited page; a build's
    workers keep their priority. Both keep ignoring Ctrl-C (the main process stops them)."""
    import os
    import signal

    from liandong.pdf import BACKGROUND_NICENESS, process_pool

    own = os.nice(0)
    for background, expected in ((True, min(19, own + BACKGROUND_NICENESS)), (False, own)):
        pool = process_pool(1, background=background)
        try:
            assert pool.submit(niceness_and_signal).result(timeout=60) == (expected, signal.SIG_IGN)
        finally:
            stop_pool(pool)
