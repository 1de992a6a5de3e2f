"""Helper of bench/run.py for measure (f): liandong's search-index step alone, on a whole archive.

    python bench/search_step.py SITE OUT.json            # cold: every year indexed
    python bench/search_step.py SITE OUT.json --edit     # one edited issue, the rest cached
    python bench/search_step.py SITE OUT.json --edit 2013/05

Loads the site and its archive (not timed). Cold: drops the cached indexes (.liandong-cache/search/)
and times ``liandong.search.search_outputs(archive, config)``: collecting one record per article,
making each year's character index and keeping its files. ``--edit``: indexes everything first (not
timed), then changes one sentence of one issue (default: the newest), reads the archive again (not
timed: a build reads it anyway) and times ``search_outputs`` again; the issue file is restored
afterwards. Besides wall time it reports the CPU time of this process and of every child (none since the
index is made in Python; Pagefind's binary was one until 2026-11) from getrusage, the peak RSS,
and which index files changed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (if any)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_step(archive, config) -> tuple[dict, dict, dict]:
    from liandong.search import search_outputs

    cpu, wall = cpu_seconds(), time.perf_counter()
    keys, files = search_outputs(archive, config)
    figures = {"seconds": time.perf_counter() - wall, "cpu_s": cpu_seconds() - cpu}
    return figures, keys, files


def edited(site: Path, which: str | None, archive) -> Path:
    """The issue file to edit: ``YEAR/NN`` or the newest issue."""
    issue = archive.issues[0]
    if which:
        year, number = which.split("/")
        issue = next(i for i in archive.issues if i.year == int(year) and i.number == int(number))
    return site / "content" / str(issue.year) / f"{issue.number:02d}.md"


def measure(site: Path, out: Path) -> None:
    """The timed part, in a process of its own so that getrusage sees only this step."""
    from liandong.config import load_config
    from liandong.reader import load_archive

    config = load_config(site)
    archive, _ = load_archive(config)
    figures, keys, files = timed_step(archive, config)
    size = sum(len(data) if isinstance(data, bytes) else data.stat().st_size for data in files.values())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.write_text(json.dumps({**figures, "files": len(files), "mb": size / 1e6,
                               "records": sum(len(i.articles) for i in archive.issues),
                               "peak_rss_children_mb": children.ru_maxrss / 1024,
                               "peak_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                               "keys": keys}))


def measured(site: Path, out: Path) -> dict:
    subprocess.run([sys.executable, __file__, str(site), str(out), "--measure"], check=True)
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--edit", nargs="?", const="", default=None, metavar="YEAR/NN",
                        help="time the step after editing one issue (default: the newest)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    site = args.site.resolve()
    if args.measure:
        measure(site, args.out)
        return 0

    from liandong.cache import CACHE_DIR
    from liandong.config import load_config
    from liandong.reader import load_archive
    from liandong.search import search_outputs

    if args.edit is None:
        shutil.rmtree(site / CACHE_DIR / "search", ignore_errors=True)
        result = {"mode": "cold", **measured(site, args.out)}
    else:
        config = load_config(site)
        archive, _ = load_archive(config)
        before, _ = search_outputs(archive, config)  # everything indexed and cached (not timed)
        path = edited(site, args.edit, archive)
        original = path.read_bytes()
        head, _, body = original.decode("utf-8").partition("\n# ")
        try:
            path.write_text(head + "\n# " + body.replace("。", "。编辑部补记一句。", 1), encoding="utf-8")
            result = {"mode": "edit", "edited": str(path.relative_to(site)), **measured(site, args.out)}
        finally:
            path.write_bytes(original)
        changed = sorted(dest for dest, key in result["keys"].items() if before.get(dest) != key)
        result.update({"changed_files": len(changed),
                       "changed_folders": sorted({"/".join(dest.split("/")[:2]) for dest in changed})})
    result.pop("keys")
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
