"""The bulletin as data: issues, their articles, and the archive that orders them. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from liandong.chinese import chinese_date, chinese_numeral
from liandong.statistics import city_of, city_rank


@dataclass(frozen=True)
class Article:
    """One ``# `` section of an issue, credited to the county or unit that contributed it."""

    number: int  # 1-based position in the issue
    title: str
    county: str
    contributor: str | None
    html: str
    line: int  # line of its ``# `` heading in the issue file
    media: tuple[str, ...] = ()  # images it shows, as paths under content/

    @property
    def anchor(self) -> str:
        """Stable within an issue: it depends only on the article's position."""
        return f"article-{self.number}"


@dataclass(frozen=True)
class Issue:
    """One issue (一期) of the bulletin, as written in ``content/<year>/<NN>.md``."""

    path: Path
    year: int
    number: int  # 期号, restarts every year
    total: int  # 总期号, cumulative
    date: dt.date
    editor: str
    articles: tuple[Article, ...]
    distribution: Mapping[str, tuple[str, ...]]
    draft: bool = False  # ``draft: true``: read, checked and previewed, never published
    digest: str = ""  # of the source file and the settings it was read with; the cache key of everything it feeds
    encoding: str = "utf-8"  # of the source file
    warnings: tuple = ()  # problems found while reading it (GBK encoding…), repeated on every build until fixed

    @property
    def key(self) -> tuple[int, int]:
        return (self.year, self.number)

    @property
    def url(self) -> str:
        """Site-relative address, stable across builds: ``2025/12/``."""
        return f"{self.year}/{self.number:02d}/"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期"

    @property
    def date_text(self) -> str:
        return chinese_date(self.date)

    @property
    def media(self) -> tuple[str, ...]:
        return tuple(path for article in self.articles for path in article.media)

    def total_text(self, numerals: str = "chinese") -> str:
        return chinese_numeral(self.total) if numerals == "chinese" else str(self.total)


@dataclass(frozen=True)
class NavLink:
    """A link to another issue: only what a page shows of it, so that page does not depend on the rest."""

    label: str
    url: str

    @classmethod
    def to(cls, issue: "Issue | None") -> "NavLink | None":
        return cls(issue.label, issue.url) if issue else None


@dataclass(frozen=True)
class County:
    """A contributing county or unit and the articles it sent, newest first."""

    name: str
    slug: str
    entries: tuple[tuple[Issue, Article], ...]

    @property
    def url(self) -> str:
        return f"counties/{self.slug}/"

    def count_in(self, year: int) -> int:
        """Articles this county contributed to the issues of ``year``."""
        return sum(1 for issue, _ in self.entries if issue.year == year)

    def by_year(self) -> list[tuple[int, list[tuple[Issue, Article]]]]:
        """This county's articles grouped by year, newest year first, newest article first."""
        grouped: dict[int, list[tuple[Issue, Article]]] = {}
        for issue, article in self.entries:
            grouped.setdefault(issue.year, []).append((issue, article))
        return sorted(grouped.items(), key=lambda item: item[0], reverse=True)


@dataclass
class Archive:
    """All issues, newest first, with the navigation derived from that order."""

    issues: list[Issue]
    counties: list[County] = field(default_factory=list)
    drafts: list[Issue] = field(default_factory=list)  # ``draft: true`` issues, whether or not shown

    def __post_init__(self) -> None:
        self.issues.sort(key=lambda issue: (issue.date, issue.key), reverse=True)
        self._position = {id(issue): index for index, issue in enumerate(self.issues)}

    @property
    def latest(self) -> Issue | None:
        return self.issues[0] if self.issues else None

    def years(self) -> list[tuple[int, list[Issue]]]:
        """Years newest first, each with its issues newest first."""
        by_year: dict[int, list[Issue]] = {}
        for issue in self.issues:
            by_year.setdefault(issue.year, []).append(issue)
        return sorted(by_year.items(), reverse=True)

    def figures(self) -> "CountyFigures":
        return CountyFigures.of(self)

    def county(self, name: str) -> County:
        if getattr(self, "_by_name", None) is None or len(self._by_name) != len(self.counties):
            self._by_name = {county.name: county for county in self.counties}
        return self._by_name[name]

    def neighbours(self, issue: Issue) -> tuple[Issue | None, Issue | None]:
        """(previous = older, next = newer) issue."""
        index = self._position[id(issue)]
        older = self.issues[index + 1] if index + 1 < len(self.issues) else None
        newer = self.issues[index - 1] if index > 0 else None
        return older, newer


@dataclass(frozen=True)
class CountyFigures:
    """How many articles each county contributed each year: the figures an editor's office reports
    at year end. Plain tuples, so a page's cache key can hold them whole."""

    years: tuple[int, ...]  # newest first
    rows: tuple[tuple[str, str, tuple[int, ...]], ...]  # (county, its url, articles per year of `years`)

    @classmethod
    def of(cls, archive: Archive) -> "CountyFigures":
        years = tuple(year for year, _ in archive.years())
        return cls(years, tuple((county.name, county.url, tuple(county.count_in(year) for year in years))
                                for county in archive.counties))

    def year_totals(self) -> tuple[int, ...]:
        return tuple(sum(counts[i] for _, _, counts in self.rows) for i in range(len(self.years)))

    def total(self) -> int:
        return sum(self.year_totals())

    def in_year(self, year: int) -> tuple[tuple[str, str, int], ...]:
        """(county, url, articles) for the counties that contributed in ``year``, most first; ties
        keep the archive's pinyin order."""
        i = self.years.index(year)
        return tuple(sorted(((name, url, counts[i]) for name, url, counts in self.rows if counts[i]),
                            key=lambda row: -row[2]))

    def by_city(self) -> list[tuple[str, list[tuple[str, str, tuple[int, ...]]], tuple[int, ...]]]:
        """(city, its county rows in the archive's pinyin order, the city's articles per year), cities in
        the office's order: how the year-end report groups the figures."""
        groups: dict[str, list] = {}
        for row in self.rows:
            groups.setdefault(city_of(row[0]), []).append(row)
        first_seen = {city: index for index, city in enumerate(groups)}
        return [(city, rows, tuple(sum(counts[i] for _, _, counts in rows) for i in range(len(self.years))))
                for city, rows in sorted(groups.items(), key=lambda item: city_rank(item[0], first_seen))]

    def ranked(self) -> list[tuple[str, str, tuple[int, ...]]]:
        """Rows by total articles, most first; ties keep the archive's pinyin order."""
        return sorted(self.rows, key=lambda row: -sum(row[2]))

    def peak(self) -> int:
        """The most articles one county contributed in one year: the full length of a chart bar."""
        return max((n for _, _, counts in self.rows for n in counts), default=0) or 1
