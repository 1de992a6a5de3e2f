"""Search over one character index per year, searched together in the browser.

A site of six years is generated here with phrases planted across years: in titles and in text,
inside longer words, written in traditional characters by the reader. What the page lists is checked
against the content files read independently (conftest.content_articles), in headless Chromium.
Then one issue is edited: the index is made again for its year only, the other years' index files
are not rewritten, and the page finds the new text together with the other years' hits.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from liandong.build import build

from conftest import REPO, QuietHandler, content_articles, open_page

YEARS = list(range(2019, 2025))
COUNTIES = ["长沙市浏阳市", "株洲市炎陵县", "岳阳市平江县", "郴州市桂阳县", "湘西州凤凰县"]
FILLER = ["县人大常委会坚持问题导向，推动代表履职走深走实。", "各代表小组定期走访选民，收集意见建议。",
          "常委会组成人员深入基层开展专题调研。", "代表们围绕民生实事提出建议，督促有关部门抓好落实。"]
# (year, issue, article) → (title, extra text): the planted phrases
PLANTED = {
    (2019, 1, 1): ("“议事坪夜谈”让群众说事有去处", ""),
    (2021, 2, 2): ("", "全县推行议事坪夜谈制度，代表晚上进村听取意见。"),
    (2023, 1, 2): ("", "各乡镇人大主席团每季度组织一次议事坪夜谈。"),
    (2024, 2, 1): ("", "议事坪夜谈已覆盖全部乡镇。"),
    (2020, 2, 1): ("", "各乡镇人大主席团召开代表小组活动。"),
    (2022, 1, 1): ("", "乡镇人大工作规范化建设持续推进。"),
}


def write_site(root: Path) -> Path:
    """Six years × 2 issues × 2 articles, each county in several years."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "templates", root / "templates")
    total = index = 0
    for year in YEARS:
        for number in (1, 2):
            total += 1
            front = ["---", f"issue: {number}", f"total: {total}", f"date: {dt.date(year, 4 * number, 8).isoformat()}",
                     "articles:"]
            body = []
            for article in (1, 2):
                county = COUNTIES[index % len(COUNTIES)]
                index += 1
                title, extra = PLANTED.get((year, number, article), ("", ""))
                title = f"{county}：{title or f'第{index}篇 建强代表履职阵地'}"
                text = "".join(FILLER[(index + k) % len(FILLER)] for k in range(3)) + extra
                front += [f"  - county: {county}", f"    contributor: {county}人大常委会"]
                body += [f"# {title}", "", text, ""]
            front.append("---")
            path = root / "content" / str(year) / f"{number:02d}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(front) + "\n\n" + "\n".join(body), encoding="utf-8")
    return root


def holding(site: Path, phrase: str, **where) -> list[dict]:
    """Articles whose title or text holds the phrase, read from the content files."""
    return [a for a in content_articles(site) if phrase in a["title"] + a["text"]
            and all(a[key] == value for key, value in where.items())]


@pytest.fixture(scope="module")
def years_site(tmp_path_factory) -> Path:
    site = write_site(tmp_path_factory.mktemp("years") / "site")
    build(site, pdf=False)
    return site


def serve(directory: Path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


@pytest.fixture(scope="module")
def years_server(years_site):
    httpd, url = serve(years_site / "build")
    yield url
    httpd.shutdown()


def search(browser, server: str, query: str = "", width: int = 1280, **params):
    query_string = "&".join(f"{k}={quote(v)}" for k, v in {"q": query, **params}.items() if v)
    page, requests = open_page(browser, f"{server}search/index.html?{query_string}", width)
    page.wait_for_selector("#search-form[data-ready]")
    page.wait_for_function("/^(找到|共|没有)/.test(document.querySelector('#search-status').textContent)")
    while page.locator("#search-more").is_visible():
        before = page.locator(".search-result").count()
        page.click("#search-more")
        page.wait_for_function(f"document.querySelectorAll('.search-result').length > {before}")
    return page, requests


def listed(page, selector: str = "#search-results") -> list[str]:
    hrefs = page.eval_on_selector_all(f"{selector} .search-result-title a", "links => links.map(a => a.href)")
    return [href.split("/", 3)[3] for href in hrefs]


def stated(page) -> int:
    status = page.locator("#search-status").inner_text()
    return int(re.match(r"(?:找到|共)(\d+)篇", status).group(1))


def test_every_year_has_its_own_index_and_the_manifest_lists_them_newest_first(years_site):
    out = years_site / "build/search-index"
    manifest = json.loads((out / "indexes.json").read_text(encoding="utf-8"))
    assert manifest["indexes"] == [str(y) for y in reversed(YEARS)]
    for year in YEARS:
        records = json.loads((out / f"{year}/records.json").read_text(encoding="utf-8"))["records"]
        assert [row[0] for row in records] == [a["url"] for a in sorted(
            (a for a in content_articles(years_site) if a["year"] == year), key=lambda a: (-a["issue"], a["number"]))]


def test_hits_of_several_years_are_listed_together_with_a_true_count(browser, years_server, years_site):
    expected = holding(years_site, "议事坪夜谈")
    assert len({a["year"] for a in expected}) == 4
    page, requests = search(browser, years_server, "议事坪夜谈")
    whole = listed(page)
    assert sorted(whole) == sorted(a["url"] for a in expected)
    assert stated(page) == len(whole) + len(listed(page, "#search-partial")) == page.locator(".search-result").count()
    assert "议事坪夜谈" in page.locator("#search-results .search-result-title").first.inner_text()  # title hit first
    assert f"{len(expected)}篇包含“议事坪夜谈”" in page.locator("#search-status").inner_text()
    fetched = {m.group(1) for url in requests for m in [re.search(r"/search-index/(\d{4})/", url)] if m}
    assert fetched == {str(y) for y in YEARS}  # every year's index was searched
    assert all(url.startswith(years_server) for url in requests)
    page.context.close()


@pytest.mark.parametrize("query", ["乡镇人大", "鄉鎮人大", "議事坪夜談"])
def test_phrases_inside_longer_words_and_traditional_queries_across_years(browser, years_server, years_site, query):
    simple = query.translate(str.maketrans("鄉鎮議談", "乡镇议谈"))
    expected = holding(years_site, simple)
    assert len({a["year"] for a in expected}) >= 3
    page, _ = search(browser, years_server, query, width=375)
    assert sorted(listed(page)) == sorted(a["url"] for a in expected)
    assert stated(page) == page.locator(".search-result").count()
    assert page.locator("#search-results mark").first.inner_text() == simple
    page.context.close()


def test_year_and_county_filters_work_on_the_merged_indexes(browser, years_server, years_site):
    page, _ = search(browser, years_server, "议事坪夜谈", year="2021")
    assert listed(page) == [a["url"] for a in holding(years_site, "议事坪夜谈", year=2021)]
    assert stated(page) == page.locator(".search-result").count() == 1
    page.context.close()
    county = COUNTIES[0]
    page, _ = search(browser, years_server, county=county, sort="date")
    articles = [a for a in content_articles(years_site) if a["county"] == county]
    assert len({a["year"] for a in articles}) >= 4
    newest_first = sorted(articles, key=lambda a: (a["year"], a["issue"], -a["number"]), reverse=True)
    assert listed(page) == [a["url"] for a in newest_first]
    assert stated(page) == len(articles)
    page.context.close()


def test_an_edit_reindexes_its_year_only_and_the_page_finds_it(browser, tmp_path, monkeypatch):
    import liandong.search

    site = write_site(tmp_path / "site")
    build(site, pdf=False)
    out = site / "build/search-index"

    def files():
        return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.read_bytes()) for p in out.rglob("*") if p.is_file()}

    before = files()
    indexed = []
    real_make = liandong.search.index_files

    def recording(records):
        indexed.append(sorted({r.filters["year"][0] for r in records}))
        return real_make(records)

    monkeypatch.setattr(liandong.search, "index_files", recording)
    issue = site / "content/2021/01.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("收集意见建议。", "收集意见建议，开展议事坪夜谈。", 1),
                     encoding="utf-8")
    report = build(site, pdf=False)
    after = files()
    assert indexed == [["2021"]]  # the index was made once, over 2021's records alone
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert changed and all(name.startswith("2021/") for name in changed), sorted(changed)
    assert "2021/records.json" not in changed  # the same articles: only the gram files that hold new text
    assert {d for d in report.written + report.removed if d.startswith("search-index/")} == {f"search-index/{n}" for n in changed}

    httpd, server = serve(site / "build")
    try:
        page, _ = search(browser, server, "议事坪夜谈")
        expected = holding(site, "议事坪夜谈")
        assert len({a["year"] for a in expected}) == 4 and any(a["url"].startswith("2021/01/") for a in expected)
        assert sorted(listed(page)) == sorted(a["url"] for a in expected)
        assert stated(page) == page.locator(".search-result").count() == len(expected)
        page.context.close()
    finally:
        httpd.shutdown()
