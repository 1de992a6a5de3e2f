"""Word contributions made with python-docx, in the styles different county offices write in.

Each maker writes a .docx and returns what an editor expects to find in the bulletin: the title,
the headings (with the numbering that sets their style), the body paragraphs (text as Word shows it,
without the indentation and line breaks), the unit of its 供稿 line and any table cells, footnotes
and images. python-docx cannot write footnotes or tracked changes, so those are added as the
WordprocessingML Word itself writes (a footnotes part, w:ins/w:del runs).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement
from docx.shared import Cm
from PIL import Image

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


@dataclass
class Expected:
    title: str
    headings: list[str]
    paragraphs: list[str]
    unit: str | None = None
    cells: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    images: int = 0
    bold: list[str] = field(default_factory=list)
    italic: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # text that must not come across


def centred(document, text: str, bold: bool = False):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def bold_paragraph(document, text: str):
    paragraph = document.add_paragraph()
    paragraph.add_run(text).bold = True
    return paragraph


def add_footnote(document, paragraph, number: int, text: str) -> None:
    """A footnote as Word writes it: a reference run in the text and an entry in word/footnotes.xml."""
    package = document.part.package
    part = next((p for p in package.iter_parts() if p.partname == "/word/footnotes.xml"), None)
    entry = (f'<w:footnote w:id="{number}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
             f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>')
    if part is None:
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W}">'
               '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
               '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r>'
               f'</w:p></w:footnote>{entry}</w:footnotes>')
        part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode("utf-8"), package)
        document.part.relate_to(part, RT.FOOTNOTES)
    else:
        part._blob = part.blob.replace(b"</w:footnotes>", entry.encode("utf-8") + b"</w:footnotes>")
    run = paragraph.add_run()
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(number))
    run._r.append(reference)


def add_tracked(paragraph, inserted: str, deleted: str) -> None:
    """Tracked changes left in the file: an insertion (kept) and a deletion (dropped)."""
    paragraph._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="91" w:author="审稿人" w:date="2025-07-01T00:00:00Z">'
                                  f'<w:r><w:t>{inserted}</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="92" w:author="审稿人" w:date="2025-07-01T00:00:00Z">'
                                  f'<w:r><w:delText>{deleted}</w:delText></w:r></w:del>'))


def png(width: int = 240, height: int = 120, colour=(180, 30, 30)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(data, format="PNG")
    data.seek(0)
    return data


def styled_headings(path: Path) -> Expected:
    """Word's own styles: Title, Heading 1/2, lists, a table with a merged cell, italic, an image."""
    document = docx.Document()
    document.add_heading("“微建议”小切口解决民生大问题", level=0)
    document.add_paragraph("\u3000\u3000今年以来，浏阳市人大常委会聚焦群众“急难愁盼”，探索“微建议”办理机制。")
    document.add_heading("一、拓宽收集渠道", level=1)
    intro = document.add_paragraph("\u3000\u3000依托代表联络站，")
    intro.add_run("线上线下").italic = True
    intro.add_run("同步收集意见建议。")
    document.add_paragraph("设立意见箱", style="List Bullet")
    document.add_paragraph("开通小程序", style="List Bullet")
    document.add_heading("（一）线上渠道", level=2)
    document.add_paragraph("\u3000\u3000网上联络站全天候受理群众留言。")
    table = document.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    for row, values in enumerate((("渠道", "件数", "办结"), ("线下", "126", "120"), ("线上", "85", "85"))):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    document.add_heading("二、压实办理责任", level=1)
    document.add_paragraph("\u3000\u3000建立“交办、督办、反馈”闭环。")
    document.add_picture(png(), width=Cm(6))
    document.add_paragraph("（长沙市浏阳市人大常委会 供稿）")
    document.save(path)
    return Expected(
        title="“微建议”小切口解决民生大问题",
        headings=["一、拓宽收集渠道", "（一）线上渠道", "二、压实办理责任"],
        paragraphs=["今年以来，浏阳市人大常委会聚焦群众“急难愁盼”，探索“微建议”办理机制。",
                    "依托代表联络站，线上线下同步收集意见建议。", "网上联络站全天候受理群众留言。",
                    "建立“交办、督办、反馈”闭环。"],
        unit="长沙市浏阳市人大常委会", cells=["渠道", "件数", "办结", "线下", "126", "85"], images=1,
        italic=["线上线下"], absent=["供稿）"])


def bold_headings(path: Path) -> Expected:
    """Direct formatting only: a centred bold title, bold 一、/（一） paragraphs, a footnote, tracked changes."""
    document = docx.Document()
    centred(document, "代表联络站里的“板凳会”", bold=True)
    document.add_paragraph("")
    document.add_paragraph("\u3000\u3000")
    first = document.add_paragraph("\u3000\u3000平江县人大常委会推动代表联络站")
    first.add_run("常态化").bold = True
    first.add_run("开展“板凳会”")
    add_footnote(document, first, 1, "“板凳会”指代表与群众围坐议事的形式。")
    first.add_run("，把会场搬到群众家门口。")
    bold_paragraph(document, "一、议事有规矩")
    rules = document.add_paragraph("\u3000\u3000每月固定一天为议事日，")
    add_tracked(rules, "议题提前公示，", "此句已删除，")
    rules.add_run("群众可现场提出诉求。")
    bold_paragraph(document, "（一）议题怎么定")
    lines = document.add_paragraph("\u3000\u3000议题由群众提出、代表梳理，")
    lines.add_run().add_break()
    lines.add_run("经联络站审定后公布。")
    bold_paragraph(document, "二、成效看得见")
    document.add_paragraph("\u3000\u3000今年以来共召开“板凳会”48场，解决问题132个。")
    document.add_paragraph("（岳阳市平江县人大常委会 供稿）")
    document.save(path)
    return Expected(
        title="代表联络站里的“板凳会”",
        headings=["一、议事有规矩", "（一）议题怎么定", "二、成效看得见"],
        paragraphs=["平江县人大常委会推动代表联络站常态化开展“板凳会”，把会场搬到群众家门口。",
                    "每月固定一天为议事日，议题提前公示，群众可现场提出诉求。",
                    "议题由群众提出、代表梳理，经联络站审定后公布。",
                    "今年以来共召开“板凳会”48场，解决问题132个。"],
        unit="岳阳市平江县人大常委会", footnotes=["“板凳会”指代表与群众围坐议事的形式。"], bold=["常态化"],
        absent=["此句已删除"])


def plain_headings(path: Path) -> Expected:
    """Everything typed as plain text: 一、 headings, a 供稿单位 line at the top, full-width indentation,
    a comment, numbered 1. headings and a manual line break inside a sentence."""
    document = docx.Document()
    document.add_paragraph("供稿单位：凤凰县人大常委会")
    document.add_paragraph("双语宣讲把“三会三文”精神送进苗寨")
    intro = document.add_paragraph("\u3000\u3000凤凰县人大常委会组织苗汉双语宣讲队，深入村寨宣讲。")
    document.add_comment(intro.runs, text="这句要核实", author="编辑")
    document.add_paragraph("一、组建宣讲队伍")
    document.add_paragraph("1.选好宣讲人员")
    broken = document.add_paragraph("\u3000\u3000从县乡人大代表中选出30名懂苗语的")
    broken.add_run().add_break()
    broken.add_run("代表组成宣讲队。")
    document.add_paragraph("二、创新宣讲方式")
    document.add_paragraph("\u3000\u3000用苗歌、故事等群众喜闻乐见的形式宣讲，覆盖群众2万余人次。")
    document.save(path)
    return Expected(
        title="双语宣讲把“三会三文”精神送进苗寨",
        headings=["一、组建宣讲队伍", "1.选好宣讲人员", "二、创新宣讲方式"],
        paragraphs=["凤凰县人大常委会组织苗汉双语宣讲队，深入村寨宣讲。",
                    "从县乡人大代表中选出30名懂苗语的代表组成宣讲队。",
                    "用苗歌、故事等群众喜闻乐见的形式宣讲，覆盖群众2万余人次。"],
        unit="凤凰县人大常委会", absent=["这句要核实", "供稿单位"])


def new_county_with_byline(path: Path) -> Expected:
    """A county the archive does not know, signed by a byline under a two-line centred title."""
    document = docx.Document()
    centred(document, "打造“家门口”的代表联络站")
    centred(document, "——衡东县推进代表联络站提质增效")
    centred(document, "衡阳市衡东县人大常委会")
    document.add_paragraph("\u3000\u3000衡东县人大常委会以联络站提质为抓手, 推动代表履职.")
    document.add_paragraph("\u3000\u3000一是完善阵地。新建联络站12个。")
    document.save(path)
    return Expected(
        title="打造“家门口”的代表联络站——衡东县推进代表联络站提质增效",
        headings=[],
        paragraphs=["衡东县人大常委会以联络站提质为抓手，推动代表履职", "一是完善阵地。新建联络站12个。"],
        unit="衡阳市衡东县人大常委会")


MAKERS = {"styled": styled_headings, "bold": bold_headings, "plain": plain_headings, "byline": new_county_with_byline}
