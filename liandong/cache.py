"""What the previous build made, so the next one redoes only what changed.

Kept beside the site, not in the output (``.liandong-cache/``), so build/ holds nothing but the
published files and stays byte-identical across machines. There is one cache file per output
folder. It holds the parsed issues (by digest of their source), the key each output was made
from, and the font checks that passed. An output missing from disk is always remade.

The cache is data, never code: JSON, checked field by field when read back (no pickle — unpickling
a crafted file runs arbitrary code). orjson reads and writes it: for a 1000-issue archive (83 MB)
the standard json module took 0.6 s to save and 0.4 s to load, several times pickle's cost, on
every one-issue rebuild. And it is *this machine's* data: each file carries an HMAC
made with a key kept in the user's home folder, so a cache copied in from elsewhere (say,
committed to a shared repository) cannot slip HTML into the pages however well-formed it is. A
damaged, foreign or outdated cache is discarded with a warning, and the build is then simply
complete.

Keys are digests of everything an output depends on (its page's ``deps``, the templates, site.yaml
and the liandong version), so a stale output can only survive if its inputs are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from liandong import __version__
from liandong.errors import Location, Problem
from liandong.model import Article, Issue

CACHE_DIR = ".liandong-cache"
CACHE_FORMAT = 5  # bump whenever the cached data changes shape
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")


class Damaged(Exception):
    """A cache file that is not what this liandong wrote on this machine."""


def cache_path(site_dir: Path, out_dir: Path) -> Path:
    """One cache per output folder, named after the folder's absolute path."""
    name = hashlib.blake2b(str(out_dir.resolve()).encode(), digest_size=8).hexdigest()
    return site_dir / CACHE_DIR / f"{name}.json"


def input_stamp(site_dir: Path, options: str) -> str:
    """A fingerprint of every input's path, size and modification time, and the build options.

    Computed from stat() alone, so a build whose inputs are untouched can stop here, before
    loading the (large) cache of parsed issues: the fast path of a no-op rebuild.
    """
    entries = [options, __version__, str(CACHE_FORMAT)]
    for fonts in FONT_DIRS:  # a font installed or removed changes its folder's time
        for folder in [fonts, *(fonts.iterdir() if fonts.is_dir() else [])]:
            if folder.is_dir():
                entries.append(f"{folder}\0{folder.stat().st_mtime_ns}")
    from liandong import theme_lookup  # the default theme is an input too (site templates override it)

    # Site files are named from the site folder, so `--site .` and an absolute path make one stamp.
    roots = [(site_dir / name, site_dir) for name in ("site.yaml", "content", "templates")]
    for root, relative_to in roots + [(theme_lookup.THEME_DIR.resolve(), None)]:
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                name = path.relative_to(relative_to) if relative_to else path
                entries.append(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(entries).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


# --- signed JSON files ----------------------------------------------------------------------------

def machine_key() -> bytes:
    """The secret that signs cache files; made once per user, readable only by them.

    Without a writable home folder the key lives for this process only: caches are then never
    reused (a full build each time), which is slow but safe.
    """
    global _key, _key_kept
    if _key is None:
        state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local/state") / "liandong"
        path = state / "cache-key"
        try:
            _key = bytes.fromhex(path.read_text(encoding="ascii").strip())
            if len(_key) < 32:
                raise ValueError("short key")
        except (OSError, ValueError):
            _key = secrets.token_bytes(32)
            try:
                state.mkdir(parents=True, exist_ok=True)
                temporary = state / f".cache-key.{os.getpid()}"
                descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "w", encoding="ascii") as stream:
                    stream.write(_key.hex())
                os.replace(temporary, path)
            except OSError:
                _key_kept = False
    return _key


_key: bytes | None = None
_key_kept = True  # False when the key could not be saved: no cache can verify, and that is expected


def _signature(payload: bytes | memoryview) -> str:
    return hmac.new(machine_key(), payload, hashlib.sha256).hexdigest()


def sign(payload: bytes) -> bytes:
    """``<hmac>\\n<payload>``: the format of every file liandong trusts from .liandong-cache/."""
    return _signature(payload).encode() + b"\n" + payload


def verified(data: bytes) -> memoryview:
    """The payload of a signed file (a view: no copy of a large cache); Damaged if it was changed
    or made elsewhere."""
    end = data.find(b"\n")
    payload = memoryview(data)[end + 1:]
    if end < 0 or not hmac.compare_digest(data[:end], _signature(payload).encode()):
        raise Damaged("signature")
    return payload


def write_signed(path: Path, payload: bytes) -> None:
    """Atomically: a crash or a full disk leaves the previous file (or none), never half of one."""
    temporary = write_signed_aside(path, payload)
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_signed_aside(path: Path, payload: bytes) -> Path:
    """The signed file written complete under a temporary name next to ``path``, for the caller to
    move into place (or delete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{next(_temporaries)}.tmp")
    try:
        with open(temporary, "wb") as stream:  # sign(payload), without copying a large payload into it
            stream.write(_signature(payload).encode() + b"\n")
            stream.write(payload)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


_temporaries = itertools.count()


def read_signed_json(path: Path) -> Any:
    """The JSON value of a signed file. FileNotFoundError if absent, Damaged if untrustworthy."""
    data = path.read_bytes()
    try:
        return orjson.loads(verified(data))
    except (ValueError, RecursionError) as exc:  # orjson.JSONDecodeError is a ValueError
        raise Damaged("json") from exc


# --- checked decoding ----------------------------------------------------------------------------

def _need(value: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Damaged(f"expected {kind}")
    return value


def _text(value: Any) -> str:
    return _need(value, str)


def _integer(value: Any) -> int:
    return _need(value, int)


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(_text(item) for item in _need(value, list))


def _fields(value: Any, names: tuple[str, ...]) -> dict:
    record = _need(value, dict)
    if set(record) != set(names):
        raise Damaged(f"fields {sorted(record)}")
    return record


def problem_to_json(problem: Problem) -> list:
    return [str(problem.location.path), problem.location.line, problem.message, problem.is_error]


def problem_from_json(value: Any) -> Problem:
    path, line, message, is_error = _need(value, list) if len(_need(value, list)) == 4 else _need(None, list)
    return Problem(Location(Path(_text(path)), _integer(line)), _text(message), _need(is_error, bool))


ARTICLE_FIELDS = ("number", "title", "county", "contributor", "html", "line", "media")
ISSUE_FIELDS = ("path", "year", "number", "total", "date", "editor", "articles", "distribution",
                "digest", "encoding", "warnings", "draft")


def issue_to_json(issue: Issue) -> dict:
    return {
        "path": str(issue.path), "year": issue.year, "number": issue.number, "total": issue.total,
        "date": issue.date.isoformat(), "editor": issue.editor,
        "articles": [{"number": a.number, "title": a.title, "county": a.county, "contributor": a.contributor,
                      "html": a.html, "line": a.line, "media": list(a.media)}
                     for a in issue.articles],
        "distribution": {group: list(names) for group, names in issue.distribution.items()},
        "digest": issue.digest, "encoding": issue.encoding,
        "warnings": [problem_to_json(p) for p in issue.warnings], "draft": issue.draft,
    }


def issue_from_json(value: Any) -> Issue:
    record = _fields(value, ISSUE_FIELDS)
    try:
        date = dt.date.fromisoformat(_text(record["date"]))
    except ValueError as exc:
        raise Damaged("date") from exc
    distribution = {_text(group): _texts(names) for group, names in _need(record["distribution"], dict).items()}
    return Issue(
        path=Path(_text(record["path"])), year=_integer(record["year"]), number=_integer(record["number"]),
        total=_integer(record["total"]), date=date, editor=_text(record["editor"]),
        articles=tuple(_article_from_json(item) for item in _need(record["articles"], list)),
        distribution=distribution, digest=_text(record["digest"]), encoding=_text(record["encoding"]),
        warnings=tuple(problem_from_json(item) for item in _need(record["warnings"], list)),
        draft=_need(record["draft"], bool),
    )


def _article_from_json(value: Any) -> Article:
    record = _fields(value, ARTICLE_FIELDS)
    contributor = record["contributor"]
    return Article(_integer(record["number"]), _text(record["title"]), _text(record["county"]),
                   None if contributor is None else _text(contributor), _text(record["html"]),
                   _integer(record["line"]), _texts(record["media"]))


def _version_ok(record: dict) -> None:
    if record.get("version") != __version__ or record.get("format") != CACHE_FORMAT:
        raise Damaged("version")  # an older liandong's cache: discarded quietly (see BuildCache.load)


# --- the two cache files -----------------------------------------------------------------------

@dataclass
class Stamp:
    """What the last complete build saw (its input stamp) and reported (to repeat on a no-op)."""

    inputs: str
    issues: int
    pages: int
    pdfs: int
    warnings: tuple

    @classmethod
    def load(cls, path: Path) -> "Stamp | None":
        try:
            record = read_signed_json(path.with_suffix(".stamp"))
            record = _fields(record, ("format", "version", "inputs", "issues", "pages", "pdfs", "warnings"))
            _version_ok(record)
            return cls(_text(record["inputs"]), _integer(record["issues"]), _integer(record["pages"]),
                       _integer(record["pdfs"]), tuple(problem_from_json(p) for p in _need(record["warnings"], list)))
        except (OSError, Damaged):  # no stamp only means no shortcut
            return None

    def save(self, path: Path) -> None:
        record = {"format": CACHE_FORMAT, "version": __version__, "inputs": self.inputs, "issues": self.issues,
                  "pages": self.pages, "pdfs": self.pdfs, "warnings": [problem_to_json(p) for p in self.warnings]}
        try:
            write_signed(path.with_suffix(".stamp"), orjson.dumps(record))
        except OSError:
            pass  # a missing stamp only costs the no-op shortcut next time

    @staticmethod
    def clear(path: Path) -> None:
        """Called before a build changes anything: a half-finished build must never look complete."""
        try:
            path.with_suffix(".stamp").unlink(missing_ok=True)
        except OSError:
            pass  # no stamp file can be there either


@dataclass
class PreparedCache:
    """A cache file written aside by :meth:`BuildCache.prepare`, and the cache it holds."""

    cache: BuildCache
    temporary: Path

    def discard(self) -> None:
        try:
            self.temporary.unlink(missing_ok=True)
        except OSError:
            pass


@dataclass
class BuildCache:
    issues: dict[str, Issue] = field(default_factory=dict)  # digest → parsed issue
    outputs: dict[str, str] = field(default_factory=dict)  # dest under build/ → key it was made from
    fonts_checked: set[str] = field(default_factory=set)  # font-check keys that passed
    county_names: dict = field(default_factory=dict)  # county name → reader.CountyName (pinyin is slow)
    warnings: list[Problem] = field(default_factory=list, compare=False)  # why a cache was discarded

    @classmethod
    def load(cls, path: Path) -> "BuildCache":
        """The cache at ``path``; an empty one (with a warning if a file was there) if it can't be trusted.
        Outputs a build was about to write or delete when it stopped (see :func:`mark_pending`) get
        the key :data:`UNKNOWN`: made again if still wanted, deleted if not."""
        try:
            pending = read_pending(path)
            record = read_signed_json(path)
            record = _fields(record, ("format", "version", "issues", "outputs", "fonts_checked", "county_names"))
        except FileNotFoundError:
            return cls()
        except (OSError, Damaged):
            return cls(warnings=[_discarded(path)] if _key_kept else [])
        try:
            _version_ok(record)
        except Damaged:
            return cls()  # written by another liandong version: simply outdated
        try:
            return cls(
                issues={_text(digest): issue_from_json(issue) for digest, issue in _need(record["issues"], dict).items()},
                outputs={**{_text(dest): _text(key) for dest, key in _need(record["outputs"], dict).items()},
                         **dict.fromkeys(pending, UNKNOWN)},
                fonts_checked=set(_texts(record["fonts_checked"])),
                county_names=_county_names(_need(record["county_names"], dict)),
            )
        except (Damaged, ValueError, TypeError):
            return cls(warnings=[_discarded(path)])

    def save(self, path: Path, prepared: PreparedCache | None = None) -> list[Problem]:
        """Written after the output is in place, atomically; returns a warning if it could not be.

        ``prepared`` is this same cache already written aside (:meth:`prepare`): it is only moved
        into place. Another cache's is deleted, and this one written."""
        try:
            if prepared is not None and prepared.cache == self:
                os.replace(prepared.temporary, path)
            else:
                write_signed(path, orjson.dumps(self.record()))
            path.with_suffix(".pending").unlink(missing_ok=True)  # the cache now says what is live
        except OSError as exc:
            self.forget(path)
            return [Problem(Location(_shown(path)), f"无法写入构建缓存（{_reason(exc)}）；本次输出不受影响，"
                                                    "下次构建将全部重做", is_error=False)]
        finally:
            if prepared is not None:
                prepared.discard()
        return []

    def prepare(self, path: Path) -> PreparedCache | None:
        """This cache written next to ``path`` under a temporary name, ready for :meth:`save` once
        the output it describes is in place; None if it could not be written (save then writes it).

        Why: for 1000 issues the file is 23 MB and took 0.08–0.13 s to write at the very end of a
        cold build, with both cores idle; prepared while the pages render (liandong.page_pool),
        it shares the cores with them instead."""
        try:
            return PreparedCache(self, write_signed_aside(path, orjson.dumps(self.record())))
        except OSError:
            return None

    def record(self) -> dict:
        return {
            "format": CACHE_FORMAT, "version": __version__,
            "issues": {digest: issue_to_json(issue) for digest, issue in self.issues.items()},
            "outputs": self.outputs, "fonts_checked": sorted(self.fonts_checked),
            "county_names": {name: [list(entry.sort_key), entry.slug] for name, entry in self.county_names.items()},
        }

    def forget(self, path: Path) -> None:
        """Drop the cache file: used before an output folder is replaced by a failed/partial state."""
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass

    def outdated(self, keys: dict[str, str], out_dir: Path) -> list[str]:
        """Outputs whose key changed, or that are missing from out_dir."""
        return [dest for dest, key in keys.items()
                if self.outputs.get(dest) != key or not (out_dir / dest).is_file()]

    def stale(self, keys: dict[str, str]) -> list[str]:
        """Outputs of the previous build that this build no longer makes."""
        return sorted(set(self.outputs) - set(keys))


UNKNOWN = ""  # the key of an output whose state the cache cannot vouch for: no real key equals it


def mark_pending(path: Path, dests: list[str]) -> None:
    """Called before build/ is exchanged for a tree in which ``dests`` changed: until the cache is
    saved again, it no longer vouches for them. Without this, a build killed between an exchange
    and the cache save, followed by an edit that puts a source back as it was, would find the old
    keys matching and keep the newer files: stale output. A few bytes, not the whole cache."""
    write_signed(path.with_suffix(".pending"), orjson.dumps(sorted(read_pending(path) | set(dests))))


def read_pending(path: Path) -> set[str]:
    """The outputs :func:`mark_pending` listed for the cache at ``path``; Damaged if that list
    cannot be trusted (the whole cache is then discarded)."""
    try:
        return set(_texts(read_signed_json(path.with_suffix(".pending"))))
    except FileNotFoundError:
        return set()


def _county_names(value: dict) -> dict:
    from liandong.reader import CountyName

    names = {}
    for name, entry in value.items():
        sort_key, slug = _need(entry, list) if len(_need(entry, list)) == 2 else _need(None, list)
        names[_text(name)] = CountyName(_texts(sort_key), _text(slug))
    return names


def _discarded(path: Path) -> Problem:
    return Problem(Location(_shown(path)), "构建缓存已损坏或不是本机生成的，已丢弃并重新生成（不影响输出）", is_error=False)


def _shown(path: Path) -> Path:
    """The cache file as ``.liandong-cache/<name>``: its folder is what an editor recognises."""
    return Path(CACHE_DIR) / path.name


def _reason(exc: OSError) -> str:
    import errno

    return {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
            errno.EROFS: "磁盘只读", errno.EPERM: "没有写入权限"}.get(exc.errno, "写入失败")

