"""The editor's day: new → check → serve → build, with incremental, parallel and atomic builds."""

from __future__ import annotations

import filecmp
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from liandong.build import build
from liandong.errors import LiandongError
from liandong.progress import TerminalProgress

from conftest import copy_site, run_cli

# Slow (the editor's whole day through the real CLI: new, check, serve, parallel builds with PDFs): `pytest -m 'not slow'` skips it locally; CI runs it.
pytestmark = pytest.mark.slow


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def inodes(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- liandong new --------------------------------------------------------------------------------

def test_new_continues_numbering_within_the_year(site):
    result = run_cli("new", "--date", "2025-09-01", cwd=site)
    assert result.returncode == 0, result.stderr
    text = (site / "content/2025/14.md").read_text(encoding="utf-8")
    assert re.search(r"^issue: 14\b", text, re.M) and re.search(r"^total: 741\b", text, re.M)
    assert "date: 2025-09-01" in text and "editor: 汤建" in text and "- 全国人大常委会代表工作委员会" in text
    check = run_cli("check", cwd=site)
    assert check.returncode == 0 and "14.md:8: 警告：仍有“待填写”占位文字" in check.stderr


def test_new_restarts_issue_number_in_a_new_year(site):
    assert run_cli("new", "--date", "2026-01-06", cwd=site).returncode == 0
    text = (site / "content/2026/01.md").read_text(encoding="utf-8")
    assert re.search(r"^issue: 1\b", text, re.M) and re.search(r"^total: 741\b", text, re.M)
    assert run_cli("build", "--no-pdf", cwd=site).returncode == 0


def test_new_refuses_to_overwrite(site):
    blocker = site / "content/2025/14.md"
    blocker.write_text("not an issue yet", encoding="utf-8")
    result = run_cli("new", "--date", "2025-09-01", cwd=site)
    assert result.returncode == 1 and "文件已存在，未覆盖" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "not an issue yet"


# --- liandong check ------------------------------------------------------------------------------

def test_check_reports_every_problem_at_once_and_writes_nothing(site):
    edit(site / "content/2025/12.md", "total: 739", "total: 0")
    edit(site / "content/2025/13.md", "date: 2025-08-08", "date: 2024-08-08")
    edit(site / "content/2024/35.md", "浏阳市人大常委会把“微建议”", "浏阳市人大常委会把\"微建议\",")
    edit(site / "content/2024/36.md", "    contributor: 湘西州凤凰县人大常委会\n", "")
    before = tree(site)
    result = run_cli("check", cwd=site)
    assert result.returncode == 1
    err = result.stderr
    assert "content/2025/12.md:4: 错误：“total”（总期号）应为正整数" in err
    assert "content/2025/13.md:5: 错误：日期 2024-08-08 的年份与所在目录 2025 不一致" in err
    assert "content/2024/35.md:15: 警告：中文中使用了直引号" in err
    assert "content/2024/35.md:15: 警告：中文中使用了半角标点“,”，应为全角“，”" in err
    assert "content/2024/36.md:11: 警告：第 3 篇文章没有填写供稿单位" in err
    assert "content/2025/12.md:76: 警告：中文之间有多余的空格" in err
    assert err.index("错误") < err.index("警告")
    assert "检查完毕：2 处错误" in result.stdout
    assert tree(site) == before


def test_check_strict_turns_warnings_into_errors(site):
    assert run_cli("check", cwd=site).returncode == 0
    assert run_cli("check", "--strict", cwd=site).returncode == 1


def test_check_finds_unbalanced_marks_and_stray_spaces(site):
    edit(site / "content/2024/36.md", "述职，接受选民评议", "述职，接受《选民评议 ，")
    result = run_cli("check", cwd=site)
    assert "content/2024/36.md:17: 警告：本段 《 与 》 不成对" in result.stderr
    assert "content/2024/36.md:17: 警告：中文之间有多余的空格" in result.stderr


def test_check_fix_rewrites_safe_problems_keeps_a_backup_and_is_idempotent(site):
    path = site / "content/2024/35.md"
    original = path.read_text(encoding="utf-8")
    edit(path, "浏阳市人大常委会把“微建议”作为", "　　浏阳市人大常委会把\"微建议\"作为 重要抓手(示例),")
    broken = path.read_text(encoding="utf-8")
    result = run_cli("check", "--fix", "content/2024/35.md", cwd=site)
    assert "已修正 content/2024/35.md 中 5 处" in result.stdout
    fixed = path.read_text(encoding="utf-8")
    assert "浏阳市人大常委会把“微建议”作为重要抓手（示例），" in fixed
    backups = list((site / ".liandong-cache/backup").rglob("35.md"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == broken
    assert len(fixed.splitlines()) == len(original.splitlines())
    again = run_cli("check", "--fix", "content/2024/35.md", cwd=site)
    assert "已修正" not in again.stdout and path.read_text(encoding="utf-8") == fixed


# --- incremental builds ----------------------------------------------------------------------------

def test_noop_rebuild_writes_nothing(site):
    build(site)
    before = inodes(site / "build")
    report = build(site)
    assert report.written == () and report.removed == ()
    assert inodes(site / "build") == before
    assert not [p for p in site.iterdir() if "staging" in p.name]


def test_one_issue_changed_rerenders_its_page_pdf_and_lists_only(site):
    build(site)
    edit(site / "content/2024/35.md", "全年共收集“微建议”326条", "全年共收集“微建议”327条")
    report = build(site)
    search = {dest for dest in report.written if dest.startswith("search-index/")}
    assert set(report.written) - search == {
        "2024/35/index.html", "2024/35/liandong-2024-35.pdf", "2024/index.html", "2024/liandong-2024-volume.pdf",
        "index.html", "feed.xml", "counties/changshashi-liuyangshi/index.html",
        "counties/yueyangshi-pingjiangxian/index.html",
    }
    # the search index: in the edited issue's year only, the gram files holding 326 or 327
    assert search and all(dest.startswith("search-index/2024/") and dest.endswith(".txt") for dest in search)


def test_template_change_rerenders_pages_but_not_pdfs(site):
    build(site)
    edit(site / "templates/base.html", "跳到正文", "跳到正文内容")
    report = build(site)
    assert "2025/12/index.html" in report.written and not [d for d in report.written if d.endswith(".pdf")]
    edit(site / "templates/print/print.css", "letter-spacing: -0.25pt;", "letter-spacing: -0.2pt;")
    report = build(site)
    assert {d for d in report.written if d.endswith(".pdf")} == {p.relative_to(site / "build").as_posix()
                                                               for p in (site / "build").rglob("*.pdf")}
    assert not [d for d in report.written if d.endswith(".html")]


def add_issue(site: Path) -> None:
    shutil.copy(site / "content/2025/13.md", site / "content/2025/14.md")
    edit(site / "content/2025/14.md", "issue: 13\ntotal: 740\ndate: 2025-08-08", "issue: 14\ntotal: 741\ndate: 2025-08-18")


CHANGES = {
    "content edit": lambda s: edit(s / "content/2025/13.md", "群众扫码即可", "群众用手机扫码即可"),
    "issue added": add_issue,
    "issue removed": lambda s: (s / "content/2024/35.md").unlink(),
    "county renamed": lambda s: edit(s / "content/2024/36.md", "county: 湘西州凤凰县", "county: 湘西州泸溪县"),
    "web template": lambda s: edit(s / "templates/issue.html", "要目</h2>", "本期要目</h2>"),
    "print template": lambda s: edit(s / "templates/print/_issue.html", "要目</div>", "本期要目</div>"),
    "static file": lambda s: edit(s / "templates/static/style.css", "--red: #c8161d;", "--red: #b5121b;"),
    "site.yaml": lambda s: edit(s / "site.yaml", "editor: 汤建", "editor: 李华"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_build_equals_clean_build(tmp_path, change):
    """The cache can never produce stale output: after each kind of change, the incremental result
    is byte-identical to a clean build of the same sources."""
    site = copy_site(tmp_path / "site")
    build(site)
    CHANGES[change](site)
    build(site)
    clean = copy_site(tmp_path / "clean")
    shutil.rmtree(clean / "content"), shutil.rmtree(clean / "templates")
    shutil.copytree(site / "content", clean / "content")
    shutil.copytree(site / "templates", clean / "templates")
    shutil.copy(site / "site.yaml", clean / "site.yaml")
    build(clean)
    assert tree(site / "build") == tree(clean / "build")


def test_parallel_and_serial_pdfs_are_identical(tmp_path):
    serial, parallel = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    build(serial, workers=1)
    build(parallel, workers=2)
    assert tree(serial / "build") == tree(parallel / "build")


# --- progress and output ------------------------------------------------------------------------------

def test_summary_line_when_not_a_terminal_and_quiet_verbose(site):
    result = run_cli("build", "-j", "2", cwd=site)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("共 4 期、20 个页面、6 个 PDF：写入 ") and "用时" in lines[0]
    assert run_cli("build", "-q", cwd=site).stdout == ""
    edit(site / "content/2025/13.md", "群众扫码即可", "群众用手机扫码即可")
    verbose = run_cli("build", "-v", cwd=site).stdout
    assert "写入 2025/13/index.html" in verbose and "写入 2025/13/liandong-2025-13.pdf" in verbose


def test_terminal_progress_shows_done_total_item_and_time_left():
    ticks = iter([0.0, 2.0, 4.0])
    stream = io.StringIO()
    progress = TerminalProgress(stream, clock=lambda: next(ticks))
    progress.start(4)
    progress.step("联络动态2025年第12期.pdf")
    progress.step("联络动态2025年第13期.pdf")
    progress.finish()
    shown = stream.getvalue()
    assert "[1/4] 联络动态2025年第12期.pdf  剩余约 6 秒" in shown and "[2/4] 联络动态2025年第13期.pdf  剩余约 4 秒" in shown


def test_progress_on_a_real_terminal(site):
    """Run under a pseudo-terminal, as an editor would, and see the progress counter."""
    import pty

    output = bytearray()

    def read(fd):
        data = os.read(fd, 1024)
        output.extend(data)
        return data

    os.chdir(site)
    try:
        pty.spawn([sys.executable, "-m", "liandong", "build", "-j", "1"], read)
    finally:
        os.chdir("/")
    text = output.decode("utf-8", errors="replace")
    assert re.search(r"\[\d+/\d+\] ", text) and "联络动态2025年第12期.pdf" in text


# --- atomic output ----------------------------------------------------------------------------------

def test_failing_pdf_leaves_previous_build(site, monkeypatch):
    build(site)
    before = tree(site / "build")
    edit(site / "content/2025/13.md", "群众扫码即可", "群众用手机扫码即可")
    from liandong import pdf

    def explode(*args, **kwargs):
        raise RuntimeError("printer on fire")
    monkeypatch.setattr(pdf, "render_job", explode)
    # PDF workers are processes that would not see the patch: a thread pool given as the executor
    # runs the (patched) job the way any caller-supplied executor does (serve's, a cluster's).
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as executor, pytest.raises(RuntimeError, match="printer on fire"):
        build(site, executor=executor)
    assert tree(site / "build") == before
    assert not [p for p in site.iterdir() if "staging" in p.name]


def test_ctrl_c_mid_build_leaves_previous_build(site):
    build(site)
    before = tree(site / "build")
    for path in (site / "content").rglob("*.md"):  # every PDF must be remade: a long build to interrupt
        path.write_text(path.read_text(encoding="utf-8").replace("。", "。 ", 1), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "liandong", "build", "-j", "1"], cwd=site,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(site.glob(".build-staging-*/2024/35/*.pdf")):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "已中断：原有输出保持不变" in err and "Traceback" not in err
    assert tree(site / "build") == before
    assert not [p for p in site.iterdir() if "staging" in p.name]


# --- liandong serve -----------------------------------------------------------------------------------

class Preview:
    def __init__(self, site: Path, *options: str):
        self.process = subprocess.Popen([sys.executable, "-m", "liandong", "serve", "--port", "0", *options], cwd=site,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(r"预览地址：(http://127\.0\.0\.1:\d+/)", timeout=900).group(1)  # the first build renders every PDF

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: str, start: int = 0, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                match = re.search(pattern, line)
                if match:
                    return match
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in {self.lines}")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read()

    def events(self) -> list[str]:
        received: list[str] = []

        def listen():
            with urllib.request.urlopen(self.url + "__liandong/events", timeout=30) as response:
                for raw in response:
                    received.append(raw.decode())
        threading.Thread(target=listen, daemon=True).start()
        time.sleep(0.3)
        return received

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def test_serve_reloads_on_change_shows_errors_and_recovers(site):
    preview = Preview(site)
    try:
        page = preview.get("2025/13/").decode("utf-8")
        assert "EventSource" in page and "群众扫码即可" in page
        pdf_before = preview.get("2025/13/liandong-2025-13.pdf")
        assert b"/__liandong/pdf/2025/13/" in preview.get("2025/13/")
        assert b"<iframe" in preview.get("__liandong/pdf/2025/13/")
        assert not (site / "build").exists()

        events = preview.events()
        mark = len(preview.lines)
        edit(site / "content/2025/13.md", "群众扫码即可", "群众用手机扫码即可")
        preview.wait_for(r"已更新 \d+ 个文件", mark)
        assert "群众用手机扫码即可" in preview.get("2025/13/").decode("utf-8")
        assert preview.get("2025/13/liandong-2025-13.pdf") != pdf_before
        deadline = time.monotonic() + 5
        while "data: pdf\n" not in events and time.monotonic() < deadline:
            time.sleep(0.05)
        # the pages reload on "redraw" (a new PDF follows) as on "reload"; the preview on "pdf"
        assert ("data: redraw\n" in events or "data: reload\n" in events) and "data: pdf\n" in events

        mark = len(preview.lines)
        edit(site / "content/2025/13.md", "total: 740", "total: 七百四十")
        preview.wait_for(r"13\.md:4: 错误：“total”（总期号）应为正整数", mark)
        page = preview.get("2025/13/").decode("utf-8")
        assert 'id="liandong-error"' in page and "content/2025/13.md:4: 错误" in page
        assert "群众用手机扫码即可" in page  # the last good page is still served

        mark = len(preview.lines)
        edit(site / "content/2025/13.md", "total: 七百四十", "total: 740")
        preview.wait_for(r"问题已解决", mark)
        assert 'id="liandong-error"' not in preview.get("2025/13/").decode("utf-8")
        assert preview.process.poll() is None
    finally:
        preview.stop()
