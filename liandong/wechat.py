"""``liandong wechat``: an issue, or one article, as HTML to paste into the WeChat official-account
editor (微信公众号), keeping the bulletin's look.

The WeChat editor keeps only inline ``style`` attributes: it drops <style> blocks, classes, ids,
scripts and web fonts, and it cannot reach images on the editor's computer (they are uploaded in
the editor). So the post is rendered from ``templates/wechat/`` (``issue.html`` and its stylesheet
``wechat.css``, written as ordinary CSS so the look is easy to change), the CSS is inlined into
every element by css-inline, and a last pass removes what WeChat would drop or break: classes,
ids, links (WeChat refuses links outside its platform; their text stays) and footnote back-links.
Images are copied beside the HTML file and referenced by name.

css-inline (Rust, maintained, no network by default) is used rather than premailer: premailer
has had no release since 2021 and pulls in lxml, cssutils and requests; css-inline is one wheel
and handles the selectors the stylesheet uses (class, descendant, :first-child).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from liandong.config import SiteConfig, _display_path, content_digest
from liandong.errors import LiandongError, Location, Problem, raise_if_errors, os_reason
from liandong.markdown import MEDIA_SCHEME, make_parser
from liandong.model import Issue
from liandong.reader import read_issue
from liandong.routes import Page
from liandong.sources import read_bytes
from liandong.templates import make_env, render_page

TEMPLATE = "wechat/issue.html"
STYLESHEET = "wechat/wechat.css"
ISSUE_SPEC = re.compile(r"^(?:content/)?(\d{4})[/-](\d{1,3})(?:\.md)?/?$")


@dataclass(frozen=True)
class Post:
    """The HTML to paste and the images it shows (their paths under content/, in order)."""

    html: str
    images: tuple[str, ...]


def locate_issue(config: SiteConfig, spec: str) -> Path:
    """``2025/12``, ``2025-12`` or ``content/2025/12.md`` → the issue file, or a Chinese error."""
    match = ISSUE_SPEC.match(spec.strip().replace("\\", "/"))
    if not match:
        raise LiandongError(Problem(Location(Path(spec)), "期号应写作“年份/期号”，例如 2025/12"))
    year, number = match.group(1), int(match.group(2))
    for name in (f"{number:02d}.md", f"{number}.md"):
        path = config.content_dir / year / name
        if path.is_file():
            return path
    raise LiandongError(Problem(Location(_display_path(config.content_dir / year / f"{number:02d}.md")),
                                f"没有找到 {year}年第{number}期的文件"))


def read_one(config: SiteConfig, path: Path) -> Issue:
    """One issue file, read and checked as a build would (drafts included: they are often what is posted)."""
    display = _display_path(path)
    data, problems = read_bytes(path, display)
    raise_if_errors(problems)
    digest = content_digest(config.digest, path.relative_to(config.content_dir).as_posix(), data)
    issue, problems = read_issue(path, data, digest, config, make_parser())
    raise_if_errors(problems)
    return issue


def render_post(config: SiteConfig, issue: Issue, article: int | None, image_src: Callable[[int, str], str]) -> Post:
    """The inlined HTML of the issue (or of article number ``article``, 1-based).

    ``image_src(n, path)`` gives the address of the n-th image (path under content/): a file name
    beside the HTML for ``liandong wechat``, a URL in the preview.
    """
    articles = issue.articles
    if article is not None:
        if not 1 <= article <= len(articles):
            raise LiandongError(Problem(Location(issue.path), f"{issue.label}只有 {len(articles)} 篇文章，没有第 {article} 篇"))
        articles = (articles[article - 1],)
    env = make_env(config)
    page = Page("wechat.html", TEMPLATE, {"issue": issue, "articles": articles, "whole": article is None})
    html = render_page(env, page, config)
    css = stylesheet(config)
    import css_inline  # imported here: only this command needs it

    inliner = css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=False, keep_link_tags=False,
                                    load_remote_stylesheets=False)
    inlined = inliner.inline_fragment(html, css)
    images: list[str] = []

    def source(media: str) -> str:
        images.append(media)
        return image_src(len(images), media)

    return Post(clean(inlined, source), tuple(images))


def stylesheet(config: SiteConfig) -> str:
    path = config.templates_dir / STYLESHEET
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LiandongError(Problem(Location(_display_path(path)), f"无法读取公众号样式表：{os_reason(exc)}")) from exc


# Elements the WeChat editor accepts; anything else is unwrapped (its text kept).
ALLOWED = {"section", "p", "span", "strong", "b", "em", "i", "u", "s", "sup", "sub", "br", "img", "h1", "h2", "h3",
           "h4", "h5", "h6", "ol", "ul", "li", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
           "hr", "code", "pre", "figure", "figcaption"}
DROPPED = {"script", "style", "link", "meta", "iframe", "object", "embed", "form", "input", "button", "noscript"}
KEPT_ATTRIBUTES = {"style", "src", "alt", "colspan", "rowspan", "start"}
VOID = {"br", "img", "hr"}


class _Cleaner(HTMLParser):
    """Re-serialises the inlined HTML keeping only what WeChat keeps: allowed elements, their
    style (and src/alt/colspan…), nothing else. Links become their text; back-links vanish."""

    def __init__(self, image_src: Callable[[str], str]):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.image_src = image_src
        self.skipping = 0  # depth inside a dropped element (script, footnote back-link…)
        self.stack: list[str | None] = []  # tag written for each open element (None: unwrapped)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        dropped = tag in DROPPED or (tag == "a" and "footnote-backref" in (attributes.get("class") or ""))
        if self.skipping or dropped:
            if tag not in VOID:
                self.skipping += 1
            return
        if tag not in ALLOWED:
            if tag not in VOID:
                self.stack.append(None)
            return
        kept = []
        for name, value in attrs:
            if name not in KEPT_ATTRIBUTES or value is None:
                continue
            if name == "src":
                if not value.startswith(MEDIA_SCHEME):
                    continue
                value = self.image_src(value[len(MEDIA_SCHEME):])
            kept.append(f' {name}="{escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.skipping:
            self.skipping -= 1
            return
        if self.stack:
            written = self.stack.pop()
            if written:
                self.out.append(f"</{written}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if not self.skipping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.skipping:
            self.out.append(f"&#{name};")


def clean(html: str, image_src: Callable[[str], str]) -> str:
    from urllib.parse import unquote

    cleaner = _Cleaner(lambda quoted: image_src(unquote(quoted)))
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out).strip() + "\n"


def post_name(issue: Issue, article: int | None) -> str:
    base = f"liandong-{issue.year}-{issue.number:02d}"
    return base if article is None else f"{base}-{article}"


def write_post(config: SiteConfig, issue: Issue, out_dir: Path, article: int | None = None) -> Path:
    """Write ``<name>.html`` and its images (``<name>-N.ext``) into ``out_dir``; returns the HTML file."""
    name = post_name(issue, article)
    post = render_post(config, issue, article, lambda n, media: f"{name}-{n}{Path(media).suffix.lower()}")
    document = ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{escape(config.title)} {escape(issue.label)}（公众号版）</title>\n</head>\n<body>\n"
                f"{post.html}</body>\n</html>\n")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for number, media in enumerate(post.images, start=1):
            shutil.copyfile(config.content_dir / media, out_dir / f"{name}-{number}{Path(media).suffix.lower()}")
        target = out_dir / f"{name}.html"
        staged = out_dir / f".{name}.html.part"
        staged.write_text(document, encoding="utf-8")
        staged.replace(target)
    except OSError as exc:
        raise LiandongError(Problem(Location(_display_path(Path(exc.filename or out_dir))),
                                    f"无法写入公众号版：{os_reason(exc)}")) from exc
    return target


def copy_page(config: SiteConfig, spec: str, article: int | None) -> str:
    """The preview's page (``liandong serve``, /_wechat/2025/12/): the post as WeChat will show it,
    a button that copies it to the clipboard, and links to each article alone."""
    issue = read_one(config, locate_issue(config, spec))
    post = render_post(config, issue, article, lambda n, media: f"/media/{quote(media)}")
    page = Page("wechat/copy.html", "wechat/copy.html",
                {"issue": issue, "post": post.html, "article": article, "base": f"/_wechat/{issue.year}/{issue.number:02d}/"})
    return render_page(make_env(config), page, config)
