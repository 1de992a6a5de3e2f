"""The Jinja environment: templates live in the site's templates/ folder so a site can change its
look without touching Python. Undefined variables are errors, reported with template file and line.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from liandong.chinese import chinese_date, compress_punctuation, spaced_name
from liandong.config import SiteConfig, _display_path
from liandong.markdown import MEDIA_SCHEME
from liandong.print_text import print_filters
from liandong.errors import LiandongError, Location, Problem
from liandong.routes import Page, root_prefix


def make_env(config: SiteConfig) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(config.templates_dir),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["spaced_name"] = spaced_name
    env.filters["chinese_date"] = chinese_date
    env.filters["halt"] = lambda text: Markup(compress_punctuation(str(escape(text))))
    env.filters["halt_html"] = lambda html: Markup(compress_punctuation(str(html)))
    env.filters.update(print_filters())  # titles, 要目, 批准文号 and line breaks as printed
    env.filters["with_media"] = lambda html, prefix: Markup(str(html).replace(
        f'src="{MEDIA_SCHEME}', f'src="{escape(prefix)}'))
    return env


def render_page(env: jinja2.Environment, page: Page, config: SiteConfig, extra: dict | None = None) -> str:
    """Render one page; any template failure becomes a Chinese error naming template file and line."""
    root = root_prefix(page.dest)

    def href(url: str) -> str:
        """A relative link to a site-relative address; folders get their index.html."""
        return root + url + ("index.html" if url == "" or url.endswith("/") else "")

    context = {"site": config, "root": root, "href": href, "page": page, **page.context, **(extra or {})}
    try:
        return env.get_template(page.template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = Location(_display_path(Path(exc.filename or config.templates_dir / page.template)), exc.lineno or 0)
        raise LiandongError(Problem(where, f"模板语法错误：{exc.message}")) from exc
    except jinja2.TemplateNotFound as exc:
        raise LiandongError(Problem(Location(_display_path(config.templates_dir)), f"找不到模板“{exc.name}”")) from exc
    except Exception as exc:  # noqa: BLE001 — any failure inside a template is the template's problem
        raise LiandongError(Problem(_template_frame(config.templates_dir, page.template),
                                    f"渲染模板时出错（生成 {page.dest}）：{_describe(exc)}")) from exc


def _template_frame(templates_dir: Path, fallback: str) -> Location:
    """The innermost template file and line in the current exception's traceback."""
    where = Location(_display_path(templates_dir / fallback))
    directory = str(templates_dir.resolve())
    for frame in traceback.extract_tb(sys.exc_info()[2]):
        if str(Path(frame.filename).resolve()).startswith(directory):
            where = Location(_display_path(Path(frame.filename)), frame.lineno or 0)
    return where


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"未定义的变量或属性（{exc.message}）"
    return f"{type(exc).__name__}: {exc}"
