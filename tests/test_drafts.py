"""Drafts are kept back: ``new`` makes one, ``build`` never publishes or counts it, ``serve`` shows
it with a 草稿 banner, ``check`` says what it still lacks, and ``new`` will not start a second."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli
from liandong.build import build


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def fill_in(path: Path) -> None:
    """What an editor does to the skeleton: real county, unit, title and text."""
    text = path.read_text(encoding="utf-8")
    for old, new in (("待填写县区：待填写文章标题", "长沙市望城区：创新代表联络方式"), ("待填写县区", "长沙市望城区"),
                     ("待填写供稿单位", "长沙市望城区人大常委会"), ("待填写正文第一段。", "望城区推进代表进站履职。"),
                     ("待填写小标题", "建强阵地"), ("待填写正文。", "全区建成代表联络站十二个。")):
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def test_a_new_draft_changes_nothing_in_the_published_build(site: Path) -> None:
    """Byte for byte the same build/ with and without the draft: no page, PDF, feed, sitemap,
    search or statistics entry, and 最新一期 unchanged — the draft is dated last, in the same year."""
    build(site, workers=1)
    before = tree(site / "build")
    result = run_cli("new", "--date", "2025-09-01", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "草稿" in result.stdout
    draft = site / "content/2025/14.md"
    assert draft.read_text(encoding="utf-8").startswith("---\ndraft: true")
    report = build(site, workers=1)
    assert tree(site / "build") == before
    assert report.issues == 4 and not report.written and not report.removed

    fill_in(draft)  # a finished draft is still a draft until the flag goes
    build(site, workers=1)
    assert tree(site / "build") == before

    draft.write_text(draft.read_text(encoding="utf-8").replace("draft: true", "draft: false"), encoding="utf-8")
    build(site, workers=1)
    out = site / "build"
    assert (out / "2025/14/index.html").is_file() and (out / "2025/14/liandong-2025-14.pdf").is_file()
    assert "长沙市望城区" in (out / "counties/index.html").read_text(encoding="utf-8")
    assert "2025/14/" in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "草稿" not in (out / "2025/14/index.html").read_text(encoding="utf-8")


def test_draft_counties_are_not_counted(site: Path) -> None:
    assert run_cli("new", "--date", "2026-01-06", cwd=site).returncode == 0
    build(site, pdf=False, search=False)
    out = site / "build"
    assert not (out / "2026").exists()
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".html", ".xml"))
    assert "待填写" not in everything and "2026年" not in everything


def test_new_refuses_a_second_draft_unless_forced(site: Path) -> None:
    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    refused = run_cli("new", "--date", "2025-09-15", cwd=site)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "content/2025/14.md" in refused.stderr and "未完成的草稿" in refused.stderr and "--force" in refused.stderr
    assert not (site / "content/2025/15.md").exists()
    forced = run_cli("new", "--date", "2025-09-15", "--force", cwd=site)
    assert forced.returncode == 0, forced.stderr
    text = (site / "content/2025/15.md").read_text(encoding="utf-8")
    assert re.search(r"^issue: 15\b", text, re.M) and re.search(r"^total: 742\b", text, re.M)  # after the draft


def test_new_refuses_even_when_the_draft_is_broken(site: Path) -> None:
    """A draft half-edited into an invalid state still counts as work in progress."""
    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    draft = site / "content/2025/14.md"
    draft.write_text(draft.read_text(encoding="utf-8").replace("total: 741", "total: 不知道"), encoding="utf-8")
    refused = run_cli("new", "--date", "2025-09-15", cwd=site)
    assert refused.returncode == 1 and "未完成的草稿" in refused.stderr


def test_removing_the_flag_publishes_and_new_then_continues(site: Path) -> None:
    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    draft = site / "content/2025/14.md"
    fill_in(draft)
    draft.write_text(draft.read_text(encoding="utf-8").replace("draft: true  # 草稿：liandong build 不会发布本期；定稿后删去这一行\n", ""),
                     encoding="utf-8")
    assert "draft" not in draft.read_text(encoding="utf-8")
    assert run_cli("new", "--date", "2025-09-15", cwd=site).returncode == 0
    assert (site / "content/2025/15.md").is_file()


def test_check_lists_drafts_and_what_they_lack(site: Path) -> None:
    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    result = run_cli("check", cwd=site)
    assert result.returncode == 0
    line = next(l for l in result.stderr.splitlines() if l.startswith("content/2025/14.md:2:"))
    assert "草稿" in line and "不会发布" in line and "6 处“待填写”" in line and "第 8、9、16、18、20、22 行" in line

    draft = site / "content/2025/14.md"
    text = draft.read_text(encoding="utf-8").replace("    contributor: 待填写供稿单位  # 印作“（… 供稿）”\n", "")
    draft.write_text(text, encoding="utf-8")
    line = next(l for l in run_cli("check", cwd=site).stderr.splitlines() if l.startswith("content/2025/14.md:2:"))
    assert "第 1 篇文章的供稿单位" in line

    fill_in(draft)
    draft.write_text(draft.read_text(encoding="utf-8").replace("  - county: 长沙市望城区",
                                                               "  - county: 长沙市望城区\n    contributor: 望城区人大"),
                     encoding="utf-8")
    line = next(l for l in run_cli("check", cwd=site).stderr.splitlines() if l.startswith("content/2025/14.md:2:"))
    assert "内容已填写完整" in line and "尚缺" not in line


def test_preview_build_shows_drafts_with_a_banner(site: Path, tmp_path: Path) -> None:
    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    out = tmp_path / "preview"
    build(site, out, pdf=False, search=False, drafts=True)
    page = (out / "2025/14/index.html").read_text(encoding="utf-8")
    assert 'class="draft-banner"' in page and "草稿" in page
    assert "草稿" in (out / "index.html").read_text(encoding="utf-8")
    assert "draft-banner" not in (out / "2025/13/index.html").read_text(encoding="utf-8")


def test_serve_shows_the_draft_with_its_banner(site: Path) -> None:
    from test_workflow import Preview

    assert run_cli("new", "--date", "2025-09-01", cwd=site).returncode == 0
    preview = Preview(site, "--no-pdf")  # the banner is on the page: no need to render every PDF first
    try:
        page = preview.get("2025/14/").decode("utf-8")
        assert 'class="draft-banner"' in page and "<strong>草稿</strong>" in page
    finally:
        preview.stop()
    assert not (site / "build").exists()


def test_a_draft_key_must_be_true_or_false(site: Path) -> None:
    issue = site / "content/2025/13.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("---\n", "---\ndraft: 是\n", 1), encoding="utf-8")
    result = run_cli("build", "--no-pdf", cwd=site)
    assert result.returncode == 1 and "content/2025/13.md:2:" in result.stderr and "true 或 false" in result.stderr
