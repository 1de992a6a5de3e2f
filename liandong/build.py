"""``liandong build``: the pipeline read top to bottom.

load_config → load_archive → check fonts → plan → find what changed → render pages and PDFs into
a staging copy → swap it in. Unchanged outputs are neither rendered nor written; a build where
nothing changed touches nothing at all.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol

from liandong.cache import BuildCache, Stamp, cache_path, input_stamp
from liandong.cluster import pdf_executor
from liandong.config import CONFIG_NAME, SiteConfig, _display_path, content_digest, load_config
from liandong.errors import LiandongError, Location, Problem, raise_if_errors
from liandong.fonts import resolve_stacks
from liandong import page_pool
from liandong.interrupt import stop_pool
from liandong.model import Archive
from liandong.printing import font_check_key, font_css, font_problems, plan_prints, printable, site_font_check_key
from liandong.reader import load_archive
from liandong.routes import Page, pdf_paths, plan
from liandong.search import SEARCH_DIR, search_outputs
from liandong.templates import make_env, render_page, static_files, theme_files
from liandong.writer import MARKER, output_lock, remove_file, staging, write_file


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
          on_wait: Callable[[str], None] | None = None, scheduler: str | None = None) -> BuildReport:
    """Build the site into ``out_dir`` (default: build/ in the site folder), redoing only what changed.

    PDFs render on ``executor`` if given, else on the Dask cluster of ``scheduler`` (or site.yaml's
    render.scheduler, see liandong.cluster), else on ``workers`` processes (default: all cores).
    ``search=False`` leaves out the Pagefind index (a quicker preview; the search page says so).
    ``drafts=True`` includes the issues marked ``draft: true`` (the preview; their page says 草稿);
    a published build never shows or counts them.
    Builds into one folder run one at a time; ``on_wait`` hears it when this one has to wait.
    """
    out_dir = out_dir or site_dir / "build"
    check_out_dir(site_dir, out_dir)
    progress = progress or _Silent()
    cache_file = cache_path(site_dir, out_dir)
    with output_lock(cache_file.with_suffix(".lock"), out_dir, on_wait):
        return _locked_build(site_dir, out_dir, cache_file, pdf, pdf_variant, search, workers, executor, progress,
                             drafts, scheduler)


def _locked_build(site_dir: Path, out_dir: Path, cache_file: Path, pdf: bool, pdf_variant: str | None,
                  search: bool, workers: int | None, executor: Executor | None, progress: Progress,
                  drafts: bool, scheduler: str | None) -> BuildReport:
    inputs = input_stamp(site_dir, f"pdf={pdf} search={search} variant={pdf_variant} drafts={drafts}")
    last = Stamp.load(cache_file)
    if last is not None and last.inputs == inputs and (out_dir / MARKER).exists():
        return BuildReport(out_dir, last.issues, last.pages, last.pdfs, (), (), last.warnings)
    Stamp.clear(cache_file)
    config = with_variant(load_config(site_dir), pdf_variant)
    cache = BuildCache.load(cache_file) if (out_dir / MARKER).exists() else BuildCache()
    county_names = dict(cache.county_names)
    archive, problems = load_archive(config, cache.issues, county_names, drafts=drafts)
    raise_if_errors(problems)
    cache_notes = list(cache.warnings)  # about this build's cache only: not repeated by a no-op build
    kept = {} if pdf else kept_outputs(cache, out_dir, set(pdf_paths(archive, config)))
    pages = plan(archive, config, pdf=pdf, kept_pdfs=set(kept))
    web_print = template_fingerprints(config)
    keys = {page.dest: page_key(web_print[0], page) for page in pages}
    statics = static_files(config)
    keys.update({dest: content_digest(data) for dest, data in statics.items()})
    media = media_files(archive, config)
    keys.update({dest: file_fingerprint(path) for dest, path in media.items()})
    search_keys, search_files = search_outputs(archive, config) if search else ({}, {})
    keys.update(search_keys)
    if not search:
        keys.update(kept_outputs(cache, out_dir, lambda dest: dest.startswith(f"{SEARCH_DIR}/")))
    keys.update(kept)
    prints, css, fonts_checked = [], "", set()
    if pdf:
        css, fonts_checked, font_warnings = checked_fonts(archive, config, cache.fonts_checked)
        problems += font_warnings
        prints = plan_prints(archive, config)
        keys.update({p.dest: page_key(web_print[1] + css + str(config.pdf.variant), p)
                     + media_key(p, config) for p in prints})
    todo, stale = set(cache.outdated(keys, out_dir)), cache.stale(keys)
    fresh = BuildCache({i.digest: i for i in archive.issues}, keys, fonts_checked, county_names)
    with pdf_executor(executor, scheduler, config) as executor:
        if todo or stale:
            # Everything, the yearly volumes included, goes into one staging folder swapped in once:
            # build/ is never half new (an issue's page new and its volume old).
            files = {**statics, **media, **search_files}
            write_outputs(config, out_dir, [p for p in pages if p.dest in todo], {d: files[d] for d in files if d in todo},
                          [p for p in prints if p.dest in todo], css, stale, workers, executor, progress)
    try:
        if fresh.outputs != cache.outputs or fresh.issues.keys() != cache.issues.keys() \
                or fresh.fonts_checked != cache.fonts_checked or fresh.county_names.keys() != cache.county_names.keys():
            cache_notes += fresh.save(cache_file)
        if inputs == input_stamp(site_dir, f"pdf={pdf} search={search} variant={pdf_variant} drafts={drafts}"):
            Stamp(inputs, len(archive.issues), len(pages), len(prints), tuple(problems)).save(cache_file)
    except KeyboardInterrupt as interrupt:
        interrupt.output_replaced = bool(todo or stale)  # the new output is in place; only the cache lags
        raise
    return BuildReport(out_dir, len(archive.issues), len(pages), len(prints), tuple(sorted(todo)), tuple(stale),
                       tuple(cache_notes + problems))


def kept_outputs(cache: BuildCache, out_dir: Path, wanted) -> dict[str, str]:
    """Outputs of the previous build that a build without PDFs (or without search) keeps as they are.

    ``--no-pdf`` and ``--no-search`` make a quicker preview; they must not take the PDFs, their
    download buttons or the search index away from an archive that has them. Such outputs keep
    their old keys, so the next full build still remakes any that are out of date. ``wanted`` (a
    set of dests, or a test on one) limits this to outputs the archive still has.
    """
    keep = wanted if callable(wanted) else wanted.__contains__
    return {dest: key for dest, key in cache.outputs.items() if keep(dest) and (out_dir / dest).is_file()}


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


def write_outputs(config: SiteConfig, out_dir: Path, pages: list[Page], statics: dict[str, bytes | Path],
                  prints: list[Page], css: str, stale: list[str], workers: int | None,
                  executor: Executor | None, progress: Progress) -> None:
    """Render what is out of date into a staging copy of out_dir and swap it in."""
    env = make_env(config)
    print_html = [(page, render_page(env, printable(page, config), config, print_context(config, css))) for page in prints]
    with staging(out_dir, reuse=True) as stage:
        progress.start(len(pages) + len(statics) + len(print_html))
        if page_pool.parallel(pages):  # a cold build of a large archive: on all cores
            page_pool.write_pages(env, pages, config, stage, progress.step)
        else:
            for page in pages:  # rendered and written one at a time: a thousand pages never sit in memory
                write_file(stage, page.dest, render_page(env, page, config))
                progress.step(page.dest)
        for dest, data in statics.items():
            write_file(stage, dest, data.read_bytes() if isinstance(data, Path) else data)
            progress.step(dest)
        render_pdfs(print_html, config, stage, workers, executor, progress)
        for dest in stale:
            remove_file(stage, dest)
        progress.finish()


def render_pdfs(jobs: list[tuple[Page, str]], config: SiteConfig, stage: Path, workers: int | None,
                executor: Executor | None, progress: Progress) -> None:
    """Render PDFs on an executor (a process pool unless one is given), writing each as it
    arrives; results are written by path, so the order of completion does not matter.

    Even -j 1 and a single PDF render in a worker process, not in this one: WeasyPrint's memory
    (a few hundred MB for a long document) then goes with the worker, the main process stays small
    for the rest of the build, and -j 1 measures the same work as -j N, split differently."""
    from liandong import pdf

    if not jobs:
        return
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    own = executor is None
    executor = executor or pdf.process_pool(workers)
    futures: dict = {}
    try:
        futures = {executor.submit(pdf.render_job, html, str(config.site_dir), config.pdf.variant,
                                   page.context["source"]): page for page, html in jobs}
        for future in as_completed(futures):
            page = futures.pop(future)  # let each PDF's bytes go once written: a thousand add up to a GB
            write_file(stage, page.dest, future.result())
            progress.step(page.context["title"])
            del future
    except BaseException:
        for future in futures:
            future.cancel()
        if own:
            stop_pool(executor)  # Ctrl-C or a failed PDF: do not wait for a long volume to finish
        raise
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)


def print_context(config: SiteConfig, css: str) -> dict[str, str]:
    """What print templates get besides the page: the font CSS, and where images are read from."""
    return {"font_css": css, "media_base": config.content_dir.resolve().as_uri() + "/"}


def media_files(archive: Archive, config: SiteConfig) -> dict[str, Path]:
    """Images the articles show, published under media/ with their paths under content/."""
    return {f"media/{relative}": config.content_dir / relative
            for issue in archive.issues for relative in issue.media}


def file_fingerprint(path: Path) -> str:
    """Cheap change detection for binary files (images): size and modification time."""
    stat = path.stat()
    return content_digest(str(stat.st_size), str(stat.st_mtime_ns))


def media_key(page: Page, config: SiteConfig) -> str:
    """A PDF embeds its images, so their fingerprints are part of its key."""
    issues = page.context.get("issues") or [page.context["issue"]]
    return "".join(file_fingerprint(config.content_dir / m) for issue in issues for m in issue.media)


def template_fingerprints(config: SiteConfig) -> tuple[str, str]:
    """(web, print) fingerprints: site.yaml plus the templates each kind of output uses, as the
    lookup finds them (a site's override or the theme's file), so editing either redoes the pages."""
    web, printed = [], []
    for relative, path in theme_files(config).items():
        if not relative.startswith("static/"):
            (printed if relative.startswith("print/") else web).append(relative.encode() + b"\0" + path.read_bytes())
    return content_digest(config.digest, "web", *web), content_digest(config.digest, "print", *printed)


def page_key(fingerprint: str, page: Page) -> str:
    return content_digest(fingerprint, page.template, repr(page.deps))


def checked_fonts(archive: Archive, config: SiteConfig, passed: set[str]) -> tuple[str, set[str], list[Problem]]:
    """Resolve the print fonts and make sure they draw every character, or stop with the spots.

    Returns the font CSS, the keys of the checks that now pass (to cache), and any warnings.
    """
    stacks, problems = resolve_stacks(config)
    raise_if_errors(problems)
    css = font_css(stacks, config)
    problems += font_problems(archive, config, stacks, skip=passed, css=css)
    raise_if_errors(problems)
    passed_now = {font_check_key(css, issue) for issue in archive.issues} | {site_font_check_key(css, config)}
    return css, passed_now, problems


def build_issue_pdf(issue_file: Path, output: Path | None, *, pdf_variant: str | None = None) -> Path:
    """``liandong pdf``: one issue's PDF, with the same checks as a full build."""
    from liandong.pdf import render_job

    site_dir = find_site_dir(issue_file)
    config = with_variant(load_config(site_dir), pdf_variant)
    archive, problems = load_archive(config, drafts=True)  # a draft may be printed for proofreading
    issue = next((i for i in archive.issues if i.path.resolve() == issue_file.resolve()), None)
    mine = [p for p in problems if p.location.path.resolve() == issue_file.resolve()]
    raise_if_errors(mine)
    if issue is None:
        raise LiandongError(Problem(Location(_display_path(issue_file)), not_an_issue(issue_file, config)))
    css, _, _ = checked_fonts(Archive([issue]), config, set())
    page = plan_prints(archive, config, only=[issue])[0]
    html = render_page(make_env(config), printable(page, config), config, print_context(config, css))
    output = output or Path(page.context["title"])
    data = render_job(html, str(config.site_dir), config.pdf.variant, issue.path)
    output.parent.mkdir(parents=True, exist_ok=True)
    staged = output.with_name(f".{output.name}.part")
    staged.write_bytes(data)
    staged.replace(output)
    return output


def not_an_issue(issue_file: Path, config: SiteConfig) -> str:
    """Why ``liandong pdf`` was given a file the archive does not contain."""
    if issue_file.name.startswith(("_", ".")):
        return (f"“{issue_file.name}”是草稿（文件名以 _ 或 . 开头），不生成 PDF；"
                f"定稿后把文件改名为“{issue_file.name.lstrip('_.')}”再运行")
    return (f"不是本站的期刊文件：liandong pdf 只处理 {_display_path(config.content_dir)}/<年份>/<期号>.md，"
            "例如 content/2025/12.md")


def find_site_dir(issue_file: Path) -> Path:
    """The nearest folder above the issue file that holds site.yaml."""
    for folder in issue_file.resolve().parents:
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise LiandongError(Problem(Location(issue_file), f"在此文件的上级目录中找不到 {CONFIG_NAME}"))


def with_variant(config: SiteConfig, variant: str | None) -> SiteConfig:
    """A --pdf-variant on the command line wins over site.yaml."""
    if variant is None:
        return config
    return replace(config, pdf=replace(config.pdf, variant=variant))
