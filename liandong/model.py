"""The bulletin as data: issues, their articles, and the archive that orders them. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from liandong.chinese import chinese_date, chinese_numeral


@dataclass(frozen=True)
class Article:
    """One ``# `` section of an issue, credited to the county or unit that contributed it."""

    number: int  # 1-based position in the issue
    title: str
    county: str
    contributor: str | None
    html: str
    text: str
    line: int  # line of its ``# `` heading in the issue file

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

    def total_text(self, numerals: str = "chinese") -> str:
        return chinese_numeral(self.total) if numerals == "chinese" else str(self.total)


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

    def __post_init__(self) -> None:
        self.issues.sort(key=lambda issue: (issue.date, issue.key), reverse=True)

    @property
    def latest(self) -> Issue | None:
        return self.issues[0] if self.issues else None

    def years(self) -> list[tuple[int, list[Issue]]]:
        """Years newest first, each with its issues newest first."""
        by_year: dict[int, list[Issue]] = {}
        for issue in self.issues:
            by_year.setdefault(issue.year, []).append(issue)
        return sorted(by_year.items(), reverse=True)

    def article_count(self, year: int | None = None) -> int:
        """Articles in the whole archive, or in the issues of one year."""
        return sum(len(issue.articles) for issue in self.issues if year is None or issue.year == year)

    def contributions(self, year: int) -> list[tuple[County, int]]:
        """The counties that contributed in ``year`` with their article counts, most first
        (ties keep the archive's pinyin order): the figures an editor's office reports at year end."""
        counted = [(county, county.count_in(year)) for county in self.counties]
        return sorted([(county, n) for county, n in counted if n], key=lambda item: -item[1])

    def most_in_a_year(self) -> int:
        """The most articles one county contributed in one year (the full length of a chart bar)."""
        return max((county.count_in(year) for county in self.counties for year, _ in self.years()), default=0)

    def county(self, name: str) -> County:
        return next(county for county in self.counties if county.name == name)

    def neighbours(self, issue: Issue) -> tuple[Issue | None, Issue | None]:
        """(previous = older, next = newer) issue."""
        index = self.issues.index(issue)
        older = self.issues[index + 1] if index + 1 < len(self.issues) else None
        newer = self.issues[index - 1] if index > 0 else None
        return older, newer
