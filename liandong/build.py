"""``liandong build``: the pipeline read top to bottom.

load_config → load_archive → check fonts → plan → render pages → render PDFs → swap in atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from liandong.config import CONFIG_NAME, SiteConfig, load_config
from liandong.errors import LiandongError, Location, Problem, raise_if_errors
from liandong.fonts import resolve_stacks
from liandong.model import Archive
from liandong.printing import font_css, font_problems, print_jobs
from liandong.reader import load_archive
from liandong.routes import plan
from liandong.search import write_search_index
from liandong.templates import make_env, render_page
from liandong.writer import copy_tree, staging, write_text


@dataclass(frozen=True)
class BuildReport:
    out_dir: Path
    issues: int
    pages: int
    pdfs: int
    warnings: tuple[Problem, ...]


def build(site_dir: Path, out_dir: Path | None = None, *, pdf: bool = True,
          pdf_variant: str | None = None) -> BuildReport:
    """Build the whole site into ``out_dir`` (default: build/ in the site folder)."""
    out_dir = out_dir or site_dir / "build"
    config = with_variant(load_config(site_dir), pdf_variant)
    archive, problems = load_archive(config)
    raise_if_errors(problems)
    env = make_env(config)
    jobs = []
    if pdf:
        css, font_warnings = checked_font_css(archive, config)
        problems += font_warnings
        jobs = print_jobs(archive, config, env, css)
    pages = plan(archive, config, pdf=pdf)
    rendered = [(page.dest, render_page(env, page, config, archive)) for page in pages]
    with staging(out_dir) as stage:
        for dest, html in rendered:
            write_text(stage, dest, html)
        copy_tree(config.templates_dir / "static", stage / "static")
        write_search_index(stage, archive, config)
        render_pdfs(jobs, config, stage)
    return BuildReport(out_dir, len(archive.issues), len(pages), len(jobs), tuple(problems))


def build_issue_pdf(issue_file: Path, output: Path | None, *, pdf_variant: str | None = None) -> Path:
    """``liandong pdf``: one issue's PDF, with the same checks as a full build."""
    site_dir = find_site_dir(issue_file)
    config = with_variant(load_config(site_dir), pdf_variant)
    archive, problems = load_archive(config)
    issue = next((i for i in archive.issues if i.path.resolve() == issue_file.resolve()), None)
    mine = [p for p in problems if p.location.path.resolve() == issue_file.resolve() or issue is None]
    raise_if_errors(mine)
    css, _ = checked_font_css(Archive([issue]), config)
    job = print_jobs(archive, config, make_env(config), css, only=[issue])[0]
    output = output or Path(job.download_name)
    staged = output.with_name(f".{output.name}.part")
    try:
        render_pdfs([replace(job, dest=staged.name)], config, output.parent.resolve())
        staged.replace(output)
    finally:
        staged.unlink(missing_ok=True)
    return output


def find_site_dir(issue_file: Path) -> Path:
    """The nearest folder above the issue file that holds site.yaml."""
    for folder in issue_file.resolve().parents:
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise LiandongError(Problem(Location(issue_file), f"在此文件的上级目录中找不到 {CONFIG_NAME}"))


def checked_font_css(archive: Archive, config: SiteConfig) -> tuple[str, list[Problem]]:
    """Resolve the print fonts and make sure they draw every character, or stop with the spots."""
    stacks, problems = resolve_stacks(config)
    raise_if_errors(problems)
    problems += font_problems(archive, config, stacks)
    raise_if_errors(problems)
    return font_css(stacks, config), problems


def with_variant(config: SiteConfig, variant: str | None) -> SiteConfig:
    """A --pdf-variant on the command line wins over site.yaml."""
    if variant is None:
        return config
    return replace(config, pdf=replace(config.pdf, variant=variant))


def render_pdfs(jobs, config: SiteConfig, stage: Path) -> None:
    if not jobs:
        return
    from liandong.pdf import PdfRenderer

    renderer = PdfRenderer()
    for job in jobs:
        renderer.render(job.html, config.site_dir, stage / job.dest, config.pdf.variant, job.source)
