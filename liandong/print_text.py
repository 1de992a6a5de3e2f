"""Text shaping for the printed page that WeasyPrint cannot do by itself, as Jinja filters.

- ``print_title``: article titles broken between words into balanced lines (a title that needs two
  lines never splits 人大 across them), each line a ``<span class="title-line">``.
- ``print_item``: a 要目 entry whose last characters are glued so no line holds one or two alone.
- ``print_approval``: 批准文号 with 〔〕 around the year, as GB/T 9704 writes 发文字号.
- ``break_quotes``: the break opportunities CLREQ allows around “ ” that Pango's UAX #14 data
  forbids (it classes them as QU, glued on both sides).
- ``print_tables``: table cells that break only between words, so columns hold their words.

The functions work on HTML-escaped text and return markup.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html as html_module
import json
import re
from pathlib import Path
from typing import Iterator

from markupsafe import Markup, escape

from liandong.chinese import CJK

# One line pitch of the body grid (GB/T 9704: 22 lines in 225 mm); templates/print/print.css uses it.
TITLE_MEASURE_EM = 18.0  # 156 mm minus 1 em each side, in 22 pt ems (398 pt / 22 pt)
BREAK_AFTER = set("：:，,；;、 　）》")
BREAK_BEFORE = set("“‘（《")
NO_LINE_START = set("，。、；：？！”’）》〉」』】〕〗…—%％")
NO_LINE_END = set("“‘（《〈「『【〔〖")


def char_width(char: str) -> float:
    """Advance in ems at the title size: ideographs and full-width marks 1, the rest about half."""
    if char in " \u00a0":
        return 0.3
    if char.isascii():
        return 0.6  # generous for Liberation Serif digits/letters, so a computed line never overflows
    return 1.0


def text_width(text: str) -> float:
    return sum(map(char_width, text))


@functools.lru_cache(maxsize=1)
def _segmenter():
    """jieba's word segmentation (a maintained dictionary of 350k words) decides where a title may
    break when no punctuation or space offers a balanced break; a hand-made word list would miss
    most county and programme names."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str, hmm: bool) -> list[str]:
    """jieba's words of ``text`` (``hmm``: guessing unknown words too), from the segmentation
    memory of the issue being printed when it has them (see :func:`segmentation_memory`)."""
    key = f"{int(hmm)}:{text}"
    if _memory is not None and key in _memory.known:
        lengths = _memory.known[key]
    else:
        lengths = [len(word) for word in _segmenter().cut(text, HMM=hmm)]
    if _memory is not None:
        _memory.used[key] = lengths
    found, position = [], 0
    for length in lengths:
        found.append(text[position:position + length])
        position += length
    return found


def word_boundaries(text: str) -> set[int]:
    """Offsets between two words of ``text`` (jieba's default mode, no HMM guessing)."""
    offsets, position = set(), 0
    for word in words(text, hmm=False):
        position += len(word)
        offsets.add(position)
    return offsets


class _Memory:
    def __init__(self, known: dict[str, list[int]]) -> None:
        self.known, self.used = known, {}


_memory: _Memory | None = None
MEMORY_FORMAT = 1


@contextlib.contextmanager
def segmentation_memory(folder: Path, source: Path) -> Iterator[None]:
    """Remember, per issue file, how jieba cut the titles and table cells printed from it.

    Why: jieba's dictionary takes a second of CPU to load, and a PDF worker that renders only the
    issue an editor just changed (liandong.early_print) would spend it before its first line. An
    edit seldom changes the titles, so the worker reads their cuts back from ``folder`` and never
    loads jieba. Each entry holds the text it was made for and is checked against it, so a cut is
    never applied to another text; the folder is named after jieba's version (its dictionary), and
    a file that is not signed by this machine (liandong.cache), unreadable or malformed is
    ignored, so the cuts are always jieba's own."""
    global _memory
    file = folder / f"{hashlib.sha256(str(source).encode()).hexdigest()[:32]}.json"
    _memory = _Memory(_read_memory(file))
    try:
        yield
        if _memory.used != _memory.known:
            _write_memory(file, _memory.used)
    finally:
        _memory = None


def memory_folder(cache_dir: Path) -> Path:
    return cache_dir / f"segmentation-{MEMORY_FORMAT}-jieba-{_jieba_version()}"


@functools.lru_cache(maxsize=1)
def _jieba_version() -> str:
    """Asked once per worker (the package metadata is read from disk), not once per PDF."""
    try:
        from importlib.metadata import version

        return version("jieba")
    except Exception:  # noqa: BLE001 - no version, no memory worth trusting across versions
        return "unknown"


MEMORY_LIMIT = 4 * 1024 * 1024  # an issue's titles and cells are a few KB


def _read_memory(file: Path) -> dict[str, list[int]]:
    from liandong.cache import Damaged, read_signed_json

    try:
        if file.stat().st_size > MEMORY_LIMIT:
            return {}
        record = read_signed_json(file)  # signed like every file liandong trusts from its cache
    except (OSError, Damaged):
        return {}
    if not isinstance(record, dict):
        return {}
    known = {}
    for key, lengths in record.items():
        if not (isinstance(key, str) and key[:2] in ("0:", "1:") and isinstance(lengths, list)
                and all(type(n) is int and n > 0 for n in lengths) and sum(lengths) == len(key) - 2):
            return {}
        known[key] = lengths
    return known


def _write_memory(file: Path, used: dict[str, list[int]]) -> None:
    from liandong.cache import write_signed

    try:
        write_signed(file, json.dumps(used, ensure_ascii=False, sort_keys=True).encode())
    except OSError:
        pass  # a memory is a convenience: the next render cuts again


def break_candidates(text: str, words: bool) -> dict[int, float]:
    """Offsets where a title may break, with a penalty: 0 after ：，、 and spaces, 5 at quotes, 1 between
    two words (only when ``words``), never inside a word or against CLREQ's line-start/-end rules."""
    candidates: dict[int, float] = {}
    boundaries = word_boundaries(text) if words else set()
    depth = 0  # inside “…”: a quoted phrase is one unit, never broken between its words
    for offset in range(1, len(text)):
        depth += {"“": 1, "”": -1}.get(text[offset - 1], 0)
        before, after = text[offset - 1], text[offset]
        if after in NO_LINE_START or before in NO_LINE_END:
            continue
        if before in BREAK_AFTER or after == " ":
            candidates[offset] = 0.0
        elif after in BREAK_BEFORE or before in "”’":
            candidates[offset] = 5.0  # before “ / after ”: fine, but a break after ：reads better
        elif offset in boundaries and depth <= 0 and not (before.isascii() and after.isascii()):
            candidates[offset] = 1.0
    return candidates


def balanced_lines(text: str, measure: float = TITLE_MEASURE_EM) -> list[str]:
    """Break ``text`` into the fewest lines that fit ``measure``, as even as possible.

    Punctuation and spaces are tried first (the seed breaks its titles after ： and ”); word
    boundaries only when those give no split or a lopsided one (longest line more than 1.3 times
    the shortest), so the segmenter's dictionary is loaded only for such titles.
    """
    text = text.strip()
    if text_width(text) <= measure:
        return [text]
    for words in (False, True):
        candidates = break_candidates(text, words)
        points = [0, *sorted(candidates), len(text)]
        for count in range(2, 8):
            best = _best_split(text, points, candidates, count, measure)
            if best:
                widths = [text_width(line) for line in best]
                if words or max(widths) <= (1.3 if count == 2 else 1.5) * min(widths):
                    return best
                break
    return [text]  # no word boundary anywhere (a very long Latin word): let the engine break it


def _best_split(text, points, candidates, count, measure):
    """The split of ``text`` into ``count`` lines at ``points`` with the least cost, or None."""
    target = text_width(text) / count
    # best[(i, k)] = (cost, breaks) for text[:points[i]] in k lines
    best = {(0, 0): (0.0, [])}
    for k in range(1, count + 1):
        for j in range(1, len(points)):
            if k == count and j != len(points) - 1:
                continue
            options = []
            for i in range(j):
                previous = best.get((i, k - 1))
                if previous is None:
                    continue
                line = text[points[i]:points[j]].strip()
                width = text_width(line)
                if not line or width > measure:
                    continue
                penalty = candidates.get(points[j], 0.0) * 2.0 if j != len(points) - 1 else 0.0
                options.append((previous[0] + (width - target) ** 2 + penalty, previous[1] + [points[j]]))
            if options:
                best[(j, k)] = min(options, key=lambda option: option[0])
    result = best.get((len(points) - 1, count))
    if result is None:
        return None
    starts = [0, *result[1]]
    return [text[a:b].strip() for a, b in zip(starts, starts[1:])]


def print_title(title: str) -> Markup:
    """A title as balanced lines, each kept whole (the lines were measured to fit)."""
    lines = balanced_lines(str(title))
    spans = [f'<span class="title-line">{escape(line)}</span>' for line in lines]
    return Markup("".join(spans))


def title_line_count(title: str) -> int:
    return len(balanced_lines(str(title)))


def print_item(text: str, glue: int = 3) -> Markup:
    """A 要目 entry: its last ``glue`` characters cannot be split, so a wrapped entry never leaves
    one or two characters alone on its last line."""
    text = str(text)
    head, tail = text[:-glue], text[-glue:]
    return Markup(str(escape(head)) + '<span class="nowrap">' + str(escape(tail)) + "</span>")


YEAR_IN_BRACKETS = re.compile(r"[\[［【(（]\s*(\d{4})\s*[\]］】)）]")


def print_approval(text: str) -> str:
    """湘党简准字[2000]第28号 → 湘党简准字〔2000〕第28号 (GB/T 9704 §7.2.3: 六角括号 around the year)."""
    return YEAR_IN_BRACKETS.sub(r"〔\1〕", str(text))


ZWSP = "\u200b"

# Tables (templates/print/print.css): 14 pt text, 4 pt padding each side, the 156 mm measure.
TABLE_MEASURE_PT = 156 * 72 / 25.4
TABLE_FONT_PT = 14.0
CELL_PADDING_PT = 8.0
SHORT_CELL = 6  # a cell of at most this many characters (a name, a town) is never broken
TABLE = re.compile(r"<table>.*?</table>", re.S)
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"(<t[hd](?:\s[^>]*)?>)(.*?)(</t[hd]>)", re.S)
TAG = re.compile(r"(<[^>]*>)")
OPEN_BRACKET = "（(《〈“‘【〔"
CLOSE_BRACKET = "）)》〉”’】〕"


def cell_units(text: str) -> list[str]:
    """``text`` cut where a table cell may break: between jieba's words, with a bracketed group
    such as （人次） kept as one unit and punctuation kept with the word before it."""
    units: list[str] = []
    depth = 0
    for word in words(text, hmm=True):
        last = units[-1][-1:] if units else ""
        glued = bool(last) and not word.isspace() and not last.isspace() and (
            depth > 0 or word[0] in NO_LINE_START or last in NO_LINE_END
            or (word.isascii() and last.isascii())  # 96.7%, a Latin word
            or (len(word) == 1 and last.isdigit()))  # 2025年, 7月
        if glued:
            units[-1] += word
        else:
            units.append(word)
        depth += sum(word.count(c) for c in OPEN_BRACKET) - sum(word.count(c) for c in CLOSE_BRACKET)
        depth = max(depth, 0)
    return units


def _glued_cell(inner: str, whole: bool) -> tuple[str, float]:
    """A cell's HTML with its unbreakable units in ``<span class="nowrap">``, and the width in
    points of its widest unit. ``whole``: a short cell is one unit."""
    text = TAG.sub("", inner)
    if not text.strip():
        return inner, 0.0
    if whole and len(text.strip()) <= SHORT_CELL and not any(c.isspace() for c in text.strip()):
        return f'<span class="nowrap">{inner}</span>', text_width(text.strip()) * TABLE_FONT_PT
    parts, widest = [], 0.0
    for part in TAG.split(inner):
        if not part or part.startswith("<"):
            parts.append(part)
            continue
        plain = html_module.unescape(part)
        units = []
        for unit in cell_units(plain):
            widest = max(widest, text_width(unit.strip()) * TABLE_FONT_PT)
            units.append(f'<span class="nowrap">{escape(unit)}</span>' if len(unit) > 1 else str(escape(unit)))
        # WeasyPrint sees no break opportunity between two inline boxes: U+200B offers one (it
        # prints nothing and is not in the copied text)
        parts.append(ZWSP.join(units))
    return "".join(parts), widest


def _glued_table(table: str) -> str:
    """The table with breaks only between words (short cells whole), when the columns' widest
    units still fit the measure side by side; else words only; else as it was."""
    for whole in (True, False):
        columns: dict[int, float] = {}
        rows = []
        for row in ROW.findall(table):
            cells = []
            for index, (open_tag, inner, close_tag) in enumerate(CELL.findall(row)):
                glued, widest = _glued_cell(inner, whole)
                columns[index] = max(columns.get(index, 0.0), widest)
                cells.append(open_tag + glued + close_tag)
            rows.append(cells)
        if sum(width + CELL_PADDING_PT for width in columns.values()) <= TABLE_MEASURE_PT:
            cells = iter(cell for row in rows for cell in row)
            return CELL.sub(lambda match: next(cells), table)
    return table


def print_tables(html: str) -> str:
    """Table cells that break only between words: WeasyPrint sizes columns from their cells'
    narrowest width, which for Chinese is one character, so a 4-character name was cut 2/2 and a
    town name left 道 on a line of its own. With each word unbreakable (jieba's dictionary, as for
    titles) a column is at least as wide as its longest word, and a cell of up to six characters
    stays whole."""
    if "<table>" not in html:
        return html
    return TABLE.sub(lambda match: _glued_table(match.group()), html)


CLOSING_MARKS = "，。、；：？！）》〉」』】〕”’"
# before “‘ after an ideograph or a closing mark; after ”’ before an ideograph or an opening quote.
# The optional </span> closes an inline element (<strong>) around the mark before.
QUOTE_BREAK = re.compile(f"([{CJK}{CLOSING_MARKS}])(</[a-z]+>)?(?=[“‘])|([”’])(</[a-z]+>)?(?=[{CJK}“‘])")


def break_quotes(html: str) -> str:
    """Add a zero-width break opportunity before “ and after ” where CLREQ allows a line break.

    Unicode 14 line breaking (Pango 1.50) classes curly quotes as QU: no break on either side, so
    “全链条” drags its neighbours along and the line before it is stretched. CLREQ breaks there like
    between any two ideographs (never after “ or before ”, which stay forbidden). The marker is
    U+200B, which WeasyPrint draws as no glyph, so copied text is unchanged.
    """
    def mark(match: re.Match) -> str:
        return "".join(part or "" for part in match.groups()) + ZWSP

    return QUOTE_BREAK.sub(mark, html)


def print_filters() -> dict:
    return {
        "print_title": print_title,
        "title_lines": title_line_count,
        "print_item": print_item,
        "print_approval": print_approval,
        "break_quotes": lambda html: Markup(break_quotes(str(html))),
        "print_tables": lambda html: Markup(print_tables(str(html))),
    }
