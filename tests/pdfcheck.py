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


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
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
