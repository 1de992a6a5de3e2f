"""site.yaml: the settings that hold for every issue of a bulletin.

The schema below is the single description of every option; ``load_config`` validates the file
against it and reports each problem with its line, in Chinese.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping as MappingType

from liandong import __version__
from liandong import schema as s
from liandong.errors import PDF_VARIANTS, LiandongError, Location, Problem, display_path as _display_path
from liandong.sources import decode_source, read_bytes
from liandong.yamlsource import parse_yaml

CONFIG_NAME = "site.yaml"

# What a government website must show in its footer, in the order it is shown.
FOOTER_KEYS = (("主办单位", "主办单位"), ("网站标识码", "政府网站标识码"), ("ICP备案号", "ICP 备案号，如 湘ICP备12345678号"),
               ("公安备案号", "公安机关备案号，如 湘公网安备43010502000001号"))

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
    s.Field("slug", "PDF 文件名前缀（小写字母、数字和连字符），缺省为简报名称的拼音", s.slug),
    s.Field("copies", "印数（共印N份）", s.positive_int),
    s.Field("language", "网页语言", s.choice("zh-CN")),
    s.Field("total_numerals", "总期号数字：chinese 印作“总第七百三十九期”，arabic 印作“总第739期”",
            s.choice("chinese", "arabic")),
    s.Field("office", "发布机关名称，显示在网页顶部（缺省用编印单位）", s.text),
    s.Field("banner", "网页顶部横幅图片，放在 templates/static/ 中，如 banner.png", s.static_image),
    s.Field("footer", "网页底部的备案信息，只显示填写了的项", s.Mapping(tuple(
        s.Field(key, label, s.text) for key, label in FOOTER_KEYS))),
    s.Field("pdf", "印刷版 PDF 设置", s.Mapping((
        s.Field("fonts", "本单位的字体（字体名或字体文件路径），缺省时使用免费字体", s.Mapping((
            s.Field("title", "标题字体，如 方正小标宋简体", s.text),
            s.Field("body", "正文字体，如 仿宋_GB2312", s.text),
            s.Field("heading", "一级标题字体，如 黑体", s.text),
            s.Field("kai", "二级标题、要目和供稿字体，如 楷体_GB2312", s.text),
        ))),
        s.Field("variant", "PDF 变体，如 pdf/a-3b（存档用）", s.choice(*PDF_VARIANTS)),
        s.Field("print_marks", "为胶印加裁切线和 3 毫米出血", s.boolean),
        s.Field("volumes", "每年另出一本合订本 PDF", s.boolean),
    ))),
    s.Field("render", "渲染设置", s.Mapping((
        s.Field("scheduler", "在 Dask 集群上生成 PDF：调度器地址，如 tcp://192.168.1.10:8786", s.scheduler_address),
    ))),
))


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str


@dataclass(frozen=True)
class PdfFonts:
    """The office's own fonts, by family name or file; None means the free default."""

    title: str | None = None
    body: str | None = None
    heading: str | None = None
    kai: str | None = None


@dataclass(frozen=True)
class PdfSettings:
    fonts: PdfFonts = PdfFonts()
    variant: str | None = None
    print_marks: bool = False
    volumes: bool = True


@dataclass(frozen=True)
class RenderSettings:
    """Where PDFs render: a Dask scheduler's address (liandong.cluster), or None for this machine."""

    scheduler: str | None = None
    scheduler_line: int = field(default=0, compare=False)


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
    slug: str = ""  # PDF file names; load_config fills in the title's pinyin when site.yaml has none
    copies: int | None = None
    language: str = "zh-CN"
    total_numerals: str = "chinese"
    pdf: PdfSettings = PdfSettings()
    office: str | None = None  # shown above the site name; the publisher when unset
    banner: str | None = None  # image under templates/static/
    footer: MappingType[str, str] = field(default_factory=dict)  # 主办单位, 网站标识码, ICP备案号, 公安备案号
    render: RenderSettings = RenderSettings()
    font_lines: MappingType[str, int] = field(default_factory=dict, compare=False)
    digest: str = ""  # of site.yaml's bytes: any change to it invalidates every cached output
    warnings: tuple[Problem, ...] = field(default=(), compare=False)  # e.g. site.yaml saved as GBK

    @property
    def content_dir(self) -> Path:
        return self.site_dir / "content"

    @property
    def templates_dir(self) -> Path:
        return self.site_dir / "templates"

    @property
    def config_path(self) -> Path:
        return self.site_dir / CONFIG_NAME


def content_digest(*parts: bytes | str) -> str:
    """A short, stable fingerprint of some inputs, tied to the liandong version that used them."""
    hasher = hashlib.blake2b(__version__.encode(), digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def freeze_distribution(groups: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """报/送/发 lists as tuples (a plain dict, so parsed issues can be cached with pickle)."""
    return {group: tuple(names) for group, names in groups.items()}


def load_config(site_dir: Path) -> SiteConfig:
    """Read and validate ``site_dir/site.yaml``; raise LiandongError listing every problem."""
    path = site_dir / CONFIG_NAME
    display = _display_path(path)
    if not path.is_file():
        raise LiandongError(Problem(Location(display), f"找不到站点配置文件 {CONFIG_NAME}（站点目录：{site_dir}）"))
    raw, problems = read_bytes(path, display)
    source, decoding = decode_source(raw, display) if raw is not None else (None, [])
    if source is None:
        raise LiandongError(problems + decoding)
    parsed = parse_yaml(source.text, display, allow_aliases=True)
    validator = s.Validator(parsed.source)
    values = validator.mapping(parsed.data, SITE_SCHEMA, what="站点配置") if not parsed.problems else {}
    problems = parsed.problems + validator.problems
    banner = values.get("banner")
    if banner and not problems and not (site_dir / "templates" / "static" / banner).is_file():
        problems.append(Problem(parsed.source.at("banner"), f"“banner”（网页顶部横幅图片）找不到文件 templates/static/{banner}"))
    if problems:
        raise LiandongError(problems)
    contact = values.pop("contact")
    if "slug" not in values:  # not setdefault: the pinyin import costs half a second when not needed
        values["slug"] = title_slug(values["title"])
    pdf = values.pop("pdf", {})
    fonts = pdf.pop("fonts", {})
    render = values.pop("render", {})
    return SiteConfig(
        site_dir=site_dir,
        contact=Contact(**contact),
        pdf=PdfSettings(fonts=PdfFonts(**fonts), **pdf),
        render=RenderSettings(**render, scheduler_line=parsed.source.at("render", "scheduler").line if render else 0),
        digest=content_digest(raw),
        warnings=tuple(decoding),
        font_lines={role: parsed.source.at("pdf", "fonts", role).line for role in fonts},
        distribution=freeze_distribution(values.pop("distribution")),
        **values,
    )


def title_slug(title: str) -> str:
    """The title in pinyin, as an ASCII file-name prefix: 联络动态 → lianluodongtai."""
    from pypinyin import lazy_pinyin  # half a second to import: only for sites without a slug

    words = re.findall(r"[a-z0-9]+", "".join(lazy_pinyin(title)).lower().replace("ü", "v"))
    return "-".join(words) or "jianbao"
