"""Articles built of a bulletin's usual structures, rendered without markdown-it: the same HTML, sooner.

plain_markdown.py covers articles of bare prose. Most other articles add only a few well-worn
structures: ``## `` headings, **bold** run-in leads (``**一是……。**``), lists of one-line items
(tight or loose), possibly with one level of sub-items, pipe tables, one-paragraph ``> `` quotes and
footnotes. For such an article markdown-it-py builds and walks thousands of tokens in Python; on an
archive where nearly every article has one of these (bench/generate_alt.py's) that was three
quarters of a cold build.

Here the article is rendered directly, *only* when every block is of one of these shapes, in a
context where CommonMark gives it one meaning (a list, table, quote or footnote is followed by a
blank line; a paragraph by a blank line, a heading or more paragraph text) and its text uses no
inline syntax but ``**`` pairs and ``[^label]`` references to footnotes that are defined. Anything
else (emphasis that does not pair up, links, code, entities, indentation other than sub-items, an
item of two lines, a footnote referred to twice…) and the whole article goes to markdown-it as
before, so the result is markdown-it's output to the byte: the same flanking rules (with the
CJK-friendly plugin's), the same liandong rules (Chinese quotes, heading classes, soft breaks) in
the same order, the same escaping and the same limits. tests/test_structured_markdown.py compares
the two on generated documents.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from markdown_it.common.utils import escapeHtml, isMdAsciiPunct, isPunctChar, isWhiteSpace
from mdit_py_cjk_friendly import is_cjk

from liandong.chinese import curly_quotes, heading_kind
from liandong.plain_markdown import CJK_EDGE, ORDERED_LIST_START, escaped_text, is_paragraph_line

# Characters that start inline syntax this module does not render (code, escapes, entities, raw
# HTML and autolinks, underscore emphasis, images) or that change how lines are measured.
UNSUPPORTED = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\\`<&_]")  # and "![": a character class alone scans 3 × faster
HEADING = re.compile(r"(#{1,6}) (?=[^ \t])")
LIST_ITEM = re.compile(r"(-|\d{1,9}\.) (?=\S)")
BOLD_START = re.compile(r"\*\*[^\s*]")
FOOTNOTE_DEF = re.compile(r"\[\^([0-9A-Za-z-]+)\]: (?=\S)")
DELIMITER_ROW = re.compile(r"\|(?: *:?-+:? *\|)+")
INLINE_MARK = re.compile(r"\*+|\[\^([0-9A-Za-z-]+)\]|[\[\]^|\n]")
PARAGRAPH_INTERRUPTERS = "#>|-_=~`[:<"  # first characters of blocks that may interrupt a paragraph
INLINE_SYNTAX = re.compile("[*\\[\\]^|\n\"']")  # what makes an inline run more than one plain text token
ALIGNMENT = {(False, False): "", (True, False): ' style="text-align:left"',
             (False, True): ' style="text-align:right"', (True, True): ' style="text-align:center"'}
BACKREF_ARROW = "\u21a9\ufe0e"


class NotStructured(Exception):
    """The article has something this module leaves to markdown-it."""


@dataclass
class Item:
    """A list item: its text and, if any, one level of sub-items."""

    text: str
    sub_marker: str = ""
    sub_start: int = 1
    sub_items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """markdown.py's table limits (passed in: that module imports this one)."""

    max_rows: int
    max_columns: int
    cell_weight: int
    max_weight: int


def render_structured_article(source: str, anchor: str, limits: Limits,
                              budget: dict[str, int] | None) -> tuple[str, str] | None:
    """(html, plain text) as markdown-it renders ``source``, or None when it has anything else
    than the structures of the module docstring. ``budget`` is updated as check_structure would."""
    if UNSUPPORTED.search(source) or "![" in source:
        return None
    try:
        blocks, notes = _blocks(source.split("\n"))
        return _Renderer(anchor, notes, limits).render(blocks, source, budget)
    except NotStructured:
        return None


# Block parsing ---------------------------------------------------------------------------------


def _blocks(lines: list[str]) -> tuple[list[tuple], dict[str, str]]:
    """The article's blocks in order, and its footnote definitions (label → text)."""
    blocks: list[tuple] = []
    notes: dict[str, str] = {}
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        if not line:
            index += 1
            continue
        if line[-1].isspace():  # a hard break, or white space a rule strips
            raise NotStructured
        first = line[0]
        if first == "#":
            blocks.append(("heading", *_heading(line)))
            index += 1
        elif first == "|":
            block, index = _table(lines, index)
            blocks.append(block)
        elif first == ">":
            block, index = _quote(lines, index)
            blocks.append(block)
        elif first == "[":
            match = FOOTNOTE_DEF.match(line)
            if match is None or match.group(1) in notes or not _starts_paragraph(line[match.end():]) \
                    or "[^" in line[match.end():]:  # a reference inside a note counts even if the note is not shown
                raise NotStructured
            notes[match.group(1)] = line[match.end():]
            index = _expect_blank(lines, index + 1)
        elif LIST_ITEM.match(line):
            block, index = _list(lines, index)
            blocks.append(block)
        elif _starts_paragraph(line):
            block, index = _paragraph(lines, index)
            blocks.append(block)
        else:
            raise NotStructured
    return blocks, notes


def _starts_paragraph(text: str) -> bool:
    """Whether a line (or a container's content) with this text can only start or continue a
    paragraph: plain_markdown's paragraph line, or one opening with ``**`` bold."""
    if not text:
        return False
    if text[0] == "*":
        return BOLD_START.match(text) is not None and not text[-1].isspace()
    return is_paragraph_line(text)


def _continues_paragraph(text: str) -> bool:
    """Whether a line under a paragraph line with this text can only continue the paragraph: it
    starts no block that may interrupt one (a heading, quote, fence, rule, setext underline, list,
    table or footnote). Looser than :func:`_starts_paragraph`: an editor's hard-wrapped line may
    start with %, + or any Chinese punctuation."""
    if _starts_paragraph(text):
        return True
    if not text or text[0].isspace() or text[-1].isspace() or text[0] == "*":
        return False
    if text[0] == "+":  # "+ " would start a list
        return len(text) > 1 and not text[1].isspace()
    return text[0] not in PARAGRAPH_INTERRUPTERS and ORDERED_LIST_START.match(text) is None


def _expect_blank(lines: list[str], index: int) -> int:
    """After a list, table, quote or footnote the next line must be blank (or the end): any other
    line could be a lazy continuation or a table row."""
    if index < len(lines) and lines[index]:
        raise NotStructured
    return index


def _heading(line: str) -> tuple[int, str]:
    match = HEADING.match(line)
    if match is None or line.endswith("#") or line[match.end()].isspace():
        raise NotStructured  # no heading, a closing sequence, or white space the rule strips
    return len(match.group(1)), line[match.end():]


def _paragraph(lines: list[str], index: int) -> tuple[tuple, int]:
    start, index = index, index + 1
    while index < len(lines) and _continues_paragraph(lines[index]):
        index += 1
    if index < len(lines) and lines[index] and not lines[index].startswith("#"):
        raise NotStructured  # a list, table, quote or footnote right under a paragraph
    return ("paragraph", "\n".join(lines[start:index])), index


def _quote(lines: list[str], index: int) -> tuple[tuple, int]:
    start = index
    while index < len(lines) and lines[index].startswith("> "):
        if not (_starts_paragraph if index == start else _continues_paragraph)(lines[index][2:]):
            raise NotStructured
        index += 1
    if index == start:
        raise NotStructured
    return ("quote", "\n".join(line[2:] for line in lines[start:index])), _expect_blank(lines, index)


def _list(lines: list[str], index: int) -> tuple[tuple, int]:
    """A list whose items are one line each, with at most one level of sub-items right under
    them. Blank lines between items make it loose (its items' text in <p>)."""
    marker, start = _marker(LIST_ITEM.match(lines[index]).group(1)), _number(lines[index])
    items: list[Item] = []
    loose = False
    while True:
        while index < len(lines) and (match := LIST_ITEM.match(lines[index])) and _marker(match.group(1)) == marker:
            text = lines[index][match.end():]
            if not _starts_paragraph(text):
                raise NotStructured
            item, index = Item(text), index + 1
            _sub_items(lines, index, match.end(), item)
            index += len(item.sub_items)
            items.append(item)
        index = _expect_blank(lines, index)
        following = next((number for number in range(index, len(lines)) if lines[number]), len(lines))
        match = LIST_ITEM.match(lines[following]) if following < len(lines) else None
        if match is None or _marker(match.group(1)) != marker:
            return ("list", marker, start, items, loose), index
        index, loose = following, True  # the list goes on after a blank line


def _sub_items(lines: list[str], index: int, column: int, item: Item) -> None:
    """The sub-items under an item whose text starts at ``column``: lines indented by ``column``
    to ``column + 3`` spaces (the same for all), each a one-line item."""
    indent = None
    while index < len(lines) and lines[index].startswith(" " * column):
        line = lines[index]
        width = len(line) - len(line.lstrip(" "))
        if indent is None:
            indent = width
        match = LIST_ITEM.match(line, width)
        if width != indent or width > column + 3 or match is None \
                or (item.sub_items and _marker(match.group(1)) != item.sub_marker):
            raise NotStructured
        text = line[match.end():]
        if not _starts_paragraph(text):
            raise NotStructured
        if not item.sub_items:
            item.sub_marker, item.sub_start = _marker(match.group(1)), _number(line[width:])
            if item.sub_marker == "." and item.sub_start != 1:
                raise NotStructured  # only 1. may interrupt the item's paragraph
        item.sub_items.append(text)
        index += 1


def _marker(marker: str) -> str:
    return "-" if marker == "-" else "."


def _number(line: str) -> int:
    digits = re.match(r"\d+", line)
    return int(digits.group()) if digits else 1


def _table(lines: list[str], index: int) -> tuple[tuple, int]:
    if index + 1 >= len(lines) or not lines[index].endswith("|") or not DELIMITER_ROW.fullmatch(lines[index + 1]):
        raise NotStructured
    header = _cells(lines[index])
    aligns = [ALIGNMENT[cell.startswith(":"), cell.endswith(":")] for cell in _cells(lines[index + 1])]
    if len(header) != len(aligns):
        raise NotStructured
    rows, index = [], index + 2
    while index < len(lines) and lines[index].startswith("|"):
        row = _cells(lines[index])
        if not lines[index].endswith("|") or len(row) != len(header):
            raise NotStructured
        rows.append(row)
        index += 1
    return ("table", aligns, header, rows), _expect_blank(lines, index)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line[1:-1].split("|")]


# Rendering -------------------------------------------------------------------------------------


class _Renderer:
    """Blocks to HTML the way markdown-it's renderer and liandong's core rules make it."""

    def __init__(self, anchor: str, notes: dict[str, str], limits: Limits):
        self.anchor, self.notes, self.limits = anchor, notes, limits
        self.referenced: dict[str, int] = {}  # footnote label → its number, in the order of first reference
        self.plain: list[str] = []

    def render(self, blocks: list[tuple], source: str, budget: dict[str, int] | None) -> tuple[str, str]:
        cells = sum(len(block[2]) * (1 + len(block[3])) for block in blocks if block[0] == "table")
        weight = (len(source) if budget is None else budget.get("weight", 0)) + cells * self.limits.cell_weight
        if weight > self.limits.max_weight:
            raise NotStructured  # markdown-it's pass gives the error, naming the table
        html = [getattr(self, "_" + block[0])(*block[1:]) for block in blocks]
        html.append(self._footnotes())
        if budget is not None:
            budget["weight"] = weight
        return "".join(html), "\n".join(text for text in self.plain if text)

    def _heading(self, level: int, text: str) -> str:
        html, content = self._inline(text)
        tag = f"h{min(6, level + 1)}"
        kind = heading_kind(content)
        attributes = f' class="{escapeHtml(kind)}"' if kind else ""
        return f"<{tag}{attributes}>{html}</{tag}>\n"

    def _paragraph(self, text: str) -> str:
        return f"<p>{self._inline(text)[0]}</p>\n"

    def _quote(self, text: str) -> str:
        return f"<blockquote>\n<p>{self._inline(text)[0]}</p>\n</blockquote>\n"

    def _list(self, marker: str, start: int, items: list[Item], loose: bool) -> str:
        parts = [_list_open(marker, start)]
        for item in items:
            text = self._inline(item.text)[0]
            parts.append(f"<li>\n<p>{text}</p>\n" if loose else f"<li>{text}")
            if item.sub_items:
                parts.append(("" if loose else "\n") + _list_open(item.sub_marker, item.sub_start))
                parts += [f"<li>{self._inline(text)[0]}</li>\n" for text in item.sub_items]
                parts.append(f"</{_list_tag(item.sub_marker)}>\n")
            elif not loose:
                parts.append("</li>\n")
                continue
            parts.append("</li>\n")
        parts.append(f"</{_list_tag(marker)}>\n")
        return "".join(parts)

    def _table(self, aligns: list[str], header: list[str], rows: list[list[str]]) -> str:
        if len(rows) > self.limits.max_rows or len(header) > self.limits.max_columns:
            raise NotStructured
        cell = self._inline
        if not any(INLINE_SYNTAX.search("".join(row)) for row in (header, *rows)):  # the usual table: figures
            cell = self._plain_cell
        parts = ['<div class="table-wrap"><table>\n<thead>\n<tr>\n']
        parts += [f"<th{align}>{cell(text)[0]}</th>\n" for align, text in zip(aligns, header)]
        parts.append("</tr>\n</thead>\n")
        if rows:
            parts.append("<tbody>\n")
            for row in rows:
                parts.append("<tr>\n")
                parts += [f"<td{align}>{cell(text)[0]}</td>\n" for align, text in zip(aligns, row)]
                parts.append("</tr>\n")
            parts.append("</tbody>\n")
        parts.append("</table>\n</div>")
        return "".join(parts)

    def _plain_cell(self, text: str) -> tuple[str, str]:
        """:meth:`_inline` of a run without inline syntax: one text token, no quotes to curl. Its
        ends have no white space (the callers strip it or refuse it); & and < are refused."""
        self.plain.append(text)
        return escaped_text(text), text

    def _footnotes(self) -> str:
        if not self.referenced:
            return ""
        parts = ['<hr class="footnotes-sep" />\n<section class="footnotes">\n<ol class="footnotes-list">\n']
        for label, number in self.referenced.items():
            html, _ = self._inline(self.notes[label], in_note=True)
            name = f"-{self.anchor}-{number}"
            parts.append(f'<li id="fn{name}" class="footnote-item"><p>{html} '
                         f'<a href="#fnref{name}" class="footnote-backref">{BACKREF_ARROW}</a></p>\n</li>\n')
        parts.append("</ol>\n</section>\n")
        return "".join(parts)

    def _inline(self, src: str, in_note: bool = False) -> tuple[str, str]:
        """(html, the text tokens' content joined) of one inline run; records its plain text."""
        if not INLINE_SYNTAX.search(src):  # one text token, no quotes to curl: most items and cells
            return self._plain_cell(src)
        children = self._children(src, in_note)
        _curl_quotes(children)
        content = "".join(text for kind, text in children if kind == "text")
        html = []
        for index, (kind, text) in enumerate(children):
            if kind == "text":
                html.append(escapeHtml(text))
            elif kind == "break":
                html.append(_soft_break(children, index))
            elif kind == "ref":
                html.append(text)
            else:
                html.append("<strong>" if kind == "open" else "</strong>")
        self.plain.append(content.strip())
        return "".join(html), content

    def _children(self, src: str, in_note: bool) -> list[list[str]]:
        """The inline tokens: [kind, text] with kind text, open, close, ref (text: its html) or break."""
        children: list[list[str]] = []
        position, open_bold = 0, False
        for match in INLINE_MARK.finditer(src):
            if match.start() > position:
                children.append(["text", src[position:match.start()]])
            mark = match.group()
            if mark == "**":
                start, end = match.start(), match.end()
                can_open, can_close = _flanking(src[start - 1] if start else " ", src[end] if end < len(src) else " ")
                if open_bold and can_close:
                    children.append(["close", ""])
                    open_bold = False
                elif not open_bold and can_open:
                    children.append(["open", ""])
                    open_bold = True
                else:
                    raise NotStructured
            elif mark == "\n":
                children.append(["break", ""])
            elif match.group(1) is not None and not in_note and match.group(1) in self.notes \
                    and src[match.end():match.end() + 1] != "(":
                children.append(["ref", self._reference(match.group(1))])
            else:
                raise NotStructured
            position = match.end()
        if open_bold:
            raise NotStructured
        if position < len(src):
            children.append(["text", src[position:]])
        return children

    def _reference(self, label: str) -> str:
        if label in self.referenced:
            raise NotStructured  # a second reference gets a numbered back link: left to markdown-it
        number = self.referenced[label] = len(self.referenced) + 1
        name = f"-{self.anchor}-{number}"
        return f'<sup class="footnote-ref"><a href="#fn{name}" id="fnref{name}">[{number}]</a></sup>'


def _list_tag(marker: str) -> str:
    return "ul" if marker == "-" else "ol"


def _list_open(marker: str, start: int) -> str:
    return f'<ol start="{start}">\n' if marker == "." and start != 1 else f"<{_list_tag(marker)}>\n"


@functools.lru_cache(maxsize=4096)
def _flanking(last: str, after: str) -> tuple[bool, bool]:
    """(can open, can close) of a ``*`` run between the characters ``last`` and ``after`` (a space
    at either end of the text): markdown-it's scanDelims with the CJK-friendly plugin's change
    (mdit_py_cjk_friendly._scan_delims_cjk)."""
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    after_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
    last_space, after_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
    left = not (after_space or (after_punct and not (last_space or last_punct)))
    right = not (last_space or (last_punct and not (after_space or after_punct)))
    if (left and right) or not (is_cjk(last) or is_cjk(after)):
        return left, right
    last_block = not is_cjk(last) and last_punct
    after_block = not is_cjk(after) and after_punct
    last_allow = is_cjk(last) or last_punct
    after_allow = is_cjk(after) or after_punct
    left = not after_space and (not after_block or last_space or last_allow)
    right = not last_space and (not last_block or after_space or after_allow)
    return left, right


def _curl_quotes(children: list[list[str]]) -> None:
    """liandong's Chinese quotes rule: straight quotes alternate across the text tokens."""
    open_double = open_single = True
    for child in children:
        if child[0] == "text":
            child[1], open_double, open_single = curly_quotes(child[1], open_double, open_single)


def _soft_break(children: list[list[str]], index: int) -> str:
    """A line break: nothing beside a Chinese character (liandong's rule), or between two CJK
    characters (the plugin's renderer); else a newline."""
    before = _content(children[index - 1])[-1:] if index else ""
    after = _content(children[index + 1])[:1] if index + 1 < len(children) else ""
    if CJK_EDGE.match(before) or CJK_EDGE.match(after) or (is_cjk(before) and is_cjk(after)):
        return ""
    return "\n"


def _content(child: list[str]) -> str:
    """A token's content as the rules see it: a reference's or a ``**``'s is empty."""
    return child[1] if child[0] == "text" else ""
