import pytest

"""Article bodies: escaping, safe links, Chinese quotes, numbering kept as written."""

from liandong.markdown import is_safe_link, make_parser, render_article, split_sections


def render(source: str) -> str:
    return render_article(make_parser(), source, "article-1")[0]


def test_raw_html_is_shown_as_text():
    html = render("<script>alert(1)</script>\n\n段落里的 <b onclick=\"x()\">粗</b>")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b " not in html and "&lt;b onclick" in html


def test_unsafe_links_are_not_linked():
    html = render("[点我](javascript:alert(1)) [数据](data:text/html,x) [好](https://example.org) [邮件](mailto:a@b.cn)")
    assert 'href="javascript' not in html and 'href="data' not in html
    assert 'href="https://example.org"' in html and 'href="mailto:a@b.cn"' in html


def test_is_safe_link_allows_relative_and_known_schemes():
    assert is_safe_link("../2025/12/") and is_safe_link("#article-1") and is_safe_link("tel:0731")
    assert not is_safe_link("JavaScript:x") and not is_safe_link("vbscript:x") and not is_safe_link("//evil.org/x")


def test_straight_quotes_become_chinese_quotes():
    assert "畅通“全链条”履职和‘小’事" in render('畅通"全链条"履职和\'小\'事')


def test_headings_keep_editor_numbering_and_get_kind():
    html = render("## 一、总体情况\n\n### （一）工作举措\n\n#### 1. 具体做法\n")
    assert '<h3 class="level-1">一、总体情况</h3>' in html
    assert '<h4 class="level-2">（一）工作举措</h4>' in html
    assert '<h5 class="level-3">1. 具体做法</h5>' in html


def test_tables_and_footnotes_render_inside_article():
    html = render("| 项目 | 数量 |\n| --- | --- |\n| 站点 | 12 |\n\n正文[^1]\n\n[^1]: 注释内容\n")
    assert '<div class="table-wrap"><table>' in html and "<td>12</td>" in html
    assert "注释内容" in html and "article-1" in html


def test_soft_breaks_inside_chinese_text_add_no_space():
    assert "<p>第一行第二行</p>" in render("第一行\n第二行")


def test_split_sections_finds_titles_and_stray_text():
    sections, stray = split_sections(make_parser(), "# 甲\n\n正文\n\n# 乙\n\n```\n# 不是标题\n```\n")
    assert [s.title for s in sections] == ["甲", "乙"] and stray is None
    assert "# 不是标题" in sections[1].source
    _, stray = split_sections(make_parser(), "前言\n\n# 甲\n")
    assert stray == 0


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:x", "java\nscript:x", " javascript:x",
    "\x01javascript:x", "java\u200bscript:x", "java\u00adscript:x", "&#106;avascript:x", "javascript&colon;x",
    "java&#x09;script:x", "%6Aavascript:x", "java%09script:x", "java%2509script:x", "vbscript:x",
    "data:text/html,x", "file:///etc/passwd", "//evil.example/", "\\\\evil.example\\x", "jar:x", "blob:x",
])
def test_unsafe_links_are_refused_however_written(url):
    from liandong.markdown import is_safe_link

    assert not is_safe_link(url)


@pytest.mark.parametrize("url", ["https://example.org/a:b", "http://x.org", "mailto:a@b.cn", "tel:0731-1",
                                 "../2025/12/index.html#article-1", "#fn1", "a/b:c", "HTTPS://X.ORG"])
def test_safe_links_are_kept(url):
    from liandong.markdown import is_safe_link

    assert is_safe_link(url)


# The fast scanners (liandong.markdown: the text rule and the block line marks) must give the
# stock markdown-it-py tokens for every input: compared here against a parser without them.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from markdown_it.rules_block import StateBlock  # noqa: E402

import liandong.markdown as markdown_module  # noqa: E402

PIECES = list("代表联络站一二、（）“”。，abc1 \t\n\n*_`#>-+=|:!&<[]()\\~^{}$%@") + [
    "\n\n代表进站。\n\n", "\n\n# 标题\n\n", "\n\n#标题\n\n", "\n## 一、\n", "代表", "进站", "\n---\n", "\n===\n", "\n- 一\n", "\n1. 二\n", "\n> 三\n", "\n    四\n", "\u3000\u3000",
    "    ", "\t\t", "1. ", "- ", "> ", "## ", "```", "~~~", "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "[^1]", "[^1]: 注", "![图](a.png)", "[链接](http://x.cn)", "https://x.cn", "a@b.cn", "&#x41;", "**编者按：**", "<b>", "&amp;", "http://x.cn", "\r\n", " \n", "\t\n", "\u3000"]
MARKDOWN = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def stock_parser():
    parser = make_parser()
    parser.block.parse = type(parser.block).parse.__get__(parser.block)
    from markdown_it.rules_inline.text import text
    parser.inline.ruler.at("text", text)
    parser.block.ruler.disable("line_before_blank")
    parser.inline.parse = type(parser.inline).parse.__get__(parser.inline)
    return parser


def tokens_of(parser, source: str) -> list:
    def flat(token):
        return (token.type, token.tag, token.nesting, token.content, token.map, token.attrs, token.markup,
                token.info, token.level, token.block, token.hidden,
                [flat(child) for child in token.children or []])
    return [flat(token) for token in parser.parse(source, {"docId": "a"})]


@settings(max_examples=400, deadline=None)
@given(MARKDOWN)
def test_fast_scanners_give_the_stock_tokens(source):
    fast, stock = make_parser(), stock_parser()
    assert tokens_of(fast, source) == tokens_of(stock, source)
    assert fast.render(source, {"docId": "a"}) == stock.render(source, {"docId": "a"})


@pytest.mark.parametrize("source", ["", "a", "a\n", "a\n   ", "a\n \t", "  a\n\tb\n", "\t \tx", " \n \n",
                                    "a\n\n\t\t- b\n   \t c\n", "x" * 50 + "\n" + "  " * 20])
def test_line_marks_match_stock_state(source):
    state = StateBlock(source, make_parser(), {}, [])
    starts, ends, shifts, columns = markdown_module.line_marks(source)
    assert (starts + [len(source)], ends + [len(source)], shifts + [0], columns + [0]) == \
        (state.bMarks, state.eMarks, state.tShift, state.sCount)


# Articles of plain paragraphs and headings skip markdown-it (liandong.plain_markdown): whatever
# the body, the plain path either declines or gives markdown-it's HTML and text to the byte.

from liandong.markdown import heading_text, render_with_markdown_it  # noqa: E402
from liandong.plain_markdown import plain_heading_text, render_plain_article  # noqa: E402

PLAIN_LINES = [
    "代表联络站建成。", "推行“群众点单”机制，投入89万元。", "他说\"好\"，又说'行'。", "it's 代表'进站'", "a > b，c>d",
    "2023年以来，共办理建议12件。", "1. 不是段落", "1) 也不是", "12345678901. 太长的序号", "Hello 世界",
    "(一)括号开头", "\"引号开头\"", "'单引号开头'", "“中文引号开头”", "代表 ", "代表  ", " 代表", "\u3000代表", "代表\u3000",
    "\t代表", "代表\t", "\u00a0代表", "代表#", "C# 语言", "%百分号开头", "-减号开头", "+加号开头", "=等号", ":冒号",
    "~波浪号", ">引用", "|表格|", "é开头", "—破折号开头", "代表：50%（+3）", "代表;逗号,句号.", "代表{花括号}",
    "代表**强调**", "代表_下划线_", "代表[链接](a)", "代表`代码`", "代表&amp;", "代表<b>", "代表\\", "代表!", "代表^",
    "代表\r", "代表\x00", "代表\x7f", "abc", "x", "中",
    "# 标题", "## 一、密切联系群众", "### （一）创新赋能", "#### 1. 第一", "##### （1）小节", "###### 六级", "####### 七级",
    "## 标题 #", "## 标题 ##", "##  两个空格", "##\t制表符", "## ", "##", "#标题", "## 标题 ", "## “引号”标题",
    "## \"直引号\"标题", "## a > b", "## 标题\u3000", "## C# 入门", "## 2023年", "===", "---", "***", "", " ", "  \t",
    "    缩进代码", "```", "~~~", "- 列表", "* 列表", "> 引用", "[^1]: 注", "[a]: http://x.cn",
]
MARKUP_LINES = [line for line in PLAIN_LINES if render_plain_article(line) is None]
USUAL_LINES = [line for line in PLAIN_LINES if line not in MARKUP_LINES]
# Mostly lines the plain path takes, with now and then one it must decline or that changes the
# meaning of its neighbours (a setext underline, a list, a fence, indentation).
PLAIN_ARTICLES = st.lists(st.one_of(st.sampled_from(USUAL_LINES), st.sampled_from(USUAL_LINES),
                                    st.sampled_from(USUAL_LINES), st.sampled_from(MARKUP_LINES)),
                          max_size=25).map("\n".join)


@settings(max_examples=1500, deadline=None)
@given(PLAIN_ARTICLES)
def test_plain_articles_render_as_markdown_it_does(source):
    fast = render_plain_article(source)
    if fast is not None:
        html, text, images = render_with_markdown_it(make_parser(), source, "article-1")
        assert fast == (html, text) and images == []


def stock_heading_text(line: str) -> str:
    tokens = stock_parser().parse(line)
    return markdown_module._plain_inline(tokens[1]) if len(tokens) > 1 and tokens[1].type == "inline" else ""


@pytest.mark.parametrize("title", PLAIN_LINES)
def test_titles_read_as_markdown_it_reads_them(title):
    line = "# " + title
    fast = plain_heading_text(line)
    assert fast is None or fast == stock_heading_text(line)
    assert heading_text(make_parser(), line) == stock_heading_text(line)


@pytest.mark.parametrize("source", [
    "代表联络站建成。\n\n## 一、密切联系群众\n\n推行“群众点单”机制。",
    "他说\"好\"，\n又说\"行\"。\nHello\nworld 世界\n\n### （一）创新\n正文紧接标题。\n## 1. 第一\n",
    "a > b\n\n\n  \n'单引号'开头\n",
    "",
])
def test_usual_bulletin_text_takes_the_plain_path(source):
    """The path is really taken for a bulletin's usual text (else the comparison above proves nothing)."""
    fast = render_plain_article(source)
    assert fast is not None
    html, text, _ = render_with_markdown_it(make_parser(), source, "article-1")
    assert fast == (html, text)


@pytest.mark.parametrize("source", ["- 列表", "代表**强调**", "1. 一", "代表  \n硬换行", "    代码", "代表\n===",
                                    "## 标题 #", "> 引用", "代表[^1]\n\n[^1]: 注", "\u3000段首空格"])
def test_markup_goes_to_markdown_it(source):
    assert render_plain_article(source) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["# 甲", "#", "# ", "#\t乙", "   # 丙", "    # 丁", "#戊", "## 己", " #", "正文", "", " ",
                                 "\t# 庚", "# 辛 #", "\u3000# 壬"]), max_size=30).map("\n".join))
def test_article_starts_found_in_one_scan_as_line_by_line(body):
    assert markdown_module._heading_lines(body) == markdown_module._heading_lines_outside_fences(body.split("\n"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="一二三四五六七八九十百（）()0123456789.．、 　a", max_size=12))
def test_heading_kind_is_the_first_pattern_that_matches(title):
    expected = next((kind for pattern, kind in markdown_module.HEADING_KINDS if pattern.match(title.strip())), None)
    assert markdown_module.heading_kind(title) == expected
