"""``build --no-pdf`` and ``--no-search`` are quicker previews: they keep what a full build made."""

from __future__ import annotations

from pathlib import Path

from liandong.build import build


def snapshot(out: Path, suffix: str) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob(f"*{suffix}")) if p.is_file()}


def test_no_pdf_and_no_search_keep_pdfs_buttons_and_index(site: Path) -> None:
    build(site, workers=1)
    out = site / "build"
    pdfs, index = snapshot(out, ".pdf"), snapshot(out / "search-index", "")
    assert len(pdfs) >= 5 and index  # 4 issues and their yearly volumes
    issue_page = (out / "2025/12/index.html").read_text(encoding="utf-8")
    assert 'href="liandong-2025-12.pdf"' in issue_page

    report = build(site, pdf=False, search=False)
    assert not report.removed
    assert snapshot(out, ".pdf") == pdfs
    assert snapshot(out / "search-index", "") == index
    assert 'href="liandong-2025-12.pdf"' in (out / "2025/12/index.html").read_text(encoding="utf-8")
    assert 'href="liandong-2025-volume.pdf"' in (out / "2025/index.html").read_text(encoding="utf-8")

    # An edit previewed without PDFs keeps the old PDF (and its button) until the next full build.
    issue = site / "content/2025/12.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("炎陵县：", "炎陵县 ：", 1), encoding="utf-8")
    build(site, pdf=False, search=False)
    assert snapshot(out, ".pdf") == pdfs
    assert 'href="liandong-2025-12.pdf"' in (out / "2025/12/index.html").read_text(encoding="utf-8")
    remade = build(site, workers=1)
    assert "2025/12/liandong-2025-12.pdf" in remade.written


def test_no_pdf_drops_pdfs_of_issues_that_are_gone(site: Path) -> None:
    """Kept means still wanted: a deleted issue's PDF goes, even in a build without PDFs."""
    build(site, workers=1, search=False)
    (site / "content/2024/35.md").unlink()
    report = build(site, pdf=False, search=False)
    assert "2024/35/liandong-2024-35.pdf" in report.removed
    assert (site / "build/2024/36/liandong-2024-36.pdf").is_file()


def test_first_build_without_pdf_links_none(site: Path) -> None:
    build(site, pdf=False, search=False)
    assert not list((site / "build").rglob("*.pdf"))
    assert 'class="pdf-download"' not in (site / "build/2025/12/index.html").read_text(encoding="utf-8")
