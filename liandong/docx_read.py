"""Open a Word contribution safely and let mammoth read it.

Contributions arrive by e-mail from many offices, so the file is checked before mammoth sees it:
old binary .doc/.wps files, password-protected documents (an OLE container holding an
``EncryptedPackage``), PDFs, RTF, OpenDocument and other non-Word files, damaged zips, and "docx
bombs" (parts that inflate to gigabytes, thousands of parts, XML entity tricks) are each refused
with a Chinese reason. Only then does mammoth convert the document to HTML — tracked changes are
taken as accepted (insertions kept, deletions dropped), comments are left out, and images linked
from outside the file are never fetched.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import mammoth

from liandong.errors import os_reason
from liandong.docx_markdown import CENTERED_CLASS, ArticleDraft, to_article

MAX_DOCX_BYTES = 64 * 1024 * 1024  # a contribution with a dozen photos is ~10 MB
MAX_PARTS = 2000  # a Word document has a few dozen parts
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # every part inflated, images included
MAX_XML_BYTES = 6 * 1024 * 1024  # a long report is ~1 MB of XML; mammoth reads ~1 MB a second
MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_PLACEHOLDER = "liandong-image-{}"
DEEP = "文档的表格或列表嵌套过深，不像正常来稿（可能是恶意构造的文件），已拒绝"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"))

STYLE_MAP = "\n".join([
    *[f"p[style-name='{name}'] => p.title:fresh" for name in ("Title", "标题", "Subtitle", "副标题")],
    *[f"p[style-name='{name}{space}{n}'] => h{n}:fresh"
      for n in range(1, 7) for name in ("heading", "Heading", "标题") for space in (" ", "")],
    f"p[style-name='{CENTERED_CLASS}'] => p.{CENTERED_CLASS}:fresh",
])
HEADING_STYLE_NAMES = {"title", "标题", "subtitle", "副标题"} | {
    f"{name}{space}{n}" for n in range(1, 7) for name in ("heading", "标题") for space in (" ", "")}


class NotReadable(Exception):
    """Why a file cannot be imported, in Chinese, for the editor."""


@dataclass(frozen=True)
class DocxImage:
    data: bytes
    extension: str  # "png", "jpg", "gif"; "" when browsers and the PDF cannot show the format
    content_type: str


@dataclass
class Contribution:
    """A document as read: its article and the images the article's Markdown points at."""

    path: Path
    article: ArticleDraft
    images: list[DocxImage]


def read_contribution(path: Path) -> Contribution:
    """The article in a .docx file, or NotReadable saying why it cannot be imported."""
    data = _read_file(path)
    _refuse_non_docx(data, path)
    _refuse_bombs(data)
    images: list[DocxImage] = []
    numbered: list[str] = []
    html = _convert(data, images, numbered)
    try:
        article = to_article(html)
    except RecursionError as exc:
        raise NotReadable(DEEP) from exc
    if numbered:
        article.warnings.append(f"有 {len(numbered)} 个标题使用 Word 自动编号（如“{numbered[0]}”），"
                                "编号没有导入，请在标题前补上“一、”“（一）”等")
    return Contribution(path, article, images)


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_DOCX_BYTES:
            raise NotReadable(f"文件过大（{size / 1024 / 1024:.0f} MB），超过 {MAX_DOCX_BYTES // 1024 // 1024} MB，"
                              "不像一篇来稿；请压缩图片后再导入")
        return path.read_bytes()
    except OSError as exc:
        raise NotReadable(f"无法读取文件：{os_reason(exc)}") from exc


def _refuse_non_docx(data: bytes, path: Path) -> None:
    if not data:
        raise NotReadable("文件是空的（0 字节）")
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise NotReadable("文件设置了打开密码（已加密），无法读取；请在 Word/WPS 中取消密码后另存为 .docx 再导入")
        raise NotReadable("这是旧版 Word 97-2003 文档（.doc）或 WPS 文档，不是 .docx；"
                          "请在 Word/WPS 中“另存为”Word 文档（*.docx）后再导入")
    head = data[:64].lstrip()
    for magic, what in ((b"%PDF", "PDF 文件"), (b"{\\rtf", "RTF 文件"), (b"<", "网页或 XML 文件"),
                        (b"MIME-Version", "网页（.mht）文件")):
        if head.startswith(magic) or head[:20].lower().startswith(magic.lower()):
            raise NotReadable(f"这是{what}，不是 Word 文档（.docx）；请在 Word/WPS 中另存为 .docx 后再导入")
    if not data.startswith(b"PK"):
        raise NotReadable("不是 Word 文档（.docx）：文件内容无法识别；请确认选对了文件")


def _refuse_bombs(data: bytes) -> None:
    """Check every part's declared size before anything is inflated.

    Python's zipfile never inflates a part past its declared size (and fails on a lying one with a
    CRC error), so bounding the declared sizes bounds the memory mammoth can be made to use.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_is_word(archive, {info.filename for info in infos})
            if len(infos) > MAX_PARTS:
                raise NotReadable(f"文件内部有 {len(infos)} 个部件，不像正常的 Word 文档（可能是恶意构造的文件）")
            unpacked = sum(info.file_size for info in infos)
            xml = [info for info in infos if info.filename.endswith((".xml", ".rels"))]
            text = sum(info.file_size for info in xml)
            if unpacked > MAX_UNPACKED_BYTES:
                raise NotReadable(f"文件解压后有 {unpacked / 1024 / 1024:.0f} MB（上限 {MAX_UNPACKED_BYTES >> 20} MB），"
                                  "远超正常来稿（可能是“压缩炸弹”），已拒绝")
            if text > MAX_XML_BYTES:
                raise NotReadable(f"文件的文字部分解压后有 {text / 1024 / 1024:.1f} MB（上限 {MAX_XML_BYTES >> 20} MB），"
                                  "远超一篇来稿（可能是“压缩炸弹”）；如确是长篇材料，请拆分后分别导入")
            for info in xml:
                _refuse_doctype(archive.read(info))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise NotReadable("文件已损坏（不是完整的 .docx 压缩包），请让供稿单位重新发送或在 Word 中打开后另存") from exc


def _check_is_word(archive: zipfile.ZipFile, names: set[str]) -> None:
    if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
        raise NotReadable("这是 OpenDocument 文档（.odt，WPS/LibreOffice），不是 .docx；请另存为 Word 文档（*.docx）后再导入")
    if any(name.startswith("xl/") for name in names):
        raise NotReadable("这是 Excel 表格（.xlsx），不是 Word 文档")
    if any(name.startswith("ppt/") for name in names):
        raise NotReadable("这是 PowerPoint 演示文稿（.pptx），不是 Word 文档")
    if "[Content_Types].xml" not in names or not any(name.startswith("word/") for name in names):
        raise NotReadable("这是 ZIP 压缩包，不是 Word 文档（.docx）；如果来稿在压缩包里，请先解压")


def _refuse_doctype(xml: bytes) -> None:
    """Word never writes a DTD; one in a part can only be an entity-expansion trick."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise NotReadable("文件内含 XML 实体声明（DOCTYPE），Word 不会生成这种内容，可能是恶意构造的文件，已拒绝")


def _convert(data: bytes, images: list[DocxImage], numbered: list[str]) -> str:
    def keep_image(image) -> dict[str, str]:
        with image.open() as stream:
            blob = stream.read(MAX_IMAGE_BYTES + 1)
        extension = next((ext for magic, ext in IMAGE_TYPES if blob.startswith(magic)), "")
        if len(blob) > MAX_IMAGE_BYTES:
            extension = ""
        images.append(DocxImage(blob if extension else b"", extension, image.content_type or "未知格式"))
        return {"src": IMAGE_PLACEHOLDER.format(len(images) - 1), "alt": _alt_text(image.alt_text)}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=STYLE_MAP, include_embedded_style_map=False, external_file_access=False,
            transform_document=mammoth.transforms.paragraph(lambda p: _mark_centred(p, numbered)),
            convert_image=mammoth.images.img_element(keep_image))
    except NotReadable:
        raise
    except RecursionError as exc:
        raise NotReadable(DEEP) from exc
    except Exception as exc:  # mammoth raises plain errors (XML, KeyError…) on damaged parts
        raise NotReadable(f"文件内容已损坏，无法读取（{type(exc).__name__}）；请在 Word 中打开后另存为 .docx 再导入") from exc
    return result.value


def _mark_centred(paragraph, numbered: list[str]):
    """Centred lines are how most contributors set their title; keep that fact in the HTML.

    Also notes headings numbered by Word itself: mammoth keeps their text but not the number.
    """
    style = (paragraph.style_name or "").lower()
    if paragraph.numbering is not None and style in HEADING_STYLE_NAMES:
        numbered.append(mammoth.extract_raw_text_from_element(paragraph).strip()[:20])
    if paragraph.alignment == "center" and paragraph.numbering is None and style not in HEADING_STYLE_NAMES:
        return paragraph.copy(style_name=CENTERED_CLASS)
    return paragraph


def _alt_text(alt: str | None) -> str:
    """Word fills in “Picture 1” or the file name when the contributor wrote no description."""
    text = (alt or "").strip()
    if not text or text.lower().startswith(("picture", "image", "图片 ")) or "." in text[-5:]:
        return "配图"
    return text[:100]
