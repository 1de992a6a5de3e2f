"""Read ``content/<year>/<NN>.md`` into an :class:`Archive`, collecting every problem on the way.

Each issue file is YAML front matter between ``---`` lines followed by one ``# `` section per
article. Problems carry the file and line; the caller decides whether they stop the build.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt

from liandong import county_prefetch
from liandong import schema as s
from liandong.config import SiteConfig, _display_path, content_digest, freeze_distribution
from liandong.errors import Location, Problem
from liandong.forked import fork_helps
from liandong.interrupt import ignore_in_worker
from liandong.markdown import (MEDIA_SCHEME, ImageRef, TooComplex, check_size, make_parser, render_article,
                               split_sections)
from liandong.model import Archive, Article, County, Issue
from liandong.plain_markdown import has_markup_byte
from liandong.sources import decode_source, read_bytes
from liandong.yamlsource import parse_yaml

ARTICLE_SCHEMA = s.Mapping((
    s.Field("county", "供稿县区或单位，用于按县区浏览", s.text, required=True),
    s.Field("contributor", "供稿单位，印作“（… 供稿）”", s.text),
))

ISSUE_SCHEMA = s.Mapping((
    s.Field("issue", "期号，每年从 1 开始", s.positive_int, required=True),
    s.Field("total", "总期号", s.positive_int, required=True),
    s.Field("date", "编印日期", s.date, required=True),
    s.Field("editor", "责任编辑", s.text),
    s.Field("articles", "文章列表，与正文中的“# ”标题一一对应", s.ListOf(ARTICLE_SCHEMA), required=True),
    s.Field("distribution", "发送范围（报/送/发），填写后替换站点默认名单", s.Distribution()),
    s.Field("draft", "草稿：为 true 时 build 不发布本期，定稿后删去此行", s.boolean),
))

FENCE = re.compile(r"^---[ \t]*$")
ADMIN_UNIT = re.compile(r".{2,}?(?:省|市|州|县|区|盟|旗)|.+")  # no "$": it made long lines quadratic


@dataclass(frozen=True)
class FrontMatter:
    yaml_text: str
    body: str
    body_line: int  # file line where the body starts (1-based)


def split_front_matter(text: str, path: Path) -> tuple[FrontMatter | None, Problem | None]:
    """Separate the ``---`` fenced YAML block from the Markdown body."""
    lines = text.split("\n")
    if not lines or not FENCE.match(lines[0]):
        return None, Problem(Location(path, 1), "文件开头缺少“---”包围的期号信息（front matter）")
    for index in range(1, len(lines)):
        if FENCE.match(lines[index]):
            yaml_text = "\n".join(lines[1:index])
            return FrontMatter(yaml_text, "\n".join(lines[index + 1:]), index + 2), None
    return None, Problem(Location(path, 1), "期号信息（front matter）缺少结尾的“---”行")


def load_archive(config: SiteConfig, known: Mapping[str, Issue] | None = None,
                 county_names: dict[str, CountyName] | None = None,
                 drafts: bool = False) -> tuple[Archive, list[Problem]]:
    """Every issue under content/, plus the problems found in them and across them.

    Drafts (``draft: true``) are read and checked like any issue and numbered with the others, but
    kept out of ``archive.issues`` (so out of every page, list, count, feed and index) unless
    ``drafts`` asks for them, as the preview does; ``archive.drafts`` always lists them.

    ``known`` maps digests to issues parsed by an earlier build: a file whose bytes (and the
    settings it depends on) are unchanged is not parsed again. ``county_names`` caches the pinyin
    of county names (pypinyin takes half a second to import); new names are added to it.
    """
    usable, unusable = sorted_issue_files(config.content_dir)
    problems: list[Problem] = list(config.warnings) + unusable_problems(unusable, config.content_dir)
    slots: list[Issue | tuple[Path, bytes, str] | None] = []
    for path in usable:
        data, found = read_bytes(path, _display_path(path))
        problems += found
        if data is None:
            continue
        digest = issue_digest(config, path, data)
        slots.append((known or {}).get(digest) or (path, data, digest))
    pending = [slot for slot in slots if isinstance(slot, tuple)]
    prefetch = county_prefetch.start(pending, county_names or {})  # pinyin while the files parse
    parsed = iter(parse_all(pending, config))
    del pending
    issues: list[Issue] = []
    for slot in slots:
        if isinstance(slot, tuple):
            issue, found = next(parsed)
        else:
            issue, found = slot, list(slot.warnings)
        problems += found
        if issue is not None:
            issues.append(issue)
    if not issues and not problems:
        problems.append(Problem(Location(_display_path(config.content_dir)), "content 目录中没有任何期刊文件"))
    problems += numbering_problems(issues)
    archive = Archive([issue for issue in issues if drafts or not issue.draft],
                      drafts=[issue for issue in issues if issue.draft])
    archive.counties = group_counties(archive, {} if county_names is None else county_names,
                                      (prefetch.result() if prefetch is not None else None) or {})
    return archive, problems


def issue_digest(config: SiteConfig, path: Path, data: bytes) -> str:
    """What an issue is parsed from: its bytes, its place under content/ and the settings."""
    return content_digest(config.digest, path.relative_to(config.content_dir).as_posix(), data)


def changed_issue_files(content_dir: Path, since_ns: int, most: int) -> list[Path] | None:
    """Issue files modified after ``since_ns``, or None if more than ``most`` were. Only those are
    checked the way :func:`issue_files` checks every file (resolving 1000 paths takes 0.3 s)."""
    changed = []
    for path in _candidates(content_dir):
        try:
            if path.stat().st_mtime_ns <= since_ns:
                continue
        except OSError:
            continue
        if _unusable(path, content_dir) is None:
            changed.append(path)
        if len(changed) > most:
            return None
    return changed


PARALLEL_PARSE_FROM = 48  # files: below this, starting worker processes costs more than it saves
PARALLEL_PARSE_BYTES = 1_000_000  # nor below this (about 0.04 s of parsing), for which a fork costs too much


def parse_all(pending: list[tuple[Path, bytes, str]], config: SiteConfig) -> list[tuple[Issue | None, list[Problem]]]:
    """Parse issue files, on all cores when there are many (a cold build of a large archive).

    Where fork is safe (no other thread), this process and one forked worker per other core take
    the files one by one (liandong.parse_share). Beside threads (``serve``), workers started by the
    fork server get fixed shares: the files with markup, while this process parses the plain prose
    (no markup byte at all: a worker that cannot share the files' bytes by fork would have them
    pickled to it and the issues pickled back, as long as the parse of such a file takes)."""
    workers = os.cpu_count() or 1
    if len(pending) < PARALLEL_PARSE_FROM or sum(len(data) for _, data, _ in pending) < PARALLEL_PARSE_BYTES \
            or workers < 2:
        return parse_chunk(pending, config)
    if fork_helps():
        from liandong.parse_share import parse_shared

        return parse_shared(pending, lambda: issue_parser(config), workers - 1)
    marked = [index for index, (_, data, _) in enumerate(pending) if has_markup_byte(data)]
    if len(marked) < PARALLEL_PARSE_FROM:
        return parse_chunk(pending, config)
    here_indexes = sorted(set(range(len(pending))) - set(marked)) + marked[::workers]
    pool_indexes = [index for position, index in enumerate(marked) if position % workers]
    to_pool = [pending[index] for index in pool_indexes]
    here_files = [pending[index] for index in here_indexes]
    count = workers - 1
    with _pool(count, "forkserver") as pool:
        chunks = pool.map(parse_chunk, [to_pool[index::count] for index in range(count)], [config] * count)
        here = parse_chunk(here_files, config)
        results = list(chunks)
    parsed: list = [None] * len(to_pool)
    for index, chunk in enumerate(results):
        parsed[index::count] = chunk
    ordered: list = [None] * len(pending)
    for index, result in zip(pool_indexes + here_indexes, parsed + here):
        ordered[index] = result
    return ordered


def issue_parser(config: SiteConfig) -> Callable[[tuple[Path, bytes, str]], tuple[Issue | None, list[Problem]]]:
    """A function that parses one pending file (path, bytes, digest) with a parser of its own."""
    parser = make_parser()
    return lambda item: read_issue(item[0], item[1], item[2], config, parser)


def _pool(workers: int, method: str) -> ProcessPoolExecutor:
    if method == "forkserver":
        from liandong import fork_server

        fork_server.ensure_running()  # started with a safe path, whichever pool comes first
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=ignore_in_worker,
                               initargs=(os.getpid(),))


def parse_chunk(items: list[tuple[Path, bytes, str]], config: SiteConfig) -> list[tuple[Issue | None, list[Problem]]]:
    parse = issue_parser(config)
    return [parse(item) for item in items]


def issue_files(content_dir: Path) -> list[Path]:
    """Markdown files under content/ that are safe to read: regular files (symlinks followed) inside
    the site folder, skipping drafts and hidden files (names starting _ or .).

    What is left out here is reported by :func:`unusable_issue_files`.
    """
    return sorted_issue_files(content_dir)[0]


def sorted_issue_files(content_dir: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(the issue files :func:`issue_files` lists, the other .md names with why each is left
    out), every name judged once."""
    usable, unusable = [], []
    site = content_dir.parent.resolve()
    inside = content_dir.is_dir() and site in content_dir.resolve().parents
    for path, regular in _candidate_entries(content_dir):
        # A regular file (no symlink) in folders that are none either, under a content folder inside
        # the site, is what _unusable would find usable: not resolving it saves ~8 system calls a
        # file (0.02 s of every build of 1000 issues, before anything else can start).
        reason = None if regular and inside else _unusable(path, content_dir, site)
        if reason is None:
            usable.append(path)
        else:
            unusable.append((path, reason))
    return usable, unusable


def unusable_issue_files(config: SiteConfig) -> list[Problem]:
    """An error for each .md name under content/ that cannot be an issue file: a folder, a
    dangling or looping symlink, or a symlink leading out of the site (never read)."""
    return unusable_problems(sorted_issue_files(config.content_dir)[1], config.content_dir)


def unusable_problems(unusable: list[tuple[Path, str]], content_dir: Path) -> list[Problem]:
    """The errors for the names :func:`sorted_issue_files` left out, and the warnings for files
    whose extension is not .md."""
    problems = [Problem(Location(_display_path(path)), reason) for path, reason in unusable]
    for path in _near_misses(content_dir):
        problems.append(Problem(Location(_display_path(path)), f"扩展名不是 .md，不会发布；期刊文件应命名为"
                                                                f"“<期号>.md”，例如 content/2025/12.md", is_error=False))
    return problems


NEAR_MISS_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")


def _near_misses(content_dir: Path) -> list[Path]:
    """Files that look meant as issues but will be skipped (13.MD, 13.md.txt, 13.markdown)."""
    if not content_dir.is_dir():
        return []
    return sorted(path for path in content_dir.rglob("*")
                  if path.suffix.lower() in NEAR_MISS_SUFFIXES and not path.name.endswith(".md")
                  and not any(part.startswith(("_", ".")) for part in path.relative_to(content_dir).parts))


def _candidates(content_dir: Path) -> list[Path]:
    return [path for path, _ in _candidate_entries(content_dir)]


def _candidate_entries(content_dir: Path) -> list[tuple[Path, bool]]:
    """Every name under content/ ending in .md, but under a name starting with _ or . (sorted), and
    whether it is a regular file: the names ``content_dir.rglob("*.md")`` gives, folders and
    symlinks included, from one walk that, as rglob, does not enter symlinked folders."""
    found: list[tuple[Path, bool]] = []
    folders = [content_dir] if content_dir.is_dir() else []
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.name.startswith(("_", ".")):
                        continue
                    try:
                        regular, folder = entry.is_file(follow_symlinks=False), entry.is_dir(follow_symlinks=False)
                    except OSError:
                        regular = folder = False
                    if entry.name.endswith(".md"):
                        found.append((Path(entry.path), regular))
                    if folder:
                        folders.append(entry.path)
        except OSError:  # a folder that cannot be listed, as rglob skips it
            continue
    return sorted(found)


def draft_files(content_dir: Path) -> list[Path]:
    """Issue files whose front matter says ``draft: true``, even ones too broken to build.

    Only files that mention "draft" have their front matter parsed, so this is cheap on a large
    archive. ``new`` and ``check --fix`` use it to find what the editor is working on.
    """
    found = []
    for path in issue_files(content_dir):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"draft" not in data:
            continue
        source, _ = decode_source(data, _display_path(path))
        front, _ = split_front_matter(source.text, path) if source else (None, None)
        parsed = parse_yaml(front.yaml_text, path, first_line=2) if front else None
        if parsed and not parsed.problems and isinstance(parsed.data, dict) and parsed.data.get("draft") is True:
            found.append(path)
    return found


def _unusable(path: Path, content_dir: Path, site: Path | None = None) -> str | None:
    """Why ``path`` must not be read as an issue file, or None (``site``: the site folder resolved)."""
    expected = "期刊文件应为 content/<年份>/<期号>.md 形式的普通文本文件，例如 content/2025/12.md"
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return f"是循环的符号链接，无法读取；{expected}"
    except OSError:
        return f"是指向不存在文件的符号链接；请删除它，或换成真正的文件。{expected}"
    if target.is_dir():
        return f"是一个文件夹，不是期刊文件；{expected}"
    site = site or content_dir.parent.resolve()
    if site not in target.parents:
        return "是指向站点目录之外的符号链接，不会被读取；请把文件本身放进 content/ 目录"
    if not target.is_file():
        return f"不是普通文件（设备或管道），无法读取；{expected}"
    return None


def read_issue(path: Path, data: bytes, digest: str, config: SiteConfig,
               parser: MarkdownIt) -> tuple[Issue | None, list[Problem]]:
    display = _display_path(path)
    place = _year_and_number_from_path(path, config.content_dir)
    if isinstance(place, Problem):
        return None, [place]
    source, problems = decode_source(data, display)
    if source is None:
        return None, problems
    front, problem = split_front_matter(source.text, display)
    if problem:
        return None, problems + [problem]
    parsed = parse_yaml(front.yaml_text, display, first_line=2)
    if parsed.problems:
        return None, problems + parsed.problems
    validator = s.Validator(parsed.source)
    values = validator.mapping(parsed.data, ISSUE_SCHEMA, what="期号信息")
    problems += validator.problems
    year, number = place
    at = parsed.source.at
    if "date" in values and values["date"].year != year:
        problems.append(Problem(at("date"), f"日期 {values['date']} 的年份与所在目录 {year} 不一致"))
    if "issue" in values and values["issue"] != number:
        problems.append(Problem(at("issue"), f"期号 {values['issue']} 与文件名 {path.name} 不一致"))
    try:
        check_size(front.body)
    except TooComplex as exc:
        return None, problems + [Problem(Location(display, front.body_line + exc.line), exc.message)]
    sections, stray_line = split_sections(parser, front.body)
    if stray_line is not None:
        problems.append(Problem(Location(display, front.body_line + stray_line),
                                "第一篇文章的“# ”标题之前有正文；每篇文章都应以“# 标题”开头"))
    declared = values.get("articles")
    if declared is not None and len(declared) != len(sections):
        problems.append(Problem(at("articles"), f"articles 列出 {len(declared)} 篇文章，"
                                                f"但正文中有 {len(sections)} 个“# ”标题"))
    if any(p.is_error for p in problems) or declared is None:
        return None, problems
    articles = []
    budget = {"weight": len(front.body)}  # shared by the articles: see markdown.check_structure
    for number_in_issue, (meta, section) in enumerate(zip(declared, sections), start=1):
        anchor = f"article-{number_in_issue}"
        first_line = front.body_line + section.line + 1
        try:
            html, _, images = render_article(parser, section.source, anchor, budget)
        except TooComplex as exc:
            problems.append(Problem(Location(display, first_line + exc.line), exc.message))
            continue
        html, media, found = resolve_images(html, images, path, config.content_dir, display, first_line)
        problems += found
        articles.append(Article(number_in_issue, section.title, meta["county"], meta.get("contributor"),
                                html, front.body_line + section.line, media))
    if any(p.is_error for p in problems):
        return None, problems
    distribution = values.get("distribution")
    issue = Issue(
        path=display, year=year, number=values["issue"], total=values["total"], date=values["date"],
        editor=values.get("editor", config.editor), articles=tuple(articles),
        distribution=freeze_distribution(distribution) if distribution else config.distribution,
        digest=digest,
        draft=values.get("draft", False),
        encoding=source.encoding,
        warnings=tuple(problems),
    )
    return issue, problems


def resolve_images(html: str, images: list[ImageRef], issue_path: Path, content_dir: Path, display: Path,
                   first_line: int) -> tuple[str, tuple[str, ...], list[Problem]]:
    """Check each image reference and point it at its file under content/.

    Images must be files inside content/ (readers have no internet, and nothing may be read from
    outside the site): web addresses, data: URIs, absolute paths and ``..`` escapes are refused.
    """
    media, problems = [], []
    for index, image in enumerate(images):
        where = Location(display, first_line + image.line)
        target = _image_target(image.src, issue_path, content_dir)
        if isinstance(target, str):
            problems.append(Problem(where, f"图片“{image.src}”{target}"))
            continue
        relative = target.relative_to(content_dir.resolve()).as_posix()
        media.append(relative)
        html = html.replace(f'src="{MEDIA_SCHEME}{index}"', f'src="{MEDIA_SCHEME}{quote(relative)}"', 1)
    return html, tuple(media), problems


IMAGE_SIGNATURES = {  # what a file starts with → the extensions it may be published under
    b"\x89PNG\r\n\x1a\n": (".png",),
    b"\xff\xd8\xff": (".jpg", ".jpeg"),
    b"GIF87a": (".gif",),
    b"GIF89a": (".gif",),
}


def image_kind(head: bytes) -> tuple[str, ...] | None:
    """The extensions a raster image with these first bytes may have; None if it is not one.

    Only PNG, JPEG, GIF and WebP, judged by content: an SVG can carry script, and a file named
    .png may be anything. The extension must match too, since web servers pick the type from it.
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return (".webp",)
    return next((kinds for magic, kinds in IMAGE_SIGNATURES.items() if head.startswith(magic)), None)


def _image_target(src: str, issue_path: Path, content_dir: Path) -> Path | str:
    """The image file, or why the reference is refused."""
    reference = unquote(src.strip())
    if not reference:
        return "没有填写图片路径"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", reference) or reference.startswith("//"):
        return "不在站点内：图片须放在 content/ 目录中，用相对路径引用（内网读者无法加载外部图片）"
    if reference.startswith(("/", "\\")) or "\\" in reference:
        return "不能用绝对路径，请用相对于本期文件的路径"
    try:
        target = (issue_path.parent / reference).resolve()
    except (OSError, RuntimeError):
        return "是循环的符号链接，无法读取"
    root = content_dir.resolve()
    if root not in target.parents:
        return "指向 content/ 目录之外，不允许引用站点以外的文件"
    if not target.is_file():
        return "不存在"
    try:
        with open(target, "rb") as stream:
            head = stream.read(16)
    except OSError:
        return "无法读取"
    kinds = image_kind(head)
    if kinds is None:
        return "不是 PNG、JPEG、GIF 或 WebP 图片（按文件内容判断）；SVG 等其他格式请先转换为 PNG"
    if target.suffix.lower() not in kinds:
        return f"的扩展名与内容不符：文件内容是 {kinds[0][1:].upper()} 图片，请把扩展名改为 {kinds[0]}"
    return target


def _year_and_number_from_path(path: Path, content_dir: Path) -> tuple[int, int] | Problem:
    relative = path.relative_to(content_dir)
    year_ok = len(relative.parts) == 2 and re.fullmatch(r"\d{4}", relative.parts[0])
    if year_ok and re.fullmatch(r"\d{1,3}\.md", path.name):
        return int(relative.parts[0]), int(path.stem)
    where = Location(_display_path(path))
    if not year_ok:
        return Problem(where, "期刊文件应放在以四位年份命名的文件夹中：content/<年份>/<期号>.md，例如 content/2025/12.md")
    number = re.search(r"\d{1,3}", path.name)
    example = f"{int(number.group()):02d}.md" if number else "12.md"
    return Problem(where, f"文件名“{path.name}”不对：期刊文件应命名为“<期号>.md”，期号只写数字"
                          f"（不含空格、汉字或多余的扩展名），例如 {example}")

def numbering_problems(issues: list[Issue]) -> list[Problem]:
    """Duplicates are errors; totals out of date order and gaps inside a year are warnings."""
    problems = []
    first_by_key: dict[tuple[int, int], Issue] = {}
    first_by_total: dict[int, Issue] = {}
    for issue in sorted(issues, key=lambda i: str(i.path)):
        here = Location(issue.path, 2)
        if issue.key in first_by_key:
            problems.append(Problem(here, f"{issue.label}与 {first_by_key[issue.key].path} 重复"))
        first_by_key.setdefault(issue.key, issue)
        if issue.total in first_by_total:
            problems.append(Problem(here, f"总期号 {issue.total} 与 {first_by_total[issue.total].path} 重复"))
        first_by_total.setdefault(issue.total, issue)
    by_date = sorted(issues, key=lambda i: (i.date, i.key))
    for older, newer in zip(by_date, by_date[1:]):
        if newer.total <= older.total and newer.total != older.total:
            problems.append(Problem(Location(newer.path, 2), f"总期号 {newer.total} 没有随日期递增"
                                    f"（更早的 {older.path} 为 {older.total}）", is_error=False))
    for year in sorted({issue.year for issue in issues}):
        numbers = sorted(issue.number for issue in issues if issue.year == year)
        missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
        if missing:
            listed = "、".join(str(n) for n in missing)
            problems.append(Problem(Location(Path("content") / str(year)),
                                    f"{year}年期号不连续，缺少第 {listed} 期", is_error=False))
    return problems


@dataclass(frozen=True)
class CountyName:
    """How a county name sorts (by pinyin) and the ASCII address it gets."""

    sort_key: tuple[str, ...]
    slug: str


def county_name(name: str) -> CountyName:
    from pypinyin import lazy_pinyin  # imported only when a new county name appears

    words = []
    for part in ADMIN_UNIT.findall(name):
        cleaned = re.sub(r"[^a-z0-9]+", "", "".join(lazy_pinyin(part)).lower())
        if cleaned:
            words.append(cleaned)
    return CountyName(tuple(lazy_pinyin(name)), "-".join(words) or "unit")


def county_slug(name: str) -> str:
    """A readable ASCII path segment for a county (株洲市炎陵县 → zhuzhoushi-yanlingxian).

    Pinyin keeps addresses typeable and safe on intranet servers that mishandle non-ASCII paths.
    One word per administrative level, so the slug reads like the name.
    """
    return county_name(name).slug


def group_counties(archive: Archive, names: dict[str, CountyName],
                   prefetched: Mapping[str, CountyName] | None = None) -> list[County]:
    """Counties sorted by name in pinyin order; slugs made unique in that order. A name missing
    from ``names`` is added to it: from ``prefetched`` (liandong.county_prefetch) or worked out."""
    entries: dict[str, list] = {}
    for issue in archive.issues:
        for article in issue.articles:
            entries.setdefault(article.county, []).append((issue, article))
    for name in entries:
        if name not in names:
            names[name] = (prefetched or {}).get(name) or county_name(name)
    counties, used = [], set()
    for name in sorted(entries, key=lambda n: (names[n].sort_key, n)):
        slug = base = names[name].slug
        suffix = 2
        while slug in used:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        used.add(slug)
        counties.append(County(name, slug, tuple(entries[name])))
    return counties
