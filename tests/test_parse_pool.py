"""Issues parsed on all cores (liandong.reader.parse_all) are the issues a serial read gives, in the
same order, with the same problems: shared file by file with forked workers (liandong.parse_share),
or, beside threads, with fork-server workers given the files with markup while the main process
parses the plain prose.

Each read runs in a fresh interpreter: the parse forks only from a process with no other thread
(beside threads it starts its workers with forkserver, tested here too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

# Reads the site ``argv[1]`` with the workers used from ``argv[2]`` files on, whatever their size
# (beside a running thread if ``argv[3]`` is "thread"), and prints every issue as the cache stores
# it, and how the parse was shared ("fork": liandong.parse_share; "forkserver": a pool).
DRIVER = """
import json, sys, threading
from pathlib import Path
from liandong import reader
from liandong.cache import issue_to_json, problem_to_json
from liandong.config import load_config

reader.PARALLEL_PARSE_FROM = int(sys.argv[2])
reader.PARALLEL_PARSE_BYTES = 0
if sys.argv[3] == "thread":
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
pools = []
original = reader._pool
def counted(workers, method):
    pools.append(method)
    return original(workers, method)
reader._pool = counted
from liandong import parse_share
shared = parse_share.parse_shared
def counted_shared(*args):
    pools.append("fork")
    return shared(*args)
parse_share.parse_shared = counted_shared
archive, problems = reader.load_archive(load_config(Path(sys.argv[1])))
print(json.dumps({"issues": [issue_to_json(issue) for issue in archive.issues],
                  "problems": [problem_to_json(p) for p in problems], "pools": pools}, ensure_ascii=False))
"""


def read_in_fresh_process(site: Path, pool_from: int, thread: bool = False) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(site), str(pool_from), "thread" if thread else "-"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


MARKUP = "\n\n**编者按：**本文有强调、列表和脚注[^1]。\n\n- 第一项\n- 第二项\n\n[^1]: 注释。\n"
BROKEN = "\n\n| 表 | 格 |\n|---|---|\n" + "| 1 | 2 |\n" * 201  # past the table limit: an error


def mixed_site(root: Path) -> Path:
    """Twelve generated issues: some plain prose, some with markup, an error in one of each."""
    files = generate(root, 12, seed=3)
    for index, path in enumerate(files):
        if index % 3 == 1:
            path.write_text(path.read_text(encoding="utf-8") + MARKUP, encoding="utf-8")
    files[0].write_text(files[0].read_text(encoding="utf-8").replace("issue: 1\n", "issue: 7\n", 1), encoding="utf-8")
    files[10].write_text(files[10].read_text(encoding="utf-8") + BROKEN, encoding="utf-8")
    return root


def test_issues_from_the_pool_are_the_serial_issues(tmp_path):
    site = mixed_site(tmp_path / "site")
    serial = read_in_fresh_process(site, 10**9)
    assert serial["pools"] == []
    assert len(serial["issues"]) == 10
    assert [p[2][:4] for p in serial["problems"] if p[3]] == ["期号 7", "表格超过"]  # in file order
    assert any("<strong>编者按：</strong>" in a["html"] for i in serial["issues"] for a in i["articles"])
    for thread in (False, True):
        pooled = read_in_fresh_process(site, 2, thread)
        assert pooled["pools"] == (["forkserver"] if thread else ["fork"])
        assert pooled["issues"] == serial["issues"]
        assert pooled["problems"] == serial["problems"]


def test_plain_prose_is_shared_with_forked_workers_but_not_with_the_fork_server(tmp_path):
    """Forked workers find the files in their memory and send back issues as they go; a fork-server
    worker would have each file pickled to it and its issue back, as long as parsing it takes."""
    site = tmp_path / "site"
    generate(site, 12, seed=3)
    serial = read_in_fresh_process(site, 10**9)
    shared = read_in_fresh_process(site, 2)
    assert shared["pools"] == ["fork"]
    assert shared["issues"] == serial["issues"]
    assert read_in_fresh_process(site, 2, thread=True)["pools"] == []


def test_a_small_archive_is_parsed_in_the_main_process(tmp_path):
    """Under PARALLEL_PARSE_BYTES (about 0.04 s of parsing) a fork costs more than it saves."""
    site = tmp_path / "site"
    generate(site, 12, seed=3)
    driver = DRIVER.replace("reader.PARALLEL_PARSE_BYTES = 0\n", "")
    done = subprocess.run([sys.executable, "-c", driver, str(site), "2", "-"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["pools"] == []
