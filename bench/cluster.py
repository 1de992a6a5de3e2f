"""Rendering PDFs on a Dask cluster: 1 against 2 single-threaded worker processes (issue 16).

    .venv/bin/python bench/cluster.py [--issues 60] [--seed 7] [--runs 1]

A generated archive of ``--issues`` issues (bench/generate.py, yearly volumes off, so one PDF an
issue) is built cold (``search=False``) with ``liandong.build.build(scheduler=…)`` on a
``distributed.LocalCluster`` of 1 and then 2 worker processes (``threads_per_worker=1``).

The machine is shared, so wall time alone says little: CPU time is read for every process — the
build (which also hosts the LocalCluster's scheduler) through getrusage, and each worker and nanny
through psutil — and the scheduler's task stream gives each PDF job's compute and transfer times.

Figures (printed, and written to results/<date>-cluster-<N>issues.json):
- ``speedup_cpu_bound``: CPU of the one worker ÷ CPU of the busier of the two workers — the speed-up
  when each worker has a core to itself, which is what a CPU-bound job gets on an idle machine;
  ``speedup_wall`` beside it for what this (loaded) machine gave.
- per-PDF overhead of going through Dask: worker CPU per PDF minus the CPU per PDF of the same
  print HTML rendered by ``liandong.pdf.render_job`` in one plain process (``--baseline``, run as a
  subprocess); the build process's CPU per PDF beyond a ``--no-pdf`` build (serialising the jobs,
  the scheduler, receiving the PDFs); the task stream's transfer time per job; bytes sent and
  returned per PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pids: list[int]) -> dict[int, float]:
    import psutil

    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            seconds[pid] = times.user + times.system
        except psutil.NoSuchProcess:
            seconds[pid] = float("nan")
    return seconds


def clean(site: Path) -> None:
    for path in [site / "build", site / ".liandong-cache", *site.glob(".build-*")]:
        shutil.rmtree(path, ignore_errors=True)


def html_only(site: Path) -> dict:
    """The build without PDFs, in this process: the part of a build that is not the cluster's."""
    from liandong.build import build

    clean(site)
    cpu, wall = own_cpu(), time.perf_counter()
    build(site, pdf=False, search=False)
    return {"wall_s": time.perf_counter() - wall, "cpu_main_s": own_cpu() - cpu}


def on_cluster(site: Path, workers: int) -> dict:
    """A cold build whose PDFs render on a LocalCluster of ``workers`` single-threaded processes."""
    import psutil
    from distributed import Client, LocalCluster, get_task_stream

    from liandong.build import build

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        worker_pids = client.run(os.getpid)
        helpers = [p.pid for p in psutil.Process().children(recursive=True) if p.pid not in worker_pids.values()]
        clean(site)
        before_workers, before_helpers = process_cpu(list(worker_pids.values())), process_cpu(helpers)
        cpu, wall = own_cpu(), time.perf_counter()
        with get_task_stream(client=client) as stream:
            report = build(site, search=False, scheduler=cluster.scheduler_address)
        wall = time.perf_counter() - wall
        cpu_main = own_cpu() - cpu
        after_workers, after_helpers = process_cpu(list(worker_pids.values())), process_cpu(helpers)
        tasks = [t for t in stream.data if t["key"].startswith("render_job")]
    per_worker = {address: after_workers[pid] - before_workers[pid] for address, pid in worker_pids.items()}

    def spent(task, action):
        return sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == action)

    pdfs = sorted((site / "build").rglob("*.pdf"))
    return {"workers": workers, "pdfs": len(pdfs), "wall_s": wall, "cpu_main_s": cpu_main,
            "cpu_workers_s": per_worker, "cpu_workers_total_s": sum(per_worker.values()),
            "cpu_nannies_s": sum(after_helpers[p] - before_helpers[p] for p in helpers),
            "tasks": len(tasks), "tasks_per_worker": {a: sum(t["worker"] == a for t in tasks) for a in worker_pids},
            "compute_s_per_pdf": statistics.mean(spent(t, "compute") for t in tasks),
            "transfer_s_per_pdf": statistics.mean(spent(t, "transfer") for t in tasks),
            "pdf_kb_mean": statistics.mean(p.stat().st_size for p in pdfs) / 1024,
            "written": len(report.written)}


def baseline(site: Path) -> dict:
    """Same print HTML through render_job in this one process: CPU of the rendering alone."""
    from weasy_alone import print_jobs

    from liandong.pdf import render_job

    config, jobs = print_jobs(site)
    cpu = time.process_time()
    for page, html in jobs:
        render_job(html, str(config.site_dir), config.pdf.variant, page.context["source"])
    return {"pdfs": len(jobs), "cpu_s": time.process_time() - cpu,
            "html_kb_mean": statistics.mean(len(html.encode()) for _, html in jobs) / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=60, help="issues in the archive (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", default="1,2", help="cluster sizes to measure (default 1,2)")
    parser.add_argument("--no-baseline", action="store_true", help="skip render_job in one process")
    parser.add_argument("--baseline", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:
        print(json.dumps(baseline(args.baseline)))
        return 0
    from generate import generate

    (BENCH / ".work").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cluster-", dir=BENCH / ".work"))
    sizes = [int(n) for n in args.workers.split(",")]
    out = BENCH / "results" / f"{time.strftime('%Y-%m-%d')}-cluster-{args.issues}issues-{'-'.join(map(str, sizes))}.json"
    out.parent.mkdir(exist_ok=True)
    try:
        site = work / "site"
        generate(site, args.issues, args.seed)
        config = site / "site.yaml"
        config.write_text(config.read_text(encoding="utf-8") + "\npdf:\n  volumes: false\n", encoding="utf-8")
        load = os.getloadavg()[0]
        results = {"issues": args.issues, "cpu_count": os.cpu_count(), "load_1min_at_start": load,
                   "html_only": html_only(site)}
        for workers in sizes:
            results[f"workers_{workers}"] = on_cluster(site, workers)
            print(json.dumps(results[f"workers_{workers}"], indent=1), flush=True)
            out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if not args.no_baseline:
            base = subprocess.run([sys.executable, __file__, "--baseline", str(site)], capture_output=True, text=True,
                                  check=True)
            results["render_job_one_process"] = json.loads(base.stdout.splitlines()[-1])
        results["load_1min_at_end"] = os.getloadavg()[0]
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if sizes != [1, 2] or args.no_baseline:
        return 0  # the figures below need both sizes and the baseline
    one, two, base = results["workers_1"], results["workers_2"], results["render_job_one_process"]
    n = one["pdfs"]
    results["figures"] = {
        "speedup_cpu_bound": one["cpu_workers_total_s"] / max(two["cpu_workers_s"].values()),
        "speedup_wall": one["wall_s"] / two["wall_s"],
        "worker_cpu_s_per_pdf_1": one["cpu_workers_total_s"] / n,
        "worker_cpu_s_per_pdf_2": two["cpu_workers_total_s"] / n,
        "render_job_cpu_s_per_pdf": base["cpu_s"] / base["pdfs"],
        "overhead_worker_cpu_s_per_pdf": (one["cpu_workers_total_s"] - base["cpu_s"]) / n,
        "overhead_main_cpu_s_per_pdf": (one["cpu_main_s"] - results["html_only"]["cpu_main_s"]) / n,
        "transfer_s_per_pdf": one["transfer_s_per_pdf"],
        "html_kb_sent_per_pdf": base["html_kb_mean"],
        "pdf_kb_returned_per_pdf": one["pdf_kb_mean"],
    }
    print(json.dumps(results["figures"], indent=1))
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(BENCH.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
