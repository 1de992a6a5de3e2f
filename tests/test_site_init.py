"""``liandong init``: a new bulletin from an empty folder, on a terminal or in a script."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import select
import subprocess
import sys

import pytest
import yaml

from liandong.config import load_config
from liandong.errors import LiandongError
from liandong.reader import load_archive
from liandong.site_init import PLACEHOLDER, Answers, init_site, site_yaml

from conftest import run_cli

# Values a YAML file written by string formatting would get wrong: quotes, colons, comment signs,
# leading indicators, words YAML reads as booleans or numbers, brackets, full-width punctuation.
AWKWARD = ["联络动态", "“两会”专报", "a: b", "# 不是注释", "- 列表", "'单引号'", '"双引号"', "yes", "No", "0731",
           "3.14", "null", "~", "[方括号]", "{花括号}", "湘党简准字[2000]第28号", "&锚点", "*别名", "!标签", "%百分号",
           "@at", "`反引号`", "文字 #注释", "  前后空格  ", "、。，；：？！"]


@pytest.mark.parametrize("value", AWKWARD)
def test_values_read_back_as_written(tmp_path, value):
    answers = Answers(title=value, publisher=value, editor=value, phone=value, email=value, approval=value)
    init_site(tmp_path / "site", answers, dt.date(2025, 3, 2))
    config = load_config(tmp_path / "site")
    expected = value.strip()
    assert (config.title, config.publisher, config.editor, config.contact.phone, config.contact.email,
            config.approval) == (expected,) * 6
    archive, problems = load_archive(config)  # the first issue carries the editor's name too
    assert not [p for p in problems if p.is_error]
    assert archive.drafts[0].editor == expected  # the first issue is a draft until the editor marks it ready


def test_every_key_has_a_chinese_comment_and_the_file_is_what_load_config_reads(tmp_path):
    text = site_yaml(Answers(title="工作简报", publisher="某县人大常委会办公室", editor="张三"))
    lines = text.splitlines()
    data = yaml.safe_load(text)
    keys = [line for line in lines if re.match(r"^\s*[a-z_]+:", line)]
    assert {line.split(":")[0].strip() for line in keys} >= {"title", "publisher", "editor", "slug", "contact", "phone",
                                                            "email", "approval", "base_url", "distribution"}
    for line in keys:
        above = lines[lines.index(line) - 1].strip()
        assert above.startswith("# ") and re.search(r"[\u4e00-\u9fff]", above), line
    assert data["slug"] == "gongzuojianbao" and data["distribution"] == {"送": [PLACEHOLDER]}


def test_init_writes_site_yaml_and_the_first_issue_as_new_does(tmp_path):
    result = run_cli("init", "新简报", "--title", "工作简报", "--publisher", "某县人大常委会办公室", "--editor", "张三",
                     "--date", "2026-01-05", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "新简报"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == \
        [".gitignore", "content/2026/01.md", "site.yaml"]
    front = yaml.safe_load((site / "content/2026/01.md").read_text(encoding="utf-8").split("---\n")[1])
    assert (front["issue"], front["total"], front["date"], front["editor"]) == (1, 1, dt.date(2026, 1, 5), "张三")
    config = load_config(site)
    assert (config.title, config.publisher, config.slug) == ("工作简报", "某县人大常委会办公室", "gongzuojianbao")
    assert "下一步：cd 新简报 && liandong build" in result.stdout
    assert front["draft"] is True  # not published until the editor marks it ready
    # liandong new refuses a second issue while the first is a draft, and continues the numbering when forced
    assert run_cli("new", "--date", "2026-02-01", cwd=site).returncode == 1
    assert not (site / "content/2026/02.md").exists()
    assert run_cli("new", "--date", "2026-02-01", "--force", cwd=site).returncode == 0
    assert (site / "content/2026/02.md").is_file()


def test_without_a_terminal_init_asks_nothing_and_fills_placeholders(tmp_path):
    result = subprocess.run([sys.executable, "-m", "liandong", "init", "我的简报"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    config = load_config(tmp_path / "我的简报")
    assert (config.title, config.publisher, config.editor) == ("我的简报", PLACEHOLDER, PLACEHOLDER)
    assert "：" not in result.stderr  # no prompt was shown
    assert f"请在 site.yaml 中补全标为“{PLACEHOLDER}”的各项" in result.stdout


def test_on_a_terminal_init_asks_title_publisher_and_editor(tmp_path):
    """Run on a pseudo-terminal; an empty answer is asked again, the title defaults to the folder."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "liandong", "init", "县区简报", "--editor", "李四"], cwd=tmp_path,
                               stdin=terminal, stdout=terminal, stderr=terminal, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    os.close(terminal)
    answers = iter(["\n", "\n", "某县人大常委会\n"])  # title: default; publisher: empty, asked again
    seen = b""
    try:
        while process.poll() is None or select.select([controller], [], [], 0)[0]:
            ready, _, _ = select.select([controller], [], [], 20)
            if not ready:
                break
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            seen += chunk
            if chunk.rstrip().endswith("：".encode()):
                reply = next(answers, None)  # the closing "已新建简报《…》：" also ends with a colon
                if reply is not None:
                    os.write(controller, reply.encode())
    finally:
        process.wait(timeout=60)
        os.close(controller)
    shown = seen.decode("utf-8", "replace")
    assert process.returncode == 0, shown
    assert "简报名称 [县区简报]：" in shown and shown.count("编印单位") == 2 and "责任编辑" not in shown
    config = load_config(tmp_path / "县区简报")
    assert (config.title, config.publisher, config.editor) == ("县区简报", "某县人大常委会", "李四")


@pytest.mark.parametrize("setup", ["file", "hidden", "folder", "is_a_file"])
def test_init_refuses_a_folder_that_is_not_empty_and_changes_nothing(tmp_path, setup):
    target = tmp_path / "简报"
    if setup == "is_a_file":
        target.write_text("x", encoding="utf-8")
    else:
        target.mkdir()
        {"file": lambda: (target / "笔记.txt").write_text("旧内容", encoding="utf-8"),
         "hidden": lambda: (target / ".git").mkdir(),
         "folder": lambda: (target / "content").mkdir()}[setup]()
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = run_cli("init", "简报", "--title", "工作简报", cwd=tmp_path)
    if setup == "is_a_file":  # click's own check on the argument: a usage error
        assert result.returncode == 2 and "目录“简报”是文件，不是目录" in result.stderr
    else:
        assert result.returncode == 1
        assert "目录不是空的" in result.stderr and "未新建简报" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_init_into_an_existing_empty_folder(tmp_path):
    (tmp_path / "空目录").mkdir()
    assert run_cli("init", "空目录", cwd=tmp_path).returncode == 0
    assert load_config(tmp_path / "空目录").title == "空目录"


@pytest.mark.parametrize("option, value, reason", [
    ("--title", "", "应为非空文本"),
    ("--title", "两行\n标题", "不能换行"),
    ("--slug", "联络动态", "小写字母、数字和连字符"),
    ("--slug", "Bad_Slug", "小写字母、数字和连字符"),
    ("--base-url", "example.org", "http://"),
    ("--editor", "编辑\x07", "控制字符"),
    ("--date", "2026/01/05", "不是有效的日期"),
])
def test_bad_options_stop_before_anything_is_written(tmp_path, option, value, reason):
    result = run_cli("init", "简报", option, value, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"“{option}”的值无效" in result.stderr and reason in result.stderr
    assert not (tmp_path / "简报").exists()


def test_a_failure_half_way_leaves_no_half_made_site(tmp_path, monkeypatch):
    import liandong.site_init

    def broken(*args, **kwargs):
        raise LiandongError("模拟失败")

    monkeypatch.setattr(liandong.site_init, "new_issue", broken)
    with pytest.raises(LiandongError):
        init_site(tmp_path / "site", Answers(title="简报"), dt.date(2025, 1, 1))
    assert not (tmp_path / "site").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(LiandongError):
        init_site(tmp_path / "empty", Answers(title="简报"), dt.date(2025, 1, 1))
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())
