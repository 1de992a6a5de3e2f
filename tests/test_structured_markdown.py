"""Articles of the usual structures skip markdown-it (liandong.structured_markdown): whatever the
body, the structured path either declines or gives markdown-it's HTML and text to the byte, and
counts its tables against the same limits."""

from __future__ import annotations

import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from liandong.markdown import (MAX_BODY_CHARS, MAX_TABLE_ROWS, STRUCTURE_LIMITS, TooComplex, make_parser,
                               render_article, render_with_markdown_it)
from liandong.structured_markdown import render_structured_article

PARSER = make_parser()

# Inline text around ** and footnote references: CJK and ASCII punctuation, letters, spaces and
# quotes on either side decide whether a ** opens or closes (CommonMark's flanking rules with the
# CJK-friendly plugin's change).
WORDS = ["代表", "联络站", "。", "，", "：", "“", "”", "（", "）", "、", "a", "B", "1", " ", "\"", "'", "%", "+",
         "-", ".", "!", "?", ":", ")", "(", "#", "—", "\u3000", "\u00a0", "é", "の"]
MARKS = ["**", "**", "*", "***", "[^1]", "[^2]", "[^x-1]", "[^未定义]", "[^1](a)", "[", "]", "^", "|", "\\", "`",
         "&", "<", "_", "~", "![", "[^ 1]"]
CLEAN_MARKS = ["**", "**", "[^1]", "[^2]", "[^x-1]"]
NOISY_INLINE = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(MARKS)),
                        min_size=1, max_size=12).map("".join)
CLEAN_INLINE = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(CLEAN_MARKS)),
                        min_size=1, max_size=12).map("".join)
INLINE = st.one_of(NOISY_INLINE, CLEAN_INLINE, CLEAN_INLINE)

# Whole lines: the structures the path takes, and their near misses.
LINE_STARTS = ["", "", "", "## ", "### ", "###### ", "####### ", "#", "- ", "- ", "1. ", "1. ", "3. ", "2) ",
               "* ", "+ ", "> ", ">", "   - ", "  - ", "    - ", "   1. ", "   2. ", "  ", "    ", "\t",
               "[^1]: ", "[^2]: ", "[^x-1]: ", "[^1]:", "| ", "|", "**", "%", "+", "-", "=", "==="]
LINE_ENDS = ["", "", "", "", " ", "  ", "\t", "#", " #", " |", "|", "\u3000"]
TABLES = ["| 项目 | 数量 |\n|---|--:|\n| 合计 | 12 |\n| 城区 | 3 |",
          "| 项目 | 数量 | 占比 |\n| :--- | :-: | ---: |\n| **合计** | 12 | 5% |",
          "| 项目 | 数量 |\n|---|---|", "| 项目 | 数量 |\n|---|---|---|\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1 |",
          "| a | b |\n|---|---|\n| 1 | 2 | 3 |", "| a | b |\n|---|---|\n| 1 | 2\n| 3 | 4 |",
          "| a | b |\n---|---\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1[^1] | “2” |\n继续一行",
          "| a | b |\n| - | - |\n|  | 2 |", "a | b\n|---|---|"]
LISTS = ["- 甲\n- 乙", "1. 甲\n2. 乙\n3. 丙", "3. 甲\n4. 乙", "1. 甲\n   - 子一\n   - 子二\n2. 乙",
         "- 甲\n  - 子\n- 乙", "- 甲\n   - 子\n- 乙", "- 甲\n\n- 乙", "1. 甲\n\n2. 乙\n   - 子",
         "- 甲\n    - 子", "- 甲\n - 子", "- 甲\n  1. 子\n  2. 子", "- 甲\n  2. 子", "- 甲\n  - 子\n  1. 子",
         "- 甲\n  - 子\n   - 子", "- 甲\n乙", "- 甲\n\n  乙", "- 甲\n1. 乙", "- **一是**代表\n- 二是",
         "- 甲\n\n\n- 乙", "- 甲\n  - 子\n\n- 乙", "1. 甲\n1. 乙", "- 甲\n  - 子\n    - 孙"]
QUOTES = ["> 编者按：代表", "> 第一行\n> 第二行", "> 第一行\n懒惰行", "> **编者按：**代表", "> - 列表", ">> 两层"]


def line_of(text: str, start: str, end: str) -> str:
    return start + text + end


ARTICLE_LINES = st.one_of(
    st.builds(line_of, INLINE, st.sampled_from(LINE_STARTS), st.sampled_from(LINE_ENDS)),
    st.builds(line_of, INLINE, st.sampled_from(["", "## ", "- ", "1. ", "> ", "[^1]: ", "[^2]: "]), st.just("")),
    st.sampled_from(TABLES), st.sampled_from(LISTS), st.sampled_from(QUOTES), st.just(""), st.just(""))
ARTICLES = st.lists(ARTICLE_LINES, max_size=16).map("\n".join)


def markdown_it(source: str, budget: dict | None = None) -> tuple[str, str]:
    html, text, images = render_with_markdown_it(PARSER, source, "article-2", budget)
    assert images == []
    return html, text


@settings(max_examples=3000, deadline=None)
@given(ARTICLES)
def test_structured_articles_render_as_markdown_it_does(source):
    fast = render_structured_article(source, "article-2", STRUCTURE_LIMITS, None)
    if fast is not None:
        assert fast == markdown_it(source)


def alt_articles(count: int) -> list[str]:
    """Article bodies as bench/generate_alt.py writes them: lists, sub-items, tables, bold leads,
    quotes, footnotes, hard-wrapped paragraphs."""
    sys.path.insert(0, str(REPO / "bench"))
    import generate_alt
    rng, units = random.Random(5), generate_alt.unit_names(random.Random(5), 20)
    bodies = []
    for number in range(count):
        text = generate_alt.article(rng, units[number % len(units)], f"n{number}", 6000)
        bodies.append(text.split("\n", 1)[1])  # without its "# " title line
    return bodies


def test_generated_articles_of_every_structure_take_the_path():
    """The path is really taken for such articles (else the comparison above proves nothing), and
    every structure it renders is seen: a loose list, sub-items, alignment, footnotes, quotes."""
    bodies = alt_articles(150)
    html = []
    for index, body in enumerate(bodies):
        fast = render_structured_article(body, f"article-{index}", STRUCTURE_LIMITS, None)
        assert fast is not None, body
        assert fast == render_with_markdown_it(PARSER, body, f"article-{index}")[:2]
        html.append(fast[0])
    joined = "".join(html)
    for seen in ("<li>\n<p>", "<li>", "\n<ul>\n", "<ol>", "<strong>", '<div class="table-wrap">',
                 'class="footnote-ref"', "<blockquote>", '<h3 class="level-1">'):
        assert seen in joined, seen


@pytest.mark.parametrize("source", [
    "**一是强化组织领导。**聚焦预算审查监督。\n\n**二是**健全“机制”。",
    "## 一、紧扣城市更新\n\n代表进站[^1]，群众说事。\n\n[^1]: 联络站共128个。",
    "| 项目 | 数量 |\n|:--|--:|\n| 合计 | 12 |\n\n正文。",
    "1. 甲\n   - 子\n2. 乙\n\n- 丙\n\n- 丁",
    "> 编者按：代表\n> 第二行\n\n正文第一行，\n+线下结合，63\n%的代表参加。",
])
def test_usual_structures_take_the_path(source):
    fast = render_structured_article(source, "article-2", STRUCTURE_LIMITS, None)
    assert fast is not None and fast == markdown_it(source)


def test_tables_count_against_the_issue_budget_as_in_markdown_it():
    table = "| 项目 | 数量 |\n|---|---|\n" + "| 甲 | 1 |\n" * 20
    fast_budget, stock_budget = {"weight": 100}, {"weight": 100}
    assert render_article(PARSER, table, "article-1", fast_budget)[:2] == markdown_it(table, stock_budget)
    assert fast_budget == stock_budget == {"weight": 100 + 42 * STRUCTURE_LIMITS.cell_weight}
    full = {"weight": MAX_BODY_CHARS - 10}
    with pytest.raises(TooComplex) as refused:
        render_article(PARSER, table, "article-1", full)
    assert "表格过大" in refused.value.message


def test_a_table_over_the_row_limit_is_refused_naming_its_line():
    table = "正文。\n\n| 项目 | 数量 |\n|---|---|\n" + "| 甲 | 1 |\n" * (MAX_TABLE_ROWS + 1)
    with pytest.raises(TooComplex) as refused:
        render_article(PARSER, table, "article-1")
    assert refused.value.line == 2 and f"表格超过 {MAX_TABLE_ROWS} 行" in refused.value.message
