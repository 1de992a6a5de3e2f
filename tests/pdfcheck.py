"""Reading PDFs back the way the print room does: poppler's pdftotext/pdffonts and pypdf."""

from __future__ import annotations

import re
import statistics
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Line:
    page: int
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    text: str


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    """pdftotext's text; ``layout`` keeps each printed line whole (a right column such as the
    目录's page numbers stays on its line instead of becoming a block of its own)."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run(args + [str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    """Text without whitespace and page numbers, for comparing content regardless of line breaks."""
    text = re.sub(r"—\s*\d+\s*—", "", text)
    return re.sub(r"\s+", "", text)


def pdf_lines(pdf: Path) -> list[list[Line]]:
    output = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    output = re.sub(r"<!DOCTYPE[^>]*>", "", output).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    pages = []
    for number, page in enumerate(ET.fromstring(output).iter("page"), start=1):
        lines = [Line(number, float(l.get("xMin")), float(l.get("yMin")), float(l.get("xMax")), float(l.get("yMax")),
                      "".join(w.text or "" for w in l.iter("word"))) for l in page.iter("line")]
        pages.append(merge_visual_lines(sorted(lines, key=lambda l: (round(l.y_min, 1), l.x_min))))
    return pages


def merge_visual_lines(lines: list[Line]) -> list[Line]:
    """pdftotext splits a printed line where a half-width (halt) mark closes a gap; join the pieces
    that share a baseline and touch, so each Line is one line as a reader sees it."""
    merged: list[Line] = []
    for line in lines:
        last = merged[-1] if merged else None
        if last and abs(last.y_min - line.y_min) < 1 and abs(last.y_max - line.y_max) < 1 \
                and -12 < line.x_min - last.x_max < 12:
            merged[-1] = Line(last.page, last.x_min, last.y_min, line.x_max, last.y_max, last.text + line.text)
        else:
            merged.append(line)
    return merged


CLOSING = set("，。、；：？！”’）》〉」』】…—")


def flush_counts(pdf: Path, tolerance: float = 1.5) -> tuple[int, int]:
    """(flush, full) body lines: a full line is followed by an unindented continuation line; it is flush
    when it reaches the text block's right edge (the same measure as shared/tools/flush_ratio.py)."""
    flush = full = 0
    for lines in pdf_lines(pdf):
        if len(lines) < 3:
            continue
        height = statistics.median(l.y_max - l.y_min for l in lines)
        body = [l for l in lines if abs((l.y_max - l.y_min) - height) <= 0.15 * height]
        if len(body) < 3:
            continue
        left = sorted(l.x_min for l in body)[len(body) // 20]
        ends = sorted(l.x_max for l in body if l.text and l.text[-1] not in CLOSING) or sorted(l.x_max for l in body)
        right = ends[min(len(ends) - 1, int(len(ends) * 0.95))]
        for a, b in zip(body, body[1:]):
            gap = b.y_min - a.y_max
            if a.x_min <= left + 2 * height and b.x_min <= left + 0.5 * height and -0.5 * height <= gap <= height \
                    and len(a.text) > 10:
                full += 1
                flush += a.x_max >= right - tolerance
    return flush, full


def pdf_fonts(pdf: Path) -> list[dict[str, str]]:
    output = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in output.splitlines()[2:]:
        parts = line.split()
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def colour_operators(pdf: Path) -> set[str]:
    """The colour-setting operators the pages' content streams use (k/K = DeviceCMYK, rg/RG = DeviceRGB,
    g/G = DeviceGray, cs/scn = a named colour space)."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    used = set()
    for page in reader.pages:
        streams = [page.get_contents()]
        resources = page.get("/Resources") or {}
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                streams.append(ContentStream(xobject, reader))
        for stream in streams:
            if stream is None:
                continue
            for _, operator in ContentStream(stream, reader).operations if not isinstance(stream, ContentStream) \
                    else stream.operations:
                name = operator.decode("latin-1")
                if name in {"k", "K", "rg", "RG", "g", "G", "cs", "CS", "sc", "SC", "scn", "SCN"}:
                    used.add(name)
    return used


def structure_types(pdf: Path) -> list[str]:
    """The tag tree of a tagged PDF, depth first: structure types in document order."""
    from pypdf import PdfReader

    root = PdfReader(pdf).trailer["/Root"]
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "/S" in node:
                found.append(str(node["/S"]).lstrip("/"))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"])
    return found


def structure_elements(pdf: Path) -> list[tuple[str, tuple[int, int] | None]]:
    """Each structure element of a tagged PDF with the (page, marked-content id) where its own content
    starts, in tag-tree order; comparing that order with the page order checks the reading order."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    found: list[tuple[str, tuple[int, int] | None]] = []

    def first_mark(node, page):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, int):
            return (page, node) if page is not None else None
        if isinstance(node, list):
            for child in node:
                mark = first_mark(child, page)
                if mark:
                    return mark
            return None
        if isinstance(node, dict):
            if "/Pg" in node:
                page = pages.get(node.raw_get("/Pg").idnum, page)
            if "/MCID" in node:
                return (page, int(node["/MCID"])) if page is not None else None
            if "/K" in node:
                return first_mark(node["/K"], page)
        return None

    def walk(node, page=None) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child, page)
        elif isinstance(node, dict):
            if "/Pg" in node:
                page = pages.get(node.raw_get("/Pg").idnum, page)
            if "/S" in node:
                found.append((str(node["/S"]).lstrip("/"), first_mark(node.get("/K"), page)))
            if "/K" in node:
                walk(node["/K"], page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


@dataclass(frozen=True)
class Glyph:
    page: int
    char: str
    x0: float
    advance: float
    baseline: float
    size: float


def pdf_glyphs(pdf: Path) -> list[Glyph]:
    """Every character drawn, with its origin and advance as the PDF positions it (pdfminer.six,
    which reads TJ adjustments glyph by glyph where pdftotext only reports words)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar

    glyphs: list[Glyph] = []

    def walk(item, page: int) -> None:
        if isinstance(item, LTChar):
            # x1 - x0: the advance on the page (item.adv leaves out the page's own scale, 0.75 in WeasyPrint)
            # baseline = the origin's y (matrix[5]): the same for every font on a line, where the
            # glyph boxes' bottoms differ from face to face
            glyphs.append(Glyph(page, item.get_text(), item.x0, item.x1 - item.x0, round(item.matrix[5], 1),
                                item.size))
            return
        for child in getattr(item, "__iter__", lambda: iter(()))():
            walk(child, page)

    for number, layout in enumerate(extract_pages(str(pdf), laparams=LAParams(all_texts=False)), start=1):
        walk(layout, number)
    return glyphs


def ideograph(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def line_stretches(pdf: Path, size: float = 16.0) -> list[tuple[float, str]]:
    """(extra space per gap in em, text) for every body line (``size`` pt) of at least 6 ideograph
    pairs: the median space between two adjacent ideographs beyond the glyph's advance, less the
    document's natural spacing (the most common value: that of the unjustified last lines).
    Measures liandong and any other typesetter (Typst) from the PDF alone."""
    lines: dict[tuple[int, float], list[Glyph]] = {}
    for glyph in pdf_glyphs(pdf):
        if abs(glyph.size - size) < 0.5:
            lines.setdefault((glyph.page, glyph.baseline), []).append(glyph)
    measured = []
    for glyphs in lines.values():
        glyphs.sort(key=lambda g: g.x0)
        gaps = [b.x0 - (a.x0 + a.advance) for a, b in zip(glyphs, glyphs[1:])
                if ideograph(a.char) and ideograph(b.char) and b.x0 - a.x0 < 2 * size]
        if len(gaps) >= 6:
            measured.append((statistics.median(gaps), "".join(g.char for g in glyphs)))
    if not measured:
        return []
    natural = statistics.mode(round(gap, 2) for gap, _ in measured)
    return sorted(((max(0.0, gap - natural) / size, text) for gap, text in measured), reverse=True)
