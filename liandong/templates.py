"""The Jinja environment and the theme lookup.

The default theme (the repository's top-level templates/, shipped in the wheel as liandong/theme/)
holds every template and static file. A site's own templates/ overrides it file by file, as
MkDocs' ``custom_dir`` and Hugo's theme lookup do: an office changes one template without copying
the others, and keeps getting the theme's fixes for the rest. Undefined variables are errors,
reported with template file and line.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from liandong import __version__, theme_lookup
from liandong.chinese import chinese_date, compress_punctuation, spaced_name
from liandong.config import SiteConfig, _display_path
from liandong.markdown import MEDIA_SCHEME
from liandong.print_text import print_filters
from liandong.errors import LiandongError, Location, Problem
from liandong.routes import Page, root_prefix
from liandong.template_errors import render_failure, syntax_message

THEME_DIR = theme_lookup.THEME_DIR  # where the default theme is (read it there: tests point it elsewhere)


def template_dirs(config: SiteConfig) -> list[Path]:
    """Where templates are looked up, first match wins: the site's templates/, then the theme.
    The sample site in the repository *is* the theme's folder; it is listed once."""
    dirs = [config.templates_dir] if config.templates_dir.is_dir() else []
    theme = theme_lookup.THEME_DIR
    if not any(d.resolve() == theme.resolve() for d in dirs):
        dirs.append(theme)
    return dirs


def theme_files(config: SiteConfig) -> dict[str, Path]:
    """Every file the lookup reaches, by its path relative to the template folders (``base.html``,
    ``static/style.css``): the site's own file where it has one, else the theme's. Sorted by path,
    so fingerprints and outputs come out in the same order every time."""
    files: dict[str, Path] = {}
    for folder in reversed(template_dirs(config)):  # the theme first, then the site overrides it
        for path in folder.rglob("*"):
            if path.is_file():
                files[path.relative_to(folder).as_posix()] = path
    return dict(sorted(files.items()))


def static_files(config: SiteConfig) -> dict[str, bytes]:
    """Assets under static/ (theme merged with the site's own), as ``static/...`` outputs."""
    return {relative: path.read_bytes() for relative, path in theme_files(config).items()
            if relative.startswith("static/")}


def make_env(config: SiteConfig, *, reload: bool = True) -> jinja2.Environment:
    """The Jinja environment of a site. ``reload=False`` is for one build, which renders every
    page from the templates as it found them: Jinja then no longer stats each template file again
    for every page (a thousand stats per template on a large archive)."""
    env = jinja2.Environment(
        auto_reload=reload,
        loader=jinja2.FileSystemLoader(template_dirs(config)),
        bytecode_cache=bytecode_cache(),
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


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs, as Python keeps compiled modules: compiling the
    theme's templates took 0.05–0.07 s of every cold build (and of every PDF worker's first job),
    in the main process, before the pages could be rendered on all cores.

    Jinja's own file cache: an entry is used only for the same template file with the same source
    (Jinja checks a checksum) and the same Jinja and Python; liandong's version is in the names,
    since the compiled code also depends on the environment's settings above. It lives in the
    user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``), in a folder only the user may
    read or write (checked, as Jinja checks its default one); where there is none to be had, no
    cache, and every run compiles as before."""
    global _bytecode_cache
    if _bytecode_cache is None:
        _bytecode_cache = _private_cache_folder()
    if not _bytecode_cache:
        return None
    return QuietBytecodeCache(_bytecode_cache, f"liandong-{__version__}-jinja-{jinja2.__version__}-%s.cache")


class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, whose failures only cost a compilation: an entry that cannot be read (cut
    short by a full disk, damaged) is compiled again, and one that cannot be written (a full disk, a
    read-only home) is not kept. Jinja's own lets both errors stop the build."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 — pickle and marshal fail in many ways on a damaged file
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


_bytecode_cache: str | None = None  # "" once it is known there is none


def _private_cache_folder() -> str:
    import os
    import stat

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "liandong", "templates")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        status = os.lstat(folder)
        if status.st_uid != os.getuid() or not stat.S_ISDIR(status.st_mode) or stat.S_IMODE(status.st_mode) & 0o077:
            return ""
    except (OSError, AttributeError):  # a read-only home, no getuid (Windows)
        return ""
    return folder


def load_web_templates(env: jinja2.Environment) -> bool:
    """Load every web page template of the theme lookup (not print/ or wechat/), and so those they
    extend, import and include, before page workers fork (liandong.page_pool). False if one
    cannot be loaded: the pages then report it, with the page it happened on."""
    try:
        for name in env.list_templates(filter_func=lambda name: "/" not in name
                                       and name.endswith((".html", ".xml", ".csv"))):
            env.get_template(name)
    except jinja2.TemplateError:
        return False
    return True


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
        raise LiandongError(Problem(where, f"模板语法错误：{syntax_message(exc.message)}")) from exc
    except jinja2.TemplateNotFound as exc:
        raise LiandongError(Problem(Location(_display_path(template_dirs(config)[0])), f"找不到模板“{exc.name}”")) from exc
    except Exception as exc:  # noqa: BLE001 — any failure inside a template is the template's problem
        raise LiandongError(Problem(_template_frame(template_dirs(config), page.template),
                                    f"渲染模板时出错（生成 {page.dest}）：{_describe(exc)}")) from exc


def _template_frame(folders: list[Path], fallback: str) -> Location:
    """The innermost template file and line in the current exception's traceback."""
    where = Location(_display_path(folders[0] / fallback))
    directories = tuple(str(folder.resolve()) + "/" for folder in folders)
    for frame in traceback.extract_tb(sys.exc_info()[2]):
        if str(Path(frame.filename).resolve()).startswith(directories):
            where = Location(_display_path(Path(frame.filename)), frame.lineno or 0)
    return where


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"未定义的变量或属性（{exc.message}）"
    if described := render_failure(exc):
        return described
    return f"{type(exc).__name__}: {exc}"
