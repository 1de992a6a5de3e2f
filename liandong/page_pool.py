"""Rendering and writing many HTML pages on all cores (a cold build of a large archive).

After the Markdown (already parsed on all cores, see liandong.reader.parse_all), rendering the
pages with Jinja and writing them is the largest serial part of a cold build: about a second for
1000 issues. Forked processes inherit the planned pages, the Jinja environment and the archive they
point into, so nothing but a chunk number and the page names cross a process boundary; each
process writes its pages straight into the staging folder. Output is the same bytes whichever
process writes a page.

Only for many pages and only where fork is safe (no other thread running: ``liandong serve`` has
threads, and renders few pages per rebuild anyway); otherwise the build writes pages itself.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable


from liandong.forked import fork_helps
from liandong.interrupt import ignore_in_worker, stop_pool
from liandong.routes import Page
from liandong.writer import write_file

PARALLEL_PAGES_FROM = 400  # below this, forking costs more than it saves
CHUNKS_PER_WORKER = 4  # so that progress moves and one slow chunk does not hold the others up

# What the forked workers inherit: set just before the pool forks, cleared after.
_work: tuple[Callable[[Page], str], list[Page], Path, int] | None = None


def parallel(pages: list[Page]) -> bool:
    """Whether :func:`write_pages` should fork for these pages."""
    return len(pages) >= PARALLEL_PAGES_FROM and fork_helps()


def write_pages(render: Callable[[Page], str], pages: list[Page], stage: Path,
                step: Callable[[str], None], meanwhile: Callable[[], None] | None = None,
                load_templates: Callable[[], bool] | None = None) -> None:
    """Render (``render``: a page's text as written) and write ``pages`` into ``stage`` on all
    cores; ``step`` hears of each page written; ``meanwhile`` is called once the workers have
    their work, for this process's own share (it would wait idle otherwise).

    The templates are loaded here, before the fork, so that the workers inherit them compiled:
    ``load_templates`` loads them (True if it could), else the first page of each template is
    rendered here. A template error in any worker is raised here, as it would be in a serial build."""
    global _work
    if load_templates is None or not load_templates():
        pages = write_first_of_each_template(render, pages, stage, step)
    workers = os.cpu_count() or 1
    chunks = workers * CHUNKS_PER_WORKER
    _work = (render, pages, stage, chunks)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=ignore_in_worker,
                               initargs=(os.getpid(),))
    try:
        futures = [pool.submit(_write_chunk, index) for index in range(chunks)]
        if meanwhile is not None:
            meanwhile()
        for future in as_completed(futures):
            for dest in future.result():
                step(dest)
    except BaseException:
        stop_pool(pool)  # a failed template or Ctrl-C: the other chunks are not waited for
        raise
    finally:
        pool.shutdown(wait=True)
        _work = None


def write_first_of_each_template(render: Callable[[Page], str], pages: list[Page], stage: Path,
                                 step: Callable[[str], None]) -> list[Page]:
    """Render and write here the first page of each template, and return the others.

    Jinja compiles a template (and those it extends, imports and includes) when it first renders
    it; done here, before the fork, the workers inherit the compiled templates instead of each
    compiling all of them again. Rendering the first pages (the home page, the county index) here
    took 0.03 s in which the other core waited, so a caller that can load the templates without
    rendering anything does that instead (``load_templates``)."""
    first: dict[str, int] = {}
    for index, page in enumerate(pages):
        first.setdefault(page.template, index)
    for index in sorted(first.values()):
        write_file(stage, pages[index].dest, render(pages[index]))
        step(pages[index].dest)
    done = set(first.values())
    return [page for index, page in enumerate(pages) if index not in done]


def _write_chunk(index: int) -> list[str]:
    """In a worker: render and write every ``chunks``-th page from ``index``; their names."""
    assert _work is not None, "write_pages sets the work before forking"
    render, pages, stage, chunks = _work
    written = []
    for page in pages[index::chunks]:
        write_file(stage, page.dest, render(page))
        written.append(page.dest)
    return written
