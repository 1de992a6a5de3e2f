"""The built archive as a reader gets it: pages, links, feed, sitemap, and the build's guarantees."""

from __future__ import annotations

import filecmp
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from liandong.build import build
from liandong.errors import LiandongError

from conftest import copy_site


class LinkCollector(HTMLParser):
    """Every href/src in a page, and the ids it defines."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append((tag, name, attrs[name]))


def parse(path: Path) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def html_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if p.name != "404.html")


def test_build_writes_every_archive_page(built_site):
    for page in ["index.html", "2025/index.html", "2024/index.html", "2025/12/index.html", "2024/35/index.html",
                 "counties/index.html", "counties/zhuzhoushi-yanlingxian/index.html", "404.html",
                 "feed.xml", "sitemap.xml", "static/style.css"]:
        assert (built_site / page).is_file(), page


def test_issue_page_has_masthead_contents_articles_and_colophon(built_site):
    html = (built_site / "2025/12/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert '<h1 class="masthead-name">联络动态</h1>' in html
    assert "第12期（总第七百三十九期）" in html
    assert "湖南省人大常委会代表工作委员会编" in html and "2025年7月28日" in html
    assert '<h2 id="contents-title" class="contents-title">要目</h2>' in html
    assert '<a href="#article-1">株洲市炎陵县：畅通“全链条”履职路径 推动代表履职效能提升</a>' in html
    assert '<section class="article" id="article-2"' in html
    credits = [re.sub(r"<[^>]+>", "", line) for line in re.findall(r'<p class="contributor">.*?</p>', html)]
    assert credits == ["（株洲市炎陵县人大常委会 供稿）", "（郴州市桂阳县人大常委会 供稿）"]
    assert "送：</span>全国人大常委会代表工作委员会，办公厅研究室、新闻局、《中国人大》杂志社，" in html
    assert "责任编辑：汤\u3000建" in html and "0731-85309319" in html and "批准文号：湘党简准字[2000]第28号" in html
    assert 'rel="prev" href="../../2024/36/index.html"' in html and 'rel="next" href="../../2025/13/index.html"' in html


def test_issue_text_is_kept_exactly(built_site):
    """Every paragraph of the real issue appears in its page, character for character."""
    source = (Path(__file__).parent.parent / "content/2025/12.md").read_text(encoding="utf-8")
    body = source.split("\n---\n", 1)[1]
    html = (built_site / "2025/12/index.html").read_text(encoding="utf-8")
    for line in body.splitlines():
        text = line.lstrip("# ").strip()
        if text:
            assert text in html, text


def test_home_lists_latest_first_then_years_newest_first(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    latest = html.index("最新一期")
    assert html.index("联络动态<span class=\"nowrap\">2025年第13期", latest) < html.index('id="recent-title"')
    recent = html[html.index('id="recent-title"'):html.index('id="years-title"')]
    assert recent.index("2025年第12期") < recent.index("2024年第36期") < recent.index("2024年第35期")
    years = html[html.index('id="years-title"'):]
    assert years.index('href="2025/index.html"') < years.index('href="2024/index.html"')


def test_county_pages_list_articles_newest_first_with_counts(built_site):
    html = (built_site / "counties/changshashi-liuyangshi/index.html").read_text(encoding="utf-8")
    assert html.index("2024年第36期") < html.index("2024年第35期")
    assert "刊发2篇文章" in html
    index = (built_site / "counties/index.html").read_text(encoding="utf-8")
    assert re.search(r"炎陵县</a><span class=\"count\">2篇", index)


def test_all_links_are_relative_and_resolve(built_site):
    """Links work from disk and under any sub-path: relative, and pointing at real files and anchors."""
    for page in html_pages(built_site):
        for tag, attribute, value in parse(page).links:
            parts = urlsplit(value)
            if parts.scheme in ("mailto", "tel"):
                continue
            if tag == "link" and attribute == "href" and parts.scheme == "https":
                assert 'rel="canonical"' in page.read_text(encoding="utf-8")
                continue
            assert not parts.scheme and not value.startswith("/"), f"{page}: {value}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page}: {value} → {target}"
            if parts.fragment:
                assert parts.fragment in parse(target).ids, f"{page}: {value}"


def test_nothing_loads_from_outside(built_site):
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag, attribute, value in parse(page).links:
            if attribute == "src" or (tag == "link" and "stylesheet" in text):
                assert not value.startswith(("http:", "https:", "//")) or tag == "link" and "canonical" in text
    css = (built_site / "static/style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_feed_and_sitemap_are_valid_xml_with_absolute_urls(built_site):
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(built_site / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert [e.find(f"{atom}title").text for e in entries][:2] == ["联络动态 2025年第13期", "联络动态 2025年第12期"]
    assert entries[1].find(f"{atom}id").text == "https://example.org/liandong/2025/12/"
    assert feed.find(f"{atom}updated").text == "2025-08-08T00:00:00+08:00"
    sitemap = ET.parse(built_site / "sitemap.xml").getroot()
    locations = [u[0].text for u in sitemap]
    assert "https://example.org/liandong/2025/12/" in locations
    assert all(loc.startswith("https://example.org/liandong/") for loc in locations)


def test_404_page_links_from_site_root(built_site):
    html = (built_site / "404.html").read_text(encoding="utf-8")
    assert 'href="/liandong/static/style.css"' in html and 'href="/liandong/"' in html


def test_script_in_article_comes_out_as_visible_text(site):
    path = site / "content/2025/12.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "今年以来，株洲市", "<script>alert('x')</script>今年以来，株洲市", 1), encoding="utf-8")
    build(site)
    html = (site / "build/2025/12/index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html or "&lt;script&gt;alert('x')&lt;/script&gt;" in html


def test_builds_are_byte_identical(tmp_path):
    first, second = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    build(first)
    build(second)
    comparison = filecmp.dircmp(first / "build", second / "build")
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    for page in html_pages(first / "build"):
        assert page.read_bytes() == (second / "build" / page.relative_to(first / "build")).read_bytes()


def test_addresses_stay_stable_when_an_issue_is_added(site):
    build(site)
    before = (site / "build/2025/12/index.html").read_text(encoding="utf-8")
    ids_before = parse(site / "build/2025/12/index.html").ids
    new = site / "content/2025/14.md"
    new.write_text((site / "content/2025/13.md").read_text(encoding="utf-8")
                   .replace("issue: 13", "issue: 14").replace("total: 740", "total: 741")
                   .replace("2025-08-08", "2025-08-18"), encoding="utf-8")
    build(site)
    assert (site / "build/2025/12/index.html").is_file()
    assert ids_before <= parse(site / "build/2025/12/index.html").ids
    assert {"article-1", "article-2"} <= ids_before
    assert before.split('<article class="bulletin">')[1].split("</article>")[0] == \
        (site / "build/2025/12/index.html").read_text(encoding="utf-8").split('<article class="bulletin">')[1].split("</article>")[0]


def test_failed_build_leaves_previous_output_intact(site):
    build(site)
    snapshot = {p.relative_to(site / "build"): p.read_bytes() for p in (site / "build").rglob("*") if p.is_file()}
    (site / "content/2025/12.md").write_text("---\nissue: [\n---\n", encoding="utf-8")
    with pytest.raises(LiandongError):
        build(site)
    after = {p.relative_to(site / "build"): p.read_bytes() for p in (site / "build").rglob("*") if p.is_file()}
    assert after == snapshot
    assert not [p for p in site.iterdir() if "staging" in p.name]


def test_template_error_names_template_file_and_line(site):
    (site / "templates/county.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ county.nope }}\n{% endblock %}\n",
                                                encoding="utf-8")
    with pytest.raises(LiandongError) as info:
        build(site)
    assert "templates/county.html:3:" in info.value.format_message()
    assert "未定义的变量" in info.value.format_message()


def test_refuses_to_replace_a_foreign_folder(site):
    foreign = site / "mine"
    foreign.mkdir()
    (foreign / "important.doc").write_text("keep", encoding="utf-8")
    with pytest.raises(LiandongError) as info:
        build(site, foreign)
    assert "不是 liandong 生成的" in info.value.format_message()
    assert (foreign / "important.doc").read_text(encoding="utf-8") == "keep"
