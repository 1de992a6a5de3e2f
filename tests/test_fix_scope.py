"""``check --fix`` changes only what the editor is working on, fixes the punctuation Word and
half-width typing leave in Chinese text, and reports exactly what it left."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from liandong.lint import fix_text, lint_text

BODY = "---\nissue: 1\n---\n\n# 某县：标题\n\n{}\n"


def fixed_body(line: str) -> str:
    return fix_text(BODY.format(line))[0].split("\n")[6]


@pytest.mark.parametrize("written, expected", [
    # a half-width full stop after Chinese
    ("会议指出.要加强建设.", "会议指出。要加强建设。"),
    ("他说：“要把工作做实.”", "他说：“要把工作做实。”"),
    ("**加强监督.**下一步", "**加强监督。**下一步"),
    # ellipses
    ("建设...下一步", "建设……下一步"),
    ("继续推进…", "继续推进……"),
    ("问题。。。已办结", "问题……已办结"),
    ("等等......", "等等……"),
    ("……已经很好", "……已经很好"),
    # half-width punctuation with spaces around it, between Chinese characters
    ("代表们表示 , 将积极履职 ; 认真听取意见 : 一是学习", "代表们表示，将积极履职；认真听取意见：一是学习"),
    ("你来了 ? 好 ! 走", "你来了？好！走"),
    ("表示 , 将", "表示，将"),
    ("办结 . 下一步", "办结。下一步"),
    # doubled marks
    ("重中之重。。", "重中之重。"),
    ("一是，，二是、、三是", "一是，二是、三是"),
    # straight single quotes quoting Chinese
    ("'老百姓'的心声", "‘老百姓’的心声"),
])
def test_fix_catches_what_half_width_typing_leaves(written: str, expected: str) -> None:
    assert fixed_body(written) == expected
    assert not [f for f in lint_text(BODY.format(expected)) if f.fixable]


@pytest.mark.parametrize("kept", [
    "共收集意见1.5万条。",  # decimals
    "1.加强组织领导。",  # GB/T 9704 numbering uses a half-width full stop
    "详见 https://example.com/a.html 和 `code.x`.",  # addresses and code
    "附件：实施方案.docx",  # file names
    "The U.S. team said it's fine... really.",  # English text
    "他说 it's 好。",  # an apostrophe inside an English word
    "范围 1...5 之间。",  # dots between digits
])
def test_fix_leaves_what_is_not_chinese_punctuation(kept: str) -> None:
    assert fixed_body(kept) == kept


def test_fix_reaches_a_fixed_point_in_one_run() -> None:
    text = BODY.format("代表们表示 , 将积极履职 ... 他说:\"好.\" '群众' 。。")
    once, count = fix_text(text)
    assert count > 0 and fix_text(once) == (once, 0)
    assert not [f for f in lint_text(once) if f.fixable]


SLOPPY = "会议指出.要加强建设...下一步 , 将继续推进…"


def sloppy(path: Path, anchor: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + SLOPPY, 1), encoding="utf-8")


def test_published_issues_stay_byte_identical_without_all(site: Path) -> None:
    published = site / "content/2024/35.md"
    sloppy(published, "浏阳市人大常委会把")
    gbk = site / "content/2025/13.md"
    gbk.write_bytes(gbk.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    before = {p: p.read_bytes() for p in (site / "content").rglob("*.md")}
    result = run_cli("check", "--fix", cwd=site)
    assert result.returncode == 0, result.stderr
    assert {p: p.read_bytes() for p in (site / "content").rglob("*.md")} == before
    assert "已修正" not in result.stdout and "没有草稿" in result.stdout
    assert "未修改已发布的 content/2024/35.md" in result.stdout and "--all" in result.stdout
    assert "content/2024/35.md" in result.stderr  # and the report still lists what is wrong there
    assert not (site / ".liandong-cache/backup").exists()


def test_fix_changes_drafts_and_named_files_only(site: Path) -> None:
    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    draft = site / "content/2025/14.md"
    sloppy(draft, "待填写正文第一段。")
    named, other = site / "content/2024/36.md", site / "content/2024/35.md"
    sloppy(named, "述职，")
    sloppy(other, "浏阳市人大常委会把")
    other_before = other.read_bytes()
    front_before = draft.read_text(encoding="utf-8").split("---")[1]

    result = run_cli("check", "--fix", cwd=site)
    assert "已修正 content/2025/14.md 中 4 处" in result.stdout
    assert "会议指出。要加强建设……下一步，将继续推进……" in draft.read_text(encoding="utf-8")
    assert draft.read_text(encoding="utf-8").split("---")[1] == front_before
    assert SLOPPY in named.read_text(encoding="utf-8") and other.read_bytes() == other_before
    # The report after fixing lists what is left, and nothing it could have fixed in the files it fixed.
    left = [line for line in result.stderr.splitlines() if line.startswith("content/2025/14.md")]
    assert any("待填写" in line for line in left)  # the draft's placeholders are still reported
    assert all("半角" not in line and "省略号" not in line for line in left)
    assert "没有发现问题" not in result.stdout

    result = run_cli("check", "--fix", "content/2024/36.md", cwd=site)
    assert "已修正 content/2024/36.md 中 4 处" in result.stdout
    assert SLOPPY not in named.read_text(encoding="utf-8") and other.read_bytes() == other_before
    assert all("半角" not in line and "省略号" not in line for line in result.stderr.splitlines())


def test_fix_all_changes_published_issues(site: Path) -> None:
    other = site / "content/2024/35.md"
    sloppy(other, "浏阳市人大常委会把")
    result = run_cli("check", "--fix", "--all", cwd=site)
    assert "已修正 content/2024/35.md 中 4 处" in result.stdout
    assert "浏阳市人大常委会把会议指出。要加强建设……下一步，将继续推进……" in other.read_text(encoding="utf-8")
    assert "半角" not in result.stderr and "省略号" not in result.stderr


def test_fix_refuses_files_outside_the_content_folder(site: Path) -> None:
    stray = site / "notes.md"
    stray.write_text("会议指出.要加强", encoding="utf-8")
    result = run_cli("check", "--fix", "notes.md", cwd=site)
    assert result.returncode == 2 and "不是本站点 content/ 中的期刊文件" in result.stderr
    assert stray.read_text(encoding="utf-8") == "会议指出.要加强"
    assert run_cli("check", "--all", cwd=site).returncode == 2


def test_check_of_named_files_reports_only_them(site: Path) -> None:
    sloppy(site / "content/2024/35.md", "浏阳市人大常委会把")
    sloppy(site / "content/2024/36.md", "述职，")
    result = run_cli("check", "content/2024/36.md", cwd=site)
    assert "content/2024/36.md" in result.stderr and "content/2024/35.md" not in result.stderr
    assert "content/2025/12.md" not in result.stderr
    assert run_cli("check", "site.yaml", cwd=site).returncode == 2


from hypothesis import given, settings, strategies as st

PIECES = st.sampled_from(["代表", "联络站", "。", "，", ".", "..", "...", "…", "……", ",", " , ", ":", ";", "?", "!", " ",
                          "\u3000", '"', "'", "(", ")", "（", "）", "“", "”", "1.", "5", "it's", "a", "`x.y`", "**",
                          "https://e.com/a.b", "。。", "、、"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30))
def test_fix_is_idempotent_and_leaves_nothing_fixable(pieces: list[str]) -> None:
    text = BODY.format("".join(pieces))
    once, _ = fix_text(text)
    assert fix_text(once) == (once, 0)
    assert not [f for f in lint_text(once) if f.fixable]
    assert once.split("\n")[:6] == text.split("\n")[:6]  # front matter and title lines above untouched
