"""Typesetting defects a print room sends back, each on a PDF fixture and read back from the PDF.

tests/fixtures/defects.md is an issue the sample never shows: an 编者按 in bold after a full-width
colon, a numbered list, a table, a three-line title and a short one; ``colophon_alone`` is an issue
whose last page holds only the 送/责任编辑 block.
"""

from __future__ import annotations

import re
import shutil
import statistics
from pathlib import Path

import pytest
from pypdf import PdfReader

from liandong.build import build
from liandong.print_text import break_candidates, cell_units, print_tables, word_boundaries

from conftest import copy_site, run_cli
from pdfcheck import (colour_operators, line_stretches, pdf_fonts, pdf_glyphs, pdf_lines, pdf_text, squeeze,
                      structure_elements, structure_types)

FIXTURE = Path(__file__).parent / "fixtures" / "defects.md"
LOOSE_FIXTURE = Path(__file__).parent / "fixtures" / "loose_lines.md"  # paragraphs of the generated archive
TABLE_FIXTURE = Path(__file__).parent / "fixtures" / "table_words.md"
DEFECTS_PDF = "2025/14/liandong-2025-14.pdf"
ALONE_PDF = "2025/15/liandong-2025-15.pdf"
LOOSE_PDF = "2025/16/liandong-2025-16.pdf"
TABLE_PDF = "2025/17/liandong-2025-17.pdf"
HEADING_PDFS = {free: f"2025/{issue}/liandong-2025-{issue}.pdf" for free, issue in ((3, 18), (2, 19))}
PT_PER_MM = 72 / 25.4
LEFT_EDGE = 28 * PT_PER_MM  # odd pages; even pages are mirrored
TEXT_WIDTH = 156 * PT_PER_MM
TOP = 37 * PT_PER_MM
PITCH = 28.95
ONE_LINE = "代表联络站是人大代表联系群众的重要平台和主要阵地之所在"[:25] + "。"  # 26 + 2 indent = a full line


def colophon_alone_issue(lines: int = 30) -> str:
    """An issue whose body ends so low on a page that the colophon goes to a page of its own."""
    return ("---\nissue: 15\ntotal: 742\ndate: 2025-08-25\narticles:\n  - county: 长沙市望城区\n"
            "    contributor: 长沙市望城区人大常委会\n---\n\n# 长沙市望城区：代表联络站建设情况\n\n"
            + "\n\n".join([ONE_LINE] * lines) + "\n")


def heading_issue(number: int, lines: int) -> str:
    """An issue whose first page has ``lines`` one-line paragraphs, then a 一、 heading and a long
    paragraph: 8 leave 3 lines for the heading, 9 leave 2 (tests/test_pdf_typesetting measures it)."""
    text = "各联络站结合实际开展主题活动，上半年共组织代表进站活动186场次，接待群众2100余人次，" * 4
    return (f"---\nissue: {number}\ntotal: {727 + number}\ndate: 2025-09-{number - 3:02d}\narticles:\n"
            "  - county: 长沙市望城区\n    contributor: 长沙市望城区人大常委会\n---\n\n"
            "# 长沙市望城区：代表联络站建设情况\n\n" + "\n\n".join([ONE_LINE] * lines)
            + "\n\n## 一、聚焦阵地建设，夯实履职基础\n\n" + text + "\n")


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    site = copy_site(tmp_path_factory.mktemp("typesetting") / "site")
    shutil.copy(FIXTURE, site / "content/2025/14.md")
    (site / "content/2025/15.md").write_text(colophon_alone_issue(), encoding="utf-8")
    shutil.copy(LOOSE_FIXTURE, site / "content/2025/16.md")
    shutil.copy(TABLE_FIXTURE, site / "content/2025/17.md")
    (site / "content/2025/18.md").write_text(heading_issue(18, 8), encoding="utf-8")
    (site / "content/2025/19.md").write_text(heading_issue(19, 9), encoding="utf-8")
    build(site, search=False)
    return site / "build"


@pytest.fixture(scope="module")
def defects_pdf(fixture_site) -> Path:
    return fixture_site / DEFECTS_PDF


def text_block_edges(page_number: int) -> tuple[float, float]:
    """Left and right edge of the 156 mm text block on a page (odd pages bind on the left)."""
    left = LEFT_EDGE if page_number % 2 else 26 * PT_PER_MM
    return left, left + TEXT_WIDTH


def fonts_drawing(pdf: Path, page_index: int) -> dict[str, str]:
    """Text drawn on a page, per font (pypdf's text visitor), as one string per font."""
    drawn: dict[str, str] = {}

    def visit(text, cm, tm, font, size):
        if font and text.strip():
            name = str(font.get("/BaseFont", ""))
            drawn[name] = drawn.get(name, "") + text

    PdfReader(pdf).pages[page_index].extract_text(visitor_text=visit)
    return drawn


def body_lines(pdf: Path):
    """(page number, line) for 16 pt lines of the body (titles, the 要目 and the colophon left out)."""
    for number, lines in enumerate(pdf_lines(pdf), start=1):
        for line in lines:
            if 15 <= line.y_max - line.y_min <= 18.5 and len(line.text) >= 4:  # 18.5: Latin digits' box
                yield number, line


# 1. Emphasis ---------------------------------------------------------------------------------------

def test_bold_after_a_full_width_colon_is_set_in_the_bold_face(defects_pdf):
    text = squeeze(pdf_text(defects_pdf))
    assert "编者按：代表联络站是人大代表联系群众的重要平台" in text
    assert "*" not in text
    hei = "".join(v for k, v in fonts_drawing(defects_pdf, 0).items() if "Hei" in k)
    assert "编者按" in hei


def test_check_reports_emphasis_markers_left_as_text(site):
    path = site / "content/2025/12.md"
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    target = next(i for i, line in enumerate(lines) if line.startswith("今年以来"))
    lines[target] = "**编者按：代表" + lines[target]
    lines[target + 2] = "说明**重点" + lines[target + 2] if lines[target + 2] else lines[target + 2]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_cli("check", cwd=site)
    assert f"content/2025/12.md:{target + 1}: 警告：强调标记“**”没有生效" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# 2. Page numbers -----------------------------------------------------------------------------------

def test_a_page_holding_only_the_colophon_is_numbered(fixture_site):
    pdf = fixture_site / ALONE_PDF
    pages = len(PdfReader(pdf).pages)
    last = pdf_text(pdf, pages, pages)
    assert ONE_LINE[:8] not in last and "供稿" not in last, "fixture no longer puts the colophon alone"
    assert "责任编辑" in last
    assert re.search(rf"—\s*{pages}\s*—", last)


@pytest.mark.parametrize("name", [DEFECTS_PDF, ALONE_PDF, "2024/36/liandong-2024-36.pdf"])
def test_every_page_has_its_number(fixture_site, name):
    pdf = fixture_site / name
    for number in range(1, len(PdfReader(pdf).pages) + 1):
        assert re.search(rf"—\s*{number}\s*—", pdf_text(pdf, number, number)), (name, number)


# 3. Latin face -------------------------------------------------------------------------------------

def test_digits_and_latin_letters_are_set_in_the_latin_face(defects_pdf):
    names = [font["name"] for font in pdf_fonts(defects_pdf)]
    assert any("liandong-latin" in name for name in names), names
    drawn = fonts_drawing(defects_pdf, 1)
    latin = "".join(v for k, v in drawn.items() if "latin" in k)
    fang = "".join(v for k, v in drawn.items() if "FandolFang" in k)
    assert "32" in latin and not re.search(r"[0-9A-Za-z]", fang), (latin, fang)


def test_a_font_file_that_cannot_be_loaded_is_an_error_naming_it(site):
    (site / "fonts").mkdir()
    (site / "fonts" / "broken.otf").write_bytes(b"OTTO" + b"\0" * 64)
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "pdf:\n  fonts:\n    kai: fonts/broken.otf\n",
                      encoding="utf-8")
    result = run_cli("build", "--no-search", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "broken.otf" in result.stderr


# 4. Colophon ---------------------------------------------------------------------------------------

def test_colophon_line_at_14pt_aligned_with_the_distribution_and_year_in_hexagonal_brackets(defects_pdf):
    pages = pdf_lines(defects_pdf)
    last = pages[-1]
    distribution = next(line for line in last if line.text.startswith("送："))
    editor = next(line for line in last if line.text.startswith("责任编辑"))
    approval = next(line for line in last if "批准文号" in line.text)
    assert abs(editor.x_min - distribution.x_min) < 1
    assert 13 <= editor.y_max - editor.y_min <= 15.5  # 4号 (14 pt), not 小四
    assert "〔2000〕" in approval.text and "[2000]" not in approval.text


# 5. 要目 -------------------------------------------------------------------------------------------

def test_contents_entries_hang_and_never_end_with_one_or_two_characters(defects_pdf):
    lines = pdf_lines(defects_pdf)[0]
    start = next(i for i, line in enumerate(lines) if line.text == "要目")
    entries = [line for line in lines[start + 1:start + 6] if line.text != "●" and line.y_max - line.y_min < 17]
    first, wrapped = entries[0], entries[1]
    assert wrapped.x_min == pytest.approx(first.x_min, abs=1)  # hangs under the text, not the bullet
    assert all(len(line.text) > 2 for line in entries)


# 6. Punctuation compression and justification ------------------------------------------------------

def test_lines_ending_in_a_comma_are_squeezed_flush_and_others_end_at_the_edge(defects_pdf, fixture_site):
    squeezed = 0
    for pdf in (defects_pdf, fixture_site / "2025/12/liandong-2025-12.pdf"):
        pages = pdf_lines(pdf)
        for number, lines in enumerate(pages, start=1):
            left, right = text_block_edges(number)
            for line, following in zip(lines, lines[1:]):
                # a full line: the paragraph goes on, unindented, on the next line
                full = 15 <= line.y_max - line.y_min <= 17.5 and abs(following.x_min - left) < 2 \
                    and 0 < following.y_min - line.y_max < 14 and len(line.text) > 20 \
                    and not line.text.startswith(("送：", "责任编辑", "联系方式"))  # the 14 pt colophon
                if not full:
                    continue
                if line.text[-1] in "，、。；：":
                    # the mark is set half width: its full-em glyph box ends half an em past the edge
                    assert line.x_max == pytest.approx(right + 8, abs=1.2), (number, line.text)
                    squeezed += 1
                elif line.text[-1] not in "”）》":
                    assert line.x_max == pytest.approx(right, abs=1.2), (number, line.text)
    assert squeezed >= 3


@pytest.mark.parametrize("name", [LOOSE_PDF, DEFECTS_PDF, "2025/12/liandong-2025-12.pdf"])
def test_no_justified_line_stretches_more_than_0_08_em(fixture_site, name):
    """loose_lines.md holds the archive's paragraphs whose lines stretched 0.105, 0.087 and 0.081 em: a
    quotation the next line could not give up, and a paragraph that left 动”。 or 站。 alone."""
    stretches = line_stretches(fixture_site / name)
    assert len(stretches) >= 10
    assert stretches[0][0] <= 0.08, stretches[:3]


def test_a_paragraph_ends_on_its_line_rather_than_stretching_the_one_before(fixture_site):
    lines = [line.text for page in pdf_lines(fixture_site / LOOSE_PDF) for line in page]
    assert not [line for line in lines if line in ("动”。", "站。")], lines
    assert any(line.endswith("推动代表履职从“被动”走向“主动”。") for line in lines)
    assert any(line.endswith("建成19个网上代表联络站。") for line in lines)


def test_line_start_opening_marks_are_half_width_and_copy_as_written(fixture_site):
    """CLREQ: an opening mark that starts a continuation line is set half width (its blank left
    half removed), so its ink starts at the text block's edge; a paragraph's first line keeps the
    full-width mark after the indent. The text reads back as written."""
    pdf = fixture_site / LOOSE_PDF
    glyphs = pdf_glyphs(pdf)
    starts = {}  # first glyph of every 16 pt line
    for glyph in glyphs:
        if abs(glyph.size - 16) < 0.5 and (glyph.page, glyph.baseline) not in starts:
            starts[(glyph.page, glyph.baseline)] = glyph
    half = full = 0
    for (page, _), glyph in starts.items():
        if glyph.char not in "“（《":
            continue
        left, _right = text_block_edges(page)
        if abs(glyph.x0 - left) < 1:  # a continuation line
            assert glyph.advance == pytest.approx(8, abs=0.3), glyph
            half += 1
        elif abs(glyph.x0 - (left + 32)) < 1:  # a paragraph's first line, after the 2 em indent
            assert glyph.advance == pytest.approx(16, abs=0.3), glyph
            full += 1
    assert half >= 1 and full >= 1, (half, full)
    text = squeeze(pdf_text(pdf))
    for paragraph in re.split(r"\n\s*\n", LOOSE_FIXTURE.read_text(encoding="utf-8").split("---")[2]):
        if paragraph.strip() and not paragraph.startswith("#"):
            assert squeeze(paragraph) in text


def test_copied_text_has_no_spaces_or_invisible_characters_inside_lines(defects_pdf, fixture_site):
    for pdf in (defects_pdf, fixture_site / "2025/12/liandong-2025-12.pdf"):
        text = pdf_text(pdf)
        assert "\u200b" not in text
        sources = FIXTURE.read_text(encoding="utf-8") + (FIXTURE.parents[2] / "content/2025/12.md").read_text(encoding="utf-8")
        titles = {t.replace(" ", "") for t in re.findall(r"^# (.+)$", sources, re.M)}
        for line in text.splitlines():
            if any(line.replace(" ", "") in title for title in titles) or line.endswith(" 供稿）"):
                continue  # a title keeps the space its editor typed; （… 供稿） is spaced on purpose
            for spaced in re.findall(r"[\u4e00-\u9fff，。、“”] +[\u4e00-\u9fff，。、“”]", line):
                assert spaced in sources, line  # only spaces the editor typed
        # a compressed pair stays on its line: no line starts with the second mark of a pair
        assert not re.search(r"\n[，。、；：]", text)


# 7. Titles -----------------------------------------------------------------------------------------

def test_long_titles_break_between_words_into_balanced_lines(defects_pdf):
    titles = {
        "长沙市望城区：坚持“三个聚焦”推进代表联络站规范化建设 推动全过程人民民主基层实践走深走实": 3,
        "常德市汉寿县：以“小切口”推动“大民生”": 2,
    }
    lines = [line for page in pdf_lines(defects_pdf) for line in page if line.y_max - line.y_min > 20]
    for title, count in titles.items():
        printed = [line.text for line in lines if line.text and line.text in title.replace(" ", "")]
        printed = printed[-count:]  # the article title (the 要目 entry is in 楷体 at 16 pt)
        assert "".join(printed) == title.replace(" ", ""), printed
        widths = [len(line) for line in printed]
        assert max(widths) - min(widths) <= 6 and min(widths) >= 3, printed
        allowed = break_candidates(title.replace(" ", ""), words=True)
        offset = 0
        for line in printed[:-1]:
            offset += len(line)
            assert offset in allowed, (line, title)


def test_word_boundaries_come_from_a_dictionary():
    assert 2 in word_boundaries("推动县乡人大工作") and 1 not in word_boundaries("推动县乡人大工作")


# 8. Lists and tables -------------------------------------------------------------------------------

def test_numbered_items_read_as_body_paragraphs(defects_pdf):
    lines = [line for number, line in body_lines(defects_pdf) if number == 2]
    item = next(line for line in lines if line.text.startswith("1.") and "统一建设标准" in line.text)
    following = lines[lines.index(item) + 1]
    left, right = text_block_edges(2)
    assert item.x_min == pytest.approx(left + 32, abs=2)  # 2 em indent like a paragraph
    assert following.x_min == pytest.approx(left, abs=1)
    assert item.x_max == pytest.approx(right, abs=1.2) or item.x_max == pytest.approx(right + 8, abs=1.2)


def test_table_fits_the_measure_with_a_bold_header_and_every_cell(defects_pdf):
    reader = PdfReader(defects_pdf)
    text = squeeze(pdf_text(defects_pdf))
    for cell in ["高塘岭街道", "白沙洲街道", "乌山街道", "茶亭镇", "合计", "96.7%", "95.8%", "1692", "349"]:
        assert cell in text, cell
    for number in range(1, len(reader.pages) + 1):
        left, right = text_block_edges(number)
        for line in pdf_lines(defects_pdf)[number - 1]:
            if "—" not in line.text:
                assert left - 1 <= line.x_min and line.x_max <= right + 8.5, (number, line.text)
    headers = "".join(
        "".join(v for k, v in fonts_drawing(defects_pdf, index).items() if "Hei" in k)
        for index in range(len(reader.pages)))
    assert "街镇" in headers and "办结率" in squeeze(headers)
    synthetic_bold = [font["name"] for font in pdf_fonts(defects_pdf) if "Fang" in font["name"] and "Bold" in font["name"]]
    assert not synthetic_bold


@pytest.mark.parametrize("cell", ["欧阳建国", "司马红梅", "诸葛明亮", "上官秀英", "龙阳街道", "太子庙镇", "罐头嘴镇",
                                  "岩汪湖镇", "县住建局", "县农业农村局", "正在办理", "代表姓名", "所在单位"])
def test_table_cells_never_split_a_short_word(fixture_site, cell):
    """A column is at least as wide as its longest word: a name or a town is never cut 2/2."""
    pdf = fixture_site / TABLE_PDF
    assert any(cell in line.text for page in pdf_lines(pdf) for line in page), cell


def test_table_with_a_long_column_fits_the_measure_with_the_header_in_the_heading_face(fixture_site):
    pdf = fixture_site / TABLE_PDF
    text = squeeze(pdf_text(pdf))
    for words in ["关于加快老旧小区改造、完善配套设施的建议", "关于扶持特色水产养殖、拓宽销售渠道的建议"]:
        # wrapped inside its cell: pdftotext reads the row across, so the cell's characters come in order
        assert re.search(".*?".join(map(re.escape, words)), text), words
    for number, lines in enumerate(pdf_lines(pdf), start=1):
        left, right = text_block_edges(number)
        for line in lines:
            assert left - 1 <= line.x_min and line.x_max <= right + 8.5, (number, line.text)
    headers = "".join(v for k, v in fonts_drawing(pdf, 0).items() if "Hei" in k)
    assert "代表姓名" in squeeze(headers) and "办理情况" in squeeze(headers)


def test_table_words_are_glued_only_while_they_fit_the_measure_side_by_side():
    cell = "<td>长沙市望城区人大常委会代表工作委员会</td>"
    narrow = f"<table><tbody><tr>{cell * 2}</tr></tbody></table>"
    assert 'class="nowrap">人大常委会<' in print_tables(narrow)
    assert cell_units("接待群众（人次）") == ["接待", "群众", "（人次）"]
    wide = f"<table><tbody><tr>{cell * 12}</tr></tbody></table>"  # 12 columns of 5-character words
    assert print_tables(wide) == wide


# 9. Grid -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [DEFECTS_PDF, "2025/12/liandong-2025-12.pdf", "2024/36/liandong-2024-36.pdf"])
def test_body_lines_keep_the_22_line_grid_on_every_page(fixture_site, name):
    offsets = []
    for number, line in body_lines(fixture_site / name):
        below_masthead = number > 1 or line.y_min > TOP + 5 * PITCH
        if below_masthead and re.fullmatch(r"[\u4e00-\u9fff，。、；：“”（）《》]+", line.text):  # one face
            position = (line.y_max - TOP) / PITCH
            offsets.append((number, (position - round(position)) * PITCH))
    assert len({number for number, _ in offsets}) >= 2
    reference = statistics.median(offset for _, offset in offsets)
    assert all(abs(offset - reference) <= 1 for _, offset in offsets), offsets


# Keeping a heading with its text -------------------------------------------------------------------

def free_lines_at_foot(lines) -> float:
    """Body lines that would still fit under the last line of a page."""
    last = max((line for line in lines if "—" not in line.text), key=lambda line: line.y_max)
    return (TOP + 225 * PT_PER_MM - (last.y_min - 6.5 + PITCH)) / PITCH


@pytest.mark.parametrize("free", sorted(HEADING_PDFS))
def test_a_heading_moves_to_the_next_page_only_when_fewer_than_two_lines_would_follow_it(fixture_site, free):
    """Widows and orphans 2: a heading stays at the foot of a page when two lines of its text fit
    under it (3 free lines), and moves only when they do not (2 free lines: it would be left with one)."""
    pages = pdf_lines(fixture_site / HEADING_PDFS[free])
    first = [line.text for line in pages[0]]
    if free == 3:
        start = next(i for i, text in enumerate(first) if text.startswith("一、"))
        assert len([text for text in first[start + 1:] if "—" not in text]) == 2, first
    else:
        assert not any(text.startswith("一、") for text in first)
        assert pages[1][0].text.startswith("一、")
        assert free_lines_at_foot(pages[0]) == pytest.approx(2, abs=0.1)


@pytest.mark.parametrize("name", [DEFECTS_PDF, LOOSE_PDF, "2025/12/liandong-2025-12.pdf",
                                  "2025/13/liandong-2025-13.pdf", "2024/36/liandong-2024-36.pdf"])
def test_no_page_leaves_three_free_lines_before_a_heading_on_the_next(fixture_site, name):
    pages = pdf_lines(fixture_site / name)
    for number, (page, following) in enumerate(zip(pages, pages[1:]), start=1):
        if following and re.match(r"[一二三四五六七八九十]+、", following[0].text):
            assert free_lines_at_foot(page) < 2.9, (name, number, following[0].text)


# 11. Archival and accessible variants --------------------------------------------------------------

def test_pdf_a_uses_the_output_intents_colour_space_only(tmp_path):
    site = copy_site(tmp_path / "site")
    shutil.copy(FIXTURE, site / "content/2025/14.md")
    result = run_cli("pdf", "content/2025/14.md", "--pdf-variant", "pdf/a-3b", "-o", str(tmp_path / "a.pdf"), cwd=site)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(tmp_path / "a.pdf")
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert len(intents) == 1
    profile = intents[0].get_object()["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3  # an RGB profile, so the red must be RGB too
    assert colour_operators(tmp_path / "a.pdf") <= {"rg", "RG", "g", "G"}
    assert all(font["emb"] == "yes" for font in pdf_fonts(tmp_path / "a.pdf"))


def test_pdf_ua_tags_headings_and_paragraphs_in_reading_order(tmp_path):
    site = copy_site(tmp_path / "site")
    shutil.copy(FIXTURE, site / "content/2025/14.md")
    result = run_cli("pdf", "content/2025/14.md", "--pdf-variant", "pdf/ua-1", "-o", str(tmp_path / "u.pdf"), cwd=site)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(tmp_path / "u.pdf")
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    types = structure_types(tmp_path / "u.pdf")
    headings = [t for t in types if re.fullmatch(r"H\d?", t)]
    assert headings.count("H1") == 2 and len(headings) >= 5
    assert types.index("H1") < types.index("P")
    assert types.count("P") >= 8 and "Table" in types and "L" in types
    order = [position for kind, position in structure_elements(tmp_path / "u.pdf")
             if kind in ("H1", "H3", "P") and position is not None]
    assert len(order) >= 10 and order == sorted(order)  # tag order is the order the text is printed in
