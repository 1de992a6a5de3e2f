"""A build where nothing changed imports none of the stages: it stats the sources, finds the
input stamp of the last complete build unchanged and stops (liandong.build). Importing Jinja,
the Markdown and YAML parsers and WeasyPrint cost more than the check itself, so this guards the
no-op build's speed against an import creeping back in at module level."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from liandong.build import build

PROBE = """
import sys
from liandong.cli import main
try:
    main(["build", *sys.argv[1:]], prog_name="liandong")
except SystemExit as exit:
    print("EXIT", exit.code)
print("IMPORTED", " ".join(sorted(sys.modules)))
"""
STAGES = {"weasyprint", "jinja2", "markdown_it", "yaml", "mdit_py_plugins", "pypdf", "jieba", "dask",
          "distributed", "fontTools", "pikepdf", "pypinyin", "liandong.pipeline", "liandong.templates",
          "liandong.reader", "liandong.pdf", "liandong.search"}


def imported(site: Path, *options: str) -> tuple[set[str], str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *options], cwd=site, capture_output=True, text=True,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=600)
    assert "EXIT 0" in result.stdout or "EXIT None" in result.stdout, result.stdout + result.stderr
    names = result.stdout.split("IMPORTED ", 1)[1].split()
    return {name for name in names if name in STAGES or name.split(".")[0] in STAGES}, result.stdout


def test_noop_build_with_pdfs_imports_no_stage(site):
    build(site)  # PDFs, volumes and the search index, as `liandong build` makes them
    stages, output = imported(site, "-j", "2")
    assert "没有变化，未写入任何文件" in output
    assert stages == set(), f"a no-op build imported {sorted(stages)}"
    assert imported(site, "--no-pdf")[0] != set()  # other options: not the same build, so not a no-op


def test_the_probe_sees_the_stages_of_a_build_with_work(site):
    """The check above can fail: once a source changes, the same probe finds the stages loaded."""
    build(site, pdf=False, search=False)
    path = site / "content/2025/13.md"
    path.write_text(path.read_text(encoding="utf-8").replace("群众扫码即可", "群众用手机扫码即可"), encoding="utf-8")
    stages, output = imported(site, "--no-pdf", "--no-search")
    assert {"jinja2", "yaml", "markdown_it", "liandong.pipeline", "liandong.templates"} <= stages, stages
    assert "写入" in output
