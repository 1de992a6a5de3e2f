"""The yearly 合订本, assembled from the issue PDFs the build has already rendered.

Why assembled and not laid out: a year of issues is ~900 pages; laying it out again as one
WeasyPrint document cost minutes and ~500 MB after any edit to any issue of the year. Here only the
cover and the 目录 (a few pages) are rendered, and the issue pages are copied unchanged from the
issue PDFs with qpdf (through pikepdf), which copies content streams and fonts without decoding
them. The issues in the volume are therefore, byte for byte of their page content, the issues that
were sent to the readers. The front matter renders in a PDF worker (:func:`volume_job`), which has
WeasyPrint loaded already, and the copy is made by a child process with pikepdf alone
(:func:`assemble_apart`), which writes the volume into the staging tree; the build's main process
only reads the issues' page counts. On a Dask cluster, whose workers cannot see the staged issue
PDFs, the front matter renders remotely and the copy is started from the main process
(:class:`AssembledHere`).

Why pikepdf rather than pypdf: the copy is a C++ object copier (qpdf) that keeps one mapping of
copied objects per source file, so bookmarks, named destinations and the PDF/UA structure tree
copied after the pages point at the copied pages without any bookkeeping of ours; and a 900-page
year is written in a fraction of a second and a few tens of MB, where pypdf re-parses and
re-serialises every object in Python (measured in the README, "合订本").

Page numbering: each issue keeps its own printed "— N —", starting at 1. A 合订本 is the year's
issues bound together: the print room collates the printed issues (or reprints them from the
same plates) and must not get pages whose folios differ from the copies already distributed, and a
reader citing "第12期第3页" must find the same page in the single issue and in the volume. So the
目录 gives every article as 期号-页码 ("12-3" = 第12期第3页, said in a note under its heading),
which is unambiguous because the 目录 lists each issue's articles under that issue. The cover and
目录 are counted in lower-case roman numerals (the cover unprinted), as a book's front matter is.
The PDF's page labels say the same ("12-3", "ii"), so a viewer's page box matches the print.

Binding: every issue starts on a right-hand page, as a single issue does (its mirrored margins and
outside page numbers assume page 1 is a recto): a blank leaf follows the front matter and each
issue with an odd number of pages (not the last). Blank pages carry no number (GB/T 9704 §7.5).

What the PDF keeps: one bookmark per issue with that issue's article bookmarks under it; every
named destination of an issue as ``issue-<期号>-<name>`` (the ids the old laid-out volume had),
with the issue's own internal links renamed to match; the 目录 entries link to the articles; the
metadata (title, author, language, dates), PDF/A output intent and XMP are the front matter's,
which is rendered with the volume's title and variant, so the volume carries exactly one output
intent. For pdf/ua-1, every issue's structure tree is grafted under the volume's Document element
with its page and annotation keys renumbered, so the volume stays tagged. Output is deterministic:
the file identifier is computed from the content (no clock, no random ID).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from concurrent.futures import Future
from typing import Callable, Iterable

from liandong.errors import LiandongError, Location, Problem
from liandong.model import Issue


@dataclass(frozen=True)
class IssueLayout:
    """Where things are in one issue's PDF: its page count and, by named destination (the
    article anchors among them), the 1-based page each one is on."""

    pages: int
    anchors: dict[str, int]

    def page_of(self, anchor: str) -> int:
        return self.anchors.get(anchor, 1)


def read_layout(path: Path) -> IssueLayout:
    """The page count and anchor pages of an issue PDF (reads only the catalog and page tree)."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        anchors = {}
        for name, target in named_destinations(pdf):
            page = destination_page(target)
            if page is not None and page.objgen in index:
                anchors[name] = index[page.objgen]
        return IssueLayout(len(pdf.pages), anchors)


def named_destinations(pdf) -> list[tuple[str, object]]:
    """(name, destination) pairs of the catalog's /Dests name tree, in the tree's order."""
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    return [(str(name), target) for name, target in pikepdf.NameTree(names.Dests).items()]


def destination_page(target):
    """The page object an explicit destination (array, or dictionary with /D) points at."""
    import pikepdf

    if isinstance(target, pikepdf.Dictionary):
        target = target.get("/D")
    if isinstance(target, pikepdf.Array) and len(target) and isinstance(target[0], pikepdf.Dictionary):
        return target[0]
    return None


def contents_entries(issues: list[Issue], layouts: list[IssueLayout]) -> list[dict]:
    """What the 目录 lists: per issue, its articles with their page in that issue."""
    return [{"issue": issue, "pages": layout.pages,
             "articles": [(article, layout.page_of(article.anchor)) for article in issue.articles]}
            for issue, layout in zip(issues, layouts)]


@dataclass(frozen=True)
class IssueFile:
    """What assembling needs of an issue (small enough to send to a worker process)."""

    number: int
    label: str
    path: Path


def issue_anchor(issue: IssueFile | Issue, name: str = "") -> str:
    """The volume's name for an issue's destination (the ids the laid-out volume used)."""
    return f"issue-{issue.number}" + (f"-{name}" if name else "")


def is_volume(page) -> bool:
    """Whether a planned print is a yearly volume (liandong.printing.plan_prints makes them)."""
    return page.template == "print/volume.html"


@dataclass(frozen=True)
class VolumeJobs:
    """The volumes a build must make, and how to render a volume's front matter HTML once its
    目录 entries are known (``front_html(page, contents)``)."""

    pages: list
    front_html: Callable[[object, list[dict]], str] | None


def render_volumes(pages: list, stage: Path, issue_pdf: Callable[[Issue], str], front_html,
                   run: Callable[[str, Path, list[IssueFile], Path], Future],
                   done: Callable[[object], object]) -> None:
    """Make every volume in ``pages`` from the issue PDFs in ``stage`` (``issue_pdf`` gives an
    issue's path there): here, read each issue's page count and article pages (a few KB of each
    file) and write the 目录's HTML; then ``run(html, source, issues, target)`` makes the volume
    where the build's PDFs render and writes it to ``target`` in the stage (see :func:`volume_job`),
    all volumes at once; ``done(page)`` is called as each is written."""
    started = []
    for page in pages:
        issues: list[Issue] = page.context["issues"]
        files = [IssueFile(issue.number, issue.label, stage / issue_pdf(issue)) for issue in issues]
        for issue, file in zip(issues, files):
            if not file.path.is_file():
                raise LiandongError(Problem(Location(issue.path), f"装订合订本时找不到本期的 PDF（{file.path.name}）；"
                                            "请删除输出目录后重新完整构建"))
        contents = contents_entries(issues, [read_layout(file.path) for file in files])
        started.append((page, run(front_html(page, contents), page.context["source"], files, stage / page.dest)))
    for page, volume in started:
        volume.result()
        done(page)


def volume_job(front_html: str, base_url: str, variant: str | None, source: Path, issues: list[IssueFile],
               target: Path) -> None:
    """One volume, in a PDF worker: its front matter rendered there (WeasyPrint and the fonts are
    loaded already), then the issue pages copied in and the volume written to ``target`` by a
    short-lived process of its own (:func:`assemble_apart`). The build's main process never holds
    a volume in memory, and neither does the worker."""
    from liandong.pdf import render_job

    assemble_apart(render_job(front_html, base_url, variant, source), issues, variant, target)


def assemble_apart(front: bytes, issues: list[IssueFile], variant: str | None, target: Path) -> None:
    """:func:`assemble` in a child process (``python -m liandong.volume``, pikepdf only).

    Why: the copy of a year's issues needs ~60 MB at once, and a PDF worker that has rendered the
    year's issues already holds ~210 MB (WeasyPrint, the fonts, jieba): binding there took a worker
    to 271 MB at 1000 issues (issue 14 allows 250 MB a worker). A fresh interpreter with pikepdf
    binds the largest volume in ~80 MB (79 MB in the 1000-issue bench run) and costs ~0.1 s of
    CPU to start. The child ends with this worker (liandong.interrupt.exit_with), so a stopped
    build leaves no copy running into its stage; it is started with ``-P`` and from the package's
    folder, so nothing in the working directory (a site folder) is importable by it. The target's
    folder is made here, not by the child."""
    import base64
    import json
    import os
    import subprocess
    import sys

    target.parent.mkdir(parents=True, exist_ok=True)
    request = {"front": base64.b64encode(front).decode("ascii"), "variant": variant, "path": str(target.absolute()),
               "parent": os.getpid(),  # paths made absolute: the child runs in another folder
               "issues": [[issue.number, issue.label, str(issue.path.absolute())] for issue in issues]}
    package_root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package_root), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-P", "-m", "liandong.volume"], input=json.dumps(request).encode(),
                          capture_output=True, cwd=package_root, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"合订本装订进程失败（{done.returncode}）：{done.stderr.decode(errors='replace')[-2000:]}")


def main() -> None:
    """The child of :func:`assemble_apart`: one request on stdin, the volume written to its path."""
    import base64
    import json
    import sys

    from liandong.interrupt import exit_with

    request = json.loads(sys.stdin.buffer.read())
    exit_with(request["parent"])
    issues = [IssueFile(number, label, Path(path)) for number, label, path in request["issues"]]
    assemble(base64.b64decode(request["front"]), issues, request["variant"], Path(request["path"]))


class AssembledHere:
    """A volume whose front matter renders elsewhere (a Dask worker, which cannot see the staged
    issue PDFs): assembled from here, into ``target``, when its result is asked for (by a child
    process, as in a PDF worker: this process holds the whole build already)."""

    def __init__(self, front: Future, issues: list[IssueFile], variant: str | None, target: Path) -> None:
        self.front, self.issues, self.variant, self.target = front, issues, variant, target

    def result(self) -> None:
        assemble_apart(self.front.result(), self.issues, self.variant, self.target)

    def cancel(self) -> bool:
        return self.front.cancel()


def assemble(front: bytes, issues: Iterable[IssueFile], variant: str | None, path: Path) -> None:
    """The volume: the rendered front matter, then each issue's pages, as described above, written
    to ``path``. In a staging tree ``path`` may be a hard link to the live file, which must never
    change: it is unlinked first, as liandong.writer.write_file does (pikepdf would otherwise write
    a temporary file beside it and rename that over it, which is as safe, but leaves a stray file
    in the stage if the copying process is killed)."""
    import pikepdf

    volume = pikepdf.open(io.BytesIO(front))
    labels: list = [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    front_bookmarks = [(item.title, item.destination) for item in volume.open_outline().root]
    dests: dict[str, object] = dict(named_destinations(volume))
    tags = StructureGraft(volume)
    issues = list(issues)
    pad_to_recto(volume)
    bookmarks = []
    for position, issue in enumerate(issues):
        with pikepdf.open(issue.path) as source:
            first = len(volume.pages)
            with warnings.catch_warnings():  # pikepdf warns that named destinations are not carried over:
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # they are, below, renamed per issue
                volume.pages.extend(source.pages)
            labels += [first, pikepdf.Dictionary(S=pikepdf.Name.D, P=pikepdf.String(f"{issue.number}-"), St=1)]
            rename_internal_links(volume.pages[first:], issue)
            for name, target in named_destinations(source):
                dests[issue_anchor(issue, name)] = copied(volume, source, target)
            dests[issue_anchor(issue)] = pikepdf.Array([volume.pages[first].obj, pikepdf.Name.Fit])
            children = [copy_bookmark(volume, source, item) for item in source.open_outline().root]
            bookmarks.append((issue.label, dests[issue_anchor(issue)], children))
            tags.graft(source, volume.pages[first:])
        if position < len(issues) - 1:
            pad_to_recto(volume)
    write_bookmarks(volume, front_bookmarks, bookmarks)
    write_destinations(volume, dests)
    volume.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(labels))
    # PDF/A-1 is PDF 1.4, which has no object streams; every other output packs objects into them.
    streams = pikepdf.ObjectStreamMode.disable if (variant or "").startswith("pdf/a-1") \
        else pikepdf.ObjectStreamMode.generate
    path.unlink(missing_ok=True)
    volume.save(path, deterministic_id=True, object_stream_mode=streams, compress_streams=True)


def copied(volume, source, target):
    """A destination of a source file, copied into the volume: qpdf maps its page to the page
    already copied (copy_foreign takes indirect objects only, hence make_indirect)."""
    import pikepdf

    if not isinstance(target, (pikepdf.Array, pikepdf.Dictionary)):
        return target
    return volume.copy_foreign(target if target.is_indirect else source.make_indirect(target))


def copy_bookmark(volume, source, item) -> tuple:
    """(title, destination, children) of a source bookmark, destinations copied into the volume."""
    return (item.title, copied(volume, source, item.destination),
            [copy_bookmark(volume, source, child) for child in item.children])


def rename_internal_links(pages, issue: Issue) -> None:
    """Links inside an issue name its destinations (``/Dest (article-1-fn1)``): point them at the
    volume's names for them, so a footnote in 第13期 jumps within 第13期."""
    import pikepdf

    for page in pages:
        for annotation in page.obj.get("/Annots", []):
            target = annotation.get("/Dest")
            if isinstance(target, (pikepdf.String, pikepdf.Name)):
                annotation.Dest = pikepdf.String(issue_anchor(issue, str(target).lstrip("/")))


def pad_to_recto(volume) -> None:
    """Add a blank page, the size of the last one, if the next page would be a left-hand page."""
    import pikepdf

    if len(volume.pages) % 2 == 0:
        return
    last = volume.pages[-1].obj
    blank = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=last.MediaBox,
                               Resources=pikepdf.Dictionary(), Contents=volume.make_stream(b""))
    for box in ("/TrimBox", "/BleedBox", "/CropBox"):
        if box in last:
            blank[box] = last[box]
    volume.pages.append(pikepdf.Page(blank))


def write_bookmarks(volume, front: list, issues: list) -> None:
    """Front matter bookmarks (目录), then one per issue with its own bookmarks nested."""
    from pikepdf import OutlineItem

    def item(title, destination, children):
        made = OutlineItem(title, destination)
        made.children.extend(item(*child) for child in children)
        return made

    with volume.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(OutlineItem(title, destination) for title, destination in front)
        outline.root.extend(item(*entry) for entry in issues)


def write_destinations(volume, dests: dict) -> None:
    """One sorted /Dests name tree. The 目录's links were rendered pointing at anchors on the
    目录 page itself (``issue-12-article-1``); the issue's destination of the same name replaces
    that entry, so they jump to the article."""
    import pikepdf

    names = pikepdf.Array()
    for name in sorted(dests, key=lambda key: key.encode("utf-16-be") if not key.isascii() else key.encode()):
        names.append(pikepdf.String(name))
        names.append(dests[name])
    if "/Names" not in volume.Root:
        volume.Root.Names = pikepdf.Dictionary()
    volume.Root.Names.Dests = volume.make_indirect(pikepdf.Dictionary(Names=names))


class StructureGraft:
    """Keeps a pdf/ua volume tagged: each issue's Document structure element becomes a Part under
    the volume's Document, and the keys its pages and annotations use in the parent tree are moved
    past the keys already taken. Without a structure tree in the front matter (no pdf/ua), nothing
    is done."""

    def __init__(self, volume) -> None:
        root = volume.Root.get("/StructTreeRoot")
        self.volume, self.root = volume, root
        if root is not None:
            self.nums = root.ParentTree.Nums
            self.document = root.K[0] if len(root.K) else None
            self.next_key = max((int(self.nums[i]) for i in range(0, len(self.nums), 2)), default=-1) + 1

    def graft(self, source, pages) -> None:
        import pikepdf

        theirs = source.Root.get("/StructTreeRoot")
        if self.root is None or self.document is None or theirs is None:
            return
        copy = self.volume.copy_foreign(theirs)
        offset = self.next_key
        for element in copy.K:
            element.S = pikepdf.Name.Part
            element.P = self.document
            self.document.K.append(element)
        source_nums = copy.ParentTree.Nums
        highest = -1
        for i in range(0, len(source_nums), 2):
            key = int(source_nums[i])
            self.nums.append(key + offset)
            self.nums.append(source_nums[i + 1])
            highest = max(highest, key)
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        self.next_key = offset + highest + 1
        self.root.ParentTreeNextKey = self.next_key


if __name__ == "__main__":
    main()
