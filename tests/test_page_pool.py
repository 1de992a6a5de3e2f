"""Pages rendered on all cores (liandong.page_pool) are the pages a serial build writes, and a
template error in a worker is reported like one in the main process.

Each build runs in a fresh interpreter: the pool forks only from a process with no other thread,
and a test process that has run browser or server tests keeps threads (it would skip, not test)."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

from conftest import copy_site

from liandong.config import load_config
from liandong.reader import load_archive

# Builds ``argv[1]`` with the pool used from ``argv[2]`` pages on, and prints what happened.
DRIVER = """
import json, sys
from pathlib import Path
from liandong import page_pool
from liandong.build import build
from liandong.errors import LiandongError

page_pool.PARALLEL_PAGES_FROM = int(sys.argv[2])
calls = []
original = page_pool.write_pages
def counted(render, pages, *rest):
    calls.append(len(pages))
    return original(render, pages, *rest)
page_pool.write_pages = counted
try:
    report = build(Path(sys.argv[1]), pdf=False, search=False)
    print(json.dumps({"pages": report.pages, "calls": calls}))
except LiandongError as error:
    print(json.dumps({"error": str(error), "calls": calls}))
"""


def build_in_fresh_process(site: Path, pool_from: int) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(site), str(pool_from)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pages_from_the_pool_are_the_serial_pages(tmp_path):
    serial, pooled = copy_site(tmp_path / "serial"), copy_site(tmp_path / "pooled")
    assert build_in_fresh_process(serial, 10**9)["calls"] == []  # the pool was not used
    report = build_in_fresh_process(pooled, 1)
    assert report["calls"] and report["calls"][0] == report["pages"]  # every page went through the pool
    assert tree(serial / "build") == tree(pooled / "build")
    assert not filecmp.dircmp(serial / "build", pooled / "build").diff_files


def test_template_error_in_a_worker_names_the_template(tmp_path):
    """The first page of each template is rendered before the fork (its compiled template is
    inherited), so the error is made to come from a later page, in a worker."""
    site = copy_site(tmp_path / "site")
    (site / "templates").mkdir(exist_ok=True)
    first = load_archive(load_config(site))[0].counties[0].name
    (site / "templates" / "county.html").write_text('{% extends "base.html" %}\n{% block main %}\n'
                                                   f'{{% if county.name != "{first}" %}}{{{{ county.nosuch.x }}}}{{% endif %}}\n'
                                                   '{% endblock %}\n', encoding="utf-8")
    result = build_in_fresh_process(site, 1)
    assert "county.html:3" in result["error"] and "未定义" in result["error"]
    assert result["calls"]  # the error came from the pool
    assert not (site / "build").exists()  # nothing half-written is left in place
