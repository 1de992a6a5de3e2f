"""Jinja's template error messages, said in Chinese for the editor who overrides a template.

Jinja writes its syntax errors in English ("Unexpected end of template. Jinja was looking for the
following tags: 'endif'..."). An office that edits templates/base.html reads them in liandong's
output, where everything else is Chinese, so each message Jinja can raise is matched by pattern and
restated; token names such as 'end of statement block' are translated too. A message no pattern
knows keeps its English text after a Chinese lead-in, so nothing Jinja says is ever lost.
"""

from __future__ import annotations

import re

TOKEN_NAMES = {
    "end of statement block": "语句结束符 %}",
    "begin of statement block": "语句开始符 {%",
    "end of print statement": "输出结束符 }}",
    "begin of print statement": "输出开始符 {{",
    "end of template": "模板末尾",
    "end of comment": "注释结束符 #}",
    "begin of comment": "注释开始符 {#",
    "end of line statement": "行语句末尾",
}

SYNTAX_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Unexpected end of template\..*looking for the following tags: (?P<tags>[^.]+)\."
                r"(?: The innermost block that needs to be closed is '(?P<open>\w+)'\.)?", re.S),
     "模板在结束前缺少结束标签：需要{tags}{open}"),
    (re.compile(r"Unexpected end of template\.", re.S), "模板意外结束：有未闭合的标签"),
    (re.compile(r"Encountered unknown tag '(?P<tag>[^']+)'\..*looking for the following tags: (?P<tags>[^.]+)\."
                r"(?: The innermost block that needs to be closed is '(?P<open>\w+)'\.)?", re.S),
     "标签“{tag}”用错了位置：此处应为{tags}{open}（可能是标签嵌套错误）"),
    (re.compile(r"Encountered unknown tag '(?P<tag>[^']+)'\..*currently looking for (?P<tags>[^.]+)\."
                r"(?: The innermost block that needs to be closed is '(?P<open>\w+)'\.)?", re.S),
     "标签“{tag}”出现得太早：此处应先有{tags}{open}（可能是标签嵌套错误）"),
    (re.compile(r"Encountered unknown tag '(?P<tag>[^']+)'\.", re.S), "不认识的标签“{tag}”"),
    (re.compile(r"unexpected end of template, expected '(?P<want>[^']+)'\."), "模板意外结束，缺少“{want}”"),
    (re.compile(r"expected token '(?P<want>[^']+)', got '(?P<got>[^']+)'"), "此处应为“{want}”，却是“{got}”"),
    (re.compile(r"Expected an expression, got '(?P<got>[^']+)'"), "此处缺少表达式（遇到“{got}”）"),
    (re.compile(r"unexpected '(?P<got>.)', expected '(?P<want>.)'"), "括号不配对：遇到“{got}”，应为“{want}”"),
    (re.compile(r"unexpected '(?P<got>[^']+)'"), "多余的“{got}”"),
    (re.compile(r"unexpected char '(?P<got>[^']+)' at \d+"), "不能识别的字符 {got}"),
    (re.compile(r"Invalid character in identifier"), "变量名中有不允许的字符"),
    (re.compile(r"tag name expected"), "“{{%”后缺少标签名"),
    (re.compile(r"expected name or number"), "此处应为名称或数字"),
    (re.compile(r"expected subscript expression"), "方括号中缺少下标"),
    (re.compile(r"block '(?P<name>[^']+)' defined twice"), "区块“{name}”定义了两次"),
    (re.compile(r"cannot use extend from a non top-level scope"), "extends 只能写在模板的最外层"),
    (re.compile(r"No (?P<kind>filter|test) named '(?P<name>[^']+)'\.?"), "没有名为“{name}”的{kind}"),
    (re.compile(r"Missing end of comment tag"), "注释缺少结束符 #}}"),
    (re.compile(r"Missing end of raw directive"), "raw 区块缺少 endraw"),
    (re.compile(r"non-default argument follows default argument"), "宏参数中，无默认值的参数不能写在有默认值的参数之后"),
]

KIND_NAMES = {"filter": "过滤器", "test": "测试"}


def syntax_message(message: str | None) -> str:
    """Jinja's syntax-error message in Chinese; unknown ones keep their text after a Chinese lead-in."""
    text = (message or "").strip()
    for pattern, chinese in SYNTAX_PATTERNS:
        match = pattern.search(text)
        if match:
            fields = {key: _token(value or "") for key, value in match.groupdict().items()}
            if "tags" in fields:
                fields["tags"] = "或".join(f"“{tag.strip(chr(39) + ' ')}”"
                                          for tag in re.split(r" or |, ", match["tags"]) if tag.strip(" '"))
            if "open" in fields:
                fields["open"] = f"（最内层未闭合的是“{match['open']}”）" if match["open"] else ""
            if "kind" in fields:
                fields["kind"] = KIND_NAMES.get(match["kind"], match["kind"])
            return chinese.format(**fields)
    return f"模板语法有误（Jinja 原文：{text}）" if text else "模板语法有误"


def _token(description: str) -> str:
    """Jinja's description of a token ('end of statement block') in Chinese, else as written."""
    return TOKEN_NAMES.get(description, description)


def render_failure(exc: BaseException) -> str | None:
    """A Chinese description of a failure while rendering, for the classes an editor can cause."""
    if isinstance(exc, RecursionError):
        return "模板相互引用或递归过深（请检查 extends、include 和宏是否形成循环）"
    return None
