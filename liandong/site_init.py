"""``liandong init``: a new bulletin's folder — site.yaml with a Chinese comment on every key, and
the first issue as ``liandong new`` makes it. Nothing else is needed: the theme comes with
liandong, and a templates/ folder is only for the files an office wants to change.

Values go into site.yaml through the YAML emitter, never by pasting them into text, so a title
holding ``: # " '`` or a leading ``-`` still reads back as itself.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from liandong import schema as s
from liandong.config import CONFIG_NAME, _display_path, load_config, title_slug
from liandong.errors import LiandongError, Location, Problem
from liandong.reader import load_archive
from liandong.scaffold import new_issue

PLACEHOLDER = "待填写"
DEFAULT_BASE_URL = "https://example.org/"

HEADER = "# site.yaml：全站设置，对每一期都适用。改动后重新运行 liandong build 即可生效。\n"
OPTIONAL = """
# 以下为可选设置，需要时去掉行首的“# ”：
# copies: 200                  # 印数，印作“（共印200份）”
# pdf:                         # 印刷版 PDF 设置
#   fonts:                     # 本单位的字体（字体名或字体文件路径），缺省时使用免费字体
#     title: 方正小标宋简体
#     body: 仿宋_GB2312
#     heading: 黑体
#     kai: 楷体_GB2312
#   variant: pdf/a-3b          # 存档用的 PDF/A 格式
#   print_marks: true          # 胶印用的裁切线和 3 毫米出血
#   volumes: true              # 每年另出一本合订本（默认生成）
"""
GITIGNORE = "# 生成的网站和缓存，不必放进版本库\nbuild/\n.liandong-cache/\n"


@dataclass(frozen=True)
class Answers:
    """What an office says about its bulletin; anything not said is a placeholder to fill in later."""

    title: str
    publisher: str = PLACEHOLDER
    editor: str = PLACEHOLDER
    slug: str | None = None  # None: the title in pinyin
    phone: str = PLACEHOLDER
    email: str = PLACEHOLDER
    approval: str = PLACEHOLDER
    base_url: str = DEFAULT_BASE_URL


# (option, key, check): how each answer is validated before anything is written.
CHECKS = (
    ("--title", "title", s.text), ("--publisher", "publisher", s.text), ("--editor", "editor", s.text),
    ("--phone", "phone", s.phone), ("--email", "email", s.text), ("--approval", "approval", s.text),
    ("--base-url", "base_url", s.url), ("--slug", "slug", s.slug),
)


def one_line(value: str) -> str:
    """The schema's text check, and no line breaks: every setting is a single line."""
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        raise s.Invalid("应为一行文本，不能换行")
    return s.text(value)


def check_answer(key: str, value: str) -> str:
    """One answer as site.yaml will hold it; raises schema.Invalid with the reason in Chinese."""
    one_line(value)
    return next(check for _, name, check in CHECKS if name == key)(value)


def checked(answers: Answers, site_dir: Path) -> Answers:
    """The answers as site.yaml will hold them, or an error naming every bad one."""
    values, problems = {}, []
    for option, key, _ in CHECKS:
        value = getattr(answers, key)
        if value is None:
            continue
        try:
            values[key] = check_answer(key, value)
        except s.Invalid as exc:
            problems.append(Problem(Location(_display_path(site_dir / CONFIG_NAME)), f"{option} 的值{exc}"))
    if problems:
        raise LiandongError(problems)
    return Answers(**values)


def site_yaml(answers: Answers) -> str:
    """site.yaml's text: each key with its comment on the line above, values from the emitter."""
    slug = answers.slug or title_slug(answers.title)
    lines = [HEADER]
    lines += entry("title", answers.title, "简报名称，印在红色报头")
    lines += entry("publisher", answers.publisher, "编印单位，报头印作“…编”")
    lines += entry("editor", answers.editor, "默认责任编辑（每期可在期刊文件中另写）")
    lines += entry("slug", slug, f"PDF 文件名前缀，只用小写字母、数字和连字符：{slug}-2025-01.pdf")
    lines += ["\n# 联系方式，印在版记\n", "contact:\n"]
    lines += entry("phone", answers.phone, "联系电话", indent=1)
    lines += entry("email", answers.email, "电子邮箱", indent=1)
    lines += entry("approval", answers.approval, "批准文号，如 湘党简准字[2000]第28号")
    lines += entry("base_url", answers.base_url, "网站发布地址（用于订阅源和站点地图），请改为本单位的网址")
    lines += entry("language", "zh-CN", "网页语言")
    lines += entry("total_numerals", "chinese", "总期号写法：chinese 印作“总第七百三十九期”，arabic 印作“总第739期”")
    lines += entry("distribution", {"送": [PLACEHOLDER]},
                   "默认发送范围：报、送、发三组，每组一个名单（每期可在期刊文件中另写）")
    lines.append(OPTIONAL)
    return "".join(lines)


def entry(key: str, value: object, comment: str, indent: int = 0) -> list[str]:
    """One key with its comment above it; the value is written by the YAML emitter."""
    pad = "  " * indent
    dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, default_flow_style=False,
                            width=10_000)
    lead = "" if indent else "\n"  # a blank line between top-level keys; nested keys stay together
    return [f"{lead}{pad}# {comment}\n"] + [f"{pad}{line}\n" for line in dumped.splitlines()]


def init_site(site_dir: Path, answers: Answers, day: dt.date) -> list[Path]:
    """Create the bulletin in ``site_dir`` (new or empty); return the files written.

    Refuses a folder with anything in it. All or nothing: if writing fails half-way, what was
    made is removed again, so the folder is as the editor left it.
    """
    answers = checked(answers, site_dir)
    refuse_non_empty(site_dir)
    created = not site_dir.exists()
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
        (site_dir / CONFIG_NAME).write_text(site_yaml(answers), encoding="utf-8")
        (site_dir / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        config = load_config(site_dir)
        archive, _ = load_archive(config)
        first = new_issue(config, archive, day)
    except BaseException:
        for leftover in site_dir.iterdir() if site_dir.is_dir() else []:
            shutil.rmtree(leftover) if leftover.is_dir() and not leftover.is_symlink() else leftover.unlink()
        if created and site_dir.is_dir():
            site_dir.rmdir()
        raise
    return [site_dir / CONFIG_NAME, first]


def refuse_non_empty(site_dir: Path) -> None:
    where = Location(_display_path(site_dir))
    if site_dir.exists() and not site_dir.is_dir():
        raise LiandongError(Problem(where, "已有同名文件，不是目录；请换一个名称"))
    if site_dir.is_dir() and any(site_dir.iterdir()):
        raise LiandongError(Problem(where, "目录不是空的，为避免覆盖其中的文件，未做任何改动；"
                                           "请换一个新目录（liandong init 会自动建立它）"))
