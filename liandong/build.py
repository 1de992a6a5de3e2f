"""``liandong build``: the entry point, which first asks whether anything changed at all.

A build takes the output folder's lock (builds into one folder run one at a time), then compares
the input stamp (stat() of every source, nothing parsed) with the last complete build's. When
nothing changed it returns the last build's report at once, without importing the stages (Jinja,
Markdown, PyYAML's parser, WeasyPrint, Dask): a no-op build costs little more than starting the
interpreter (tests/test_lazy_imports.py keeps it so). Otherwise liandong.pipeline plans every
output, finds what changed and publishes it (liandong.publish): the pages and issue PDFs first,
then the yearly volumes and the search index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from liandong.cache import Stamp, cache_path, input_stamp
from liandong.errors import LiandongError, Location, Problem
from liandong.writer import MARKER, output_lock

if TYPE_CHECKING:
    from concurrent.futures import Executor


class Progress(Protocol):
    """Told how far a build is; the CLI shows it on a terminal (see liandong.progress)."""

    def start(self, total: int) -> None: ...
    def step(self, label: str) -> None: ...
    def finish(self) -> None: ...


class _Silent:
    def start(self, total: int) -> None: pass
    def step(self, label: str) -> None: pass
    def finish(self) -> None: pass


@dataclass(frozen=True)
class Options:
    """What ``liandong build`` was asked for (see liandong.build.build)."""

    pdf: bool = True
    pdf_variant: str | None = None
    search: bool = True
    workers: int | None = None
    executor: Executor | None = None
    scheduler: str | None = None
    drafts: bool = False
    html_first: bool = False  # serve: the pages are exchanged in before the issue PDFs are rendered
    on_live: Callable[[str, tuple[str, ...]], None] | None = None  # told each phase that went live
    memo: dict | None = None  # serve: the build cache kept in memory from one rebuild to the next

    def stamp_options(self) -> str:
        return f"pdf={self.pdf} search={self.search} variant={self.pdf_variant} drafts={self.drafts}"


@dataclass(frozen=True)
class BuildReport:
    out_dir: Path
    issues: int
    pages: int
    pdfs: int
    written: tuple[str, ...]  # outputs rendered and written by this build
    removed: tuple[str, ...]  # outputs of the previous build that no longer exist
    warnings: tuple[Problem, ...]


def build(site_dir: Path, out_dir: Path | None = None, *, pdf: bool = True, pdf_variant: str | None = None,
          search: bool = True, workers: int | None = None, executor: Executor | None = None,
          progress: Progress | None = None, drafts: bool = False,
          on_wait: Callable[[str], None] | None = None, scheduler: str | None = None,
          html_first: bool = False, on_live: Callable[[str, tuple[str, ...]], None] | None = None,
          memo: dict | None = None) -> BuildReport:
    """Build the site into ``out_dir`` (default: build/ in the site folder), redoing only what changed.

    PDFs render on ``executor`` if given, else on the Dask cluster of ``scheduler`` (or site.yaml's
    render.scheduler, see liandong.cluster), else on ``workers`` processes (default: all cores).
    ``search=False`` leaves out the search index (a quicker preview; the search page says so).
    ``drafts=True`` includes the issues marked ``draft: true`` (the preview; their page says 草稿);
    a published build never shows or counts them.
    Builds into one folder run one at a time; ``on_wait`` hears it when this one has to wait.
    ``on_live`` hears each phase as it goes live (liandong.publish); ``html_first`` publishes the
    pages before the issue PDFs are rendered, and ``memo`` (a dict the caller keeps) spares reading
    the build cache back from disk on the next build: both for the live preview.
    """
    out_dir = out_dir or site_dir / "build"
    check_out_dir(site_dir, out_dir)
    progress = progress or _Silent()
    cache_file = cache_path(site_dir, out_dir)
    options = Options(pdf, pdf_variant, search, workers, executor, scheduler, drafts, html_first, on_live, memo)
    kept = memo.get(trees_key(out_dir)) if memo is not None else None  # serve's spare tree (liandong.writer.Trees)
    with output_lock(cache_file.with_suffix(".lock"), out_dir, on_wait, keep=kept.spare if kept else None):
        inputs = input_stamp(site_dir, options.stamp_options())
        last = Stamp.load(cache_file)
        if last is not None and last.inputs == inputs and (out_dir / MARKER).exists():
            if memo is not None:  # serve: what its first rebuild would load, loaded now
                from liandong.pipeline import prime_memo

                prime_memo(site_dir, out_dir, cache_file, memo)
            return BuildReport(out_dir, last.issues, last.pages, last.pdfs, (), (), last.warnings)
        if pdf and executor is None and scheduler is None:  # WeasyPrint loads meanwhile (liandong.fork_server)
            from liandong import fork_server

            fork_server.ensure_running()
        from liandong.pipeline import rebuild

        return rebuild(site_dir, out_dir, cache_file, inputs, options, progress)


def trees_key(out_dir: Path) -> tuple[str, Path]:
    """Where serve's memo keeps the staging trees of ``out_dir`` between rebuilds."""
    return ("trees", out_dir.resolve())


def check_out_dir(site_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy the sources or the user's files.

    A build replaces its output folder whole; the writer already refuses a non-empty folder that
    liandong did not make, and this names the dangerous places outright: the site folder or any
    folder holding it, the filesystem root, the home folder, and folders the build reads from.
    """
    out, site = out_dir.resolve(), site_dir.resolve()
    where = Location(out_dir)
    if out == Path(out.anchor):
        reason = "是根目录"
    elif out == Path.home().resolve():
        reason = "是主目录"
    elif out == site:
        reason = "就是站点目录本身"
    elif out in site.parents:
        reason = "包含站点目录（是它的上级目录）"
    elif any(folder == out or folder in out.parents for folder in (site / "content", site / "templates")):
        reason = "位于站点的源文件目录（content/ 或 templates/）中"
    elif out == site / ".liandong-cache":  # serve builds into a folder inside it, which is fine
        reason = "是 liandong 的缓存目录"
    else:
        return
    raise LiandongError(Problem(where, f"不能用作输出目录：它{reason}，构建会整体替换输出目录；"
                                       "请指定一个新的空目录，如站点下的 build/"))

