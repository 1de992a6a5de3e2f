"""From Word's text to the bulletin's Markdown: escaping, headings, the 供稿 line and counties.

These check the decisions ``liandong import`` makes, for classes of input; test_docx_import.py
checks whole documents end to end.
"""

from __future__ import annotations

import html
import re

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liandong.counties import aliases, contributor_for, guess_county, resolve_given, titled
from liandong.docx_markdown import contributor_unit, to_article
from liandong.docx_read import read_contribution
from liandong.markdown import make_parser, render_article

KNOWN = ["株洲市炎陵县", "郴州市桂阳县", "长沙市浏阳市", "常德市澧县", "湘西州凤凰县", "岳阳市平江县"]


def body_of(html: str) -> str:
    return to_article(html).body


def rendered_text(markdown: str) -> str:
    _, text, _ = render_article(make_parser(), markdown, "a")
    return text


# --- nothing a contributor types becomes Markdown -------------------------------------------------

TYPED = st.text(alphabet=list("ab1 .-*_[]()#>+|<>&\\`!~=:^，。一二、（）代表") + ["\t"], min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(TYPED)
def test_any_typed_paragraph_comes_across_as_its_text(typed):
    """mammoth's HTML of a paragraph holding ``typed`` becomes Markdown that renders as ``typed``."""
    expected = re.sub(r"\t+", " ", typed).strip(" ")
    if not expected:
        return
    body = body_of(f"<p>标题</p><p>{html.escape(typed)}</p>")
    rendered, text, _ = render_article(make_parser(), body, "a")
    assert text == expected, (typed, body)
    assert not re.search(r"<(a|img|code|li|em|strong|blockquote|hr|table)\b", rendered), rendered


@pytest.mark.parametrize("typed", ["1. 第一条", "- 列表？", "# 井号", "**不是粗体**", "[链接](http://x)", "<b>标签</b>",
                                   "&amp; 实体", "~~~", "| 表 | 格 |", "\\反斜杠", "`代码`"])
def test_typed_markdown_in_a_real_document_stays_text(tmp_path, typed):
    document = docx.Document()
    document.add_paragraph("标题")
    document.add_paragraph(typed)
    document.save(tmp_path / "typed.docx")
    assert rendered_text(read_contribution(tmp_path / "typed.docx").article.body) == typed


@pytest.mark.parametrize("before, bold, after", [
    ("精神", "“三会三文”", "精神"), ("", "一是“明方向”，", "深入贯彻"), ("坚持", "（一）", "抓学习"), ("a", "*b*", "c"),
])
def test_bold_next_to_punctuation_stays_bold(tmp_path, before, bold, after):
    document = docx.Document()
    document.add_paragraph("标题")
    paragraph = document.add_paragraph(before)
    paragraph.add_run(bold).bold = True
    paragraph.add_run(after)
    document.save(tmp_path / "b.docx")
    html, text, _ = render_article(make_parser(), read_contribution(tmp_path / "b.docx").article.body, "a")
    assert text == before + bold + after
    assert "<strong>" in html and bold.strip("“”，（）*") in html.split("<strong>")[1]


# --- headings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("html, markdown", [
    ("<p><strong>一、健全机制</strong></p>", "## 一、健全机制"),
    ("<p>一、健全机制</p>", "## 一、健全机制"),
    ("<h1>一、健全机制</h1>", "## 一、健全机制"),
    ("<h3>工作成效</h3>", "## 工作成效"),
    ("<p><strong>工作成效</strong></p>", "## 工作成效"),
    ("<p>一、县人大常委会召开会议，听取审议了专项工作报告，提出了意见。</p>", "一、县人大常委会召开会议，听取审议了专项工作报告，提出了意见。"),
    ("<p><strong>（一）抓学习，找准坐标。</strong>坚持五学联动。</p>", "**（一）抓学习，找准坐标**。坚持五学联动。"),
    ("<p>1. 代表共提出建议56件，全部办结。</p>", "1\\. 代表共提出建议56件，全部办结。"),
])
def test_headings_are_recognised_by_style_boldness_and_numbering(html, markdown):
    assert body_of("<p>标题</p>" + html) == markdown


def test_heading_levels_follow_the_numbering_that_is_used():
    body = body_of("<p>标题</p><p>（一）第一部分</p><p>1.要点</p><p>正文。</p><p>（二）第二部分</p>")
    assert body.split("\n\n") == ["## （一）第一部分", "### 1.要点", "正文。", "## （二）第二部分"]


def test_line_breaks_join_text_and_indented_ones_start_a_paragraph():
    body = body_of("<p>标题</p><p>　　第一行接着<br />第二行。<br />　　新的一段。</p><p>Word<br />break</p>")
    assert body.split("\n\n") == ["第一行接着第二行。", "新的一段。", "Word break"]


def test_title_takes_a_subtitle_and_not_a_date():
    article = to_article('<p class="liandong-center">主标题</p><p>——副标题</p>'
                         '<p class="liandong-center">2025年7月28日</p><p>正文。</p>')
    assert article.title == "主标题——副标题" and article.body.startswith("2025年7月28日")


def test_document_without_a_title_says_so():
    article = to_article("<p>这是一段很长的正文，没有标题，直接从正文开始写起，介绍了县人大常委会开展代表活动的做法和成效，内容较多。</p>")
    assert article.title == "" and not article.title_from_document


def test_footnotes_are_numbered_in_order_of_use():
    html = ('<p>标题</p><p>甲<sup><a href="#footnote-2" id="footnote-ref-2">[1]</a></sup>乙'
            '<sup><a href="#footnote-1" id="footnote-ref-1">[2]</a></sup></p>'
            '<ol><li id="footnote-1"><p>注一 <a href="#footnote-ref-1">↑</a></p></li>'
            '<li id="footnote-2"><p>注二 <a href="#footnote-ref-2">↑</a></p></li></ol>')
    assert body_of(html).split("\n\n") == ["甲[^1]乙[^2]", "[^1]: 注二", "[^2]: 注一"]


def test_merged_table_cells_keep_the_grid():
    html = ('<p>标题</p><table><tr><td colspan="2"><p>合并</p></td><td><p>c</p></td></tr>'
            '<tr><td rowspan="2"><p>纵</p></td><td><p>1</p></td><td><p>2|3</p></td></tr><tr><td><p>4</p></td><td><p>5</p></td></tr></table>')
    assert body_of(html).split("\n") == ["| 合并 |  | c |", "| --- | --- | --- |", "| 纵 | 1 | 2\\|3 |", "|  | 4 | 5 |"]


# --- the 供稿 line and the county -----------------------------------------------------------------

@pytest.mark.parametrize("line", ["（株洲市炎陵县人大常委会 供稿）", "(炎陵县人大常委会供稿)", "供稿单位：炎陵县人大常委会",
                                  "供稿：炎陵县人大常委会", "炎陵县人大常委会 供稿", "（供稿：炎陵县人大常委会）"])
def test_contributor_lines_in_the_forms_offices_write_them(line):
    unit = contributor_unit(line)
    assert unit in ("株洲市炎陵县人大常委会", "炎陵县人大常委会")
    assert guess_county(unit, "稿件", "", KNOWN).county == "株洲市炎陵县"


@pytest.mark.parametrize("line", ["县人大常委会积极供稿，宣传代表履职成效。", "供稿", "今年以来共供稿30篇。"])
def test_sentences_about_contributing_are_not_contributor_lines(line):
    assert contributor_unit(line) is None


def test_county_names_and_their_short_forms():
    assert {"株洲市炎陵县", "炎陵县", "炎陵"} <= aliases("株洲市炎陵县")
    assert aliases("常德市澧县") == {"常德市澧县", "澧县"}
    assert resolve_given("浏阳市", KNOWN) == "长沙市浏阳市" and resolve_given("新县", KNOWN) == "新县"


def test_a_new_unit_becomes_a_new_county_named_after_its_place():
    guess = guess_county("衡阳市衡东县人大常委会办公室", "稿件", "", KNOWN)
    assert guess.county == "衡阳市衡东县" and not guess.sure and guess.unattended


def test_two_counties_named_alike_are_not_guessed():
    guess = guess_county(None, "炎陵县材料", "", ["株洲市炎陵县", "某市炎陵县"])
    assert guess.county is None and set(guess.candidates) == {"株洲市炎陵县", "某市炎陵县"}


def test_unnamed_file_is_not_guessed():
    guess = guess_county(None, "关于推进社区治理的报告", "代表履职有新招", KNOWN)
    assert not guess.sure and not guess.unattended


def test_contributor_and_title_take_the_archive_spelling():
    assert contributor_for("炎陵县人大常委会", "株洲市炎陵县") == "株洲市炎陵县人大常委会"
    assert contributor_for("株洲市炎陵县人大常委会办公室", "株洲市炎陵县") == "株洲市炎陵县人大常委会办公室"
    assert contributor_for(None, "湘西州凤凰县") == "湘西州凤凰县人大常委会"
    assert titled("炎陵县：畅通履职路径", "株洲市炎陵县") == "株洲市炎陵县：畅通履职路径"
    assert titled("畅通履职路径", "株洲市炎陵县") == "株洲市炎陵县：畅通履职路径"


def test_headings_numbered_by_word_itself_are_flagged(tmp_path):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("标题")
    heading = document.add_heading("健全代表履职机制", level=1)
    heading._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'))
    document.add_paragraph("正文。")
    document.save(tmp_path / "n.docx")
    article = read_contribution(tmp_path / "n.docx").article
    assert article.body == "## 健全代表履职机制\n\n正文。"
    assert any("自动编号" in warning and "健全代表履职机制" in warning for warning in article.warnings)


def test_title_with_markdown_characters_stays_text(site, tmp_path):
    from liandong.docx_import import import_documents
    from liandong.markdown import heading_text

    document = docx.Document()
    document.add_paragraph("“C#”与*星号* [注] #")
    document.add_paragraph("（株洲市炎陵县人大常委会 供稿）")
    document.save(tmp_path / "t.docx")
    report = import_documents(site, [tmp_path / "t.docx"], into=site / "content/2025/13.md")
    line = next(line for line in (site / "content/2025/13.md").read_text(encoding="utf-8").split("\n")
                if line.startswith("# 株洲市炎陵县：“C#"))
    assert heading_text(make_parser(), line) == "株洲市炎陵县：“C#”与*星号* [注] #" == report.articles[0].title


def test_wps_chinese_style_names_are_headings(tmp_path):
    document = docx.Document()
    document.styles["Heading 2"].name = "标题 2"  # WPS writes its localised names into styles.xml
    document.styles["Title"].name = "标题"
    document.styles["Subtitle"].name = "副标题"
    document.add_paragraph("报送标题", style="标题")
    document.add_paragraph("副题", style="副标题")
    document.add_paragraph("工作成效", style="标题 2")
    document.add_paragraph("正文。")
    document.save(tmp_path / "wps.docx")
    article = read_contribution(tmp_path / "wps.docx").article
    assert article.title == "报送标题 副题" and article.body == "## 工作成效\n\n正文。"
