"""The yearly 合订本, read back as the print room and a reader would: assembled from the issue PDFs,
each issue keeping its own page numbers, a 目录 that says 期号-页码, bookmarks, links, metadata."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from liandong.build import build

from conftest import copy_site
from pdfcheck import pdf_text, squeeze, structure_types

VOLUMES = {2024: ["2024/35/liandong-2024-35.pdf", "2024/36/liandong-2024-36.pdf"],
           2025: ["2025/12/liandong-2025-12.pdf", "2025/13/liandong-2025-13.pdf"]}
FOOTNOTE = "\n\n代表联络站建设情况见附注。[^note]\n\n[^note]: 附注：截至年底，全县建成代表联络站二十个。\n"


def volume_path(build_dir: Path, year: int) -> Path:
    return build_dir / f"{year}/liandong-{year}-volume.pdf"


def bookmarks(reader: PdfReader, items=None, depth=0) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += bookmarks(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    return found


def front_pages(reader: PdfReader) -> int:
    """Pages before the first issue: labelled in roman numerals (cover, 目录, a blank leaf)."""
    return next(i for i, label in enumerate(reader.page_labels) if "-" in label)


def issue_page_counts(build_dir: Path, year: int) -> list[int]:
    return [len(PdfReader(build_dir / path).pages) for path in VOLUMES[year]]


def contents_entries(volume: Path, front: int) -> list[tuple[str, str]]:
    """(title text, "期-页") pairs as the 目录 prints them, a title wrapped over lines joined."""
    entries, title = [], ""
    for line in pdf_text(volume, 2, front, layout=True).splitlines():
        line = re.sub(r"—\s*[ivxl]+\s*—", "", line).strip()  # the front matter's own folio
        ending = re.fullmatch(r"(.*?)[.\s]*(\d+-\d+)", line)
        if ending:
            entries.append((squeeze(title + ending.group(1)), ending.group(2)))
            title = ""
        elif line:
            title += line
    return entries


@pytest.mark.parametrize("year", [2024, 2025])
def test_volume_is_front_matter_then_every_issue_page_each_starting_on_a_right_hand_page(built_site, year):
    volume = PdfReader(volume_path(built_site, year))
    counts = issue_page_counts(built_site, year)
    front = front_pages(volume)
    assert front % 2 == 0 and front >= 2  # cover and 目录, padded so that the first issue starts on a recto
    padding = sum(count % 2 for count in counts[:-1])  # a blank leaf after an issue of odd length
    assert len(volume.pages) == front + sum(counts) + padding
    labels, start = volume.page_labels, front
    for path, count in zip(VOLUMES[year], counts):
        number = int(Path(path).parent.name)
        assert start % 2 == 0  # 0-based even = a right-hand page
        assert labels[start:start + count] == [f"{number}-{page}" for page in range(1, count + 1)]
        issue = PdfReader(built_site / path)
        for page in range(count):  # the issue's pages are copied unchanged, its own "— N —" included
            assert volume.pages[start + page].get_contents().get_data() == issue.pages[page].get_contents().get_data()
        last_page = pdf_text(volume_path(built_site, year), start + count, start + count)
        assert re.search(rf"—\s*{count}\s*—", last_page)  # the issue's own last folio, not a volume-wide one
        start += count + count % 2


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_bookmark_lands_on_the_page_that_prints_its_title(built_site, year):
    path = volume_path(built_site, year)
    reader = PdfReader(path)
    marks = bookmarks(reader)
    assert marks[0][:2] == (0, "目录") and "目录" in squeeze(pdf_text(path, marks[0][2], marks[0][2]))
    issues = [m for m in marks if m[0] == 0][1:]
    assert [title for _, title, _ in issues] == [f"{year}年第{Path(p).parent.name}期" for p in VOLUMES[year]]
    articles = [m for m in marks if m[0] == 1]
    expected = sum(len([m for m in bookmarks(PdfReader(built_site / p))]) for p in VOLUMES[year])
    assert len(articles) == expected >= 2
    for _, title, page in issues + articles:
        text = squeeze(pdf_text(path, page, page))
        assert squeeze(title)[:12] in text or f"第{title.split('第')[-1]}" in text, (title, page)


def test_contents_give_issue_and_page_of_every_article(built_site):
    for year in VOLUMES:
        path = volume_path(built_site, year)
        reader = PdfReader(path)
        front = front_pages(reader)
        entries = contents_entries(path, front)
        labels = reader.page_labels
        articles = [(title, page) for depth, title, page in bookmarks(reader) if depth == 1]
        listed = [(title, where) for title, where in entries if "期（总第" not in title]
        assert len(listed) == len(articles)
        for (title, page), (printed, where) in zip(articles, listed):
            assert squeeze(title) in printed  # the title as printed, then its 期号-页码 …
            assert labels[page - 1] == where  # … which is the page the bookmark (and the title) is on
            number, folio = where.split("-")
            issue = PdfReader(built_site / f"{year}/{int(number):02d}/liandong-{year}-{int(number):02d}.pdf")
            assert squeeze(title)[:12] in squeeze(issue.pages[int(folio) - 1].extract_text())
        assert "目录中“" in squeeze(pdf_text(path, 2, 2))  # the note saying how to read 12-2


def test_contents_links_and_named_destinations_jump_to_the_articles(built_site):
    path = volume_path(built_site, 2025)
    reader = PdfReader(path)
    dests = {name: reader.get_destination_page_number(dest) + 1 for name, dest in reader.named_destinations.items()}
    labels = reader.page_labels
    assert labels[dests["issue-12"] - 1] == "12-1" and labels[dests["issue-13"] - 1] == "13-1"
    assert labels[dests["issue-12-article-2"] - 1].startswith("12-")
    links = [annotation.get_object()["/Dest"] for annotation in reader.pages[1].get("/Annots", [])]
    assert {"issue-12", "issue-12-article-1", "issue-12-article-2", "issue-13-article-2"} <= set(links)
    for page in reader.pages:  # no link anywhere points at a destination the volume does not have
        for annotation in page.get("/Annots") or []:
            target = annotation.get_object().get("/Dest")
            assert target is None or str(target) in dests, target


def test_volume_metadata_is_the_volumes(built_site):
    reader = PdfReader(volume_path(built_site, 2025))
    assert reader.metadata.title == "联络动态 2025年合订本"
    assert reader.metadata.author == "湖南省人大常委会代表工作委员会"
    assert reader.metadata["/CreationDate"].startswith("D:20250808")  # the last issue's date, not the clock
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_one_edited_issue_changes_only_its_pages_and_rebuilds_are_identical(tmp_path):
    site = copy_site(tmp_path / "site")
    build(site)
    before = volume_path(site / "build", 2025).read_bytes()
    # The copying process writes the new volume itself, into a staging tree whose files start as
    # hard links to the live ones: the file a reader (or the previous build/) holds must not change.
    os.link(volume_path(site / "build", 2025), tmp_path / "held.pdf")
    issue = site / "content/2025/13.md"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("\n# 岳阳市平江县", FOOTNOTE + "\n# 岳阳市平江县", 1), encoding="utf-8")
    report = build(site)
    assert set(report.written) >= {"2025/13/liandong-2025-13.pdf", "2025/liandong-2025-volume.pdf"}
    assert not {"2025/12/liandong-2025-12.pdf", "2024/liandong-2024-volume.pdf"} & set(report.written)
    assert (tmp_path / "held.pdf").read_bytes() == before
    (tmp_path / "before.pdf").write_bytes(before)
    old, new = PdfReader(tmp_path / "before.pdf"), PdfReader(volume_path(site / "build", 2025))
    first_13 = new.page_labels.index("13-1")
    assert old.page_labels.index("13-1") == first_13
    for page in range(first_13):  # cover, 目录 and 第12期: same page content as before the edit
        assert new.pages[page].get_contents().get_data() == old.pages[page].get_contents().get_data()
    assert squeeze(FOOTNOTE.split("[^note]")[0]) in squeeze(pdf_text(volume_path(site / "build", 2025), first_13 + 1))
    # the footnote's link was renamed with the issue and still lands in 第13期
    dests = {name: new.get_destination_page_number(dest) for name, dest in new.named_destinations.items()}
    footnote_links = [str(a.get_object()["/Dest"]) for page in new.pages[first_13:]
                      for a in page.get("/Annots") or [] if "fn" in str(a.get_object().get("/Dest", ""))]
    assert footnote_links and all(l.startswith("issue-13-") and dests[l] >= first_13 for l in footnote_links)
    # a cold build of the same sources in another folder gives the same bytes
    other = copy_site(tmp_path / "again")
    shutil.copy(issue, other / "content/2025/13.md")
    again = build(other)
    assert volume_path(again.out_dir, 2025).read_bytes() == volume_path(site / "build", 2025).read_bytes()


def test_archival_volume_has_one_output_intent_and_the_volumes_xmp(tmp_path):
    site = copy_site(tmp_path / "site")
    shutil.rmtree(site / "content/2024")
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "pdf:\n  variant: pdf/a-3b\n", encoding="utf-8")
    build(site)
    reader = PdfReader(volume_path(site / "build", 2025))
    root = reader.trailer["/Root"]
    assert len(root["/OutputIntents"]) == 1
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(>|=\")3", xmp) and "2025年合订本" in xmp
    assert len(reader.trailer["/ID"]) == 2  # PDF/A requires a file identifier (made from the content)


def test_accessible_volume_keeps_every_issues_tags(tmp_path):
    site = copy_site(tmp_path / "site")
    shutil.rmtree(site / "content/2024")
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "pdf:\n  variant: pdf/ua-1\n", encoding="utf-8")
    build(site)
    path = volume_path(site / "build", 2025)
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    types = structure_types(path)
    assert types.count("Part") == 2 and types.count("H1") >= 5  # 目录 heading + four article titles
    tree = root["/StructTreeRoot"]
    nums = tree["/ParentTree"].get_object()["/Nums"]
    keys = [nums[i] for i in range(0, len(nums), 2)]
    assert keys == sorted(set(keys)) and tree["/ParentTreeNextKey"] > keys[-1]
    for page in reader.pages:  # every tagged page and link finds its own entry in the parent tree
        if "/StructParents" in page:
            assert page["/StructParents"] in keys
        for annotation in page.get("/Annots") or []:
            if "/StructParent" in annotation.get_object():
                assert annotation.get_object()["/StructParent"] in keys


def test_the_copy_made_in_a_child_process_is_the_copy_made_here(built_site, tmp_path, monkeypatch):
    """A volume's pages are copied by a child process (liandong.volume.assemble_apart, to keep the
    PDF worker's memory down): given relative paths from another working folder, it writes the
    same bytes as assemble() in this process. A pikepdf.py in the working folder (a site folder
    can hold any file) is not imported by the child."""
    import pikepdf

    from liandong.volume import IssueFile, assemble, assemble_apart

    with pikepdf.open(volume_path(built_site, 2025)) as volume:  # a stand-in front matter: its cover
        front = pikepdf.new()
        front.pages.append(volume.pages[0])
        front.save(tmp_path / "front.pdf")
    front_bytes = (tmp_path / "front.pdf").read_bytes()
    work = tmp_path / "work"
    shutil.copytree(built_site / "2025", work / "pdfs")
    (work / "pikepdf.py").write_text("open('imported-from-the-site', 'w').write('x')\n", encoding="utf-8")
    monkeypatch.chdir(work)
    issues = [IssueFile(int(Path(path).parent.name), f"第{Path(path).parent.name}期",
                        Path("pdfs") / Path(path).relative_to("2025")) for path in VOLUMES[2025]]
    assemble(front_bytes, issues, None, tmp_path / "here.pdf")
    assemble_apart(front_bytes, issues, None, Path("out/apart.pdf"))
    assert (work / "out/apart.pdf").read_bytes() == (tmp_path / "here.pdf").read_bytes()
    assert len(PdfReader(work / "out/apart.pdf").pages) >= 1 + sum(issue_page_counts(built_site, 2025))
    assert not list(tmp_path.rglob("imported-from-the-site"))
