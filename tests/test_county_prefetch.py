"""A cold build names its counties (pinyin) in a forked process while the archive parses
(liandong.county_prefetch): the counties, their order and their addresses are those the main
process works out alone, whatever the front matter looks like, and the main process never
imports pypinyin when the prefetch saw every county."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from liandong.county_prefetch import declared_counties

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

# Reads the site argv[1] (prefetch on unless argv[2] == "off") and prints its counties and
# whether this process imported pypinyin.
DRIVER = """
import json, sys
from pathlib import Path
from liandong import county_prefetch, reader
from liandong.config import load_config

if sys.argv[2] == "off":
    county_prefetch.start = lambda pending, known: None
archive, problems = reader.load_archive(load_config(Path(sys.argv[1])), county_names={})
print(json.dumps({"counties": [[c.name, c.slug, len(c.entries)] for c in archive.counties],
                  "errors": [str(p) for p in problems if p.is_error],
                  "pypinyin_here": "pypinyin" in sys.modules}, ensure_ascii=False))
"""


def read_counties(site: Path, prefetch: str) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(site), prefetch], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def odd_front_matter(files: list[Path]) -> None:
    """County lines written the ways YAML allows and a guess may misread: quoted, with a comment,
    in a flow mapping, with an escape, with CRLF line ends and a BOM, and a name the guess would
    take for another (a trailing '# …' that YAML drops)."""
    rewrites = [
        lambda t: t.replace("  - county: ", "  - county: '", 1).replace("\n    contributor", "'\n    contributor", 1),
        lambda t: t.replace("\n    contributor", "  # 注释\n    contributor", 1),
        lambda t: t.replace("  - county: ", '  - county: "\\u5b9a', 1).replace("\n    contributor", '"\n    contributor', 1),
        lambda t: "\ufeff" + t.replace("\n", "\r\n"),
        lambda t: t.replace("  - county: ", "  - {county: 平江县, contributor: 平江县人大}\n  - county: ", 1)
                   .replace("\n---\n\n# ", "\n---\n\n# 平江县的一篇\n\n正文。\n\n# ", 1),
    ]
    for path, rewrite in zip(files, rewrites):
        path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")


def test_prefetched_names_are_the_names_worked_out_alone(tmp_path):
    site = tmp_path / "site"
    files = generate(site, 60, seed=5)
    odd_front_matter(files[::7])
    alone, prefetched = read_counties(site, "off"), read_counties(site, "on")
    assert alone["errors"] == [] and len(alone["counties"]) > 20
    assert prefetched["counties"] == alone["counties"]
    assert any(name == "平江县" for name, _, _ in alone["counties"])  # the flow mapping's county is there
    assert alone["pypinyin_here"] is True
    generate(site, 60, seed=5)  # plain front matter again: the prefetch sees every county
    if (os.cpu_count() or 1) >= 2:  # on one core nothing is forked (liandong.forked)
        assert read_counties(site, "on")["pypinyin_here"] is False


def test_declared_counties_reads_plain_and_quoted_scalars():
    front = ("---\nissue: 1\narticles:\n  - county: 长沙县\n    contributor: x\n"
             "  - county: '浏阳市'\n  -   county:   \"宁乡市\"   \n---\n# 标题\n")
    assert declared_counties(front.encode()) == ["长沙县", "浏阳市", "宁乡市"]
    assert declared_counties(("\ufeff" + front.replace("\n", "\r\n")).encode()) == ["长沙县", "浏阳市", "宁乡市"]


def test_declared_counties_gives_nothing_for_what_it_cannot_read():
    assert declared_counties(b"") == []
    assert declared_counties(b"# no front matter\ncounty: x\n") == []
    assert declared_counties("---\narticles:\n  - county: 长沙县\n".encode()) == []  # never closed
    assert declared_counties("---\n  - county: 长沙县\n---\n".encode("gb18030")) == []  # not UTF-8
    assert declared_counties(b"---\n" + b"a: b\n" * 20000 + b"  - county: x\n---\n") == []  # past 64 kB


def test_the_names_worked_out_are_bounded_whatever_the_files_declare(monkeypatch):
    """Front matter may list anything: the forked process names at most MOST_NAMES counties (the
    main process names the rest, only those articles really have)."""
    from liandong import county_prefetch

    monkeypatch.setattr(county_prefetch, "MOST_NAMES", 40)
    lines = "".join(f"  - county: 县{index}\n" for index in range(3000))
    pending = [(Path(f"{n}.md"), f"---\narticles:\n{lines}---\n".encode(), "") for n in range(3)]
    names = county_prefetch.name_counties(pending)
    assert len(names) == 40 and all(name.startswith("县") for name in names)
