"""Rendering PDFs on a Dask cluster: ``liandong build --scheduler tcp://HOST:8786`` (or
``render.scheduler`` in site.yaml).

Why Dask: the build already renders PDFs through a ``concurrent.futures.Executor``, and
``distributed.Client.get_executor()`` is one, backed by a scheduler that places tasks, moves data
between machines and reruns the tasks of a worker that dies. Nothing of that is written here; this
module only decides what a task carries and which workers may run it.

What a task carries: the workers share no file system with the editor's machine, so each PDF job
takes its print HTML (the CSS is inside it) and the site files that HTML names (images, the office's
font files), and returns the PDF's bytes, which the build writes through its usual staging folder.
Each file becomes one small task under a key made from its digest, whose result is the file's
bytes: a font file used by every issue crosses the network once per worker, not once per PDF
(liandong.pdf.shipped_fetcher serves them to WeasyPrint on the worker). A task rather than
``Client.scatter``: scattered data lives only on the workers, so a worker killed while holding the
only copy takes it away for good and Dask cancels every job that needs it (dask/distributed#3149),
whereas a task's bytes stay with the scheduler and Dask simply runs it again.

What a dead worker costs: Dask reruns the job it was rendering, and the finished PDFs it held that
were not yet fetched, on the other checked workers (up to the scheduler's
``distributed.scheduler.allowed-failures`` times per job, 3 by default, after which the job fails
with KilledWorker). Jobs are not given ``retries``: those rerun a job that raised, and a PDF's own
errors (a missing glyph, a broken image) raise the same way every time.

What is checked first: a PDF must not depend on which machine drew it. Before the first job, every
worker reports its liandong, WeasyPrint, Pango, pydyf and fontTools versions, the fontconfig
families the site's print fonts come from (with their styles and versions) and the digests of the
site font files it received; any difference refuses the worker with a Chinese error naming it, and
jobs go only to the workers that passed.

``distributed`` is imported only here and only when a scheduler is named: it is the optional extra
``liandong[cluster]``.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urljoin, urlsplit

from liandong import __version__
from liandong.config import SiteConfig, _display_path
from liandong.errors import LiandongError, Location, Problem

CONNECT_TIMEOUT = 5  # seconds to reach the scheduler before giving up with an error
WORKER_TIMEOUT = 10  # seconds to wait for a scheduler without workers to get one
PROBE_TIMEOUT = 300  # seconds for a worker to report its versions and fonts (it imports WeasyPrint; slow on a loaded machine)

# Where print HTML names files: CSS url(...) and src/href/data attributes (WeasyPrint reads no others).
REFERENCE = re.compile(r"""url\(\s*["']?([^"')\s]+)|\b(?:src|href|data)\s*=\s*["']([^"']+)""")


@contextmanager
def pdf_executor(given: cf.Executor | None, scheduler: str | None, config: SiteConfig) -> Iterator[cf.Executor | None]:
    """The executor a build's PDFs render on: the caller's if given; a Dask cluster's if a scheduler
    is named on the command line or in site.yaml; else None (the build's local processes).

    The cluster is contacted only when the first PDF is submitted, and on leaving (a finished build,
    an error, Ctrl-C) its unfinished tasks are cancelled and the connection closed."""
    address, where = scheduler_address(scheduler, config)
    if given is not None or address is None:
        yield given
        return
    executor = ClusterExecutor(address, where, config)
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=False)
        raise
    executor.shutdown(wait=True)


def scheduler_address(scheduler: str | None, config: SiteConfig) -> tuple[str | None, Location]:
    """The command line wins over site.yaml; the location is what errors about the cluster name."""
    if scheduler:
        return scheduler, Location(Path("--scheduler"))
    return config.render.scheduler, Location(_display_path(config.config_path), config.render.scheduler_line)


class ClusterExecutor(cf.Executor):
    """Runs ``liandong.pdf.render_job`` calls on the checked workers of a Dask cluster."""

    def __init__(self, address: str, where: Location, config: SiteConfig) -> None:
        self.address, self.where, self.config = address, where, config
        self.root = config.site_dir.resolve()
        self._client = None
        self._workers: list[str] | None = None  # the checked workers, once connected
        self._running: set = set()  # Dask futures of the jobs not yet settled, to cancel on leaving
        self._shipped: dict[str, object] = {}  # file digest → the Dask future holding its bytes
        self._digests: dict[tuple[Path, int, int], str] = {}  # (file, size, mtime) → digest
        self._closing = False

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        from liandong import pdf

        if fn is not pdf.render_job or kwargs:
            raise TypeError("ClusterExecutor only runs liandong.pdf.render_job")
        if self._workers is None:
            self._connect()
        html, base_url, variant, source = args
        # Absolute (the worker has another working directory) and with a trailing slash: WeasyPrint
        # adds one only for folders that exist, and the site folder does not exist on the worker.
        base = str(Path(base_url).resolve()) + "/"
        files = {path: self._ship(real) for path, real in referenced_files(html, base, self.root).items()}
        inner = self._client.submit(pdf.render_job, html, base, variant, source, files=files, pure=False,
                                    workers=self._workers, allow_other_workers=False)
        return self._settled(inner, source)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel what has not finished (unless waiting for it) and disconnect."""
        running = list(self._running.copy())  # set.copy() is atomic; the callback thread discards from it
        if running and wait and not cancel_futures:
            from distributed import wait as wait_for

            wait_for(running)
        self._closing = True  # from now on a cancelled job cancels its build future, it is no error
        if running and self._connected():
            self._client.cancel(running)
        if self._client is not None:
            self._client.close(timeout=CONNECT_TIMEOUT)
            self._client = None

    # --- connecting and checking the workers -------------------------------------------------------

    def _connect(self) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise LiandongError(Problem(self.where, "在集群上渲染 PDF 需要 Dask：请运行 pip install 'liandong[cluster]'")) from exc
        if not answers(self.address):
            raise LiandongError(Problem(self.where, f"无法连接 Dask 调度器 {self.address}（{CONNECT_TIMEOUT} 秒内没有回应，"
                                        "或对方不是 Dask 调度器）：请确认调度器已经启动、地址和端口无误（调度器默认用 8786，"
                                        "8787 是它的网页）、防火墙放行该端口；原有输出保持不变"))
        quiet_logs()
        try:
            self._client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            try:
                self._client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
            except TimeoutError as exc:
                raise LiandongError(Problem(self.where, f"Dask 调度器 {self.address} 上没有工作进程（等了 {WORKER_TIMEOUT} 秒）："
                                            "请先在渲染机器上运行 dask worker")) from exc
            needs = font_needs(self.config)
            workers = self.checked_workers(needs, {digest: self._ship(Path(file)) for file, digest in needs.files.items()})
        except (OSError, cf.CancelledError) as exc:  # the scheduler went away while we were setting up
            raise self._lost() from exc
        self._workers = workers

    def checked_workers(self, needs: "FontNeeds", fonts: dict[str, object]) -> list[str]:
        """Addresses of the workers that render exactly as this machine does; an error naming every
        worker that does not (and what differs) if any of them fails.

        The check is a task pinned to each worker, taking the site's font files as inputs: Dask
        delivers them as it will for the PDFs, and the worker reports the digests of what it got."""
        local = machine_facts(needs.families)
        probes = {address: self._client.submit(worker_facts, needs.families, fonts, workers=[address],
                                               allow_other_workers=False, pure=False)
                  for address in sorted(self._client.nthreads())}
        reports = self._reports(probes)
        if not reports:
            raise LiandongError(Problem(self.where, f"Dask 调度器 {self.address} 的工作进程在检查时都退出了，"
                                        "没有可以生成 PDF 的工作进程；原有输出保持不变"))
        problems = []
        for address, facts in reports.items():
            differences = worker_differences(local, facts, list(fonts))
            if differences:
                problems.append(Problem(self.where, f"工作进程 {address} 与本机不一致，不能用来生成 PDF："
                                        + "；".join(differences)))
        if problems:
            problems.append(Problem(self.where, "请在这些机器上安装与本机相同版本的 liandong、WeasyPrint 和相同的字体，"
                                    "再重新启动 dask worker（或从集群中去掉它们）；原有输出保持不变"))
            raise LiandongError(problems)
        return sorted(reports)

    def _reports(self, probes: dict[str, object]) -> dict[str, dict | BaseException]:
        """Each probe's report, or the exception that stopped it; a worker that leaves the cluster
        meanwhile is left out (its pinned probe would otherwise wait for it for ever)."""
        reports: dict[str, dict | BaseException] = {}
        deadline = time.monotonic() + PROBE_TIMEOUT
        while probes and time.monotonic() < deadline:
            present = set(self._client.nthreads())  # asked of the scheduler now, not a cached list
            for address, probe in list(probes.items()):
                if probe.done():
                    try:
                        reports[address] = probe.result()
                    except Exception as exc:  # the worker could not even run the check: say why
                        reports[address] = exc
                elif address not in present:
                    probe.cancel()
                else:
                    continue
                del probes[address]
            time.sleep(0.05)
        for address, probe in probes.items():
            probe.cancel()
            reports[address] = TimeoutError(f"{PROBE_TIMEOUT} 秒内没有完成检查")
        return reports

    def _ship(self, path: Path) -> object:
        """The Dask future holding a site file's bytes: a task under its digest's key that returns
        them, submitted once per build; a worker fetches the result the first time one of its jobs
        needs it and keeps it, and if every worker holding it dies the scheduler runs it again."""
        import dask

        stat = path.stat()
        seen = (path, stat.st_size, stat.st_mtime_ns)
        if seen not in self._digests:  # a font named by every issue's HTML is read and hashed once
            data = path.read_bytes()
            self._digests[seen] = digest = file_digest(data)
            if digest not in self._shipped:
                # ``bytes`` (a builtin: any worker can run it) returns its argument as it is. The
                # bytes travel inside the task on purpose, so Dask's warning about large graphs
                # (a CJK font file passes its 10 MB) would only alarm the editor.
                with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1 TiB"}):
                    self._shipped[digest] = self._client.submit(bytes, data, key=f"liandong-file-{digest}",
                                                                pure=False)
        return self._shipped[self._digests[seen]]

    # --- results -----------------------------------------------------------------------------------

    def _settled(self, inner, source: Path) -> cf.Future:
        """A concurrent.futures future holding the job's PDF bytes, or a Chinese error.

        Settled from Dask's callback thread by ``Future.result()``, which fetches the PDF and, if
        the worker holding it dies during the fetch, waits while Dask renders it again elsewhere.
        (``Client.get_executor()`` fetches on the event loop instead and, when that fetch fails,
        never settles its future: the build would wait for ever.)"""
        outer: cf.Future = cf.Future()
        self._running.add(inner)

        def settle(done) -> None:
            try:
                data = done.result()
            except BaseException as error:  # noqa: BLE001 - every outcome must settle outer
                if self._closing:
                    if outer.cancel():
                        outer.set_running_or_notify_cancel()  # wakes as_completed()
                else:
                    outer.set_exception(self._task_error(error, source))
            else:
                outer.set_result(data)
            finally:
                self._running.discard(done)

        def cancel_inner(done: cf.Future) -> None:
            if done.cancelled() and not inner.done():
                inner.cancel()

        outer.add_done_callback(cancel_inner)
        inner.add_done_callback(settle)
        return outer

    def _connected(self) -> bool:
        """Whether the client still talks to the scheduler. When the scheduler goes away, the client
        marks itself reconnecting before it cancels its futures, so a job's failure can be told
        apart from the scheduler's by asking this, whatever the exception says."""
        client = self._client
        comm = getattr(client, "scheduler_comm", None)
        return client is not None and client.status == "running" and comm is not None and not comm.closed()

    def _lost(self) -> LiandongError:
        return LiandongError(Problem(self.where, f"与 Dask 调度器 {self.address} 的连接中断，PDF 没有生成完；"
                                     "原有输出保持不变，请检查调度器后重新构建"))

    def _task_error(self, error: BaseException, source: Path) -> BaseException:
        """What a failed job means for the editor. A dead worker is not an error here (Dask has
        already run its jobs again); only the job's own error, or losing the scheduler, reach this."""
        from distributed.scheduler import KilledWorker

        # Dask cancels every future with this reason when it loses the scheduler; the state check
        # also covers a fetch that failed because the scheduler went away (an OSError).
        if not self._connected() or getattr(error, "reason", None) == "scheduler-connection-lost":
            return self._lost()
        if isinstance(error, KilledWorker):
            return LiandongError(Problem(Location(source), "在集群上生成此文件的 PDF 时，接连几个工作进程都退出了"
                                         "（可能是内存不足），已停止构建；原有输出保持不变"))
        if isinstance(error, cf.CancelledError):
            return LiandongError(Problem(Location(source), f"Dask 调度器 {self.address} 取消了此文件的 PDF 任务"
                                         "（调度器仍在运行，可能有人在集群上取消了任务）；原有输出保持不变，请重新构建"))
        return error


def quiet_logs() -> None:
    """distributed logs connection trouble in English, tracebacks included; the build reports it
    as a Chinese error instead. (Some of its loggers carry their own level, so each is set.)"""
    import logging

    names = [name for name in logging.root.manager.loggerDict if name.startswith("distributed.")]
    for name in ["distributed", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def answers(address: str) -> bool:
    """Whether a Dask scheduler answers at address within CONNECT_TIMEOUT. Dask's own timeout
    covers the TCP connection but not its handshake, so a port held by something else (a web
    server) would make ``Client()`` wait for ever: the whole handshake is bounded here, in a
    thread of its own so that it works whatever event loop the caller runs."""
    import asyncio

    from distributed.comm import connect

    async def handshake() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT), CONNECT_TIMEOUT)
        await comm.close()

    with cf.ThreadPoolExecutor(1) as thread:
        try:
            thread.submit(asyncio.run, handshake()).result()
        except Exception:  # refused, unreachable, timed out, or not speaking Dask's protocol
            return False
    return True


def referenced_files(html: str, base: str, root: Path) -> dict[str, Path]:
    """Files of the site folder the print HTML names, by the normalised path its URL gives (what
    the worker's fetcher looks up) → the file to send. Whatever site_only_fetcher would refuse
    (outside the site, through a symlink out of it, not a file) is not sent, so it is refused there too."""
    from liandong.pdf import shipped_path

    base_url = Path(base).as_uri() + "/"
    found = {}
    for match in REFERENCE.finditer(html):
        url = urljoin(base_url, match.group(1) or match.group(2))
        path = shipped_path(url)
        if path is None or path in found or not urlsplit(url).path:
            continue
        real = Path(unquote(urlsplit(url).path)).resolve()
        if root in real.parents and real.is_file():
            found[path] = real
    return found


# --- what makes two machines render the same PDF -------------------------------------------------------


class FontNeeds:
    """The fontconfig families the print fonts come from, and the site's own font files (by digest)."""

    def __init__(self, families: list[str], files: dict[str, str]) -> None:
        self.families, self.files = families, files


def font_needs(config: SiteConfig) -> FontNeeds:
    from liandong.fonts import resolve_stacks
    from liandong.printing import LATIN_FACE

    stacks, _ = resolve_stacks(config)
    fonts = [font for stack in stacks.values() for font in stack.fonts]
    families = sorted({font.family for font in fonts if not font.from_file} | {LATIN_FACE})
    files = {font.files[0][0]: file_digest(Path(font.files[0][0]).read_bytes()) for font in fonts if font.from_file}
    return FontNeeds(families, files)


def file_digest(data: bytes | bytearray | memoryview) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def machine_facts(families: list[str]) -> dict:
    """Versions of everything that shapes a PDF's bytes, and the given families as fontconfig has
    them ((style, version) of every face; absent families are left out)."""
    import fontTools
    import pydyf

    from liandong.fast_libs import fast_find_library

    with fast_find_library():  # a Dask worker's first import of WeasyPrint: see liandong.fast_libs
        import weasyprint
        from weasyprint.text.ffi import pango

    versions = {"liandong": __version__, "WeasyPrint": weasyprint.__version__,
                "Pango": pango_version(pango.pango_version()),
                "pydyf": pydyf.__version__, "fontTools": fontTools.version}
    return {"versions": versions, "fonts": family_faces(families)}


def pango_version(number: int) -> str:
    """Pango encodes its version as major*10000 + minor*100 + micro."""
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def family_faces(families: list[str]) -> dict[str, list[list[str]]]:
    if not shutil.which("fc-list"):
        return {}
    listing = subprocess.run(["fc-list", "-f", "%{family}\t%{style}\t%{fontversion}\n"], capture_output=True,
                             text=True, check=False).stdout
    wanted, faces = set(families), {}
    for line in listing.splitlines():
        names, _, rest = line.partition("\t")
        for name in {n.strip() for n in names.split(",")} & wanted:
            faces.setdefault(name, set()).add(tuple(rest.split("\t")))
    return {name: sorted(map(list, faces[name])) for name in sorted(faces)}


def worker_facts(families: list[str], fonts: dict[str, bytes]) -> dict:
    """A task on each worker: its machine facts, its thread count and the digests of the site font
    files it received (digest it was sent under → digest of the bytes that arrived)."""
    from distributed import get_worker

    facts = machine_facts(families)
    facts["nthreads"] = get_worker().state.nthreads
    facts["files"] = {digest: file_digest(data) for digest, data in fonts.items()}
    return facts


def worker_differences(local: dict, facts: dict | BaseException, fonts: list[str]) -> list[str]:
    """What a worker's report says is not as on this machine, in words for the editor."""
    if isinstance(facts, ModuleNotFoundError):
        return [f"没有安装 {facts.name or 'liandong'}"]
    if isinstance(facts, BaseException):
        return [f"检查时出错：{type(facts).__name__}: {facts}"]
    differences = [f"{name} 版本为 {facts['versions'].get(name)}（本机为 {version}）"
                   for name, version in local["versions"].items() if facts["versions"].get(name) != version]
    for family, faces in local["fonts"].items():
        theirs = facts["fonts"].get(family)
        if theirs is None:
            differences.append(f"没有字体“{family}”")
        elif theirs != faces:
            differences.append(f"字体“{family}”的版本或字形与本机不同（本机 {describe_faces(faces)}，"
                               f"该机 {describe_faces(theirs)}）")
    for digest in fonts:
        if facts["files"].get(digest) != digest:
            differences.append(f"没有收到完整的站点字体文件（摘要 {digest[:12]}）")
    if facts.get("nthreads") != 1:
        differences.append(f"以 {facts.get('nthreads')} 个线程运行（须为 1：请用 dask worker --nthreads 1 启动，"
                           "多核机器加 --nworkers 核数）")
    return differences


def describe_faces(faces: list[list[str]]) -> str:
    return "、".join(f"{style} {version}".strip() for style, version in faces) or "无"
