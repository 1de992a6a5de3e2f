"""The archive in a real headless Chromium, at phone and desktop widths, served on 127.0.0.1."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import need_tool

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    need_tool(CHROMIUM is not None, "Chromium (scripts/setup.sh --test)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def open_page(browser, url: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="load")
    return page, requests


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["", "2025/12/", "2025/", "counties/", "counties/zhuzhoushi-yanlingxian/"])
def test_pages_fit_the_screen_and_load_nothing_from_outside(browser, server, path, width, tmp_path):
    page, requests = open_page(browser, server + path, width)
    assert horizontal_overflow(page) <= 0
    assert all(url.startswith(server) for url in requests), requests
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 16
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.context.close()


def test_reader_follows_home_to_issue_to_article(browser, server):
    page, _ = open_page(browser, server, 375)
    page.get_by_role("link", name="联络动态 2025年第13期").click()
    assert page.url.endswith("/2025/13/index.html")
    page.get_by_role("link", name="上一期：2025年第12期").click()
    assert page.url.endswith("/2025/12/index.html")
    assert page.locator(".masthead-name").inner_text() == "联络动态"
    masthead_colour = page.evaluate("getComputedStyle(document.querySelector('.masthead-name')).color")
    assert masthead_colour == "rgb(200, 22, 29)"
    page.locator(".contents-list a").nth(1).click()
    assert page.url.endswith("#article-2")
    top = page.evaluate("document.getElementById('article-2').getBoundingClientRect().top")
    assert abs(top) < 5
    page.context.close()


def test_issue_opens_from_disk(browser, built_site):
    page, requests = open_page(browser, (Path(built_site) / "2025/12/index.html").as_uri(), 1280)
    assert page.evaluate("getComputedStyle(document.querySelector('.masthead-name')).color") == "rgb(200, 22, 29)"
    page.get_by_role("link", name="按县区").click()
    assert page.url.endswith("/counties/index.html")
    assert page.locator(".county-index li").count() == 6
    page.context.close()
