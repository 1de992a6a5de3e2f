"""Reading source files that come from many hands: any encoding an editor's PC may produce.

UTF-8 (with or without BOM) is the norm. GB18030/GBK files, still saved by Windows editors, are
read correctly with a warning (``liandong check --fix`` converts them). Binary files, files too
large to be an issue, and bytes that decode as neither are errors naming the byte offset. Line
endings are normalised to \\n so that line numbers match what editors see.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from liandong.errors import Location, Problem, os_reason

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # an issue is ~20 KB; 4 MB leaves room for long tables
CJK = re.compile(r"[\u3400-\u9fff]")
# Invisible characters that are not allowed in HTML (Word's manual line break U+000B among them).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
# Bidirectional controls and zero-width characters: invisible, they can make a line read differently
# from what it says (U+202E turns text around) or hide text from search. Dropped, with a warning.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
DROPPED = re.compile(f"{CONTROL.pattern}|{INVISIBLE.pattern}")


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str  # "utf-8", "utf-16", "gb18030" or "big5" (cp950)
    dropped: int = 0  # invisible control characters removed while reading


def read_bytes(path: Path, display: Path) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, unless it is too large to be a source file or cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return None, [Problem(Location(display), f"文件过大（{size / 1024 / 1024:.1f} MB），期刊文件不应超过 "
                                                     f"{MAX_SOURCE_BYTES // 1024 // 1024} MB；是否放错了文件？")]
        return path.read_bytes(), []
    except OSError as exc:
        return None, [Problem(Location(display), f"无法读取文件：{os_reason(exc)}")]


def decode_source(data: bytes, display: Path) -> tuple[Source | None, list[Problem]]:
    """Text of a source file, or the problem that prevents reading it."""
    here = Location(display)
    text, encoding, problems = _decode(data, display)
    if text is None:
        return None, problems
    text = normalise(text)
    if DROPPED.search(text) is None:  # the usual file: one scan instead of one per line
        return Source(text, encoding, 0), problems
    problems += control_character_warnings(text, display)
    cleaned, dropped = DROPPED.subn("", text)
    return Source(cleaned, encoding, dropped), problems


def _decode(data: bytes, display: Path) -> tuple[str | None, str, list[Problem]]:
    """(text, encoding, problems): UTF-8, UTF-16 with its BOM, or GBK/Big5 told apart with certainty.

    Text is only ever accepted in an encoding it reads as with certainty: ``check --fix`` rewrites
    what was read here, so a wrong guess would turn the file into mojibake.
    """
    here = Location(display)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, "", [Problem(here, "文件以 UTF-16 的字节顺序标记开头，但内容不是有效的 UTF-16；请另存为 UTF-8")]
        return text, "utf-16", [Problem(here, f"文件是 UTF-16 编码，已按此读取；建议运行 liandong check --fix {display} 转为 UTF-8",
                                        is_error=False)]
    nul = data.find(b"\0")
    if nul >= 0:
        if _looks_like_utf16(data):
            return None, "", [Problem(here, "文件似乎是不带字节顺序标记的 UTF-16 编码，无法可靠读取；"
                                            "请用编辑器另存为 UTF-8")]
        return None, "", [Problem(here, f"这是二进制文件，不是文本（第 {nul} 字节为 0），请检查是否放错了文件")]
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as utf8_error:
        guesses = sorted(((_common_share(text, name), name, text) for name, text in _legacy_readings(data)), reverse=True)
        if guesses and guesses[0][0] >= CERTAIN and (len(guesses) == 1 or guesses[1][0] <= guesses[0][0] - MARGIN):
            share, name, text = guesses[0]
            return text, name, [Problem(here, f"文件是 {LEGACY_NAMES[name]} 编码，已按此读取；"
                                              f"建议运行 liandong check --fix {display} 转为 UTF-8", is_error=False)]
        plausible = [name for share, name, _ in guesses if share >= PLAUSIBLE]
        if len(plausible) > 1:
            return None, "", [Problem(here, "无法确定文件编码：按 GBK 和 Big5 读都像中文，无法可靠区分，"
                                            "为免读错，未读取也不会改写此文件；请用编辑器另存为 UTF-8")]
        line = data[:utf8_error.start].count(b"\n") + 1
        return None, "", [Problem(Location(display, line), f"文件编码无法识别：第 {utf8_error.start} 字节"
                                                           f"（0x{data[utf8_error.start]:02X}）既不是 UTF-8，也不能确定是 GBK 或 Big5；"
                                                           "请另存为 UTF-8")]


LEGACY_NAMES = {"gb18030": "GBK/GB18030", "big5": "Big5"}
CERTAIN = 0.9  # share of common characters above which a reading is taken (measured: right ≥ 0.97,
PLAUSIBLE = 0.75  # mojibake ≤ 0.7 on the sample archive, see tests/test_encodings.py)
MARGIN = 0.15


def _legacy_readings(data: bytes) -> list[tuple[str, str]]:
    """The file read as GB18030 and as Big5 (Windows code page 950), where it decodes at all."""
    readings = []
    for name, codec in (("gb18030", "gb18030"), ("big5", "cp950")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if not CONTROL.search(text):
            readings.append((name, text))
    return readings


def _common_share(text: str, name: str) -> float:
    """Of the non-ASCII characters, the share that are common in that encoding's own Chinese:
    GB2312 punctuation and level-1 hanzi (the 3755 most used) for GBK, Big5 punctuation and
    level-1 hanzi (5401) for Big5. Text read in the right encoding scores near 1; the same bytes
    read in the wrong one land on rare characters, private-use codes and kana about half the time."""
    counts = Counter(text)
    wide = {char: count for char, count in counts.items() if ord(char) > 0x7F}
    total = sum(wide.values())
    if total < 20:
        return 0.0  # too little Chinese to tell anything for certain
    return sum(count for char, count in wide.items() if _is_common(char, name)) / total


def _is_common(char: str, name: str) -> bool:
    try:
        lead = char.encode("gb2312" if name == "gb18030" else "cp950")[0]
    except UnicodeEncodeError:
        return False
    if name == "gb18030":
        return lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xD7
    return 0xA1 <= lead <= 0xC6


def _looks_like_utf16(data: bytes) -> bool:
    """Decodes as UTF-16 (either byte order) into text without NUL or control characters: a text
    file saved as UTF-16 without its BOM, not a binary file."""
    if len(data) % 2:
        return False
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\0" not in text and not CONTROL.search(text):
            return True
    return False


def control_character_warnings(text: str, display: Path) -> list[Problem]:
    """One warning per line holding invisible characters, which are dropped when reading."""
    warnings = []
    for number, line in enumerate(text.split("\n"), start=1):
        found = DROPPED.findall(line)
        if not found:
            continue
        controls = sorted({f"U+{ord(c):04X}" for c in found if CONTROL.match(c)})
        invisible = sorted({f"U+{ord(c):04X}" for c in found if INVISIBLE.match(c)})
        if controls:
            warnings.append(Problem(Location(display, number), f"含有不可见的控制字符 {'、'.join(controls)}（多为从 Word 粘贴），"
                                                               f"已忽略；运行 liandong check --fix {display} 可清除", is_error=False))
        if invisible:
            warnings.append(Problem(Location(display, number), f"含有不可见的双向文本控制符或零宽字符 {'、'.join(invisible)}"
                                                               "（可能使文字显示的顺序或内容与实际不同），已删除；"
                                                               f"运行 liandong check --fix {display} 可清除", is_error=False))
    return warnings


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: Path, display: Path) -> tuple[Source | None, list[Problem]]:
    data, problems = read_bytes(path, display)
    return decode_source(data, display) if data is not None else (None, problems)
