"""``liandong wechat`` and the preview's /_wechat/ page: HTML the WeChat editor keeps as it is."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import CHROMIUM, REPO, need_tool, run_cli

RICH_ISSUE = """---
issue: 14
total: 741
date: 2025-09-01
articles:
  - county: 长沙市望城区
    contributor: 长沙市望城区人大常委会
  - county: 岳阳市平江县
---

# 长沙市望城区：建强代表联络站

望城区人大常委会推进代表进站履职[^1]，详见[区人大网站](https://example.com/)。

## 一、建强阵地

全区建成代表联络站十二个。

### （一）统一标准

按“六有”标准建设。

![联络站外景](images/station.png)

| 街镇 | 联络站 |
| --- | --- |
| 白沙洲 | 3 |
| 乌山 | 2 |

1. 定期接待选民；
2. 收集意见建议。

[^1]: 据区人大常委会统计。

# 岳阳市平江县：办好民生实事

平江县人大常委会组织代表票决民生实事项目。
"""


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML file."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def rich_site(site: Path) -> Path:
    from PIL import Image

    (site / "content/2025/images").mkdir()
    Image.new("RGB", (40, 20), (200, 22, 29)).save(site / "content/2025/images/station.png")
    (site / "content/2025/14.md").write_text(RICH_ISSUE, encoding="utf-8")
    return site


def style_of(tags, tag: str, text_has: str, html: str) -> str:
    """The style attribute of the element whose text contains ``text_has``."""
    match = re.search(rf'<{tag} style="([^"]*)">[^<]*{re.escape(text_has)}', html)
    assert match, (tag, text_has)
    return match.group(1)


def test_wechat_export_is_inline_styled_with_images_beside_it(site: Path, tmp_path: Path) -> None:
    rich_site(site)
    out = tmp_path / "post"
    result = run_cli("wechat", "2025/14", "-o", str(out), cwd=site)
    assert result.returncode == 0, result.stderr
    html = (out / "liandong-2025-14.html").read_text(encoding="utf-8")
    parsed = Elements(html)
    # nothing WeChat drops or refuses
    assert not [t for t, a in parsed.tags if "class" in a or "id" in a]
    assert not [t for t, _ in parsed.tags if t in ("script", "style", "link", "a", "iframe")]
    assert "@font-face" not in html and "url(" not in html and "https://" not in html
    # every visible element carries its style inline
    for tag in ("p", "h2", "h3", "h4", "table", "td", "th", "img", "ol", "li"):
        assert all("style" in a for t, a in parsed.tags if t == tag), tag
    # the bulletin's headings and the 供稿 line
    assert "font-weight: bold" in style_of(parsed, "h2", "长沙市望城区：建强代表联络站", html)
    assert "color: #c8161d" in style_of(parsed, "h2", "长沙市望城区：建强代表联络站", html)
    assert "font-weight: bold" in style_of(parsed, "h3", "一、建强阵地", html)
    assert "KaiTi" in style_of(parsed, "h4", "（一）统一标准", html).replace("&#x27;", "'")
    assert "text-align: right" in style_of(parsed, "p", "（长沙市望城区人大常委会 供稿）", html)
    assert html.count("供稿）") == 1  # the second article has no contributor
    # images are files beside the HTML, referenced by name
    images = [a["src"] for t, a in parsed.tags if t == "img"]
    assert images == ["liandong-2025-14-1.png"]
    assert (out / images[0]).read_bytes() == (site / "content/2025/images/station.png").read_bytes()
    # all the text is there: links keep their text, footnotes their note, no back-link arrows
    text = "".join(parsed.text)
    for words in ("区人大网站", "据区人大常委会统计。", "白沙洲", "收集意见建议。", "平江县人大常委会组织代表票决民生实事项目。"):
        assert words in text
    assert "↩" not in text
    # deterministic
    again = tmp_path / "again"
    assert run_cli("wechat", "content/2025/14.md", "-o", str(again), cwd=site).returncode == 0
    assert (again / "liandong-2025-14.html").read_bytes() == html.encode("utf-8")


@pytest.mark.parametrize("spec", ["2024/35", "2024/36", "2025/12", "2025/13"])
def test_every_sample_issue_exports_whole(site: Path, tmp_path: Path, spec: str) -> None:
    from conftest import content_articles

    result = run_cli("wechat", spec, "-o", str(tmp_path), cwd=site)
    assert result.returncode == 0, result.stderr
    year, number = spec.split("/")
    html = (tmp_path / f"liandong-{year}-{number}.html").read_text(encoding="utf-8")
    parsed = Elements(html)
    assert not [t for t, a in parsed.tags if "class" in a or "id" in a or t in ("script", "style", "a")]
    text = "".join(parsed.text)
    for article in content_articles(site):
        if f"{article['year']}/{article['issue']:02d}" == f"{year}/{int(number):02d}":
            assert re.sub('["“”]', "", article["title"]) in re.sub('["“”]', "", text)
            if article["contributor"]:
                assert f"（{article['contributor']} 供稿）" in text


def test_one_article_alone(site: Path, tmp_path: Path) -> None:
    rich_site(site)
    result = run_cli("wechat", "2025/14", "--article", "2", "-o", str(tmp_path), cwd=site)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "liandong-2025-14-2.html").read_text(encoding="utf-8")
    assert "平江县人大常委会组织代表票决" in html and "望城区" not in html and "联络动态" not in html.split("</title>")[1]
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("args, message", [
    (["2025/99"], "没有找到 2025年第99期的文件"),
    (["第12期"], "期号应写作“年份/期号”"),
    (["2025/12", "--article", "9"], "没有第 9 篇"),
])
def test_wrong_requests_get_a_chinese_error(site: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("wechat", *args, "-o", str(tmp_path / "x"), cwd=site)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_a_broken_issue_is_reported_with_file_and_line(site: Path, tmp_path: Path) -> None:
    path = site / "content/2025/13.md"
    path.write_text(path.read_text(encoding="utf-8").replace("total: 740", "total: 七百四十"), encoding="utf-8")
    result = run_cli("wechat", "2025/13", "-o", str(tmp_path / "x"), cwd=site)
    assert result.returncode == 1 and "content/2025/13.md:4: 错误" in result.stderr


# --- the copy page in liandong serve, pasted in Chromium ------------------------------------------

class Serve:
    def __init__(self, site: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "liandong", "serve", "--no-pdf", "--port", "0"], cwd=site,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True).start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            found = [re.search(r"预览地址：(http://127\.0\.0\.1:\d+/)", line) for line in list(self.lines)]
            if any(found):
                self.url = next(m for m in found if m).group(1)
                return
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"serve did not start: {self.lines}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


def test_copy_page_pastes_with_its_styles_in_chromium(site: Path, browser) -> None:
    need_tool(CHROMIUM is not None, "Chromium")
    rich_site(site)
    serve = Serve(site)
    try:
        with urllib.request.urlopen(serve.url + "_wechat/2025/14/", timeout=20) as response:
            assert "复制到剪贴板" in response.read().decode("utf-8")
        with urllib.request.urlopen(serve.url + "2025/14/", timeout=20) as response:
            assert 'href="/_wechat/2025/14/"' in response.read().decode("utf-8")  # linked from the issue page
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.goto(serve.url + "_wechat/2025/14/", wait_until="load")
        assert page.evaluate("document.querySelector('#wechat-post img').naturalWidth") == 40  # the image loads
        page.click("#copy-post")
        page.wait_for_function("document.getElementById('copy-status').textContent.startsWith('已复制')")
        editor = context.new_page()
        editor.goto(serve.url + "404.html")  # same origin, a page of the site
        editor.evaluate("""() => { document.body.innerHTML = '<div id="editor" contenteditable="true"></div>'; }""")
        editor.click("#editor")
        editor.keyboard.press("Control+V")
        editor.wait_for_function("document.querySelector('#editor h2') !== null")
        pasted = editor.evaluate("""() => {
            const ed = document.getElementById('editor');
            const h2 = ed.querySelector('h2'), h3 = ed.querySelector('h3');
            const credit = [...ed.querySelectorAll('p')].find(p => p.textContent.includes('供稿）'));
            return {h2: h2.getAttribute('style') || '', h3: h3.getAttribute('style') || '',
                    credit: credit ? credit.getAttribute('style') || '' : null,
                    h2Colour: getComputedStyle(h2).color, h3Weight: getComputedStyle(h3).fontWeight,
                    creditAlign: credit ? getComputedStyle(credit).textAlign : null,
                    classes: ed.querySelectorAll('[class]').length, text: ed.innerText};
        }""")
        assert "color" in pasted["h2"] and pasted["h2Colour"] == "rgb(200, 22, 29)"
        assert int(pasted["h3Weight"]) >= 700
        assert pasted["credit"] is not None and pasted["creditAlign"] == "right"
        assert pasted["classes"] == 0
        assert "长沙市望城区人大常委会 供稿" in pasted["text"] and "白沙洲" in pasted["text"]
        context.close()
    finally:
        serve.stop()


def test_copy_page_of_a_missing_issue_says_so(site: Path) -> None:
    serve = Serve(site)
    try:
        with urllib.request.urlopen(serve.url + "_wechat/2025/99/", timeout=20) as response:
            body = response.read().decode("utf-8")
        assert "无法生成公众号版" in body and "没有找到 2025年第99期的文件" in body
    finally:
        serve.stop()
