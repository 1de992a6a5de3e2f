"""``liandong build``: the pipeline read top to bottom.

load_config → load_archive → plan → render → write (atomically).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from liandong.config import load_config
from liandong.errors import Problem, raise_if_errors
from liandong.reader import load_archive
from liandong.routes import plan
from liandong.templates import make_env, render_page
from liandong.writer import copy_tree, staging, write_text


@dataclass(frozen=True)
class BuildReport:
    out_dir: Path
    issues: int
    pages: int
    warnings: tuple[Problem, ...]


def build(site_dir: Path, out_dir: Path | None = None) -> BuildReport:
    """Build the whole site into ``out_dir`` (default: build/ in the site folder)."""
    out_dir = out_dir or site_dir / "build"
    config = load_config(site_dir)
    archive, problems = load_archive(config)
    raise_if_errors(problems)
    pages = plan(archive, config)
    env = make_env(config)
    rendered = [(page.dest, render_page(env, page, config, archive)) for page in pages]
    with staging(out_dir) as stage:
        for dest, html in rendered:
            write_text(stage, dest, html)
        copy_tree(config.templates_dir / "static", stage / "static")
    return BuildReport(out_dir, len(archive.issues), len(pages), tuple(problems))
