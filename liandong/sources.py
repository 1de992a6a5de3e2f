"""Reading source files that come from many hands: any encoding an editor's PC may produce.

UTF-8 (with or without BOM) is the norm. GB18030/GBK files, still saved by Windows editors, are
read correctly with a warning (``liandong check --fix`` converts them). Binary files, files too
large to be an issue, and bytes that decode as neither are errors naming the byte offset. Line
endings are normalised to \\n so that line numbers match what editors see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from liandong.errors import Location, Problem

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # an issue is ~20 KB; 4 MB leaves room for long tables
CJK = re.compile(r"[\u3400-\u9fff]")
# Invisible characters that are not allowed in HTML (Word's manual line break U+000B among them).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str  # "utf-8" or "gb18030"
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
        return None, [Problem(Location(display), f"无法读取文件：{exc.strerror}")]


def decode_source(data: bytes, display: Path) -> tuple[Source | None, list[Problem]]:
    """Text of a source file, or the problem that prevents reading it."""
    here = Location(display)
    nul = data.find(b"\0")
    if nul >= 0:
        return None, [Problem(here, f"这是二进制文件，不是文本（第 {nul} 字节为 0），请检查是否放错了文件")]
    try:
        text, encoding, problems = data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as utf8_error:
        gbk = _as_gb18030(data)
        if gbk is None:
            line = data[:utf8_error.start].count(b"\n") + 1
            return None, [Problem(Location(display, line), f"文件编码无法识别：第 {utf8_error.start} 字节"
                                                           f"（0x{data[utf8_error.start]:02X}）既不是 UTF-8 也不是 GBK，请另存为 UTF-8")]
        text, encoding = gbk, "gb18030"
        problems = [Problem(here, f"文件是 GBK/GB18030 编码，已按此读取；建议运行 liandong check --fix {display} 转为 UTF-8",
                            is_error=False)]
    text = normalise(text)
    problems += control_character_warnings(text, display)
    cleaned, dropped = CONTROL.subn("", text)
    return Source(cleaned, encoding, dropped), problems


def control_character_warnings(text: str, display: Path) -> list[Problem]:
    """One warning per line holding invisible control characters, which are dropped when reading."""
    warnings = []
    for number, line in enumerate(text.split("\n"), start=1):
        found = CONTROL.findall(line)
        if found:
            codes = "、".join(sorted({f"U+{ord(c):04X}" for c in found}))
            warnings.append(Problem(Location(display, number), f"含有不可见的控制字符 {codes}（多为从 Word 粘贴），"
                                                               f"已忽略；运行 liandong check --fix {display} 可清除", is_error=False))
    return warnings


def _as_gb18030(data: bytes) -> str | None:
    """GB18030 decodes most byte soup, so only accept text that reads like Chinese."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if CONTROL.search(text) or len(CJK.findall(text)) < max(1, len(text) // 50):
        return None
    return text


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: Path, display: Path) -> tuple[Source | None, list[Problem]]:
    data, problems = read_bytes(path, display)
    return decode_source(data, display) if data is not None else (None, problems)
