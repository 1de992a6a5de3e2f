"""Every kind of YAML error an editor can make: a Chinese message on the line where it was made.

Each case is a front matter written as lines; the line marked ``>>`` is the one the message must
name (the file's line: 1 is the opening ``---``). The messages come from libyaml's scanner,
parser and reader, from PyYAML's constructor, and from liandong's own composer.
"""

from __future__ import annotations

import re
from pathlib import Path
import pytest

from liandong.config import load_config
from liandong.errors import LiandongError
from liandong.reader import load_archive

from conftest import run_cli

VALID = ["issue: 14", "total: 741", "date: 2025-08-10", "editor: 汤建", "articles:", "  - county: 株洲市炎陵县"]
ENGLISH = re.compile(r"expected|found|could not|while|mapping|scanning|parsing|constructor|document|"
                     r"character|alias|anchor|indicator|stream", re.I)


def case(*lines: str) -> tuple[str, int]:
    """(front matter, file line of the marked line)."""
    marked = [index for index, line in enumerate(lines) if line.startswith(">>")]
    assert len(marked) == 1
    return "\n".join(line.removeprefix(">>") for line in lines) + "\n", marked[0] + 2


FRONT_MATTER_ERRORS = {
    "colon inside a value": (case("issue: 14", "total: 741", ">>editor: 编辑: 汤建", *VALID[4:]), "冒号不能出现在这里"),
    "key without colon": (case("issue: 14", ">>total 741", "date: 2025-08-10", *VALID[4:]), "缺少冒号"),
    "unclosed double quote": (case("issue: 14", ">>editor: \"汤建", "total: 741", *VALID[4:]), "引号或括号没有闭合"),
    "unclosed single quote": (case("issue: 14", ">>editor: '汤建", "total: 741", *VALID[4:]), "引号或括号没有闭合"),
    "tab indentation": (case(*VALID[:4], "articles:", ">>\t- county: 株洲市炎陵县"), "制表符"),
    "reserved first character": (case("issue: 14", "total: 741", ">>editor: @汤建", *VALID[4:]), "值不能以“@”开头"),
    "backquote first": (case("issue: 14", "total: 741", ">>editor: `汤建`", *VALID[4:]), "值不能以“`”开头"),
    "unknown escape": (case("issue: 14", ">>editor: \"汤\\q建\"", *VALID[1:3], *VALID[4:]), "反斜杠"),
    "short hex escape": (case("issue: 14", ">>editor: \"\\x4\"", *VALID[1:3], *VALID[4:]), "十六进制"),
    "block scalar indent 0": (case("issue: 14", ">>editor: |0", "  汤建", *VALID[1:3], *VALID[4:]), "缩进数字不能为 0"),
    "block scalar junk": (case("issue: 14", ">>editor: |x", *VALID[1:3], *VALID[4:]), "值后面多了内容"),
    "anchor without name": (case("issue: 14", ">>editor: &", *VALID[1:3], *VALID[4:]), "后缺少名称"),
    "verbatim tag unclosed": (case("issue: 14", ">>editor: !<x 汤建", *VALID[1:3], *VALID[4:]), "缺少“>”"),
    "undefined tag handle": (case("issue: 14", ">>editor: !e!x 汤建", *VALID[1:3], *VALID[4:]), "标签写法不对"),
    "content after ...": (case("issue: 14", "...", ">>total: 741", *VALID[2:]), "文档结束标记"),
    "missing flow value": (case(*VALID[:4], ">>articles: [,]"), "缺少值"),
    "misaligned key": (case(*VALID[:4], "articles:", "  - county: 株洲市炎陵县", ">> contributor: 炎陵县"), "没有对齐"),
    "list item misaligned": (case(*VALID[:4], "articles:", "  - county: 株洲市炎陵县", ">>  contributor: 炎陵县"),
                             "应以“- ”开头"),
    "text after quoted value": (case("issue: 14", ">>editor: \"汤\"建", *VALID[1:3], *VALID[4:]), "引号、括号之后多了文字"),
    "unclosed bracket": (case(*VALID[:4], ">>articles: [{county: 株洲市炎陵县}", "total: 741"), "方括号"),
    "unclosed brace": (case(*VALID[:4], ">>articles: [{county: 株洲市炎陵县]", "total: 741"), "花括号"),
    "list where a key belongs": (case(*VALID[:4], ">>- county: 株洲市炎陵县"), "没有对齐"),
    "list key": (case(*VALID, ">>[1]: 2"), "键不能是列表或映射"),
    "python tag": (case(*VALID[:3], ">>editor: !!python/object/apply:os.system [echo pwned]", *VALID[4:]),
                   "不支持 YAML 标签“!!python/object/apply:os.system”"),
    "local tag": (case(*VALID[:3], ">>editor: !foo 汤建", *VALID[4:]), "不支持 YAML 标签“!foo”"),
    "alias": (case(*VALID[:3], ">>editor: *name", *VALID[4:]), "不支持 YAML 别名"),
    "anchor": (case(*VALID[:3], ">>editor: &name 汤建", *VALID[4:]), "不支持 YAML 锚点"),
    "impossible date": (case("issue: 14", "total: 741", ">>date: 2025-02-30", *VALID[3:]), "无法识别的值“2025-02-30”"),
    "bad explicit int": (case("issue: 14", ">>total: !!int 七百", *VALID[2:]), "无法识别的值“七百”"),
    "bad explicit timestamp": (case("issue: 14", "total: 741", ">>date: !!timestamp 八月", *VALID[3:]), "无法识别的值“八月”"),
    "explicit map on a list": (case(*VALID[:4], ">>articles: !!map [1]"), "应是“键: 值”形式的映射"),
    "merge of a scalar": (case(*VALID, ">><<: 1"), "应是“键: 值”形式的映射"),
    "duplicate key": (case(*VALID[:2], ">>issue: 15", *VALID[2:]), "键“issue”重复出现"),
    "deep nesting": (case(*VALID, ">>extra: " + "[" * 40 + "]" * 40), "嵌套层数过多"),
    "deep block nesting": (case(*VALID, ">>extra:", *("  " * depth + "-" for depth in range(1, 60))), "嵌套层数过多"),
}


@pytest.mark.parametrize("name", FRONT_MATTER_ERRORS)
def test_front_matter_error_names_its_line_in_chinese(site, name):
    (front, line), fragment = FRONT_MATTER_ERRORS[name]
    if name == "deep block nesting":  # the limit is crossed where the 33rd level starts
        line += 32
    (site / "content/2025/14.md").write_text(f"---\n{front}---\n# 标题\n\n正文。\n", encoding="utf-8")
    _, problems = load_archive(load_config(site))
    mine = [str(p) for p in problems if p.location.path.name == "14.md" and p.is_error]
    assert mine, name
    assert any(re.search(rf"14\.md:{line}: 错误：.*{re.escape(fragment)}", text) for text in mine), mine
    assert not any(ENGLISH.search(text.split("错误：", 1)[1]) for text in mine), mine


def test_yaml_error_through_the_command_line(site):
    (front, line), _ = FRONT_MATTER_ERRORS["unclosed bracket"]
    (site / "content/2025/14.md").write_text(f"---\n{front}---\n# 标题\n\n正文。\n", encoding="utf-8")
    result = run_cli("check", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "内部错误" not in result.stderr
    assert f"content/2025/14.md:{line}: 错误：YAML 格式错误：方括号“[”没有闭合" in result.stderr


SITE_ERRORS = {  # each: the lines of site.yaml made from the sample's lines, the marked one named
    "duplicate %YAML": (lambda lines: ["%YAML 1.1", ">>%YAML 1.1", "---", *lines], "“%YAML”指令重复"),
    "unsupported version": (lambda lines: [">>%YAML 2.0", "---", *lines], "不支持的 YAML 版本"),
    "duplicate %TAG": (lambda lines: ["%TAG ! tag:x,2000:", ">>%TAG ! tag:y,2000:", "---", *lines], "“%TAG”指令重复"),
    "unknown directive": (lambda lines: [">>%标题 联络动态", "---", *lines], "以 % 开头的行是 YAML 指令"),
    "second document": (lambda lines: [*lines, ">>---", "title: 第二份"], "第二个 YAML 文档"),
    "undefined alias": (lambda lines: [*lines, ">>copies: *nothing"], "前面没有定义的锚点"),
    "recursive alias": (lambda lines: [*lines, ">>copies: &loop [*loop]"], "引用了自身"),
    "python tag": (lambda lines: [*lines, ">>copies: !!python/name:os.system"], "不支持 YAML 标签"),
}


@pytest.mark.parametrize("name", SITE_ERRORS)
def test_site_yaml_error_names_its_line_in_chinese(site, name):
    make, fragment = SITE_ERRORS[name]
    lines = make((site / "site.yaml").read_text(encoding="utf-8").splitlines())
    marked = next(index for index, text in enumerate(lines) if text.startswith(">>")) + 1
    (site / "site.yaml").write_text("\n".join(text.removeprefix(">>") for text in lines) + "\n", encoding="utf-8")
    with pytest.raises(LiandongError) as info:
        load_config(site)
    message = info.value.format_message()
    assert re.search(rf"site\.yaml:{marked}: 错误：.*{re.escape(fragment)}", message), message
    assert not ENGLISH.search(message.replace("YAML", "")), message


def test_site_yaml_may_reuse_a_list_by_alias(site):
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = text.replace("distribution:", "distribution: &default", 1)
    (site / "site.yaml").write_text(text, encoding="utf-8")
    assert load_config(site).distribution["送"][0] == "全国人大常委会代表工作委员会"


def test_yaml_kept_as_libyaml_marks_it(site):
    """The C parser is in use (PyYAML built with libyaml), which is what makes parsing fast."""
    import yaml

    from liandong import yamlsource

    assert yaml.__with_libyaml__ and yamlsource._Loader is yaml.CSafeLoader


def test_fast_and_checked_paths_build_the_same_nodes(monkeypatch):
    """libyaml's own composer (used for plainly shallow text) and liandong's checked composer agree
    on the data and on every key's line, for the sample's front matters and site.yaml."""
    from conftest import REPO
    from liandong import yamlsource
    from liandong.reader import split_front_matter

    documents = [((REPO / "site.yaml").read_text(encoding="utf-8"), 1)]
    for path in sorted((REPO / "content").rglob("*.md")):
        front, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
        documents.append((front.yaml_text, 2))
    for text, first_line in documents:
        assert yamlsource.plainly_shallow(text)
        fast = yamlsource.parse_yaml(text, Path("x"), first_line, allow_aliases=True)
        monkeypatch.setattr(yamlsource, "plainly_shallow", lambda text: False)
        checked = yamlsource.parse_yaml(text, Path("x"), first_line, allow_aliases=True)
        monkeypatch.undo()
        assert fast.data == checked.data and fast.source.lines == checked.source.lines and not fast.problems


@pytest.mark.parametrize("text", ["a: &x 1", "a: *x", "a: !!str 1", "%YAML 1.1\n---\na: 1",
                                  "a: " + "[" * 31 + "]" * 31, "a:\n" + "".join(" " * n + "- b\n" for n in range(0, 64, 2))])
def test_anything_that_could_be_deep_or_aliased_takes_the_checked_path(text):
    from liandong.yamlsource import plainly_shallow

    assert not plainly_shallow(text)
