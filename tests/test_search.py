"""Chinese full-text search: the character index a build writes, and the search page in Chromium."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liandong.build import build
from liandong.config import load_config
from liandong.reader import load_archive
from liandong.search import SHARDS, grams_of, postings_text, search_records, shard_of

from conftest import REPO, content_articles, copy_site, open_page



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
    return json.loads((build_dir / "search-index/indexes.json").read_text(encoding="utf-8"))["indexes"]


def published_index(build_dir: Path, year: str) -> dict[str, set[str]]:
    """Every gram of a year's published index with the links of the articles it lists: decoded
    here independently of liandong.search, the way static/search.js decodes it."""
    folder = build_dir / "search-index" / year
    links = [row[0] for row in json.loads((folder / "records.json").read_text(encoding="utf-8"))["records"]]
    index = {}
    for path in folder.glob("*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines():
            gram, _, value = line.partition("\t")
            if value.startswith("~"):
                bits = base64.b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
                index[gram] = {link for n, link in enumerate(links) if bits[n >> 3] >> (n & 7) & 1}
            else:
                numbers, at = set(), -1
                for gap in value.split(","):
                    at += int(gap, 16) + 1
                    numbers.add(at)
                index[gram] = {links[n] for n in numbers}
    return index


def postings(build_dir: Path, year: str, gram: str) -> set[str]:
    return published_index(build_dir, year).get(gram, set())


def test_build_writes_one_index_per_year_listing_its_articles(built_site):
    years = index_years(built_site)
    articles = content_articles()
    assert years == sorted({str(a["year"]) for a in articles}, reverse=True) == ["2025", "2024"]
    for year in years:
        folder = built_site / "search-index" / year
        records = json.loads((folder / "records.json").read_text(encoding="utf-8"))["records"]
        assert sorted(row[0] for row in records) == sorted(a["url"] for a in articles if str(a["year"]) == year)
        assert sorted(p.name for p in folder.iterdir()) == sorted([f"{n}.txt" for n in range(SHARDS)] + ["records.json"])
    assert not (built_site / "pagefind").exists()


def test_the_index_lists_exactly_the_articles_holding_each_character_pair(built_site):
    """Every character and pair of adjacent characters of every article (title, text, 供稿 line;
    whitespace ignored, letters lowered) lists that article, and no article lacking it."""
    articles = content_articles()
    # Markdown's marks (headings, tables) are not text; the sample of grams keeps to Chinese characters.
    texts = {a["url"]: re.sub(r"[\s#|*>-]+", "", a["title"] + a["text"] + (f"（{a['contributor']}供稿）" if a["contributor"] else ""))
             .lower() for a in articles}
    chinese = re.compile(r"[\u4e00-\u9fff]+")
    for year in index_years(built_site):
        own = {url: text for url, text in texts.items() if url.startswith(year + "/")}
        grams = {text[i:i + 2] for text in own.values() for i in range(len(text) - 1)} | set("".join(own.values()))
        sample = sorted(gram for gram in grams if chinese.fullmatch(gram))
        assert len(sample) > 500
        index = published_index(built_site, year)
        for gram in sample:
            assert index.get(gram, set()) == {url for url, text in own.items() if gram in text}, gram
        assert postings(built_site, year, "龘龘") == set()


@given(st.sets(st.integers(min_value=0, max_value=299)), st.integers(min_value=0, max_value=60))
def test_postings_decode_to_the_articles_they_encode(numbers, extra):
    """Both forms (gaps for few articles, a bitmap for many) give back exactly the set encoded."""
    count = (max(numbers) + 1 if numbers else 1) + extra
    text = postings_text(sum(1 << n for n in numbers), count)
    if text.startswith("~"):
        bits = base64.b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
        decoded = {n for n in range(count) if bits[n >> 3] >> (n & 7) & 1}
    else:
        decoded, at = set(), -1
        for gap in filter(None, text.split(",")):
            at += int(gap, 16) + 1
            decoded.add(at)
    assert decoded == numbers


def test_grams_ignore_whitespace_and_case_and_keep_characters_beyond_the_basic_plane():
    assert grams_of("A b\u3000𠀀c") == {"a", "b", "𠀀", "c", "ab", "b𠀀", "𠀀c"}
    assert shard_of("𠀀c") == ((0x20000 % 65536) * 31 + ord("c")) % 65536 % SHARDS


def test_two_builds_write_byte_identical_search_indexes(tmp_path):
    first, second = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    build(first, pdf=False)
    build(second, tmp_path / "elsewhere", pdf=False)
    files = {p.relative_to(first / "build") for p in (first / "build").rglob("*") if p.is_file()}
    assert {p.relative_to(tmp_path / "elsewhere") for p in (tmp_path / "elsewhere").rglob("*") if p.is_file()} == files
    assert any(str(p).startswith("search-index/2024/") for p in files)
    for path in sorted(files):
        assert (first / "build" / path).read_bytes() == (tmp_path / "elsewhere" / path).read_bytes(), path


def test_the_index_is_made_only_when_an_article_changes_and_only_for_its_year(site, monkeypatch):
    import liandong.search

    first = build(site, pdf=False)
    assert {"search-index/2025/records.json", "search-index/2024/records.json"} <= set(first.written)
    untouched = {p.relative_to(site / "build").as_posix(): p.read_bytes()
                 for p in (site / "build/search-index/2025").rglob("*") if p.is_file()}

    def must_not_run(*args):
        raise AssertionError("the index was made although no article changed")

    real_make = liandong.search.index_files
    monkeypatch.setattr(liandong.search, "index_files", must_not_run)
    base = site / "templates/base.html"  # a change that is not an article: the build runs, the index is kept
    base.write_text(base.read_text(encoding="utf-8").replace("跳到正文", "跳到正文内容"), encoding="utf-8")
    assert not [dest for dest in build(site, pdf=False).written if dest.startswith("search-index/")]
    monkeypatch.setattr(liandong.search, "index_files", real_make)

    # site.yaml is part of every issue's digest, so the index is made again, but the files are the same
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("联络动态", "联络动态试刊"), encoding="utf-8")
    assert not [dest for dest in build(site, pdf=False).written if dest.startswith("search-index/")]

    indexed = []  # the years the index is made for: the records' years

    def recording(records):
        indexed.append(sorted({r.filters["year"][0] for r in records}))
        return real_make(records)

    monkeypatch.setattr(liandong.search, "index_files", recording)
    issue = site / "content/2024/36.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("每周三晚", "每周三、周五晚"), encoding="utf-8")
    report = build(site, pdf=False)
    assert indexed == [["2024"]]
    assert not [dest for dest in report.written + report.removed if dest.startswith("search-index/2025/")]
    assert [dest for dest in report.written if dest.startswith("search-index/2024/")]
    assert postings(site / "build", "2024", "周五") == {"2024/36/index.html#article-2"}
    assert untouched == {p.relative_to(site / "build").as_posix(): p.read_bytes()
                         for p in (site / "build/search-index/2025").rglob("*") if p.is_file()}
    cached = {p.name: len(list(p.iterdir())) for p in (site / ".liandong-cache/search").iterdir()}
    assert cached == {"2024": 1, "2025": 1}  # per year, the index of the old text is dropped


def test_a_cached_index_moved_to_another_year_is_not_trusted(site):
    """Each signed digest list names its year and key: another year's index, though made on this
    machine, is never published in place of this year's."""
    from liandong.search import cached_index

    build(site, pdf=False)
    published = {p.relative_to(site / "build").as_posix(): p.read_bytes() for p in (site / "build/search-index").rglob("*")
                 if p.is_file()}
    cache = site / ".liandong-cache/search"
    (old_2024,), (old_2025,) = list((cache / "2024").iterdir()), list((cache / "2025").iterdir())
    assert cached_index(old_2024) and cached_index(old_2025)
    shutil.rmtree(old_2025)
    shutil.copytree(old_2024, old_2025)  # 2024's files and signed list, where 2025's index is looked for
    assert cached_index(old_2025) is None
    shutil.rmtree(site / "build")
    build(site, pdf=False)
    assert {p.relative_to(site / "build").as_posix(): p.read_bytes() for p in (site / "build/search-index").rglob("*")
            if p.is_file()} == published  # 2025's index was made again


def test_a_changed_cached_file_is_not_published(site):
    build(site, pdf=False)
    published = (site / "build/search-index/2025/records.json").read_bytes()
    (cached,) = list((site / ".liandong-cache/search/2025").iterdir())
    (cached / "records.json").write_bytes(published.replace("株洲".encode(), "北京".encode()))
    shutil.rmtree(site / "build")
    build(site, pdf=False)
    assert (site / "build/search-index/2025/records.json").read_bytes() == published


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
    for result in page.locator("#search-results .search-result").all():  # marked in the title or the excerpt
        assert first_term in result.locator("mark").all_inner_texts()
    assert all(url.startswith(server) for url in requests)
    page.context.close()


def test_hits_lacking_part_of_the_phrase_come_after_a_heading(browser, server):
    """乡镇人大 is two words, 乡镇 and 人大: an article holding both apart is listed after the others."""
    page, _ = search(browser, server, "乡镇人大")
    partial = result_urls(page, "#search-partial")
    assert partial and not set(partial) & expected_urls("乡镇人大")
    assert set(partial) == expected_urls("乡镇 人大") - expected_urls("乡镇人大")
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
    assert not [url for url in requests if "/search-index/" in url]
    page.context.close()


def test_the_recall_queries_find_every_article_holding_them(browser, server):
    """scripts/search_recall.py's queries, through the page's own search: every article holding a
    query is listed among the whole hits, and every whole hit holds it (the README's figures)."""
    spec = importlib.util.spec_from_file_location("search_recall", REPO / "scripts/search_recall.py")
    recall = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recall)
    page, _ = search(browser, server)
    found = {q: page.evaluate("q => liandongSearch(q)", q) for q in recall.QUERIES}
    for q in recall.QUERIES:
        whole = {hit["link"] for hit in found[q] if hit["tier"] in (0, 1)}
        assert whole == expected_urls(q), q
        assert [hit["tier"] for hit in found[q]] == sorted(hit["tier"] for hit in found[q]), q
    assert sum(len(expected_urls(q)) for q in recall.QUERIES) == 100
    page.context.close()


def test_the_index_and_the_page_ignore_the_same_characters_as_whitespace(browser, server):
    """liandong.search.squeezed and static/search.js's squeeze must drop exactly the same code
    points, or a phrase around one of them is indexed one way and checked another."""
    from liandong.search import SPACE

    script = (REPO / "templates/static/search.js").read_text(encoding="utf-8")
    pattern = re.search(r"function squeeze\(text\) \{\s*return text\.replace\(/(.+?)/g, \"\"\)", script).group(1)
    page, _ = search(browser, server)
    dropped_by_page = page.evaluate("""(pattern) => {
        const squeeze = new RegExp("^(?:" + pattern + ")$");
        const out = [];
        for (let c = 0; c < 0x30000; c++) {
            if (c >= 0xd800 && c <= 0xdfff) continue;
            if (squeeze.test(String.fromCodePoint(c))) out.push(c);
        }
        return out;
    }""", pattern)
    dropped_by_index = [c for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF and SPACE.fullmatch(chr(c))]
    assert dropped_by_page == dropped_by_index
    page.context.close()
