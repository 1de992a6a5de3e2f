"""The Typst anchor of ../shared/notes/typst-anchor.md, re-measured next to liandong's PDF.

    python bench/typst_anchor.py ISSUE.md OUTDIR typst      # needs `pip install typst pdfminer.six`
    python bench/typst_anchor.py ISSUE.md OUTDIR liandong   # in liandong's .venv (test extra)

``typst``: the issue's Markdown is set as the anchor set it (A4, margins 37/26/35/28 mm, Noto Serif
CJK SC 16 pt justified with a 2 em indent, leading and paragraph spacing 15.6 pt, titles Noto Serif
CJK SC Bold 22 pt centred, 一、 headings Noto Sans CJK SC with 2 em indent and 13.9 pt above and
below, 供稿 lines in AR PL UKai right-aligned, "— n —" at 14 pt alternating sides, ``lang: "zh"``),
written in Typst markup of our own, and compiled with the PyPI ``typst`` package in this process.
``liandong``: the same issue through liandong's own print path (the site the issue belongs to).

Both report, as JSON on stdout: CPU seconds per document (``time.process_time``, median of 5
after one warm-up; typst.compile each time from the source file, as the note's "plain call"),
pages, the loosest line and the share of lines over 0.05/0.08 em (tests/pdfcheck.line_stretches,
measured from the PDF alone) and flush/full lines (shared/tools/flush_ratio.py's rule, as
tests/pdfcheck.flush_counts).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from pdfcheck import flush_counts, line_stretches  # noqa: E402

PREAMBLE = """#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm), footer-descent: 7mm,
  footer: context {
    let n = counter(page).get().first()
    let mark = text(size: 14pt)[— #n —]
    if calc.odd(n) { align(right, mark) } else { align(left, mark) }
  })
#set text(font: "Noto Serif CJK SC", size: 16pt, lang: "zh", region: "cn")
#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 15.6pt, spacing: 15.6pt)
#let title(body) = block(sticky: true, above: 13.9pt, below: 13.9pt, width: 100%,
  align(center, text(size: 22pt, weight: "bold", body)))
#let heading2(body) = block(sticky: true, above: 13.9pt, below: 13.9pt,
  pad(left: 2em, text(font: "Noto Sans CJK SC", body)))
#let contributor(body) = align(right, text(font: "AR PL UKai", body))
"""


def typst_string(text: str) -> str:
    """Text as a Typst string literal: no markup character of the text is interpreted."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def typst_source(markdown: str) -> str:
    """The anchor's document for an issue file: `# ` titles, `## `/`### ` headings, paragraphs, and
    each article's （… 供稿） line from the front matter."""
    front, body = re.match(r"---\n(.*?)\n---\n(.*)", markdown, re.S).groups()
    contributors = re.findall(r"contributor:\s*(\S+)", front)
    blocks, article = [], -1
    for block in re.split(r"\n\s*\n", body.strip()):
        block = " ".join(line.strip() for line in block.splitlines())
        if block.startswith("# "):
            if article >= 0 and article < len(contributors):
                blocks.append(f"#contributor({typst_string('（' + contributors[article] + ' 供稿）')})")
            article += 1
            blocks.append(f"#title({typst_string(block[2:].strip())})")
        elif block.startswith("#"):
            blocks.append(f"#heading2({typst_string(block.lstrip('#').strip())})")
        else:
            blocks.append(f"#{typst_string(block)}")
    if 0 <= article < len(contributors):
        blocks.append(f"#contributor({typst_string('（' + contributors[article] + ' 供稿）')})")
    return PREAMBLE + "\n\n".join(blocks) + "\n"


def cpu_median(render, runs: int = 5) -> float:
    render()  # warm-up
    times = []
    for _ in range(runs):
        started = time.process_time()
        render()
        times.append(time.process_time() - started)
    return statistics.median(times)


def report(pdf: Path, seconds: float) -> dict:
    from pypdf import PdfReader

    stretches = line_stretches(pdf)
    flush, full = flush_counts(pdf)
    return {"cpu_s_per_doc": round(seconds, 3), "pages": len(PdfReader(pdf).pages),
            "lines_measured": len(stretches), "loosest_em": round(stretches[0][0], 3) if stretches else None,
            "loosest_line": stretches[0][1] if stretches else None,
            "over_0.05": sum(s > 0.05 for s, _ in stretches), "over_0.08": sum(s > 0.08 for s, _ in stretches),
            "flush": flush, "full": full}


def main() -> int:
    issue, out, mode = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), sys.argv[3]
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / f"{mode}.pdf"
    if mode == "typst":
        import typst

        source = out / "issue.typ"
        source.write_text(typst_source(issue.read_text(encoding="utf-8")), encoding="utf-8")
        seconds = cpu_median(lambda: typst.compile(str(source), output=str(pdf)))
    elif mode == "liandong":
        sys.path.insert(0, str(ROOT / "bench"))
        from weasy_alone import print_jobs

        from liandong.pdf import render_job

        site = next(parent for parent in issue.parents if (parent / "site.yaml").exists())
        config, jobs = print_jobs(site)
        page, html = next((page, html) for page, html in jobs if Path(page.context["source"]).resolve() == issue)
        seconds = cpu_median(lambda: pdf.write_bytes(
            render_job(html, str(config.site_dir), config.pdf.variant, page.context["source"])))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps({"mode": mode, **report(pdf, seconds)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
