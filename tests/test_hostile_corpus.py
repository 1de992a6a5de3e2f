"""A hostile corpus of the suite's own: one case per class of attack or accident (issue 15).

Every case runs the real command line and checks what an editor sees: the exit code, a Chinese
message naming the file (and line), no traceback or 内部错误; for refused builds, build/ is
byte-identical afterwards; for builds that go through, nothing is injected in any output — pages,
feed, sitemap, search index, PDFs. Inputs meant to exhaust the machine run in a subprocess under
``resource.setrlimit`` caps (CPU seconds and address space per process): a case that needed more
would be killed, and the test would see it.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from test_hostile import edit, scripts_and_handlers, tree

CPU_CAP = 10  # seconds of CPU, per process
MEMORY_CAP = 500 * 1024 * 1024  # bytes of resident memory, per process (max RSS, asserted)
# The kernel cannot cap resident memory, so runaway growth is stopped by an address-space cap. It is
# set above MEMORY_CAP because address space is not memory: WeasyPrint's mapped font files and
# glibc's reserved malloc arenas count in it (a PDF worker that has laid out a 200-row table maps
# ~450 MB with ~210 MB resident), and a limit at 500 MB failed legitimate builds at random points.
ADDRESS_SPACE_CAP = 1024 * 1024 * 1024
WALL_CAP = 120  # seconds: a blocked process uses no CPU, so a hang is caught by the clock
SAFE_URL = re.compile(r"^(https?:|mailto:|tel:|[^:]*$)", re.I)

CAPPED = """
import json, os, resource, signal, subprocess, sys
cpu, memory, wall = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def limit():
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
child = subprocess.Popen(sys.argv[4:], preexec_fn=limit, start_new_session=True, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
try:
    stdout, stderr = child.communicate(timeout=wall)
    code = child.returncode
except subprocess.TimeoutExpired:
    os.killpg(child.pid, signal.SIGKILL)
    stdout, stderr = child.communicate()
    code = "timeout"
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"returncode": code, "stdout": stdout, "stderr": stderr,
                  "cpu": usage.ru_utime + usage.ru_stime, "max_rss": usage.ru_maxrss * 1024}))
"""


def run_capped(*args: str, cwd: Path) -> dict:
    """``liandong ARGS`` with every process capped at CPU_CAP seconds and ADDRESS_SPACE_CAP bytes,
    and the whole command at WALL_CAP seconds (returncode "timeout" then); callers assert the max
    RSS against MEMORY_CAP."""
    wrapper = subprocess.run([sys.executable, "-c", CAPPED, str(CPU_CAP), str(ADDRESS_SPACE_CAP), str(WALL_CAP),
                              sys.executable, "-m", "liandong", *args], cwd=cwd, capture_output=True, text=True,
                             env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=WALL_CAP + 60)
    assert wrapper.returncode == 0, wrapper.stderr
    return json.loads(wrapper.stdout)


def assert_refused(result, message: str) -> None:
    """Exit 1, the message (a regex), Chinese, no traceback: what every refusal looks like."""
    stderr = result["stderr"] if isinstance(result, dict) else result.stderr
    code = result["returncode"] if isinstance(result, dict) else result.returncode
    assert code == 1, (code, stderr[-2000:])
    assert "Traceback" not in stderr and "内部错误" not in stderr, stderr[-2000:]
    assert re.search(message, stderr), stderr[-2000:]


def assert_nothing_injected(out: Path) -> None:
    """No script, handler or unsafe address anywhere a reader's browser or PDF viewer looks."""
    for page in out.rglob("*.html"):
        scripts, handlers, urls = scripts_and_handlers(page.read_text(encoding="utf-8"))
        assert not handlers, (page, handlers)
        # the site's own scripts: relative .js files, or inline ones from its templates (no payload)
        assert all((el.get("src", "").endswith((".js", ".mjs")) and not re.match(r"^\w+:|//", el.get("src", "")))
                   or (not el.get("src") and el.tag == "script" and "alert" not in (el.text or ""))
                   for el in scripts), page
        assert all(SAFE_URL.match(url) for url in urls), (page, [u for u in urls if not SAFE_URL.match(u)])
    for feed in (out / "feed.xml", out / "sitemap.xml"):
        text = feed.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and not re.search(r"""href=["']\s*javascript""", text, re.I)
    lists = list(out.glob("search-index/*/records.json"))  # one index per year; results link to a record's link
    assert lists or not (out / "search-index").exists()
    for records in lists:
        for record in json.loads(records.read_text(encoding="utf-8"))["records"]:
            assert re.fullmatch(r"\d{4}/\d{2}/index\.html#article-\d+", record[0]), record
    from pypdf import PdfReader

    for path in out.rglob("*.pdf"):
        reader = PdfReader(path)
        catalog = reader.trailer["/Root"]
        assert "/OpenAction" not in catalog and "/JavaScript" not in catalog.get("/Names", {}), path
        for page in reader.pages:
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A")
                if action is None:
                    continue
                assert action["/S"] in ("/URI", "/GoTo"), (path, action)
                if action["/S"] == "/URI":
                    assert SAFE_URL.match(str(action["/URI"])), (path, action["/URI"])


def write_issue(site: Path, front: str, body: str, name: str = "14.md") -> Path:
    path = site / "content/2025" / name
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


FRONT = "issue: 14\ntotal: 741\ndate: 2025-08-10\narticles:\n  - county: 株洲市炎陵县\n"


@pytest.fixture
def built(site) -> tuple[Path, dict[str, bytes]]:
    """The sample site built once (HTML, search, no PDF) and its output, to compare after a refusal."""
    result = run_cli("build", "--no-pdf", "-q", cwd=site)
    assert result.returncode == 0, result.stderr
    return site, tree(site / "build")


# --- 1. resource bombs ---------------------------------------------------------------------------

def laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def table(rows: int, columns: int) -> str:
    head = "| " + " | ".join(f"第{c}列" for c in range(columns)) + " |\n|" + "---|" * columns + "\n"
    return head + "".join("| " + " | ".join(f"{r}.{c}" for c in range(columns)) + " |\n" for r in range(rows))


BOMBS = {  # name → (what to write, where the error must point, what it must say)
    "alias bomb in front matter": (lambda s: write_issue(s, FRONT + laughs(), "# 标题\n\n正文。\n"),
                                   r"content/2025/14\.md:7: 错误：不支持 YAML 锚点"),
    "alias bomb in site.yaml": (lambda s: (s / "site.yaml").write_text(
        (s / "site.yaml").read_text(encoding="utf-8") + "x:\n" + re.sub("^", "  ", laughs(), flags=re.M),
        encoding="utf-8"), r"site\.yaml:\d+: 错误：YAML 内容展开后超过 \d+ 项"),
    "10,000-level flow nesting in front matter": (
        lambda s: write_issue(s, FRONT + "x: " + "[" * 10_000 + "]" * 10_000 + "\n", "# 标题\n\n正文。\n"),
        r"content/2025/14\.md:7: 错误：YAML.{0,6}嵌套层数过多"),
    "10,000-level block nesting in front matter": (
        lambda s: write_issue(s, FRONT + "x:\n" + "- " * 10_000 + "a\n", "# 标题\n\n正文。\n"),
        r"content/2025/14\.md:8: 错误：YAML.{0,6}嵌套层数过多"),
    "10,000-level nesting in site.yaml": (lambda s: (s / "site.yaml").write_text(
        (s / "site.yaml").read_text(encoding="utf-8") + "x: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        encoding="utf-8"), r"site\.yaml:\d+: 错误：YAML.{0,6}嵌套层数过多"),
    "huge front matter": (lambda s: write_issue(s, FRONT + "x: [" + ", ".join(["某某单位"] * 60_000) + "]\n",
                                                "# 标题\n\n正文。\n"), r"content/2025/14\.md:2: 错误：YAML 内容过长"),
    "100,000 emphasis markers on one line": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "*a_" * 50_000 + "\n"),
                                             r"content/2025/14\.md:8: 错误：正文过长"),
    "100,000 emphasis markers over many lines": (
        lambda s: write_issue(s, FRONT, "# 标题\n\n" + ("*强调 " * 100 + "\n") * 1000),
        r"content/2025/14\.md:8: 错误：正文过长"),
    "one 2 MB line": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "a" * 2_000_000 + "\n"),
                      r"content/2025/14\.md:8: 错误：正文过长"),
    "one 20,000-character line": (lambda s: write_issue(s, FRONT, "# 标题\n\n第一段。\n\n" + "长" * 20_000 + "\n"),
                                  r"content/2025/14\.md:12: 错误：这一行过长（20000 个字符）"),
    "very wide table": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + table(2, 30)),
                        r"content/2025/14\.md:\d+: 错误：表格超过 20 列"),
    "10,000-row table": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "|a|\n|-|\n" + "|1|\n" * 10_000),
                         r"content/2025/14\.md:10: 错误：表格超过 200 行"),
    "many tables, many cells": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + (table(150, 10) + "\n") * 4),
                                r"content/2025/14\.md:\d+: 错误：表格过大"),
    "1 MB of brackets": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "[" * 500_000 + "]" * 500_000 + "\n"),
                         r"content/2025/14\.md:8: 错误：正文过长"),
    "deep block quotes": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "> " * 100 + "a\n"),
                          r"content/2025/14\.md:10: 错误：引用（>）或列表嵌套层数过多"),
    "deep lists": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "".join("  " * n + "- a\n" for n in range(40))),
                   r"content/2025/14\.md:\d+: 错误：引用（>）或列表嵌套层数过多"),
    "deep emphasis": (lambda s: write_issue(s, FRONT, "# 标题\n\n" + "*a **a " * 300 + "b" + " a** a*" * 300 + "\n"),
                      r"content/2025/14\.md:10: 错误：强调（\* 或 _）或链接嵌套层数过多"),
}


@pytest.mark.parametrize("name", BOMBS)
def test_resource_bomb_is_refused_within_caps(built, name):
    site, before = built
    write, message = BOMBS[name]
    write(site)
    result = run_capped("build", cwd=site)
    assert_refused(result, message)
    assert result["max_rss"] < MEMORY_CAP
    assert tree(site / "build") == before


@pytest.mark.parametrize("name", BOMBS)
def test_resource_bomb_is_reported_by_check_within_caps(built, name):
    """`check` reads the same files as `build` and lints them too: its extra passes must respect the
    same limits (a lint rule that parsed an over-long body cost minutes of CPU)."""
    site, _ = built
    write, message = BOMBS[name]
    write(site)
    result = run_capped("check", cwd=site)
    assert_refused(result, message)
    assert result["max_rss"] < MEMORY_CAP


def test_biggest_allowed_table_builds_with_its_pdf_within_caps(site):
    """A big but legitimate table (200 rows × 8 columns) is published, PDF included, within the caps."""
    write_issue(site, FRONT, "# 各县区办理情况\n\n" + table(200, 8))
    result = run_capped("build", "--no-search", cwd=site)
    assert result["returncode"] == 0, result["stderr"][-2000:]
    assert "199.7" in (site / "build/2025/14/index.html").read_text(encoding="utf-8")
    assert (site / "build/2025/14/liandong-2025-14.pdf").stat().st_size > 0
    assert result["max_rss"] < MEMORY_CAP


def pathological_cases(unit_limit: int = 9_000) -> dict[str, str]:
    """The inputs of the CommonMark reference implementation's pathological tests
    (commonmark/cmark, test/pathological_tests.py), with each repeat count scaled so that the input
    fits liandong's limits (one line ≤ 10,000 characters, a body ≤ 60,000): inside the limits,
    the renderer must still be linear."""
    def fit(unit: str, tail: str = "") -> int:
        return max(1, (unit_limit - len(tail)) // len(unit))

    cases = {
        "nested strong emph": ("*a **a " * fit("*a **a  a** a*")) + "b" + (" a** a*" * fit("*a **a  a** a*")),
        "many emph closers with no openers": "a_ " * fit("a_ "),
        "many emph openers with no closers": "_a " * fit("_a "),
        "many link closers with no openers": "a]" * fit("a]"),
        "many link openers with no closers": "[a" * fit("[a"),
        "mismatched openers and closers": "*a_ " * fit("*a_ "),
        "issue #389": "*a " * fit("*a _a*_ ") + "_a*_ " * fit("*a _a*_ "),
        "openers and closers multiple of 3": "a**b" + "c* " * fit("c* "),
        "link openers and emph closers": "[ a_" * fit("[ a_"),
        "pattern [ (]( repeated": "[ (](" * fit("[ (]("),
        "pattern ![[]() repeated": "![[]()" * fit("![[]()"),
        "hard link/emph case": "**x [a*b**c*](d)",
        "nested brackets": "[" * fit("[]") + "a" + "]" * fit("[]"),
        "nested block quotes": "> " * fit("> ") + "a",
        "deeply nested lists": "".join("  " * x + "* a\n" for x in range(200)),
        "U+0000 in input": "abc\u0000de\u0000",
        "backticks": "".join("e" + "`" * x for x in range(1, 130)),
        "unclosed links A": "[a](<b" * fit("[a](<b"),
        "unclosed links B": "[a](b" * fit("[a](b"),
        "unclosed <!--": "</" + "<!--" * fit("<!--"),
        "empty lines in deeply nested lists": "- " * fit("- ") + "x" + "\n" * 5_000,
        "empty lines in deeply nested lists in blockquote": "> " + "- " * fit("- ") + "x\n" + ">\n" * 5_000,
        "emph in deep blockquote": ">" * 4_000 + "a*" * 2_000,
        "reference collisions": "".join(f"[x{n}]: /url\n\n[x0]\n\n" for n in range(2_000)),
        "nested inlines": "*" * 4_000 + "a" + "*" * 4_000,
    }
    return cases


@pytest.mark.parametrize("name", pathological_cases())
def test_commonmark_pathological_input_finishes_within_caps(built, name):
    site, before = built
    source = pathological_cases()[name]
    assert len(source) <= 60_000 and max(len(line) for line in source.split("\n")) <= 10_000
    write_issue(site, FRONT, "# 标题\n\n" + source + "\n")
    result = run_capped("build", "--no-pdf", "--no-search", "-q", cwd=site)
    assert result["returncode"] in (0, 1), result["stderr"][-2000:]
    assert "Traceback" not in result["stderr"] and "内部错误" not in result["stderr"]
    assert result["max_rss"] < MEMORY_CAP
    if result["returncode"] == 1:  # refused: it says where and why, and the old output stays
        assert re.search(r"content/2025/14\.md(:\d+)?: 错误：", result["stderr"]), result["stderr"]
        assert tree(site / "build") == before
    else:
        assert_nothing_injected(site / "build")


# --- 2. nothing executes -------------------------------------------------------------------------

class Payload:
    """Unpickling this creates a file: proof that a cache was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_crafted_cache_file_runs_nothing_and_is_rebuilt(built):
    site, before = built
    marker = site.parent / "pwned"
    cache_dir = site / ".liandong-cache"
    files = [path for path in cache_dir.iterdir() if path.is_file()]
    assert files
    for path in files + [path.with_suffix(".pickle") for path in files]:
        path.write_bytes(pickle.dumps(Payload(marker)))
    edit(site / "content/2025/13.md", "群众扫码即可", "群众扫码后即可")
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert re.search(r"\.liandong-cache/\w+\.json: 警告：构建缓存已损坏或不是本机生成的，已丢弃并重新生成", result.stderr)
    assert "群众扫码后即可" in (site / "build/2025/13/index.html").read_text(encoding="utf-8")
    again = run_cli("build", "--no-pdf", cwd=site)  # the rebuilt cache is trusted again
    assert again.returncode == 0 and "缓存" not in again.stderr


def test_foreign_cache_cannot_inject_html(built):
    """A well-formed cache made with another key (another machine, a shared repository) is not trusted."""
    site, _ = built
    cache_file = next((site / ".liandong-cache").glob("*.json"))
    _, _, payload = cache_file.read_bytes().partition(b"\n")
    forged = payload.replace("三会三文".encode(), "<script>alert(1)</script>".encode())
    assert forged != payload
    import hashlib
    import hmac

    cache_file.write_bytes(hmac.new(b"another machine's key".ljust(32), forged, hashlib.sha256).hexdigest().encode()
                           + b"\n" + forged)
    edit(site / "content/2025/13.md", "群众扫码即可", "群众扫码后即可")  # so the build goes past its no-op check
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 0 and "构建缓存已损坏或不是本机生成的" in result.stderr
    pages = "".join(page.read_text(encoding="utf-8") for page in (site / "build").rglob("*.html"))
    assert "<script>alert(1)" not in pages and "三会三文" in pages


def test_damaged_search_index_in_cache_is_rebuilt_not_published(built):
    site, before = built
    newest = max(path for path in (site / ".liandong-cache/search").iterdir() if path.is_dir())
    index = next(path for path in newest.iterdir() if path.is_dir())
    (index / "records.json").write_text('{"records": [["javascript:alert(1)", "<script>alert(1)</script>"]]}',
                                        encoding="utf-8")
    (index / "0.txt").write_text("代表\t~////", encoding="utf-8")
    import shutil

    shutil.rmtree(site / "build")
    result = run_cli("build", "--no-pdf", "-q", cwd=site)
    assert result.returncode == 0, result.stderr
    assert tree(site / "build") == before  # the index was made again, identical to the first one


def test_cache_that_cannot_be_written_is_a_warning(built):
    """As on a full disk: the output is complete, so failing to save the cache only costs time."""
    site, _ = built
    import shutil

    cache_file = next((site / ".liandong-cache").glob("*.json"))
    cache_file.unlink()
    cache_file.mkdir()  # os.replace onto it fails, as a write on a full disk would
    shutil.rmtree(site / "build")
    result = run_cli("build", "--no-pdf", "--no-search", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "警告：无法写入构建缓存" in result.stderr
    assert (site / "build/2025/13/index.html").is_file()


# --- 3. no script reaches build/ -------------------------------------------------------------------

OBFUSCATED_LINKS = [
    "[a](&#106;avascript:alert(1))", "[b](javascript&colon;alert(2))", "[c](java&#x09;script:alert(3))",
    "[d](<java\tscript:alert(4)>)", "[e](java%0ascript:alert(5))", "[f](%6Aavascript:alert(6))",
    "[g](JaVaScRiPt&#58;alert(7))", "[h](java&#x200b;script:alert(8))", "[i](java&NewLine;script:alert(9))",
    "[j](&Tab;javascript:alert(10))", "[k](vbscript:msgbox(11))", "[l](data:text/html;base64,PHNjcmlwdD4=)",
    "[m](//evil.example/x)", "<javascript:alert(12)>", "<JAVASCRIPT:alert(13)>", "<jav&#x61;script:alert(14)>",
    "<data:text/html,<script>alert(15)</script>>", "[n]: javascript:alert(16)\n\n[n]", "[o](java%2509script:x)",
    "![p](javascript:alert(17))", "[q](file:///etc/passwd)", "<svg onload=alert(18)>",
]


def test_obfuscated_links_and_autolinks_never_become_links(site):
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", "\n\n".join(OBFUSCATED_LINKS) + "\n\n| 项目 | 数量 |")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert_nothing_injected(site / "build")
    html = (site / "build/2025/13/index.html").read_text(encoding="utf-8")
    assert "alert(16)" in html and "&lt;svg onload=alert(18)&gt;" in html  # shown as text, not lost


SCRIPT_IMAGES = {
    "svg with a script": ("chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                          "不是 PNG、JPEG、GIF 或 WebP 图片"),
    "html named .png": ("chart.png", b"<html><script>alert(1)</script></html>", "不是 PNG、JPEG、GIF 或 WebP 图片"),
    "png content named .html": ("chart.html", b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "的扩展名与内容不符"),
    "polyglot gif named .svg": ("chart.svg", b"GIF89a<svg onload=alert(1)>", "的扩展名与内容不符"),
}


@pytest.mark.parametrize("name", SCRIPT_IMAGES)
def test_images_that_could_carry_script_are_refused(built, name):
    site, before = built
    file_name, data, message = SCRIPT_IMAGES[name]
    (site / "content/2025/images").mkdir()
    (site / "content/2025/images" / file_name).write_bytes(data)
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", f"![图](images/{file_name})\n\n| 项目 | 数量 |")
    result = run_cli("build", cwd=site)
    assert_refused(result, rf"content/2025/13\.md:\d+: 错误：图片“images/{re.escape(file_name)}”{message}")
    assert tree(site / "build") == before


def test_webp_and_jpeg_by_content_are_published(site):
    from PIL import Image

    (site / "content/2025/images").mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(site / "content/2025/images/a.webp", "WEBP")
    Image.new("RGB", (40, 20), (30, 30, 200)).save(site / "content/2025/images/b.jpeg", "JPEG")
    (site / "content/2025/images/unused.svg").write_text("<svg><script>alert(1)</script></svg>", encoding="utf-8")
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", "![甲](images/a.webp)\n\n![乙](images/b.jpeg)\n\n| 项目 | 数量 |")
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 0, result.stderr
    media = sorted(p.relative_to(site / "build").as_posix() for p in (site / "build/media").rglob("*") if p.is_file())
    assert media == ["media/2025/images/a.webp", "media/2025/images/b.jpeg"]  # nothing but listed media


# --- 4. nothing read from outside the site ----------------------------------------------------------

SECRET = "绝密：站外文件的内容"


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text(f"---\n{FRONT}---\n# {SECRET}\n\n{SECRET}\n", encoding="utf-8")
    (folder / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n" + SECRET.encode())
    return folder


def no_secret(out: Path) -> None:
    assert all(SECRET.encode() not in data and b"root:x:0:0" not in data for data in tree(out).values())


@pytest.mark.parametrize("target", ["secret.md", "/etc/passwd"])
def test_issue_symlink_out_of_the_site_is_not_read(built, outside, target):
    site, before = built
    (site / "content/2025/14.md").symlink_to(outside / target if target == "secret.md" else target)
    result = run_cli("build", cwd=site)
    assert_refused(result, r"content/2025/14\.md: 错误：是指向站点目录之外的符号链接，不会被读取")
    assert SECRET not in result.stderr and "root:x" not in result.stderr
    assert tree(site / "build") == before


def test_image_symlink_out_of_the_site_is_not_read(built, outside):
    site, before = built
    (site / "content/2025/images").mkdir()
    (site / "content/2025/images/chart.png").symlink_to(outside / "secret.png")
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", "![图](images/chart.png)\n\n| 项目 | 数量 |")
    result = run_cli("build", cwd=site)
    assert_refused(result, r"content/2025/13\.md:\d+: 错误：图片“images/chart\.png”指向 content/ 目录之外")
    assert tree(site / "build") == before
    no_secret(site / "build")


def test_font_symlink_out_of_the_site_is_not_read(site, outside):
    (site / "fonts").mkdir()
    (site / "fonts/body.ttf").symlink_to(outside / "secret.png")
    edit(site / "site.yaml", "language: zh-CN", "language: zh-CN\npdf:\n  fonts:\n    body: fonts/body.ttf")
    result = run_cli("build", cwd=site)
    assert_refused(result, r"site\.yaml:\d+: 错误：字体文件“fonts/body\.ttf”在站点目录之外")


ODD_FILES = {
    "folder named x.md": (lambda c: (c / "2025/14.md").mkdir(), r"content/2025/14\.md: 错误：是一个文件夹"),
    "symlink loop": (lambda c: (c / "2025/14.md").symlink_to("14.md"), r"content/2025/14\.md: 错误：是循环的符号链接"),
    "dangling symlink": (lambda c: (c / "2025/14.md").symlink_to("nowhere.md"),
                         r"content/2025/14\.md: 错误：是指向不存在文件的符号链接"),
    "space in name": (lambda c: (c / "2025/1 4.md").write_text("x", encoding="utf-8"),
                      r"content/2025/1 4\.md: 错误：文件名“1 4\.md”不对：期刊文件应命名为“<期号>\.md”.*例如 01\.md"),
    "Chinese name": (lambda c: (c / "2025/第十四期.md").write_text("x", encoding="utf-8"),
                     r"content/2025/第十四期\.md: 错误：文件名“第十四期\.md”不对：期刊文件应命名为“<期号>\.md”"),
    "double extension": (lambda c: (c / "2025/13.md.md").write_text("x", encoding="utf-8"),
                         r"content/2025/13\.md\.md: 错误：文件名“13\.md\.md”不对.*例如 13\.md"),
    "no year folder": (lambda c: (c / "14.md").write_text("x", encoding="utf-8"),
                       r"content/14\.md: 错误：期刊文件应放在以四位年份命名的文件夹中：content/<年份>/<期号>\.md"),
}


@pytest.mark.parametrize("name", ODD_FILES)
def test_odd_content_files_say_what_name_is_expected(built, name):
    site, before = built
    make, message = ODD_FILES[name]
    make(site / "content")
    result = run_cli("build", cwd=site)
    assert_refused(result, message)
    assert tree(site / "build") == before


def test_near_miss_names_are_warned_about(built):
    site, _ = built
    (site / "content/2025/14.MD").write_text("x", encoding="utf-8")
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 0 and "content/2025/14.MD: 警告：扩展名不是 .md，不会发布" in result.stderr


@pytest.mark.parametrize("out, reason", [
    (".", "就是站点目录本身"), ("..", "包含站点目录"), ("/", "是根目录"), ("~", "是主目录"),
    ("content/out", "位于站点的源文件目录"), ("templates", "位于站点的源文件目录"),
])
def test_dangerous_output_folders_are_refused(built, out, reason):
    site, before = built
    target = str(Path.home()) if out == "~" else out
    result = run_cli("build", "--out", target, cwd=site)
    assert_refused(result, rf"错误：不能用作输出目录：它{reason}")
    assert tree(site / "build") == before
    assert (site / "site.yaml").is_file() and (site / "content/2025/12.md").is_file()


# --- 5. no internal errors ------------------------------------------------------------------------

def test_garbage_font_file_is_a_chinese_error(site):
    (site / "fonts").mkdir()
    (site / "fonts/body.ttf").write_bytes(os.urandom(4096))
    edit(site / "site.yaml", "language: zh-CN", "language: zh-CN\npdf:\n  fonts:\n    body: fonts/body.ttf")
    result = run_cli("build", cwd=site)
    assert_refused(result, r"site\.yaml:\d+: 错误：字体文件“fonts/body\.ttf”无法读取：不是有效的 TrueType/OpenType 字体")


def test_pdf_of_a_draft_says_it_is_a_draft(site):
    (site / "content/2025/_14.md").write_text(f"---\n{FRONT}---\n# 标题\n\n正文。\n", encoding="utf-8")
    result = run_cli("pdf", "content/2025/_14.md", cwd=site)
    assert_refused(result, r"content/2025/_14\.md: 错误：“_14\.md”是草稿.*改名为“14\.md”")


def test_new_beside_a_dangling_symlink(site):
    (site / "content/2025/14.md").symlink_to("nowhere.md")
    result = run_cli("new", "--date", "2025-09-01", cwd=site)
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
    assert result.returncode in (0, 1)
    if result.returncode == 1:
        assert "content/2025/14.md" in result.stderr


def test_python_tags_are_refused_without_running(site, tmp_path):
    marker = tmp_path / "pwned"
    write_issue(site, FRONT.replace("articles:", f"editor: !!python/object/apply:os.system ['touch {marker}']\n"
                                                  "articles:"), "# 标题\n\n正文。\n")
    result = run_cli("build", "--no-pdf", cwd=site)
    assert_refused(result, r"content/2025/14\.md:5: 错误：不支持 YAML 标签“!!python/object/apply:os\.system”")
    assert not marker.exists()
