"""The print-ready PDF of each issue, read back as the print room would."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from liandong.build import build
from liandong.errors import LiandongError

from conftest import REPO, copy_site, run_cli
from pdfcheck import flush_counts, pdf_fonts, pdf_lines, pdf_text, squeeze

ISSUE_PDF = "2025/12/liandong-2025-12.pdf"


@pytest.fixture(scope="module")
def issue_pdf(built_site) -> Path:
    return built_site / ISSUE_PDF


def source_blocks(path: Path) -> list[str]:
    """The printed blocks of an issue file: titles, headings and paragraphs, in order."""
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [line.lstrip("#").strip() for line in body.splitlines() if line.strip()]


def outline_titles(reader: PdfReader, items=None, depth=0) -> list[tuple[int, str, int]]:
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += outline_titles(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    return found


def test_every_issue_has_a_pdf_linked_for_download(built_site):
    for issue in ["2024/35", "2024/36", "2025/12", "2025/13"]:
        year, number = issue.split("/")
        assert (built_site / issue / f"liandong-{year}-{number}.pdf").is_file()
    html = (built_site / "2025/12/index.html").read_text(encoding="utf-8")
    assert 'href="liandong-2025-12.pdf" download="联络动态2025年第12期.pdf"' in html


def test_text_extracts_every_paragraph_in_reading_order(issue_pdf):
    text = squeeze(pdf_text(issue_pdf))
    position = 0
    for block in source_blocks(REPO / "content/2025/12.md"):
        found = text.find(squeeze(block), position)
        assert found >= position, f"missing or out of order: {block[:30]}"
        position = found + len(squeeze(block))


def test_masthead_contents_contributors_and_colophon_are_printed(issue_pdf):
    first = squeeze(pdf_text(issue_pdf, 1, 1))
    assert first.startswith("联络动态第12期（总第七百三十九期）湖南省人大常委会代表工作委员会编2025年7月28日要目●株洲市炎陵县")
    whole = squeeze(pdf_text(issue_pdf))
    assert "（株洲市炎陵县人大常委会供稿）" in whole and "（郴州市桂阳县人大常委会供稿）" in whole
    last_page = len(PdfReader(issue_pdf).pages)
    last = squeeze(pdf_text(issue_pdf, last_page, last_page))
    assert "送：全国人大常委会代表工作委员会，办公厅研究室、新闻局、《中国人大》杂志社" in last
    assert "责任编辑：汤　建" in pdf_text(issue_pdf, last_page, last_page) or "责任编辑：汤建" in last
    assert "联系方式：0731-85309319hnrdlgwxrc@163.com" in last and "批准文号：湘党简准字〔2000〕第28号" in last


def test_colophon_sits_at_the_foot_of_the_last_page(issue_pdf):
    pages = pdf_lines(issue_pdf)
    last = pages[-1]
    approval = next(line for line in last if "批准文号" in line.text)
    body_bottom = 842 - 35 / 25.4 * 72  # the text block ends 35 mm above the page edge
    assert body_bottom - 12 < approval.y_max <= body_bottom
    contributor = next(line for line in last if "供稿" in line.text)
    assert contributor.y_max < approval.y_min


def test_fonts_are_embedded_and_subset(issue_pdf):
    fonts = pdf_fonts(issue_pdf)
    assert fonts and all(f["emb"] == "yes" and f["sub"] == "yes" and f["uni"] == "yes" for f in fonts), fonts
    names = " ".join(f["name"] for f in fonts)
    assert "FandolFang" in names and "FandolKai" in names and "FandolHei" in names and "FandolSong-Bold" in names


def test_metadata_title_author_language_and_dates_from_issue(issue_pdf):
    reader = PdfReader(issue_pdf)
    assert reader.metadata.title == "联络动态 2025年第12期"
    assert reader.metadata.author == "湖南省人大常委会代表工作委员会"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert reader.metadata["/CreationDate"].startswith("D:20250728")
    assert [round(v) for v in reader.pages[0].mediabox] == [0, 0, 595, 842]  # A4


def test_one_bookmark_per_article(issue_pdf):
    reader = PdfReader(issue_pdf)
    assert [(depth, title) for depth, title, _ in outline_titles(reader)] == [
        (0, "株洲市炎陵县：畅通“全链条”履职路径 推动代表履职效能提升"),
        (0, "郴州市桂阳县：通过“三力”推动县乡人大工作整体提质增效"),
    ]


def test_full_body_lines_end_flush_with_the_text_block(issue_pdf):
    flush, full = flush_counts(issue_pdf)
    assert full > 40
    assert flush / full >= 0.97, f"{flush}/{full} full lines flush"


def test_no_line_starts_with_closing_punctuation(issue_pdf):
    for page in pdf_lines(issue_pdf):
        for line in page:
            assert line.text[:1] not in "，。、；：？！）》", line.text


def test_page_numbers_outside_odd_right_even_left(issue_pdf):
    pages = pdf_lines(issue_pdf)
    assert len(pages) >= 4
    for number, lines in enumerate(pages, start=1):
        folio = next(line for line in lines if re.fullmatch(f"—{number}—", line.text))
        if number % 2:
            assert folio.x_max > 595 - 26 / 25.4 * 72 - 20 and folio.x_min > 300
        else:
            assert folio.x_min < 26 / 25.4 * 72 + 20 and folio.x_max < 300
        assert folio.y_min > 842 - 35 / 25.4 * 72  # below the text block


def test_masthead_is_red(issue_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(issue_pdf), str(tmp_path / "p")], check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    width, height = image.size
    band = image.crop((0, int(height * 0.10), width, int(height * 0.20)))
    red = sum(1 for r, g, b in band.get_flattened_data() if r > 180 and g < 90 and b < 90)
    assert red > 200


def test_pdfs_are_byte_identical_across_builds(tmp_path):
    first, second = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    build(first)
    build(second)
    pdfs = sorted(p.relative_to(first / "build") for p in (first / "build").rglob("*.pdf"))
    assert len(pdfs) == 6
    for pdf in pdfs:
        assert (first / "build" / pdf).read_bytes() == (second / "build" / pdf).read_bytes(), pdf


def test_missing_character_stops_with_file_line_and_font(site):
    build(site)
    before = (site / "build" / ISSUE_PDF).read_bytes()
    path = site / "content/2025/12.md"
    path.write_text(path.read_text(encoding="utf-8").replace("今年以来，株洲市", "今年以来，𫝀株洲市", 1), encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/2025/12.md:32: 错误：字符“𫝀”（U+2B740）在正文字体（FandolFang" in result.stderr
    assert (site / "build" / ISSUE_PDF).read_bytes() == before


def test_missing_character_in_a_title_names_the_title_font(site):
    path = site / "content/2025/12.md"
    path.write_text(path.read_text(encoding="utf-8").replace("# 郴州市桂阳县：", "# 郴州市桂阳县𱍐：", 1), encoding="utf-8")
    with pytest.raises(LiandongError) as info:
        build(site)
    assert re.search(r"12\.md:\d+: 错误：字符“𱍐”（U\+31350）在标题字体", info.value.format_message())


def test_pdf_command_renders_one_issue(site, tmp_path):
    result = run_cli("pdf", "content/2025/12.md", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (site / "联络动态2025年第12期.pdf").is_file()
    result = run_cli("pdf", "content/2025/13.md", "-o", str(tmp_path / "out.pdf"), cwd=site)
    assert result.returncode == 0, result.stderr
    assert PdfReader(tmp_path / "out.pdf").metadata.title == "联络动态 2025年第13期"


def test_pdf_a_variant(site):
    result = run_cli("build", "--pdf-variant", "pdf/a-3b", cwd=site)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(site / "build" / ISSUE_PDF)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(>|=\")3", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp)
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_print_marks_add_bleed_and_trim_box(site):
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "pdf:\n  print_marks: true\n", encoding="utf-8")
    build(site)
    page = PdfReader(site / "build" / ISSUE_PDF).pages[0]
    bleed = 3 / 25.4 * 72
    assert [round(v, 1) for v in page.trimbox] == [0, 0, 595.3, 841.9]
    assert round(float(page.mediabox.width), 1) == round(595.28 + 2 * (bleed + 0), 1) or \
        float(page.mediabox.width) > 595.28 + 2 * bleed - 0.5


def test_office_font_from_file_and_missing_family_fall_back(site):
    fonts = site / "fonts"
    fonts.mkdir()
    kai = Path("/usr/local/share/fonts/fandol/FandolKai-Regular.otf")
    if not kai.is_file():
        pytest.skip("Fandol fonts not installed")
    shutil.copy(kai, fonts / "OfficeBody.otf")
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "pdf:\n  fonts:\n    body: fonts/OfficeBody.otf\n    title: 方正小标宋简体\n", encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    title_line = text.count("\n") + 4
    assert f"site.yaml:{title_line}: 警告：本机没有安装字体“方正小标宋简体”，标题改用免费字体" in result.stderr
    names = " ".join(f["name"] for f in pdf_fonts(site / "build" / ISSUE_PDF))
    assert "liandong-body" in names


def test_missing_font_file_is_an_error_with_line(site):
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "pdf:\n  fonts:\n    kai: fonts/none.ttf\n", encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert f"site.yaml:{text.count(chr(10)) + 3}: 错误：找不到字体文件“fonts/none.ttf”" in result.stderr


def test_yearly_volume_has_cover_contents_and_bookmarks(built_site):
    volume = built_site / "2025/liandong-2025-volume.pdf"
    reader = PdfReader(volume)
    outline = outline_titles(reader)
    assert [(d, t) for d, t, _ in outline] == [
        (0, "目录"), (0, "2025年第12期"),
        (1, "株洲市炎陵县：畅通“全链条”履职路径 推动代表履职效能提升"),
        (1, "郴州市桂阳县：通过“三力”推动县乡人大工作整体提质增效"),
        (0, "2025年第13期"),
        (1, "株洲市炎陵县：“人大代表二维码”让联系群众更便捷（示例）"),
        (1, "岳阳市平江县：代表助力乡村振兴产业发展（示例）"),
    ]
    cover = squeeze(pdf_text(volume, 1, 1))
    assert "联络动态" in cover and "2025年合订本" in cover and "第12期至第13期" in cover
    contents_page = outline[0][2]
    contents = pdf_text(volume, contents_page, contents_page, layout=True)
    labels = reader.page_labels  # each issue keeps its own page numbers: the 目录 says 期号-页码
    for depth, title, page in outline[1:]:
        if depth == 0:
            assert labels[page - 1] == f"{title.split('第')[1].rstrip('期')}-1"
            assert re.search(rf"{title}（总第[^）]+期）\s*{labels[page - 1]}\b", contents), (title, page)
    html = (built_site / "2025/index.html").read_text(encoding="utf-8")
    assert 'download="联络动态2025年合订本.pdf"' in html


def test_copies_and_arabic_total_numbers_are_site_options(site):
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "copies: 300\ntotal_numerals: arabic\n", encoding="utf-8")
    build(site)
    pdf = site / "build" / ISSUE_PDF
    assert "第12期（总第739期）" in squeeze(pdf_text(pdf, 1, 1))
    last = len(PdfReader(pdf).pages)
    assert "（共印300份）" in squeeze(pdf_text(pdf, last, last))
    assert "第12期（总第739期）" in (site / "build/2025/12/index.html").read_text(encoding="utf-8")
