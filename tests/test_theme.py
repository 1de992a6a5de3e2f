"""The default theme and a site's own templates/: lookup file by file, static files merged, the
incremental build's fingerprints covering both; PDF names from the slug; publishable file modes."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import liandong.theme_lookup
from liandong.build import build
from liandong.config import load_config
from liandong.errors import LiandongError
from liandong.printing import plan_prints
from liandong.reader import load_archive
from liandong.routes import plan

from conftest import REPO

THEME = REPO / "templates"


def bare_site(target: Path) -> Path:
    """The sample site without a templates/ folder: everything comes from the theme."""
    target.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", target / "site.yaml")
    shutil.copytree(REPO / "content", target / "content")
    return target


def test_a_site_without_templates_uses_the_theme(tmp_path):
    site = bare_site(tmp_path / "site")
    build(site, pdf=False, search=False)
    out = site / "build"
    assert (out / "2025/12/index.html").is_file()
    for path in (THEME / "static").rglob("*"):
        if path.is_file():
            assert (out / "static" / path.relative_to(THEME / "static")).read_bytes() == path.read_bytes()


def test_one_overridden_template_replaces_only_that_file(tmp_path):
    site = bare_site(tmp_path / "site")
    (site / "templates").mkdir()
    year = (THEME / "year.html").read_text(encoding="utf-8")
    (site / "templates/year.html").write_text(year.replace("{% block main %}", "{% block main %}<p>本站年份页</p>", 1),
                                              encoding="utf-8")
    build(site, pdf=False, search=False)
    out = site / "build"
    assert "本站年份页" in (out / "2025/index.html").read_text(encoding="utf-8")
    assert "本站年份页" not in (out / "index.html").read_text(encoding="utf-8")
    assert "本站年份页" not in (out / "2025/12/index.html").read_text(encoding="utf-8")


def test_static_files_merge_file_by_file(tmp_path):
    site = bare_site(tmp_path / "site")
    (site / "templates/static/img").mkdir(parents=True)
    (site / "templates/static/style.css").write_text("body { color: #333; }\n", encoding="utf-8")
    (site / "templates/static/img/logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    build(site, pdf=False, search=False)
    out = site / "build/static"
    assert (out / "style.css").read_text(encoding="utf-8") == "body { color: #333; }\n"
    assert (out / "img/logo.svg").is_file()
    assert (out / "search.js").read_bytes() == (THEME / "static/search.js").read_bytes()


def test_an_override_and_the_theme_both_count_for_incremental_builds(tmp_path, monkeypatch):
    """Editing a theme file (as an upgrade of liandong does) or a site override redoes the pages."""
    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    monkeypatch.setattr(liandong.theme_lookup, "THEME_DIR", theme)
    site = bare_site(tmp_path / "site")
    build(site, pdf=False, search=False)
    assert build(site, pdf=False, search=False).written == ()

    home = theme / "home.html"
    home.write_text(home.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<p>主题更新</p>", 1),
                    encoding="utf-8")
    report = build(site, pdf=False, search=False)
    assert "index.html" in report.written
    assert "主题更新" in (site / "build/index.html").read_text(encoding="utf-8")

    (site / "templates").mkdir()
    (site / "templates/home.html").write_text(
        home.read_text(encoding="utf-8").replace("主题更新", "本站首页"), encoding="utf-8")
    build(site, pdf=False, search=False)
    page = (site / "build/index.html").read_text(encoding="utf-8")
    assert "本站首页" in page and "主题更新" not in page

    css = theme / "static/style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* 主题新样式 */\n", encoding="utf-8")
    assert "static/style.css" in build(site, pdf=False, search=False).written
    assert "主题新样式" in (site / "build/static/style.css").read_text(encoding="utf-8")


def test_an_error_in_an_overriding_template_names_its_file_and_line(tmp_path):
    site = bare_site(tmp_path / "site")
    (site / "templates").mkdir()
    (site / "templates/home.html").write_text('{% extends "base.html" %}\n{% block main %}\n{{ site.title|no_such_filter }}\n{% endblock %}\n',
                                              encoding="utf-8")
    with pytest.raises(LiandongError) as caught:
        build(site, pdf=False, search=False)
    assert caught.value.problems[0].location.path.as_posix().endswith("templates/home.html")
    assert caught.value.problems[0].location.line == 3


@pytest.mark.parametrize("title, slug", [("联络动态", "lianluodongtai"), ("工作简报 2025", "gongzuojianbao-2025"),
                                         ("绿色发展动态", "lvsefazhandongtai"), ("《人大》ABC", "renda-abc")])
def test_pdf_file_names_default_to_the_title_in_pinyin(tmp_path, title, slug):
    site = bare_site(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("slug:"))
    (site / "site.yaml").write_text(text.replace("title: 联络动态", f"title: {title}"), encoding="utf-8")
    config = load_config(site)
    assert config.slug == slug
    archive, _ = load_archive(config)
    dests = {page.dest for page in plan_prints(archive, config)}
    assert f"2025/12/{slug}-2025-12.pdf" in dests and f"2025/{slug}-2025-volume.pdf" in dests
    issue_page = next(page for page in plan(archive, config) if page.dest == "2025/12/index.html")
    assert issue_page.context["pdf"] == {"href": f"{slug}-2025-12.pdf", "download": f"{title}2025年第12期.pdf"}


@pytest.mark.parametrize("slug", ["联络动态", "Liandong", "lian_dong", "-liandong", "lian--dong", "a" * 61, "123 45"])
def test_a_bad_slug_stops_with_its_line(tmp_path, slug):
    site = bare_site(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace("slug: liandong", f"slug: '{slug}'"), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("slug:"))
    with pytest.raises(LiandongError) as caught:
        load_config(site)
    problem = caught.value.problems[0]
    assert problem.location.line == line and "小写字母、数字和连字符" in problem.message


@pytest.mark.parametrize("umask, folders, files", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640), (0o002, 0o775, 0o664)])
def test_output_modes_follow_the_umask(tmp_path, umask, folders, files):
    """mkdtemp makes the staging folder 0700; build/ must get the umask's mode like all inside it."""
    site = bare_site(tmp_path / "site")
    previous = os.umask(umask)
    try:
        build(site, pdf=False, search=False)
        (site / "content/2025/13.md").write_text((site / "content/2025/13.md").read_text(encoding="utf-8")
                                                 + "\n再加一段。\n", encoding="utf-8")
        build(site, pdf=False, search=False)  # an incremental build: staging from hard links
    finally:
        os.umask(previous)
    out = site / "build"
    for path in [out, *out.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (folders if path.is_dir() else files), path


def test_a_site_with_a_slug_never_imports_pypinyin(tmp_path):
    """The default slug needs pypinyin (half a second to import): only sites without one pay it."""
    import subprocess
    import sys

    site = bare_site(tmp_path / "site")
    probe = ("import sys; from pathlib import Path; from liandong.config import load_config; "
             f"print(load_config(Path({str(site)!r})).slug, 'pypinyin' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.split() == \
        ["liandong", "False"]
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text("\n".join(l for l in text.splitlines() if not l.startswith("slug:")), encoding="utf-8")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.split() == \
        ["lianluodongtai", "True"]
