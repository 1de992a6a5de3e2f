"""axe-core (from the npm registry, installed into .tools/ by scripts/setup.sh --test) over the pages
readers use most, at phone and desktop widths: no serious or critical violations."""

from __future__ import annotations

import pytest

from conftest import REPO, need_tool, open_page

AXE = REPO / ".tools/node_modules/axe-core/axe.min.js"

PAGES = {
    "home": "",
    "issue": "2025/12/index.html",
    "year": "2025/index.html",
    "counties": "counties/index.html",
    "county": "counties/zhuzhoushi-yanlingxian/index.html",
    "search": "search/index.html?q=乡镇人大",  # whole and partial hits on the sample
}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const results = await axe.run(document, { resultTypes: ["violations"] });
        return results.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                              nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5) }));
    }""")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violations(browser, server, name, width):
    need_tool(AXE.is_file(), "axe-core (scripts/setup.sh --test)")
    page, _ = open_page(browser, server + PAGES[name], width)
    if name == "search":
        page.wait_for_selector("#search-partial li")  # judge the page with its results shown
    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    page.context.close()


def test_axe_is_really_checking(browser, server):
    """A page made inaccessible on purpose is caught, so an empty report means something."""
    need_tool(AXE.is_file(), "axe-core (scripts/setup.sh --test)")
    page, _ = open_page(browser, server, 375)
    page.evaluate("""() => {
        const box = document.querySelector('#site-search-q');
        box.labels.forEach(label => label.remove());
        box.removeAttribute('placeholder');
        document.querySelector('.site-name').style.color = '#ddd';
    }""")
    found = {v["id"] for v in axe_violations(page) if v["impact"] in ("serious", "critical")}
    assert {"label", "color-contrast"} <= found
    page.context.close()
