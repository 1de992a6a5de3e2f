"""The fork server every local worker pool starts its processes from: the PDF workers, and the
parse workers of ``liandong serve`` (which runs threads, so it cannot fork itself).

It is started with WeasyPrint and the print job's modules already imported (liandong.pdf_preload),
so each worker is forked with them loaded: an edited issue's PDF starts the moment it is submitted
instead of after a worker's half-second import, and N workers do not import it N times. A build
that may render PDFs starts it as it begins (liandong.build), so the import runs in the
background, on another core, while the main process reads its cache and the archive; if no PDF is
rendered after all, that CPU is all it cost.

Python 3.11's fork server runs ``python -c``, so the folder it was started from comes first in its
``sys.path``, and it imports its preload modules before it applies the caller's path: a
``weasyprint.py`` or a ``liandong/`` folder in the site folder (where editors run liandong) would
be imported and run. It is therefore started with PYTHONSAFEPATH (Python ≥ 3.11), which keeps that
folder off its path; the workers it forks take the caller's ``sys.path`` as always. Every pool on
the fork server calls :func:`ensure_running` first, so none starts the server without it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading

PRELOAD = ["liandong.pdf_preload"]  # what the server imports before it forks any worker
_environment = threading.Lock()  # serve's threads: one at a time sets and restores PYTHONSAFEPATH


def ensure_running() -> bool:
    """Start the fork server if it is not running; False where there is none (the caller spawns)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    with _environment:
        multiprocessing.set_forkserver_preload(PRELOAD)
        before = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            forkserver.ensure_running()
        finally:
            if before is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = before
    return True
