"""``liandong check``: everything ``build`` would refuse, plus copy-editing, without writing a file.

It reports every problem at once: site.yaml, every issue's front matter and sections, numbering
across issues, characters the print fonts lack, and the copy-editing rules of liandong.lint.
``fix_site`` applies the safe fixes in place, after backing each changed file up.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from liandong.config import _display_path, load_config
from liandong.errors import LiandongError, Location, Problem
from liandong.fonts import issue_line_roles, missing_characters, resolve_stacks
from liandong.lint import fix_text, lint_file
from liandong.reader import ISSUE_SCHEMA, issue_files, load_archive, split_front_matter
from liandong.yamlsource import parse_yaml


def check_site(site_dir: Path) -> list[Problem]:
    """Every problem of the site, errors first, each with file and line."""
    try:
        config = load_config(site_dir)
    except LiandongError as error:
        return error.problems
    archive, problems = load_archive(config)
    files = issue_files(config.content_dir)
    stacks, font_setup = resolve_stacks(config)
    problems += font_setup
    if not any(p.is_error for p in font_setup):
        for path in files:
            text = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
            problems += missing_characters(_display_path(path), issue_line_roles(text), stacks)
    for path in files:
        problems += lint_file(path, _display_path(path))
        problems += missing_contributors(path)
    return sorted(problems, key=lambda p: (not p.is_error, p.location))


def missing_contributors(path: Path) -> list[Problem]:
    """An article listed without a contributor prints no 供稿 line: worth a warning."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    front, problem = split_front_matter(text, _display_path(path))
    if problem:
        return []
    parsed = parse_yaml(front.yaml_text, _display_path(path), first_line=2)
    articles = parsed.data.get("articles") if isinstance(parsed.data, dict) else None
    if not isinstance(articles, list):
        return []
    return [Problem(parsed.source.at("articles", index), f"第 {index + 1} 篇文章没有填写供稿单位（contributor），"
                    "印刷版将没有“（… 供稿）”一行", is_error=False)
            for index, article in enumerate(articles)
            if isinstance(article, dict) and not article.get("contributor")]


def fix_site(site_dir: Path, now: dt.datetime | None = None) -> list[tuple[Path, int, Path]]:
    """Apply the safe copy-editing fixes; returns (file, fixes, backup) for each file changed.

    The original is copied under .liandong-cache/backup/<time>/ first, and the new text is
    written to a temporary file and renamed over the old one, so no text can be lost.
    """
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    changed = []
    for path in issue_files(site_dir / "content"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        newline = "\r\n" if "\r\n" in text else "\n"
        fixed, count = fix_text(text.replace("\r\n", "\n"))
        if not count:
            continue
        backup = site_dir / ".liandong-cache" / "backup" / stamp / path.relative_to(site_dir)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
        temporary = path.with_name(f".{path.name}.fixing")
        temporary.write_bytes(fixed.replace("\n", newline).encode("utf-8"))
        os.replace(temporary, path)
        changed.append((_display_path(path), count, _display_path(backup)))
    return changed
