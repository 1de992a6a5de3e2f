"""A small declarative schema for site.yaml and issue front matter.

Each field names its key, its kind and a Chinese label; validation collects every problem with
the line of the offending key (from :class:`SourceMap`) instead of stopping at the first one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from liandong.errors import Problem
from liandong.yamlsource import KeyPath, SourceMap

DISTRIBUTION_GROUPS = ("报", "送", "发")


class Invalid(Exception):
    """A value of the wrong kind; the message says, in Chinese, what was expected."""


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("应为非空文本")
    if CONTROL.search(value):
        raise Invalid(f"含有不可见的控制字符 U+{ord(CONTROL.search(value).group()):04X}")
    return value.strip()


def phone(value: Any) -> str:
    """Phone numbers may be written unquoted (85309319); keep them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(value)


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Invalid(f"应为正整数，实际为“{value}”")
    return value


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"应为日期，格式如 2025-07-28，实际为“{value}”")


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("应为 true 或 false")
    return value


def url(value: Any) -> str:
    value = text(value)
    if not re.match(r"https?://[^\s/]+", value):
        raise Invalid(f"应为以 http:// 或 https:// 开头的网址，实际为“{value}”")
    return value if value.endswith("/") else value + "/"


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")


def static_image(value: Any) -> str:
    """An image under templates/static/, named relative to that folder (banner.png): it is
    published with the other static files, so nothing outside the site is read."""
    value = text(value).replace("\\", "/")
    if value.startswith("/") or ".." in value.split("/") or ":" in value:
        raise Invalid(f"应为 templates/static/ 文件夹中的图片文件名（如 banner.png），不能是网址或该文件夹以外的路径，实际为“{value}”")
    if not value.lower().endswith(IMAGE_SUFFIXES):
        raise Invalid(f"应为图片文件（{'、'.join(IMAGE_SUFFIXES)}），实际为“{value}”")
    return value


def slug(value: Any) -> str:
    """A file-name prefix that every web server and archive tool handles: lowercase ASCII."""
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value) or len(value) > 60:
        raise Invalid(f"应为小写字母、数字和连字符组成的名称（如 lianluodongtai，最长 60 个字符），实际为“{value}”")
    return value


SCHEDULER_ADDRESS = re.compile(r"(tcp|tls)://([\w.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}")


def scheduler_address(value: Any) -> str:
    """A Dask scheduler as `dask scheduler` prints it: tcp://host:port (tls:// for TLS)."""
    value = text(value)
    if not SCHEDULER_ADDRESS.fullmatch(value):
        raise Invalid(f"应为 Dask 调度器地址，格式如 tcp://192.168.1.10:8786，实际为“{value}”")
    return value


def choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise Invalid(f"应为 {'、'.join(options)} 之一，实际为“{value}”")
        return value
    return check


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    check: Callable[[Any], Any] | "Mapping" | "ListOf" | "Distribution"
    required: bool = False


@dataclass(frozen=True)
class Mapping:
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class ListOf:
    item: Callable[[Any], Any] | Mapping
    allow_empty: bool = False


@dataclass(frozen=True)
class Distribution:
    """报/送/发 groups, each a list of recipients, in the order the editor wrote them."""


class Validator:
    """Checks one YAML document against a schema, gathering problems as it goes."""

    def __init__(self, source: SourceMap):
        self.source = source
        self.problems: list[Problem] = []

    def error(self, key_path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.source.at(*key_path), message))

    def mapping(self, data: Any, schema: Mapping, key_path: KeyPath = (), what: str = "") -> dict[str, Any]:
        if not isinstance(data, dict):
            self.error(key_path, f"{what or '此处'}应为“键: 值”形式的映射")
            return {}
        known = {field.key: field for field in schema.fields}
        result: dict[str, Any] = {}
        for key in data:
            if key not in known:
                allowed = "、".join(known)
                self.error(key_path + (key,), f"未知的键“{key}”（可用的键：{allowed}）")
        for field in schema.fields:
            if field.key not in data or data[field.key] is None:
                if field.required:
                    self.error(key_path, f"缺少必填项“{field.key}”（{field.label}）")
                continue
            value = self.value(data[field.key], field.check, key_path + (field.key,), field)
            if value is not None:
                result[field.key] = value
        return result

    def value(self, value: Any, check: Any, key_path: KeyPath, field: Field | None = None) -> Any:
        label = f"“{key_path[-1]}”（{field.label}）" if field else _describe(key_path)
        if isinstance(check, Mapping):
            return self.mapping(value, check, key_path, label)
        if isinstance(check, ListOf):
            return self.list_of(value, check, key_path, label)
        if isinstance(check, Distribution):
            return self.distribution(value, key_path, label)
        try:
            return check(value)
        except Invalid as exc:
            self.error(key_path, f"{label}{exc}")
            return None

    def list_of(self, value: Any, check: ListOf, key_path: KeyPath, label: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.error(key_path, f"{label}应为列表（每项以“- ”开头）")
            return None
        if not value and not check.allow_empty:
            self.error(key_path, f"{label}不能为空列表")
        items = [self.value(item, check.item, key_path + (index,)) for index, item in enumerate(value)]
        return [item for item in items if item is not None]

    def distribution(self, value: Any, key_path: KeyPath, label: str) -> dict[str, list[str]] | None:
        if not isinstance(value, dict):
            self.error(key_path, f"{label}应为映射，键为 报、送 或 发")
            return None
        groups = {}
        for group, recipients in value.items():
            if group not in DISTRIBUTION_GROUPS:
                self.error(key_path + (group,), f"发送范围的分组“{group}”无效，只能是 报、送 或 发")
                continue
            checked = self.list_of(recipients, ListOf(text), key_path + (group,), f"“{group}”的名单")
            if checked:
                groups[group] = checked
        return {group: groups[group] for group in DISTRIBUTION_GROUPS if group in groups}


def _describe(key_path: KeyPath) -> str:
    if key_path and isinstance(key_path[-1], int):
        parent = key_path[-2] if len(key_path) > 1 else ""
        return f"“{parent}”的第 {key_path[-1] + 1} 项"
    return f"“{key_path[-1]}”" if key_path else "此处"
