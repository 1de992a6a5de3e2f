"""mammoth's HTML of a Word contribution → the Markdown of one article.

mammoth (``docx_read``) reads the .docx and writes a small, regular HTML: ``p``, ``h1``–``h6``,
``strong``/``em``, ``ul``/``ol``, ``table``, ``img``, ``br``, footnote links and a closing list of
notes. This module walks that HTML (stdlib ``html.parser``; no Word XML is parsed here) and decides
what the bulletin needs that Word does not say outright:

- the **title** is the first paragraph (joined with a following centred line or a “——” subtitle);
- **headings** are Word heading styles, and paragraphs numbered 一、/（一）/1./（1） that are wholly
  bold or short enough to be a heading (no 。); their Markdown level follows the numbering, so
  the page shows 一、 in 黑体 and （一） in 楷体 whatever Word style carried them;
- the **供稿 line** (（××县人大常委会 供稿）, 供稿单位：…, or a centred unit byline under the title)
  is taken out of the body: the bulletin prints it from the front matter;
- Word's manual line breaks join the text (or start a new paragraph when the next line is indented),
  indentation with full-width spaces and empty paragraphs are dropped;
- text is escaped so that nothing a contributor typed becomes Markdown syntax.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from liandong.markdown import heading_kind

CENTERED_CLASS = "liandong-center"  # set on centred paragraphs by docx_read's document transform
TITLE_MAX = 60  # characters; a longer first paragraph is body text, not a title
HEADING_MAX = 40  # a plain numbered paragraph longer than this is body text
BOLD_HEADING_MAX = 60
FOOTNOTE_ID = re.compile(r"^(footnote|endnote)-(-?\d+)$")
INDENT = re.compile(r"^[\s\u3000\u00a0]+")
SPACES = re.compile(r"[\t\u00a0\u2002\u2003\u2009]+")
LATIN = re.compile(r"[A-Za-z0-9]")
EDGE_PUNCT = "\u3000 \t“”‘’《》〈〉（）()【】「」『』，。、；：？！…—·,.;:?!\"'-"
LIST_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
# Line starts that make a block. ``*`` and ``_`` typed by a contributor are escaped everywhere, so an
# unescaped one at the start is emphasis that liandong wrote; ``~~~`` would open a code fence.
BLOCK_START = re.compile(r"^(?:[#>+=|]|-(?:\s|$|-)|~~~)")
SAFE_LINK = re.compile(r"^(?:https?://|mailto:)[^\s<>]+$", re.IGNORECASE)

CONTRIBUTOR_LINES = (
    re.compile(r"^[（(]\s*(?P<unit>[^（）()]{2,40}?)\s*供\s*稿\s*[）)]$"),
    re.compile(r"^[（(]?\s*(?:供稿单位|供稿|来稿单位)\s*[:：]\s*(?P<unit>[^（）()]{2,40}?)\s*[）)]?$"),
    re.compile(r"^(?P<unit>[^，。,.（）()]{2,40}?)\s*供\s*稿$"),
)
BYLINE = re.compile(r"^[（(]?(?P<unit>[^，。,.（）()\s]{2,30}(?:人大常委会|人民代表大会常务委员会|人大常委会办公室|人大办))[）)]?$")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _TreeBuilder(HTMLParser):
    """mammoth writes well-formed HTML; a stack of nodes is all it takes to read it back."""

    VOID = {"br", "img", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Block:
    """One top-level piece of the document, before the title and headings are decided."""

    kind: str  # "p", "list", "table", "image"
    markdown: str  # inline Markdown for "p"; the whole block otherwise
    text: str = ""  # plain text (for recognising titles, headings and the 供稿 line)
    style_level: int = 0  # 1–6 when Word's heading style said so; 7 for the Title style
    bold: bool = False  # the whole paragraph is bold
    centered: bool = False


@dataclass
class ArticleDraft:
    """The article as Markdown (without front matter), and what was learned on the way."""

    title: str
    body: str  # Markdown below the ``# `` title line
    unit: str | None  # the contributing unit named in the document, if any
    title_from_document: bool = True
    warnings: list[str] = field(default_factory=list)


def to_article(html: str) -> ArticleDraft:
    """The article a contribution's mammoth HTML holds."""
    walker = _Walker()
    blocks = walker.blocks(parse_html(html))
    unit, blocks = _take_contributor_line(blocks)
    title, blocks, found = _take_title(blocks)
    if unit is None:
        unit, blocks = _take_byline(blocks)
    body = _arrange(blocks, walker.notes_markdown())
    return ArticleDraft(title, body, unit, found, walker.warnings)


class _Walker:
    """Turns the HTML tree into blocks of escaped Markdown; numbers footnotes in order of use."""

    def __init__(self) -> None:
        self.note_numbers: dict[str, int] = {}
        self.note_texts: dict[str, str] = {}
        self.warnings: list[str] = []

    def blocks(self, root: Node) -> list[Block]:
        out: list[Block] = []
        for node in root.children:
            if isinstance(node, str):
                continue
            if node.tag in ("ol", "ul") and self._is_notes(node):
                self._read_notes(node)
            elif node.tag in ("ol", "ul"):
                out.append(Block("list", self._list(node, 0)))
            elif node.tag == "table":
                out.append(Block("table", self._table(node)))
            elif node.tag == "p" or re.fullmatch(r"h[1-6]", node.tag):
                out += self._paragraph(node)
        return out

    # --- paragraphs ---------------------------------------------------------------------------

    def _paragraph(self, node: Node) -> list[Block]:
        level = int(node.tag[1]) if node.tag.startswith("h") else 0
        if "title" in node.classes:
            level = 7
        centered = CENTERED_CLASS in node.classes
        images: list[str] = []
        pieces = self._split_at_indented_breaks(node)
        blocks = []
        for piece in pieces:
            markdown = _clean_inline(self._inline(piece, images))
            text = _clean_text(_plain(piece))
            if text:
                blocks.append(Block("p", markdown, text, level, _wholly_bold(piece), centered))
        blocks += [Block("image", image) for image in images]
        return blocks

    def _split_at_indented_breaks(self, node: Node) -> list[Node]:
        """A manual line break followed by indentation starts a new paragraph; others join lines."""
        pieces, current = [], Node(node.tag, node.attrs)
        for index, child in enumerate(node.children):
            following = node.children[index + 1] if index + 1 < len(node.children) else None
            if isinstance(child, Node) and child.tag == "br" and _starts_indented(following):
                pieces.append(current)
                current = Node(node.tag, node.attrs)
                continue
            current.children.append(child)
        pieces.append(current)
        return pieces

    def _inline(self, node: Node, images: list[str]) -> str:
        out = []
        for index, child in enumerate(node.children):
            if isinstance(child, str):
                out.append(escape(child))
            elif child.tag == "br":
                out.append(_line_break(node.children, index))
            elif child.tag == "img":
                images.append(f"![{escape(child.attrs.get('alt', ''))}](<{child.attrs.get('src', '')}>)")
            elif child.tag in ("strong", "b", "em", "i"):
                mark = "**" if child.tag in ("strong", "b") else "*"
                following = node.children[index + 1] if index + 1 < len(node.children) else None
                out.append(_emphasis(self._inline(child, images), mark, "".join(out)[-1:], _plain(following)[:1]))
            elif child.tag == "a":
                out.append(self._link(child, images))
            elif child.tag == "sup" and self._note_link(child):
                out.append(self._note_reference(self._note_link(child)))
            else:  # sup, sub, s, u, span…: their text only
                out.append(self._inline(child, images))
        return "".join(out)

    def _link(self, node: Node, images: list[str]) -> str:
        href = node.attrs.get("href", "")
        if FOOTNOTE_ID.match(href.lstrip("#")):
            return self._note_reference(href.lstrip("#"))
        text = self._inline(node, images)
        if SAFE_LINK.match(href) and text.strip():
            return f"[{text}](<{href}>)"
        return text  # bookmarks, internal links and unsafe schemes keep only their text

    def _note_link(self, sup: Node) -> str | None:
        for child in sup.children:
            if isinstance(child, Node) and child.tag == "a":
                target = child.attrs.get("href", "").lstrip("#")
                if FOOTNOTE_ID.match(target):
                    return target
        return None

    def _note_reference(self, note_id: str) -> str:
        number = self.note_numbers.setdefault(note_id, len(self.note_numbers) + 1)
        return f"[^{number}]"

    # --- footnotes ----------------------------------------------------------------------------

    def _is_notes(self, node: Node) -> bool:
        items = [c for c in node.children if isinstance(c, Node) and c.tag == "li"]
        return bool(items) and all(FOOTNOTE_ID.match(c.attrs.get("id", "")) for c in items)

    def _read_notes(self, node: Node) -> None:
        for item in node.children:
            if isinstance(item, Node) and item.tag == "li":
                parts = []
                for child in item.children:
                    if isinstance(child, Node):
                        _drop_back_links(child)
                        parts.append(_clean_inline(self._inline(child, [])) if child.tag == "p"
                                     else _clean_inline(self._inline(Node("p", {}, [child]), [])))
                    elif child.strip():
                        parts.append(escape(child.strip()))
                self.note_texts[item.attrs["id"]] = " ".join(p for p in parts if p)

    def notes_markdown(self) -> list[str]:
        """``[^n]: text`` for every note the text refers to, in order of first reference."""
        return [f"[^{number}]: {self.note_texts.get(note_id, '') or '（注释为空）'}"
                for note_id, number in sorted(self.note_numbers.items(), key=lambda item: item[1])]

    # --- lists and tables ---------------------------------------------------------------------

    def _list(self, node: Node, indent: int) -> str:
        lines, number = [], int(node.attrs.get("start", "1") or 1)
        for item in node.children:
            if not isinstance(item, Node) or item.tag != "li":
                continue
            marker = f"{number}." if node.tag == "ol" else "-"
            number += 1
            inline = Node("li", {}, [c for c in item.children if not (isinstance(c, Node) and c.tag in ("ol", "ul"))])
            images: list[str] = []
            text = _clean_inline(self._inline(_flatten_paragraphs(inline), images))
            lines.append(" " * indent + f"{marker} {text}".rstrip())
            lines += [" " * (indent + len(marker) + 1) + image for image in images]
            for child in item.children:
                if isinstance(child, Node) and child.tag in ("ol", "ul"):
                    lines.append(self._list(child, indent + len(marker) + 1))
        return "\n".join(lines)

    def _table(self, node: Node) -> str:
        grid = _table_grid(node)
        width = max((len(row) for row in grid), default=0)
        if not width:
            return ""
        cells = [[self._cell(cell) for cell in row] + [""] * (width - len(row)) for row in grid]
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)

    def _cell(self, cell: Node | None) -> str:
        if cell is None:
            return ""
        images: list[str] = []
        text = _clean_inline(self._inline(_flatten_paragraphs(cell), images))
        return " ".join([text] + images).strip().replace("|", "\\|")


def _table_grid(table: Node) -> list[list[Node | None]]:
    """Rows of cells with merged cells spread out: a pipe table has no colspan or rowspan."""
    rows = [row for row in _descendants(table, "tr")]
    grid: list[list[Node | None]] = []
    pending: dict[int, int] = {}  # column → rows still covered by a rowspan above
    for row in rows:
        out: list[Node | None] = []
        cells = [c for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]
        for cell in cells:
            while pending.get(len(out), 0) > 0:
                pending[len(out)] -= 1
                out.append(None)
            span = _span(cell, "rowspan")
            for offset in range(_span(cell, "colspan")):
                if span > 1:
                    pending[len(out)] = span - 1
                out.append(cell if offset == 0 else None)
        while pending.get(len(out), 0) > 0:
            pending[len(out)] -= 1
            out.append(None)
        grid.append(out)
    return grid


def _span(cell: Node, name: str) -> int:
    value = cell.attrs.get(name, "1")
    return max(1, min(int(value), 50)) if value.isdigit() else 1


def _descendants(node: Node, tag: str) -> list[Node]:
    found = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                found.append(child)
            elif child.tag != "table":  # rows of a nested table stay with that table
                found += _descendants(child, tag)
    return found


def _flatten_paragraphs(node: Node) -> Node:
    """Paragraphs inside a cell or list item become one line, joined by a space."""
    children: list = []
    for child in node.children:
        if isinstance(child, Node) and child.tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table"):
            if children:
                children.append(" ")
            children += _flatten_paragraphs(child).children if child.tag != "table" else [_plain(child)]
        else:
            children.append(child)
    return Node(node.tag, node.attrs, children)


def _drop_back_links(node: Node) -> None:
    """mammoth ends each note with a ↑ link back to its reference; the bulletin's notes have their own."""
    node.children = [c for c in node.children
                     if not (isinstance(c, Node) and c.tag == "a" and c.attrs.get("href", "").startswith("#")
                             and _plain(c).strip() in ("↑", ""))]
    for child in node.children:
        if isinstance(child, Node):
            _drop_back_links(child)


# --- text helpers -------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Contributor text as Markdown that shows exactly that text."""
    text = SPACES.sub(" ", text.replace("\n", " "))
    return re.sub(r"([\\`*_\[\]<>&])", r"\\\1", text)


def escape_heading(text: str) -> str:
    """Heading text: escaped, and a trailing `` #`` kept (CommonMark would take it as a closing sequence)."""
    return re.sub(r"(\s)(#+)$", r"\1\\\2", escape(text))


def escape_line_start(line: str) -> str:
    """A paragraph must not start like a heading, quote, list, rule or table row."""
    numbered = LIST_START.match(line)
    if numbered:
        return f"{numbered.group(1)}\\{numbered.group(2)}{line[numbered.end():]}"
    return "\\" + line if BLOCK_START.match(line) else line


def _plain(node: Node | str | None) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_plain(child) for child in node.children)


def _clean_text(text: str) -> str:
    return SPACES.sub(" ", text.replace("\n", "")).strip(" \u3000\u00a0")


def _clean_inline(markdown: str) -> str:
    return escape_line_start(INDENT.sub("", markdown).rstrip(" \u3000\u00a0"))


def _starts_indented(node: Node | str | None) -> bool:
    text = _plain(node)
    return bool(re.match(r"^(?:\u3000|[ \u00a0]{2,}|\t)", text))


def _line_break(siblings: list, index: int) -> str:
    """Word's manual line break is no break in the bulletin: Chinese joins, Latin words get a space."""
    before = _plain(siblings[index - 1])[-1:] if index else ""
    after = _plain(siblings[index + 1])[:1] if index + 1 < len(siblings) else ""
    return " " if LATIN.match(before) and LATIN.match(after) else ""


def _emphasis(inner: str, mark: str, before: str, after: str) -> str:
    """``**text**``, with edge punctuation moved outside the markers where CommonMark needs it.

    CommonMark does not open emphasis right before punctuation that follows a letter (精神**“三会”**),
    nor close it after punctuation that precedes one. Only then does the punctuation (or an escape,
    or a space) at that edge go outside, so （一） at the start of a paragraph stays bold.
    """
    units = re.findall(r"\\.|.", inner, re.S)  # an escape and the character it escapes stay together
    start, end = 0, len(units)
    while start < end and units[start].isspace():  # emphasis never opens before a space
        start += 1
    while end > start and units[end - 1].isspace():
        end -= 1
    if start < end and _is_edge(units[start]) and not _is_edge(before or " "):
        while start < end and _is_edge(units[start]):
            start += 1
    if start < end and _is_edge(units[end - 1]) and not _is_edge(after or " "):
        while end > start and _is_edge(units[end - 1]):
            end -= 1
    core = "".join(units[start:end])
    if not core.strip(" \u3000"):
        return inner
    return "".join(units[:start]) + mark + core + mark + "".join(units[end:])


def _is_edge(unit: str) -> bool:
    """Punctuation or space in CommonMark's sense (an escape is ASCII punctuation)."""
    return unit.startswith("\\") or unit in EDGE_PUNCT or unicodedata.category(unit[0])[0] in "PZS"


def _wholly_bold(node: Node) -> bool:
    """Every visible character of the paragraph is inside <strong>."""
    def walk(child, bold: bool) -> bool:
        if isinstance(child, str):
            return bold or not child.strip(" \u3000\u00a0\t\n")
        inner_bold = bold or child.tag in ("strong", "b")
        return all(walk(grandchild, inner_bold) for grandchild in child.children)
    return bool(_plain(node).strip()) and walk(node, False)


# --- deciding title, headings and the 供稿 line -------------------------------------------------

def contributor_unit(text: str) -> str | None:
    for pattern in CONTRIBUTOR_LINES:
        match = pattern.match(text.strip())
        if match:
            return match.group("unit").strip()
    return None


def _take_contributor_line(blocks: list[Block]) -> tuple[str | None, list[Block]]:
    unit, kept = None, []
    for block in blocks:
        found = contributor_unit(block.text) if block.kind == "p" else None
        if found:
            unit = unit or found
        else:
            kept.append(block)
    return unit, kept


def _take_title(blocks: list[Block]) -> tuple[str, list[Block], bool]:
    if not blocks or blocks[0].kind != "p" or not _title_like(blocks[0]):
        return "", blocks, False
    title, rest = blocks[0].text, blocks[1:]
    while rest and rest[0].kind == "p" and _continues_title(blocks[0], rest[0]):
        joiner = "" if rest[0].text.startswith("—") else " "
        title, rest = title + joiner + rest[0].text, rest[1:]
    return title, rest, True


def _title_like(block: Block) -> bool:
    text = block.text
    return len(text) <= TITLE_MAX and not text.endswith(("。", "；", "：", ":")) and heading_kind(text) is None


def _continues_title(first: Block, block: Block) -> bool:
    """A second title line: a ——subtitle, or another centred/Title-styled line that is no byline."""
    if len(block.text) > TITLE_MAX or BYLINE.match(block.text) or heading_kind(block.text):
        return False
    if block.text.startswith("—"):
        return True
    same_look = (first.centered and block.centered) or (first.style_level == 7 and block.style_level == 7)
    return same_look and not re.search(r"\d{4}\s*年|\d+\s*月\s*\d+\s*日", block.text)


def _take_byline(blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """A unit's name on its own line right under the title is its byline."""
    if blocks and blocks[0].kind == "p":
        match = BYLINE.match(blocks[0].text)
        if match:
            return match.group("unit"), blocks[1:]
    return None, blocks


def heading_rank(block: Block) -> int | None:
    """How deep a paragraph heads the text (1 = 一、), or None for body text."""
    if block.kind != "p":
        return None
    kind = heading_kind(block.text)
    if kind:
        numbered = int(kind.rsplit("-", 1)[1])
        if block.style_level or (block.bold and len(block.text) <= BOLD_HEADING_MAX):
            return numbered
        if len(block.text) <= HEADING_MAX and not re.search("[。；]", block.text) and not block.text.endswith("："):
            return numbered
        return None
    if 1 <= block.style_level <= 6:
        return block.style_level
    if block.bold and len(block.text) <= 30 and not re.search("[。！？；：:]$", block.text):
        return 1
    return None


def _arrange(blocks: list[Block], notes: list[str]) -> str:
    """The body: headings at Markdown levels ## and below, in the order their numbering nests."""
    ranks = [heading_rank(block) for block in blocks]
    levels = {rank: index + 2 for index, rank in enumerate(sorted({r for r in ranks if r}))}
    parts = []
    for block, rank in zip(blocks, ranks):
        if rank:
            parts.append("#" * min(6, levels[rank]) + " " + escape_heading(block.text))
        else:
            parts.append(block.markdown)
    return "\n\n".join([part for part in parts if part.strip()] + notes)
