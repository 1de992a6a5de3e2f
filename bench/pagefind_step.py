"""Helper of bench/run.py for measure (f): liandong's Pagefind step alone, on a whole archive.

    python bench/pagefind_step.py SITE OUT.json

Loads the site and its archive (not timed), drops the cached index (.liandong-cache/search/), then
times ``liandong.search.search_outputs(archive, config)``: collecting one record per article,
running the Pagefind binary and keeping its files.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path


def main() -> int:
    from liandong.cache import CACHE_DIR
    from liandong.config import load_config
    from liandong.reader import load_archive
    from liandong.search import search_outputs

    site, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    config = load_config(site)
    archive, _ = load_archive(config)
    shutil.rmtree(site / CACHE_DIR / "search", ignore_errors=True)
    started = time.perf_counter()
    keys, files = search_outputs(archive, config)
    seconds = time.perf_counter() - started
    size = sum(path.stat().st_size for path in files.values())
    out.write_text(json.dumps({"seconds": seconds, "files": len(files), "mb": size / 1e6,
                               "records": sum(len(i.articles) for i in archive.issues)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
