"""Work handed to a forked copy of this process, its result sent back through a pipe.

For work a build needs later and can start now, while a core would otherwise sit idle, such as
the pinyin of a cold build's counties (liandong.county_prefetch). The copy shares the build's
memory as it was at the fork, so nothing is sent to it.

Only where fork is safe: on a system that has it, with more than one core, and with no other
thread running (a thread holding a lock at the fork leaves the copy stuck on it; ``serve`` and a
build whose PDF pool has started have threads). Elsewhere :func:`start` returns None and the
caller does the work itself, as it also does when :meth:`Forked.result` is None: a failure of any
kind in the copy, or no answer in time. A forked job is never the only way to its result.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from typing import Any, Callable

from liandong.interrupt import ignore_in_worker

WAIT_MOST = 30.0  # seconds: the jobs take well under one; past that something is wrong with the copy


class Forked:
    """A forked copy at work, and the pipe its result comes back on."""

    def __init__(self, process, receiver) -> None:
        self.process, self.receiver = process, receiver
        self._done, self._value = False, None

    def result(self) -> Any:
        """The job's return value (waiting for it if need be), or None if it failed; then the copy is gone."""
        if self._done:
            return self._value
        self._done = True
        try:
            self._value = self.receiver.recv() if self.receiver.poll(WAIT_MOST) else None
        except (EOFError, OSError):
            self._value = None
        finally:
            self.receiver.close()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        return self._value


def fork_helps() -> bool:
    """Whether forking copies to work beside this process is safe and can help: the system has
    fork, there is more than one core, and no other thread runs (a thread holding a lock at the
    fork leaves the copy stuck on it). The parse (liandong.parse_share) and the page writers
    (liandong.page_pool) ask this too."""
    return (os.cpu_count() or 1) >= 2 and threading.active_count() == 1 \
        and "fork" in multiprocessing.get_all_start_methods()


def start(job: Callable[..., Any], *args: Any, name: str) -> Forked | None:
    """Run ``job(*args)`` in a forked copy of this process; None where that is not safe or would not help.

    For results of a few kB: multiprocessing's pipe takes 0.045 s to bring back 22 MB."""
    if not fork_helps():
        return None
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(job, args, sender, os.getpid()), daemon=True, name=name)
    process.start()
    sender.close()
    return Forked(process, receiver)


def settle_copy(parent: int) -> None:
    """In a forked copy: Ctrl-C and the parent's end as a pool worker has them, SIGTERM ends it.

    Unlike a pool worker's, SIGTERM is left to end it: a parent that stops without reading the
    copy's result (Ctrl-C during the parse) ends its daemonic children with SIGTERM at exit and then
    waits for them, and a copy that ignored it waited for ever to write a result larger than the
    pipe holds."""
    ignore_in_worker(parent)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(job: Callable[..., Any], args: tuple, sender, parent: int) -> None:
    """In the copy: the job's result, or None (see :func:`settle_copy` for its signals)."""
    settle_copy(parent)
    try:
        value = job(*args)
    except Exception:  # noqa: BLE001 — the caller does the work itself
        value = None
    try:
        sender.send(value)
        sender.close()
    except Exception:  # noqa: BLE001 — nobody reads any more (or it cannot be sent): nothing to say
        pass
