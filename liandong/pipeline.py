"""The build after the no-op check: plan every output, find what changed, publish it in phases.

load_config → load_archive → check fonts → plan → keys of every output → what changed → publish
(liandong.publish): the pages and issue PDFs first, then the yearly volumes and the search index.
Unchanged outputs are neither rendered nor written. liandong.build calls :func:`rebuild` only when
the input stamp says something changed; this module imports every stage, so a no-op build does not.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from liandong.build import BuildReport, Options, Progress, trees_key
from liandong.cache import BuildCache, PreparedCache, Stamp, input_stamp, mark_pending
from liandong import early_print
from liandong.cluster import pdf_executor
from liandong.compact import compact_page
from liandong.config import CONFIG_NAME, SiteConfig, _display_path, content_digest, load_config
from liandong.errors import LiandongError, Location, Problem, raise_if_errors
from liandong.fonts import resolve_stacks
from liandong.model import Archive
from liandong.printing import font_check_key, font_css, font_problems, plan_prints, printable, site_font_check_key
from liandong.publish import HTML, LATE, PAGES, PRINTS, Batch, PdfWorkers, Publisher, is_late, live_after
from liandong.reader import load_archive
from liandong.routes import Page, pdf_paths, plan
from liandong.search import SEARCH_DIR, search_outputs
from liandong.templates import load_web_templates, make_env, render_page, static_files, template_dirs, theme_files
from liandong.writer import MARKER, Trees


@dataclass
class FirstPhase:
    """The outputs of the first phase (pages, static and media files, issue PDFs) and their keys."""

    pages: list[Page]
    files: dict[str, bytes | Path]
    prints: list[Page]
    keys: dict[str, str]


def rebuild(site_dir: Path, out_dir: Path, cache_file: Path, inputs: str, options: Options,
            progress: Progress) -> BuildReport:
    """Build what changed since the last build into ``out_dir``, in phases (liandong.publish).

    Called with the output folder's lock held, once the input stamp (``inputs``) has shown that
    something changed. The stamp is saved only when the last phase is live and the inputs did not
    change meanwhile, so a build that did not finish is never taken for a complete one. What is
    live when Ctrl-C stops it is set on the KeyboardInterrupt (``live``) for the CLI to say.
    """
    with collector_paused():
        return _rebuild(site_dir, out_dir, cache_file, inputs, options, progress)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a build runs, on again after it.

    A build allocates millions of objects that live until it ends (the parsed archive, pages,
    tokens) and makes almost no reference cycles, so every full collection walked the whole heap
    for nothing: about a second of CPU on a 1000-issue archive, plus, in the page workers forked
    from it, the copy-on-write of every page of the heap such a walk touches. Peak memory is the
    same with it off (measured on both bench archives). The workers forked meanwhile inherit the
    collector off and exit after the build; PDF workers start from a fresh interpreter."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rebuild(site_dir: Path, out_dir: Path, cache_file: Path, inputs: str, options: Options,
             progress: Progress) -> BuildReport:
    Stamp.clear(cache_file)
    config = with_variant(load_config(site_dir), options.pdf_variant)
    run = None
    try:
        with pdf_executor(options.executor, options.scheduler, config) as executor, \
                PdfWorkers(executor, options.workers) as workers:
            cache = remembered(options.memo, cache_file) or (BuildCache.load(cache_file) if (out_dir / MARKER).exists()
                                                              else BuildCache())
            county_names = dict(cache.county_names)
            archive, problems = load_archive(config, cache.issues, county_names, drafts=options.drafts)
            raise_if_errors(problems)
            early = {}
            if options.pdf:  # a source changed, most often an issue: its PDF starts before anything is planned
                early = early_print.start(config, cache_file, workers.executor(), template_fingerprints(config)[1],
                                          options.drafts)
                if not early:  # else a worker loads jieba and the fonts meanwhile; a second one would only compete
                    workers.warm_up()
            run = Run(config, out_dir, cache_file, cache, archive, county_names, options, early)
            run.publish(workers, problems, progress)
        return run.finish(inputs if inputs == input_stamp(site_dir, options.stamp_options()) else None)
    except KeyboardInterrupt as interrupt:
        interrupt.live = live_after(run.publisher if run else None)  # which complete tree build/ is: the CLI says so
        interrupt.output_replaced = interrupt.live != "old"
        if run is not None:
            run.save_after_interrupt()
        raise


class Run:
    """One build's state across its phases: what is live (by key) and what the cache last said."""

    def __init__(self, config: SiteConfig, out_dir: Path, cache_file: Path, cache: BuildCache, archive: Archive,
                 county_names: dict, options: Options, early: dict | None = None) -> None:
        self.config, self.out_dir, self.cache_file, self.cache = config, out_dir, cache_file, cache
        self.early = early if early is not None else {}  # issue PDFs started before planning (liandong.early_print)
        self.archive, self.county_names, self.options = archive, county_names, options
        self.issues = {issue.digest: issue for issue in archive.issues}
        self.live = dict(cache.outputs)  # what build/ holds, by the key each output was made from
        self.saved: dict[str, str] | None = None  # the outputs of the cache file written by this build
        self.fonts_checked: set[str] = set()
        self.notes = list(cache.warnings)  # about this build's cache only: not repeated by a no-op build
        self.publisher: Publisher | None = None
        self.written: list[str] = []
        self.removed: list[str] = []
        self.problems: list[Problem] = []
        self.counts = (0, 0, 0)  # issues, pages, PDFs
        self.prepared: PreparedCache | None = None  # the cache written aside meanwhile (prepare_cache)
        self.keys: dict[str, str] = {}  # every output this build plans so far, with its key

    def publish(self, workers: PdfWorkers, problems: list[Problem], progress: Progress) -> None:
        """Plan the outputs, publish the first phase, save the cache, then plan and publish the second."""
        config, archive, options, out_dir = self.config, self.archive, self.options, self.out_dir
        kept = {} if options.pdf else kept_outputs(self.cache, out_dir, set(pdf_paths(archive, config)))
        css = ""
        if options.pdf:
            css, self.fonts_checked, font_warnings = checked_fonts(archive, config, self.cache.fonts_checked)
            problems = problems + font_warnings
        web_print = template_fingerprints(config)
        first = plan_first_phase(archive, config, web_print, css, kept)
        env = template_env(options.memo, config, web_print)
        self.publisher = Publisher(config, out_dir, lambda page: compact_page(page.dest, render_page(env, page, config)),
                                   lambda page: print_html(env, page, config, css), css, workers=workers,
                                   progress=progress, before_swap=lambda dests: mark_pending(self.cache_file, dests),
                                   after_swap=self.went_live, on_live=options.on_live, trees=kept_trees(options.memo, out_dir),
                                   early=lambda page: early_print.claim(self.early, page.dest, self.keys[page.dest]),
                                   load_templates=lambda: load_web_templates(env))
        self.keys = dict(first.keys)
        live_after_first = {**{dest: key for dest, key in self.live.items() if is_late(dest)}, **first.keys}
        try:
            batches = first_batches(first, self.cache, out_dir, options.html_first)
            last = max((index for index, batch in enumerate(batches) if batch), default=None)
            for index, batch in enumerate(batches):
                self.publisher.publish(batch, following=tuple(b.name for b in batches[index + 1:] if b),
                                       meanwhile=(lambda: self.prepare_cache(live_after_first)) if index == last else None)
            self.live = live_after_first
            if self.publisher.live:  # the next build starts from what is live now, should this one stop here
                self.save_cache()
            late_keys, late = plan_late_phase(archive, config, web_print, css, kept, options, self.live, out_dir)
            self.keys.update(late_keys)
            self.publisher.publish(late)
        finally:
            early_print.drop(self.early)
            if self.prepared is not None:  # not saved: the build stopped before the exchange
                self.prepared.discard()
                self.prepared = None
            self.publisher.close(keep=options.memo is not None)
        self.live = {**first.keys, **late_keys}
        pdfs = len(first.prints) + (sum(dest.endswith(".pdf") for dest in late_keys) if css else 0)
        self.counts, self.problems = (len(archive.issues), len(first.pages), pdfs), list(problems)

    def went_live(self, batch: Batch) -> None:
        """A batch was exchanged in: build/ now holds its outputs, made from these keys."""
        written = [dest for dest in batch.dests() if dest not in batch.stale]
        self.written += written
        self.removed += batch.stale
        self.live.update({dest: self.keys[dest] for dest in written})
        for dest in batch.stale:
            self.live.pop(dest, None)

    def save_after_interrupt(self) -> None:
        """Ctrl-C after a batch went live: the cache learns what is live, so the next build makes
        only the rest (after SIGKILL the .pending journal makes it redo those outputs instead)."""
        if self.publisher is None or not self.publisher.live or self.saved == self.live:
            return
        try:
            self.save_cache()
        except (KeyboardInterrupt, OSError):
            pass  # the journal still covers it

    def prepare_cache(self, live: dict[str, str]) -> None:
        """Write the cache the first phase will leave, aside, while its pages render (BuildCache.prepare)."""
        self.prepared = self.new_cache(live).prepare(self.cache_file)

    def new_cache(self, live: dict[str, str]) -> BuildCache:
        return BuildCache(self.issues, dict(live), set(self.fonts_checked), dict(self.county_names))

    def save_cache(self) -> None:
        cache = self.new_cache(self.live)
        prepared, self.prepared = self.prepared, None
        problems = cache.save(self.cache_file, prepared)
        self.notes += problems
        self.saved = dict(self.live)
        if self.options.memo is not None and not problems:
            self.options.memo[self.cache_file] = (file_signature(self.cache_file), cache)

    def finish(self, inputs: str | None) -> BuildReport:
        """Every phase is live: save the cache (unless it already says all) and, given the input
        stamp (None if the sources changed during the build), the stamp that lets the next build
        stop at once."""
        self.publisher.finished = True
        cache = self.cache
        if self.saved is None:
            if self.live != cache.outputs or self.issues.keys() != cache.issues.keys() \
                    or self.fonts_checked != cache.fonts_checked or self.county_names.keys() != cache.county_names.keys():
                self.save_cache()
        elif self.live != self.saved:
            self.save_cache()
        if inputs is not None:
            Stamp(inputs, *self.counts, tuple(self.problems)).save(self.cache_file)
        return BuildReport(self.out_dir, *self.counts, tuple(sorted(self.written)), tuple(sorted(self.removed)),
                           tuple(self.notes + self.problems))


def plan_first_phase(archive: Archive, config: SiteConfig, web_print: tuple[str, str], css: str,
                     kept: dict[str, str]) -> FirstPhase:
    """Every page, static and media file and issue PDF of the archive, with the key each is made from.

    PDFs are planned only when this build makes them (``css`` is then the font CSS); ``kept`` holds
    the PDFs a build without PDFs keeps from an earlier one, volumes included (their links stay)."""
    pages = plan(archive, config, pdf=bool(css), kept_pdfs=set(kept))
    keys = {page.dest: page_key(web_print[0], page) for page in pages}
    files: dict[str, bytes | Path] = {**static_files(config)}
    keys.update({dest: content_digest(data) for dest, data in files.items()})
    media = media_files(archive, config)
    files.update(media)
    keys.update({dest: file_fingerprint(path) for dest, path in media.items()})
    keys.update({dest: key for dest, key in kept.items() if not is_late(dest)})
    prints = [p for p in plan_prints(archive, config) if not is_late(p.dest)] if css else []
    keys.update({p.dest: print_key(web_print[1], css, p, config) for p in prints})
    return FirstPhase(pages, files, prints, keys)


def print_key(fingerprint: str, css: str, page: Page, config: SiteConfig) -> str:
    return page_key(fingerprint + css + str(config.pdf.variant), page) + media_key(page, config)


def first_batches(first: FirstPhase, cache: BuildCache, out_dir: Path, html_first: bool) -> list[Batch]:
    """What the first phase writes: the outputs whose key changed or that are missing, and the
    previous build's outputs (but volumes and search files) that the archive no longer has. One
    batch, or with ``html_first`` two: the web outputs, then the issue PDFs."""
    todo = set(cache.outdated(first.keys, out_dir))
    stale = [dest for dest in cache.stale(first.keys) if not is_late(dest)]
    pages = [page for page in first.pages if page.dest in todo]
    files = {dest: data for dest, data in first.files.items() if dest in todo}
    prints = [page for page in first.prints if page.dest in todo]
    if not html_first:
        return [Batch(PAGES, pages, files, prints, stale)]
    return [Batch(HTML, pages, files, [], [d for d in stale if not d.endswith(".pdf")]),
            Batch(PRINTS, [], {}, prints, [d for d in stale if d.endswith(".pdf")])]


def plan_late_phase(archive: Archive, config: SiteConfig, web_print: tuple[str, str], css: str,
                    kept: dict[str, str], options: Options, live: dict[str, str],
                    out_dir: Path) -> tuple[dict[str, str], Batch]:
    """The yearly volumes and the search index: their keys, and the batch of those out of date.

    Planned only once the first phase is live: the search index may have to be remade,
    and a volume is made from the year's issues."""
    keys: dict[str, str] = {dest: key for dest, key in kept.items() if is_late(dest)}
    files: dict[str, bytes | Path] = {}
    if options.search:
        search_keys, files = search_outputs(archive, config)
        keys.update(search_keys)
    else:
        keys.update({dest: key for dest, key in live.items()
                     if dest.startswith(f"{SEARCH_DIR}/") and (out_dir / dest).is_file()})
    volumes = [p for p in plan_prints(archive, config) if is_late(p.dest)] if css else []
    keys.update({p.dest: print_key(web_print[1], css, p, config) for p in volumes})
    todo = {dest for dest, key in keys.items() if live.get(dest) != key or not (out_dir / dest).is_file()}
    stale = sorted(dest for dest in live if is_late(dest) and dest not in keys)
    return keys, Batch(LATE, [], {dest: data for dest, data in files.items() if dest in todo},
                       [p for p in volumes if p.dest in todo], stale)


def print_html(env, page: Page, config: SiteConfig, css: str) -> str:
    """The HTML WeasyPrint lays out for a print page (links made fit for paper, fonts in ``css``)."""
    return render_page(env, printable(page, config), config, print_context(config, css))


def kept_outputs(cache: BuildCache, out_dir: Path, wanted) -> dict[str, str]:
    """Outputs of the previous build that a build without PDFs (or without search) keeps as they are.

    ``--no-pdf`` and ``--no-search`` make a quicker preview; they must not take the PDFs, their
    download buttons or the search index away from an archive that has them. Such outputs keep
    their old keys, so the next full build still remakes any that are out of date. ``wanted`` (a
    set of dests, or a test on one) limits this to outputs the archive still has.
    """
    keep = wanted if callable(wanted) else wanted.__contains__
    return {dest: key for dest, key in cache.outputs.items() if keep(dest) and (out_dir / dest).is_file()}


def template_env(memo: dict | None, config: SiteConfig, fingerprints: tuple[str, str]):
    """The Jinja environment for this build. serve keeps it in its memo while the templates and
    site.yaml are unchanged (``fingerprints`` cover their bytes): compiling the templates again
    took a third of a second of every rebuild."""
    if memo is None:
        return make_env(config, reload=False)
    key = (tuple(template_dirs(config)), fingerprints)
    if memo.get("env", (None, None))[0] != key:
        memo["env"] = (key, make_env(config, reload=False))
    return memo["env"][1]


def kept_trees(memo: dict | None, out_dir: Path) -> Trees | None:
    """The staging trees serve keeps between rebuilds (in its memo), made on its first build."""
    if memo is None:
        return None
    return memo.setdefault(trees_key(out_dir), Trees(out_dir))


def prime_memo(site_dir: Path, out_dir: Path, cache_file: Path, memo: dict) -> None:
    """After serve's first build found nothing to do: read the cache, compile the templates and
    link the spare tree now, which its first rebuild would otherwise do between the editor's save
    and the page showing it (about a second at 1000 issues). Called with the output lock held.
    Nothing here can fail the preview: a site.yaml error is the rebuild's to report."""
    try:
        config = load_config(site_dir)
    except LiandongError:
        return
    signature = file_signature(cache_file)
    if signature is not None and remembered(memo, cache_file) is None:
        cache = BuildCache.load(cache_file)
        if not cache.warnings and file_signature(cache_file) == signature:
            memo[cache_file] = (signature, cache)
    template_env(memo, config, template_fingerprints(config))
    kept_trees(memo, out_dir).make_spare()


def remembered(memo: dict | None, cache_file: Path) -> BuildCache | None:
    """The cache this process saved last (``liandong serve``), if the file is still the one it
    wrote and no build stopped half-way since: reading 45 MB back for a 1000-issue archive takes
    a quarter of a second of the second an edit may take to show."""
    if memo is None or cache_file not in memo or cache_file.with_suffix(".pending").exists():
        return None
    signature, cache = memo[cache_file]
    return cache if file_signature(cache_file) == signature else None


def file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


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
