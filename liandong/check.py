"""``liandong check``: everything ``build`` would refuse, plus copy-editing, without writing a file.

It reports every problem at once: site.yaml, every issue's front matter and sections, numbering
across issues, characters the print fonts lack, and the copy-editing rules of liandong.lint.
``fix_site`` applies the safe fixes in place (and converts GBK files to UTF-8), after backing each
changed file up, to what the editor is working on: drafts and the files named, never a published
issue unless asked for (``everything``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

from liandong.config import _display_path, load_config
from liandong.errors import LiandongError, Problem
from liandong.fonts import issue_line_roles, missing_characters, resolve_stacks
from liandong.lint import PLACEHOLDER, body_start, fix_text, lint_problems
from liandong.reader import draft_files, issue_files, load_archive, split_front_matter
from liandong.sources import DROPPED, Source, read_source
from liandong.yamlsource import parse_yaml


def check_site(site_dir: Path) -> list[Problem]:
    """Every problem of the site, errors first, each with file and line."""
    try:
        config = load_config(site_dir)
    except LiandongError as error:
        return error.problems
    archive, problems = load_archive(config)
    stacks, font_setup = resolve_stacks(config)
    problems += font_setup
    for path in issue_files(config.content_dir):
        display = _display_path(path)
        source, _ = read_source(path, display)  # unreadable files were reported by load_archive
        if source is None:
            continue
        if not any(p.is_error for p in font_setup):
            problems += missing_characters(display, issue_line_roles(source.text), stacks)
        problems += lint_problems(source.text, display)
        problems += missing_contributors(source.text, display)
        problems += draft_status(source.text, display)
    return sorted(problems, key=lambda p: (not p.is_error, p.location))


def missing_contributors(text: str, display: Path) -> list[Problem]:
    """An article listed without a contributor prints no 供稿 line: worth a warning."""
    front, problem = split_front_matter(text, display)
    if problem:
        return []
    parsed = parse_yaml(front.yaml_text, display, first_line=2)
    articles = parsed.data.get("articles") if isinstance(parsed.data, dict) else None
    if not isinstance(articles, list):
        return []
    return [Problem(parsed.source.at("articles", index), f"第 {index + 1} 篇文章没有填写供稿单位（contributor），"
                    "印刷版将没有“（… 供稿）”一行", is_error=False)
            for index, article in enumerate(articles)
            if isinstance(article, dict) and not article.get("contributor")]


def draft_status(text: str, display: Path) -> list[Problem]:
    """For a draft, one line saying it will not be published and what it still lacks."""
    if "draft" not in text:
        return []
    front, problem = split_front_matter(text, display)
    if problem:
        return []
    parsed = parse_yaml(front.yaml_text, display, first_line=2)
    if not isinstance(parsed.data, dict) or parsed.data.get("draft") is not True:
        return []
    lacking = []
    placeholders = [number for number, line in enumerate(text.split("\n"), start=1) if PLACEHOLDER in line]
    if placeholders:
        shown = "、".join(str(n) for n in placeholders[:8]) + ("……" if len(placeholders) > 8 else "")
        lacking.append(f"{len(placeholders)} 处“{PLACEHOLDER}”占位文字（第 {shown} 行）")
    articles = parsed.data.get("articles")
    if not isinstance(articles, list) or not articles:
        lacking.append("文章（articles 为空）")
    elif not front.body.lstrip().startswith("# "):
        lacking.append("正文（没有“# ”文章标题）")
    else:
        unnamed = [str(i + 1) for i, a in enumerate(articles) if not isinstance(a, dict) or not a.get("contributor")]
        if unnamed:
            lacking.append(f"第 {'、'.join(unnamed)} 篇文章的供稿单位")
    state = f"尚缺：{'；'.join(lacking)}" if lacking else "内容已填写完整"
    return [Problem(parsed.source.at("draft"), f"草稿（draft: true），liandong build 不会发布：{state}；"
                    "定稿后删去“draft: true”一行即可发布", is_error=False)]


def fix_targets(site_dir: Path, named: list[Path] | None = None, everything: bool = False) -> list[Path]:
    """What ``check --fix`` may rewrite: every issue with ``everything``, else the files named,
    else the drafts. A published issue is the record of what was printed: it changes only on request."""
    content = site_dir / "content"
    if everything:
        return issue_files(content)
    if named:
        known = {path.resolve(): path for path in issue_files(content)}
        return [known[path.resolve()] for path in named if path.resolve() in known]
    return draft_files(content)


def fix_site(site_dir: Path, now: dt.datetime | None = None, targets: list[Path] | None = None) -> list[tuple[Path, int, Path]]:
    """Apply the safe copy-editing fixes and convert GBK, Big5 and UTF-16 files to UTF-8, in
    ``targets`` (default: the drafts; see fix_targets).

    Returns (file, fixes, backup) for each file changed. Only the Markdown body is edited: the
    front matter keeps its bytes (only converted to UTF-8, and cleared of invisible characters the
    reader drops anyway). A file whose encoding is not known for certain is never rewritten. The
    original is copied under .liandong-cache/backup/<time>/ first, and the new text is written to a
    temporary file and renamed over the old one, so no text can be lost. Line endings are kept.
    """
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    changed = []
    for path in fix_targets(site_dir) if targets is None else targets:
        source, _ = read_source(path, _display_path(path))
        if source is None:
            continue  # unreadable, or an encoding not known for certain: reported by check, never rewritten
        raw = path.read_bytes()
        fixed, count = fix_text(source.text)
        new = fixed_file(raw, source, fixed)
        if new == raw:
            continue
        count += source.dropped + (source.encoding != "utf-8" or raw.startswith(b"\xef\xbb\xbf"))
        backup = site_dir / ".liandong-cache" / "backup" / stamp / path.relative_to(site_dir)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
        temporary = path.with_name(f".{path.name}.fixing")
        temporary.write_bytes(new)
        os.replace(temporary, path)
        changed.append((_display_path(path), max(count, 1), _display_path(backup)))
    return changed


def fixable_elsewhere(site_dir: Path, fixed: list[Path]) -> list[tuple[Path, int]]:
    """Issues left alone by ``check --fix`` that it could have fixed: (file, fixes), for the report."""
    done = {path.resolve() for path in fixed}
    left = []
    for path in issue_files(site_dir / "content"):
        if path.resolve() in done:
            continue
        source, _ = read_source(path, _display_path(path))
        if source is not None:
            count = fix_text(source.text)[1]
            if count:
                left.append((_display_path(path), count))
    return left


def fixed_file(raw: bytes, source: Source, fixed: str) -> bytes:
    """The file's new bytes: its front matter as it was, then the fixed body, in UTF-8."""
    original = raw.decode(CODECS[source.encoding])
    original = original[1:] if original.startswith("\ufeff") else original
    lines = fixed.split("\n")
    start = body_start(lines)
    front = "".join(LINE.findall(original)[:start])
    newline = "\r\n" if "\r\n" in original else "\n"
    body = "\n".join(lines[start:])
    return DROPPED.sub("", front).encode("utf-8") + body.replace("\n", newline).encode("utf-8")


CODECS = {"utf-8": "utf-8", "utf-16": "utf-16", "gb18030": "gb18030", "big5": "cp950"}
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
