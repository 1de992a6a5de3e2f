"""PDFs never carry file:// links: relative links point at the published site (base_url), links
that are not allowed are printed as plain text, and the same site gives byte-identical PDFs in any
folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from liandong.build import build
from liandong.printing import printable_links

from conftest import copy_site

PAGE = "https://example.org/liandong/2025/12/index.html"
LINKS = """

参见[上一期](../13/index.html)、[首页](../../index.html)、[本站](/liandong/search/)、[县区](../../counties/index.html#x)、
[全国人大](https://www.npc.gov.cn/)、[邮件](mailto:lianluo@example.org)、[电话](tel:0731-1234567)。
不允许的链接：[甲](javascript:alert(1))、[乙](JaVaScRiPt:alert(1))、[丙](java&#x09;script:alert(1))、
[丁](&#106;avascript:alert(1))、[戊](file:///etc/passwd)、[己](FILE:///etc/passwd)、[庚](data:text/html,x)、
[辛](//evil.example/x)、[壬](vbscript:x)、[癸](\\\\server\\share)，以及 <javascript:alert(1)> 和 <file:///etc/passwd>。
"""


def link_targets(pdf: Path) -> list[str]:
    targets = []
    for page in PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


@pytest.mark.parametrize("target, expected", [
    ("../13/index.html", "https://example.org/liandong/2025/13/index.html"),
    ("13.html?a=1&amp;b=2", "https://example.org/liandong/2025/12/13.html?a=1&amp;b=2"),
    ("../../../../../../x", "https://example.org/x"),
    ("/y", "https://example.org/y"),
    ("#article-1-fn1", "#article-1-fn1"),
    ("https://www.npc.gov.cn/", "https://www.npc.gov.cn/"),
    ("mailto:a@example.org", "mailto:a@example.org"),
    ("javascript:alert(1)", None), (" JAVASCRIPT:alert(1)", None), ("java&#x09;script:alert(1)", None),
    ("file:///etc/passwd", None), ("File:relative", None), ("data:text/html,x", None), ("//evil.example/", None),
    ("\\\\server\\share", None), ("vbscript:x", None), ("liandong-media:1", None),
])
def test_printable_links(target, expected):
    out = printable_links(f'<p><a href="{target}">x</a></p>', PAGE)
    assert out == (f'<p><a href="{expected}">x</a></p>' if expected else "<p><a>x</a></p>")


def test_pdfs_have_no_file_links_and_are_identical_in_two_folders(tmp_path):
    sites = [copy_site(tmp_path / "first"), copy_site(tmp_path / "second/much/deeper/folder")]
    for site in sites:
        path = site / "content/2025/12.md"
        text = path.read_text(encoding="utf-8")
        marker = "\n# 郴州市桂阳县"
        path.write_text(text.replace(marker, LINKS + marker, 1), encoding="utf-8")
        build(site, workers=2)
    first, second = (site / "build" for site in sites)
    pdfs = sorted(p.relative_to(first) for p in first.rglob("*.pdf"))
    assert len(pdfs) == 6
    for relative in pdfs:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    for pdf in (first / "2025/12/liandong-2025-12.pdf", first / "2025/liandong-2025-volume.pdf"):
        targets = link_targets(pdf)
        assert "https://example.org/liandong/2025/13/index.html" in targets
        assert "https://example.org/liandong/index.html" in targets
        assert "https://example.org/liandong/counties/index.html#x" in targets
        assert {"https://www.npc.gov.cn/", "mailto:lianluo@example.org", "tel:0731-1234567"} <= set(targets)
        assert all(t.startswith(("https://", "http://", "mailto:", "tel:")) for t in targets), targets
        assert not [t for t in targets if "evil" in t or "passwd" in t]
        raw = pdf.read_bytes()
        assert b"file:" not in raw and str(tmp_path).encode() not in raw
