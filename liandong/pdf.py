"""PDF rendering with WeasyPrint, which only this module and, for the workers' fork server,
liandong.pdf_preload import (it costs ~0.4 s to import).

One :class:`PdfRenderer` is reused for every document a process renders: WeasyPrint's
FontConfiguration is expensive to rebuild and grows memory when recreated per document. PDF jobs
run through a ``concurrent.futures.Executor``; :func:`render_job` is the unit of work, so a pool of
local processes today (or a remote farm later) only has to call it. Output is reproducible: dates
come from the issue's <meta name="dcterms.*">, never from the clock.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
import re
import multiprocessing
import shutil
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from liandong import fork_server
from liandong.errors import LiandongError, Location, Problem
from liandong.interrupt import ignore_in_worker


class NotdefWatcher(logging.Handler):
    """Records WeasyPrint's '.notdef glyph' and 'Font-face … cannot be loaded' warnings: a box in
    the PDF, or a font silently replaced (digits falling back from the Latin face to 仿宋, a refused
    font file), is an error, never a log line.

    The font coverage check runs first; this is the safety net for anything it cannot see.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.refused_fonts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef" in message:
            self.messages.append(message)
        refused = FONT_REFUSED.match(message)
        if refused:
            self.refused_fonts.append(refused.group(1))


FONT_REFUSED = re.compile(r"Font-face '([^']*)' cannot be loaded")


def font_source(html: str, family: str) -> str:
    """Where the print CSS in ``html`` says the @font-face ``family`` comes from (for messages)."""
    found = re.search(r'font-family: "' + re.escape(family) + r'"; src: (?:url|local)\("([^"]*)"\)', html)
    if not found:
        return family
    source = found.group(1)
    return unquote(urlsplit(source).path) if source.startswith("file:") else source


class PdfRenderer:
    """A WeasyPrint session with Chinese justification installed."""

    def __init__(self) -> None:
        from liandong.fast_libs import fast_find_library

        with fast_find_library():  # the first import of WeasyPrint, without ~200 gcc/ld runs
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration

            from liandong import cjk_justify

        cjk_justify.install()
        self._cjk_justify = cjk_justify
        self._weasyprint = weasyprint
        self.font_config = FontConfiguration()
        keep_font_files_in(self.font_config, _font_parent)
        self.watcher = NotdefWatcher()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(self.watcher)
        logger.setLevel(logging.WARNING)
        logger.propagate = False

    def render(self, html: str, base_url: str, variant: str | None, source: Path, fetcher=None) -> bytes:
        """One PDF as bytes; a glyph missing from every font is an error naming the source file.

        Files are read from the site folder unless ``fetcher`` serves them (see shipped_fetcher)."""
        self.watcher.messages.clear()
        self.watcher.refused_fonts.clear()
        self._cjk_justify.register_half_faces(html)
        fetcher = fetcher or site_only_fetcher(Path(base_url).resolve())
        document = self._weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=self.font_config)
        if self.watcher.messages:
            raise LiandongError(Problem(Location(source), "PDF 中有字体缺字，会印成方框：" + self.watcher.messages[0]))
        for page in document.pages:
            page.links = [link for link in page.links if publishable_link(link[0], link[1])]
        if self.watcher.refused_fonts:
            names = "、".join(f"“{font_source(html, family)}”" for family in self.watcher.refused_fonts)
            raise LiandongError(Problem(Location(source), f"字体 {names} 无法加载（文件不可读、格式不支持或不在站点目录内），"
                                                          "PDF 会改用其他字体；请检查字体文件或 site.yaml 的 pdf.fonts"))
        return document.write_pdf(**({"pdf_variant": variant} if variant else {}))


def keep_font_files_in(font_config, parent: str | None) -> None:
    """Give WeasyPrint's @font-face files a folder that is removed however this process ends.

    Why: FontConfiguration writes every @font-face font into a temporary folder that only its
    ``__del__`` removes, and a pool worker ends with ``os._exit`` (or is killed when a build is
    stopped), which runs no ``__del__``: each PDF worker left 0.4–8 MB in /tmp, 1.1 GB after a
    day of builds and tests. The folder is made inside ``parent``, the pool's folder that the main
    process removes when the pool ends (:func:`process_pool`), and removed at this process's
    normal exit too (multiprocessing runs its finalizers in a worker before ``os._exit``, and
    ``atexit`` in a main process such as ``liandong pdf``)."""
    import tempfile
    from multiprocessing.util import Finalize

    folder = tempfile.mkdtemp(prefix="weasyprint-", dir=parent if parent and os.path.isdir(parent) else None)
    font_config._folder = Path(folder)  # WeasyPrint 70 makes it lazily under this name (pinned in pyproject)
    Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)


_font_parent: str | None = None  # the pool's folder, in a pool worker (start_worker)


def publishable_link(kind: str, target: str) -> bool:
    """The last check before a link is written into a PDF: jumps within the document, web, mail
    and phone only. Never file: (the editor's folders) or any other scheme the HTML slipped in."""
    if kind == "internal":
        return True
    return kind == "external" and urlsplit(target).scheme.lower() in ("http", "https", "mailto", "tel")


def site_only_fetcher(root: Path):
    """A WeasyPrint fetcher that reads only files inside the site folder, whatever the HTML asks for:
    no network (readers' intranets, and no tracking), no /etc/passwd. The one exception is a font
    installed on this machine (fontconfig's list): WeasyPrint reads ``local()`` faces such as the
    Latin face through the fetcher, and refusing them silently set digits in 仿宋."""
    from weasyprint.urls import URLFetcher

    class SiteOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            target = Path(unquote(urlsplit(url).path)).resolve() if url.lower().startswith("file:") else None
            if target is None or (root not in target.parents and target not in installed_font_files()):
                raise ValueError(f"refused to load {url}: only files inside the site folder may be read")
            return super().fetch(url, headers)

    return SiteOnlyFetcher(allowed_protocols={"file"})


def shipped_fetcher(files: Mapping[str, bytes]):
    """A WeasyPrint fetcher for a machine without the site folder (a cluster worker): it serves the
    files the job carries, keyed by absolute path, and the fonts installed on the worker (checked
    against this machine's before any job), and refuses everything else as site_only_fetcher would. Responses look like urllib's file: responses (type from the name), so the PDF is the same
    byte for byte as one rendered from the folder itself."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse, iri_to_uri

    class ShippedResponse(URLFetcherResponse):
        path = None  # WeasyPrint rereads images by path when it can: here it must use the bytes sent

    class ShippedFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = shipped_path(url)
            if path is not None and path not in files and Path(path).resolve() in installed_font_files():
                return super().fetch(url, headers)  # a font installed on the worker, as site_only_fetcher allows
            if path not in files:
                raise ValueError(f"refused to load {url}: not a file of the site sent with this job")
            kind = mimetypes.guess_type(path)[0] or "text/plain"
            return ShippedResponse(iri_to_uri(url.split("?")[0]), files[path],
                                   {"Content-type": kind, "Content-length": str(len(files[path]))})

    return ShippedFetcher(allowed_protocols={"file"})


def shipped_path(url: str) -> str | None:
    """The absolute, normalised path a file: URL names (no symlinks followed: the sender did that)."""
    if not url.lower().startswith("file:"):
        return None
    return os.path.normpath(unquote(urlsplit(url).path))


def installed_font_files() -> frozenset[Path]:
    """Font files fontconfig lists (read once per process)."""
    global _installed_font_files
    if _installed_font_files is None:
        from liandong.fonts import installed_families

        _installed_font_files = frozenset(Path(file).resolve() for files in installed_families().values()
                                          for file, _ in files)
    return _installed_font_files


_installed_font_files: frozenset[Path] | None = None


_process_renderer: PdfRenderer | None = None  # one per worker process, made on its first job


def render_job(html: str, base_url: str, variant: str | None, source: Path,
               files: Mapping[str, bytes] | None = None) -> bytes:
    """Render one PDF in whatever process runs it, reusing that process's renderer.

    ``files`` (absolute path → bytes) is for processes that cannot see the site folder: the job
    then reads only those (liandong.cluster sends them)."""
    fetcher = shipped_fetcher(files) if files is not None else None
    return warm_up().render(html, base_url, variant, source, fetcher)


def warm_up() -> PdfRenderer:
    """This process's renderer, made on first use: importing WeasyPrint and loading the fonts take
    about a second, which a build spends in a worker while it is still planning (liandong.publish)."""
    global _process_renderer
    if _process_renderer is None:
        # Without HarfBuzz subsetting WeasyPrint falls back to fontTools, which stamps fonts with the
        # current time unless SOURCE_DATE_EPOCH is set: pin it so PDFs stay reproducible either way.
        os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
        _process_renderer = PdfRenderer()
    return _process_renderer


def warm_up_job() -> None:
    """Submitted to a fresh worker so that it is ready when the first PDF arrives: WeasyPrint, and
    jieba's dictionary, which the print templates use to break titles (another half second)."""
    from liandong.print_text import _segmenter

    warm_up()
    _segmenter()


def render_print_job(config, page, css: str) -> bytes:
    """Lay out a print page's HTML and render its PDF, both in this worker: the print HTML needs
    Jinja and jieba, which the main process then never loads when it only publishes pages (used
    with local process pools; a cluster gets the finished HTML, see liandong.cluster)."""
    from liandong.cache import CACHE_DIR
    from liandong.pipeline import print_html
    from liandong.print_text import memory_folder, segmentation_memory

    memory = (segmentation_memory(memory_folder(config.site_dir / CACHE_DIR), page.context["source"])
              if "issue" in page.context else contextlib.nullcontext())  # an issue's titles are mostly cut already
    with memory:
        html = print_html(_print_env(config), page, config, css)
    return render_job(html, str(config.site_dir), config.pdf.variant, page.context["source"])


def _print_env(config):
    """One Jinja environment per site folder and settings in this worker (Jinja reloads a template
    whose file changed, so a worker kept by ``serve`` sees edited templates)."""
    global _env_for
    from liandong.templates import make_env

    key = (str(config.site_dir), config.digest)
    if _env_for is None or _env_for[0] != key:
        _env_for = (key, make_env(config))
    return _env_for[1]


_env_for = None


def process_pool(workers: int, background: bool = False) -> Executor:
    """Worker processes for PDFs. forkserver starts them from a clean process, which is safe even
    when the caller runs threads (``liandong serve``); the server imports WeasyPrint once, before
    it starts any worker (see liandong.fork_server).

    ``background`` (serve) lowers the workers' CPU priority: on a 2-core machine two workers
    drawing the PDF and the volume took the CPU from the browser reloading the edited page and
    from the server sending it, and the page showed the edit ~0.5 s after it was live. A PDF
    still gets every core nothing else wants."""
    import tempfile
    import weakref

    context = multiprocessing.get_context("forkserver" if fork_server.ensure_running() else "spawn")
    folder = tempfile.mkdtemp(prefix="liandong-pdf-")  # the workers' font files (keep_font_files_in)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker,
                               initargs=(os.getpid(), BACKGROUND_NICENESS if background else 0, folder))
    weakref.finalize(pool, shutil.rmtree, folder, True)  # when the pool is dropped, or at exit
    return pool


BACKGROUND_NICENESS = 10


def start_worker(parent: int, niceness: int, font_parent: str | None = None) -> None:
    """Pool initializer: signals and lifetime as :func:`liandong.interrupt.ignore_in_worker`, the
    priority asked for (inherited by the processes the worker starts), and the pool's folder for
    WeasyPrint's font files (:func:`keep_font_files_in`)."""
    global _font_parent
    _font_parent = font_parent
    # A build killed outright (SIGKILL, the OOM killer) cannot remove the pool's folder: the last
    # of its workers to notice does (liandong.interrupt.exit_with).
    ignore_in_worker(parent, (lambda: shutil.rmtree(font_parent, ignore_errors=True)) if font_parent else None)
    if niceness:
        with contextlib.suppress(OSError):
            os.nice(niceness)
