"""Full-text search: liandong's own character index, one per year, published under search-index/.

The search page (static/search.js) finds articles in the browser, without a server program, so
search works on an intranet copy of build/. Chinese has no spaces between words, and a reader's
phrase may sit inside a longer word (乡镇人大 in 各乡镇人大主席团), so the index is not of words but
of **characters and pairs of adjacent characters** (bigrams) of each article's text, whitespace
removed and letters lowered. An article holds a phrase only if it holds every bigram of it, so the
index never misses an article; the page then reads the few candidates' text (their issue pages,
which the site has anyway) to keep only those holding the phrase as written, and to rank title
hits first. A query of one or two characters per term is answered by the index alone.

Why not Pagefind (used until 2026-11): it keeps a compressed copy of every article (its
"fragments") and word positions, 31.6 MB for bench/generate.py's 1000 issues, more than half the
size of all the HTML pages; this index is under 3 MB for the same archive, because the text it
needs is already in build/ as the issue pages. It also segmented Chinese into words, so phrases
inside longer words needed workarounds, and each index took a Pagefind process (~16 s CPU for
1000 issues); this one is made in Python in about 4 s and one year at a time.

Layout, per year: ``search-index/<year>/records.json`` lists the year's articles (link, title,
issue, date, county) in archive order; their position is their number in the postings.
``search-index/<year>/<shard>.txt`` (``SHARDS`` files) hold the grams, one per line:
``<gram>\\t<postings>``, the shard chosen from the gram's code points (static/search.js computes
the same), so a query loads a few small files per year. Postings are either the article numbers'
gaps in hexadecimal, comma-separated (few articles), or ``~`` and the base64 of a bitmap over the
year's articles (many): whichever is shorter. ``search-index/indexes.json`` lists the years,
newest first.

Each year's index is made once per distinct set of that year's issues and kept in
.liandong-cache/search/<year>/, so an edit re-indexes its year only; its files then go through the
build's change tracking and atomic staging like any other output. A cached index is published only
after every file is checked against the digest list written with it, signed with this machine's
cache key (liandong.cache): a damaged index, or one copied in from elsewhere or from another year's
folder, is rebuilt instead.
"""

from __future__ import annotations

import base64
import json
import operator
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from liandong.cache import CACHE_DIR, Damaged, sign, verified
from liandong.config import SiteConfig, content_digest
from liandong.errors import LiandongError, Location, Problem
from liandong.model import Archive, Article, Issue

SEARCH_DIR = "search-index"  # where the index goes under build/; static/search.js reads it from there
MANIFEST = "indexes.json"  # search-index/indexes.json: the years' indexes, newest first
RECORDS = "records.json"  # search-index/<year>/records.json: the year's articles, in posting order
SHARDS = 8  # gram files per year; static/search.js has the same number (from the manifest)
INDEX_FORMAT = "1"  # of the files below: part of the cached index's key, and in the manifest
COMPLETE = ".complete"  # written last into a cached index (its files and their digests): never half-used

# What static/search.js's squeeze() removes before matching: JavaScript's \s, plus U+200B. Spelled
# out, because Python's \s also matches U+001C–U+001F and U+0085, which JavaScript's does not.
SPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Record:
    url: str  # site-relative, e.g. "2025/12/index.html#article-1"
    content: str
    meta: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)


def search_records(archive: Archive) -> list[Record]:
    """One record per article, in archive order: the text a reader sees on the article."""
    return issue_records(archive.issues)


def issue_records(issues: list[Issue]) -> list[Record]:
    """The records of these issues' articles, in the issues' order."""
    records = []
    for issue in issues:
        for article in issue.articles:
            records.append(Record(
                url=f"{issue.url}index.html#{article.anchor}",
                content=shown_text(article),
                meta={"title": article.title, "issue": issue.label, "date": issue.date.isoformat(),
                      "date_text": issue.date_text, "county": article.county},
                filters={"year": [str(issue.year)], "county": [article.county]},
            ))
    return records


def shown_text(article: Article) -> str:
    """The article's text as its issue page shows it: the title, the body's text (its HTML without
    tags, as the browser's textContent reads it) and the 供稿 line. The search page checks
    candidates against exactly this text, read from the page, so the index and the check agree."""
    credit = f"\n（{article.contributor} 供稿）" if article.contributor else ""
    return f"{article.title}\n{unescape(TAG.sub('', article.html)).strip()}{credit}"


def squeezed(text: str) -> str:
    """The text as it is matched: no whitespace, letters lowered (static/search.js: squeeze)."""
    return SPACE.sub("", text).lower()


def grams_of(text: str) -> set[str]:
    """Every character and every pair of adjacent characters of the squeezed text."""
    text = squeezed(text)
    grams = set(text)
    grams.update(map(operator.add, text, text[1:]))
    return grams


def shard_of(gram: str) -> int:
    """Which of a year's gram files holds this gram (static/search.js: shardOf)."""
    value = 0
    for char in gram:
        value = (value * 31 + ord(char)) % 65536
    return value % SHARDS


def postings_text(bits: int, count: int) -> str:
    """The articles (set bits of ``bits``, of ``count`` articles) as the shorter of two forms:
    their numbers' gaps in hexadecimal, comma-separated, or ``~`` and a base64 bitmap."""
    size = (count + 7) // 8
    if bits.bit_count() * 2 > size * 4 // 3:  # a gap takes ~2 characters; the bitmap 4/3 per byte
        return "~" + base64.b64encode(bits.to_bytes(size, "little")).decode("ascii").rstrip("=")
    gaps, previous = [], -1
    while bits:
        lowest = bits & -bits
        number = lowest.bit_length() - 1
        gaps.append(format(number - previous - 1, "x"))
        previous = number
        bits ^= lowest
    return ",".join(gaps)


def index_files(records: list[Record]) -> dict[str, bytes]:
    """One year's index: its records list and its gram files, by file name."""
    postings: dict[str, int] = {}
    for number, record in enumerate(records):
        bit = 1 << number
        for gram in grams_of(record.content):
            postings[gram] = postings.get(gram, 0) | bit
    shards: list[list[str]] = [[] for _ in range(SHARDS)]
    for gram in sorted(postings):
        shards[shard_of(gram)].append(f"{gram}\t{postings_text(postings[gram], len(records))}\n")
    listed = [[r.url, r.meta["title"], r.meta["issue"], r.meta["date"], r.meta["date_text"], r.meta["county"]]
              for r in records]
    files = {RECORDS: json.dumps({"format": INDEX_FORMAT, "records": listed}, ensure_ascii=False,
                                 separators=(",", ":")).encode("utf-8")}
    files.update({f"{number}.txt": "".join(lines).encode("utf-8") for number, lines in enumerate(shards)})
    return files


def records_by_year(archive: Archive) -> list[tuple[int, list[Issue]]]:
    """The years that have articles to index, newest first, each with its issues (archive order)."""
    return [(year, issues) for year, issues in archive.years() if any(issue.articles for issue in issues)]


def search_outputs(archive: Archive, config: SiteConfig) -> tuple[dict[str, str], dict[str, bytes | Path]]:
    """The search index as outputs under search-index/: ({dest: key}, {dest: file or bytes}).

    One index per year, each made (or taken from the cache) on its own, so an edit re-indexes only
    its year. An archive with nothing published yet (a new bulletin whose first issue is still a
    draft) has no index: there is nothing to find."""
    years = records_by_year(archive)
    if not years:
        return {}, {}
    cache_root = config.site_dir / CACHE_DIR / "search"
    keys: dict[str, str] = {}
    files: dict[str, bytes | Path] = {}
    for year, issues in years:
        index, digests = year_index(cache_root, year, issues)
        for name, digest in digests.items():
            keys[f"{SEARCH_DIR}/{year}/{name}"] = digest
            files[f"{SEARCH_DIR}/{year}/{name}"] = index / name
    manifest = json.dumps({"format": INDEX_FORMAT, "shards": SHARDS, "indexes": [str(year) for year, _ in years]}).encode("utf-8")
    keys[f"{SEARCH_DIR}/{MANIFEST}"] = content_digest(manifest)
    files[f"{SEARCH_DIR}/{MANIFEST}"] = manifest
    drop_other_years(cache_root, {str(year) for year, _ in years})
    return keys, files


def year_index(cache_root: Path, year: int, issues: list[Issue]) -> tuple[Path, dict[str, str]]:
    """The cached folder of one year's index and its files' digests, made now if there is none to
    trust. Each file is read and checked once per build, here.

    Records come from the issues alone, and an issue's digest covers its source and the settings
    it was read with: so these digests, in archive order, identify the year's index."""
    key = content_digest("search-year", INDEX_FORMAT, str(SHARDS), str(year), *(issue.digest for issue in issues))
    index = cache_root / str(year) / key
    digests = cached_index(index)
    if digests is None:
        shutil.rmtree(index, ignore_errors=True)
        digests = make_index(issue_records(issues), index)
    return index, digests


def drop_other_years(cache_root: Path, years: set[str]) -> None:
    """Remove cached indexes of years the archive no longer has (and of former index layouts)."""
    try:
        entries = list(cache_root.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name not in years and not entry.name.startswith(".part-"):
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


def make_index(records: list[Record], index: Path) -> dict[str, str]:
    """Write one year's index into a scratch folder and move it into place whole; drop indexes of
    the year's older content. Returns its files' digests."""
    try:
        index.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".part-", dir=index.parent))
    except OSError as exc:
        raise cache_unwritable(exc) from exc
    try:
        files = index_files(records)
        for name, data in files.items():
            (scratch / name).write_bytes(data)
        # Each file's digest is its key as an output: an edit rewrites only the files it changes.
        digests = {name: content_digest(data) for name, data in sorted(files.items())}
        signed = {"index": index_name(index), "files": digests}
        (scratch / COMPLETE).write_bytes(sign(json.dumps(signed, indent=0, sort_keys=True).encode("utf-8")))
        try:
            os.replace(scratch, index)
        except OSError:
            if not (index / COMPLETE).is_file():  # not made meanwhile by a concurrent build
                raise
    except OSError as exc:
        raise cache_unwritable(exc) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for other in index.parent.iterdir():
        if other != index and not other.name.startswith(".part-"):
            shutil.rmtree(other, ignore_errors=True)
    return digests


def cache_unwritable(exc: OSError) -> LiandongError:
    """The cache of search indexes cannot be written (permissions, a full disk)."""
    return LiandongError(Problem(Location(Path(CACHE_DIR) / "search"), f"无法写入全文搜索索引的缓存（{exc.strerror}）；"
                                 f"请检查 {CACHE_DIR} 目录的权限和磁盘空间"))
