"""Compiled templates are kept in the user's cache folder between runs (liandong.templates.
bytecode_cache): the pages are the same bytes with and without it, an edited template is compiled
again, and a cache folder that others may write to is never used."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import copy_site


def build(site: Path, cache_home: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "liandong", "build", "--no-pdf", "--no-search", "-q"], cwd=site,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    return done


def pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site / "build").as_posix(): p.read_bytes() for p in sorted((site / "build").rglob("*.html"))}


def cold_again(site: Path) -> None:
    """No output and no build cache: the next build renders every page, from the templates."""
    shutil.rmtree(site / "build")
    shutil.rmtree(site / ".liandong-cache")


def compiled(cache_home: Path) -> list[Path]:
    folder = cache_home / "liandong" / "templates"
    return sorted(folder.glob("*.cache")) if folder.is_dir() else []


def test_pages_are_the_same_compiled_now_or_taken_from_the_cache(tmp_path):
    site, cache_home = copy_site(tmp_path / "site"), tmp_path / "cache"
    build(site, cache_home)
    first = pages(site)
    entries = compiled(cache_home)
    assert len(entries) >= 5  # base, issue, year, home, county … compiled once
    assert (cache_home / "liandong" / "templates").stat().st_mode & 0o777 == 0o700
    stamps = {entry: entry.stat().st_mtime_ns for entry in entries}
    cold_again(site)
    build(site, cache_home)  # from the cache: nothing compiled again, nothing written
    assert pages(site) == first
    assert {entry: entry.stat().st_mtime_ns for entry in compiled(cache_home)} == stamps


def test_an_edited_template_is_compiled_again(tmp_path):
    site, cache_home = copy_site(tmp_path / "site"), tmp_path / "cache"
    (site / "templates").mkdir(exist_ok=True)
    theme_404 = next(p for p in (Path(__file__).resolve().parent.parent / "templates").glob("404.html"))
    (site / "templates" / "404.html").write_text(theme_404.read_text(encoding="utf-8"), encoding="utf-8")
    build(site, cache_home)
    before = len(compiled(cache_home))
    text = (site / "templates" / "404.html").read_text(encoding="utf-8")
    (site / "templates" / "404.html").write_text(text.replace("</main>", "<p>本站已迁移。</p></main>", 1),
                                                  encoding="utf-8")
    build(site, cache_home)
    assert "本站已迁移" in (site / "build" / "404.html").read_text(encoding="utf-8")
    assert len(compiled(cache_home)) == before  # the same entry, rewritten for the new source


def test_a_cache_folder_others_may_write_is_not_used(tmp_path):
    site, cache_home = copy_site(tmp_path / "site"), tmp_path / "cache"
    folder = cache_home / "liandong" / "templates"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    build(site, cache_home)
    assert compiled(cache_home) == []
    assert (site / "build" / "index.html").is_file()


def test_a_damaged_or_unwritable_cache_only_costs_a_compilation(tmp_path):
    site, cache_home = copy_site(tmp_path / "site"), tmp_path / "cache"
    build(site, cache_home)
    first = pages(site)
    entries = compiled(cache_home)
    from jinja2.bccache import bc_magic

    for index, entry in enumerate(entries):  # cut short, or damaged after Jinja's header
        data = entry.read_bytes()
        entry.write_bytes(data[:len(data) // 2] if index % 2 else data[:len(bc_magic)] + b"\x80\x05garbage")
    cold_again(site)
    build(site, cache_home)
    assert pages(site) == first

    from liandong.templates import QuietBytecodeCache

    class Bucket:
        key, code = "k", compile("x = 1", "t", "exec")

        def write_bytecode(self, stream):
            raise OSError(28, "No space left on device")

    QuietBytecodeCache(str(tmp_path / "cache"), "%s.cache").dump_bytecode(Bucket())  # no exception
