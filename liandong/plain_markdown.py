"""Articles of plain paragraphs and headings, rendered without markdown-it: the same HTML, sooner.

Most of a bulletin is Chinese prose under 一、 and （一） headings, with no Markdown markup in it at
all. For such an article markdown-it builds and walks some 160 tokens to make what is in effect
``<p>…</p>`` and ``<h3 class="level-1">…</h3>`` lines; on a 1000-issue archive that was over half
the CPU of a cold build. Here an article is rendered directly, line by line, *only* when every line
is of a kind whose meaning CommonMark fixes without context:

- a blank line (spaces and tabs at most);
- an ATX heading ``#`` … ``######``, one space, and plain text (below) not ending in ``#``;
- a paragraph line: plain text starting with a character that opens no block (a non-ASCII one, a
  letter, a digit not followed by ``.``/``)`` as in an ordered list, or a quote or parenthesis).

*Plain text* has no character at which an inline rule could start (``& * _ < [ \\ ` ! ^``), no
control character, and no white space at either end. Such lines make only paragraphs and headings:
no container or code block can start at them, no line of them can continue or interrupt anything
else, and inline each is a single text token. Anything else (a list, a table, a link, emphasis, a
footnote, indentation) and the whole article goes to markdown-it as before. What is made is the
stock pipeline's output to the byte: the liandong rules (Chinese quotes, heading classes, soft
breaks beside Chinese characters, headings one level down) applied in the same order, and
markdown-it's own escaping; tests/test_markdown.py compares the two on many kinds of input.
"""

from __future__ import annotations

import re

from markdown_it.common.utils import escapeHtml

from liandong.chinese import CJK_OR_FULLWIDTH_PUNCT, curly_quotes, heading_kind

# Where an inline rule could start, and control characters: all ASCII, so looked for in the text's
# ASCII characters alone (a few percent of Chinese prose) with the bytes below.
MARKUP_BYTES = bytes([*range(0x00, 0x0a), *range(0x0b, 0x20), 0x7f]) + b"!&*<[\\^_`"
UNPLAIN = re.compile(b"[" + re.escape(MARKUP_BYTES) + b"]")
BLANK_LINE = re.compile(r"[ \t]*")
ATX_HEADING = re.compile(r"(#{1,6}) (?=[^ \t])")
SAFE_ASCII_START = re.compile(r"[A-Za-z0-9\"'(]")
ORDERED_LIST_START = re.compile(r"\d{1,9}[.)]")
CJK_EDGE = re.compile(f"[{CJK_OR_FULLWIDTH_PUNCT}]")


def render_plain_article(source: str) -> tuple[str, str] | None:
    """(html, plain text) of an article body as markdown-it renders it, or None if the body has
    any line that is not blank, a plain heading or a plain paragraph line (see the module)."""
    if has_markup(source):  # one scan of the whole body rules most marked-up articles out
        return None
    html: list[str] = []
    plain: list[str] = []
    paragraph: list[str] = []
    for line in source.split("\n"):
        if not line:
            if paragraph:
                _close_paragraph(paragraph, html, plain)
        elif line[0] >= "\x80" and not line[0].isspace() and not line[-1].isspace():  # Chinese text: the usual line
            paragraph.append(line)
        elif BLANK_LINE.fullmatch(line):
            if paragraph:
                _close_paragraph(paragraph, html, plain)
        elif line[0] == "#":
            heading = _plain_heading(line)
            if heading is None:
                return None
            if paragraph:  # an ATX heading interrupts a paragraph
                _close_paragraph(paragraph, html, plain)
            html.append(heading[0])
            plain.append(heading[1])
        elif is_paragraph_line(line):
            paragraph.append(line)
        else:
            return None
    if paragraph:
        _close_paragraph(paragraph, html, plain)
    return "".join(html), "\n".join(text for text in plain if text)


def plain_heading_text(line: str) -> str | None:
    """The plain text of an article's ``# `` title line, as :func:`liandong.markdown.heading_text`
    gives it, if the line is a plain heading; else None."""
    match = ATX_HEADING.match(line)
    text = line[match.end():] if match else ""
    if not _is_plain_heading_text(text) or has_markup(text):
        return None
    return curly_quotes(text)[0].strip()


def has_markup(text: str) -> bool:
    """Whether ``text`` has a character in MARKUP_BYTES."""
    return UNPLAIN.search(text.encode("ascii", "ignore")) is not None


def has_markup_byte(data: bytes) -> bool:
    """Whether a file's bytes hold one of MARKUP_BYTES (in UTF-8 exactly where its text does)."""
    return len(data.translate(None, MARKUP_BYTES)) != len(data)


def _is_plain_heading_text(text: str) -> bool:
    """Heading text without a closing ``#`` sequence and without white space at either end (the
    heading rule strips both); the caller has checked for inline markup."""
    return bool(text) and not text[0].isspace() and not text[-1].isspace() and text[-1] != "#"


def is_paragraph_line(line: str) -> bool:
    """A line that starts a paragraph or continues one, and nothing else, whatever inline markup
    it has (that is the caller's business)."""
    first = line[0]
    if first.isspace() or line[-1].isspace():  # indentation, a hard break, or stripped Unicode space
        return False
    return first >= "\x80" or (SAFE_ASCII_START.match(first) is not None and ORDERED_LIST_START.match(line) is None)


def _plain_heading(line: str) -> tuple[str, str] | None:
    """(html, plain text) of a heading line, one level down (article titles are <h2>)."""
    match = ATX_HEADING.match(line)
    text = line[match.end():] if match else ""
    if not _is_plain_heading_text(text):
        return None
    text = curly_quotes(text)[0]
    tag = f"h{min(6, len(match.group(1)) + 1)}"
    kind = heading_kind(text)
    attributes = f' class="{escapeHtml(kind)}"' if kind else ""
    return f"<{tag}{attributes}>{escaped_text(text)}</{tag}>\n", text.strip()


def _close_paragraph(lines: list[str], html: list[str], plain: list[str]) -> None:
    """Render the paragraph collected in ``lines`` (then emptied): its lines are text tokens
    separated by soft breaks, quotes alternate across them, and a break beside a Chinese character
    is dropped."""
    if len(lines) == 1:  # the usual paragraph: one line
        text = curly_quotes(lines[0])[0]
        html.append(f"<p>{escaped_text(text)}</p>\n")
        plain.append(text.strip())
        lines.clear()
        return
    texts, open_double, open_single = [], True, True
    for line in lines:
        text, open_double, open_single = curly_quotes(line, open_double, open_single)
        texts.append(text)
    parts = [escaped_text(texts[0])]
    for before, after in zip(texts, texts[1:]):
        if not (CJK_EDGE.match(before[-1]) or CJK_EDGE.match(after[0])):
            parts.append("\n")
        parts.append(escaped_text(after))
    html.append("<p>" + "".join(parts) + "</p>\n")
    plain.append("".join(texts).strip())
    lines.clear()


def escaped_text(text: str) -> str:
    """markdown-it's escaping of a text token, which for plain text after the quotes rule (no
    ``&`` or ``<``; every ``"`` made a Chinese quote) only ever changes ``>``."""
    return escapeHtml(text) if ">" in text or '"' in text else text
