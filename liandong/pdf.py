"""PDF rendering with WeasyPrint: the only module that imports it (it costs ~0.4 s to import).

One :class:`PdfRenderer` is reused for every document of a build: WeasyPrint's FontConfiguration
is expensive to rebuild and grows memory when recreated per document. Output is reproducible:
dates come from the issue's <meta name="dcterms.*">, never from the clock.
"""

from __future__ import annotations

import logging
from pathlib import Path

from liandong.errors import LiandongError, Location, Problem


class NotdefWatcher(logging.Handler):
    """Records WeasyPrint's '.notdef glyph' warnings: a box in the PDF is an error, never a warning.

    The font coverage check runs first; this is the safety net for anything it cannot see.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef" in message:
            self.messages.append(message)


class PdfRenderer:
    """A WeasyPrint session with Chinese justification installed."""

    def __init__(self) -> None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from liandong import cjk_justify

        cjk_justify.install()
        self._weasyprint = weasyprint
        self.font_config = FontConfiguration()
        self.watcher = NotdefWatcher()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(self.watcher)
        logger.setLevel(logging.WARNING)
        logger.propagate = False

    def render(self, html: str, base_url: Path, dest: Path, variant: str | None, source: Path) -> int:
        """Write one PDF; returns its page count."""
        self.watcher.messages.clear()
        document = self._weasyprint.HTML(string=html, base_url=str(base_url)).render(font_config=self.font_config)
        if self.watcher.messages:
            raise LiandongError(Problem(Location(source), "PDF 中有字体缺字，会印成方框：" + self.watcher.messages[0]))
        dest.parent.mkdir(parents=True, exist_ok=True)
        options = {"pdf_variant": variant} if variant else {}
        document.write_pdf(dest, uncompressed_pdf=False, **options)
        return len(document.pages)
