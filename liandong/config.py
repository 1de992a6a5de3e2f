"""site.yaml: the settings that hold for every issue of a bulletin.

The schema below is the single description of every option; ``load_config`` validates the file
against it and reports each problem with its line, in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping as MappingType

from liandong import schema as s
from liandong.errors import LiandongError, Location, Problem
from liandong.yamlsource import parse_yaml

CONFIG_NAME = "site.yaml"

SITE_SCHEMA = s.Mapping((
    s.Field("title", "简报名称，印在报头", s.text, required=True),
    s.Field("publisher", "编印单位，报头印作“…编”", s.text, required=True),
    s.Field("editor", "默认责任编辑", s.text, required=True),
    s.Field("contact", "联系方式", s.Mapping((
        s.Field("phone", "联系电话", s.phone, required=True),
        s.Field("email", "电子邮箱", s.text, required=True),
    )), required=True),
    s.Field("approval", "批准文号", s.text, required=True),
    s.Field("base_url", "网站发布地址", s.url, required=True),
    s.Field("distribution", "默认发送范围（报/送/发）", s.Distribution(), required=True),
    s.Field("copies", "印数（共印N份）", s.positive_int),
    s.Field("language", "网页语言", s.choice("zh-CN")),
    s.Field("total_numerals", "总期号数字：chinese 印作“总第七百三十九期”，arabic 印作“总第739期”",
            s.choice("chinese", "arabic")),
))


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str


@dataclass(frozen=True)
class SiteConfig:
    """Validated site settings plus the folders they were found in."""

    site_dir: Path
    title: str
    publisher: str
    editor: str
    contact: Contact
    approval: str
    base_url: str
    distribution: MappingType[str, tuple[str, ...]]
    copies: int | None = None
    language: str = "zh-CN"
    total_numerals: str = "chinese"
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def content_dir(self) -> Path:
        return self.site_dir / "content"

    @property
    def templates_dir(self) -> Path:
        return self.site_dir / "templates"

    @property
    def config_path(self) -> Path:
        return self.site_dir / CONFIG_NAME


def freeze_distribution(groups: dict[str, list[str]]) -> MappingType[str, tuple[str, ...]]:
    return MappingProxyType({group: tuple(names) for group, names in groups.items()})


def load_config(site_dir: Path) -> SiteConfig:
    """Read and validate ``site_dir/site.yaml``; raise LiandongError listing every problem."""
    path = site_dir / CONFIG_NAME
    display = _display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LiandongError(Problem(Location(display), f"找不到站点配置文件 {CONFIG_NAME}（站点目录：{site_dir}）"))
    except (UnicodeDecodeError, OSError) as exc:
        raise LiandongError(Problem(Location(display), f"无法读取站点配置文件：{exc}"))
    parsed = parse_yaml(text.replace("\r\n", "\n"), display)
    validator = s.Validator(parsed.source)
    values = validator.mapping(parsed.data, SITE_SCHEMA, what="站点配置") if not parsed.problems else {}
    problems = parsed.problems + validator.problems
    if problems:
        raise LiandongError(problems)
    contact = values.pop("contact")
    return SiteConfig(
        site_dir=site_dir,
        contact=Contact(**contact),
        distribution=freeze_distribution(values.pop("distribution")),
        **values,
    )


def _display_path(path: Path) -> Path:
    """Paths in messages are relative to the working directory when possible: shorter to read."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
