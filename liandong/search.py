"""Full-text search: one Pagefind record per article, one index per year, published under pagefind/.

Pagefind (https://pagefind.app) writes a static index that the browser searches without a server
program, so search works on an intranet copy of build/. Only the *extended* binary
(``pagefind[extended]``) segments Chinese into words; the standard one indexes whole clauses and
finds nothing. The version is pinned in pyproject.toml after measuring recall on the sample
archive (scripts/search_recall.py; figures in the README).

Each article is its own record, addressed ``<issue>/index.html#article-N``, so a hit opens the
article rather than the top of its issue, and carries meta (title, issue, date, county) for the
result list and filters (year, county) for narrowing. Records are added in archive order, and
Pagefind 1.4.0 writes the same files for the same records, so builds stay byte-identical.

The archive is indexed **year by year**: ``pagefind/<year>/`` holds that year's index, and the
search page merges them in the browser with Pagefind's multisite ``mergeIndex``. Editing one issue
re-runs Pagefind over its year only (at 1000 issues: ~110 articles instead of ~3,000); the other
years' indexes come from the cache. Pagefind's program (``pagefind.js`` and its WebAssembly) is
published once, in the newest year's folder, whose index is the primary one the others merge into;
``pagefind/indexes.json`` lists the years newest first for static/search.js.

Each year's index is made once per distinct set of records and kept in
.liandong-cache/search/<year>/, so a build in which none of a year's articles changed does not run
Pagefind for it; its files then go through the build's normal change tracking and atomic staging
like any other output. A cached index is published only after every file is checked against the
digest list written with it, and that list, naming the index it belongs to, is signed with this
machine's cache key (liandong.cache): a damaged index, or one copied in from elsewhere or from
another year's folder (its pagefind.js runs in readers' browsers), is rebuilt instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html import escape
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from liandong.cache import CACHE_DIR, Damaged, sign, verified
from liandong.config import SiteConfig, _display_path, content_digest
from liandong.errors import LiandongError, Location, Problem
from liandong.model import Archive, Issue

SEARCH_DIR = "pagefind"  # where the index goes under build/; static/search.js imports it from there
COMPLETE = ".complete"  # written last into a cached index (its files and their digests): never half-used


@dataclass(frozen=True)
class Record:
    url: str  # site-relative, e.g. "2025/12/index.html#article-1"
    content: str
    meta: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: dict[str, str] = field(default_factory=dict)


def search_records(archive: Archive) -> list[Record]:
    """One record per article, newest issue first: the text a reader sees on the article."""
    return issue_records(archive.issues)


def issue_records(issues: list[Issue]) -> list[Record]:
    """The records of these issues' articles, in the issues' order."""
    records = []
    for issue in issues:
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


MANIFEST = "indexes.json"  # pagefind/indexes.json: the years' indexes, newest (the primary) first


def is_program(name: str) -> bool:
    """Pagefind's script and WebAssembly, the same for every index of one version: published once."""
    return name == "pagefind.js" or (name.startswith("wasm.") and name.endswith(".pagefind"))


def records_by_year(archive: Archive) -> list[tuple[int, list[Issue]]]:
    """The years that have articles to index, newest first, each with its issues (archive order).
    A year whose issues hold no article gets no index: Pagefind refuses to index nothing."""
    return [(year, issues) for year, issues in archive.years() if any(issue.articles for issue in issues)]


def search_outputs(archive: Archive, config: SiteConfig) -> tuple[dict[str, str], dict[str, bytes | Path]]:
    """The search index as outputs under pagefind/: ({dest: key}, {dest: file or bytes to publish}).

    One index per year, each made (or taken from the cache) on its own, so an edit re-indexes only
    its year. An archive with nothing published yet (a new bulletin whose first issue is still a
    draft) has no index: there is nothing to find."""
    years = records_by_year(archive)
    if not years:
        return {}, {}
    where = Location(_display_path(config.site_dir))
    language = config.language.lower()
    binary = extended_binary(where)
    version = metadata.version("pagefind_bin_extended")
    cache_root = config.site_dir / CACHE_DIR / "search"
    keys: dict[str, str] = {}
    files: dict[str, bytes | Path] = {}
    for position, (year, issues) in enumerate(years):
        index = year_index(cache_root, year, issues, version, language, binary, where)
        digests = cached_index(index)
        for name, digest in digests.items():
            if position and is_program(name):
                continue  # only the primary (newest) year's folder carries Pagefind's program
            keys[f"{SEARCH_DIR}/{year}/{name}"] = digest
            files[f"{SEARCH_DIR}/{year}/{name}"] = index / name
    manifest = json.dumps({"indexes": [str(year) for year, _ in years]}).encode("utf-8")
    keys[f"{SEARCH_DIR}/{MANIFEST}"] = content_digest(manifest)
    files[f"{SEARCH_DIR}/{MANIFEST}"] = manifest
    drop_other_years(cache_root, {str(year) for year, _ in years})
    return keys, files


def year_index(cache_root: Path, year: int, issues: list[Issue], version: str, language: str, binary: Path,
               where: Location) -> Path:
    """The cached folder of one year's index, made now if there is none to trust.

    Records come from the issues alone, and an issue's digest covers its source and the settings
    it was read with: so these digests, in archive order, identify the year's index."""
    key = content_digest("search-year", RECORD_FORMAT, version, language, str(year), *(issue.digest for issue in issues))
    index = cache_root / str(year) / key
    if cached_index(index) is None:
        shutil.rmtree(index, ignore_errors=True)
        make_index(issue_records(issues), index, language, binary, where)
    return index


def drop_other_years(cache_root: Path, years: set[str]) -> None:
    """Remove cached indexes of years the archive no longer has (and of the former one-index layout)."""
    try:
        entries = list(cache_root.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name not in years and not entry.name.startswith((".part-", ".pages-")):
            shutil.rmtree(entry, ignore_errors=True)


def cached_index(index: Path) -> dict[str, str] | None:
    """The files of a finished cached index and their digests; None if there is none to trust.

    Trusted means: the digest list is signed by this machine and names this index (its year and
    key), names only files inside the index, and every file still has the digest it was made with.
    """
    try:
        signed = json.loads(bytes(verified((index / COMPLETE).read_bytes())))
    except (OSError, ValueError, Damaged):
        return None
    if not isinstance(signed, dict) or signed.get("index") != index_name(index):
        return None
    digests = signed.get("files")
    if not isinstance(digests, dict) or not digests:
        return None
    for name, digest in digests.items():
        if not isinstance(name, str) or not isinstance(digest, str) or not _plain_relative(name):
            return None
        path = index / name
        try:
            if path.is_symlink() or content_digest(path.read_bytes()) != digest:
                return None
        except OSError:
            return None
    return digests


def index_name(index: Path) -> str:
    """What a cached index's signed digest list must name: its year and key, ``2025/<key>``."""
    return f"{index.parent.name}/{index.name}"


def _plain_relative(name: str) -> bool:
    """A path that stays inside the folder it is relative to."""
    parts = name.split("/")
    return not name.startswith("/") and "\\" not in name and all(part not in ("", ".", "..") for part in parts)


def make_index(records: list[Record], index: Path, language: str, binary: Path, where: Location) -> None:
    """Run Pagefind into a scratch folder and move it into place whole; drop indexes of older content."""
    try:
        index.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".part-", dir=index.parent))
    except OSError as exc:
        raise LiandongError(Problem(Location(Path(CACHE_DIR) / "search"), f"无法写入全文搜索索引的缓存（{exc.strerror}）；"
                                    f"请检查 {CACHE_DIR} 目录的权限和磁盘空间")) from exc
    try:
        write_with_cli(records, scratch, language, binary)
        # Each file's digest is its key as an output: an edit rewrites only the files it changes.
        digests = {path.relative_to(scratch).as_posix(): content_digest(path.read_bytes())
                   for path in sorted(scratch.rglob("*")) if path.is_file()}
        signed = {"index": index_name(index), "files": digests}
        (scratch / COMPLETE).write_bytes(sign(json.dumps(signed, indent=0, sort_keys=True).encode("utf-8")))
        try:
            os.replace(scratch, index)
        except OSError:
            if not (index / COMPLETE).is_file():  # not made meanwhile by a concurrent build
                raise
    except LiandongError:
        raise
    except Exception as exc:  # noqa: BLE001 — crash or protocol error of the binary: stop the build
        raise LiandongError(Problem(where, f"生成全文搜索索引失败（Pagefind）：{type(exc).__name__}: {exc}")) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for other in index.parent.iterdir():
        if other != index and not other.name.startswith(".part-"):
            shutil.rmtree(other, ignore_errors=True)


def extended_binary(where: Location) -> Path:
    """The Pagefind binary that segments Chinese; the standard one would index whole clauses."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError as exc:
        raise LiandongError(Problem(where, "全文搜索需要 Pagefind 扩展版（pagefind[extended]，能对中文分词），"
                                           "但没有安装；请运行 scripts/setup.sh")) from exc
    return Path(get_executable())


RECORD_FORMAT = "2"  # of record_page's HTML: part of the cached index's key


def record_page(record: Record, language: str) -> str:
    """A record as a small HTML page for the Pagefind CLI: the text to index in the body, meta,
    filters and sort keys in elements Pagefind reads but does not index. ``link`` carries the
    article's real address (the page's own path is only a name in a scratch folder). The title is
    the body's ``<h1>``: Pagefind weighs words in headings above words in text, so an article
    whose title holds the query ranks above one that only mentions it."""
    meta = {**record.meta, "link": record.url}
    hidden = "".join(f'<span data-pagefind-meta="{escape(k)}">{escape(v)}</span>' for k, v in meta.items())
    hidden += "".join(f'<span data-pagefind-filter="{escape(k)}">{escape(v)}</span>'
                      for k, values in record.filters.items() for v in values)
    sorts = ", ".join(f"{k}:{v}" for k, v in record.sort.items())
    return (f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8"></head><body>'
            f'<div data-pagefind-ignore>{hidden}</div><span data-pagefind-sort="{escape(sorts)}"></span>'
            f'<main data-pagefind-body>{record_body(record)}</main></body></html>')


def record_body(record: Record) -> str:
    title = record.meta.get("title", "")
    if title and record.content.startswith(title + "\n"):
        return f"<h1>{escape(title)}</h1><p>{escape(record.content[len(title) + 1:])}</p>"
    return escape(record.content)


def write_with_cli(records: list[Record], output: Path, language: str, binary: Path) -> None:
    """Index the records with one run of the Pagefind binary over a folder of small pages.

    Pagefind's Python API sends records one at a time to the same binary and measured ~100 ms per
    record (3,000 articles: over 3 minutes); the command line indexes a folder of the same records
    about 30 times faster.
    """
    pages = Path(tempfile.mkdtemp(prefix=".pages-", dir=output.parent))
    try:
        for number, record in enumerate(records):
            (pages / f"{number:06d}.html").write_text(record_page(record, language), encoding="utf-8")
        result = subprocess.run([str(binary), "--site", str(pages), "--output-path", str(output),
                                 "--force-language", language], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip() or result.stdout.strip())
        for leftover in ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                         "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js"):
            (output / leftover).unlink(missing_ok=True)  # the site has its own search page
    finally:
        shutil.rmtree(pages, ignore_errors=True)

