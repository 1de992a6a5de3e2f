"""Which fonts draw the printed bulletin, and a check that they have every character.

WeasyPrint draws a character missing from every font as a box (.notdef) with only a log warning;
a box must never reach the printer. So before a PDF is written, each character of the issue is
looked up in the font stack of every role that prints it (title, body, 黑体 headings, 楷体), and a
missing one stops the build with the file, line, character and font.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from liandong.config import SiteConfig, _display_path
from liandong.errors import LiandongError, Location, Problem
from liandong.markdown import heading_kind

# Free fonts from Debian, in fallback order, for each printed role (LAYOUT.md §6). Fandol faces come
# first: with ~10k glyphs their subsets stay small (WeasyPrint keeps glyph ids, so a 65k-glyph Noto
# face costs ~140 KB even for a few characters); Noto catches the rare characters Fandol lacks.
DEFAULT_FAMILIES = {
    "title": ("FandolSong", "Noto Serif CJK SC"),  # 小标宋-like, set bold
    "body": ("FandolFang", "Noto Serif CJK SC"),  # 仿宋
    "heading": ("FandolHei", "Noto Sans CJK SC"),  # 黑体
    "kai": ("FandolKai", "AR PL UKai CN"),  # 楷体
    "page": ("Liberation Serif", "FandolSong", "Noto Serif CJK SC"),  # page numbers: digits and dashes only
}
LATIN_FACE = "Liberation Serif"  # Times-compatible digits and Latin letters in the body (GB/T 9704 practice)
ROLE_NAMES = {"title": "标题", "body": "正文", "heading": "一级标题", "kai": "楷体", "page": "页码"}
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2")


@dataclass(frozen=True)
class Font:
    """One family of a stack: its CSS name and the file(s) fontconfig or site.yaml point to."""

    family: str  # name used in CSS
    label: str  # name shown to editors
    files: tuple[tuple[str, int], ...]  # (path, face index)
    from_file: bool = False


@dataclass(frozen=True)
class FontStack:
    role: str
    fonts: tuple[Font, ...]
    custom: bool  # the office's own font leads the stack

    @property
    def css(self) -> str:
        return ", ".join(f'"{font.family}"' for font in self.fonts) + ", serif"

    @property
    def description(self) -> str:
        return "、".join(font.label for font in self.fonts) or "（无可用字体）"


def resolve_stacks(config: SiteConfig) -> tuple[dict[str, FontStack], list[Problem]]:
    """A stack per role: the configured font first (if found), then the free defaults."""
    installed = installed_families()
    stacks, problems = {}, []
    for role, defaults in DEFAULT_FAMILIES.items():
        fonts, custom = [], False
        wanted = getattr(config.pdf.fonts, role, None)
        if wanted:
            font, problem = _configured_font(role, wanted, config, installed)
            if problem:
                problems.append(problem)
            if font:
                fonts.append(font)
                custom = True
        fonts += [Font(name, name, tuple(installed[name])) for name in defaults if name in installed]
        stacks[role] = FontStack(role, tuple(fonts), custom)
    if LATIN_FACE not in installed:
        problems.append(Problem(Location(_display_path(config.config_path)),
                                f"本机没有安装数字和西文字体“{LATIN_FACE}”，正文中的数字和字母改用正文字体；"
                                "请运行 scripts/setup.sh 安装 fonts-liberation2", is_error=False))
    for role, stack in stacks.items():
        if not stack.fonts:
            problems.append(Problem(Location(_display_path(config.config_path)),
                                    f"{ROLE_NAMES[role]}没有可用的字体：请运行 scripts/setup.sh 安装免费字体"))
    return stacks, problems


def _configured_font(role: str, wanted: str, config: SiteConfig, installed) -> tuple[Font | None, Problem | None]:
    where = Location(_display_path(config.config_path), config.font_lines.get(role, 0))
    if re.search(r'["\\<>{};]', wanted):
        return None, Problem(where, f"字体名“{wanted}”中有不允许的字符")
    if wanted.lower().endswith(FONT_SUFFIXES):
        try:
            path = (config.site_dir / wanted).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            return None, Problem(where, f"字体文件“{wanted}”是循环的符号链接；请换成真正的字体文件")
        if config.site_dir.resolve() not in path.parents:
            return None, Problem(where, f"字体文件“{wanted}”在站点目录之外；请把字体文件放进站点目录（如 fonts/）")
        if not path.is_file():
            return None, Problem(where, f"找不到字体文件“{wanted}”")
        try:
            coverage(str(path), 0)
        except Exception:  # noqa: BLE001 — fontTools raises many kinds on a damaged file
            return None, Problem(where, f"字体文件“{wanted}”无法读取：不是有效的 TrueType/OpenType 字体"
                                        "（.ttf/.otf/.ttc），请换一个字体文件")
        return Font(f"liandong-{role}", path.name, ((str(path), 0),), from_file=True), None
    if wanted not in installed:
        return None, Problem(where, f"本机没有安装字体“{wanted}”，{ROLE_NAMES[role]}改用免费字体", is_error=False)
    return Font(wanted, wanted, tuple(installed[wanted])), None


@functools.lru_cache(maxsize=1)
def installed_families() -> dict[str, list[tuple[str, int]]]:
    """Family name → font files, as fontconfig (and so WeasyPrint) sees them."""
    if not shutil.which("fc-list"):
        raise LiandongError("找不到 fontconfig 的 fc-list 命令：请运行 scripts/setup.sh 安装字体和工具")
    listing = subprocess.run(["fc-list", "-f", "%{family}\t%{file}\t%{index}\n"], capture_output=True,
                             text=True, check=True).stdout
    families: dict[str, list[tuple[str, int]]] = {}
    for line in sorted(listing.splitlines()):
        names, _, rest = line.partition("\t")
        file, _, index = rest.partition("\t")
        for name in names.split(","):
            families.setdefault(name.strip(), []).append((file, int(index or 0)))
    return families


@functools.lru_cache(maxsize=64)
def coverage(file: str, index: int) -> frozenset[int]:
    """Code points a font file maps to glyphs (read from its cmap, cached per process)."""
    from fontTools.ttLib import TTFont

    with TTFont(file, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def uncovered(stack: FontStack, codes: set[int]) -> set[int]:
    """The code points no font of the stack can draw. Fonts are read in stack order and only as
    far as needed: the 20 MB Noto fallbacks are opened only for characters Fandol lacks."""
    for font in stack.fonts:
        for file, index in font.files:
            if not codes:
                return codes
            codes = codes - coverage(file, index)
    return codes


def has_char(stack: FontStack, code: int) -> bool:
    return not uncovered(stack, {code})


# --- Which roles print which source lines -------------------------------------------------------

YAML_COMMENT = re.compile(r"(^|\s)#.*$")


def issue_line_roles(text: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line number, printed text, roles) for every line of an issue file.

    Front matter values print as 供稿 lines (楷体) and the 送 block (正文 face); a ``# `` title
    prints in the title face and, in 要目, in 楷体; headings print by their numbering kind.
    """
    result = []
    lines = text.split("\n")
    in_front = bool(lines) and lines[0].strip() == "---"
    for number, line in enumerate(lines, start=1):
        if number == 1 and in_front:
            continue
        if in_front:
            if line.strip() == "---":
                in_front = False
                continue
            result.append((number, YAML_COMMENT.sub("", line), ("body", "kai")))
            continue
        stripped = line.strip()
        if stripped.startswith("# "):
            result.append((number, stripped[2:], ("title", "kai")))
        elif re.match(r"#{2,6} ", stripped):
            title = stripped.lstrip("#").strip()
            kind = heading_kind(title)
            result.append((number, title, ("heading",) if kind == "level-1" else ("kai",) if kind == "level-2" else ("body",)))
        else:
            result.append((number, line, ("body",)))
    return result


def config_line_roles(text: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """site.yaml values print in the body face; the bulletin title in the masthead face."""
    result = []
    for number, line in enumerate(text.split("\n"), start=1):
        value = YAML_COMMENT.sub("", line)
        roles = ("title",) if re.match(r"title\s*:", value) else ("body",)
        result.append((number, value.partition(":")[2] if ":" in value else value, roles))
    return result


def missing_characters(path: Path, lines, stacks: dict[str, FontStack]) -> list[Problem]:
    """A problem for each character (once per file) that a role's whole stack lacks."""
    problems, reported = [], set()
    for number, text, roles in lines:
        codes = set(map(ord, text))
        if not any(uncovered(stacks[role], codes) for role in roles):
            continue  # the common case: a few set operations per line instead of a lookup per character
        for char in text:
            code = ord(char)
            if char.isspace() or code < 0x20 or (char, roles) in reported:
                continue
            for role in roles:
                if not has_char(stacks[role], code):
                    reported.add((char, roles))
                    problems.append(Problem(Location(path, number),
                                            f"字符“{char}”（U+{code:04X}）在{ROLE_NAMES[role]}字体"
                                            f"（{stacks[role].description}）中都没有，印出来会是方框；"
                                            "请改用规范字，或在 site.yaml 的 pdf.fonts 中配置含有该字的字体"))
                    break
    return problems


# --- Half-width punctuation faces -----------------------------------------------------------------

# Marks that CLREQ sets half width when two meet (”， 》《). Their ink sits in one half of the em box:
# the left half for closing marks in Simplified Chinese fonts, the right half for opening marks.
HALF_WIDTH_MARKS = "，、。；：”’）》〉」』】〕〗“‘（《〈「『【〔〖"
OPENING_MARKS = set("“‘（《〈「『【〔〖")
HALF_FONT_VERSION = "1"


def half_width_font(file: str, index: int, cache_dir: Path) -> Path | None:
    """A small font holding only ``file``'s punctuation, each mark with a half-em advance.

    Why not the OpenType ``halt`` feature: it narrows the advance while the PDF keeps the glyph's
    full width, so pdftotext and copy-paste see two overlapping characters and break the line in
    two at every compressed pair (”，). A face whose glyphs really are half wide prints the same and
    reads back as written. Made once with fontTools and kept in the site's cache (reproducible:
    no timestamps); None if the font has none of the marks or an outline format we cannot shift.
    """
    from liandong.config import content_digest

    source = Path(file)
    stat = source.stat()
    key = content_digest("half-font", HALF_FONT_VERSION, str(source.resolve()), str(index), str(stat.st_size),
                         str(stat.st_mtime_ns))
    target = cache_dir / f"half-{key[:16]}.otf"
    if target.is_file():
        return target
    try:
        data = _make_half_width_font(source, index)
    except Exception:  # noqa: BLE001 — an odd font only loses the half-width face, never the build
        return None
    if data is None:
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(target)
    return target


def _make_half_width_font(source: Path, index: int) -> bytes | None:
    import io

    from fontTools import subset
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=index, recalcTimestamp=False, lazy=False)
    cmap = font.getBestCmap() or {}
    marks = [char for char in HALF_WIDTH_MARKS if ord(char) in cmap]
    if not marks:
        return None
    options = subset.Options()
    options.layout_features = []  # no GPOS halt/vert: the advances below are the whole story
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in marks])
    subsetter.subset(font)
    cmap = font.getBestCmap()
    half = font["head"].unitsPerEm // 2
    glyph_set = font.getGlyphSet()
    if "CFF " in font:
        top = font["CFF "].cff.topDictIndex[0]
        strings = top.CharStrings
    elif "glyf" in font:
        strings = None
    else:
        return None
    for char in marks:
        name = cmap[ord(char)]
        advance, lsb = font["hmtx"][name]
        shift = half - advance if char in OPENING_MARKS else 0
        if strings is not None:
            old = strings[name]
            pen = T2CharStringPen(half, glyph_set)
            glyph_set[name].draw(TransformPen(pen, (1, 0, 0, 1, shift, 0)))
            new = pen.getCharString(private=old.private, globalSubrs=old.globalSubrs)
            strings[name] = new
        else:
            glyph = font["glyf"][name]
            if shift and glyph.isComposite():
                return None
            if shift and glyph.numberOfContours:
                glyph.coordinates.translate((shift, 0))
                glyph.recalcBounds(font["glyf"])
        font["hmtx"][name] = (half, lsb + shift)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
