"""Every page the archive has, where it is written and what its template gets.

All addresses are decided here. Links in pages are relative (``root`` climbs back to the site
root), so build/ works under any sub-path and straight from disk; they point at ``index.html``
explicitly because browsers do not open a folder's index from file://.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liandong.config import SiteConfig
from liandong.model import Archive, Issue


def issue_pdf_path(issue: Issue) -> str:
    return f"{issue.url}liandong-{issue.year}-{issue.number:02d}.pdf"


def issue_pdf_name(config: SiteConfig, issue: Issue) -> str:
    return f"{config.title}{issue.label}.pdf"


def volume_pdf_path(year: int) -> str:
    return f"{year}/liandong-{year}-volume.pdf"


def volume_pdf_name(config: SiteConfig, year: int) -> str:
    return f"{config.title}{year}年合订本.pdf"


@dataclass(frozen=True)
class Page:
    dest: str  # path under build/, e.g. "2025/12/index.html"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # site-relative address for the sitemap ("" is the home page)
    in_sitemap: bool = True


def plan(archive: Archive, config: SiteConfig, pdf: bool = True) -> list[Page]:
    """The pages of the archive, in a fixed order (so output and logs are deterministic).

    With ``pdf``, issue and year pages get ``pdf`` = (file name, download name) to link to.
    """
    pages = [Page("index.html", "home.html", {"latest": archive.latest}, url="")]
    for year, issues in archive.years():
        volume = pdf_link(volume_pdf_path(year), volume_pdf_name(config, year)) if pdf and config.pdf.volumes else None
        pages.append(Page(f"{year}/index.html", "year.html", {"year": year, "issues": issues, "pdf": volume},
                          url=f"{year}/"))
    for issue in archive.issues:
        older, newer = archive.neighbours(issue)
        issue_pdf = pdf_link(issue_pdf_path(issue), issue_pdf_name(config, issue)) if pdf else None
        pages.append(Page(f"{issue.url}index.html", "issue.html",
                          {"issue": issue, "older": older, "newer": newer, "pdf": issue_pdf}, url=issue.url))
    pages.append(Page("counties/index.html", "counties.html", {}, url="counties/"))
    for county in archive.counties:
        pages.append(Page(f"{county.url}index.html", "county.html", {"county": county}, url=county.url))
    pages.append(Page("search/index.html", "search.html", {}, url="search/", in_sitemap=False))
    pages.append(Page("404.html", "404.html", {}, in_sitemap=False))
    feed_pages = [page for page in pages if page.in_sitemap]
    pages.append(Page("feed.xml", "feed.xml", {}, in_sitemap=False))
    pages.append(Page("sitemap.xml", "sitemap.xml", {"pages": feed_pages}, in_sitemap=False))
    return pages


def pdf_link(dest: str, download_name: str) -> dict[str, str]:
    """The PDF's file name relative to the page beside it, and the name offered on download."""
    return {"href": dest.rsplit("/", 1)[1], "download": download_name}


def root_prefix(dest: str) -> str:
    """Relative path from a page back to the site root: "2025/12/index.html" → "../../"."""
    return "../" * dest.count("/")
