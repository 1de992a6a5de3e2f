"""PDFs rendered on a Dask cluster (liandong.cluster): a real `dask scheduler` and `dask worker`
processes on 127.0.0.1, driven through the `liandong build --scheduler` command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import distributed
import pytest

from conftest import copy_site, need_tool, run_cli

pytestmark = pytest.mark.slow

FANDOL_KAI = Path("/usr/local/share/fonts/fandol/FandolKai-Regular.otf")


def wait_until(predicate, what: str, timeout: float = 120, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def can_hide_folders() -> bool:
    """Workers run in a mount namespace where the test sites are an empty tmpfs (needs root)."""
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "none", "/mnt"],
        capture_output=True).returncode == 0


class Cluster:
    """A scheduler and workers as separate processes, as an office would run them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}
        scheduler_file = folder / "scheduler.json"
        self.scheduler = self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0",
                                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)])
        wait_until(lambda: scheduler_file.is_file() and scheduler_file.stat().st_size, "the scheduler file")
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.client = distributed.Client(self.address, set_as_default=False, timeout=30)

    def _start(self, name: str, args: list[str], prefix: list[str] = (), env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}-{len(self.processes)}.log", "wb")
        process = subprocess.Popen([*prefix, sys.executable, "-m", "dask", *args], stdout=log, stderr=log,
                                   cwd=self.folder, env={**os.environ, **(env or {})})
        self.processes.append(process)
        return process

    def add_worker(self, *extra: str, hide: Path | None = None, env: dict | None = None) -> str:
        """Start a single-threaded worker (without a nanny, so killing it kills it); ``hide`` makes a
        folder an empty tmpfs for that worker, so it cannot read the site."""
        prefix = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                  f'mount -t tmpfs none "{hide}" && exec "$@"', "worker"] if hide else []
        before = set(self.client.nthreads())
        process = self._start("worker", ["worker", self.address, "--nthreads", "1", "--host", "127.0.0.1",
                                         "--no-dashboard", "--no-nanny", *extra], prefix, env)
        address = wait_until(lambda: set(self.client.nthreads()) - before, "a worker to join")
        self.workers[address.pop()] = process
        return next(a for a, p in self.workers.items() if p is process)

    def pids(self) -> dict[str, int]:
        return self.client.run(os.getpid)

    def executing(self) -> dict[str, int]:
        """Workers rendering a PDF right now → their pid."""
        def busy(dask_worker):
            keys = [str(task.key) for task in dask_worker.state.executing]
            return os.getpid() if any(key.startswith("render_job") for key in keys) else None
        return {a: pid for a, pid in self.client.run(busy).items() if pid}

    def pdf_tasks(self):
        """Counts the PDF jobs the workers finish inside the block (the scheduler's task stream)."""
        return distributed.get_task_stream(client=self.client)

    def tasks_on_scheduler(self) -> int:
        return self.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))

    def stop(self) -> None:
        self.client.close()
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Path:
    """Where this module's sites live: hidden from the workers of the `cluster` fixture."""
    return tmp_path_factory.mktemp("sites")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, sites):
    need_tool(can_hide_folders(), "unshare -m (mount namespaces, as root)")
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.add_worker(hide=sites)
        running.add_worker(hide=sites)
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_cluster(tmp_path_factory):
    """A cluster a test may break (kill a worker, stop the scheduler)."""
    running = Cluster(tmp_path_factory.mktemp("own-cluster"))
    try:
        running.add_worker()
        running.add_worker()
        yield running
    finally:
        running.stop()


def rendering(cluster: Cluster, build: subprocess.Popen) -> dict[str, int]:
    """Wait for a worker to be rendering one of the build's PDFs (the build must still be running)."""
    def busy():
        if build.poll() is not None:
            raise AssertionError(f"the build ended first: {build.communicate()}")
        return cluster.executing()
    return wait_until(busy, "a worker rendering a PDF", timeout=600, every=0.02)  # the workers are checked first


def pdfs(build_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(build_dir).as_posix(): p.read_bytes() for p in sorted(build_dir.rglob("*.pdf"))}


def tree(build_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file of a build with its inode and mtime: to see that nothing was touched."""
    return {p.relative_to(build_dir).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(build_dir.rglob("*")) if p.is_file()}


def rendered(stream) -> int:
    return sum(task["key"].startswith("render_job") for task in stream.data)


def with_office_fonts_and_image(site: Path) -> Path:
    """A site whose PDFs need files of its own: a font file (body) and an image in an article."""
    from PIL import Image

    if not FANDOL_KAI.is_file():
        need_tool(False, "Fandol fonts")
    (site / "fonts").mkdir()
    shutil.copy(FANDOL_KAI, site / "fonts" / "OfficeBody.otf")
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "pdf:\n  fonts:\n    body: fonts/OfficeBody.otf\n",
                      encoding="utf-8")
    (site / "content/2025/images").mkdir()
    Image.new("RGB", (320, 160), (200, 30, 30)).save(site / "content/2025/images/chart.png")
    issue = site / "content/2025/13.md"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("| 项目 | 数量 |", "![示例图](images/chart.png)\n\n| 项目 | 数量 |", 1), encoding="utf-8")
    return site


# --- byte-identical PDFs, files carried by the jobs -------------------------------------------------


def test_sample_pdfs_from_the_cluster_are_byte_identical_to_local_ones(cluster, sites, built_site):
    site = copy_site(sites / "sample")
    with cluster.pdf_tasks() as stream:
        result = run_cli("build", "--scheduler", cluster.address, cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert rendered(stream) == 6  # every PDF was rendered by a worker, none here
    local, remote = pdfs(built_site), pdfs(site / "build")
    assert len(local) == 6 and remote.keys() == local.keys()
    for name in local:
        assert remote[name] == local[name], name


def test_site_fonts_and_images_travel_with_the_jobs(cluster, sites):
    """The workers cannot see the site folder (it is an empty tmpfs for them): the office's font
    file and the article's image reach them only inside the jobs, and the PDFs still match the
    ones rendered here from the same folder (WeasyPrint names images after their address)."""
    site = with_office_fonts_and_image(copy_site(sites / "office"))
    assert run_cli("build", cwd=site).returncode == 0
    local = pdfs(site / "build")
    shutil.rmtree(site / "build")
    shutil.rmtree(site / ".liandong-cache")
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8")
                                    + f"render:\n  scheduler: {cluster.address}\n", encoding="utf-8")
    with cluster.pdf_tasks() as stream:
        result = run_cli("build", cwd=site)  # the scheduler comes from site.yaml this time
    assert result.returncode == 0, result.stderr
    assert rendered(stream) == 6
    assert pdfs(site / "build") == local
    issue = site / "build/2025/13/liandong-2025-13.pdf"
    fonts = subprocess.run(["pdffonts", str(issue)], capture_output=True, text=True).stdout
    assert "liandong-body" in fonts
    images = subprocess.run(["pdfimages", "-list", str(issue)], capture_output=True, text=True).stdout
    assert " 320   160 " in images


def test_render_job_reads_only_the_files_it_carries(tmp_path):
    """What a worker does, without the site folder: the image and font come from the bytes sent;
    a file that was not sent is not read even though it exists on this machine."""
    from pypdf import PdfReader

    from PIL import Image

    from liandong.pdf import render_job

    image = tmp_path / "chart.png"
    Image.new("RGB", (64, 32), (0, 0, 255)).save(image)
    secret = tmp_path / "secret.png"
    Image.new("RGB", (48, 48), (0, 255, 0)).save(secret)
    site = "/nowhere/site"
    html = (f'<html><head><style>@font-face {{ font-family: "office"; src: url("file://{site}/fonts/o.otf"); }}'
            'body { font-family: "office"; }</style></head><body><p>联络动态</p>'
            f'<img src="file://{site}/content/chart.png"><img src="{secret.as_uri()}"></body></html>')
    files = {f"{site}/content/chart.png": image.read_bytes(), f"{site}/fonts/o.otf": FANDOL_KAI.read_bytes()}
    data = render_job(html, site, None, Path("x.md"), files=files)
    out = tmp_path / "out.pdf"
    out.write_bytes(data)
    sizes = [(img.image.width, img.image.height) for page in PdfReader(out).pages for img in page.images]
    assert sizes == [(64, 32)]
    assert "office" in subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout


# --- checks before any PDF is written ------------------------------------------------------------------


def test_worker_without_the_fonts_or_with_another_version_is_refused(tmp_path_factory, tmp_path):
    running = Cluster(tmp_path_factory.mktemp("mixed-cluster"))
    try:
        good = running.add_worker()
        empty_fonts = tmp_path / "fonts.conf"
        empty_fonts.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                               f'<fontconfig><dir>{tmp_path / "nofonts"}</dir>'
                               f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>', encoding="utf-8")
        no_fonts = running.add_worker(env={"FONTCONFIG_FILE": str(empty_fonts)})
        older = tmp_path / "older_liandong.py"
        older.write_text("import liandong.cluster\nliandong.cluster.__version__ = '0.0.1'\n", encoding="utf-8")
        other_version = running.add_worker("--preload", str(older))
        threaded = running.add_worker("--nthreads", "2")
        site = copy_site(tmp_path / "site")
        assert run_cli("build", "--no-pdf", cwd=site).returncode == 0
        before = tree(site / "build")
        result = run_cli("build", "--scheduler", running.address, cwd=site)
    finally:
        running.stop()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert good not in result.stderr
    assert f"工作进程 {no_fonts} 与本机不一致" in result.stderr
    assert "没有字体“FandolFang”" in result.stderr
    assert f"工作进程 {other_version} 与本机不一致，不能用来生成 PDF：liandong 版本为 0.0.1（本机为" in result.stderr
    assert f"工作进程 {threaded} 与本机不一致，不能用来生成 PDF：以 2 个线程运行" in result.stderr
    assert tree(site / "build") == before


# --- faults ------------------------------------------------------------------------------------------


def kill_on_scheduler(cluster: Cluster, moment: str) -> None:
    """Arm the scheduler to SIGKILL a worker at an exact moment of the build (a scheduler plugin,
    so no polling can miss it): ``"file"`` — when the first PDF job is given to a worker, the worker
    holding the only copy of a file that job needs; ``"result"`` — the worker that has just reported
    the first finished PDF, before anyone fetched it. The plugin records (address, pid) it killed."""
    def arm(dask_scheduler):
        from distributed.diagnostics.plugin import SchedulerPlugin

        def victim_of(key, finish):
            task = dask_scheduler.tasks[key]
            if moment == "file" and finish == "processing":
                sole = [next(iter(dep.who_has)) for dep in task.dependencies if len(dep.who_has or ()) == 1]
                return sole[0] if sole else None
            if moment == "result" and finish == "memory":
                return next(iter(task.who_has))
            return None

        class KillAtMoment(SchedulerPlugin):
            name = "liandong-test-kill"
            victim = None

            def transition(self, key, start, finish, *args, **kwargs):
                if self.victim is None and str(key).startswith("render_job"):
                    worker = victim_of(key, finish)
                    if worker is not None:
                        self.victim = (worker.address, worker.pid)
                        os.kill(worker.pid, signal.SIGKILL)

        dask_scheduler.add_plugin(KillAtMoment())
    cluster.client.run_on_scheduler(arm)


def killed_by_scheduler(cluster: Cluster) -> tuple[str, int] | None:
    return cluster.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.plugins["liandong-test-kill"].victim)


@pytest.mark.parametrize("moment", ["file", "result", "rendering"])
def test_worker_killed_mid_build_its_tasks_run_elsewhere(own_cluster, tmp_path, built_site, moment):
    """A worker dies holding the only copy of a file the PDFs need (Dask must make it again: it
    cannot be scattered data, which dies with its worker), or holding a finished PDF the build is
    about to fetch, or while rendering: the build still succeeds with the same PDFs."""
    site = copy_site(tmp_path / "site")
    if moment != "rendering":
        kill_on_scheduler(own_cluster, moment)
    with own_cluster.pdf_tasks() as stream:
        build = subprocess.Popen([sys.executable, "-m", "liandong", "build", "--scheduler", own_cluster.address],
                                 cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            if moment == "rendering":
                victim, pid = next(iter(rendering(own_cluster, build).items()))
                os.kill(pid, signal.SIGKILL)
            # A guard against a hung build, not a speed check: at a load average of 70 on this
            # 2-core machine the build alone took over 10 minutes.
            stdout, stderr = build.communicate(timeout=1800)
        finally:
            build.kill()
    if moment != "rendering":
        victim, pid = killed_by_scheduler(own_cluster)
    assert build.returncode == 0, stderr
    assert stderr == ""
    assert victim not in own_cluster.pids()
    assert pdfs(site / "build") == pdfs(built_site)
    if moment == "file":  # the lost file was made again: some file task finished twice
        files = [task["key"] for task in stream.data if task["key"].startswith("liandong-file-")]
        assert len(files) > len(set(files))
    if moment == "result":  # the lost PDF was rendered again: one job finished twice
        assert rendered(stream) == 7


def test_scheduler_stopped_mid_build_and_unreachable_leave_build_untouched(own_cluster, tmp_path):
    site = copy_site(tmp_path / "site")
    assert run_cli("build", "--no-pdf", cwd=site).returncode == 0
    before = tree(site / "build")
    build = subprocess.Popen([sys.executable, "-m", "liandong", "build", "--scheduler", own_cluster.address],
                             cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        rendering(own_cluster, build)
        own_cluster.scheduler.kill()
        stdout, stderr = build.communicate(timeout=120)
    finally:
        build.kill()
    assert build.returncode == 1 and "Traceback" not in stderr
    assert f"--scheduler: 错误：与 Dask 调度器 {own_cluster.address} 的连接中断，PDF 没有生成完；原有输出保持不变" in stderr
    assert tree(site / "build") == before
    assert not list(tmp_path.glob("site/.build-staging-*"))

    result = run_cli("build", "--scheduler", own_cluster.address, cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"--scheduler: 错误：无法连接 Dask 调度器 {own_cluster.address}（5 秒内没有回应" in result.stderr
    assert tree(site / "build") == before


def interrupt_on_first_job(cluster: Cluster, pid: int) -> None:
    """Arm the scheduler to send Ctrl-C to the build when its first PDF job is given to a worker, so
    it lands mid-build however slow the machine is (polling the workers could see the last job and
    signal a build that had just finished)."""
    def arm(dask_scheduler):
        from distributed.diagnostics.plugin import SchedulerPlugin

        class InterruptBuild(SchedulerPlugin):
            name = "liandong-test-interrupt"
            sent = False

            def transition(self, key, start, finish, *args, **kwargs):
                if not self.sent and finish == "processing" and str(key).startswith("render_job"):
                    self.sent = True
                    os.kill(pid, signal.SIGINT)

        dask_scheduler.add_plugin(InterruptBuild())
    cluster.client.run_on_scheduler(arm)


def test_ctrl_c_cancels_the_tasks_and_keeps_build(cluster, sites):
    site = copy_site(sites / "interrupted")
    assert run_cli("build", "--no-pdf", cwd=site).returncode == 0
    before = tree(site / "build")
    build = subprocess.Popen([sys.executable, "-m", "liandong", "build", "--scheduler", cluster.address],
                             cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    interrupt_on_first_job(cluster, build.pid)
    try:
        stdout, stderr = build.communicate(timeout=1800)  # a guard against a hung build, not a speed check
    finally:
        build.kill()
        cluster.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.remove_plugin("liandong-test-interrupt"))
    assert build.returncode == 130, stderr
    assert "已中断：原有输出保持不变。" in stderr
    assert tree(site / "build") == before
    wait_until(lambda: cluster.tasks_on_scheduler() == 0, "the scheduler to drop the cancelled tasks", timeout=60)


# --- configuration --------------------------------------------------------------------------------------


def test_without_a_scheduler_distributed_is_never_imported(site):
    shutil.rmtree(site / "content/2024")
    (site / "content/2025/13.md").unlink()
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8") + "pdf:\n  volumes: false\n",
                                    encoding="utf-8")
    script = ("import sys; from pathlib import Path; from liandong.build import build; "
              "build(Path('.'), pdf=True); print('distributed' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=site, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert list(pdfs(site / "build")) == ["2025/12/liandong-2025-12.pdf"]


@pytest.mark.parametrize("value", ["192.168.1.10:8786", "http://host:8786", "tcp://host", "tcp://a b:1"])
def test_bad_scheduler_address_in_site_yaml_and_on_the_command_line(site, value):
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"render:\n  scheduler: {value}\n", encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = text.count("\n") + 2
    assert f"site.yaml:{line}: 错误：“scheduler”（在 Dask 集群上生成 PDF：调度器地址" in result.stderr
    assert f"应为 Dask 调度器地址，格式如 tcp://192.168.1.10:8786，实际为“{value}”" in result.stderr
    config.write_text(text, encoding="utf-8")
    result = run_cli("build", "--scheduler", value, cwd=site)
    assert result.returncode == 2 and "“--scheduler”的值无效：应为 Dask 调度器地址" in result.stderr
    assert not (site / "build").exists()


def test_unknown_render_key_is_reported(site):
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "render:\n  workers: 4\n", encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "未知的键“workers”（可用的键：scheduler）" in result.stderr


def test_jobs_carry_exactly_the_site_files_their_html_names(tmp_path):
    """Names with Chinese characters, spaces and %-escapes, relative and absolute addresses are
    sent and found on the worker; files outside the site (directly, by .. or by a symlink) are not
    sent, so they are refused there as they are here."""
    from PIL import Image
    from pypdf import PdfReader

    from liandong.cluster import referenced_files
    from liandong.pdf import render_job

    site = tmp_path / "site"
    (site / "content/2025/图片").mkdir(parents=True)
    (site / "static").mkdir()
    sizes = {"content/2025/图片/图 一.png": (40, 20), "static/logo.png": (30, 30), "content/a b.png": (50, 10)}
    for relative, size in sizes.items():
        Image.new("RGB", size, (0, 0, 0)).save(site / relative)
    Image.new("RGB", (77, 77), (9, 9, 9)).save(tmp_path / "outside.png")
    (site / "content/link.png").symlink_to(tmp_path / "outside.png")
    content = (site / "content").resolve().as_uri()
    html = ("<html><body>"
            f'<img src="{content}/2025/图片/图 一.png">'        # absolute, raw Chinese and a space
            '<img src="static/logo.png">'                         # relative to the site folder
            f'<img src="{content}/a%20b.png">'                    # %-escaped
            '<img src="../outside.png">'                          # outside, by ..
            f'<img src="{content}/link.png">'                     # outside, by a symlink
            '<img src="file:///etc/hostname"><img src="https://example.org/x.png">'
            "</body></html>")
    base = str(site.resolve()) + "/"
    files = referenced_files(html, base, site.resolve())
    assert sorted(p.relative_to(site.resolve()).as_posix() for p in files.values()) == sorted(sizes)
    data = render_job(html, base, None, Path("x.md"), files={k: v.read_bytes() for k, v in files.items()})
    (tmp_path / "out.pdf").write_bytes(data)
    shown = sorted((i.image.width, i.image.height) for page in PdfReader(tmp_path / "out.pdf").pages for i in page.images)
    assert shown == sorted(sizes.values())
