"""Broken, foreign and hostile input: never crash, never lose, never let script in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest

from liandong.build import build
from liandong.errors import LiandongError
from liandong.lint import fix_text

from conftest import REPO, copy_site, run_cli
from pdfcheck import pdf_text, squeeze


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- encodings ----------------------------------------------------------------------------------

def test_gbk_file_is_read_with_a_warning_and_fix_converts_it(site):
    path = site / "content/2025/12.md"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gb18030"))
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "content/2025/12.md: 警告：文件是 GBK/GB18030 编码" in result.stderr
    assert "株洲市炎陵县：畅通“全链条”履职路径" in (site / "build/2025/12/index.html").read_text(encoding="utf-8")
    again = run_cli("build", "--no-pdf", cwd=site)  # cached: the warning stays until the file is converted
    assert "GBK/GB18030" in again.stderr
    fixed = run_cli("check", "--fix", "content/2025/12.md", cwd=site)
    assert "已修正 content/2025/12.md" in fixed.stdout
    assert path.read_text(encoding="utf-8") == fix_text(text)[0]  # same text, now UTF-8 (plus safe fixes)
    assert "GBK" not in run_cli("build", "--no-pdf", cwd=site).stderr


def test_utf8_bom_and_crlf_keep_line_numbers(site):
    path = site / "content/2025/12.md"
    text = path.read_text(encoding="utf-8").replace("total: 739", "total: -1")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "content/2025/12.md:4: 错误：“total”（总期号）应为正整数" in result.stderr


def test_bom_and_crlf_build_the_same_pages(tmp_path):
    plain, windows = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    for path in (windows / "content").rglob("*.md"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    build(plain, pdf=False)
    build(windows, pdf=False)
    assert tree(plain / "build") == tree(windows / "build")


def test_undecodable_bytes_name_the_byte_offset(site):
    path = site / "content/2025/12.md"
    data = path.read_bytes()
    position = data.index("今年以来".encode())
    path.write_bytes(data[:position] + b"\xff\xfe\x00"[:2] + b"\x81\x20" + data[position:])
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(rf"content/2025/12\.md:\d+: 错误：文件编码无法识别：第 {position} 字节（0xFF）", result.stderr)


def test_mixed_width_digits_are_left_as_written(site):
    edit(site / "content/2025/13.md", "在3个工作日内回复", "在３个工作日内回复，共ＡＢ12项")
    build(site, pdf=False)
    assert "在３个工作日内回复，共ＡＢ12项" in (site / "build/2025/13/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("content, message", [
    (b"", "文件开头缺少"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "这是二进制文件"),
    (b"---\nissue: 1\n", "缺少结尾的“---”行"),
    (b"---\n[unclosed\n---\n# t\n", "YAML 格式错误"),
    (b"---\n- a list\n---\n# t\n", "期号信息应为“键: 值”形式的映射"),
])
def test_broken_files_are_errors_not_tracebacks(site, content, message):
    build(site, pdf=False)
    before = tree(site / "build")
    (site / "content/2025/14.md").write_bytes(content)
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/2025/14.md" in result.stderr and message in result.stderr
    assert tree(site / "build") == before


def test_huge_file_is_refused_quickly(site):
    huge = site / "content/2025/14.md"
    with open(huge, "wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "content/2025/14.md: 错误：文件过大（50.0 MB）" in result.stderr


def test_template_syntax_error_names_file_and_line(site):
    (site / "templates/year.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{% for x in %}\n",
                                              encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "templates/year.html:3: 错误：模板语法错误" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_output_is_an_error(site):
    result = run_cli("build", "--out", "site.yaml/build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "无法" in result.stderr


# --- injection ----------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile_site(site) -> Path:
    edit(site / "content/2025/13.md", "county: 株洲市炎陵县", f"county: '株洲市{HOSTILE}'")
    edit(site / "content/2025/13.md", "contributor: 株洲市炎陵县人大常委会", f"contributor: '\" onmouseover=\"alert(2)'")
    edit(site / "content/2025/13.md", "# 株洲市炎陵县：", f"# <b onclick=alert(3)>株洲</b>：")
    edit(site / "content/2025/13.md", "群众扫码即可查看代表信息",
         "群众[扫码](javascript:alert(4))即可[查看](JaVaScRiPt:alert(5))<javascript:alert(6)>"
         "[代表](data:text/html;base64,PHNjcmlwdD4=)[信息](vbscript:x)[文件](file:///etc/passwd)")
    edit(site / "site.yaml", "publisher: 湖南省人大常委会代表工作委员会", f"publisher: '委员会{HOSTILE}'")
    edit(site / "site.yaml", "    - 各市州、县市区人大常委会", f"    - '<iframe src=//evil.org>'")
    return site


def scripts_and_handlers(html: str) -> tuple[list, list, list]:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    scripts = [el for el in document.iter() if el.tag in ("script", "iframe", "object", "embed")]
    handlers = [(el.tag, name) for el in document.iter() for name in el.attrib if name.lower().startswith("on")]
    urls = [value.strip().lower() for el in document.iter() for name, value in el.attrib.items()
            if name in ("href", "src", "action", "formaction", "data")]
    return scripts, handlers, urls


def not_found_script() -> str:
    template = (REPO / "templates/404.html").read_text(encoding="utf-8")
    return template.split("<script>", 1)[1].split("</script>", 1)[0]


def test_hostile_fields_are_escaped_everywhere(hostile_site):
    build(hostile_site)
    out = hostile_site / "build"
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        scripts, handlers, urls = scripts_and_handlers(html)
        assert not handlers, (page, handlers)
        # The one inline script allowed is the 404 page's own, exactly as its template writes it
        # (it finds the site root; no data goes into it).
        inline = [el for el in scripts if el.tag == "script" and not el.get("src")]
        if inline:
            assert page.name == "404.html" and [el.text for el in inline] == [not_found_script()], page
        assert all(el.get("src", "").startswith(("static/", "../", "/")) and
                   not el.get("src", "").startswith("//") for el in scripts if el not in inline), page
        bad = [u for u in urls if not (u.startswith(("http://", "https://", "mailto:", "tel:")) or ":" not in u.split("/")[0])]
        assert not bad, (page, bad)
    issue = (out / "2025/13/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in issue or "&lt;script&gt;alert(&quot;x&quot;)" in issue
    assert "&lt;b onclick=alert(3)&gt;株洲&lt;/b&gt;" in issue
    for xml_file in ("feed.xml", "sitemap.xml"):
        root = ET.parse(out / xml_file).getroot()  # still well-formed XML
        assert not [el for el in root.iter() if el.tag.endswith("script")]
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<script" not in feed and "&lt;script&gt;" in feed
    printed = squeeze(pdf_text(out / "2025/13/liandong-2025-13.pdf"))
    assert squeeze('<b onclick=alert(3)>株洲</b>') in printed
    assert squeeze("<iframe src=//evil.org>") in printed


def test_hostile_county_gets_a_safe_address(hostile_site):
    build(hostile_site, pdf=False)
    counties = [p.parent.name for p in (hostile_site / "build/counties").glob("*/index.html")]
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in counties), counties


def test_font_path_outside_site_is_refused(site):
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8") +
                                    "pdf:\n  fonts:\n    body: ../../../usr/share/fonts/x.ttf\n", encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "在站点目录之外" in result.stderr


@pytest.mark.parametrize("reference, message", [
    ("../../../../etc/passwd", "指向 content/ 目录之外"),
    ("/etc/passwd", "不能用绝对路径"),
    ("https://evil.org/x.png", "不在站点内"),
    ("missing.png", "不存在"),
])
def test_image_references_outside_content_are_refused(site, reference, message):
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", f"![图]({reference})\n\n| 项目 | 数量 |")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and re.search(rf"content/2025/13\.md:\d+: 错误：图片“.*”{message}", result.stderr)


def test_file_scheme_image_is_never_loaded(site):
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", "![图](file:///etc/passwd)\n\n| 项目 | 数量 |")
    build(site, pdf=False)
    html = (site / "build/2025/13/index.html").read_text(encoding="utf-8")
    assert "![图](file:///etc/passwd)" in html and "<img" not in html


def test_images_inside_content_are_published_and_printed(site):
    from PIL import Image

    (site / "content/2025/images").mkdir()
    Image.new("RGB", (300, 150), (20, 90, 180)).save(site / "content/2025/images/chart.png")
    edit(site / "content/2025/13.md", "| 项目 | 数量 |", "![服务队（示例图）](images/chart.png)\n\n| 项目 | 数量 |")
    build(site)
    assert (site / "build/media/2025/images/chart.png").read_bytes() == (site / "content/2025/images/chart.png").read_bytes()
    html = (site / "build/2025/13/index.html").read_text(encoding="utf-8")
    assert '<img src="../../media/2025/images/chart.png" alt="服务队（示例图）"' in html
    images = subprocess.run(["pdfimages", "-list", str(site / "build/2025/13/liandong-2025-13.pdf")],
                            capture_output=True, text=True).stdout
    assert " 300   150 " in images or re.search(r"\s300\s+150\s", images)


# --- reproducible builds ------------------------------------------------------------------------------

def test_builds_in_other_folders_at_other_times_are_byte_identical(tmp_path):
    results = []
    for name, epoch, tz in (("first", "1700000000", "UTC"), ("second", "1800000000", "Asia/Shanghai")):
        site = copy_site(tmp_path / name / "deeper" / "site")
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch, "TZ": tz, "PYTHONHASHSEED": str(len(name))}
        result = subprocess.run([sys.executable, "-m", "liandong", "build", "-j", "2"], cwd=site, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        results.append(tree(site / "build"))
    assert results[0].keys() == results[1].keys()
    different = [name for name in results[0] if results[0][name] != results[1][name]]
    assert not different


def test_word_control_characters_are_dropped_with_a_warning_and_fixed(site):
    path = site / "content/2025/13.md"
    edit(path, "群众扫码即可", "群众\x0b扫码\x0c即可")
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 0 and re.search(r"13\.md:\d+: 警告：含有不可见的控制字符 U\+000B、U\+000C", result.stderr)
    assert "群众扫码即可" in (site / "build/2025/13/index.html").read_text(encoding="utf-8")
    run_cli("check", "--fix", "content/2025/13.md", cwd=site)
    assert "\x0b" not in path.read_text(encoding="utf-8") and "群众扫码即可" in path.read_text(encoding="utf-8")


# Every mistake an office can make when it overrides a template: unclosed tags, misnested tags,
# stray brackets, unknown filters, typos in tags, an extends loop. Each must be told in Chinese,
# with the template's file and line, and with no English sentence from Jinja left in the message.
TEMPLATE_MISTAKES = {
    "unclosed_if": ("{% extends 'base.html' %}\n{% block main %}\n{% if page %}\n{% endblock %}\n", "endif"),
    "misnested": ("{% extends 'base.html' %}\n{% block main %}{% for x in [1] %}{% endif %}{% endblock %}\n",
                  "endfor"),
    "unknown_tag": ("{% extends 'base.html' %}\n{% block main %}{% foo %}{% endblock %}\n", "foo"),
    "empty_expression": ("{% extends 'base.html' %}\n{% block main %}{% for x in %}{% endfor %}{% endblock %}\n",
                         "表达式"),
    "stray_bracket": ("{% extends 'base.html' %}\n{% block main %}{{ page ) }}{% endblock %}\n", ")"),
    "unknown_filter": ("{% extends 'base.html' %}\n{% block main %}{{ page | nonesuch }}{% endblock %}\n",
                       "nonesuch"),
    "block_twice": ("{% extends 'base.html' %}\n{% block main %}{% endblock %}\n{% block main %}{% endblock %}\n",
                    "main"),
    "unclosed_comment": ("{% extends 'base.html' %}\n{# note\n", "#}"),
    "extends_itself": ("{% extends 'year.html' %}\n", "循环"),
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_MISTAKES))
def test_template_mistakes_are_told_in_chinese(site, name):
    text, detail = TEMPLATE_MISTAKES[name]
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/year.html").write_text(text, encoding="utf-8")
    result = run_cli("build", "--no-pdf", "--no-search", cwd=site)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr, result.stderr
    line = next(line for line in result.stderr.splitlines() if "templates/year.html" in line)
    assert re.search(r"templates/year\.html:\d+: 错误：", line), line
    assert detail in line, line
    english = re.sub(r"^templates/year\.html:\d+: |“[^”]*”|'[^']*'|[A-Za-z_]+\.html|\{[%#{]|[%#}]\}|endif|endfor|extends|include", "", line)
    assert not re.search(r"[A-Za-z]{4,}", english), line  # no English sentence from Jinja


def test_file_name_that_is_not_utf8_is_named_not_crashed(site):
    """A name written by another system's encoding (Latin-1, GBK on a USB stick) is an error, not a crash."""
    name = os.fsdecode(b"\xff\xfe13.md")
    (site / "content/2025" / name).write_bytes((site / "content/2025/12.md").read_bytes())
    result = run_cli("build", "--no-pdf", "--no-search", cwd=site)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr, result.stderr
    assert re.search(r"content/2025/.*13\.md: 错误：文件名.*应命名为“<期号>\.md”", result.stderr), result.stderr
