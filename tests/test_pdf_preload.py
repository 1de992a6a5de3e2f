"""PDF workers start with WeasyPrint already loaded: their fork server imports it once, before it
forks any of them (liandong.fork_server), and the build's own process never does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import copy_site

SCRIPT = textwrap.dedent('''
    import json
    import sys


    def modules_at_job_start():
        return sorted(name for name in ("weasyprint", "liandong.pipeline") if name in sys.modules)


    if __name__ == "__main__":
        from liandong import fork_server, pdf

        if sys.argv[1] == "early":
            fork_server.ensure_running()
        pool = pdf.process_pool(2)
        seen = [pool.submit(modules_at_job_start).result() for _ in range(4)]
        pool.shutdown()
        print(json.dumps({"workers": seen, "main": "weasyprint" in sys.modules}))
''')


def run(tmp_path: Path, mode: str) -> dict:
    script = tmp_path / "pool_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_workers_started_early_find_weasyprint_loaded(tmp_path):
    seen = run(tmp_path, "early")
    assert seen["workers"] == [["liandong.pipeline", "weasyprint"]] * 4
    assert seen["main"] is False


def test_a_pool_started_without_the_early_call_preloads_too(tmp_path):
    """serve makes its pool directly: the server it starts imports the same modules."""
    seen = run(tmp_path, "pool")
    assert seen["workers"] == [["liandong.pipeline", "weasyprint"]] * 4
    assert seen["main"] is False


def test_modules_in_the_site_folder_are_never_imported(tmp_path):
    """Editors run liandong inside the site folder, and a site folder can hold any file: a module
    there named like one the PDF workers import must not run (the fork server imports WeasyPrint
    before it takes on the build's import path)."""
    site = copy_site(tmp_path / "site")
    for issue in sorted((site / "content").glob("*/*.md"))[1:]:  # one issue is enough to start the workers
        issue.unlink()
    marker = tmp_path / "imported-from-the-site"
    code = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("weasyprint", "pydyf", "jieba", "jinja2", "fontTools"):
        (site / f"{name}.py").write_text(code, encoding="utf-8")
    (site / "liandong").mkdir()
    (site / "liandong" / "__init__.py").write_text(code, encoding="utf-8")
    script = Path(sys.executable).with_name("liandong")
    command = [str(script)] if script.exists() else [sys.executable, "-P", "-m", "liandong"]
    done = subprocess.run([*command, "build"], cwd=site, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), marker.read_text()
    assert list((site / "build").rglob("*.pdf"))


def left_in(tmpdir: Path) -> list[str]:
    """Folders a build left in its temporary folder (jieba keeps a cache file there on purpose)."""
    return sorted(p.name for p in tmpdir.iterdir() if p.is_dir())


def test_pdf_workers_leave_no_font_folders_behind(tmp_path):
    """WeasyPrint copies each @font-face font into a temporary folder that only a finalizer of its
    own removes, which a worker process never runs: every build used to leave a folder per PDF
    worker in /tmp (0.4–8 MB each)."""
    site = copy_site(tmp_path / "site")
    for issue in sorted((site / "content").glob("*/*.md"))[1:]:
        issue.unlink()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = subprocess.run([sys.executable, "-m", "liandong", "build", "-j", "2"], cwd=site, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300,
                          env={**os.environ, "TMPDIR": str(tmpdir), "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    assert len(list((site / "build").rglob("*.pdf"))) == 2  # the issue and its year's volume, on two workers
    assert left_in(tmpdir) == []
