"""Markdown → HTML for article bodies, with the Chinese conventions 简报 need.

CommonMark plus tables and footnotes (markdown-it-py, mdit-py-plugins). Raw HTML is never passed
through: it is shown as text. Links keep only safe schemes. Straight quotes become “” ‘’.
An issue body is split into articles at its top-level ``# `` headings; each article is rendered on
its own so that footnote numbers and anchors stay inside it.
"""

from __future__ import annotations

import html as html_entities
import re
import types
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock, heading
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_cjk_friendly import cjk_friendly

from liandong.chinese import CJK_OR_FULLWIDTH_PUNCT, HEADING_KINDS, curly_quotes, heading_kind  # noqa: F401
from liandong.plain_markdown import plain_heading_text, render_plain_article
from liandong.structured_markdown import Limits, render_structured_article

SAFE_SCHEMES = {"http", "https", "mailto", "tel"}



@dataclass(frozen=True)
class Section:
    """One ``# `` section of an issue body, before rendering."""

    title: str
    line: int  # line of the ``# `` heading, relative to the body
    source: str  # the Markdown under the heading


# Browsers ignore these inside a URL (and percent-decoding or entities may produce them), so
# "java&#x09;script:" must be judged as "javascript:". Zero-width and bidi marks likewise.
INVISIBLE_IN_URL = re.compile("[\x00-\x20\x7f-\xa0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
                              "\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164"
                              "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]")
URL_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def normalised_link(url: str) -> str:
    """What a browser would make of a link's start: entities and %-escapes decoded (repeatedly, as
    layers may be stacked), invisible characters dropped, lower case."""
    previous, current = None, url
    for _ in range(4):
        if current == previous:
            break
        previous, current = current, unquote(html_entities.unescape(current))
    return INVISIBLE_IN_URL.sub("", current).lower()


def is_safe_link(url: str) -> bool:
    """Only web, mail and phone links, or links inside the site, reach a page.

    Used for every link, image and autolink (``<…>``, and linkify if enabled): markdown-it calls
    it on each destination. A link is judged on its normalised form, so no encoding of a scheme
    gets past the allow-list; a relative link must not be protocol-relative (``//host``).
    """
    target = normalised_link(url)
    scheme = URL_SCHEME.match(target)
    if scheme:
        return scheme.group(1) in SAFE_SCHEMES
    if ":" in target.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return False  # something scheme-like a browser might still honour
    return not target.replace("\\", "/").startswith("//")


# Limits that keep every stage (parsing, pages, the PDF) within seconds and a few hundred MB,
# far above what a bulletin needs: an issue is ~20 KB with a few short tables.
MAX_BODY_CHARS = 60_000  # ~100 printed pages: the PDF of an issue stays within ~10 s of CPU
CELL_WEIGHT = 25  # a table cell costs the PDF about as much as 25 characters of text (measured)
MAX_LINE_CHARS = 10_000
MAX_TABLE_ROWS = 200
MAX_TABLE_COLUMNS = 20
MAX_BLOCK_NESTING = 12  # token levels: a list inside a list costs 2; markdown-it stops at 20
MAX_INLINE_NESTING = 16  # emphasis and links inside each other
MAX_IMAGES = 100
STRUCTURE_LIMITS = Limits(MAX_TABLE_ROWS, MAX_TABLE_COLUMNS, CELL_WEIGHT, MAX_BODY_CHARS)


class TooComplex(Exception):
    """Markdown past one of the limits; ``line`` is relative to the text given."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def check_size(body: str) -> None:
    """Refuse, before parsing, a body or a line longer than any bulletin has (pasted data, a
    whole document on one line): they would cost minutes in the PDF, not just in Markdown."""
    if len(body) > MAX_BODY_CHARS:
        raise TooComplex(0, f"正文过长（{len(body)} 个字符），一期不应超过 {MAX_BODY_CHARS} 个字符；"
                            "请拆分成几期，或删去误粘贴的内容")
    lines = body.split("\n")
    if max(map(len, lines)) <= MAX_LINE_CHARS:  # the usual body: measured without a Python loop
        return
    for number, line in enumerate(lines):
        if len(line) > MAX_LINE_CHARS:
            raise TooComplex(number, f"这一行过长（{len(line)} 个字符），一行不应超过 {MAX_LINE_CHARS} 个字符；"
                                     "请分段（段落之间空一行）")


def check_structure(tokens: list[Token], budget: dict[str, int]) -> None:
    """Refuse tables, nesting and images beyond the limits, naming the line where they start.

    ``budget["weight"]`` is shared by the articles of an issue: it starts at the body's length and
    every table cell adds to it, so an issue's tables and text together stay printable in seconds.
    """
    rows = columns = images = table_line = 0
    in_body = False  # header rows do not count
    for token in tokens:
        if token.type in ("tbody_open", "tbody_close"):
            in_body = token.type == "tbody_open"
        line = token.map[0] if token.map else 0
        if token.level >= MAX_BLOCK_NESTING:
            raise TooComplex(line, "引用（>）或列表嵌套层数过多；简报正文请最多嵌套两三层")
        if token.type == "table_open":
            rows, table_line = 0, line
        elif token.type == "tr_open" and in_body:
            rows += 1
            if rows > MAX_TABLE_ROWS:
                raise TooComplex(table_line, f"表格超过 {MAX_TABLE_ROWS} 行；简报中的表格请只列汇总数字，"
                                             "或拆分成几个表格")
        elif token.type == "tr_close":
            columns = 0
        elif token.type in ("th_open", "td_open"):
            columns += 1
            if columns > MAX_TABLE_COLUMNS:
                raise TooComplex(line, f"表格超过 {MAX_TABLE_COLUMNS} 列，印刷版排不下；请减少列数或把表格转置")
            budget["weight"] = budget.get("weight", 0) + CELL_WEIGHT
            if budget["weight"] > MAX_BODY_CHARS:
                raise TooComplex(table_line, "表格过大：本期的表格加上正文，印刷版将超过约 100 页；"
                                             "请精简表格（只列汇总数字），或把内容分到几期")
        elif token.type == "inline":
            depth = 0
            for child in token.children or []:
                if child.nesting == 1:
                    depth += 1
                    if depth > MAX_INLINE_NESTING:
                        raise TooComplex(line, "强调（* 或 _）或链接嵌套层数过多；请检查是否多了星号或方括号")
                elif child.nesting == -1:
                    depth -= 1
                elif child.type == "image":
                    images += 1
                    if images > MAX_IMAGES:
                        raise TooComplex(line, f"一篇文章的图片超过 {MAX_IMAGES} 张；请精简")


def make_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False})
    parser.enable("table")
    # With "html" off these two rules only ever answer "no": skip asking them on every line.
    parser.disable(["html_block", "html_inline"])
    _use_fast_scanners(parser)
    parser.use(footnote_plugin)
    # CommonMark's flanking rules leave **编者按：**代表… unparsed (a full-width colon before a
    # Chinese character); the CJK-friendly draft fixes exactly that without touching other text.
    parser.use(cjk_friendly)
    parser.validateLink = is_safe_link
    parser.core.ruler.push("chinese_quotes", _chinese_quotes_rule)
    parser.core.ruler.push("heading_classes", _heading_classes_rule)
    parser.core.ruler.push("cjk_soft_breaks", _cjk_soft_breaks_rule)
    parser.core.ruler.push("collect_images", _collect_images_rule)
    parser.add_render_rule("table_open", _render_table_open)
    parser.add_render_rule("table_close", _render_table_close)
    return parser


# markdown-it-py's text rule walks the text one character at a time in Python, and the block
# parser's state measures every line the same way; for Chinese prose, where a paragraph is one long
# run of characters none of which is Markdown punctuation, these two loops were half the time of a
# cold build. The replacements below find the same positions with one regular expression per run
# (per line), so the tokens, and the HTML, are exactly those of the stock rules
# (tests/test_markdown.py compares them on many kinds of input).

# The characters at which markdown-it's text rule stops (markdown_it/rules_inline/text.py): a
# run of anything else is plain text.
TEXT_TERMINATORS = "\n!#$%&*+-:<=>@[\\]^_`{}~"
TEXT_RUN = re.compile(f"[^{re.escape(TEXT_TERMINATORS)}]+")
LEADING_SPACE = re.compile(r"[ \t]*")


def _text_rule(state, silent: bool) -> bool:
    """markdown-it's ``text`` rule, scanning the run with a regular expression."""
    run = TEXT_RUN.match(state.src, state.pos, state.posMax)
    if run is None:
        return False
    if not silent:
        state.pending += run.group()
    state.pos = run.end()
    return True


def line_marks(src: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """(line starts, line ends, indent in characters, indent in columns) as StateBlock computes
    them: every line ended by a newline, plus a last line without one unless it is blank (the
    stock loop never closes a last line of spaces and tabs)."""
    starts, ends, shifts, columns = [], [], [], []
    start = 0
    lines = src.split("\n")
    for index, line in enumerate(lines):
        indent = LEADING_SPACE.match(line).end()
        if index == len(lines) - 1 and indent == len(line):
            break
        offset = indent
        if "\t" in line[:indent]:
            offset = 0
            for character in line[:indent]:
                offset += 4 - offset % 4 if character == "\t" else 1
        starts.append(start)
        ends.append(start + len(line))
        shifts.append(indent)
        columns.append(offset)
        start += len(line) + 1
    return starts, ends, shifts, columns


def _block_parse(self, src: str, md: MarkdownIt, env, outTokens: list[Token]):
    """markdown-it's ParserBlock.parse, with the line marks measured by :func:`line_marks`."""
    if not src:
        return None
    state = StateBlock("", md, env, outTokens)  # the stock set-up, on an empty text (cheap)
    starts, ends, shifts, columns = line_marks(src)
    state.src = src
    state.bMarks = starts + [len(src)]  # and the stock fake last line
    state.eMarks = ends + [len(src)]
    state.tShift = shifts + [0]
    state.sCount = columns + [0]
    state.bsCount = [0] * (len(starts) + 1)
    state.lineMax = len(starts)
    self.tokenize(state, state.line, state.lineMax)
    return None


def _line_before_blank_rule(state, startLine: int, endLine: int, silent: bool) -> bool:
    """A line followed by a blank line (or nothing) that starts with a non-ASCII character is a
    paragraph, and one that starts with ``#`` is a heading if anything: no other block rule starts
    with either (their markers are ASCII and not ``#``), and those that look at the next line
    (tables, setext headings, lazy continuations) need it to hold text. Answered here before asking
    all the other rules in turn, with the stock rules' tokens."""
    if silent or state.sCount[startLine] - state.blkIndent >= 4:  # indented code
        return False
    start = state.bMarks[startLine] + state.tShift[startLine]
    if start >= state.eMarks[startLine]:
        return False
    first = state.src[start]
    if first < "\x80" and first != "#":
        return False
    nextLine = startLine + 1
    if nextLine < state.lineMax and not state.isEmpty(nextLine):
        return False
    if first == "#":
        return heading(state, startLine, endLine, False)
    content = state.getLines(startLine, nextLine, state.blkIndent, False).strip()
    state.line = nextLine
    token = state.push("paragraph_open", "p", 1)
    token.map = [startLine, nextLine]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [startLine, nextLine]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


def _inline_parse(self, src: str, md: MarkdownIt, env, tokens: list[Token]) -> list[Token]:
    """ParserInline.parse; a text with no Markdown punctuation at all is one text token, as the
    stock rules would make it, without setting up the inline state."""
    if TEXT_RUN.fullmatch(src):
        token = Token("text", "", 0)
        token.content = src
        tokens.append(token)
        return tokens
    return type(self).parse(self, src, md, env, tokens)


def _use_fast_scanners(parser: MarkdownIt) -> None:
    parser.inline.ruler.at("text", _text_rule)
    parser.block.ruler.before("table", "line_before_blank", _line_before_blank_rule)
    parser.inline.parse = types.MethodType(_inline_parse, parser.inline)
    parser.block.parse = types.MethodType(_block_parse, parser.block)


# "# " starts an article: a # followed by a space, a tab or nothing (CommonMark's ATX rule). Only the
# start is matched: the title is taken by rendering the line, and a pattern for the whole line
# (title, closing #s, trailing spaces) backtracks quadratically on a title of many spaces.
ARTICLE_HEADING = re.compile(r" {0,3}#(?:[ \t]|$)")
ARTICLE_HEADING_LINE = re.compile(r"^ {0,3}#(?:[ \t]|$)", re.MULTILINE)  # ARTICLE_HEADING at any line's start
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split_sections(parser: MarkdownIt, body: str) -> tuple[list[Section], int | None]:
    """Cut the body at top-level ``# `` headings.

    Returns the sections and, if non-blank text stands before the first heading, the line where
    it starts (the caller reports it: a bulletin has nothing outside its articles).

    A line scan instead of a full parse (which every article gets anyway): a ``# `` line starts
    an article unless it is inside a fenced code block; ATX headings cannot be lazy continuation
    lines, so outside fences the scan agrees with CommonMark. Titles get the same inline
    treatment (quotes, escapes) by rendering just the heading line.
    """
    lines = body.split("\n")
    starts = _article_starts(body, lines)
    first_text = next((n for n, line in enumerate(lines) if line.strip()), None)
    stray = first_text if first_text is not None and (not starts or first_text < starts[0]) else None
    sections = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        sections.append(Section(heading_text(parser, lines[start]), start, "\n".join(lines[start + 1:end])))
    return sections, stray


def _article_starts(body: str, lines: list[str]) -> list[int]:
    """Numbers of the lines that start an article: ``# `` lines outside fenced code blocks."""
    if "`" not in body and "~" not in body:  # no fence can open: one scan of the whole body
        return _heading_lines(body)
    return _heading_lines_outside_fences(lines)


def _heading_lines(body: str) -> list[int]:
    """Numbers of the ``# `` lines of a body that has no fenced code block."""
    starts, line, position = [], 0, 0
    for match in ARTICLE_HEADING_LINE.finditer(body):
        line += body.count("\n", position, match.start())
        position = match.start()
        starts.append(line)
    return starts


def _heading_lines_outside_fences(lines: list[str]) -> list[int]:
    starts, fence = [], None
    for number, line in enumerate(lines):
        opener = FENCE_LINE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
        elif ARTICLE_HEADING.match(line):
            starts.append(number)
    return starts


def heading_text(parser: MarkdownIt, line: str) -> str:
    """The plain text of one heading line, with Chinese quotes, as the page and PDF show it."""
    plain = plain_heading_text(line)
    if plain is not None:
        return plain
    tokens = parser.parse(line)
    return _plain_inline(tokens[1]) if len(tokens) > 1 and tokens[1].type == "inline" else ""


MEDIA_SCHEME = "liandong-media:"


@dataclass(frozen=True)
class ImageRef:
    """An image as the editor wrote it, and the line (relative to the article body) it is on."""

    src: str
    line: int


def render_article(parser: MarkdownIt, source: str, anchor: str,
                   budget: dict[str, int] | None = None) -> tuple[str, str, list[ImageRef]]:
    """(html, plain text, images) of one article body; footnote ids are prefixed with the anchor.

    Bare prose (plain_markdown) and articles of the usual structures (structured_markdown) are
    rendered without markdown-it, to the same bytes; anything else goes through markdown-it.
    Image sources come out as ``liandong-media:N`` (N indexes the returned list); the reader
    checks each reference and substitutes the file it resolves to. Raises TooComplex past the
    limits on tables, nesting and images; ``budget`` carries an issue's size across its articles
    (see check_structure).
    """
    plain = render_plain_article(source)  # most articles: no markup, no tokens needed
    if plain is not None:
        return plain[0], plain[1], []
    structured = render_structured_article(source, anchor, STRUCTURE_LIMITS, budget)  # the usual markup
    if structured is not None:
        return structured[0], structured[1], []
    return render_with_markdown_it(parser, source, anchor, budget)


def render_with_markdown_it(parser: MarkdownIt, source: str, anchor: str,
                            budget: dict[str, int] | None = None) -> tuple[str, str, list[ImageRef]]:
    """:func:`render_article` for any Markdown: tokens, limits, HTML."""
    env = {"docId": anchor, "images": []}
    tokens = parser.parse(source, env)
    check_structure(tokens, {"weight": len(source)} if budget is None else budget)
    _shift_heading_levels(tokens)
    html = parser.renderer.render(tokens, parser.options, env)
    return html, _plain_text(tokens), env["images"]


def _collect_images_rule(state) -> None:
    images = state.env.setdefault("images", [])
    for token in state.tokens:
        for child in token.children or []:
            if child.type == "image":
                images.append(ImageRef(child.attrGet("src") or "", token.map[0] if token.map else 0))
                child.attrSet("src", f"{MEDIA_SCHEME}{len(images) - 1}")


def _shift_heading_levels(tokens: list[Token]) -> None:
    """Article titles are <h2> on the page, so an article's ``## `` becomes <h3>, and so on."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 1)}"


def _chinese_quotes_rule(state) -> None:
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        open_double = open_single = True
        for child in token.children:
            if child.type == "text":
                child.content, open_double, open_single = curly_quotes(child.content, open_double, open_single)
        token.content = "".join(c.content for c in token.children if c.type == "text")


CJK_EDGE = re.compile(f"[{CJK_OR_FULLWIDTH_PUNCT}]")


def _cjk_soft_breaks_rule(state) -> None:
    """A line break inside Chinese text is no space: drop soft breaks that touch a Chinese character.

    Editors hard-wrap paragraphs; CommonMark would turn each wrap into a visible space.
    """
    for token in state.tokens:
        children = token.children or []
        for index, child in enumerate(children):
            if child.type != "softbreak":
                continue
            before = children[index - 1].content[-1:] if index else ""
            after = children[index + 1].content[:1] if index + 1 < len(children) else ""
            if CJK_EDGE.match(before) or CJK_EDGE.match(after):
                child.type, child.content = "text", ""


def _heading_classes_rule(state) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            kind = heading_kind(tokens[index + 1].content)
            if kind:
                token.attrSet("class", kind)


def _render_table_open(self, tokens, idx, options, env) -> str:
    return '<div class="table-wrap">' + self.renderToken(tokens, idx, options, env)


def _render_table_close(self, tokens, idx, options, env) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>"


def _plain_inline(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("")
    return "".join(parts).strip()


def _plain_text(tokens: list[Token]) -> str:
    blocks = [_plain_inline(token) for token in tokens if token.type == "inline"]
    return "\n".join(block for block in blocks if block)
