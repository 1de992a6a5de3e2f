"""YAML parsing that remembers where every key came from.

PyYAML's constructed data loses positions; composing the node graph first keeps each node's
``start_mark`` so that a schema error can name the exact line. Duplicate keys, which PyYAML
silently overwrites, are reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from liandong.errors import Location, Problem

KeyPath = tuple[Any, ...]


@dataclass
class SourceMap:
    """Line of each key path in a YAML document, e.g. ``("articles", 0, "county") → 9``."""

    path: Path
    lines: dict[KeyPath, int] = field(default_factory=dict)
    fallback_line: int = 1

    def at(self, *key_path: Any) -> Location:
        """The location of a key path, or of its closest ancestor that has one."""
        while key_path and key_path not in self.lines:
            key_path = key_path[:-1]
        return Location(self.path, self.lines.get(key_path, self.fallback_line))


@dataclass
class ParsedYaml:
    data: Any
    source: SourceMap
    problems: list[Problem]


def parse_yaml(text: str, path: Path, first_line: int = 1) -> ParsedYaml:
    """Parse one YAML document; ``first_line`` is the file line where ``text`` starts."""
    source = SourceMap(path, fallback_line=first_line)
    try:
        loader = yaml.SafeLoader(text)  # checks for unprintable characters right away
    except yaml.reader.ReaderError as exc:
        line = first_line + text[:exc.position].count("\n")
        return ParsedYaml(None, source, [Problem(Location(path, line),
                                                 f"含有不允许的控制字符 U+{exc.character:04X}，请删除")])
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        return ParsedYaml(None, source, [_yaml_error_problem(exc, path, first_line)])
    finally:
        loader.dispose()
    problems: list[Problem] = []
    if node is not None:
        _record_lines(node, (), source, first_line - 1, problems)
    return ParsedYaml(data, source, problems)


def _record_lines(node: yaml.Node, key_path: KeyPath, source: SourceMap, offset: int,
                  problems: list[Problem]) -> None:
    source.lines[key_path] = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                problems.append(Problem(Location(source.path, line), f"键“{key}”重复出现"))
            seen.add(key)
            _record_lines(value_node, key_path + (key,), source, offset, problems)
            source.lines[key_path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, key_path + (index,), source, offset, problems)


def _yaml_error_problem(exc: yaml.YAMLError, path: Path, first_line: int) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + first_line if mark is not None else first_line
    what = getattr(exc, "problem", None) or str(exc)
    return Problem(Location(path, line), f"YAML 格式错误（{_translate_yaml_problem(what)}），请检查缩进、冒号和引号")


YAML_PROBLEMS = {
    "mapping values are not allowed here": "此处不能出现冒号键值",
    "could not find expected ':'": "缺少冒号",
    "found character '\\t' that cannot start any token": "不能用制表符缩进",
    "did not find expected key": "缩进不一致或缺少键",
    "found unexpected end of stream": "文件意外结束",
    "did not find expected '-' indicator": "列表项缺少“-”",
    "found undefined alias": "引用了未定义的别名",
}


def _translate_yaml_problem(problem: str) -> str:
    for english, chinese in YAML_PROBLEMS.items():
        if problem.startswith(english):
            return chinese
    return problem
