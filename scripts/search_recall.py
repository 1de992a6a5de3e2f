"""Measure what the search page lists for a set of queries, in Chromium: recall and precision.

    .venv/bin/python scripts/search_recall.py [--site DIR] [--generated [--fresh]] [--built DIR] [--json]

Builds the site (HTML only), serves it on 127.0.0.1, and runs each query through the search page's
own function (static/search.js, window.liandongSearch) in headless Chromium. An article "should be
found" when its text (title, body, 供稿 line, as its issue page shows them) contains every term of
the query in simplified characters. Recall: articles found over articles expected; precision:
listed articles that hold the query over all listed.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Phrases readers look for: topics, named practices, places; from the real issue (2025/12) and the others.
QUERIES = [
    "代表联络站", "微建议", "三会三文", "履职", "人大代表二维码", "二维码", "板凳会", "夜间开放", "述职",
    "乡村振兴", "产业发展", "合作社", "家庭农场", "技术培训", "苗寨", "双语宣讲", "苗语", "接待日",
    "选民", "饮水安全", "田间地头", "值守", "智慧人大", "责任清单", "提质增效", "一府一委两院",
    "社情民意", "议案建议", "树下说事", "乡镇人大", "闭会期间", "高质量发展", "满意率", "主任会议",
    "基层代表", "民生", "督办", "联动履职", "预算联网监督", "家风展示馆", "代表+网格", "履职积分",
    "联络站", "人大常委会", "群众", "炎陵县", "浏阳市", "平江县", "桂阳县", "凤凰县", "澧县",
    "代表工作委员会", "全过程人民民主", "炎陵 联络站", "浏阳 微建议",
]
# For bench/generate.py's archive, none taken from the sample issues: its named practices, places
# (county names, some only inside longer names), phrases across words, a traditional-character
# form and a mistyped one. Measured through the search page's own logic (--page).
GENERATED_QUERIES = [
    "五小水利", "数字人大", "家站一体", "群众点单", "代表有约", "四督联动", "民生实事票决", "两个联系",
    "城步苗族自治县", "麻阳", "津市市", "武陵源区", "江华瑶族自治县", "乡镇人大", "主席团", "网上代表联络站",
    "三纳入一健全", "自我评价办法", "常态学", "有形覆盖", "监督与支持并重", "代表+网格", "进选区",
    "數字人大", "鄉鎮人大", "聯絡站", "群眾點單", "民生實事", "五小水力", "代表 网格", "县域经济 高质量",
]
# A second set for bench/generate.py's archive, chosen after the per-year indexes were made (so the
# search page was never tuned on them); none occurs in the sample site's issues.
FRESH_QUERIES = [
    "营商环境", "回头看", "代表活动月", "灌溉难题", "纾困解难", "急难愁盼", "矛盾纠纷化解", "人大评", "履职档案",
    "审计监督", "年度公示", "乡村振兴工作", "湘乡", "吉首", "新晃", "侗族", "龙山县", "有效覆盖", "网上留痕",
    "營商環境", "急難愁盼", "矛盾糾紛化解", "履職檔案", "審計監督", "履职挡案", "专题询问 营商环境", "法律 财经",
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def expected_hits(records, query: str) -> set[str]:
    terms = query.split()
    return {r.url for r in records if all(term in r.content for term in terms)}


def serve_and_search(out: Path, queries: list[str], chromium: str) -> dict[str, list[dict]]:
    """Each query through the search page's own function (static/search.js): what a reader sees listed."""
    from playwright.sync_api import sync_playwright

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/search/index.html")
            page.wait_for_selector("#search-form[data-ready]", timeout=60000)
            found = {q: page.evaluate("q => liandongSearch(q)", q) for q in queries}
            browser.close()
    finally:
        httpd.shutdown()
    return found


def measure_page(site_dir: Path, queries: list[str], chromium: str, built: Path | None = None) -> dict:
    """Recall (articles holding the query that are listed) and precision (listed articles that hold
    it) of what the search page lists, and whether every title hit comes before every text hit."""
    from liandong.build import build
    from liandong.config import load_config
    from liandong.reader import load_archive
    from liandong.search import search_records

    archive, _ = load_archive(load_config(site_dir))
    records = search_records(archive)
    titles = {r.url: r.meta["title"] for r in records}
    with tempfile.TemporaryDirectory() as scratch:
        out = built or Path(scratch) / "build"
        if built is None:
            build(site_dir, out, pdf=False)
        found = serve_and_search(out, queries, chromium)
    rows = []
    for query in queries:
        expected = expected_hits(records, simplified_query(query))
        listed = [hit["link"] for hit in found[query]]
        relevant = [url for url in listed if url in expected]
        in_title = [i for i, url in enumerate(relevant) if all(t in titles[url] for t in simplified_query(query).split())]
        title_first = not in_title or max(in_title) < len(in_title)
        whole = [hit["link"] for hit in found[query] if hit["tier"] <= 1]  # listed as holding the query
        rows.append({"query": query, "expected": len(expected), "listed": len(listed),
                     "whole_listed": len(whole), "whole_wrong": len([u for u in whole if u not in expected]),
                     "found": len(set(relevant)), "wrong": len(listed) - len(relevant),
                     "title_first": title_first, "missed": len(expected - set(listed))})
    expected_total = sum(r["expected"] for r in rows)
    found_total = sum(r["found"] for r in rows)
    listed_total = sum(r["listed"] for r in rows)
    return {"queries": len(rows), "expected": expected_total, "found": found_total, "listed": listed_total,
            "recall": found_total / expected_total if expected_total else 1.0,
            "precision": found_total / listed_total if listed_total else 1.0,
            "whole_listed": sum(r["whole_listed"] for r in rows), "whole_wrong": sum(r["whole_wrong"] for r in rows),
            "title_first": sum(r["title_first"] for r in rows), "rows": rows}


def simplified_query(query: str) -> str:
    """The query in simplified characters, with the table the search page uses (static/t2s.js)."""
    text = (REPO / "templates/static/t2s.js").read_text(encoding="utf-8")
    table = json.loads("{" + text.split("= {", 1)[1].rsplit("}", 1)[0].replace("from:", '"from":').replace("to:", '"to":') + "}")
    mapping = dict(zip(table["from"], table["to"]))
    return "".join(mapping.get(char, char) for char in query)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=REPO, help="site folder (default: the sample site)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--page", action="store_true", help="(the only mode; kept so older commands still run)")
    parser.add_argument("--generated", action="store_true",
                        help="the queries for bench/generate.py's archive instead of the sample's")
    parser.add_argument("--fresh", action="store_true",
                        help="with --generated: the second query set (FRESH_QUERIES), never used to tune the page")
    parser.add_argument("--built", type=Path, help="with --page: an existing build of --site (skips building)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("Chromium not found (scripts/setup.sh --test installs it)")
    queries = (FRESH_QUERIES if args.fresh else GENERATED_QUERIES) if args.generated else QUERIES
    result = measure_page(args.site, queries, chromium, args.built)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for row in result["rows"]:
        print(f"{row['query']:<12}\t{row['found']}/{row['expected']}\tlisted {row['listed']}\t"
              f"wrong {row['wrong']}\ttitle first {'yes' if row['title_first'] else 'NO'}")
    print(f"search page: {result['found']}/{result['expected']} articles found (recall {result['recall']:.1%}), "
          f"{result['found']}/{result['listed']} listed hold the query (precision {result['precision']:.1%}), "
          f"{result['whole_wrong']} of {result['whole_listed']} listed as holding it do not, "
          f"title hits first in {result['title_first']}/{result['queries']} queries")

if __name__ == "__main__":
    main()
