"""The print stage: from an issue to the HTML that WeasyPrint lays out as the printed bulletin.

Fonts are decided here (the site's own fonts first, then the free ones) and every character is
checked against them before anything is rendered.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from liandong.config import SiteConfig, _display_path, content_digest
from liandong.errors import Problem
from liandong.cache import CACHE_DIR
from liandong.fonts import (LATIN_FACE, FontStack, config_line_roles, half_width_font, installed_families,
                            issue_line_roles, missing_characters)
from liandong.model import Archive, Issue
from liandong.sources import read_source
from liandong.routes import Page, issue_pdf_name, issue_pdf_path, volume_pdf_name, volume_pdf_path



def plan_prints(archive: Archive, config: SiteConfig, only: list[Issue] | None = None) -> list[Page]:
    """A PDF per issue and, when enabled, a 合订本 per year (oldest issue first).

    ``context["source"]`` is the file a rendering error should point at.
    """
    prints = []
    for issue in only if only is not None else archive.issues:
        prints.append(Page(issue_pdf_path(config, issue), "print/issue.html",
                           {"issue": issue, "source": issue.path, "title": issue_pdf_name(config, issue)},
                           deps=(issue.digest,)))
    if only is None and config.pdf.volumes:
        for year, issues in archive.years():
            prints.append(Page(volume_pdf_path(config, year), "print/volume.html",
                               {"year": year, "issues": issues[::-1], "source": _display_path(config.content_dir / str(year)),
                                "title": volume_pdf_name(config, year)},
                               deps=tuple(issue.digest for issue in issues)))
    return prints


LINK_OPEN = re.compile(r'<a href="([^"<>]*)"')
PRINTABLE_SCHEMES = ("http", "https", "mailto", "tel")


def printable(page: Page, config: SiteConfig) -> Page:
    """The page with every link in its articles made fit for paper (see :func:`printable_links`)."""
    context = dict(page.context)
    if "issue" in context:
        context["issue"] = _printable_issue(context["issue"], config)
    if "issues" in context:
        context["issues"] = [_printable_issue(issue, config) for issue in context["issues"]]
    return replace(page, context=context)


def _printable_issue(issue: Issue, config: SiteConfig) -> Issue:
    page_url = urljoin(config.base_url, issue.url + "index.html")
    return replace(issue, articles=tuple(replace(article, html=printable_links(article.html, page_url))
                                         for article in issue.articles))


def printable_links(article_html: str, page_url: str) -> str:
    """A PDF has no folder to be relative to: WeasyPrint would make ``../13/index.html`` a
    ``file:///<build folder>/…`` link, publishing the editor's folders and differing from folder to
    folder. Relative links are resolved against the issue's published address (base_url); links
    inside the article (#…) stay; links with any scheme but http(s), mailto and tel lose their
    target and print as plain text."""
    def fix(match: re.Match) -> str:
        target = html.unescape(match.group(1)).strip()
        if target.startswith("#"):
            return match.group()
        scheme = urlsplit(target).scheme.lower() if ":" in target else ""
        if not scheme and not target.startswith(("//", "\\")):
            target = urljoin(page_url, target)
            scheme = urlsplit(target).scheme.lower()
        if scheme not in PRINTABLE_SCHEMES or "\\" in target:
            return "<a"
        return f'<a href="{html.escape(target)}"'

    return LINK_OPEN.sub(fix, article_html)


def font_css(stacks: dict[str, FontStack], config: SiteConfig) -> str:
    """@font-face rules for fonts given as files, and one custom property per role."""
    latin = LATIN_FACE in installed_families()  # resolve_stacks warns when it is missing
    rules = [f'@font-face {{ font-family: "liandong-latin"; src: local("{LATIN_FACE}"); '
             "unicode-range: U+0030-0039, U+0041-005A, U+0061-007A; }"] if latin else []
    for stack in stacks.values():
        for font in stack.fonts:
            if font.from_file:
                rules.append(f'@font-face {{ font-family: "{font.family}"; src: url("{Path(font.files[0][0]).as_uri()}"); }}')
    weight = 400 if stacks["title"].custom else 700
    properties = [f"--{role}: {stack.css};" for role, stack in stacks.items() if role != "body"]
    latin_first = '"liandong-latin", ' if latin else ""
    properties.append(f"--body: {latin_first}{stacks['body'].css};")
    properties.append(f"--title-weight: {weight};")
    # The red: process red (C0 M100 Y100 K0) for the print room; PDF/A declares an sRGB output intent,
    # and a DeviceCMYK colour beside it is a conformance error, so archival copies use sRGB only.
    archival = (config.pdf.variant or "").startswith("pdf/a")
    properties.append(f"--red: {'#E60012' if archival else 'device-cmyk(0 1 1 0)'};")
    for role in ("body", "title", "heading", "kai"):  # one half-width punctuation face per source font
        half = half_width_face(stacks[role], config, bold=role == "title" and weight == 700)
        if half:
            rules.append(f'@font-face {{ font-family: "liandong-half-{stacks[role].fonts[0].family}"; '
                         f'src: url("{half.resolve().as_uri()}"); font-weight: {weight if role == "title" else 400}; }}')
    rules.append(":root { " + " ".join(properties) + " }")
    if config.pdf.print_marks:
        rules.append("@page { bleed: 3mm; marks: crop cross; }")
    return "\n".join(rules)


def half_width_face(stack: FontStack, config: SiteConfig, bold: bool = False) -> Path | None:
    """The half-width punctuation face made from the stack's first font (see fonts.half_width_font)."""
    if not stack.fonts:
        return None
    files = list(stack.fonts[0].files)
    styled = [f for f in files if ("bold" in Path(f[0]).name.lower()) == bold] or files
    file, index = styled[0]
    return half_width_font(file, index, config.site_dir / CACHE_DIR / "print-fonts")


def font_check_key(css: str, issue: Issue) -> str:
    """The font check of an issue holds as long as its text and the fonts (in css) are unchanged."""
    return content_digest("fonts", css, issue.digest)


def site_font_check_key(css: str, config: SiteConfig) -> str:
    return content_digest("fonts", css, config.digest)


def font_problems(archive: Archive, config: SiteConfig, stacks: dict[str, FontStack],
                  skip: set[str] | None = None, css: str = "") -> list[Problem]:
    """Characters of site.yaml and of every issue that their fonts cannot draw.

    Issues whose key is in ``skip`` passed this check before with the same text and fonts.
    """
    display = _display_path(config.config_path)
    problems: list[Problem] = []
    if not (skip and site_font_check_key(css, config) in skip):
        site_yaml, problems = read_source(config.config_path, display)
        if site_yaml is not None:
            problems = missing_characters(display, config_line_roles(site_yaml.text), stacks)
    for issue in archive.issues:
        if skip and font_check_key(css, issue) in skip:
            continue
        source, unreadable = read_source(issue.path, issue.path)
        problems += unreadable
        if source is not None:
            problems += missing_characters(issue.path, issue_line_roles(source.text), stacks)
    return problems
