"""Ctrl-C and SIGTERM: one way to stop, whatever is running.

SIGTERM is turned into :class:`Terminated` (a KeyboardInterrupt), so everything that cleans up after
Ctrl-C (the staging folder, the PDF workers) cleans up after ``kill`` too, and the command exits
130 for Ctrl-C and 143 for SIGTERM, as shells expect. Worker processes ignore both signals: only the
main process decides to stop, and it stops its workers itself, so no worker prints a traceback.
"""

from __future__ import annotations

import signal
from concurrent.futures import Executor


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would raise KeyboardInterrupt."""


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return 143 if isinstance(interrupt, Terminated) else 130


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def install_sigterm() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def ignore_in_worker() -> None:
    """Pool initializer: a worker leaves Ctrl-C (sent to the whole terminal group) and SIGTERM to
    the main process, which ends the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def stop_pool(executor: Executor) -> None:
    """Stop a process pool now: pending jobs are cancelled and running workers killed, not waited
    for (a yearly volume takes a minute). The workers' processes are gone when this returns."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=10)
