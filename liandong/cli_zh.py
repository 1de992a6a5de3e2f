"""Simplified Chinese for click's own words (Usage, Options, type names, its error messages).

click marks its messages with gettext but ships no Chinese catalogue, and editors must see Chinese
everywhere. Rather than depend on the machine's locale, the CLI swaps click's ``_``/``ngettext``
for a lookup in this table when it starts; strings not in the table stay as click wrote them.
A few things click builds without gettext are replaced too: names are quoted with Chinese
quotation marks (“--jobs”) instead of ASCII ones, type names (INTEGER RANGE) and ranges (x>=1)
are written in Chinese, and dates have a type of their own with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from liandong.errors import os_reason

import click
import click._compat
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "No such command {name!r}.": "没有“{name}”这个命令。",
    "No such option {name!r}.": "没有“{name}”这个选项。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint}的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} does not take a value.": "选项“{name}”不接受值。",
    "Option {name!r} requires an argument.": "选项“{name}”需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Got unexpected extra arguments ({args})": "多余的参数：{args}",
    "Did you mean {possibility}?": "是否要输入{possibility}？",
    "(Did you mean one of: {possibilities}?)": "是否要输入其中之一：{possibilities}？",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 超出范围（应{range}）。",
    "{value!r} is not {choice}.": "“{value}”无效，只能是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”无效，应为以下之一：{choices}。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} does not match the format {format}.": "“{value}”不是有效的日期或时间。",
    "{value!r} does not match the formats {formats}.": "“{value}”不是有效的日期或时间。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是有效的是非值。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "Value must be an iterable.": "值应为一组数据。",
    "Missing {param_type}": "缺少{param_type}",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Repeat for confirmation": "请再输入一次以确认",
    "Do you want to continue?": "是否继续？",
    "unknown error": "未知错误",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "required": "必填",
    "directory": "目录",
    "file": "文件",
    "path": "路径",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
}


# What click prints as a value's type (the metavar in help, and "is not a valid …" in errors).
TYPE_NAMES = {
    click.types.IntParamType: "整数",
    click.types.IntRange: "整数",
    click.types.FloatParamType: "数字",
    click.types.FloatRange: "数字",
    click.types.StringParamType: "文本",
    click.types.BoolParamType: "是非值",
    click.types.UUIDParameterType: "UUID",
    click.types.DateTime: "日期时间",
}



def os_error(exc: OSError) -> str:
    """An OSError's reason in Chinese (see liandong.errors.os_reason)."""
    return os_reason(exc)


def quoted(name: Any) -> str:
    return f"“{name}”"


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def translate_plural(singular: str, plural: str, count: int) -> str:
    return translate(singular if count == 1 else plural)


class ChineseHelpFormatter(click.formatting.HelpFormatter):
    """Section headings end with a full-width colon, as Chinese text does; so does 用法：."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, translate("Usage:") if prefix is None else prefix)


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD (click.DateTime's message shows strftime codes)."""

    name = "日期"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"“{value}”不是有效的日期，应写作“年-月-日”，如 2025-07-28", param, ctx)


def describe_range(self: click.types._NumberRangeBase) -> str:
    """x>=1 → 不小于 1; 0<=x<=65535 → 在 0 到 65535 之间."""
    low = None if self.min is None else f"{'大于' if self.min_open else '不小于'} {self.min}"
    high = None if self.max is None else f"{'小于' if self.max_open else '不大于'} {self.max}"
    if low and high and not (self.min_open or self.max_open):
        return f"在 {self.min} 到 {self.max} 之间"
    return "且".join(part for part in (low, high) if part)


def error_hint(self: click.Parameter, ctx: click.Context | None) -> str:
    """“-j”/“--jobs” rather than '-j' / '--jobs'."""
    if isinstance(self, click.Argument):
        return quoted(self.make_metavar(ctx) if ctx is not None else self.human_readable_name)
    return "/".join(quoted(name) for name in (self.opts or [self.human_readable_name]))


def join_hints(hint: Any) -> str | None:
    if hint is not None and not isinstance(hint, str):
        return "/".join(quoted(name) for name in hint)
    return hint


def possibilities(names: list[str]) -> str:
    return translate_plural("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", len(names)) \
        .format(possibility=quoted(names[0]) if names else "", possibilities="、".join(map(quoted, sorted(names))))


def with_possibilities(self: click.exceptions.NoSuchOption) -> str:
    """No space between the two sentences, as Chinese is written."""
    return self.message + (possibilities(self.possibilities) if self.possibilities else "")


def display_width(text: str) -> int:
    """Columns a terminal gives the text: two for each Chinese character, so help aligns."""
    plain = click._compat.strip_ansi(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in plain)


def missing_message(self: click.MissingParameter) -> str:
    """缺少参数“期刊文件”。 (click ends it with an ASCII full stop after an ASCII-quoted name)."""
    hint = self.param_hint if self.param_hint is not None else (
        self.param.get_error_hint(self.ctx) if self.param is not None else None)
    hint = join_hints(hint) or ""
    kind = self.param_type or (self.param.param_type_name if self.param is not None else "parameter")
    message = f"缺少{'选项' if kind == 'option' else '参数'}{hint}。"
    extra = self.param.type.get_missing_message(param=self.param, ctx=self.ctx) if self.param is not None else None
    return message + " ".join(part for part in (self.message, extra) if part)


def invalid_choice(self: click.Choice, value: Any, ctx: click.Context | None) -> str:
    choices = "、".join(str(choice) for choice in self._normalized_mapping(ctx=ctx).values())
    return translate("{value!r} is not one of {choices}.").format(value=value, choices=choices)


def chinese_help_record(original):
    """click appends “[default: …; x>=1]” to an option's help: Chinese brackets and semicolon."""

    def get_help_record(self: click.Option, ctx: click.Context):
        record = original(self, ctx)
        if record is None:
            return None
        names, help_text = record
        start = help_text.rfind("[")
        if help_text.endswith("]") and start >= 0:
            inside = help_text[start + 1:-1].replace("; ", "；")
            help_text = f"{help_text[:start].rstrip()}（{inside}）"
        return names, help_text

    get_help_record.chinese = True
    return get_help_record


def install() -> None:
    """Point click's message lookups at the table above, and replace the few English-building
    methods (idempotent)."""
    click.core.Context.formatter_class = ChineseHelpFormatter
    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types,
                   click.termui):
        if hasattr(module, "_"):
            module._ = translate
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural
    for kind, name in TYPE_NAMES.items():
        kind.name = name
    click.types._NumberRangeBase._describe_range = describe_range
    click.core.Parameter.get_error_hint = error_hint
    click.core.Option.get_error_hint = error_hint
    click.core.Argument.get_error_hint = error_hint
    click.exceptions._join_param_hints = join_hints
    click.exceptions._format_possibilities = possibilities
    click.exceptions.MissingParameter.format_message = missing_message
    click.types.Choice.get_invalid_choice_message = invalid_choice
    click.exceptions.NoSuchOption.format_message = with_possibilities
    if hasattr(click.exceptions, "NoSuchCommand"):
        click.exceptions.NoSuchCommand.format_message = with_possibilities
    click.formatting.term_len = display_width
    if not getattr(click.core.Option.get_help_record, "chinese", False):
        click.core.Option.get_help_record = chinese_help_record(click.core.Option.get_help_record)
