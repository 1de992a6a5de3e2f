"""One edited issue at the real size: how soon its page and PDF are live, and the whole build.

    python bench/edit_live.py SITE [--runs 3] [--seed]

SITE is an archive from bench/generate.py. Each run appends a paragraph to the newest issue, runs
``liandong build`` (PDFs and search on, as an editor would) and reports, from the command's start:
when the issue's page holds the new text, when its PDF was rewritten, when the build exited, and
the CPU time of the command and every process it started (getrusage of reaped children: the PDF
workers and Pagefind included) next to the wall time, with the load average.

``--seed`` first makes the "previous build" an edit starts from. Rendering 1000 issue PDFs takes
hours of CPU on a shared 2-core machine, and what an edit costs does not depend on what the other
999 PDFs look like, only on their being there with the keys the cache expects. So the seed build
runs the real build in this process with WeasyPrint replaced by a one-page placeholder PDF; every
build measured afterwards is the real, unpatched command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import LIANDONG, run_measured, signature  # noqa: E402


def placeholder_pdf() -> bytes:
    """A valid one-page PDF, the same bytes every time."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    stream = BytesIO()
    writer.write(stream)
    return stream.getvalue()


def seed(site: Path) -> float:
    """A complete previous build (pages, search index, placeholder PDFs), in this process."""
    from liandong import pdf
    from liandong.build import build

    blank = placeholder_pdf()
    pdf.render_job = lambda *args, **kwargs: blank
    started = time.perf_counter()
    with ThreadPoolExecutor(1) as in_this_process:  # a worker process would import the real render_job
        build(site, executor=in_this_process)
    return time.perf_counter() - started


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def newest_issue(site: Path) -> Path:
    year = max((p for p in (site / "content").iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    return max(year.glob("[0-9]*.md"), key=lambda p: int(p.stem))


def measure(site: Path, runs: int, options: list[str]) -> list[dict]:
    issue = newest_issue(site)
    year, number = int(issue.parent.name), int(issue.stem)
    folder = site / "build" / str(year) / f"{number:02d}"
    page, pdf_file = folder / "index.html", sorted(folder.glob("*.pdf"))[0]
    original = issue.read_text(encoding="utf-8")
    results = []
    try:
        for index in range(runs):
            marker = f"本期经编辑第{index + 1}次修改{time.time_ns() % 100000}"
            page_before, pdf_before = signature(page), signature(pdf_file)
            issue.write_text(original.rstrip("\n") + f"\n\n{marker}，组织代表开展专题调研。\n", encoding="utf-8")
            watch = {
                "page": lambda: signature(page) != page_before and marker in page.read_text(encoding="utf-8"),
                "pdf": lambda: signature(pdf_file) != pdf_before,
            }
            cpu_before = cpu_of_children()
            run = run_measured([*LIANDONG, "build", "--site", str(site), *options], watch=watch)
            cpu = cpu_of_children() - cpu_before
            if run.returncode != 0:
                raise SystemExit(run.stderr)
            results.append({"page_live_s": round(run.fresh.get("page", float("nan")), 3),
                            "pdf_live_s": round(run.fresh.get("pdf", float("nan")), 3),
                            "build_s": round(run.seconds, 3), "cpu_s": round(cpu, 3), "load": round(run.load, 2),
                            "peak_rss_mb": round(max(run.rss_main_mb, run.rss_children_mb), 1),
                            "output": run.stdout.strip()})
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        issue.write_text(original, encoding="utf-8")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", action="store_true", help="make the previous build first (placeholder PDFs)")
    parser.add_argument("--option", action="append", default=[], help="extra option for liandong build")
    args = parser.parse_args()
    if args.seed:
        print(f"seed build: {seed(args.site):.1f} s", flush=True)
    noop_cpu = cpu_of_children()
    noop = run_measured([*LIANDONG, "build", "--site", str(args.site), *args.option])
    print(json.dumps({"noop_s": round(noop.seconds, 3), "noop_cpu_s": round(cpu_of_children() - noop_cpu, 3),
                      "load": round(noop.load, 2), "output": noop.stdout.strip()}, ensure_ascii=False), flush=True)
    measure(args.site, args.runs, args.option)
    os.sync()


if __name__ == "__main__":
    main()
