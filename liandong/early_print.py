"""The edited issue's PDF, started before the build has planned anything.

Why: after an edit the editor waits for that issue's page and PDF. At 1000 issues the build's main
process spends about half a second checking the fonts and planning some 2,000 outputs before it
knows which PDFs to render, and the PDF of a long issue then takes another half second or more in a
worker. An issue's PDF depends only on its own file, site.yaml, the print templates and the fonts
(its key, see liandong.pipeline.print_key), so the issue files changed since the build cache was
last written are parsed here, on their own, and their PDFs submitted to a PDF worker at once: the
render runs while the main process plans.

The build calls this once it has read its cache and the archive (about 0.4 s at 1000 issues): by
then the PDF workers' fork server, started as the build began, has imported WeasyPrint
(liandong.fork_server), so the worker forked for the job starts at once. Called
earlier, the main process would only wait for that import before it could go on.

Nothing here decides what is published. The build uses an early render only for a PDF it plans
with exactly the key the render was started with (same bytes, settings, templates and fonts), and
drops it otherwise; an issue that does not parse cleanly, or more than a few changed files (a
pull, a cold build), are left to the build's ordinary course.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from liandong.config import SiteConfig
from liandong.model import Archive, Issue

MOST_FILES = 2  # beyond this many changed files, the build is not an edit: let it plan as usual


@dataclass(frozen=True)
class EarlyPrint:
    key: str  # the key the PDF was started with (liandong.pipeline.print_key)
    future: Future


def parsed_cleanly(path: Path, config: SiteConfig, drafts: bool) -> Issue | None:
    """The issue in ``path`` as the build will read it, or None if it has any error (or is a
    draft that this build leaves out)."""
    from liandong.markdown import make_parser
    from liandong.reader import issue_digest, read_issue
    from liandong.sources import read_bytes

    data, problems = read_bytes(path, path)
    if data is None:
        return None
    issue, problems = read_issue(path, data, issue_digest(config, path, data), config, make_parser())
    if issue is None or any(problem.is_error for problem in problems):
        return None
    return None if issue.draft and not drafts else issue


def start(config: SiteConfig, cache_file: Path, executor, fingerprint: str, drafts: bool) -> dict[str, EarlyPrint]:
    """Submit the PDFs of the issues changed since ``cache_file`` was written; by output path.

    ``fingerprint`` is the print templates' (liandong.pipeline.template_fingerprints). Only for a
    local process pool, which lays the print HTML out itself (a cluster gets finished HTML)."""
    from liandong import pdf
    from liandong.fonts import resolve_stacks
    from liandong.pipeline import print_key
    from liandong.printing import font_css, plan_prints
    from liandong.reader import changed_issue_files

    if not isinstance(executor, ProcessPoolExecutor):
        return {}
    try:
        since = cache_file.stat().st_mtime_ns
    except OSError:
        return {}  # no earlier build: nothing is an edit
    changed = changed_issue_files(config.content_dir, since, MOST_FILES)
    if not changed:
        return {}
    stacks, problems = resolve_stacks(config)
    if any(problem.is_error for problem in problems):
        return {}
    css = font_css(stacks, config)
    started = {}
    for path in changed:
        issue = parsed_cleanly(path, config, drafts)
        if issue is None:
            continue
        page = plan_prints(Archive([issue]), config, only=[issue])[0]
        started[page.dest] = EarlyPrint(print_key(fingerprint, css, page, config),
                                        executor.submit(pdf.render_print_job, config, page, css))
    return started


def claim(early: dict[str, EarlyPrint], dest: str, key: str) -> Future | None:
    """The early render of ``dest`` if it was started with ``key`` (then it is the build's)."""
    found = early.pop(dest, None)
    if found is None:
        return None
    if found.key != key:
        found.future.cancel()
        return None
    return found.future


def drop(early: dict[str, EarlyPrint]) -> None:
    """Renders the build did not claim: not started ones are cancelled, running ones ignored."""
    for found in early.values():
        found.future.cancel()
    early.clear()
