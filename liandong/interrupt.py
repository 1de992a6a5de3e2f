"""Ctrl-C and SIGTERM: one way to stop, whatever is running.

SIGTERM is turned into :class:`Terminated` (a KeyboardInterrupt), so everything that cleans up after
Ctrl-C (the staging folder, the PDF workers) cleans up after ``kill`` too, and the command exits
130 for Ctrl-C and 143 for SIGTERM, as shells expect. Worker processes ignore both signals: only the
main process decides to stop, and it stops its workers itself, so no worker prints a traceback.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
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


def ignore_in_worker(parent: int | None = None, last: Callable[[], None] | None = None) -> None:
    """Pool initializer: a worker leaves Ctrl-C (sent to the whole terminal group) and SIGTERM to
    the main process, which ends the pool; and, given the main process's ``parent`` id, it exits
    when that process is gone, running ``last`` first (see :func:`exit_with`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if parent is not None:
        exit_with(parent, last)


def exit_with(parent: int, last: Callable[[], None] | None = None) -> None:
    """End this worker as soon as the process ``parent`` ends, however it ends.

    A build killed with SIGKILL (or the OOM killer, or a closed terminal) cannot stop its pool, and
    a pool worker waiting for its next job never notices: it would stay, with a few hundred MB of
    WeasyPrint, and with the build's stdout and stderr open, so whatever waits for the build's
    output waits for ever. A daemon thread waits on a pidfd of the main process (a forkserver
    worker's own parent is the fork server, not the build) and exits the moment it closes."""
    import os
    import select
    import threading

    try:
        pidfd = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux ≥ 5.3, or the parent is already gone
        if not _alive(parent):
            os._exit(1)
        return

    def watch() -> None:
        select.select([pidfd], [], [])
        if last is not None:  # what the parent would have cleaned up (liandong.pdf: the pool's folder)
            try:
                last()
            except Exception:  # noqa: BLE001 — exiting matters more
                pass
        os._exit(1)

    threading.Thread(target=watch, name="liandong-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pool(executor: Executor) -> None:
    """Stop a process pool now: pending jobs are cancelled and running workers killed, not waited
    for (a yearly volume takes a minute). The workers' processes are gone when this returns, and so
    is the pool's manager thread: left running, it closes its wake-up pipe while the interpreter's
    exit hook writes to it, and the exit prints a traceback (``Bad file descriptor``, Python 3.11)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)  # shutdown() forgets it
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=10)
    if manager is not None:
        manager.join(timeout=10)
