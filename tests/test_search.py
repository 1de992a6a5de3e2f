"""Chinese full-text search: the Pagefind index a build writes, and the search page in Chromium."""

from __future__ import annotations

import re

import importlib.util
import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from liandong.build import build
from liandong.config import load_config
from liandong.errors import LiandongError
from liandong.reader import load_archive
from liandong.search import search_records

from conftest import REPO, content_articles, copy_site, open_page

PINNED_PAGEFIND = "1.4.0"  # pyproject.toml; chosen by scripts/search_recall.py (README, 全文搜索)


def expected_urls(phrase: str) -> set[str]:
    """Articles whose text, title or 供稿 line holds every term, counted from the content files."""
    found = set()
    for article in content_articles():
        text = article["title"] + article["text"] + (article["contributor"] or "")
        if all(term in text for term in phrase.split()):
            found.add(article["url"])
    return found


# --- the index --------------------------------------------------------------------------------

def test_one_record_per_article_with_anchor_meta_and_filters():
    archive, _ = load_archive(load_config(REPO))
    records = search_records(archive)
    articles = content_articles()
    assert sorted(r.url for r in records) == sorted(a["url"] for a in articles)
    record = next(r for r in records if r.url == "2025/12/index.html#article-2")
    assert record.meta == {"title": "郴州市桂阳县：通过“三力”推动县乡人大工作整体提质增效", "issue": "2025年第12期",
                           "date": "2025-07-28", "date_text": "2025年7月28日", "county": "郴州市桂阳县"}
    assert record.filters == {"year": ["2025"], "county": ["郴州市桂阳县"]}
    assert record.content.startswith("郴州市桂阳县：通过“三力”")
    assert "树下说事" in record.content and record.content.endswith("（郴州市桂阳县人大常委会 供稿）")


def index_years(build_dir: Path) -> list[str]:
    return json.loads((build_dir / "pagefind/indexes.json").read_text(encoding="utf-8"))["indexes"]


def test_build_writes_one_index_per_year_with_the_pinned_pagefind(built_site):
    years = index_years(built_site)
    articles = content_articles()
    assert years == sorted({str(a["year"]) for a in articles}, reverse=True) == ["2025", "2024"]
    for year in years:
        entry = json.loads((built_site / f"pagefind/{year}/pagefind-entry.json").read_text(encoding="utf-8"))
        assert entry["version"] == PINNED_PAGEFIND
        assert list(entry["languages"]) == ["zh-cn"]
        assert entry["languages"]["zh-cn"]["page_count"] == len([a for a in articles if str(a["year"]) == year])
    # Pagefind's program once, in the newest year's folder (the primary index the others merge into)
    programs = sorted(p.relative_to(built_site).as_posix() for p in (built_site / "pagefind").rglob("*")
                      if p.name == "pagefind.js" or p.name.startswith("wasm."))
    assert programs == ["pagefind/2025/pagefind.js", "pagefind/2025/wasm.unknown.pagefind"]
    assert not list((built_site / "pagefind").rglob("playground")) and not list((built_site / "pagefind").rglob("*-ui.*"))


def test_two_builds_write_byte_identical_search_indexes(tmp_path):
    first, second = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    build(first, pdf=False)
    build(second, tmp_path / "elsewhere", pdf=False)
    files = {p.relative_to(first / "build") for p in (first / "build").rglob("*") if p.is_file()}
    assert {p.relative_to(tmp_path / "elsewhere") for p in (tmp_path / "elsewhere").rglob("*") if p.is_file()} == files
    assert any(str(p).startswith("pagefind/2024/fragment/") for p in files)
    for path in sorted(files):
        assert (first / "build" / path).read_bytes() == (tmp_path / "elsewhere" / path).read_bytes(), path


def test_without_the_extended_binary_the_build_stops_and_keeps_the_old_output(site, monkeypatch):
    build(site, pdf=False)
    before = (site / "build/pagefind/2025/pagefind-entry.json").read_bytes()
    import builtins
    real_import = builtins.__import__

    def no_extended(name, *args, **kwargs):
        if name == "pagefind_bin_extended":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extended)
    issue = site / "content/2025/13.md"  # an edit, so the build gets past its no-op shortcut
    issue.write_text(issue.read_text(encoding="utf-8").replace("群众扫码即可", "群众用手机扫码即可"), encoding="utf-8")
    with pytest.raises(LiandongError) as info:
        build(site, pdf=False)
    assert "pagefind[extended]" in info.value.format_message()
    assert (site / "build/pagefind/2025/pagefind-entry.json").read_bytes() == before


def test_pagefind_runs_only_when_an_article_changes_and_only_for_its_year(site, monkeypatch):
    import liandong.search

    first = build(site, pdf=False)
    assert {"pagefind/2025/pagefind-entry.json", "pagefind/2024/pagefind-entry.json"} <= set(first.written)
    before = {p.name for p in (site / "build/pagefind/2024/fragment").iterdir()}
    untouched = {p.relative_to(site / "build").as_posix(): p.read_bytes() for p in (site / "build/pagefind/2025").rglob("*")
                 if p.is_file()}

    def must_not_run(*args):
        raise AssertionError("Pagefind ran although no article changed")

    real_write = liandong.search.write_with_cli
    monkeypatch.setattr(liandong.search, "write_with_cli", must_not_run)
    base = site / "templates/base.html"  # a change that is not an article: the build runs, Pagefind not
    base.write_text(base.read_text(encoding="utf-8").replace("跳到正文", "跳到正文内容"), encoding="utf-8")
    assert not [dest for dest in build(site, pdf=False).written if dest.startswith("pagefind/")]
    monkeypatch.setattr(liandong.search, "write_with_cli", real_write)

    # site.yaml is part of every issue's digest, so Pagefind runs again, but writes the same files
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("联络动态", "联络动态试刊"), encoding="utf-8")
    assert not [dest for dest in build(site, pdf=False).written if dest.startswith("pagefind/")]

    indexed = []  # the years Pagefind is run for: the records' years

    def recording(records, *args):
        indexed.append(sorted({r.filters["year"][0] for r in records}))
        return real_write(records, *args)

    monkeypatch.setattr(liandong.search, "write_with_cli", recording)
    issue = site / "content/2024/36.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("每周三晚", "每周三、周五晚"), encoding="utf-8")
    report = build(site, pdf=False)
    assert indexed == [["2024"]]
    assert "pagefind/2024/pagefind-entry.json" in report.written
    assert not [dest for dest in report.written + report.removed if dest.startswith("pagefind/2025/")]
    after = {p.name for p in (site / "build/pagefind/2024/fragment").iterdir()}
    assert len(after) == len(before) and len(after - before) == 1  # the edited article's fragment only
    assert any(dest.startswith("pagefind/2024/fragment/") for dest in report.removed)
    assert untouched == {p.relative_to(site / "build").as_posix(): p.read_bytes()
                         for p in (site / "build/pagefind/2025").rglob("*") if p.is_file()}
    cached = {p.name: len(list(p.iterdir())) for p in (site / ".liandong-cache/search").iterdir()}
    assert cached == {"2024": 1, "2025": 1}  # per year, the index of the old text is dropped


def test_a_cached_index_moved_to_another_year_is_not_trusted(site):
    """Each signed digest list names its year and key: another year's index, though made on this
    machine, is never published in place of this year's."""
    from liandong.search import cached_index

    build(site, pdf=False)
    published = {p.relative_to(site / "build").as_posix(): p.read_bytes() for p in (site / "build/pagefind").rglob("*")
                 if p.is_file()}
    cache = site / ".liandong-cache/search"
    (old_2024,), (old_2025,) = list((cache / "2024").iterdir()), list((cache / "2025").iterdir())
    assert cached_index(old_2024) and cached_index(old_2025)
    shutil.rmtree(old_2025)
    shutil.copytree(old_2024, old_2025)  # 2024's files and signed list, where 2025's index is looked for
    assert cached_index(old_2025) is None
    shutil.rmtree(site / "build")
    build(site, pdf=False)
    assert {p.relative_to(site / "build").as_posix(): p.read_bytes() for p in (site / "build/pagefind").rglob("*")
            if p.is_file()} == published  # 2025's index was made again


def test_a_pagefind_elsewhere_is_never_used(site, monkeypatch):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/nonexistent/pagefind")
    build(site, pdf=False)
    assert (site / "build/pagefind/2025/pagefind-entry.json").is_file()
    import os
    assert os.environ["PAGEFIND_BINARY_PATH"] == "/nonexistent/pagefind"


# --- searching in Chromium ---------------------------------------------------------------------

def search(browser, server, query: str = "", width: int = 1280, **filters):
    """Open the search page with ``?q=…`` (and filters) and wait for its answer."""
    params = "&".join(f"{name}={quote(value)}" for name, value in {"q": query, **filters}.items() if value)
    page, requests = open_page(browser, f"{server}search/index.html?{params}", width)
    page.wait_for_selector("#search-form[data-ready]")
    return page, requests


def result_urls(page, selector: str = "#search-results") -> list[str]:
    hrefs = page.eval_on_selector_all(f"{selector} .search-result-title a", "links => links.map(a => a.href)")
    return [href.split("/", 3)[3] for href in hrefs]


# Phrases from the sample issue (2025/12) and from the other issues; every article holding one
# must be listed among the hits that hold the whole phrase.
PHRASES = ["代表联络站", "微建议", "三会三文", "履职积分", "预算联网监督", "树下说事", "一府一委两院",
           "人大代表二维码", "板凳会", "夜间开放", "双语宣讲", "述职", "乡村振兴", "炎陵 联络站"]


@pytest.mark.parametrize("phrase", PHRASES)
def test_search_finds_every_article_holding_the_phrase(browser, server, phrase):
    expected = expected_urls(phrase)
    assert expected, phrase
    page, requests = search(browser, server, phrase)
    assert sorted(result_urls(page)) == sorted(expected)
    status = page.locator("#search-status").inner_text()
    assert f"{len(expected)}篇包含“{phrase}”" in status
    listed = page.locator(".search-result").count()
    assert int(re.match(r"找到(\d+)篇", status).group(1)) == listed  # the count is what is listed
    first_term = phrase.split()[0]
    for excerpt in page.locator("#search-results .search-result-excerpt").all():
        assert first_term in excerpt.locator("mark").all_inner_texts()
    assert all(url.startswith(server) for url in requests)
    page.context.close()


def test_hits_lacking_part_of_the_phrase_come_after_a_heading(browser, server):
    page, _ = search(browser, server, "代表联络站")
    partial = result_urls(page, "#search-partial")
    assert partial and not set(partial) & expected_urls("代表联络站")
    assert page.locator("#search-partial-title").is_visible()
    assert "只包含其中部分词语" in page.locator("#search-status").inner_text()
    page.context.close()


def test_a_hit_opens_its_article_in_the_issue(browser, server):
    page, _ = search(browser, server, "树下说事", width=375)
    page.locator("#search-results a").first.click()
    assert page.url.endswith("/2025/12/index.html#article-2")
    assert "树下说事" in page.locator("#article-2").inner_text()
    assert abs(page.evaluate("document.getElementById('article-2').getBoundingClientRect().top")) < 5
    page.context.close()


def test_filters_by_county_and_year(browser, server):
    page, _ = search(browser, server, "代表", county="长沙市浏阳市")
    assert page.locator("#search-county").input_value() == "长沙市浏阳市"
    county_hits = {a["url"] for a in content_articles() if a["county"] == "长沙市浏阳市"}
    assert set(result_urls(page)) | set(result_urls(page, "#search-partial")) == county_hits
    page.select_option("#search-county", "")
    page.select_option("#search-year", "2025")
    page.wait_for_function("location.search.includes('year=2025') && !location.search.includes('county')")
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('2025年')")
    hits = set(result_urls(page)) | set(result_urls(page, "#search-partial"))
    assert hits == {a["url"] for a in content_articles() if a["year"] == 2025 and "代表" in a["title"] + a["text"]}
    page.context.close()


def test_a_county_alone_lists_all_its_articles(browser, server):
    page, _ = search(browser, server, county="株洲市炎陵县", sort="date")
    assert result_urls(page) == ["2025/13/index.html#article-1", "2025/12/index.html#article-1"]
    assert "共2篇文章（株洲市炎陵县）" in page.locator("#search-status").inner_text()
    page.context.close()


def test_header_box_searches_from_any_page(browser, server):
    page, _ = open_page(browser, server + "2024/35/index.html", 375)
    page.fill("#site-search-q", "板凳会")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-form[data-ready]")
    assert "/search/index.html?q=" in page.url
    assert page.locator("#search-q").input_value() == "板凳会"
    assert result_urls(page) == ["2024/35/index.html#article-2"]
    page.context.close()


def test_search_works_under_a_sub_path(browser, built_site, tmp_path):
    """Published at https://example.org/liandong/: links and the index are found relative to the page."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from conftest import QuietHandler

    (tmp_path / "liandong").symlink_to(built_site, target_is_directory=True)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/liandong/"
        page, _ = search(browser, base, "夜间开放")
        link = page.locator("#search-results a").first
        assert link.get_attribute("href") == "../2024/36/index.html#article-2"
        link.click()
        assert page.url == base + "2024/36/index.html#article-2"
        page.context.close()
    finally:
        httpd.shutdown()


def test_opened_from_disk_the_page_says_search_needs_a_server(browser, built_site):
    page, requests = open_page(browser, (built_site / "search/index.html").as_uri() + "?q=微建议", 375)
    notice = page.locator("#search-offline")
    assert notice.is_visible()
    assert "从本地磁盘打开时无法搜索" in notice.inner_text() and "file://" in notice.inner_text()
    assert page.locator("#search-results li").count() == 0
    assert not [url for url in requests if "/pagefind/" in url]
    page.context.close()


def test_pinned_pagefind_keeps_its_measured_recall(browser, server):
    """The README's figure: Pagefind 1.4.0 finds 99 of the 100 expected hits of the recall queries."""
    spec = importlib.util.spec_from_file_location("search_recall", REPO / "scripts/search_recall.py")
    recall = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recall)
    page, _ = search(browser, server)
    found = page.evaluate("""async (queries) => {
        const pagefind = window.liandongPagefind;  // both years' indexes, merged as the page uses them
        const out = {};
        for (const q of queries) {
            const search = await pagefind.search(q);
            out[q] = (await Promise.all(search.results.map(r => r.data()))).map(d => d.meta.link || d.raw_url);
        }
        return out;
    }""", recall.QUERIES)
    expected = {q: expected_urls(q) for q in recall.QUERIES}
    hits = sum(len(expected[q] & set(found[q])) for q in recall.QUERIES)
    total = sum(len(urls) for urls in expected.values())
    assert total == 100
    assert hits >= 99, {q: sorted(expected[q] - set(found[q])) for q in recall.QUERIES if expected[q] - set(found[q])}
    page.context.close()
