"""Run the real ``liandong serve`` with its PDF workers behind a gate: a PDF job starts only while
the file named by ``LIANDONG_PDF_GATE`` exists.

Used by tests/test_live_preview.py to hold the PDF back for as long as it needs to look at the
preview between "the new page is live" and "the new PDF is live", whatever the machine's load:
the order is then tested, not a race.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path

from liandong import pdf

GATE = Path(os.environ["LIANDONG_PDF_GATE"])
real_pool = pdf.process_pool


class GatedExecutor(Executor):
    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._processes = getattr(inner, "_processes", None)  # for liandong.interrupt.stop_pool

    def submit(self, fn, *args, **kwargs) -> Future:
        outer: Future = Future()

        def run() -> None:
            while not GATE.exists():
                time.sleep(0.02)
            try:
                outer.set_result(self.inner.submit(fn, *args, **kwargs).result())
            except BaseException as error:  # noqa: BLE001 — handed to the build like the pool would
                outer.set_exception(error)
        threading.Thread(target=run, daemon=True).start()
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._processes = getattr(self.inner, "_processes", None)
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


if __name__ == "__main__":  # not again in the forkserver, which imports __main__ to start workers
    pdf.process_pool = lambda workers, **options: GatedExecutor(real_pool(workers, **options))

    from liandong.cli import main

    sys.exit(main(sys.argv[1:], prog_name="liandong"))
