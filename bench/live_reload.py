"""How soon ``liandong serve`` shows a saved edit, measured in real Chromium.

    python bench/live_reload.py SITE [--runs 3] [--seed]

Starts ``liandong serve`` on SITE, opens the newest issue's page and its 印刷版预览 in headless
Chromium (Playwright, /usr/bin/chromium), then for each run appends a paragraph to the issue file
and reports, from the moment the file was written: when the open page shows the new text (it
reloads itself over Server-Sent Events), when the preview shows the new PDF, and when the whole
rebuild (volumes, search index) is done; with the CPU time of the serve process and all its
children (from /proc) and the load average. On a shared machine wall times stretch with the load.

``--seed`` first makes the preview's previous build the way bench/edit_live.py does (placeholder
PDFs, real everything else), so that a 1000-issue archive needs no hours of PDF rendering.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from edit_live import newest_issue, placeholder_pdf  # noqa: E402
from run import LIANDONG  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of pid and its live descendants, plus what they reaped."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        seen.add(current)
        try:
            fields = open(f"/proc/{current}/stat").read().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / TICKS  # utime stime cutime cstime
            kids = open(f"/proc/{current}/task/{current}/children").read().split()
        except OSError:
            continue
        todo += [int(k) for k in kids if int(k) not in seen]
    return total


def seed(site: Path) -> None:
    from liandong import pdf
    from liandong.build import build

    blank = placeholder_pdf()
    pdf.render_job = lambda *args, **kwargs: blank
    with ThreadPoolExecutor(1) as in_this_process:  # a worker process would import the real render_job
        build(site, site / ".liandong-cache" / "serve", drafts=True, executor=in_this_process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", action="store_true")
    args = parser.parse_args()
    site = args.site.resolve()
    if args.seed:
        seed(site)
    from playwright.sync_api import sync_playwright

    issue = newest_issue(site)
    year, number = issue.parent.name, f"{int(issue.stem):02d}"
    original = issue.read_text(encoding="utf-8")
    serve = subprocess.Popen([*LIANDONG, "serve", "--site", str(site), "--port", "0"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(serve.stdout.readline, "")), daemon=True).start()
    results = []
    try:
        while not any("预览地址" in line for line in lines):
            if serve.poll() is not None:
                raise SystemExit("".join(lines))
            time.sleep(0.05)
        url = re.search(r"(http://127\.0\.0\.1:\d+/)", "".join(lines)).group(1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page, preview = context.new_page(), context.new_page()
            page.goto(f"{url}{year}/{number}/", wait_until="load")
            preview.goto(f"{url}__liandong/pdf/{year}/{number}/", wait_until="load")
            for index in range(args.runs):
                marker = f"预览测量第{index + 1}次{time.time_ns() % 100000}"
                old_src = preview.get_attribute("iframe", "src")
                mark, cpu, load = len(lines), tree_cpu(serve.pid), os.getloadavg()[0]
                issue.write_text(original.rstrip("\n") + f"\n\n{marker}，组织代表开展专题调研。\n", encoding="utf-8")
                written = time.perf_counter()
                page.wait_for_function(f"document.body.innerText.includes({marker!r})", timeout=600_000)
                html_s = time.perf_counter() - written
                preview.wait_for_function(f"document.querySelector('iframe') && document.querySelector('iframe')"
                                          f".getAttribute('src') !== {old_src!r} && !document.getElementById("
                                          "'liandong-redrawing')", timeout=1_800_000)
                pdf_s = time.perf_counter() - written
                print(json.dumps({"run": index + 1, "page_shows_edit_s": round(html_s, 3),  # before the long part
                                  "preview_shows_new_pdf_s": round(pdf_s, 3)}), flush=True)
                while not any("已更新" in line or "没有变化" in line for line in lines[mark:]):
                    time.sleep(0.05)
                build_s = time.perf_counter() - written
                results.append({"page_shows_edit_s": round(html_s, 3), "preview_shows_new_pdf_s": round(pdf_s, 3),
                                "rebuild_done_s": round(build_s, 3), "cpu_s": round(tree_cpu(serve.pid) - cpu, 3),
                                "load": round(load, 2), "serve_said": lines[-1].strip()})
                print(json.dumps(results[-1], ensure_ascii=False), flush=True)
            browser.close()
    finally:
        issue.write_text(original, encoding="utf-8")
        serve.terminate()
        serve.wait(timeout=60)
    print(json.dumps({"runs": len(results), "median_page_s": statistics.median(r["page_shows_edit_s"] for r in results),
                      "median_pdf_s": statistics.median(r["preview_shows_new_pdf_s"] for r in results)}), flush=True)


if __name__ == "__main__":
    main()
