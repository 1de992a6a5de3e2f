"""The edited issue's PDF starts before the build plans (liandong.early_print).

What matters to users: the PDF published is exactly the one a full build makes; an early render is
used only when the build plans that PDF with the same key; broken, draft or many changed files are
left to the ordinary build, whose errors are the same as before.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import pytest

from liandong import early_print
from liandong.build import build
from liandong.errors import LiandongError


@pytest.fixture
def spy(monkeypatch):
    """What early_print started and which PDFs the build then took from it."""
    seen = {"started": [], "claimed": []}
    start, claim = early_print.start, early_print.claim

    def spying_start(*args, **kwargs):
        started = start(*args, **kwargs)
        seen["started"] += sorted(started)
        return started

    def spying_claim(early, dest, key):
        future = claim(early, dest, key)
        if future is not None:
            seen["claimed"].append(dest)
        return future

    monkeypatch.setattr(early_print, "start", spying_start)
    monkeypatch.setattr(early_print, "claim", spying_claim)
    return seen


def newest(site: Path) -> Path:
    return sorted((site / "content").glob("*/*.md"))[-1]


def touch_later(path: Path, text: str) -> None:
    """Write and make sure the mtime is after the cache file's (coarse clocks)."""
    path.write_text(text, encoding="utf-8")
    later = os.stat(path).st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(later, later))


def test_the_edited_issue_renders_early_and_its_pdf_is_a_clean_builds(site, tmp_path, spy):
    build(site, workers=1)
    assert spy["started"] == []  # the first build has no cache: nothing is an edit
    issue = newest(site)
    touch_later(issue, issue.read_text(encoding="utf-8") + "\n\n编辑后补充的一段话。\n")
    build(site, workers=1)
    pdf = f"{issue.parent.name}/{int(issue.stem):02d}/liandong-{issue.parent.name}-{int(issue.stem):02d}.pdf"
    assert spy["started"] == [pdf] and spy["claimed"] == [pdf]
    clean = tmp_path / "clean"
    build(site, clean, workers=1)
    assert (site / "build" / pdf).read_bytes() == (clean / pdf).read_bytes()


@pytest.mark.slow  # two or three builds with PDFs
def test_a_broken_edit_starts_nothing_and_fails_as_before(site, spy):
    build(site, workers=1)
    before = {p: p.read_bytes() for p in (site / "build").rglob("*") if p.is_file()}
    issue = newest(site)
    touch_later(issue, issue.read_text(encoding="utf-8").replace("issue:", "issue: [", 1))
    with pytest.raises(LiandongError) as failure:
        build(site, workers=1)
    assert issue.name in str(failure.value)
    assert spy["started"] == []
    assert {p: p.read_bytes() for p in (site / "build").rglob("*") if p.is_file()} == before


@pytest.mark.slow  # two or three builds with PDFs
def test_many_changed_files_are_not_an_edit(site, spy):
    build(site, workers=1)
    for path in sorted((site / "content").glob("*/*.md")):
        touch_later(path, path.read_text(encoding="utf-8") + "\n\n统一补充的一段话。\n")
    build(site, workers=1)
    assert len(list((site / "content").glob("*/*.md"))) > early_print.MOST_FILES
    assert spy["started"] == [] and spy["claimed"] == []


@pytest.mark.slow  # two or three builds with PDFs
def test_a_draft_is_not_printed_for_the_published_build(site, spy):
    build(site, workers=1)
    issue = newest(site)
    text = issue.read_text(encoding="utf-8")
    touch_later(issue, text.replace("\n---\n", "\ndraft: true\n---\n", 1))
    build(site, workers=1)
    assert spy["started"] == []


def test_a_render_started_with_another_key_is_not_taken():
    pending: Future = Future()
    early = {"2025/12/x.pdf": early_print.EarlyPrint("key-a", pending)}
    assert early_print.claim(early, "2025/12/x.pdf", "key-b") is None
    assert pending.cancelled() and early == {}
    done: Future = Future()
    early = {"2025/12/x.pdf": early_print.EarlyPrint("key-a", done)}
    assert early_print.claim(early, "2025/12/x.pdf", "key-a") is done and early == {}
