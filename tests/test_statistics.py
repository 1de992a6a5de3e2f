"""The year-end figures (articles per county and year) against a count made straight from the
content files' front matter, independently of liandong's reader and model."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import yaml

from conftest import REPO, content_articles


class TableReader(HTMLParser):
    """The rows of one table, by section (thead/tbody/tfoot), as lists of cell texts."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id = table_id
        self.inside = False
        self.section = None
        self.rows: dict[str, list[list[str]]] = {"thead": [], "tbody": [], "tfoot": []}
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag in self.rows:
            self.section = tag
        elif self.inside and tag == "tr":
            self.rows[self.section].append([])
        elif self.inside and tag in ("th", "td"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("th", "td") and self.cell is not None:
            self.rows[self.section][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def front_matter_counts() -> Counter:
    """(county, year) → articles, from the YAML front matter alone."""
    counts: Counter = Counter()
    for path in (REPO / "content").glob("*/*.md"):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        for entry in meta["articles"]:
            counts[entry["county"], meta["date"].year] += 1
    return counts


def read_table(built_site) -> dict[str, list[list[str]]]:
    reader = TableReader("county-stats")
    reader.feed((built_site / "counties/index.html").read_text(encoding="utf-8"))
    return reader.rows


def test_county_table_matches_the_content_files(built_site):
    counts = front_matter_counts()
    rows = read_table(built_site)
    header = rows["thead"][0]
    assert header[0] == "县区（单位）" and header[-1] == "合计"
    years = [int(cell.removesuffix("年")) for cell in header[1:-1]]
    assert years == sorted({year for _, year in counts}, reverse=True)
    table = {}
    for row in rows["tbody"]:
        county, figures = row[0], [int(cell) for cell in row[1:]]
        table[county] = figures
        assert figures[:-1] == [counts[county, year] for year in years], county
        assert figures[-1] == sum(counts[county, year] for year in years), county
    assert set(table) == {county for county, _ in counts}
    totals = [int(cell) for cell in rows["tfoot"][0][1:]]
    assert rows["tfoot"][0][0] == "合计"
    assert totals[:-1] == [sum(n for (_, y), n in counts.items() if y == year) for year in years]
    assert totals[-1] == sum(counts.values()) == 9


def test_front_matter_count_agrees_with_the_article_headings():
    by_headings = Counter((a["county"], a["year"]) for a in content_articles())
    assert by_headings == front_matter_counts()


def test_chart_bars_carry_the_same_figures(built_site):
    counts = front_matter_counts()
    html = (built_site / "counties/index.html").read_text(encoding="utf-8")
    chart = html[html.index('<figure class="chart">'):html.index("</figure>")]
    for block in re.split(r'<h3 class="chart-year">', chart)[1:]:
        year = int(re.match(r"(\d{4})年", block).group(1))
        bars = re.findall(r'class="bar-label"[^>]*>([^<]+)</a>.*?width: ([\d.]+)%.*?class="bar-value">(\d+)篇', block, re.S)
        expected = {county: n for (county, y), n in counts.items() if y == year}
        assert {county: int(n) for county, _, n in bars} == expected
        assert [int(n) for _, _, n in bars] == sorted(expected.values(), reverse=True)  # most first
        peak = max(counts.values())
        for county, width, n in bars:
            assert float(width) == round(100 * int(n) / peak, 1)


def test_year_and_county_pages_give_their_counts(built_site):
    counts = front_matter_counts()
    for year in {y for _, y in counts}:
        html = (built_site / f"{year}/index.html").read_text(encoding="utf-8")
        in_year = {county: n for (county, y), n in counts.items() if y == year}
        assert f"{sum(in_year.values())} 篇文章，来自 {len(in_year)} 个县区（单位）" in html
        section = html[html.index('id="year-counties"'):]
        listed = dict(re.findall(r'class="bar-label"[^>]*>([^<]+)</a>.*?class="bar-value">(\d+)篇', section, re.S))
        assert {county: int(n) for county, n in listed.items()} == in_year
    html = (built_site / "counties/yueyangshi-pingjiangxian/index.html").read_text(encoding="utf-8")
    assert "刊发 2 篇文章：2025年 1 篇，2024年 1 篇。" in html
    assert html.index('id="year-2025"') < html.index('id="year-2024"')
