"""Full-text search: one Pagefind record per article, indexed into the staging folder.

Pagefind (https://pagefind.app) writes a static index that the browser searches without a server
program, so search works on an intranet copy of build/. Only the *extended* binary
(``pagefind[extended]``) segments Chinese into words; the standard one indexes whole clauses and
finds nothing. The version is pinned in pyproject.toml after measuring recall on the sample
archive (scripts/search_recall.py; figures in the README).

Each article is its own record, addressed ``<issue>/index.html#article-N``, so a hit opens the
article rather than the top of its issue, and carries meta (title, issue, date, county) for the
result list and filters (year, county) for narrowing. Records are added in archive order, so two
builds of the same content write the same index files.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from liandong.config import SiteConfig, _display_path
from liandong.errors import LiandongError, Location, Problem
from liandong.model import Archive

SEARCH_DIR = "pagefind"  # where the index goes under build/; static/search.js imports it from there


@dataclass(frozen=True)
class Record:
    url: str  # site-relative, e.g. "2025/12/index.html#article-1"
    content: str
    meta: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: dict[str, str] = field(default_factory=dict)


def search_records(archive: Archive) -> list[Record]:
    """One record per article, newest issue first: the text a reader sees on the article."""
    records = []
    for issue in archive.issues:
        for article in issue.articles:
            credit = f"\n（{article.contributor} 供稿）" if article.contributor else ""
            records.append(Record(
                url=f"{issue.url}index.html#{article.anchor}",
                content=f"{article.title}\n{article.text}{credit}",
                meta={"title": article.title, "issue": issue.label, "date": issue.date.isoformat(),
                      "date_text": issue.date_text, "county": article.county},
                filters={"year": [str(issue.year)], "county": [article.county]},
                sort={"date": f"{issue.date.isoformat()}-{article.number:02d}"},
            ))
    return records


def write_search_index(stage: Path, archive: Archive, config: SiteConfig) -> None:
    """Index every article into ``stage/pagefind/``; any failure stops the build before the swap."""
    where = Location(_display_path(config.site_dir))
    records = search_records(archive)
    binary = extended_binary(where)
    previous = os.environ.get("PAGEFIND_BINARY_PATH")
    os.environ["PAGEFIND_BINARY_PATH"] = str(binary)  # never fall back to a standard binary on PATH
    try:
        run_coroutine(_write(records, stage / SEARCH_DIR, config.language.lower()))
    except Exception as exc:  # noqa: BLE001 — crash or protocol error of the binary: stop the build
        raise LiandongError(Problem(where, f"生成全文搜索索引失败（Pagefind）：{type(exc).__name__}: {exc}")) from exc
    finally:
        if previous is None:
            os.environ.pop("PAGEFIND_BINARY_PATH", None)
        else:
            os.environ["PAGEFIND_BINARY_PATH"] = previous


def run_coroutine(coroutine) -> None:
    """Run Pagefind's async API from plain code, even when the caller already runs an event loop
    (a notebook, Playwright's sync API): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def extended_binary(where: Location) -> Path:
    """The Pagefind binary that segments Chinese; the standard one would index whole clauses."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError as exc:
        raise LiandongError(Problem(where, "全文搜索需要 Pagefind 扩展版（pagefind[extended]，能对中文分词），"
                                           "但没有安装；请运行 scripts/setup.sh")) from exc
    return Path(get_executable())


async def _write(records: list[Record], output: Path, language: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(force_language=language, output_path=str(output), write_playground=False)
    async with PagefindIndex(config=config) as index:
        for record in records:
            await index.add_custom_record(url=record.url, content=record.content, language=language,
                                          meta=record.meta, filters=record.filters, sort=record.sort)
