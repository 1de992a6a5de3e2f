"""Pages rendered on all cores (liandong.page_pool) are the pages a serial build writes, and a
template error in a worker is reported like one in the main process."""

from __future__ import annotations

import filecmp
import threading
from pathlib import Path

import pytest

from liandong import page_pool
from liandong.build import build
from liandong.errors import LiandongError

from conftest import copy_site


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def pool_always(monkeypatch):
    if threading.active_count() > 1:
        pytest.skip("another thread is running in this test process: the pool would not fork")
    monkeypatch.setattr(page_pool, "PARALLEL_PAGES_FROM", 1)
    calls = []
    original = page_pool.write_pages
    monkeypatch.setattr(page_pool, "write_pages", lambda *a, **k: (calls.append(len(a[1])), original(*a, **k))[1])
    return calls


def test_pages_from_the_pool_are_the_serial_pages(tmp_path, pool_always):
    serial, pooled = copy_site(tmp_path / "serial"), copy_site(tmp_path / "pooled")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(page_pool, "PARALLEL_PAGES_FROM", 10**9)
        build(serial, pdf=False, search=False)
    report = build(pooled, pdf=False, search=False)
    assert pool_always and pool_always[0] == report.pages  # every page went through the pool
    assert tree(serial / "build") == tree(pooled / "build")
    assert not filecmp.dircmp(serial / "build", pooled / "build").diff_files


def test_template_error_in_a_worker_names_the_template(tmp_path, pool_always):
    site = copy_site(tmp_path / "site")
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "county.html").write_text('{% extends "base.html" %}\n{% block main %}\n{{ county.nosuch.x }}\n{% endblock %}\n',
                                                   encoding="utf-8")
    with pytest.raises(LiandongError) as caught:
        build(site, pdf=False, search=False)
    message = str(caught.value)
    assert "county.html:3" in message and "未定义" in message
    assert pool_always
    assert not (site / "build").exists()  # nothing half-written is left in place
