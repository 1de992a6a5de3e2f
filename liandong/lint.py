"""Copy-editing checks editors ask for, on the raw text of an issue file, with safe fixes.

Rules (each a warning with file and line):
- half-width punctuation , : ; ? ! ( ) next to Chinese text, also with spaces around it as in
  "代表 , 群众" (fixable: to ，：；？！（）);
- a half-width full stop . after Chinese text (fixable: to 。; "1." list numbers and decimals are
  left alone, as is anything not preceded by Chinese);
- ellipses written ... or … or 。。。 next to Chinese text (fixable: to ……);
- doubled ，， 。。 、、 ；； ：： (fixable: one is kept);
- straight double quotes " and single quotes ' in Chinese text (fixable: to “” and ‘’ in pairs);
- stray spaces between Chinese characters, and full-width spaces pasted from Word at the start of
  a paragraph (fixable: removed; article titles are left alone, they use a space on purpose);
- unbalanced “” ‘’ 《》 （） within a paragraph;
- placeholder text (待填写) left by ``liandong new``.

markdown syntax, code, URLs and link targets are never touched. A fix is idempotent: running it
twice changes nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from liandong.chinese import CJK
from liandong.errors import Location, Problem
from liandong.reader import FENCE

HAN = f"[{CJK}]"
HAN_OR_PUNCT = f"[{CJK}\u3001-\u3011\uff01-\uff1f“”‘’《》…—]"
# Each bracketed form stops at its own opening character too ([^)\]], [^<>], [^\][]), so a line of
# thousands of "](" or "<" without a closer is scanned once, not once per opener (quadratic).
PROTECTED = re.compile(r"`[^`]*`|https?://\S+|mailto:\S+|\]\([^)\]]*\)|<[^<>]*>|\[\^[^\][]*\]:?")
HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", ".": "。"}
PUNCT_NEAR_HAN = re.compile(f"(?<={HAN_OR_PUNCT})[,:;?!]++|[,:;?!]++(?={HAN})")  # whole runs: ",," in one go
PAREN_PAIR = re.compile(r"\(([^()\n]*)\)")
STRAY_SPACE = re.compile(f"(?<={HAN_OR_PUNCT})[ \u3000\u00a0]+(?={HAN_OR_PUNCT})")
LEADING_WIDE_SPACE = re.compile("^[\u3000]+")
GAP = "[ \t\u3000\u00a0]+"
SPACED_PUNCT = re.compile(f"(?<={HAN_OR_PUNCT}){GAP}([,:;?!.]){GAP}(?={HAN_OR_PUNCT})")
# Whole runs only (possessive), next to Chinese text or punctuation other than the run's own marks:
# otherwise the tail of a correct …… could be taken for a lone … and doubled.
ELLIPSIS_EDGE = f"[{CJK}\u3001\u3003-\u3011\uff01-\uff1f“”‘’《》—]"
ELLIPSIS_RUN = "(?:\\.{2,}+|…++|。{3,}+)"
ELLIPSIS = re.compile(f"(?<={ELLIPSIS_EDGE}){ELLIPSIS_RUN}|(?<![.…。]){ELLIPSIS_RUN}(?={ELLIPSIS_EDGE})")
FULL_STOP = re.compile(f"(?<=[{CJK}”’）》])\\.(?=$|[\\s{CJK}“”‘’（）《》*_])")
DOUBLED = re.compile("([，。、；：])\\1+")
SINGLE_QUOTE = re.compile("'")
PAIRS = (("“", "”"), ("‘", "’"), ("《", "》"), ("（", "）"))
PLACEHOLDER = "待填写"


@dataclass(frozen=True)
class Finding:
    line: int
    message: str
    fixable: bool


def lint_text(text: str) -> list[Finding]:
    return _process(text)[1]


def fix_text(text: str) -> tuple[str, int]:
    """The text with every fixable finding fixed, and how many were fixed.

    Fixing can uncover more (a comma made full width leaves a space between two full-width
    characters), so passes repeat until nothing fixable is left: the report after ``--fix`` then
    lists only what the editor has to do by hand.
    """
    total = 0
    for _ in range(5):
        fixed, findings = _process(text, apply=True)
        count = sum(f.fixable for f in findings)
        if not count or fixed == text:
            break
        text, total = fixed, total + count
    return text, total


def lint_problems(text: str, display: Path) -> list[Problem]:
    findings = lint_text(text) + literal_emphasis_markers(text)
    return [Problem(Location(display, f.line), f.message, is_error=False) for f in findings]


def _process(text: str, apply: bool = False) -> tuple[str, list[Finding]]:
    lines = text.split("\n")
    findings: list[Finding] = []
    first_body_line = body_start(lines)
    in_code = False
    paragraph: list[tuple[int, str]] = []
    placeholders = [index + 1 for index, line in enumerate(lines) if PLACEHOLDER in line]
    if placeholders:
        findings.append(Finding(placeholders[0], f"仍有“{PLACEHOLDER}”占位文字（共 {len(placeholders)} 行，"
                                                 "这是第一处），请补全", False))
    for index, line in enumerate(lines):
        number = index + 1
        if index < first_body_line:
            continue
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        if not line.strip():
            findings += _balance(paragraph)
            paragraph = []
            continue
        new_line, found = _check_line(line, number)
        findings += found
        if apply:
            lines[index] = new_line
        paragraph.append((number, new_line if apply else line))
    findings += _balance(paragraph)
    return "\n".join(lines), findings


def body_start(lines: list[str]) -> int:
    """Index of the first body line: after the front matter, fenced exactly as the reader fences it
    (an indented ``---`` inside a YAML value does not end it)."""
    if lines and FENCE.match(lines[0]):
        for index in range(1, len(lines)):
            if FENCE.match(lines[index]):
                return index + 1
    return 0


def _check_line(line: str, number: int) -> tuple[str, list[Finding]]:
    """Findings of one body line, and the line with the fixable ones fixed."""
    is_title = line.startswith("# ")
    findings: list[Finding] = []
    pieces = []
    position = 0
    for match in PROTECTED.finditer(line):
        pieces.append((line[position:match.start()], True))
        pieces.append((match.group(), False))
        position = match.end()
    pieces.append((line[position:], True))
    out = []
    for text, checkable in pieces:
        if checkable:
            text = _fix_piece(text, number, is_title, findings)
        out.append(text)
    fixed = "".join(out)
    if LEADING_WIDE_SPACE.match(fixed):
        findings.append(Finding(number, "段首有全角空格（多为从 Word 粘贴），首行缩进由版式自动完成", True))
        fixed = LEADING_WIDE_SPACE.sub("", fixed)
    return fixed, findings


def _fix_piece(text: str, number: int, is_title: bool, findings: list[Finding]) -> str:
    def punct(match: re.Match) -> str:
        mark = match.group()
        full = "".join(HALF_TO_FULL[c] for c in mark)
        findings.append(Finding(number, f"中文中使用了半角标点“{mark}”，应为全角“{full}”", True))
        return full

    def parens(match: re.Match) -> str:
        start, end = match.span()
        inner = match.group(1)
        before, after = text[start - 1:start], text[end:end + 1]
        if re.search(HAN, inner + before + after):
            findings.append(Finding(number, f"中文中使用了半角括号“({inner})”，应为全角“（{inner}）”", True))
            return f"（{inner}）"
        return match.group()

    def ellipsis(match: re.Match) -> str:
        if match.group() == "……":
            return "……"
        findings.append(Finding(number, f"省略号“{match.group()}”应为“……”", True))
        return "……"

    def spaced(match: re.Match) -> str:
        mark = match.group(1)
        findings.append(Finding(number, f"中文中使用了半角标点“{match.group()}”，应为全角“{HALF_TO_FULL[mark]}”", True))
        return HALF_TO_FULL[mark]

    def full_stop(match: re.Match) -> str:
        findings.append(Finding(number, f"中文句末使用了半角句点“.”，应为“。”（“{_around(text, match)}”）", True))
        return "。"

    def doubled(match: re.Match) -> str:
        findings.append(Finding(number, f"标点重复“{match.group()}”", True))
        return match.group(1)

    # Each rule runs only if its characters occur: most lines of a finished issue have none of
    # them, and ``check`` lints every line of a thousand-issue archive.
    if "." in text or "…" in text or "。。。" in text:
        text = ELLIPSIS.sub(ellipsis, text)
    if any(mark in text for mark in HALF_TO_FULL):
        text = SPACED_PUNCT.sub(spaced, text)
        text = PUNCT_NEAR_HAN.sub(punct, text)
        if "." in text:
            text = FULL_STOP.sub(full_stop, text)
    if any(mark * 2 in text for mark in "，。、；："):
        text = DOUBLED.sub(doubled, text)
    if "(" in text:
        text = PAREN_PAIR.sub(parens, text)
    if '"' in text and re.search(HAN, text):
        count = text.count('"')
        if count % 2 == 0:
            findings.append(Finding(number, "中文中使用了直引号“\"”，应为中文引号“”", True))
            quotes = iter("“”" * (count // 2))
            text = re.sub('"', lambda m: next(quotes), text)
        else:
            findings.append(Finding(number, "中文中使用了直引号“\"”且个数为单数，请手工改为中文引号“”", False))
    text = _single_quotes(text, number, findings)
    if not is_title:
        def space(match: re.Match) -> str:
            findings.append(Finding(number, f"中文之间有多余的空格（“{_around(text, match)}”）", True))
            return ""
        text = STRAY_SPACE.sub(space, text)
    return text


def _single_quotes(text: str, number: int, findings: list[Finding]) -> str:
    """' quoting Chinese words becomes ‘’; apostrophes inside Latin words (it's) are left alone."""
    if "'" not in text:
        return text
    marks = [m.start() for m in SINGLE_QUOTE.finditer(text)]
    touching = [re.match(HAN_OR_PUNCT, text[i - 1:i] or "x") or re.match(HAN_OR_PUNCT, text[i + 1:i + 2] or "x")
                for i in marks]
    if not marks or not any(touching):
        return text
    if len(marks) % 2 or not all(touching):
        findings.append(Finding(number, "中文中使用了直单引号“'”，请手工改为中文引号‘’", False))
        return text
    findings.append(Finding(number, "中文中使用了直单引号“'”，应为中文引号‘’", True))
    quotes = iter("‘’" * (len(marks) // 2))
    return SINGLE_QUOTE.sub(lambda m: next(quotes), text)


def _around(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - 4):match.end() + 4]


def _balance(paragraph: list[tuple[int, str]]) -> list[Finding]:
    if not paragraph:
        return []
    text = "".join(line for _, line in paragraph)
    problems = []
    for opening, closing in PAIRS:
        if text.count(opening) != text.count(closing):
            problems.append(Finding(paragraph[0][0], f"本段 {opening} 与 {closing} 不成对"
                                    f"（{text.count(opening)} 个 {opening}，{text.count(closing)} 个 {closing}）", False))
    return problems


# --- Emphasis markers that Markdown leaves as literal text ---------------------------------------

ESCAPED_MARKER = re.compile(r"\\[*_]")
LITERAL_MARKER = re.compile(r"\*{1,3}|_{2,3}|(?<=" + HAN + r")_|_(?=" + HAN + r")")


def literal_emphasis_markers(text: str) -> list[Finding]:
    """``*``/``_`` runs that survive rendering (an unclosed ``**`` prints as two asterisks).

    Checked on the rendered tokens, not the source, so only markers the reader would really see
    are reported; code spans, links and escaped ``\\*`` are left alone by construction.
    """
    from liandong.markdown import TooComplex, check_size, make_parser

    lines = text.split("\n")
    start = body_start(lines)
    body = "\n".join(lines[start:])
    try:
        check_size(body)  # past the limits the reader has already refused the file: parsing it could take minutes
    except TooComplex:
        return []
    findings = []
    for token in make_parser().parse(body):
        if token.type != "inline" or not token.map:
            continue
        for child in token.children or []:
            found = LITERAL_MARKER.search(child.content) if child.type == "text" else None
            marker = found.group() if found else ""
            block = lines[start + token.map[0]:start + token.map[1]]
            if marker and marker in PROTECTED.sub("", ESCAPED_MARKER.sub("", "\n".join(block))):  # \\* is deliberate
                line = _line_of(lines, start + token.map[0], start + token.map[1], marker)
                findings.append(Finding(line, f"强调标记“{marker}”没有生效，会原样印出；"
                                              "请检查 ** 或 * 是否成对（要印星号请写 \\*）", False))
                break
    return findings


def _line_of(lines: list[str], first: int, end: int, marker: str) -> int:
    """The 1-based number of the first line of a block that holds ``marker``."""
    return next((n + 1 for n in range(first, end) if marker in lines[n]), first + 1)
