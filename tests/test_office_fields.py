"""What an official archive shows: the office's name, an optional banner, the footer's filing
numbers (only those set), a favicon, a visible feed link, and an article that prints cleanly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from liandong.build import build
from liandong.config import load_config
from liandong.errors import LiandongError

from conftest import open_page

OFFICE = """office: 湖南省人民代表大会常务委员会
banner: banner.png
footer:
  主办单位: 湖南省人大常委会办公厅
  ICP备案号: 湘ICP备05001234号
"""


def add_to_config(site: Path, text: str) -> None:
    path = site / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def errors(site: Path) -> str:
    with pytest.raises(LiandongError) as info:
        load_config(site)
    return info.value.format_message()


def png(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (600, 80), (200, 22, 29)).save(path)


def test_office_banner_and_footer_are_shown_only_when_set(site):
    build(site, pdf=False, search=False)
    plain = (site / "build/index.html").read_text(encoding="utf-8")
    assert "site-banner" not in plain and "主办单位" not in plain and "ICP备案号" not in plain
    assert '<p class="site-office">湖南省人大常委会代表工作委员会</p>' in plain  # the publisher by default
    png(site / "templates/static/banner.png")
    add_to_config(site, OFFICE)
    build(site, pdf=False, search=False)
    for page in ["index.html", "2025/12/index.html", "counties/index.html", "404.html"]:
        html = (site / "build" / page).read_text(encoding="utf-8")
        assert '<p class="site-office">湖南省人民代表大会常务委员会</p>' in html, page
        assert "主办单位：湖南省人大常委会办公厅" in html, page
        assert 'ICP备案号：<a href="https://beian.miit.gov.cn/" rel="noopener">湘ICP备05001234号</a>' in html, page
        assert "网站标识码" not in html and "公安备案号" not in html, page  # not set: not shown
        assert "feed.xml" in html, page
    home = (site / "build/index.html").read_text(encoding="utf-8")
    assert '<img src="static/banner.png" alt="湖南省人民代表大会常务委员会">' in home
    assert (site / "build/static/banner.png").is_file()
    assert '<link rel="icon" href="static/favicon.svg" type="image/svg+xml">' in home
    assert (site / "build/static/favicon.svg").read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize("text, expected", [
    ("footer:\n  备案号: 123\n", "未知的键“备案号”（可用的键：主办单位、网站标识码、ICP备案号、公安备案号）"),
    ("footer:\n  主办单位: ''\n", "“主办单位”（主办单位）应为非空文本"),
    ("banner: ../outside.png\n", "应为 templates/static/ 文件夹中的图片文件名"),
    ("banner: https://example.org/b.png\n", "不能是网址"),
    ("banner: banner.txt\n", "应为图片文件"),
    ("banner: missing.png\n", "找不到文件 templates/static/missing.png"),
    ("office: [1]\n", "“office”（发布机关名称"),
])
def test_bad_office_fields_are_chinese_errors_with_their_line(site, text, expected):
    lines = (site / "site.yaml").read_text(encoding="utf-8").count("\n")
    add_to_config(site, text)
    message = errors(site)
    assert expected in message, message
    assert f"site.yaml:{lines + 1}:" in message or f"site.yaml:{lines + 2}:" in message, message


def test_feed_link_is_visible_on_a_phone(browser, server):
    page, _ = open_page(browser, server, 375)
    link = page.locator(".feed-link")
    link.scroll_into_view_if_needed()
    assert link.is_visible() and link.get_attribute("href") == "feed.xml"
    assert "订阅" in link.inner_text()
    page.context.close()


def test_an_article_prints_without_the_site_around_it(browser, server):
    from pypdf import PdfReader

    page, _ = open_page(browser, server + "2025/12/index.html", 1280)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.site-header', '.site-footer', '.breadcrumb', '.issue-nav', '.pdf-download']
        .filter(s => document.querySelector(s)).map(s => getComputedStyle(document.querySelector(s)).display)""")
    assert hidden and set(hidden) == {"none"}
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "".join(p.extract_text() for p in pdf.pages).replace("\n", "").replace(" ", "")
    assert "联络动态" in text and "畅通“全链条”履职路径" in text and "责任编辑" in text
    assert "搜索" not in text and "跳到正文" not in text and "按县区" not in text
    page.context.close()
