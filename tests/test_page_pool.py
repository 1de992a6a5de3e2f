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

from liandong.cache import CACHE_DIR, BuildCache
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
    # the pooled build wrote its cache aside while the pages rendered (BuildCache.prepare): the
    # same cache as the serial build's, and no temporary file left
    assert cache_record(pooled) == cache_record(serial)
    assert not list((pooled / CACHE_DIR).glob("*.tmp"))


def cache_record(site: Path) -> dict:
    [file] = [f for f in (site / CACHE_DIR).glob("*.json") if not f.name.startswith(".")]
    record = BuildCache.load(file).record()
    assert record["issues"] and record["outputs"]
    for issue in record["issues"].values():
        issue["path"] = Path(issue["path"]).relative_to(site).as_posix()  # the two sites' folders differ
    return record


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
    assert not list((site / CACHE_DIR).glob("*.tmp"))  # nor the cache written aside meanwhile


def test_a_cache_written_aside_is_moved_into_place_only_if_it_is_the_one_saved(tmp_path):
    site = copy_site(tmp_path / "site")
    archive, _ = load_archive(load_config(site))
    issues = {issue.digest: issue for issue in archive.issues}
    path = tmp_path / "cache" / "build.json"
    plain = BuildCache(issues, {"index.html": "k1"})
    plain.save(path)
    expected = path.read_bytes()
    path.unlink()

    prepared = BuildCache(issues, {"index.html": "k1"}).prepare(path)
    assert prepared is not None and prepared.temporary.is_file() and not path.exists()
    assert BuildCache(issues, {"index.html": "k1"}).save(path, prepared) == []
    assert path.read_bytes() == expected and not prepared.temporary.exists()

    outdated = BuildCache(issues, {"index.html": "k0"}).prepare(path)  # the build went otherwise
    assert BuildCache(issues, {"index.html": "k1"}).save(path, outdated) == []
    assert path.read_bytes() == expected and not outdated.temporary.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["build.json"]


def test_template_syntax_error_names_the_template_and_line(tmp_path):
    """The templates are loaded before the fork; one that cannot be (a syntax error) is reported as
    a serial build reports it, file and line, and nothing is published."""
    site = copy_site(tmp_path / "site")
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "county.html").write_text('{% extends "base.html" %}\n{% block main %}\n'
                                                   '{% if county.name %}{{ county.name }}\n'
                                                   '{% endblock %}\n', encoding="utf-8")
    result = build_in_fresh_process(site, 1)
    assert "county.html:4" in result["error"] and "模板语法错误" in result["error"], result
    assert not (site / "build").exists()
