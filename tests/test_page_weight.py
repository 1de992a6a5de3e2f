"""Page weight: what a page carries beyond its own content must not grow with the archive.

Two archives are generated, one of 3 years and one of 12, whose common years hold the same issues
(same files, same 总期号), and built without PDFs or search. An issue page and a year page of a
common year must come out byte for byte the same in both: neither carries lists of every year,
every issue or every county, only its own content and its neighbours. The home page may grow by
one year-index entry per year, nothing more. The issue page's weight beyond its article text (the
page's chrome) stays within a small budget, and no page keeps the templates' indentation.
bench/run.py (h) measures the same on the 1000-issue archive.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import COUNTIES, SENTENCES  # noqa: E402

from liandong.compact import compact_html  # noqa: E402

PER_YEAR = 6
LAST_YEAR = 2025
ARTICLE_BODY = re.compile(r'<div class="article-body">(.*?)</div>\s*(?=<p class="contributor">|<p class="article-county">)',
                          re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# An issue page of 3 articles measured 4.9–5.3 KB beyond its article text (head, header, 要目, masthead,
# per-article title/供稿/county link, 版记, neighbours, footer). A list of every year or every issue
# on each page would add far more than the margin on a 12-year archive.
CHROME_BUDGET = 6 * 1024
CODE_BLOCK = "```\n第一行\n    缩进四格的第二行\n\t制表符开头的第三行\n```"


def article_text(index: int) -> str:
    picked = [SENTENCES[(index * 5 + k) % len(SENTENCES)] for k in range(6)]
    return "".join(re.sub(r"\{\w\}", str(10 + index % 50), s) for s in picked)


def write_archive(root: Path, years: range) -> None:
    """PER_YEAR issues a year, 3 articles each; an issue's file depends only on its year and number,
    so archives of different lengths share their common years exactly."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "templates", root / "templates")
    for year in years:
        for number in range(1, PER_YEAR + 1):
            total = (year - 2000) * PER_YEAR + number
            front = ["---", f"issue: {number}", f"total: {total}",
                     f"date: {dt.date(year, 2 * number, 8).isoformat()}", "articles:"]
            body = []
            for k in range(3):
                index = total * 3 + k
                county = COUNTIES[index % len(COUNTIES)]
                front += [f"  - county: {county}", f"    contributor: {county}人大常委会"]
                body += [f"# {county}：第{index}篇 建强代表履职阵地", "", article_text(index), ""]
                if (year, number, k) == (LAST_YEAR, 3, 1):
                    body += [CODE_BLOCK, ""]
            front.append("---")
            path = root / "content" / str(year) / f"{number:02d}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(front) + "\n\n" + "\n".join(body), encoding="utf-8")


@pytest.fixture(scope="module")
def two_archives(tmp_path_factory) -> tuple[Path, Path]:
    from liandong.build import build

    built = []
    for name, first_year in (("short", LAST_YEAR - 2), ("long", LAST_YEAR - 11)):
        root = tmp_path_factory.mktemp(name) / "site"
        write_archive(root, range(first_year, LAST_YEAR + 1))
        build(root, pdf=False, search=False)
        built.append(root / "build")
    return built[0], built[1]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [f"{LAST_YEAR}/03/index.html", f"{LAST_YEAR - 1}/04/index.html",
                                  f"{LAST_YEAR}/index.html", f"{LAST_YEAR - 1}/index.html"])
def test_issue_and_year_pages_do_not_depend_on_the_archive_length(two_archives, page):
    short, long = two_archives
    assert len(list(long.glob("20??/index.html"))) == 12 and len(list(short.glob("20??/index.html"))) == 3
    assert (short / page).read_bytes() == (long / page).read_bytes()


def test_home_grows_by_one_year_entry_per_year_only(two_archives):
    short, long = two_archives
    short_home, long_home = read(short / "index.html"), read(long / "index.html")
    entries = re.findall(r'<li><a href="\d{4}/index.html"[^>]*>.*?</li>', long_home)
    assert len(entries) == 12
    per_year = max(len(entry.encode()) + 1 for entry in entries)  # with its line break
    grown = len(long_home.encode()) - len(short_home.encode())
    assert 0 < grown <= 9 * per_year
    # the recent list is the same dozen issues in both: the home page never lists the whole archive
    links = re.compile(r'class="issue-link" href="(\d{4}/\d\d)/index.html"')
    assert links.findall(short_home) == links.findall(long_home)


def test_an_issue_page_carries_little_beyond_its_articles(two_archives):
    _, long = two_archives
    for page in sorted(long.glob("20??/??/index.html")):
        html = read(page)
        bodies = ARTICLE_BODY.findall(html)
        assert len(bodies) == 3, page
        text = sum(len(TAG.sub("", body).replace("\n", "").encode()) for body in bodies)
        assert len(html.encode()) - text <= CHROME_BUDGET, page


def test_pages_lose_the_indentation_but_not_a_code_block(two_archives):
    _, long = two_archives
    for page in long.rglob("*.html"):
        html = read(page)
        outside = re.sub(r"<(pre|script|style|textarea)\b.*?</\1>", "", html, flags=re.DOTALL)
        assert not re.search(r"\n[ \t]+\S", outside), page
    issue = read(long / f"{LAST_YEAR}/03/index.html")
    assert "\n    缩进四格的第二行\n\t制表符开头的第三行\n</code></pre>" in issue


@pytest.mark.parametrize("html, expected", [
    ("<ul>\n  <li>一</li>\n\t<li>二</li>\n</ul>", "<ul>\n<li>一</li>\n<li>二</li>\n</ul>"),
    ("<p>甲</p>\n   \n  <p>乙</p>", "<p>甲</p>\n\n<p>乙</p>"),
    ("<PRE>\n  保留\n</PRE>\n  <p>", "<PRE>\n  保留\n</PRE>\n<p>"),
    ('<script src="a.js">\n  if (a)\n    b();\n</script>\n  <style>\n  p {}\n</style>',
     '<script src="a.js">\n  if (a)\n    b();\n</script>\n<style>\n  p {}\n</style>'),
    ("<textarea>\n  原样</textarea>", "<textarea>\n  原样</textarea>"),
    ("<pre>\n  没有结束标签\n  ", "<pre>\n  没有结束标签\n  "),
    ("<preface>\n  不是 pre", "<preface>\n不是 pre"),
    ("<p>行内  两个空格 不变</p>", "<p>行内  两个空格 不变</p>"),
])
def test_compact_html(html, expected):
    assert compact_html(html) == expected

