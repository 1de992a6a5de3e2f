"""What one yearly 合订本 costs after one edited issue, measured in the processes that do the work.

    .venv/bin/python bench/volume_step.py SITE YEAR [--pdfs BUILD_DIR] [--runs 3]

SITE is a site folder (e.g. one from bench/generate.py, 1000 issues); BUILD_DIR (default SITE/build)
holds that year's issue PDFs from an earlier build. As in ``liandong build`` after one edit:

- this process, which has loaded the whole archive as the build's main process has, reads the
  year's issue PDFs' page counts and writes the 目录's HTML: CPU time, wall time, peak RSS;
- a PDF worker renders the edited issue (warm-up, not counted, as the build's worker just did),
  then runs liandong.volume.volume_job (cover and 目录 rendered, issue pages copied in): its CPU
  time, wall time and peak RSS (VmHWM), the worker's whole life included; and the child process
  that copies the issue pages in (liandong.volume.assemble_apart): its CPU time. (Not its peak
  RSS: getrusage's ru_maxrss of a child counts the forked copy of the worker before its exec;
  bench/run.py reads each process's own VmHWM from /proc.)

CPU times are the processes' own (time.process_time), so a loaded machine shows in wall time only.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liandong import pdf  # noqa: E402
from liandong.pipeline import checked_fonts, print_context  # noqa: E402
from liandong.config import load_config  # noqa: E402
from liandong.printing import plan_prints, printable  # noqa: E402
from liandong.reader import load_archive  # noqa: E402
from liandong.routes import issue_pdf_path  # noqa: E402
from liandong.templates import make_env, render_page  # noqa: E402
from liandong.volume import IssueFile, contents_entries, is_volume, read_layout, volume_job  # noqa: E402


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def volume_in_worker(issue_html: str, front_html: str, base: str, variant, source, files) -> dict:
    """In a PDF worker: the edited issue first (as the build's worker does), then the volume,
    written to a scratch file as the build writes it into its staging tree. ``cpu_s`` and
    ``peak_rss_mb`` are the worker's own; the copy runs in a child, reported beside them."""
    pdf.render_job(issue_html, base, variant, source)
    scratch = Path(tempfile.mkdtemp(prefix="volume-step-"))
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        volume_job(front_html, base, variant, source, files, scratch / "volume.pdf")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the copying child (liandong.volume.assemble_apart)
        measured = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "peak_rss_mb": peak_mb(),
                    "assembler_cpu_s": after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime}
        return {"pages": page_count(scratch / "volume.pdf"), "bytes": (scratch / "volume.pdf").stat().st_size,
                **measured}
    finally:
        shutil.rmtree(scratch)


def page_count(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as volume:
        return len(volume.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("year", type=int)
    parser.add_argument("--pdfs", type=Path, help="folder with the year's issue PDFs (default SITE/build)")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    pdfs = options.pdfs or options.site / "build"
    config = load_config(options.site)
    archive, _ = load_archive(config)
    css, _, _ = checked_fonts(archive, config, set())
    env = make_env(config)
    volume = next(p for p in plan_prints(archive, config) if is_volume(p) and p.context["year"] == options.year)
    issues = volume.context["issues"]
    edited = next(p for p in plan_prints(archive, config, only=[issues[0]]))
    issue_html = render_page(env, printable(edited, config), config, print_context(config, css))
    loaded_mb = peak_mb()
    results = []
    for _ in range(options.runs):
        cpu, wall = time.process_time(), time.perf_counter()
        files = [IssueFile(issue.number, issue.label, pdfs / issue_pdf_path(config, issue)) for issue in issues]
        contents = contents_entries(issues, [read_layout(file.path) for file in files])
        front_html = render_page(env, replace(volume, context={**volume.context, "contents": contents}), config,
                                 print_context(config, css))
        main = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "peak_rss_mb": peak_mb(),
                "rss_after_loading_archive_mb": loaded_mb}
        with pdf.process_pool(1) as pool:
            worker = pool.submit(volume_in_worker, issue_html, front_html, str(config.site_dir),
                                 config.pdf.variant, volume.context["source"], files).result()
        results.append({"main": main, "volume_worker": worker, "issues_in_volume": len(issues)})
    print(json.dumps({"site": str(options.site), "year": options.year, "issues_in_archive": len(archive.issues),
                      "runs": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
