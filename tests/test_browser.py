"""The archive in a real headless Chromium, at phone and desktop widths, served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from conftest import horizontal_overflow, open_page


PAGES = ["", "2025/12/", "2025/", "2024/", "counties/", "counties/ranking/", "counties/zhuzhoushi-yanlingxian/",
         "counties/changshashi-liuyangshi/", "search/index.html?q=代表联络站"]


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_the_screen_and_load_nothing_from_outside(browser, server, path, width, tmp_path):
    page, requests = open_page(browser, server + path, width)
    if path.startswith("search/"):
        page.wait_for_selector("#search-results li")
    assert horizontal_overflow(page) <= 0
    assert all(url.startswith(server) for url in requests), requests
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 16
    text_sizes = page.eval_on_selector_all(".article-body p, .search-result-excerpt, .contents-list li",
                                           "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))")
    assert all(size >= 16 for size in text_sizes), text_sizes
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as image:
        # A full-page screenshot is as wide as the document: wider than the screen means sideways scrolling.
        assert image.width == width, f"{path} at {width}px: screenshot {image.width}px wide"
        assert image.height >= 600
        colours = image.convert("RGB").resize((64, 64)).getcolors(64 * 64)
        assert len(colours) > 20, "screenshot looks blank"
    page.context.close()


def test_reader_follows_home_to_issue_to_article(browser, server):
    page, _ = open_page(browser, server, 375)
    page.get_by_role("link", name="联络动态2025年第13期").click()
    page.wait_for_url("**/2025/13/index.html")  # waits for the load event too, so the whole page is there
    page.get_by_role("link", name="上一期：2025年第12期").click()
    page.wait_for_url("**/2025/12/index.html")
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
    page.wait_for_url("**/counties/index.html")
    assert page.locator(".county-index li").count() == 6
    page.context.close()


def test_reader_journey_home_issue_contents_search_county(browser, server):
    """Home → an issue → a 要目 link → search for a phrase of that issue → a county page, on a phone."""
    page, requests = open_page(browser, server, 375)
    page.get_by_role("link", name="2025年第12期", exact=True).click()
    page.wait_for_url("**/2025/12/index.html")
    contents = page.locator(".contents-list a")
    assert contents.count() == 2
    contents.nth(0).click()
    assert page.url.endswith("#article-1")
    assert abs(page.evaluate("document.getElementById('article-1').getBoundingClientRect().top")) < 5
    page.fill("#site-search-q", "人大代表二维码")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li")
    hits = page.locator("#search-results .search-result-title a")
    assert "2篇包含“人大代表二维码”" in page.locator("#search-status").inner_text()
    assert page.locator("#search-results mark").first.inner_text() == "人大代表二维码"
    hits.filter(has_text="畅通“全链条”").click()
    assert page.url.endswith("/2025/12/index.html#article-1")
    page.get_by_role("link", name="株洲市炎陵县", exact=True).first.click()
    page.wait_for_url("**/counties/zhuzhoushi-yanlingxian/index.html")
    assert "刊发2篇文章：2025年2篇" in page.locator(".page-summary").inner_text()
    assert page.locator(".county-articles li").count() == 2
    assert horizontal_overflow(page) <= 0
    assert all(url.startswith(server) for url in requests), requests
    page.context.close()


def tab_through(page, presses: int) -> list[dict]:
    """What gets keyboard focus, in order, pressing Tab from the top of the page."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => {
            const el = document.activeElement;
            return { tag: el.tagName, id: el.id, href: el.getAttribute('href'), text: el.textContent.trim(),
                     inContents: !!el.closest('.contents'), visible: el.getBoundingClientRect().width > 0 };
        }"""))
    return seen


@pytest.mark.parametrize("width", [375, 1280])
def test_keyboard_reaches_search_and_contents_links(browser, server, width):
    page, _ = open_page(browser, server + "2025/12/index.html", width)
    seen = tab_through(page, 14)
    assert seen[0]["text"] == "跳到正文" and seen[0]["visible"]
    assert any(f["id"] == "site-search-q" for f in seen)
    contents = [f for f in seen if f["inContents"]]
    assert [f["href"] for f in contents] == ["#article-1", "#article-2"]
    assert all(f["visible"] for f in seen)
    page.context.close()
    page, _ = open_page(browser, server + "2025/12/index.html", width)
    tab_through(page, seen.index(contents[0]) + 1)  # onto the first 要目 link, then follow it with Enter
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#article-1"
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#article-1'", timeout=5000)
    page.context.close()


def test_keyboard_reaches_the_search_field_and_filters(browser, server):
    page, _ = open_page(browser, server + "search/index.html", 375)
    page.wait_for_selector("#search-form[data-ready]")
    seen = [f["id"] for f in tab_through(page, 12)]
    assert seen.index("search-q") < seen.index("search-year") < seen.index("search-county") < seen.index("search-sort")
    page.context.close()
