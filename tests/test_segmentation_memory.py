"""The per-issue memory of jieba's cuts (liandong.print_text.segmentation_memory).

It exists so that a PDF worker rendering just the edited issue need not load jieba's dictionary.
What must hold: cuts read back are exactly jieba's for that text, whatever the file holds (a file
not signed here, edited, truncated, made for other texts is ignored), and the PDF is the same
bytes with or without the memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liandong import print_text
from liandong.cache import write_signed
from liandong.print_text import cell_units, memory_folder, segmentation_memory, word_boundaries

PIECES = ["人大", "代表", "联络站", "常委会", "县乡", "推动", "工作", "（人次）", "2025年", "7月", "、", "：",
          "“", "”", "，", " ", "AI", "96.7%", "平江县", "株洲市炎陵县", "履职", "监督", "条例", "调研"]
TEXTS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


def jieba_cuts(texts: list[str]) -> list:
    return [(word_boundaries(text), cell_units(text)) for text in texts]


def no_jieba(monkeypatch) -> None:
    def refuse():
        raise AssertionError("jieba was asked for a cut the memory holds")
    monkeypatch.setattr(print_text, "_segmenter", refuse)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXTS, min_size=1, max_size=6))
def test_cuts_read_back_are_jiebas_own(tmp_path_factory, monkeypatch, texts):
    folder, source = tmp_path_factory.mktemp("memory"), Path("content/2025/12.md")
    expected = jieba_cuts(texts)
    with segmentation_memory(folder, source):
        assert jieba_cuts(texts) == expected
    with monkeypatch.context() as patched:
        no_jieba(patched)
        with segmentation_memory(folder, source):
            assert jieba_cuts(texts) == expected


@pytest.mark.parametrize("damage", ["unsigned", "other text", "lengths do not add up", "not a list", "edited"])
def test_a_damaged_or_foreign_memory_is_ignored(tmp_path, damage):
    folder, source = tmp_path / "memory", Path("content/2025/12.md")
    text = "推动县乡人大工作"
    expected = jieba_cuts([text])
    with segmentation_memory(folder, source):
        jieba_cuts([text])
    (file,) = folder.glob("*.json")
    lie = {"0:" + text: [len(text)], "1:" + text: [len(text)]}  # one word: would change the cut
    if damage == "unsigned":
        file.write_text(json.dumps(lie, ensure_ascii=False), encoding="utf-8")
    elif damage == "other text":
        write_signed(file, json.dumps({"0:推动": [1, 1], "1:推动": [1, 1]}, ensure_ascii=False).encode())
    elif damage == "lengths do not add up":
        write_signed(file, json.dumps({"0:" + text: [3, 3]}, ensure_ascii=False).encode())
    elif damage == "not a list":
        write_signed(file, json.dumps(["0:" + text], ensure_ascii=False).encode())
    else:
        data = file.read_bytes()
        file.write_bytes(data.replace("推动".encode(), "推进".encode()))
    with segmentation_memory(folder, source):
        assert jieba_cuts([text]) == expected
    if damage == "other text":  # a well-formed memory of other texts is simply not used for this one
        with segmentation_memory(folder, source):
            assert jieba_cuts([text]) == expected


def test_the_memory_is_kept_per_jieba_version(tmp_path):
    from importlib.metadata import version

    assert memory_folder(tmp_path).name.endswith(version("jieba"))


RENDER = """
import sys
from pathlib import Path
from liandong.config import load_config
from liandong.reader import load_archive
from liandong.printing import plan_prints
from liandong.pipeline import checked_fonts
from liandong.model import Archive
from liandong import pdf
site = Path(sys.argv[1])
config = load_config(site)
archive, _ = load_archive(config)
issue = archive.issues[-1]
css, _, _ = checked_fonts(Archive([issue]), config, set())
page = plan_prints(archive, config, only=[issue])[0]
Path(sys.argv[2]).write_bytes(pdf.render_print_job(config, page, css))
import jieba
print("jieba loaded" if jieba.dt.initialized else "jieba not loaded")
"""


@pytest.mark.slow  # three fresh processes that render a PDF
def test_a_second_render_of_the_issue_needs_no_jieba_and_gives_the_same_pdf(site, tmp_path):
    """A title that needs a word break (no punctuation to break at) makes the first render load
    jieba; the next render of the issue, in a fresh process as an edit build's worker is, does not."""
    issue = sorted((site / "content").glob("*/*.md"))[-1]
    text = issue.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    body = body.replace("# ", "# 推动县乡人大代表联络站建设不断深化代表履职平台规范化建设工作取得明显成效", 1)
    issue.write_text(head + "\n---\n" + body, encoding="utf-8")

    def render(name: str) -> tuple[str, bytes]:
        out = tmp_path / name
        result = subprocess.run([sys.executable, "-c", RENDER, str(site), str(out)], capture_output=True, text=True,
                                check=True, timeout=300)
        return result.stdout.strip(), out.read_bytes()

    first, second = render("first.pdf"), render("second.pdf")
    assert first[0] == "jieba loaded" and second[0] == "jieba not loaded"
    assert first[1] == second[1]
    for file in (site / ".liandong-cache").glob("segmentation-*/*.json"):
        file.unlink()
    assert render("third.pdf") == first  # no memory: jieba again, and the same PDF
