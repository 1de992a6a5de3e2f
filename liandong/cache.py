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
CACHE_FORMAT = 2  # bump whenever BuildCache or the cached model classes change shape


def cache_path(site_dir: Path, out_dir: Path) -> Path:
    """One cache per output folder, named after the folder's absolute path."""
    name = hashlib.blake2b(str(out_dir.resolve()).encode(), digest_size=8).hexdigest()
    return site_dir / CACHE_DIR / f"{name}.pickle"


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
