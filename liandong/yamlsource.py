"""YAML parsing that remembers where every key came from, and that no document can blow up.

PyYAML's constructed data loses positions; composing the node graph first keeps each node's
``start_mark`` so that a schema error can name the exact line. Duplicate keys, which PyYAML
silently overwrites, are reported instead.

The events come from libyaml (PyYAML's C parser, ``yaml.CSafeLoader``): about 14 times faster than
the pure-Python parser on front matter, with the same line marks. The nodes are composed here rather
than by PyYAML's composer, for safety: a composer that sees every event can refuse, before anything
is built, what a hostile or broken file uses to exhaust time and memory —
- aliases (``&a``/``*a``, the "billion laughs" bomb): refused in front matter, which never needs
  them; elsewhere allowed up to a budget of nodes *as expanded*;
- nesting deeper than a bulletin ever needs (PyYAML's own composer recurses and overflows the stack);
- explicit tags other than the plain YAML types (``!!python/object`` and friends);
- documents longer than any settings file or front matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (AliasEvent, CollectionStartEvent, DocumentEndEvent, MappingEndEvent,
                         MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from liandong.errors import Location, Problem

KeyPath = tuple[Any, ...]

MAX_CHARS = 256 * 1024  # a site.yaml or front matter is a few KB; a 1000-name 送 list is ~40 KB
MAX_DEPTH = 32  # site.yaml needs 3 levels, front matter 3
MAX_NODES = 20_000  # counted with aliases expanded; a large front matter has a few hundred
SAFE_TAGS = {f"tag:yaml.org,2002:{name}" for name in
             ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}
# What YAML 1.1 allows in a document (PyYAML's pure reader checks the same set).
NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMAT_HINT = "请检查缩进、冒号和引号"

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: correct, only slower
    _Loader = yaml.SafeLoader


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


class Refused(Exception):
    """A document this loader will not build; ``line`` is 0-based within the document."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def parse_yaml(text: str, path: Path, first_line: int = 1, *, allow_aliases: bool = False) -> ParsedYaml:
    """Parse one YAML document; ``first_line`` is the file line where ``text`` starts.

    ``allow_aliases`` is for site.yaml, where an editor might reuse a list with ``&``/``*``;
    front matter never needs them, so there they are refused outright.
    """
    source = SourceMap(path, fallback_line=first_line)

    def problem(line: int, message: str) -> ParsedYaml:
        return ParsedYaml(None, source, [Problem(Location(path, first_line + line), message)])

    if len(text) > MAX_CHARS:
        return problem(0, f"YAML 内容过长（{len(text) // 1024} KB），不应超过 {MAX_CHARS // 1024} KB；"
                          "是否把正文或别的文件粘贴进来了？")
    bad = NOT_PRINTABLE.search(text)
    if bad:
        return problem(text.count("\n", 0, bad.start()),
                       f"含有不允许的控制字符 U+{ord(bad.group()):04X}，请删除")
    loader = _Loader(text)
    try:
        node = loader.get_single_node() if plainly_shallow(text) else compose(loader, allow_aliases)
        data = construct(loader, node)
    except Refused as exc:
        return problem(exc.line, exc.message)
    except yaml.YAMLError as exc:
        line, message = yaml_error_message(exc, text)
        return problem(line, message)
    finally:
        loader.dispose()
    problems: list[Problem] = []
    if node is not None:
        _record_lines(node, (), source, first_line - 1, problems)
    return ParsedYaml(data, source, problems)


LINE_PREFIX = re.compile(r"^[ \t?:-]*", re.M)


def plainly_shallow(text: str) -> bool:
    """True if ``text`` can have no alias, anchor, tag or directive and cannot nest deeper than
    MAX_DEPTH: then libyaml's own composer (C, recursive) is safe and about twice as fast.

    Conservative: each level of block nesting needs at least one more character of indentation or
    "- "/"? "/": " before a line's content, and each level of flow nesting a bracket. Anything
    else takes the checked path (:func:`compose`), which gives the same nodes.
    """
    if any(mark in text for mark in "&*!%") or _Loader is not getattr(yaml, "CSafeLoader", None):
        return False
    brackets = text.count("[") + text.count("{")
    deepest = max((len(prefix) for prefix in LINE_PREFIX.findall(text)), default=0)
    return brackets + deepest + 2 <= MAX_DEPTH


def compose(loader: Any, allow_aliases: bool) -> Node | None:
    """The document's node graph, built from parser events without recursion, within the limits."""
    loader.get_event()  # stream start
    if loader.check_event(StreamEndEvent):
        return None
    loader.get_event()  # document start
    anchors: dict[str, Node] = {}
    size: dict[int, tuple[int, int]] = {}  # id(node) → (nodes as expanded, depth as expanded)
    open_nodes: list[list] = []  # [node, pending mapping key or None, nodes so far, depth so far, anchor]
    root = None
    while root is None:
        event = loader.get_event()
        line = event.start_mark.line
        if isinstance(event, AliasEvent):
            node = _alias(event, anchors, allow_aliases)
        elif isinstance(event, (ScalarEvent, CollectionStartEvent)):
            if event.anchor is not None and not allow_aliases:
                raise Refused(line, f"不支持 YAML 锚点“&{event.anchor}”：期号信息中请直接写出每个值")
            node = _new_node(loader, event)
            if isinstance(node, ScalarNode):
                size[id(node)] = (1, 0)
            else:
                if len(open_nodes) >= MAX_DEPTH:
                    raise Refused(line, f"YAML 嵌套层数过多（超过 {MAX_DEPTH} 层），不是正常的设置；请检查缩进或括号")
                if event.anchor is not None:
                    anchors.setdefault(event.anchor, None)  # an alias to it inside itself is refused
                open_nodes.append([node, None, 1, 0, event.anchor])
                continue
            if event.anchor is not None:
                anchors[event.anchor] = node
        elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
            node, pending, count, depth, anchor = open_nodes.pop()
            node.end_mark = event.end_mark
            size[id(node)] = (count, depth + 1)
            if anchor is not None:
                anchors[anchor] = node
        else:  # pragma: no cover — libyaml yields no other events inside a document
            raise Refused(line, "YAML 结构无法识别")
        count, depth = size[id(node)]
        if not open_nodes:
            root = node
            break
        parent = open_nodes[-1]
        parent[2] += count
        parent[3] = max(parent[3], depth)
        if parent[2] > MAX_NODES:
            raise Refused(line, f"YAML 内容展开后超过 {MAX_NODES} 项（可能是“别名炸弹”），已拒绝读取")
        if len(open_nodes) + depth > MAX_DEPTH:
            raise Refused(line, f"YAML 嵌套层数过多（超过 {MAX_DEPTH} 层），不是正常的设置；请检查缩进或括号")
        if isinstance(parent[0], SequenceNode):
            parent[0].value.append(node)
        elif parent[1] is None:
            parent[1] = node
        else:
            parent[0].value.append((parent[1], node))
            parent[1] = None
    end = loader.get_event()
    if not isinstance(end, DocumentEndEvent):  # pragma: no cover — libyaml always ends the document
        raise Refused(end.start_mark.line, "YAML 结构无法识别")
    if not loader.check_event(StreamEndEvent):
        raise Refused(loader.peek_event().start_mark.line,
                      "这里出现了第二个 YAML 文档（“---”或“...”行）；期号信息和设置文件只能有一个文档")
    return root


def _alias(event: AliasEvent, anchors: dict[str, Node | None], allowed: bool) -> Node:
    line = event.start_mark.line
    if not allowed:
        raise Refused(line, f"不支持 YAML 别名“*{event.anchor}”：期号信息中请直接写出每个值")
    node = anchors.get(event.anchor)
    if node is None:
        reason = "引用了自身" if event.anchor in anchors else "引用了前面没有定义的锚点"
        raise Refused(line, f"YAML 别名“*{event.anchor}”{reason}")
    return node


def _new_node(loader: Any, event: Any) -> Node:
    kind = {ScalarEvent: ScalarNode, SequenceStartEvent: SequenceNode, MappingStartEvent: MappingNode}[type(event)]
    tag = event.tag
    if tag is not None and tag != "!" and tag not in SAFE_TAGS:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise Refused(event.start_mark.line, f"不支持 YAML 标签“{shown}”：只能写普通的文字、数字、日期、列表和键值"
                                             "（去掉以 ! 开头的标签）")
    if isinstance(event, ScalarEvent):
        if tag is None or tag == "!":
            tag = loader.resolve(ScalarNode, event.value, event.implicit)
        return ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    return kind(tag, [], event.start_mark, event.end_mark, flow_style=event.flow_style)


def construct(loader: Any, node: Node | None) -> Any:
    """Python values of the nodes; a value PyYAML cannot convert (2025-13-45) is named by its line."""
    if node is None:
        return None
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise Refused(*yaml_error_message(exc)) from exc
    except Exception as exc:  # noqa: BLE001 — PyYAML's constructors fail in many ways on odd values
        line, what = _failing_value(node)
        raise Refused(line, f"无法识别的值{what}：日期请写成 2025-07-28，数字不要带引号以外的符号，"
                            "文字中含冒号等符号时请加引号") from exc


def _failing_value(node: Node) -> tuple[int, str]:
    """The first scalar that cannot be constructed on its own (to point at its line)."""
    pending = [node]
    seen = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ScalarNode):
            try:
                _Loader("").construct_object(current)
            except Exception:  # noqa: BLE001 — found the culprit
                return current.start_mark.line, f"“{current.value[:40]}”"
        elif isinstance(current, SequenceNode):
            pending.extend(current.value)
        elif isinstance(current, MappingNode):
            for key, value in current.value:
                pending.extend((key, value))
    return node.start_mark.line, ""


def _record_lines(node: Node, key_path: KeyPath, source: SourceMap, offset: int,
                  problems: list[Problem]) -> None:
    source.lines[key_path] = node.start_mark.line + 1 + offset
    if isinstance(node, MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else repr(key_node.value)[:40]
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                problems.append(Problem(Location(source.path, line), f"键“{key}”重复出现"))
            seen.add(key)
            _record_lines(value_node, key_path + (key,), source, offset, problems)
            source.lines[key_path + (key,)] = line
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, key_path + (index,), source, offset, problems)


# libyaml's problems (scanner.c, parser.c, reader.c) and PyYAML's, in Chinese. ``context`` means
# the error is reported where the parser gave up (often a later line) but made where the
# construct began: e.g. an unclosed quote or bracket, or a key missing its colon.
YAML_PROBLEMS: tuple[tuple[str, str, bool], ...] = (
    ("mapping values are not allowed", "这一行的冒号不能出现在这里：缩进与上一行不一致，或上一行缺少冒号、引号未闭合；"
                                       "文字中含“: ”时请给整段文字加引号", False),
    ("could not find expected ':'", "这一行缺少冒号“:”（应写成“键: 值”）", True),
    ("found unexpected end of stream", "引号或括号没有闭合，直到结尾也没有找到", True),
    ("found a tab character", "不能用制表符（Tab）缩进，请改用空格", False),
    ("found character '\\t'", "不能用制表符（Tab）缩进，请改用空格", False),
    ("found character that cannot start any token", "值不能以 @、` 或 % 开头，请给这个值加引号", False),
    ("found unknown escape character", "双引号中的反斜杠“\\”用法不对：请改用单引号，或写成“\\\\”", False),
    ("did not find expected hexdecimal number", "双引号中的“\\x”“\\u”后缺少十六进制数字", False),
    ("found invalid Unicode character escape code", "双引号中的“\\u”编码无效", False),
    ("found an indentation indicator equal to 0", "“|”或“>”后的缩进数字不能为 0", False),
    ("found unexpected document indicator", "引号中的文字不能以“---”或“...”开头的一行断开", False),
    ("did not find expected alphabetic or numeric character", "“&”“*”后缺少名称；文字中有 & 或 * 开头时请加引号", False),
    ("did not find the expected '>'", "标签“!<…>”缺少“>”；文字以 ! 开头时请加引号", False),
    ("did not find expected tag URI", "标签写法不对；文字以 ! 开头时请加引号", False),
    ("did not find URI escaped octet", "标签写法不对；文字以 ! 开头时请加引号", False),
    ("did not find expected whitespace or line break", "“|”或“>”之后只能换行；文字以 | 或 > 开头时请加引号", False),
    ("did not find expected comment or line break", "这一行的值后面多了内容；含空格和 # 的文字请加引号", False),
    ("found undefined tag handle", "标签写法不对；文字以 ! 开头时请加引号", False),
    ("found duplicate %YAML directive", "“%YAML”指令重复；请删除以 % 开头的行", False),
    ("found incompatible YAML document", "不支持的 YAML 版本指令；请删除以 % 开头的行", False),
    ("found duplicate %TAG directive", "“%TAG”指令重复；请删除以 % 开头的行", False),
    ("did not find expected <document start>", "文档结束标记“...”之后还有内容；请删除“...”行或其后的内容", False),
    ("did not find expected node content", "这里缺少值（多了逗号、冒号或“-”）", False),
    ("did not find expected key", "这一行与同级的键没有对齐，或引号、括号之后多了文字", False),
    ("did not find expected '-' indicator", "缩进不一致：列表中的这一行应以“- ”开头，或与上一级的键对齐", False),
    ("did not find expected ',' or ']'", "方括号“[”没有闭合，或列表项之间缺少逗号", True),
    ("did not find expected ',' or '}'", "花括号“{”没有闭合，或各项之间缺少逗号", True),
    ("block sequence entries are not allowed", "“- ”列表项不能出现在这里：请检查缩进，或上一行是否缺少冒号", False),
    ("block mapping entries are not allowed", "这里不能出现“键: 值”：请检查缩进", False),
    ("exceeded maximum nesting depth", "嵌套层数过多（括号嵌套过深），请检查括号", False),
    ("while scanning a directive", "以 % 开头的行是 YAML 指令，不能写在这里；请删除或给文字加引号", False),
    ("found unknown directive name", "以 % 开头的行是 YAML 指令，不能写在这里；请删除或给文字加引号", False),
    ("found an incorrect leading UTF-8 octet", "标签中含有无效的字符", False),
    ("found an incorrect trailing UTF-8 octet", "标签中含有无效的字符", False),
    ("found unexpected ':'", "冒号位置不对", False),
    ("found unhashable key", "键不能是列表或映射", False),
    ("could not determine a constructor", "不支持的 YAML 标签", False),
    ("found undefined alias", "引用了前面没有定义的锚点", False),
    ("found duplicate anchor", "锚点名称重复", False),
    ("expected a mapping", "这里应是“键: 值”形式的映射（与标签或“<<”合并的内容不符）", False),
    ("expected a single document", "只能有一个 YAML 文档", False),
    ("but found another document", "这里出现了第二个 YAML 文档（“---”行）", False),
)


def yaml_error_message(exc: yaml.YAMLError, text: str = "") -> tuple[int, str]:
    """(0-based line, Chinese message) for any error PyYAML or libyaml raises."""
    problem = getattr(exc, "problem", None) or ""
    mark = getattr(exc, "problem_mark", None)
    if problem.startswith("found character that cannot start any token") and mark is not None:
        line = (text.split("\n")[mark.line:mark.line + 1] or [""])[0]
        character = line[mark.column:mark.column + 1]
        if character == "\t":
            return mark.line, "YAML 格式错误：不能用制表符（Tab）缩进，请改用空格"
        if character:
            return mark.line, f"YAML 格式错误：值不能以“{character}”开头，请给这个值加引号"
    context = getattr(exc, "context", None) or ""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    for text in (problem, context):
        for english, chinese, at_context in YAML_PROBLEMS:
            if text and text.startswith(english):
                mark = context_mark if at_context and context_mark is not None else problem_mark or context_mark
                return (mark.line if mark is not None else 0), f"YAML 格式错误：{chinese}"
    mark = problem_mark or context_mark
    return (mark.line if mark is not None else 0), f"YAML 格式错误，{FORMAT_HINT}"
