"""Helper of bench/run.py for measure (e): render the print HTML of a site's issues to PDF.

    python bench/weasy_alone.py SITE plain|liandong|alternate OUT.json

The print HTML is made with liandong's own functions, exactly as ``liandong build`` makes it
(load_config → load_archive → checked_fonts → plan_prints → render_page with print_context);
that part is not timed. Then, timed:

- ``plain``: WeasyPrint alone, as its documentation shows it: ``import weasyprint``, one
  FontConfiguration for the whole process, ``HTML(string=..., base_url=...).render(...)`` and
  ``write_pdf()`` per issue. liandong's cjk_justify patch is *not* installed, nor its URL fetcher or
  missing-glyph watcher.
- ``liandong``: the same HTML through ``liandong.pdf.render_job`` in this one process (what
  ``liandong build -j 1`` does per PDF: cjk_justify, site-only fetcher, .notdef watcher).

Each mode runs in its own process (cjk_justify patches WeasyPrint for the life of a process), except
``alternate``: both in one process, issue by issue, the patch uninstalled for each plain render and
installed again for liandong's, CPU seconds (``time.process_time``) summed per mode.
The PDFs are written to a scratch folder, as a build would write them.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path


def print_jobs(site: Path):
    """(page, html) for every issue PDF of the site, made the way liandong's build makes them."""
    from liandong.pipeline import checked_fonts, print_context
    from liandong.config import load_config
    from liandong.printing import plan_prints
    from liandong.reader import load_archive
    from liandong.templates import make_env, render_page

    config = load_config(site)
    archive, _ = load_archive(config)
    css, _, _ = checked_fonts(archive, config, set())
    env = make_env(config)
    pages = plan_prints(archive, config, only=list(archive.issues))
    return config, [(page, render_page(env, page, config, print_context(config, css))) for page in pages]


def main() -> int:
    site, mode, out = Path(sys.argv[1]).resolve(), sys.argv[2], Path(sys.argv[3])
    config, jobs = print_jobs(site)
    scratch = Path(tempfile.mkdtemp(prefix="weasy-alone-"))
    pages = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "plain":
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        for index, (page, html) in enumerate(jobs):
            document = weasyprint.HTML(string=html, base_url=str(config.site_dir)).render(font_config=font_config)
            pages += len(document.pages)
            (scratch / f"{index}.pdf").write_bytes(document.write_pdf())
    elif mode == "liandong":
        from liandong.pdf import render_job

        for index, (page, html) in enumerate(jobs):
            data = render_job(html, str(config.site_dir), config.pdf.variant, page.context["source"])
            (scratch / f"{index}.pdf").write_bytes(data)
    elif mode == "alternate":
        # Both in one process, issue by issue (plain, then liandong), each timed on its own: on a
        # shared machine the load drifts over minutes, and alternating keeps both under the same.
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from liandong import cjk_justify
        from liandong.pdf import render_job

        font_config = FontConfiguration()
        render_job("<html></html>", str(config.site_dir), None, site)  # liandong's renderer made, untimed
        cpu = {"plain": 0.0, "liandong": 0.0}
        for index, (page, html) in enumerate(jobs):
            cjk_justify.uninstall()
            tick = time.process_time()
            document = weasyprint.HTML(string=html, base_url=str(config.site_dir)).render(font_config=font_config)
            pages += len(document.pages)
            (scratch / f"{index}.pdf").write_bytes(document.write_pdf())
            cpu["plain"] += time.process_time() - tick
            cjk_justify.install()
            tick = time.process_time()
            data = render_job(html, str(config.site_dir), config.pdf.variant, page.context["source"])
            (scratch / f"{index}.pdf").write_bytes(data)
            cpu["liandong"] += time.process_time() - tick
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    for path in scratch.iterdir():
        path.unlink()
    scratch.rmdir()
    result = {"mode": mode, "pdfs": len(jobs), "pages": pages, "seconds": seconds, "cpu_seconds": cpu_seconds}
    if mode == "alternate":
        result.update({"cpu_plain": cpu["plain"], "cpu_liandong": cpu["liandong"],
                       "ratio": cpu["liandong"] / cpu["plain"]})
    out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
