"""What the previous build made, so the next one redoes only what changed.

Kept beside the site, not in the output (``.liandong-cache/``), so build/ holds nothing but the
published files and stays byte-identical across machines. There is one cache file per output
folder. It holds the parsed issues (by digest of their source), the key each output was made
from, and the font checks that passed. A cache that cannot be read is ignored: the build is then
simply complete; an output missing from disk is always remade.

Keys are digests of everything an output depends on (its page's ``deps``, the templates, site.yaml
and the liandong version), so a stale output can only survive if its inputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from liandong import __version__
from liandong.model import Issue

CACHE_DIR = ".liandong-cache"
CACHE_FORMAT = 3  # bump whenever BuildCache or the cached model classes change shape
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")


def cache_path(site_dir: Path, out_dir: Path) -> Path:
    """One cache per output folder, named after the folder's absolute path."""
    name = hashlib.blake2b(str(out_dir.resolve()).encode(), digest_size=8).hexdigest()
    return site_dir / CACHE_DIR / f"{name}.pickle"


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
    from liandong.templates import THEME_DIR  # the default theme is an input too (site templates override it)

    for root in (site_dir / "site.yaml", site_dir / "content", site_dir / "templates", THEME_DIR):
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(entries).encode(), digest_size=16).hexdigest()


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
            with open(path.with_suffix(".stamp"), "rb") as stream:
                stamp = pickle.load(stream)
        except Exception:  # noqa: BLE001 — no stamp only means no shortcut
            return None
        return stamp if isinstance(stamp, cls) else None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.stamp-tmp")
        temporary.write_bytes(pickle.dumps(self))
        os.replace(temporary, path.with_suffix(".stamp"))

    @staticmethod
    def clear(path: Path) -> None:
        """Called before a build changes anything: a half-finished build must never look complete."""
        path.with_suffix(".stamp").unlink(missing_ok=True)


@dataclass
class BuildCache:
    issues: dict[str, Issue] = field(default_factory=dict)  # digest → parsed issue
    outputs: dict[str, str] = field(default_factory=dict)  # dest under build/ → key it was made from
    fonts_checked: set[str] = field(default_factory=set)  # font-check keys that passed
    county_names: dict = field(default_factory=dict)  # county name → reader.CountyName (pinyin is slow)

    @classmethod
    def load(cls, path: Path) -> "BuildCache":
        try:
            with open(path, "rb") as stream:
                version, cache = pickle.load(stream)
        except Exception:  # noqa: BLE001 — a missing, old or damaged cache only costs a full build
            return cls()
        return cache if version == (__version__, CACHE_FORMAT) and isinstance(cache, cls) else cls()

    def save(self, path: Path) -> None:
        """Written after the output is in place; written atomically so a crash leaves the old one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as stream:  # streamed: no second in-memory copy of a large cache
            pickle.dump(((__version__, CACHE_FORMAT), self), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)

    def forget(self, path: Path) -> None:
        """Drop the cache file: used before an output folder is replaced by a failed/partial state."""
        path.unlink(missing_ok=True)

    def outdated(self, keys: dict[str, str], out_dir: Path) -> list[str]:
        """Outputs whose key changed, or that are missing from out_dir."""
        return [dest for dest, key in keys.items()
                if self.outputs.get(dest) != key or not (out_dir / dest).is_file()]

    def stale(self, keys: dict[str, str]) -> list[str]:
        """Outputs of the previous build that this build no longer makes."""
        return sorted(set(self.outputs) - set(keys))
