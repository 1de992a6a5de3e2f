"""Every word the command line shows an editor is Chinese: help, click's own messages, type names,
ranges and dates, with Chinese quotation marks. English left over from click (INTEGER RANGE, x>=1,
'2026/01/05' does not match the format '%Y-%m-%d') fails these tests.

The check: take away what is not prose — the program and command names, option names, what the
user typed, and the few names liandong's own text uses on purpose (site.yaml, PDF, YYYY-MM-DD…) —
and no ASCII word of two letters or more, and no ASCII quotation mark, may remain.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = ["build", "check", "import", "init", "new", "pdf", "serve", "wechat"]
# Names and notation the help deliberately shows as they are typed or printed.
KEPT = re.compile(r"https?://\S*|[\w./-]*\.(?:yaml|md|pdf|docx)\b|pdf/u?a-\w+|PDF/A|PDF|HTML|Dask|draft: true|Markdown|Word|WORD|YYYY-MM-DD|CPU|"
                  r"\b(?:content|templates|build)/|127\.0\.0\.1|pdf\.variant|render\.scheduler|tcp://[\w.:]+|lianluodongtai")
OPTION = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]*")


def liandong(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed console script, so usage lines read ``liandong …`` as an editor sees them."""
    script = Path(sys.executable).with_name("liandong")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "liandong"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def leftover_english(text: str, typed: tuple[str, ...]) -> list[str]:
    text = KEPT.sub(" ", text)
    for value in sorted(typed, key=len, reverse=True):
        text = text.replace(value, " ")
    text = text.replace("python -m liandong", " ").replace("liandong", " ")
    text = OPTION.sub(" ", text)
    text = re.sub(r"\b(?:%s)\b" % "|".join(COMMANDS), " ", text)
    return re.findall(r"[A-Za-z]{2,}|['\"]", text)


@pytest.mark.parametrize("args", [[], *[[command] for command in COMMANDS]], ids=lambda a: " ".join(a) or "main")
def test_help_is_chinese(tmp_path, args):
    result = liandong(*args, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "用法：" in result.stdout and "选项：" in result.stdout
    assert leftover_english(result.stdout, tuple(args)) == [], result.stdout


BAD = [
    (["build", "-j", "0"], "“-j”/“--jobs”的值无效：0 超出范围（应不小于 1）"),
    (["build", "-j", "abc"], "“abc”不是有效的整数"),
    (["build", "-j", "1.5"], "“1.5”不是有效的整数"),
    (["serve", "-p", "99999"], "99999 超出范围（应在 0 到 65535 之间）"),
    (["serve", "-p", "-1"], "超出范围"),
    (["new", "--date", "2026/01/05"], "“2026/01/05”不是有效的日期"),
    (["new", "--date", "2026-13-01"], "“2026-13-01”不是有效的日期"),
    (["new", "--date", "tomorrow"], "“tomorrow”不是有效的日期"),
    (["import", "--date", "2026/01/05", "a-file.txt"], "“2026/01/05”不是有效的日期"),
    (["build", "--pdf-variant", "pdf/x"], "“pdf/x”无效，应为以下之一：pdf/a-1b、"),
    (["bogus"], "没有“bogus”这个命令"),
    (["buil"], "没有“buil”这个命令。是否要输入“build”？"),
    (["build", "--bogus"], "没有“--bogus”这个选项"),
    (["build", "--jo"], "是否要输入其中之一：“--jobs”、“--out”？"),
    (["build", "--out"], "选项“--out”需要一个值"),
    (["build", "extra"], "多余的参数：extra"),
    (["check", "--strict=yes"], "选项“--strict”不接受值"),
    (["pdf"], "缺少参数“期刊文件”。"),
    (["pdf", "missing.md"], "文件“missing.md”不存在"),
    (["pdf", "."], "是目录，不是文件"),
    (["build", "--site", "a-file.txt"], "是文件，不是目录"),
    (["init"], "缺少参数“目录”。"),
    (["init", "x", "--slug", "Bad_Slug"], "“--slug”的值无效：应为小写字母、数字和连字符组成的名称"),
    (["init", "x", "--base-url", "ftp://x"], "“--base-url”的值无效：应为以 http:// 或 https:// 开头的网址"),
]


@pytest.mark.parametrize("args, expected", BAD, ids=lambda value: " ".join(value) if isinstance(value, list) else "")
def test_bad_arguments_get_chinese_errors_with_exit_2(tmp_path, args, expected):
    (tmp_path / "a-file.txt").write_text("", encoding="utf-8")
    result = liandong(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    typed = tuple(value for value in args if not value.startswith("-")) + ("--strict=yes",)
    assert leftover_english(result.stderr, typed) == [], result.stderr


def test_the_checker_catches_what_click_writes_in_english():
    """The check itself can fail: click's untranslated forms all leave English or ASCII quotes."""
    for english in ["-j, --jobs INTEGER RANGE  [x>=1]", "Error: Invalid value for '--date': '2026/01/05' does not "
                    "match the format '%Y-%m-%d'.", "Usage: liandong build [OPTIONS]", "缺少参数 '期刊文件'."]:
        assert leftover_english(english, ()) != [], english
