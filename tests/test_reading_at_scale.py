"""The reader's side at the real archive's shape: 25 years, 110+ counties under their 市州, in
headless Chromium at phone and desktop widths. The archive is generated here (short articles, so
it builds in seconds); bench/run.py measures the same pages on the 1000-issue archive."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import REPO, QuietHandler, horizontal_overflow, need_tool, open_page

sys.path.insert(0, str(REPO / "bench"))
from generate import COUNTIES, SENTENCES  # noqa: E402

# Slow (generates a 25-year archive, builds it with search and drives Chromium over it): `pytest -m 'not slow'` skips it locally; CI runs it.
pytestmark = pytest.mark.slow

# Real districts of Hunan besides bench/generate.py's counties, and a unit with no 市州.
MORE = ["长沙市芙蓉区", "长沙市天心区", "长沙市岳麓区", "长沙市开福区", "长沙市雨花区", "株洲市荷塘区",
        "株洲市芦淞区", "株洲市石峰区", "株洲市天元区", "湘潭市雨湖区", "湘潭市岳塘区", "衡阳市珠晖区",
        "衡阳市雁峰区", "衡阳市石鼓区", "衡阳市蒸湘区", "衡阳市南岳区", "邵阳市双清区", "邵阳市大祥区",
        "邵阳市北塔区", "岳阳市岳阳楼区", "岳阳市云溪区", "岳阳市君山区", "常德市武陵区", "常德市鼎城区",
        "省人大常委会代表工作委员会"]
ALL_COUNTIES = COUNTIES + MORE
YEARS = list(range(2001, 2026))
PER_YEAR = 4
AXE = REPO / ".tools/node_modules/axe-core/axe.min.js"


def article_text(index: int) -> str:
    picked = [SENTENCES[(index * 7 + k) % len(SENTENCES)] for k in range(4)]
    return "".join(re.sub(r"\{\w\}", "12", s) for s in picked)


def write_archive(root: Path) -> dict:
    """25 years × 4 issues × 3 articles; every county contributes. Returns what the tests look for."""
    import shutil

    root.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "templates", root / "templates")
    total, index = 0, 0
    for year in YEARS:
        for number in range(1, PER_YEAR + 1):
            total += 1
            counties = [ALL_COUNTIES[(index + k) % len(ALL_COUNTIES)] for k in range(3)]
            front = ["---", f"issue: {number}", f"total: {total}",
                     f"date: {dt.date(year, 3 * number, 10 + number).isoformat()}", "articles:"]
            body = []
            for county in counties:
                index += 1
                front += [f"  - county: {county}", f"    contributor: {county}人大常委会"]
                title = f"{county}：第{index}篇 建强代表履职阵地"
                text = article_text(index)
                if index == 5:
                    title = f"{county}：“联络站夜话”让群众说事有去处"
                if index == 9:
                    text += "全县推行“联络站夜话”制度，代表晚上进站听取意见。"
                if index == 13:
                    text += "各乡镇人大主席团每季度召开一次代表小组活动。"
                body += [f"# {title}", "", text, ""]
            front.append("---")
            path = root / "content" / str(year) / f"{number:02d}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(front) + "\n\n" + "\n".join(body), encoding="utf-8")
    return {"issues": total, "articles": index}


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    from liandong.build import build

    root = tmp_path_factory.mktemp("large") / "site"
    write_archive(root)
    build(root, pdf=False)
    return root / "build"


@pytest.fixture(scope="module")
def large_server(large):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(large)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


# ---- sizes and structure, read from the files


def test_home_stays_small_and_indexes_every_year(large):
    html = (large / "index.html").read_text(encoding="utf-8")
    assert len(html.encode()) <= 60 * 1024
    years = re.findall(r'<a href="(\d{4})/index.html"[^>]*><span class="year-index-year">(\d{4})年', html)
    assert [int(y) for y, _ in years] == sorted(YEARS, reverse=True)
    assert all((large / f"{y}/index.html").is_file() for y, _ in years)
    listed = re.findall(r'class="issue-link" href="(\d{4}/\d\d)/index.html"', html)
    assert 10 <= len(listed) <= 20
    assert "2025/04/index.html" in html  # the latest, prominent, above the list
    assert html.index('id="latest-title"') < html.index('id="recent-title"') < html.index('id="years-title"')


def test_every_html_page_stays_under_150_kb(large):
    sizes = {p.relative_to(large).as_posix(): p.stat().st_size for p in large.rglob("*.html")}
    assert max(sizes.values()) <= 150 * 1024, max(sizes.items(), key=lambda item: item[1])


def test_year_page_lists_its_issues_with_article_titles(large):
    html = (large / "2013/index.html").read_text(encoding="utf-8")
    assert html.count('class="issue-link"') == PER_YEAR
    assert len(re.findall(r'<li><a href="\.\./2013/\d\d/index.html#article-\d">[^<]+：第\d+篇', html)) == PER_YEAR * 3


def test_csv_rows_group_every_county_under_its_city(large):
    text = (large / "counties/county-articles.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0][2:-1] == [f"{y}年" for y in YEARS]
    counties = {name: city for city, name, *_ in rows[1:-1] if name != "小计"}
    assert set(counties) == set(ALL_COUNTIES)
    for name, city in counties.items():
        assert name.startswith(city) or (city == "其他单位" and "市" not in name), name
    assert counties["岳阳市岳阳楼区"] == "岳阳市" and counties["湘西州吉首市"] == "湘西州"
    assert counties["常德市津市市"] == "常德市" and counties["张家界市慈利县"] == "张家界市"
    assert int(rows[-1][-1]) == len(YEARS) * PER_YEAR * 3


# ---- in Chromium


def wrapped_cells(page) -> list[str]:
    """Table headings whose text takes more than one line."""
    return page.evaluate("""() => [...document.querySelectorAll('#county-stats th')].filter(th => {
        const range = document.createRange();
        range.selectNodeContents(th);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        return tops.size > 1;
    }).map(th => th.textContent.trim())""")


@pytest.mark.parametrize("width", [375, 1280])
def test_county_table_never_wraps_a_name_or_year_and_scrolls_inside(browser, large_server, width):
    page, requests = open_page(browser, large_server + "counties/index.html", width)
    assert page.locator("#county-stats thead th").count() == len(YEARS) + 2
    assert page.locator("#county-stats tbody th a").count() == len(ALL_COUNTIES)
    assert wrapped_cells(page) == []
    assert horizontal_overflow(page) <= 0  # the page itself never scrolls sideways
    box = page.locator(".stats-wrap")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # 25 years do not fit: the table scrolls
    first = page.locator("#county-stats tbody th").first
    heading = page.locator("#county-stats thead th").nth(3)
    x_before = first.bounding_box()["x"]
    box.evaluate("el => { el.scrollLeft = 400; el.scrollTop = 600; }")
    assert abs(first.bounding_box()["x"] - x_before) < 1  # the county column stays put
    assert abs(heading.bounding_box()["y"] - box.bounding_box()["y"]) <= 2  # the years stick to the box's top
    assert box.bounding_box()["height"] <= 900  # on a phone the box, not the page, scrolls the rows
    assert all(url.startswith(large_server) for url in requests)
    page.context.close()


def test_sorting_by_total_in_place_and_back(browser, large_server):
    page, _ = open_page(browser, large_server + "counties/index.html", 1280)
    names = lambda: page.eval_on_selector_all("#county-stats tbody tr:not(.subtotal) th", "n => n.map(x => x.textContent.trim())")
    totals = lambda: [int(t) for t in page.eval_on_selector_all("#county-stats tbody tr:not(.subtotal) td.total", "n => n.map(x => x.textContent)")]
    grouped = names()
    page.get_by_role("button", name="合计").click()
    assert page.locator("#county-stats thead th.total").get_attribute("aria-sort") == "descending"
    assert totals() == sorted(totals(), reverse=True)
    assert sorted(names()) == sorted(grouped) and page.locator("#county-stats tr.subtotal").count() == 0
    page.get_by_role("button", name="合计").click()
    assert names() == grouped
    page.context.close()


def test_without_script_the_ranking_is_a_link_away(browser, large_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.goto(large_server + "counties/index.html")
    page.get_by_role("link", name="按合计从多到少排列").click()
    page.wait_for_url("**/counties/ranking/index.html")  # and for the load event: the url changes while the table is still arriving
    totals = [int(t) for t in page.eval_on_selector_all("#county-stats tbody td.total", "n => n.map(x => x.textContent)")]
    assert len(totals) == len(ALL_COUNTIES) and totals == sorted(totals, reverse=True)
    context.close()


def listed_everything(page) -> list[str]:
    while page.locator("#search-more").is_visible():
        before = page.locator(".search-result").count()
        page.click("#search-more")
        page.wait_for_function(f"document.querySelectorAll('.search-result').length > {before}")
    return [a.split("/", 3)[3] for a in page.eval_on_selector_all(".search-result-title a", "n => n.map(a => a.href)")]


def search(browser, server, query: str, width: int = 375):
    page, requests = open_page(browser, f"{server}search/index.html?q={quote(query)}", width)
    page.wait_for_selector("#search-form[data-ready]")
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('找到')"
                           " || document.querySelector('#search-status').textContent.startsWith('没有')")
    return page, requests


def stated_count(page) -> int:
    return int(re.match(r"找到(\d+)篇", page.locator("#search-status").inner_text()).group(1))


def test_search_count_is_what_is_listed_and_title_hits_come_first(browser, large_server):
    page, requests = search(browser, large_server, "联络站夜话")
    listed = listed_everything(page)
    assert stated_count(page) == len(listed) == page.locator(".search-result").count()
    whole = [a.split("/", 3)[3] for a in page.eval_on_selector_all("#search-results .search-result-title a", "n => n.map(a => a.href)")]
    assert len(whole) == 2
    titles = page.locator("#search-results .search-result-title").all_inner_texts()
    assert "联络站夜话" in titles[0] and "联络站夜话" not in titles[1]  # the title hit above the text hit
    assert all(url.startswith(large_server) for url in requests)
    page.context.close()


@pytest.mark.parametrize("query", ["乡镇人大", "鄉鎮人大"])
def test_phrase_inside_a_longer_word_and_traditional_queries_are_found(browser, large_server, query):
    page, _ = search(browser, large_server, query)
    listed = listed_everything(page)
    assert stated_count(page) == len(listed)
    texts = page.locator("#search-results .search-result").all_inner_texts()
    assert any("各乡镇人大主席团" in text for text in texts), texts
    assert page.locator("#search-results mark").first.inner_text() == "乡镇人大"
    if query != "乡镇人大":
        assert "已同时按简体“乡镇人大”查找" in page.locator("#search-status").inner_text()
    page.context.close()


def test_dates_and_issue_numbers_never_break_at_375(browser, large_server):
    for path in ["", "2013/index.html", "2013/02/index.html", "counties/changshashi-liuyangshi/index.html"]:
        page, _ = open_page(browser, large_server + path, 375)
        broken = page.evaluate("""() => [...document.querySelectorAll('time, .nowrap, .issue-link, .file-name')]
            .filter(el => new Set([...el.getClientRects()].map(r => Math.round(r.top))).size > 1)
            .map(el => el.textContent)""")
        assert broken == [], (path, broken)
        assert horizontal_overflow(page) <= 0, path
        page.context.close()


def test_no_english_words_a_reader_sees(browser, large_server):
    for path in ["", "2013/index.html", "2013/02/index.html", "counties/index.html", "search/index.html?q=代表"]:
        page, _ = open_page(browser, large_server + path, 1280)
        text = page.evaluate("""() => { const copy = document.body.cloneNode(true);
            copy.querySelectorAll('a[href^="mailto:"], script, noscript, [hidden], #search-offline').forEach(n => n.remove());
            return copy.innerText; }""")
        assert not re.findall(r"[A-Za-z]{2,}", text), (path, re.findall(r"[A-Za-z]{2,}", text))
        page.context.close()


def test_numbers_sit_against_the_chinese_around_them(browser, large_server):
    """One spacing style in the site's own words: 共2期, 2025年3篇, 第12期, never 共 2 期 or
    2025年 3篇 (article text is the editor's, checked by liandong check, so it is left out)."""
    spaced = re.compile(r"[\u4e00-\u9fff][ \u00a0]+\d|\d[ \u00a0]+[\u4e00-\u9fff]")
    for path in ["", "2013/index.html", "2013/02/index.html", "counties/index.html", "counties/ranking/index.html",
                 "counties/changshashi-liuyangshi/index.html"]:
        page, _ = open_page(browser, large_server + path, 1280)
        text = page.evaluate("""() => { const copy = document.body.cloneNode(true);
            copy.querySelectorAll('.article-body, script, noscript, [hidden]').forEach(n => n.remove());
            return copy.innerText; }""")
        assert not spaced.findall(text), (path, spaced.findall(text))
        page.context.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["", "2013/index.html", "counties/index.html", "search/index.html?q=联络站夜话"])
def test_axe_finds_nothing_on_the_large_archive(browser, large_server, path, width):
    need_tool(AXE.is_file(), "axe-core (scripts/setup.sh --test)")
    page, _ = open_page(browser, large_server + path, width)
    if path.startswith("search"):
        page.wait_for_selector("#search-results li")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, { resultTypes: ['violations'] }))
        .violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3) }))""")
    assert violations == [], violations
    page.context.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["", "2013/index.html", "counties/index.html", "search/index.html?q=鄉鎮人大"])
def test_screenshots_at_phone_and_desktop_widths(browser, large_server, path, width, tmp_path):
    from PIL import Image

    page, _ = open_page(browser, large_server + path, width)
    if path.startswith("search"):
        page.wait_for_selector("#search-results li")
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as image:
        assert image.width == width
        assert len(image.convert("RGB").resize((64, 64)).getcolors(64 * 64)) > 20
    page.context.close()


# ---- the 404 page at any depth and deployment path


class NotFoundHandler(SimpleHTTPRequestHandler):
    """A static server that answers every missing address with the site's 404.html, as web servers
    are set up to (ErrorDocument / error_page)."""

    site_prefix = ""  # where build/ is published on this server

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = (Path(self.directory) / self.site_prefix.strip("/") / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize("published_at", ["", "deploy/path/", "liandong/"])
@pytest.mark.parametrize("missing", ["nope.html", "2013/99/index.html", "a/b/c/d/e/"])
def test_404_keeps_its_style_and_home_link_anywhere(browser, large, tmp_path, published_at, missing):
    # base_url says /liandong/; the site is also published at the server root and at /deploy/path/.
    directory = large
    if published_at:
        directory = tmp_path / "www"
        target = directory / published_at.rstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(large, target_is_directory=True)
    handler = type("Handler", (NotFoundHandler,), {"site_prefix": published_at})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        site = f"http://127.0.0.1:{httpd.server_address[1]}/{published_at}"
        page, _ = open_page(browser, site + missing, 375)
        assert page.locator("h1").inner_text() == "页面不存在"
        page.wait_for_function(f"document.querySelector('main a').href === {site!r}", timeout=5000)
        red = page.evaluate("getComputedStyle(document.querySelector('.site-name')).color")
        assert red == "rgb(200, 22, 29)"
        page.locator("main a").first.click()
        assert page.url == site
        assert page.locator(".latest-name").is_visible()
        page.context.close()
    finally:
        httpd.shutdown()


def test_traditional_table_is_opencc_t2s():
    """static/t2s.js is OpenCC's table as scripts/make_t2s.py writes it, not a hand-made list."""
    import subprocess

    pytest.importorskip("opencc")
    result = subprocess.run([sys.executable, str(REPO / "scripts/make_t2s.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (REPO / "templates/static/t2s.js").read_text(encoding="utf-8")
    for traditional, simple in [("鄉", "乡"), ("鎮", "镇"), ("聯", "联"), ("絡", "络"), ("實", "实"), ("議", "议")]:
        source, target = text.split('from: "')[1].split('"')[0], text.split('to: "')[1].split('"')[0]
        assert target[source.index(traditional)] == simple
