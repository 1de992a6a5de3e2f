"""Publishing a build in phases, each one atomic exchange of the output folder.

Why phases: after an edit the editor waits for *that issue's* page and PDF, while the yearly
volumes and the search index are made from the whole year or archive and take longer. So a build
publishes in order:

1. ``pages``: every web page, static and media file, and every issue PDF that changed;
2. ``late``: the yearly volumes (合订本) and the search index, which are made from the issues.

Each phase stages a hard-linked copy of the live output, writes its outputs into it and exchanges
it in whole (liandong.writer), so build/ is at every instant one of three complete trees: the
previous build; the previous build with this build's pages and issue PDFs (its volumes and search
index still the previous build's: every link works, they are only less recent); the new build. The
build cache is saved after the first phase with the keys of what is then live, so the next build,
after Ctrl-C, SIGKILL or a power cut, redoes exactly what was not published.

``liandong serve`` splits the first phase in two (``html``, then ``prints``): the browser reloads
as soon as the page is live, and the PDF preview follows (see liandong.serve).

What is live when a build is interrupted is set on the KeyboardInterrupt as ``live`` (see
:func:`live_after`): the CLI tells the editor precisely, in Chinese.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from liandong.config import SiteConfig
from liandong.interrupt import stop_pool
from liandong.routes import Page
from liandong.search import SEARCH_DIR
from liandong.writer import Trees, remove_file, write_file

HTML, PRINTS, PAGES, LATE = "html", "prints", "pages", "late"
SEARCH_PREFIX = f"{SEARCH_DIR}/"


def is_late(dest: str) -> bool:
    """Outputs of the second phase: the search index and the yearly volumes (the only PDFs directly
    in a year's folder, ``2025/<slug>-2025-volume.pdf``; an issue's is ``2025/12/…``)."""
    return dest.startswith(SEARCH_PREFIX) or (dest.endswith(".pdf") and dest.count("/") == 1)


@dataclass
class Batch:
    """What one phase publishes: pages to render, files to copy, PDFs to render, and outputs of the
    previous build to delete."""

    name: str
    pages: list[Page] = field(default_factory=list)
    files: dict[str, bytes | Path] = field(default_factory=dict)
    prints: list[Page] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.pages or self.files or self.prints or self.stale)

    def dests(self) -> list[str]:
        return [page.dest for page in self.pages] + list(self.files) + [page.dest for page in self.prints] + self.stale

    def size(self) -> int:
        return len(self.pages) + len(self.files) + len(self.prints)


class Publisher:
    """Publishes batches one after another and remembers which are live, for :func:`live_after`."""

    def __init__(self, config: SiteConfig, out_dir: Path, render_page: Callable[[Page], str],
                 print_html: Callable[[Page], str], css: str, *, workers: PdfWorkers, progress,
                 before_swap: Callable[[list[str]], None], after_swap: Callable[[Batch], None],
                 on_live: Callable[[str, tuple[str, ...]], None] | None = None, trees: Trees | None = None,
                 early: Callable[[Page], Future | None] = lambda page: None,
                 load_templates: Callable[[], bool] | None = None) -> None:
        self.config, self.out_dir, self.render_page, self.print_html, self.css = config, out_dir, render_page, print_html, css
        self.workers, self.progress, self.before_swap, self.after_swap = workers, progress, before_swap, after_swap
        self.on_live = on_live
        self.trees = trees or Trees(out_dir)  # each phase stages from the tree the one before swapped out
        self.early = early  # an issue PDF already rendering for this build (liandong.early_print), if any
        self.load_templates = load_templates  # before page workers fork (liandong.page_pool)
        self.live: list[str] = []  # names of the phases this build has exchanged in
        self.finished = False  # every phase is live (only the cache may still lag)

    def publish(self, batch: Batch, following: tuple[str, ...] = (),
                meanwhile: Callable[[], None] | None = None) -> None:
        """Stage the batch over a copy of the live tree and exchange it in; its PDFs are submitted
        first, so they render while the copy is linked and the pages are written. ``on_live`` hears the
        batch's name and the batches still to come that have work (serve: is a PDF on its way?).
        ``meanwhile`` runs while other processes write the pages, if they do (liandong.page_pool)."""
        if not batch:
            return
        self.before_swap(batch.dests())  # the cache stops vouching for them (liandong.cache.mark_pending)
        volumes = [page for page in batch.prints if is_volume(page)]
        issue_prints = [page for page in batch.prints if not is_volume(page)]
        try:
            with pdf_jobs(issue_prints, self.config, self.workers, self.css, self.print_html, self.early) as pending, \
                    self.trees.stage(reuse=True, on_swapped=lambda: self.live.append(batch.name),
                                     changes=batch.dests) as stage:
                self.progress.start(batch.size())
                self.write_pages(batch.pages, stage, meanwhile)
                for dest, data in batch.files.items():
                    write_file(stage, dest, data.read_bytes() if isinstance(data, Path) else data)
                    self.progress.step(dest)
                for page, pdf_bytes in pending():
                    write_file(stage, page.dest, pdf_bytes)
                    self.progress.step(page.context["title"])
                if volumes:  # bound from the issue PDFs now staged (liandong.volume)
                    self.bind_volumes(volumes, stage)
                for dest in batch.stale:
                    remove_file(stage, dest)
                self.progress.finish()
        except KeyboardInterrupt:
            if batch.name in self.live:  # the exchange happened, then the signal
                self.after_swap(batch)
            raise
        self.after_swap(batch)
        if self.on_live is not None:
            self.on_live(batch.name, following)

    def close(self, keep: bool = False) -> None:
        """The build is over (done, failed or stopped): delete the tree the last phase swapped out,
        unless ``keep`` (serve's next rebuild starts from it, see liandong.writer.Trees)."""
        if not keep:
            self.trees.close()

    def write_pages(self, pages: list[Page], stage: Path, meanwhile: Callable[[], None] | None = None) -> None:
        """Render and write the batch's pages: on all cores for a cold build of a large archive
        (liandong.page_pool), else one at a time, so a thousand pages never sit in memory."""
        from liandong import page_pool

        if page_pool.parallel(pages):
            page_pool.write_pages(self.render_page, pages, stage, self.progress.step, meanwhile, self.load_templates)
            return
        for page in pages:
            write_file(stage, page.dest, self.render_page(page))
            self.progress.step(page.dest)

    def bind_volumes(self, volumes: list[Page], stage: Path) -> None:
        """Bind each yearly volume from the staged issue PDFs: this process reads page counts and
        article pages and renders the 目录's HTML; a PDF worker lays out the front matter and copies
        the issue pages (``volume_job``). Dask workers cannot see the staging folder, so with a
        cluster only the front matter renders there and the copy is made here (``AssembledHere``)."""
        from liandong.cluster import ClusterExecutor
        from liandong.routes import issue_pdf_path
        from liandong.volume import AssembledHere, render_volumes, volume_job

        config = self.config

        def front_html(page: Page, contents: list[dict]) -> str:
            return self.print_html(replace(page, context={**page.context, "contents": contents}))

        def run(html: str, source: Path, issues: list, target: Path) -> Future | AssembledHere:
            executor = self.workers.executor()
            self.workers.used = True
            if isinstance(executor, ClusterExecutor):
                from liandong import pdf

                return AssembledHere(executor.submit(pdf.render_job, html, str(config.site_dir), config.pdf.variant,
                                                     source), issues, config.pdf.variant, target)
            return executor.submit(volume_job, html, str(config.site_dir), config.pdf.variant, source, issues, target)

        def done(page: Page) -> None:
            self.progress.step(page.context["title"])

        render_volumes(volumes, stage, lambda issue: issue_pdf_path(config, issue), front_html, run, done)



def is_volume(page: Page) -> bool:
    """A yearly volume's print page; the same test as liandong.volume.is_volume, which this module
    does not import up front (pikepdf is not needed before a volume is bound)."""
    return page.template == "print/volume.html"


def live_after(publisher: Publisher | None) -> str:
    """What build/ is after an interruption: ``old`` (the previous build, untouched), ``new`` (the
    whole new build), or the last phase exchanged in (``pages``: pages and issue PDFs new, volumes
    and search index previous; ``html``: pages new, all PDFs and the index previous)."""
    if publisher is None or not publisher.live:
        return "old"
    if publisher.finished or publisher.live[-1] == LATE:  # the last phase is live: only the cache may lag
        return "new"
    return PAGES if publisher.live[-1] == PRINTS else publisher.live[-1]  # html + prints: the first phase


class PdfWorkers:
    """Where a build's PDFs render, for the whole build (both phases): the caller's executor (a Dask
    cluster, serve's pool) if given, else a process pool of ``workers`` processes (default: all
    cores), started on first use or by :meth:`warm_up`. Even ``-j 1`` renders in one worker process,
    never in this one: WeasyPrint's memory (hundreds of MB for a volume) goes with the worker, and
    ``-j 1`` measures the same work as ``-j N``, split differently.

    :meth:`warm_up` starts a worker and has it load jieba's dictionary and the fonts while this
    process is still planning (WeasyPrint itself is loaded by the workers' fork server, see
    liandong.fork_server). On Ctrl-C or an
    error the pool's workers are killed, not waited for (a volume can take a minute)."""

    def __init__(self, executor: Executor | None, workers: int | None) -> None:
        self.given, self.workers = executor, workers
        self.pool: Executor | None = None
        self.used = False  # a PDF was submitted, not just the warm-up

    def executor(self) -> Executor:
        if self.given is not None:
            return self.given
        if self.pool is None:
            from liandong import pdf

            self.pool = pdf.process_pool(self.workers or os.cpu_count() or 1)
        return self.pool

    def warm_up(self) -> None:
        if self.given is None:
            from liandong import pdf

            self.executor().submit(pdf.warm_up_job)

    def __enter__(self) -> "PdfWorkers":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self.pool is None:
            return
        if error is not None or not self.used:  # nothing to wait for when only the warm-up ran
            stop_pool(self.pool)
        self.pool.shutdown(wait=True, cancel_futures=True)


class pdf_jobs:
    """PDFs rendering while the caller does other work; ``pending()`` then yields (page, bytes) as
    each finishes, so the order of completion does not matter and each PDF's bytes can go once
    written (a thousand add up to a GB). Serial workers render each when it is asked for."""

    def __init__(self, jobs: list[Page], config: SiteConfig, workers: PdfWorkers, css: str,
                 print_html: Callable[[Page], str], early: Callable[[Page], Future | None] = lambda page: None) -> None:
        self.jobs, self.config, self.workers, self.css, self.print_html = jobs, config, workers, css, print_html
        self.early = early
        self.futures: dict[Future, Page] = {}

    def __enter__(self):
        from liandong import pdf

        if self.jobs:
            executor = self.workers.executor()
            self.workers.used = True
            if isinstance(executor, ProcessPoolExecutor):  # local workers lay out the print HTML too
                self.futures = {self.early(page) or executor.submit(pdf.render_print_job, self.config, page, self.css): page
                                for page in self.jobs}
            else:
                self.futures = {executor.submit(pdf.render_job, self.print_html(page), str(self.config.site_dir),
                                                self.config.pdf.variant, page.context["source"]): page
                                for page in self.jobs}
        return self.pending

    def pending(self):
        for future in as_completed(list(self.futures)):
            page = self.futures.pop(future)
            yield page, future.result()
            del future

    def __exit__(self, kind, error, traceback) -> None:
        if error is not None:
            for future in self.futures:
                future.cancel()
