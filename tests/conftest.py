"""Shared fixtures: a scratch copy of the repository's sample site, and built output."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
# In CI every external tool the tests use must be present: a missing one fails instead of skipping.
REQUIRE_TOOLS = os.environ.get("CI") == "true" or os.environ.get("LIANDONG_REQUIRE_TOOLS") == "1"


def copy_site(target: Path) -> Path:
    """The sample site (site.yaml, content/, templates/) copied into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.yaml", target / "site.yaml")
    shutil.copytree(REPO / "content", target / "content")
    shutil.copytree(REPO / "templates", target / "templates")
    return target


def content_articles(site_dir: Path = REPO) -> list[dict]:
    """Every article of a site read straight from its content files, without liandong's reader:
    front matter parsed with PyYAML, the body split at "# " headings. Tests check liandong's
    output against this independent count."""
    articles = []
    for path in sorted((site_dir / "content").glob("[0-9][0-9][0-9][0-9]/*.md")):
        if path.name.startswith(("_", ".")):
            continue
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        sections = re.split(r"^# ", body, flags=re.M)[1:]
        assert len(sections) == len(meta["articles"]), path
        for number, (entry, section) in enumerate(zip(meta["articles"], sections), start=1):
            title, _, text = section.partition("\n")
            articles.append({"year": int(path.parent.name), "issue": meta["issue"], "number": number,
                             "county": entry["county"], "contributor": entry.get("contributor"),
                             "title": title.strip(), "text": text,
                             "url": f"{path.parent.name}/{meta['issue']:02d}/index.html#article-{number}"})
    return articles


def need_tool(available: bool, what: str) -> None:
    """Skip when a tool is missing on a developer machine; fail in CI, where setup installs it."""
    if not available:
        if REQUIRE_TOOLS:
            pytest.fail(f"{what} is required in CI but is missing")
        pytest.skip(f"{what} not installed")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The sample site built once for all read-only tests of the output (HTML only)."""
    from liandong.build import build

    root = copy_site(tmp_path_factory.mktemp("built") / "site")
    build(root)
    return root / "build"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the real ``liandong`` entry point, as an editor would."""
    return subprocess.run([sys.executable, "-m", "liandong", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


# Real-browser tests: Debian's Chromium driven by Playwright, over the built sample site on 127.0.0.1.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    need_tool(CHROMIUM is not None, "Chromium (scripts/setup.sh --test)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def open_page(browser, url: str, width: int):
    """A fresh page at ``width`` px, with every URL it requests recorded."""
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="load")
    return page, requests


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
