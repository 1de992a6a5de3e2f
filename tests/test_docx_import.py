"""``liandong import``: Word contributions in several counties' styles become articles that build.

The .docx files are made with python-docx (tests/docx_fixtures.py). What is checked is what readers
and editors see: the built page in headless Chromium, the PDF's text, the issue file's front matter,
and for bad files the error, the exit code and an untouched content/ folder.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
import yaml

from conftest import copy_site, need_tool, open_page, run_cli
from docx_fixtures import MAKERS, bold_paragraph, png

EXPECTED_COUNTIES = {"styled": ("长沙市浏阳市", "长沙市浏阳市人大常委会"), "bold": ("岳阳市平江县", "岳阳市平江县人大常委会"),
                     "plain": ("湘西州凤凰县", "湘西州凤凰县人大常委会"), "byline": ("衡阳市衡东县", "衡阳市衡东县人大常委会")}
HEADING_CLASS = ((r"^[一二三]、", "level-1"), (r"^（[一二三]）", "level-2"), (r"^\d\.", "level-3"))


NOTE_MARK = re.compile(r"\[\d+\]")  # a footnote reference, as the page and the PDF show it


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The four styles imported together into a new issue, built without PDFs."""
    root = tmp_path_factory.mktemp("imported")
    site = copy_site(root / "site")
    files = []
    for name, make in MAKERS.items():
        path = root / f"{name}.docx"
        files.append((name, path, make(path)))
    result = run_cli("import", *[str(path) for _, path, _ in files], "--date", "2025-09-01", cwd=site)
    assert result.returncode == 0, result.stderr
    build = run_cli("build", "--no-pdf", "--no-search", cwd=site)
    assert build.returncode == 0, build.stderr
    return site, files, result


def test_import_makes_the_next_issue_with_each_county_and_contributor(imported):
    site, files, result = imported
    issue = site / "content/2025/14.md"
    meta = front_matter(issue)
    assert meta["issue"] == 14 and meta["total"] == 741 and str(meta["date"]) == "2025-09-01"
    assert [(a["county"], a["contributor"]) for a in meta["articles"]] == [EXPECTED_COUNTIES[n] for n, _, _ in files]
    assert "已新建 content/2025/14.md" in result.stdout
    check = run_cli("check", cwd=site)
    assert check.returncode == 0, check.stderr


def test_imported_articles_read_as_written_in_chromium(imported, browser):
    site, files, _ = imported
    page, requests = open_page(browser, (site / "build/2025/14/index.html").as_uri(), 1280)
    for number, (name, _, expected) in enumerate(files, start=1):
        section = page.locator(f"#article-{number}")
        county, contributor = EXPECTED_COUNTIES[name]
        assert section.locator("h2").inner_text() == f"{county}：{expected.title}"
        headings = section.locator(".article-body h3, .article-body h4, .article-body h5").all()
        assert [h.inner_text() for h in headings] == expected.headings
        for heading in headings:  # the numbering decides the style, whatever Word style carried it
            kind = next(kind for pattern, kind in HEADING_CLASS if re.match(pattern, heading.inner_text()))
            assert kind in heading.get_attribute("class")
        text = section.locator(".article-body").inner_text()
        paragraphs = [NOTE_MARK.sub("", p.inner_text()) for p in section.locator(".article-body > p").all()]
        for wanted in expected.paragraphs:
            assert any(p.startswith(wanted) for p in paragraphs), (wanted, paragraphs)
        for unwanted in expected.absent + ["\u3000"]:
            assert unwanted not in text
        assert section.locator(".contributor").inner_text() == f"（{contributor} 供稿）"
        cells = section.locator("td, th").all_inner_texts()
        assert all(cell in cells for cell in expected.cells)
        assert section.locator(".article-body strong").all_inner_texts() == expected.bold
        assert section.locator(".article-body em").all_inner_texts() == expected.italic
        notes = section.locator(".footnotes li").all_inner_texts()
        assert len(notes) == len(expected.footnotes)
        assert all(note in got for note, got in zip(expected.footnotes, notes))
        images = section.locator(".article-body img")
        assert images.count() == expected.images
        for index in range(expected.images):
            assert images.nth(index).evaluate("img => img.complete && img.naturalWidth") == 240
    assert all(url.startswith("file://") for url in requests)
    page.context.close()


def test_imported_lists_and_empty_paragraphs(imported):
    site, _, _ = imported
    text = (site / "content/2025/14.md").read_text(encoding="utf-8")
    assert "- 设立意见箱\n- 开通小程序" in text
    assert "\n\n\n" not in text and "\u3000" not in text and "\\" not in text


def test_imported_images_live_beside_the_issue(imported):
    site, _, _ = imported
    images = sorted((site / "content/2025/14").iterdir())
    assert [p.name for p in images] == ["1-1.png"]
    assert "![配图](<14/1-1.png>)" in (site / "content/2025/14.md").read_text(encoding="utf-8")
    assert (site / "build/media/2025/14/1-1.png").read_bytes() == images[0].read_bytes()


def test_imported_issue_prints(imported, tmp_path):
    need_tool(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    site, files, _ = imported
    pdf = tmp_path / "issue.pdf"
    result = run_cli("pdf", "content/2025/14.md", "-o", str(pdf), cwd=site)
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    text = NOTE_MARK.sub("", re.sub(r"\s+", "", text))
    for name, _, expected in files:
        for wanted in expected.headings + expected.paragraphs + expected.footnotes:
            assert re.sub(r"\s+", "", wanted) in text, wanted
        assert f"（{EXPECTED_COUNTIES[name][1]}供稿）" in text
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"\s240\s+120\s", listing)


# --- into an existing issue -------------------------------------------------------------------------

def test_import_into_an_issue_keeps_its_text_and_comments(site, tmp_path):
    issue = site / "content/2025/12.md"
    before = issue.read_text(encoding="utf-8")
    MAKERS["bold"](tmp_path / "平江.docx")
    result = run_cli("import", str(tmp_path / "平江.docx"), "--into", "content/2025/12.md", cwd=site)
    assert result.returncode == 0, result.stderr
    after = issue.read_text(encoding="utf-8")
    old_front, old_body = before.split("\n---\n", 1)
    new_front, new_body = after.split("\n---\n", 1)
    assert new_body.startswith(old_body.rstrip("\n"))
    assert "# 岳阳市平江县：代表联络站里的“板凳会”" in new_body
    kept = [line for line in old_front.split("\n") if "#" in line]
    assert all(line in new_front.split("\n") for line in kept)  # every comment is still there
    old, new = yaml.safe_load(old_front[4:]), yaml.safe_load(new_front[4:])
    assert new["articles"] == old["articles"] + [{"county": "岳阳市平江县", "contributor": "岳阳市平江县人大常委会"}]
    assert {k: v for k, v in new.items() if k != "articles"} == {k: v for k, v in old.items() if k != "articles"}
    backups = list((site / ".liandong-cache/backup").rglob("12.md"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == before
    assert run_cli("build", "--no-pdf", "--no-search", cwd=site).returncode == 0
    assert "代表联络站里的“板凳会”" in (site / "build/2025/12/index.html").read_text(encoding="utf-8")


def test_import_into_flow_style_front_matter_stays_valid(site, tmp_path):
    issue = site / "content/2025/13.md"
    text = issue.read_text(encoding="utf-8")
    text = re.sub(r"articles:\n(?:  .*\n)+", "articles: [{county: 株洲市炎陵县, contributor: 株洲市炎陵县人大常委会},"
                  " {county: 岳阳市平江县, contributor: 岳阳市平江县人大常委会}]\n", text, count=1)
    issue.write_text(text, encoding="utf-8")
    MAKERS["plain"](tmp_path / "凤凰.docx")
    assert run_cli("import", str(tmp_path / "凤凰.docx"), "--into", str(issue), cwd=site).returncode == 0
    assert [a["county"] for a in front_matter(issue)["articles"]] == ["株洲市炎陵县", "岳阳市平江县", "湘西州凤凰县"]
    assert run_cli("build", "--no-pdf", "--no-search", cwd=site).returncode == 0


def test_two_imports_into_one_issue_keep_both_images(site, tmp_path):
    MAKERS["styled"](tmp_path / "a.docx")
    for _ in range(2):
        assert run_cli("import", str(tmp_path / "a.docx"), "--into", "content/2025/13.md", cwd=site).returncode == 0
    text = (site / "content/2025/13.md").read_text(encoding="utf-8")
    assert "(<13/3-1.png>)" in text and "(<13/4-1.png>)" in text
    assert run_cli("build", "--no-pdf", "--no-search", cwd=site).returncode == 0


def test_into_refuses_a_file_outside_content(site, tmp_path):
    MAKERS["plain"](tmp_path / "凤凰.docx")
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\nissue: 1\n---\n", encoding="utf-8")
    result = run_cli("import", str(tmp_path / "凤凰.docx"), "--into", str(outside), cwd=site)
    assert result.returncode == 1 and "不是本站点 content/ 中的期刊文件" in result.stderr


# --- which county ---------------------------------------------------------------------------------

def unsigned(path: Path, title: str = "代表履职有新招") -> Path:
    document = docx.Document()
    document.add_paragraph(title)
    document.add_paragraph("\u3000\u3000代表们走进选区，面对面听取群众意见。")
    document.save(path)
    return path


def test_unsigned_document_needs_county_flag_when_nobody_can_be_asked(site, tmp_path):
    before = snapshot(site / "content")
    result = run_cli("import", str(unsigned(tmp_path / "稿件.docx")), cwd=site)
    assert result.returncode == 1
    assert "稿件.docx" in result.stderr and "--county" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(site / "content") == before


def test_county_flag_takes_the_archive_spelling(site, tmp_path):
    result = run_cli("import", str(unsigned(tmp_path / "稿件.docx")), "--county", "炎陵县", "--date", "2025-09-01", cwd=site)
    assert result.returncode == 0, result.stderr
    meta = front_matter(site / "content/2025/14.md")
    assert meta["articles"] == [{"county": "株洲市炎陵县", "contributor": "株洲市炎陵县人大常委会"}]
    assert "文中没有供稿行" in result.stderr


@pytest.mark.parametrize("file_name", ["炎陵县经验材料.docx", "炎陵-代表工作.docx", "株洲市炎陵县（定稿）.docx"])
def test_county_is_read_from_the_file_name(site, tmp_path, file_name):
    result = run_cli("import", str(unsigned(tmp_path / file_name)), "--date", "2025-09-01", cwd=site)
    assert result.returncode == 0, result.stderr
    assert front_matter(site / "content/2025/14.md")["articles"][0]["county"] == "株洲市炎陵县"


def test_editor_is_asked_when_unsure(site, tmp_path):
    from liandong.docx_import import import_documents

    asked = []

    def ask(question, candidates, default):
        asked.append((question, candidates, default))
        return "平江县"

    report = import_documents(site, [unsigned(tmp_path / "稿件.docx")], day=__import__("datetime").date(2025, 9, 1),
                              ask=ask)
    assert len(asked) == 1 and "岳阳市平江县" in asked[0][1] and "稿件.docx" in asked[0][0]
    assert report.articles[0].county == "岳阳市平江县"


# --- files that are not contributions ----------------------------------------------------------------

def ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + extra + b"\0" * 1024


def zipped(entries: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return data.getvalue()


def real_docx() -> bytes:
    document = docx.Document()
    bold_paragraph(document, "一、标题")
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def with_part(name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(real_docx()))
    return zipped({**{n: source.read(n) for n in source.namelist() if n != name}, name: content})


def zip_bomb() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(real_docx()))
        for name in source.namelist():
            archive.writestr(name, source.read(name))
        with archive.open("word/media/image1.png", "w") as stream:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                stream.write(chunk)
    return data.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
          b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
          b'<w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>')

def deeply_nested(depth: int) -> bytes:
    inner = "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    for _ in range(depth):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl><w:p/>"
    return with_part("word/document.xml", (f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>标题</w:t></w:r></w:p>'
                                           f"{inner}</w:body></w:document>").encode("utf-8"))


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

BAD_FILES = {
    "old.doc": (lambda: ole(b"WordDocument"), "Word 97-2003"),
    "locked.docx": (lambda: ole("EncryptedPackage".encode("utf-16-le")), "加密"),
    "cut.docx": (lambda: real_docx()[:3000], "已损坏"),
    "empty.docx": (lambda: b"", "空"),
    "scan.docx": (lambda: b"%PDF-1.7\n%\xe2\xe3\n", "PDF"),
    "note.docx": (lambda: "这是一段文字".encode("utf-8"), "不是 Word 文档"),
    "saved-as-web.docx": (lambda: b"<html><body>x</body></html>", "网页"),
    "sheet.docx": (lambda: zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}), "Excel"),
    "archive.docx": (lambda: zipped({"a.txt": b"hello"}), "ZIP 压缩包"),
    "writer.docx": (lambda: zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
                    "OpenDocument"),
    "bomb.docx": (zip_bomb, "压缩炸弹"),
    "huge-xml.docx": (lambda: with_part("word/document.xml", b"<" + b" " * (8 << 20) + b">"), "压缩炸弹"),
    "parts.docx": (lambda: zipped({"[Content_Types].xml": b"<Types/>", **{f"word/p{i}.bin": b"" for i in range(2100)}}),
                   "部件"),
    "laughs.docx": (lambda: with_part("word/document.xml", LAUGHS), "DOCTYPE"),
    "broken-xml.docx": (lambda: with_part("word/document.xml", b"<w:document><w:body>"), "已损坏"),
    "nested.docx": (lambda: deeply_nested(3000), "嵌套过深"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_unreadable_files_get_a_chinese_error_and_change_nothing(site, tmp_path, name):
    make, reason = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(make())
    good = tmp_path / "平江.docx"
    MAKERS["bold"](good)
    before = snapshot(site / "content")
    result = run_cli("import", str(good), str(bad), cwd=site)
    assert result.returncode == 1, result.stdout
    assert name in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "没有写入任何文件" in result.stderr
    assert snapshot(site / "content") == before


def test_a_result_that_would_not_build_writes_nothing(site, tmp_path):
    """The import is read back as build reads it; an error there leaves content/ as it was."""
    issue = site / "content/2025/13.md"
    issue.write_text(issue.read_text(encoding="utf-8") + "\n![图](<13/3-1.png>)\n", encoding="utf-8")
    before = snapshot(site / "content")
    MAKERS["styled"](tmp_path / "a.docx")
    result = run_cli("import", str(tmp_path / "a.docx"), "--into", str(issue), cwd=site)
    assert result.returncode == 1 and "这一期本身有错误" in result.stderr
    assert snapshot(site / "content") == before


def test_images_word_cannot_share_are_left_out_with_a_note(site, tmp_path):
    document = docx.Document()
    document.add_paragraph("（长沙市浏阳市人大常委会 供稿）")
    document.add_paragraph("图表说明")
    document.add_picture(png())
    image_part = next(p for p in document.part.package.iter_parts() if p.partname.startswith("/word/media/"))
    image_part._blob = b"\x01\x00\x00\x00" + b"\0" * 100  # an EMF chart, as Word pastes from Excel
    document.add_paragraph("\u3000\u3000图后正文。")
    document.save(tmp_path / "chart.docx")
    result = run_cli("import", str(tmp_path / "chart.docx"), "--date", "2025-09-01", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "无法显示，未导入" in result.stderr
    text = (site / "content/2025/14.md").read_text(encoding="utf-8")
    assert "![" not in text and "图后正文。" in text and not (site / "content/2025/14").exists()
    assert run_cli("build", "--no-pdf", "--no-search", cwd=site).returncode == 0


def test_county_flag_given_a_wrong_number_of_times_is_a_usage_error(site, tmp_path):
    files = [str(unsigned(tmp_path / f"{n}.docx")) for n in "abc"]
    result = run_cli("import", *files, "--county", "炎陵县", "--county", "平江县", cwd=site)
    assert result.returncode == 2 and "--county" in result.stderr and "Traceback" not in result.stderr


def test_import_into_a_windows_file_keeps_its_line_endings(site, tmp_path):
    issue = site / "content/2025/13.md"
    issue.write_bytes(issue.read_bytes().replace(b"\n", b"\r\n"))
    MAKERS["plain"](tmp_path / "凤凰.docx")
    assert run_cli("import", str(tmp_path / "凤凰.docx"), "--into", str(issue), cwd=site).returncode == 0
    data = issue.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and "双语宣讲".encode("utf-8") in data
    assert [a["county"] for a in yaml.safe_load(data.decode("utf-8").split("---")[1])["articles"]][-1] == "湘西州凤凰县"


def test_editor_at_a_terminal_is_asked_for_the_county(site, tmp_path):
    """Run under a pseudo-terminal, as an editor would: the question appears and the answer is used."""
    import os
    import pty
    import select
    import sys

    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "liandong", "import", str(unsigned(tmp_path / "稿件.docx")),
                                "--date", "2025-09-01"], cwd=site, stdin=slave, stdout=slave, stderr=slave,
                               env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    os.close(slave)
    seen = b""
    try:
        while "供稿县区是".encode("utf-8") not in seen:
            ready, _, _ = select.select([master], [], [], 120)
            assert ready, f"no question asked: {seen.decode('utf-8', 'replace')}"
            seen += os.read(master, 4096)
        os.write(master, "平江县\n".encode("utf-8"))
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
        os.close(master)
    assert "岳阳市平江县" in seen.decode("utf-8")  # offered among the known counties
    assert front_matter(site / "content/2025/14.md")["articles"][0]["county"] == "岳阳市平江县"
