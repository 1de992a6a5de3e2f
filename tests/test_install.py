"""An office's first day, as issue 12 describes it: build the wheel, install it into a fresh venv
outside the repository, ``liandong init``, build (PDFs and search), publish (modes, read by another
user), override one template, rebuild.

Slow (a wheel, a venv and a pip install from the package index or pip's cache: about a minute),
so marked ``slow``; CI runs it like every other test.
"""

from __future__ import annotations

import email
import functools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

import liandong
from conftest import REPO, QuietHandler, need_tool, open_page

pytestmark = pytest.mark.slow

# What only the tests, the search-recall measurement or the build need: none of it may come with
# the wheel.
NOT_RUNTIME = {"pytest", "pypdf", "hypothesis", "playwright", "html5lib", "hatchling", "pagefind", "setuptools",
               "opencc", "python-docx"}
ARTICLE = """
# 某某县：开办代表夜校 提升履职能力

某某县人大常委会在各乡镇开办代表夜校，每月一次，请老代表讲怎样写建议。

## 一、办在代表家门口

夜校设在乡镇代表联络站。
"""


def run(*command, cwd: Path, umask: int = 0o022, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True,
                            env={**env, "PYTHONIOENCODING": "utf-8"}, preexec_fn=lambda: os.umask(umask),
                            stdin=subprocess.DEVNULL, **kwargs)
    if check:
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def scratch():
    """A folder under /tmp that every user can enter (pytest's own tmp folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="liandong-install-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def wheel(scratch) -> Path:
    """The wheel, built from a copy of the sources, the way pip builds it for ``pip install .``."""
    source = scratch / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".tools", "build", ".liandong-cache", "__pycache__", ".pytest_cache", "bench"))
    dist = scratch / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, ".", cwd=source)
    # The build backend writes nothing into the source tree: no build/ (which liandong build would
    # publish with the site) and no egg-info.
    assert not (source / "build").exists()
    assert not list(source.glob("*.egg-info"))
    (built,) = dist.glob("liandong-*.whl")
    return built


def installed_packages(env_dir: Path) -> set[str]:
    listed = run(env_dir / "bin/python", "-m", "pip", "list", "--format", "json", "--disable-pip-version-check",
                 cwd=env_dir).stdout
    return {package["name"].lower().replace("_", "-") for package in json.loads(listed)}


@pytest.fixture(scope="module")
def venv(scratch, wheel) -> tuple[Path, set[str]]:
    """A fresh virtual environment with nothing but the wheel, and what installing it added."""
    env_dir = scratch / "venv"
    run(sys.executable, "-m", "venv", env_dir, cwd=scratch)
    empty = installed_packages(env_dir)  # pip (and setuptools on older Pythons) come with any venv
    run(env_dir / "bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=scratch)
    return env_dir, installed_packages(env_dir) - empty


def test_the_wheel_carries_the_theme_the_license_and_only_runtime_dependencies(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        theme = {path.relative_to(REPO / "templates").as_posix(): path.read_bytes()
                 for path in (REPO / "templates").rglob("*") if path.is_file()}
        assert {"base.html", "print/print.css", "static/style.css", "static/search.js"} <= set(theme)
        for relative, data in theme.items():  # the repository's templates/ is the single source
            assert archive.read(f"liandong/theme/{relative}") == data, relative
        dist_info = f"liandong-{liandong.__version__}.dist-info"
        assert "MIT License" in archive.read(f"{dist_info}/licenses/LICENSE").decode()
        metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
    assert metadata["Version"] == liandong.__version__
    assert metadata["License-Expression"] == "MIT"
    assert not any(name.startswith(("tests/", "bench/", "content/", "templates/")) for name in names)
    unconditional = {requirement.split(";")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
                     for requirement in metadata.get_all("Requires-Dist") if "extra ==" not in requirement}
    assert "weasyprint" in unconditional and "pagefind-bin-extended" not in unconditional
    assert not {name.split("[")[0] for name in unconditional} & NOT_RUNTIME


def test_installing_the_wheel_pulls_only_runtime_dependencies(venv):
    venv, installed = venv
    assert {"liandong", "weasyprint", "pypinyin"} <= installed
    assert not installed & NOT_RUNTIME, installed & NOT_RUNTIME
    version = run(venv / "bin/liandong", "--version", cwd=venv).stdout.strip()
    assert version == f"liandong {liandong.__version__}"
    where = run(venv / "bin/python", "-c", "import liandong; print(liandong.__file__)", cwd=venv).stdout
    assert where.startswith(str(venv))  # the installed copy, not the repository


def test_a_new_office_starts_builds_publishes_and_restyles_its_bulletin(venv, scratch, browser):
    venv, _ = venv
    liandong_cmd = venv / "bin/liandong"
    result = run(liandong_cmd, "init", "我的简报", "--date", "2025-03-02", cwd=scratch)
    assert "已新建简报《我的简报》" in result.stdout
    site = scratch / "我的简报"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == \
        [".gitignore", "content/2025/01.md", "site.yaml"]
    issue = site / "content/2025/01.md"
    front, _ = issue.read_text(encoding="utf-8").rsplit("---\n", 1)
    # Before any issue is ready the site builds, empty: init's first issue is a draft, never published.
    result = run(liandong_cmd, "build", cwd=site)
    assert "共 0 期" in result.stdout and not (site / "build/2025").exists()
    # The editor writes the issue and marks it ready by deleting its "draft: true" line.
    front = "".join(line for line in front.splitlines(keepends=True) if not line.startswith("draft:"))
    issue.write_text(front.replace("待填写县区", "某某县") + "---\n" + ARTICLE, encoding="utf-8")

    result = run(liandong_cmd, "build", cwd=site)
    assert "共 1 期" in result.stdout and "2 个 PDF" in result.stdout
    out = site / "build"
    pdf = out / "2025/01/wodejianbao-2025-01.pdf"  # slug: the title in pinyin
    assert (out / "2025/wodejianbao-2025-volume.pdf").is_file()
    need_tool(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    text = run("pdftotext", "-layout", pdf, "-", cwd=site).stdout.replace(" ", "")
    assert "我的简报" in text and "开办代表夜校" in text
    assert 'download="我的简报2025年第1期.pdf"' in (out / "2025/01/index.html").read_text(encoding="utf-8")

    # Publishable: folders 0755 and files 0644 under umask 022, the whole tree readable by nobody.
    for path in [out, *out.rglob("*")]:
        expected = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        need_tool(runuser is not None, "runuser (util-linux)")
        # As nobody: walk every folder and read every byte of every file.
        read = run(runuser, "-u", "nobody", "--", "sh", "-c", 'find "$1" -type f -exec cat {} + | wc -c', "sh", out,
                   cwd=scratch, check=False)
        assert read.returncode == 0 and not read.stderr, read.stderr
        assert int(read.stdout) == sum(path.stat().st_size for path in out.rglob("*") if path.is_file())

    # Search works in a browser, served over HTTP as a web server would.
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page, _ = open_page(browser, f"http://127.0.0.1:{httpd.server_address[1]}/search/index.html?q=代表夜校", 1280)
        page.wait_for_selector("#search-form[data-ready]")
        hits = page.eval_on_selector_all("#search-results .search-result-title a", "links => links.map(a => a.href)")
        assert [href.split("/", 3)[3] for href in hits] == ["2025/01/index.html#article-1"]
        page.context.close()
    finally:
        httpd.shutdown()

    # One template overridden in the site's own templates/: the rest still comes from the theme.
    theme = Path(run(venv / "bin/python", "-c", "import liandong.templates as t; print(t.THEME_DIR)",
                     cwd=site).stdout.strip())
    assert theme.is_relative_to(venv)
    home = (theme / "home.html").read_text(encoding="utf-8")
    assert "{% block main %}" in home
    (site / "templates").mkdir()
    (site / "templates/home.html").write_text(
        home.replace("{% block main %}", "{% block main %}<p id=\"office-note\">本站由某某县人大维护</p>", 1),
        encoding="utf-8")
    run(liandong_cmd, "build", cwd=site)
    assert 'id="office-note"' in (out / "index.html").read_text(encoding="utf-8")
    assert "office-note" not in (out / "2025/01/index.html").read_text(encoding="utf-8")
    assert (out / "static/style.css").read_bytes() == (theme / "static/style.css").read_bytes()
    for path in [out, *out.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path

    # Taking the override away brings the theme's page back.
    shutil.rmtree(site / "templates")
    run(liandong_cmd, "build", cwd=site)
    assert "office-note" not in (out / "index.html").read_text(encoding="utf-8")
