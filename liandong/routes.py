"""Every output the archive has: where it is written, what its template gets, what it depends on.

All addresses are decided here. Links in pages are relative (``root`` climbs back to the site
root), so build/ works under any sub-path and straight from disk; they point at ``index.html``
explicitly because browsers do not open a folder's index from file://.

Each page receives exactly the data it shows, and lists that data's fingerprints in ``deps``;
the cache re-renders a page only when its deps (or the templates, or site.yaml) change. Pages that
show one issue therefore get neighbours as :class:`NavLink`, not whole issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liandong.config import SiteConfig
from liandong.model import Archive, CountyFigures, Issue, NavLink
from liandong.statistics import figures_csv


@dataclass(frozen=True)
class Page:
    dest: str  # path under build/, e.g. "2025/12/index.html"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    url: str | None = None  # site-relative address for the sitemap ("" is the home page); None: not listed
    deps: tuple = ()  # fingerprints of everything in context


def issue_pdf_path(config: SiteConfig, issue: Issue) -> str:
    """An ASCII file name from the site's ``slug`` (lianluodongtai-2025-12.pdf): safe on any server;
    readers are offered the Chinese name (issue_pdf_name) when they download it."""
    return f"{issue.url}{config.slug}-{issue.year}-{issue.number:02d}.pdf"


def issue_pdf_name(config: SiteConfig, issue: Issue) -> str:
    return f"{config.title}{issue.label}.pdf"


def volume_pdf_path(config: SiteConfig, year: int) -> str:
    return f"{year}/{config.slug}-{year}-volume.pdf"


def volume_pdf_name(config: SiteConfig, year: int) -> str:
    return f"{config.title}{year}年合订本.pdf"


def pdf_link(dest: str, download_name: str) -> dict[str, str]:
    """The PDF's file name relative to the page beside it, and the name offered on download."""
    return {"href": dest.rsplit("/", 1)[1], "download": download_name}


def pdf_paths(archive: Archive, config: SiteConfig) -> list[str]:
    """Every PDF the archive has: one per issue, and the yearly volumes if the site makes them."""
    volumes = [volume_pdf_path(config, year) for year, _ in archive.years()] if config.pdf.volumes else []
    return [issue_pdf_path(config, issue) for issue in archive.issues] + volumes


def plan(archive: Archive, config: SiteConfig, pdf: bool = True, kept_pdfs: frozenset | set = frozenset()) -> list[Page]:
    """The pages of the archive, in a fixed order (so output and logs are deterministic).

    PDFs are linked when this build makes them, or when ``kept_pdfs`` says an earlier build's
    PDF is kept (``build --no-pdf``)."""
    digests = tuple(issue.digest for issue in archive.issues)
    years = archive.years()
    figures = archive.figures()
    pages = [home_page(archive, years)]
    for year, issues in years:
        has_volume = (pdf and config.pdf.volumes) or volume_pdf_path(config, year) in kept_pdfs
        volume = pdf_link(volume_pdf_path(config, year), volume_pdf_name(config, year)) if has_volume else None
        contributed = figures.in_year(year)
        pages.append(Page(f"{year}/index.html", "year.html",
                          {"year": year, "issues": issues, "pdf": volume, "contributed": contributed},
                          url=f"{year}/", deps=(tuple(i.digest for i in issues), volume, contributed)))
    for issue in archive.issues:
        pages.append(issue_page(archive, config, issue, pdf or issue_pdf_path(config, issue) in kept_pdfs))
    pages.extend(county_statistics_pages(archive, config, figures))
    for county in archive.counties:
        pages.append(Page(f"{county.url}index.html", "county.html", {"county": county}, url=county.url,
                          deps=(county.name, county.slug, tuple(i.digest for i, _ in county.entries))))
    pages.append(search_page(figures))
    pages.append(Page("404.html", "404.html"))
    feed_issues = archive.issues[:50]
    pages.append(Page("feed.xml", "feed.xml", {"issues": feed_issues, "latest": archive.latest},
                      deps=tuple(i.digest for i in feed_issues)))
    listed = [(p.url, p.context.get("issue").date.isoformat() if "issue" in p.context else None)
              for p in pages if p.url is not None]
    pages.append(Page("sitemap.xml", "sitemap.xml", {"entries": listed}, deps=tuple(listed)))
    return pages


RECENT_ISSUES = 12  # on the home page besides the latest; older issues are one tap away on their year page


def home_page(archive: Archive, years: list[tuple[int, list[Issue]]]) -> Page:
    """The latest issue in full, the next few with their titles, and every year as an index: the
    page stays the same size however long the archive grows."""
    recent = archive.issues[1:1 + RECENT_ISSUES]
    year_index = tuple((year, len(issues), sum(len(i.articles) for i in issues)) for year, issues in years)
    context = {"latest": archive.latest, "recent": recent, "year_index": year_index}
    shown = ([archive.latest] if archive.latest else []) + recent
    return Page("index.html", "home.html", context, url="", deps=(tuple(i.digest for i in shown), year_index))


STATS_CSV = "counties/county-articles.csv"


def county_statistics_pages(archive: Archive, config: SiteConfig, figures: CountyFigures) -> list[Page]:
    """The county index with the year-end table grouped by 市州, the same table ranked by total (the
    sorted view without script), and the figures as CSV for the office's spreadsheet."""
    groups = figures.by_city()
    counties = tuple((county.name, county.slug, len(county.entries)) for county in archive.counties)
    csv_link = {"href": STATS_CSV.rsplit("/", 1)[1], "download": f"{config.title}各县区供稿统计.csv"}
    common = {"figures": figures, "groups": groups, "csv": csv_link}
    return [
        Page("counties/index.html", "counties.html", {**common, "counties": archive.counties, "ranked": False},
             url="counties/", deps=(counties, figures)),
        Page("counties/ranking/index.html", "counties.html",
             {**common, "counties": archive.counties, "ranked": True, "csv": {**csv_link, "href": "../" + csv_link["href"]}},
             url="counties/ranking/", deps=(counties, figures)),
        Page(STATS_CSV, "statistics.csv", {"csv_text": figures_csv(figures.years, groups)}, deps=(figures,)),
    ]


def issue_page(archive: Archive, config: SiteConfig, issue: Issue, pdf: bool) -> Page:
    older, newer = (NavLink.to(neighbour) for neighbour in archive.neighbours(issue))
    county_urls = {article.county: archive.county(article.county).url for article in issue.articles}
    issue_pdf = pdf_link(issue_pdf_path(config, issue), issue_pdf_name(config, issue)) if pdf else None
    context = {"issue": issue, "older": older, "newer": newer, "county_urls": county_urls, "pdf": issue_pdf}
    return Page(f"{issue.url}index.html", "issue.html", context, url=issue.url,
                deps=(issue.digest, older, newer, tuple(sorted(county_urls.items())), issue_pdf))


def search_page(figures: CountyFigures) -> Page:
    """The full-text search page: its filters list the years and counties, with their counts."""
    years = tuple(zip(figures.years, figures.year_totals()))
    counties = tuple((name, sum(counts)) for name, _, counts in figures.rows)
    context = {"search_years": years, "search_counties": counties, "article_total": figures.total()}
    return Page("search/index.html", "search.html", context, deps=(years, counties))


def root_prefix(dest: str) -> str:
    """Relative path from a page back to the site root: "2025/12/index.html" → "../../"."""
    return "../" * dest.count("/")
