"""Chinese number, date, name and quotation formatting as printed in 简报.

Kept free of any I/O so that each rule can be unit-tested on its edge cases.
"""

from __future__ import annotations

import datetime as dt
import re

DIGITS = "零一二三四五六七八九"
SMALL_UNITS = ["", "十", "百", "千"]
BIG_UNITS = ["", "万", "亿", "万亿"]

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_OR_FULLWIDTH_PUNCT = CJK + r"\u3000-\u303f\uff00-\uffef"

# Heading styles follow the editor's own numbering, not the Markdown level (GB/T 9704 §7.3.3):
# 一、 in 黑体, （一） in 楷体, 1. and （1） in the body face.
HEADING_KINDS = (
    (re.compile(r"^[一二三四五六七八九十百]+、"), "level-1"),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[）)]"), "level-2"),
    (re.compile(r"^\d+[.．、]"), "level-3"),
    (re.compile(r"^[（(]\d+[）)]"), "level-4"),
)


# The patterns above as one, tried in the same order (no pattern has a group of its own).
_ANY_HEADING_KIND = re.compile("|".join(f"({pattern.pattern})" for pattern, _ in HEADING_KINDS))


def heading_kind(title: str) -> str | None:
    """The style of a heading by its numbering: the first of HEADING_KINDS that matches."""
    match = _ANY_HEADING_KIND.match(title.strip())
    return HEADING_KINDS[match.lastindex - 1][1] if match else None


def _four_digit_group(n: int) -> str:
    """0 < n < 10000 in Chinese, with 零 for every run of inner zeros (1005 → 一千零五)."""
    text, pending_zero = "", False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            pending_zero = bool(text)
            continue
        if pending_zero:
            text += "零"
            pending_zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def chinese_numeral(n: int) -> str:
    """An integer as printed in a masthead: 10 → 十, 110 → 一百一十, 10000 → 一万.

    A leading 一十 is shortened to 十 only when the number starts with it (10–19), as in
    ordinary usage; elsewhere the 一 stays (一百一十).
    """
    if n < 0:
        raise ValueError("negative numbers have no masthead form")
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    text, need_zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += "零"
        text += _four_digit_group(group) + BIG_UNITS[index]
        need_zero = False
    if text.startswith("一十"):
        text = text[1:]
    return text


def chinese_date(day: dt.date) -> str:
    """2025-07-28 → 2025年7月28日 (GB/T 9704: Arabic numerals, no zero padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


def spaced_name(name: str) -> str:
    """Two-character personal names are printed with a full-width space between them (汤 建)."""
    name = name.strip()
    if len(name) == 2 and re.fullmatch(f"[{CJK}]{{2}}", name):
        return name[0] + "\u3000" + name[1]
    return name


def curly_quotes(text: str, open_double: bool = True, open_single: bool = True) -> tuple[str, bool, bool]:
    """Replace straight quotes by Chinese ones, alternating open/close.

    markdown-it's smartquotes leaves quotes between two letters alone (it guards English
    apostrophes), which is exactly where Chinese quotes sit (畅通"全链条"履职). Double quotes
    always alternate; a single quote only when it touches a Chinese character, so don't/it's
    keep their apostrophes. The open/close state is returned so that it carries across the
    inline tokens of one paragraph.
    """
    if '"' not in text and "'" not in text:  # the usual case: Chinese text already has “”
        return text, open_double, open_single
    out = []
    for index, char in enumerate(text):
        if char == '"':
            out.append("“" if open_double else "”")
            open_double = not open_double
        elif char == "'" and _touches_cjk(text, index):
            out.append("‘" if open_single else "’")
            open_single = not open_single
        else:
            out.append(char)
    return "".join(out), open_double, open_single


def _touches_cjk(text: str, index: int) -> bool:
    neighbours = text[max(0, index - 1):index] + text[index + 1:index + 2]
    return bool(re.search(f"[{CJK_OR_FULLWIDTH_PUNCT}]", neighbours))


# Punctuation compression (CLREQ 3.1.6): when two full-width marks meet (”， 》《 ）。), the first
# is set half width with the OpenType "halt" feature, closing the visible gap Chinese readers notice.
CLOSING_PUNCT = set("”’）》〉」』】〕〗］｝，。、；：？！")
FULLWIDTH_PUNCT = CLOSING_PUNCT | set("“‘（《〈「『【〔〖")
HTML_TAG = re.compile(r"(<[^<>]*>)")  # [^<>]: linear even on a run of "<" without ">"


def compress_punctuation(html: str, css_class: str = "halt") -> str:
    """Wrap the first of two adjacent full-width marks in ``<span class="halt">``.

    Works on HTML: only text between tags is touched, so markup and attributes stay intact.
    """
    parts = HTML_TAG.split(html)
    for index in range(0, len(parts), 2):
        text = parts[index]
        out = []
        for position, char in enumerate(text):
            following = text[position + 1:position + 2]
            if char in CLOSING_PUNCT and following and following in FULLWIDTH_PUNCT:
                out.append(f'<span class="{css_class}">{char}</span>')
            else:
                out.append(char)
        parts[index] = "".join(out)
    return "".join(parts)
