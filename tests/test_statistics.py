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


def read_table(built_site, page: str = "counties/index.html") -> dict[str, list[list[str]]]:
    reader = TableReader("county-stats")
    reader.feed((built_site / page).read_text(encoding="utf-8"))
    return reader.rows


def city_of(county: str) -> str:
    """The 市州 prefix, read independently of liandong: up to the first 市 or 州 after two characters
    (郴州市 is one city, not 郴州)."""
    match = re.match(r"(.{2,}?[市州])..", county)
    return match.group(1) if match else "其他单位"


def check_table(rows, counts) -> dict[str, list[int]]:
    """The table's figures against the content files; returns county → [total, per year…]."""
    header = rows["thead"][0]
    assert header[:2] == ["县区（单位）", "合计"]
    years = [int(cell.removesuffix("年")) for cell in header[2:]]
    assert years == sorted({year for _, year in counts}, reverse=True)
    table, subtotals = {}, {}
    for row in rows["tbody"]:
        name, figures = row[0], [int(cell) for cell in row[1:]]
        if name.endswith("小计"):
            subtotals[name.removesuffix("小计")] = figures
            continue
        table[name] = figures
        assert figures[1:] == [counts[name, year] for year in years], name
        assert figures[0] == sum(counts[name, year] for year in years), name
    assert set(table) == {county for county, _ in counts}
    for city, figures in subtotals.items():
        members = [county for county in table if city_of(county) == city]
        assert members, city
        assert figures == [sum(table[c][i] for c in members) for i in range(len(figures))], city
    totals = [int(cell) for cell in rows["tfoot"][0][1:]]
    assert rows["tfoot"][0][0] == "合计"
    assert totals[1:] == [sum(n for (_, y), n in counts.items() if y == year) for year in years]
    assert totals[0] == sum(counts.values()) == 9
    return table


def test_county_table_matches_the_content_files(built_site):
    counts = front_matter_counts()
    rows = read_table(built_site)
    check_table(rows, counts)
    # Grouped by 市州: each city's subtotal line is followed by that city's counties.
    city = None
    for row in rows["tbody"]:
        if row[0].endswith("小计"):
            city = row[0].removesuffix("小计")
        else:
            assert city_of(row[0]) == city, row[0]


def test_ranking_page_orders_the_same_figures_by_total(built_site):
    counts = front_matter_counts()
    rows = read_table(built_site, "counties/ranking/index.html")
    table = check_table(rows, counts)
    totals = [int(row[1]) for row in rows["tbody"]]
    assert totals == sorted(totals, reverse=True) and len(totals) == len(table)


def test_csv_download_carries_the_same_figures(built_site):
    import csv

    counts = front_matter_counts()
    raw = (built_site / "counties/county-articles.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())  # so spreadsheet programs read it as UTF-8
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header = lines[0]
    assert header[:2] == ["市州", "县区（单位）"] and header[-1] == "合计"
    years = [int(cell.removesuffix("年")) for cell in header[2:-1]]
    assert years == sorted({year for _, year in counts})
    counties = {}
    for city, name, *figures in lines[1:-1]:
        if name == "小计":
            continue
        assert city == city_of(name)
        counties[name] = [int(n) for n in figures]
        assert counties[name][:-1] == [counts[name, year] for year in years]
    assert set(counties) == {county for county, _ in counts}
    assert lines[-1][0] == "合计" and int(lines[-1][-1]) == sum(counts.values())
    html = (built_site / "counties/index.html").read_text(encoding="utf-8")
    assert 'href="county-articles.csv" download="联络动态各县区供稿统计.csv"' in html


def test_front_matter_count_agrees_with_the_article_headings():
    by_headings = Counter((a["county"], a["year"]) for a in content_articles())
    assert by_headings == front_matter_counts()


def test_year_bars_carry_the_same_figures(built_site):
    counts = front_matter_counts()
    for year in {y for _, y in counts}:
        html = (built_site / f"{year}/index.html").read_text(encoding="utf-8")
        section = html[html.index('id="year-counties"'):]
        bars = re.findall(r'class="bar-label"[^>]*>([^<]+)</a>.*?width: ([\d.]+)%.*?class="bar-value">(\d+)篇', section, re.S)
        expected = {county: n for (county, y), n in counts.items() if y == year}
        assert {county: int(n) for county, _, n in bars} == expected
        assert [int(n) for _, _, n in bars] == sorted(expected.values(), reverse=True)  # most first
        peak = max(expected.values())
        for county, width, n in bars:
            assert float(width) == round(100 * int(n) / peak, 1)


def test_year_and_county_pages_give_their_counts(built_site):
    counts = front_matter_counts()
    for year in {y for _, y in counts}:
        html = (built_site / f"{year}/index.html").read_text(encoding="utf-8")
        in_year = {county: n for (county, y), n in counts.items() if y == year}
        assert f"{sum(in_year.values())}篇文章，来自{len(in_year)}个县区（单位）" in re.sub(r"<[^>]+>", "", html)
        section = html[html.index('id="year-counties"'):]
        listed = dict(re.findall(r'class="bar-label"[^>]*>([^<]+)</a>.*?class="bar-value">(\d+)篇', section, re.S))
        assert {county: int(n) for county, n in listed.items()} == in_year
    html = (built_site / "counties/yueyangshi-pingjiangxian/index.html").read_text(encoding="utf-8")
    assert "刊发2篇文章：2025年1篇，2024年1篇。" in re.sub(r"<[^>]+>", "", html)
    assert html.index('id="year-2025"') < html.index('id="year-2024"')
