"""Every page the archive has, where it is written and what its template gets.

All addresses are decided here. Links in pages are relative (``root`` climbs back to the site
root), so build/ works under any sub-path and straight from disk; they point at ``index.html``
explicitly because browsers do not open a folder's index from file://.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liandong.config import SiteConfig
from liandong.model import Archive


@dataclass(frozen=True)
class Page:
    dest: str  # path under build/, e.g. "2025/12/index.html"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # site-relative address for the sitemap ("" is the home page)
    in_sitemap: bool = True


def plan(archive: Archive, config: SiteConfig) -> list[Page]:
    """The pages of the archive, in a fixed order (so output and logs are deterministic)."""
    pages = [Page("index.html", "home.html", {"latest": archive.latest}, url="")]
    for year, issues in archive.years():
        pages.append(Page(f"{year}/index.html", "year.html", {"year": year, "issues": issues}, url=f"{year}/"))
    for issue in archive.issues:
        older, newer = archive.neighbours(issue)
        pages.append(Page(f"{issue.url}index.html", "issue.html",
                          {"issue": issue, "older": older, "newer": newer}, url=issue.url))
    pages.append(Page("counties/index.html", "counties.html", {}, url="counties/"))
    for county in archive.counties:
        pages.append(Page(f"{county.url}index.html", "county.html", {"county": county}, url=county.url))
    pages.append(Page("404.html", "404.html", {}, in_sitemap=False))
    feed_pages = [page for page in pages if page.in_sitemap]
    pages.append(Page("feed.xml", "feed.xml", {}, in_sitemap=False))
    pages.append(Page("sitemap.xml", "sitemap.xml", {"pages": feed_pages}, in_sitemap=False))
    return pages


def root_prefix(dest: str) -> str:
    """Relative path from a page back to the site root: "2025/12/index.html" → "../../"."""
    return "../" * dest.count("/")
