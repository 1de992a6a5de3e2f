"""Property-based: whatever an issue file holds, the build either succeeds or reports errors —
never an unhandled exception — and every page it writes is HTML with no script from content."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import html5lib
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liandong.build import build
from liandong.errors import LiandongError

from conftest import REPO

# Slow (hypothesis builds ~140 generated sites): `pytest -m 'not slow'` skips it locally; CI runs it.
pytestmark = pytest.mark.slow

NASTY = list("联络动态代表会议微建议一二三、，。（）《》“”<>&\"'`*_#[]()!:;-|=/\\ \n\t") + [
    "<script>", "</script>", "onerror=", "javascript:", "data:", "../", "<!--", "]]>", "&amp;", "\u3000", "\x0b", "𠀾"]
TEXT = st.lists(st.sampled_from(NASTY), max_size=40).map("".join)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 2000), TEXT, st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
ARTICLE = st.one_of(SCALAR, st.fixed_dictionaries({"county": SCALAR}, optional={"contributor": SCALAR, "x": SCALAR}))
FRONT = st.fixed_dictionaries(
    {},
    optional={
        "issue": st.one_of(st.just(14), SCALAR), "total": st.one_of(st.just(741), SCALAR),
        "date": st.one_of(st.just(dt.date(2025, 9, 1)), SCALAR), "editor": SCALAR,
        "articles": st.one_of(st.lists(ARTICLE, max_size=3), SCALAR),
        "distribution": st.one_of(st.dictionaries(st.sampled_from(["送", "报", "抄"]), st.lists(SCALAR, max_size=3)), SCALAR),
        "extra": SCALAR,
    })
BODY = st.lists(st.tuples(TEXT, TEXT), max_size=3).map(lambda parts: "\n\n".join(f"# {t}\n\n{b}" for t, b in parts))
BASELINE_SCRIPTS: set | None = None


def make_site(root: Path) -> Path:
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "content", root / "content")
    return root


def page_scripts(html: str) -> set:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(html)  # strict: any HTML parse error raises
    for element in document.iter():
        assert not [name for name in element.attrib if name.lower().startswith("on")], element.attrib
    return {(el.get("src"), (el.text or "").strip()) for el in document.iter() if el.tag == "script"}


def baseline_scripts() -> set:
    """Scripts the templates themselves put in pages; content may add none."""
    global BASELINE_SCRIPTS
    if BASELINE_SCRIPTS is None:
        with tempfile.TemporaryDirectory() as folder:
            site = make_site(Path(folder))
            build(site, pdf=False)
            BASELINE_SCRIPTS = set().union(*(page_scripts(p.read_text(encoding="utf-8"))
                                             for p in (site / "build").rglob("*.html")))
    return BASELINE_SCRIPTS


def check_build(text: str) -> None:
    allowed = baseline_scripts()
    with tempfile.TemporaryDirectory() as folder:
        site = make_site(Path(folder))
        (site / "content/2025/14.md").write_text(text, encoding="utf-8")
        try:
            build(site, pdf=False)
        except LiandongError as error:
            assert error.problems and all(str(p.location.path) for p in error.problems)
            return
        for page in (site / "build").rglob("*.html"):
            assert page_scripts(page.read_text(encoding="utf-8")) <= allowed, page


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=FRONT, body=BODY)
def test_any_front_matter_and_body_builds_or_reports(front, body):
    check_build("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n" + body)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=TEXT, body=BODY)
def test_any_raw_text_builds_or_reports(raw, body):
    check_build("---\n" + raw + "\n---\n" + body)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, paragraph=TEXT, county=TEXT)
def test_valid_issue_with_nasty_text_always_builds(title, paragraph, county):
    front = {"issue": 14, "total": 741, "date": dt.date(2025, 9, 1), "articles": [{"county": county or "某县"}]}
    title = title.replace("\n", " ").strip(" #\t\u3000\x0b") or "标题"
    check_build("---\n" + yaml.safe_dump(front, allow_unicode=True) + f"---\n\n# {title}\n\n{paragraph}\n")
