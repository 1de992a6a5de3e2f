"""``liandong new``: the next issue file, numbered, dated and filled with the site's defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from liandong.config import SiteConfig, _display_path
from liandong.errors import LiandongError, Location, Problem
from liandong.model import Archive
from liandong.reader import draft_files

TEMPLATE = """---
draft: true  # 草稿：liandong build 不会发布本期；定稿后删去这一行
issue: {issue}  # 期号：每年从 1 开始
total: {total}  # 总期号
date: {date}  # 编印日期
editor: {editor}  # 责任编辑
articles:  # 每篇文章一项，顺序与下面的“# ”标题一致
  - county: 待填写县区  # 供稿县区，用于按县区浏览
    contributor: 待填写供稿单位  # 印作“（… 供稿）”
{distribution}---

# 待填写县区：待填写文章标题

待填写正文第一段。

## 一、待填写小标题

待填写正文。
"""


def yaml_scalar(value: str) -> str:
    """A value as YAML writes it on one line (quoted when it holds ``: #`` and the like)."""
    return yaml.safe_dump([value], allow_unicode=True, width=10_000)[2:].rstrip("\n")


def next_numbers(archive: Archive, day: dt.date) -> tuple[int, int]:
    """(期号, 总期号) of a new issue dated ``day``: 期号 restarts at 1 each year, 总期号 continues."""
    issues = {issue.path: issue for issue in [*archive.issues, *archive.drafts]}.values()  # drafts hold numbers too
    same_year = [issue.number for issue in issues if issue.year == day.year]
    number = max(same_year) + 1 if same_year else 1
    total = max((issue.total for issue in issues), default=0) + 1
    return number, total


def yaml_scalar(value: object) -> str:
    """One value as YAML's emitter writes it on a single line: quoted whenever it must be (a
    责任编辑 holding ": " or " #", leading "-", "yes", digits…), so the file is valid and reads back
    as the same value. Never string formatting."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1 << 30)
    text = text[:-len("...\n")] if text.endswith("\n...\n") else text
    text = text.rstrip("\n")
    if "\n" in text:  # a value spanning lines: escaped in double quotes instead
        text = yaml.safe_dump(value, allow_unicode=True, default_style='"', width=1 << 30).rstrip("\n")
    return text


def new_issue(config: SiteConfig, archive: Archive, day: dt.date, force: bool = False) -> Path:
    """Write the skeleton of the next issue, as a draft; never overwrites an existing file.

    While a draft exists a second one is refused (``force`` overrides): two empty issues in
    progress is how placeholder issues get published by mistake.
    """
    unfinished = draft_files(config.content_dir)
    if unfinished and not force:
        listed = "、".join(str(_display_path(path)) for path in unfinished)
        raise LiandongError(Problem(Location(_display_path(unfinished[0])),
                                    f"已有未完成的草稿（draft: true）：{listed}；未新建。请先完成它"
                                    "（定稿后删去“draft: true”一行），或加 --force 仍然新建"))
    number, total = next_numbers(archive, day)
    path = config.content_dir / str(day.year) / f"{number:02d}.md"
    taken = Problem(Location(_display_path(path)), "文件已存在，未覆盖；请检查期号")
    if path.exists() or path.is_symlink():  # a dangling symlink "does not exist" but cannot be created
        raise LiandongError(taken)
    distribution = yaml.safe_dump({"distribution": {k: list(v) for k, v in config.distribution.items()}},
                                  allow_unicode=True, sort_keys=False, default_flow_style=False)
    text = TEMPLATE.format(issue=number, total=total, date=day.isoformat(), editor=yaml_scalar(config.editor),
                           distribution=distribution)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as stream:  # "x": fail rather than overwrite, even in a race
            stream.write(text)
    except FileExistsError as exc:
        raise LiandongError(taken) from exc
    return path
