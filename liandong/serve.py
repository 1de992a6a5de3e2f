"""``liandong serve``: a live preview on 127.0.0.1 that rebuilds what an edit touches and reloads.

The site is built (incrementally, PDFs included, drafts too: their page carries a 草稿 banner)
into .liandong-cache/serve/, never into build/.
A watcher thread rebuilds on every change to site.yaml, content/ or templates/; browsers hear of
it over Server-Sent Events and reload. The pages come first: the build exchanges them in before
it renders the issue PDFs (``html_first``, see liandong.publish), and the pages reload then, with
the 印刷版预览 saying that the PDF is being redrawn (正在重新生成…) until the new PDF is live, when
the preview reloads in turn. A failed build keeps the last good pages and shows the error, with
file and line, over every page and in the terminal; the next good build clears it.
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from liandong.errors import LiandongError
from liandong.interrupt import install_sigterm, stop_pool

EVENTS = "/__liandong/events"
PREVIEW = "/__liandong/pdf/"
WECHAT = "/_wechat/"  # the WeChat post of an issue, with a copy button (liandong.wechat)
# Events (see send_events): "reload" new pages are live; "redraw" new pages are live and a new PDF
# follows; "pdf" new PDFs are live. Pages reload on the first two.
RELOAD_SCRIPT = """<script>
(function () {
  var source = new EventSource("/__liandong/events");
  source.onmessage = function (event) { if (event.data === "reload" || event.data === "redraw") location.reload(); };
})();
</script>"""
REDRAWING = "印刷版正在重新生成……网页已经更新，新的 PDF 生成后这里会自动刷新。"
REDRAWING_NOTICE = (f'<p id="liandong-redrawing" role="status" style="margin:0;padding:.6em 1em;background:#fff8e1;'
                    f'color:#6d4c00;border-bottom:2px solid #e0a800;font:16px/1.5 sans-serif">{REDRAWING}</p>')
# The PDF preview reloads when the PDF is live ("pdf"): a PDF viewer cannot reload itself. On
# "redraw" it only puts the notice above the PDF it shows: reloading drew that PDF again in the
# browser at the moment the edited page was reloading (0.3 s later page on the sample, 2 cores).
PREVIEW_RELOAD_SCRIPT = """<script>
(function () {
  var source = new EventSource("/__liandong/events");
  source.onmessage = function (event) {
    if (event.data === "redraw") {
      if (!document.getElementById("liandong-redrawing")) document.body.insertAdjacentHTML("afterbegin", NOTICE);
    } else if (event.data === "reload" || event.data === "pdf") {
      location.reload();
    }
  };
})();
</script>""".replace("NOTICE", json.dumps(REDRAWING_NOTICE))
ERROR_STYLE = ("position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:9999;margin:0;"
               "padding:1em;background:#fff3f3;color:#a00;border-top:4px solid #c00;font:15px/1.6 monospace;"
               "white-space:pre-wrap")


@dataclass
class PreviewState:
    """What the server shows: the pages' generation (bumped when new pages are live), the PDFs'
    (bumped when new PDFs are live), whether a PDF is being redrawn, and the last error."""

    out_dir: Path
    site_dir: Path = Path(".")
    generation: int = 0
    pdf_generation: int = 0
    pdf_pending: bool = False
    error: str | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, error: str | None) -> None:
        """A build ended (or failed): pages reload, and a PDF preview stops waiting."""
        with self.changed:
            self.error = error
            self.generation += 1
            if self.pdf_pending:
                self.pdf_pending = False
                self.pdf_generation += 1
            self.changed.notify_all()

    def pages_live(self, pdf_follows: bool) -> None:
        """New pages are live: they reload now; the PDF preview says it is redrawn if one follows."""
        with self.changed:
            self.error = None
            self.generation += 1
            self.pdf_pending = pdf_follows
            self.changed.notify_all()

    def pdfs_live(self) -> None:
        with self.changed:
            self.pdf_pending = False
            self.pdf_generation += 1
            self.changed.notify_all()

    def versions(self) -> tuple[int, int]:
        return self.generation, self.pdf_generation

    def wait_for_change(self, seen: tuple[int, int], timeout: float) -> tuple[tuple[int, int], bool]:
        """The versions once they differ from ``seen`` (or the timeout passed), and whether a new
        PDF is then on its way after pages that went live without an error (see send_events)."""
        with self.changed:
            self.changed.wait_for(lambda: self.versions() != seen, timeout=timeout)
            return self.versions(), self.pdf_pending and self.error is None


ALLOWED_HOSTS = ("127.0.0.1", "localhost")
YEAR_AND_NUMBER = re.compile(r"[0-9]{4}/[0-9]{1,3}")


def resolve_request(root: Path, url_path: str) -> tuple[Path | None, str | None]:
    """The file a request path names inside root, or (None, redirect) for a folder without its
    slash, or (None, None) when there is none.

    The path is decoded strictly (UTF-8, no NUL), then resolved with symlinks followed and kept
    only if it is still inside root: ``..`` (raw or %-encoded), absolute paths and links that
    point out of the preview all end at 404, whatever else is on the disk.
    """
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None, None
    if "\0" in decoded or "\\" in decoded or not decoded.startswith("/"):
        return None, None
    parts = [part for part in decoded.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return None, None
    root = root.resolve()
    try:
        target = root.joinpath(*parts).resolve()
        if target != root and root not in target.parents:
            return None, None
        if target.is_dir():
            if not decoded.endswith("/"):
                return None, "/" + "".join(f"{quote(part)}/" for part in parts)
            target = (target / "index.html").resolve()
            if root not in target.parents:
                return None, None
        return (target, None) if target.is_file() else (None, None)
    except (OSError, ValueError):
        return None, None


def host_allowed(header: str | None, port: int) -> bool:
    """Only 127.0.0.1 and localhost (with this server's port, if one is given): a web page the
    editor visits cannot reach the preview through a rebound DNS name."""
    if not header:
        return False
    host, _, given_port = header.strip().lower().rpartition(":") if ":" in header else (header.strip().lower(), "", "")
    return host in ALLOWED_HOSTS and given_port in ("", str(port))


def make_handler(state: PreviewState, stop: threading.Event):
    class PreviewHandler(BaseHTTPRequestHandler):
        """Files from the preview build only, with the reload script and any error injected."""

        server_version = "liandong"
        sys_version = ""
        timeout = 60  # a client that sends half a request and waits is dropped, quietly

        def log_message(self, *args) -> None:
            pass

        def handle_one_request(self) -> None:
            """Whatever a client sends or however early it hangs up: no traceback, no noise."""
            try:
                super().handle_one_request()
            except (ConnectionError, TimeoutError):
                self.close_connection = True
            except Exception:  # noqa: BLE001 — a request must never take the preview down or print a traceback
                self.close_connection = True
                try:
                    self.send_plain(500, "预览服务器内部错误")
                except Exception:  # noqa: BLE001 — the connection is already gone
                    pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_HEAD(self) -> None:
            self.respond(body=False)

        def do_GET(self) -> None:
            self.respond(body=True)

        def respond(self, body: bool) -> None:
            if not host_allowed(self.headers.get("Host"), self.server.server_address[1]):
                return self.send_plain(403, "只接受发往 127.0.0.1 或 localhost 的请求", body)
            path = urlsplit(self.path).path
            if path == EVENTS:
                return self.send_events()
            if path.startswith(PREVIEW):
                preview = pdf_preview_page(unquote(path[len(PREVIEW):]), state.pdf_generation, state.out_dir,
                                           state.pdf_pending)
                return self.send_html(preview, body=body, script=PREVIEW_RELOAD_SCRIPT) if preview \
                    else self.send_plain(404, "无此期", body)
            if path.startswith(WECHAT):
                return self.send_html(wechat_page(state.site_dir, unquote(path[len(WECHAT):])), body=body)
            local, redirect = resolve_request(state.out_dir, path)
            if redirect:
                self.send_response(301)
                self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                return self.end_headers()
            if local is None:
                if state.error:
                    return self.send_html("<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
                                          "<title>构建出错</title><body><h1>构建出错</h1></body></html>", 404, body=body)
                return self.send_plain(404, "找不到此页面", body)
            if local.suffix == ".html":
                page = local.read_bytes().decode("utf-8", errors="replace")
                return self.send_html(page, issue_path=unquote(path), body=body)
            data = local.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(local.name)[0] or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def send_plain(self, status: int, message: str, body: bool = True) -> None:
            data = f"{status} {message}\n".encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def send_html(self, page: str, status: int = 200, issue_path: str = "", body: bool = True,
                      script: str = RELOAD_SCRIPT) -> None:
            page = decorate(page, state.error, issue_path, script)
            data = page.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def send_events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            seen = state.versions()
            while not stop.is_set():
                current, redrawing = state.wait_for_change(seen, timeout=10)
                pages, pdfs = current[0] != seen[0], current[1] != seen[1]
                message = ("data: redraw\n\n" if redrawing and not pdfs else "data: reload\n\n") if pages else ""
                message = message + ("data: pdf\n\n" if pdfs else "") or ": keep-alive\n\n"
                seen = current
                self.wfile.write(message.encode())
                self.wfile.flush()

    return PreviewHandler


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """Requests handle their own failures; nothing is printed for a client that went away."""


def decorate(page: str, error: str | None, path: str, script: str = RELOAD_SCRIPT) -> str:
    """Add the reload script, links to the PDF preview and the WeChat post on issue pages, and the error overlay."""
    extra = script
    parts = [p for p in path.strip("/").split("/") if p and p != "index.html"]
    if len(parts) == 2 and YEAR_AND_NUMBER.fullmatch("/".join(parts)):
        extra += (f'<a href="{PREVIEW}{parts[0]}/{parts[1]}/" style="position:fixed;top:.5em;right:.5em;'
                  'z-index:9998;background:#c8161d;color:#fff;padding:.3em .8em;border-radius:3px">印刷版预览</a>')
        extra += (f'<a href="{WECHAT}{parts[0]}/{parts[1]}/" style="position:fixed;top:2.6em;right:.5em;'
                  'z-index:9998;background:#1a7f37;color:#fff;padding:.3em .8em;border-radius:3px">公众号版</a>')
    if error:
        extra += f'<pre id="liandong-error" style="{ERROR_STYLE}">构建失败，页面显示的是上次成功的结果：\n\n{html.escape(error)}</pre>'
    index = page.rfind("</body>")
    return page[:index] + extra + page[index:] if index >= 0 else page + extra


def pdf_preview_page(issue: str, generation: int, out_dir: Path, redrawing: bool = False) -> str | None:
    """The issue's PDF in a frame that reloads whenever a new PDF is live (a PDF viewer cannot
    reload itself); while one is being rendered (``redrawing``), a notice says so above the last
    PDF. None unless ``issue`` is <year>/<number> in ASCII digits. The PDF is the one in the
    issue's folder (its name starts with the site's ``slug``)."""
    parts = [p for p in issue.strip("/").split("/") if p]
    if len(parts) != 2 or not YEAR_AND_NUMBER.fullmatch("/".join(parts)):
        return None
    year, number = parts
    found = sorted((out_dir / year / number).glob("*.pdf"))
    pdf = f"/{year}/{number}/{quote(found[0].name) if found else ''}?v={generation}"
    notice = REDRAWING_NOTICE if redrawing else ""
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>印刷版预览 {year}年第{int(number)}期</title>"
            f"<style>html,body{{margin:0;height:100%}}body{{display:flex;flex-direction:column}}"
            f"iframe{{flex:1;width:100%;border:0}}</style></head>"
            f"<body>{notice}<iframe src=\"{pdf}\" title=\"印刷版 PDF\"></iframe></body></html>")


def wechat_page(site_dir: Path, rest: str) -> str:
    """/_wechat/2025/12/ (whole issue) or /_wechat/2025/12/3/ (third article): read fresh on each
    request, so it always shows the file as saved; a broken file shows its error instead."""
    from liandong.config import load_config
    from liandong.wechat import copy_page

    parts = [p for p in rest.strip("/").split("/") if p]
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts):
        return "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>无此期</title><body>无此期</body></html>"
    try:
        return copy_page(load_config(site_dir), f"{parts[0]}/{parts[1]}", int(parts[2]) if len(parts) == 3 else None)
    except LiandongError as error:
        return ("<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>无法生成公众号版</title><body>"
                f"<h1>无法生成公众号版</h1><pre>{html.escape(error.format_message())}</pre></body></html>")


def watch_and_rebuild(site_dir: Path, rebuild: Callable[[], None], stop: threading.Event) -> None:
    """Rebuild after every batch of changes to the site's sources (the output is not watched)."""
    from watchfiles import watch

    paths = [p for p in (site_dir / "site.yaml", site_dir / "content", site_dir / "templates") if p.exists()]
    for _changes in watch(*paths, stop_event=stop, debounce=200, step=50, rust_timeout=500):
        rebuild()


def warm_pool():
    """serve's two PDF workers, which import WeasyPrint and jieba now, not when an edit is saved."""
    from liandong.pdf import process_pool, warm_up_job

    executor = process_pool(2, background=True)
    for _ in range(2):
        executor.submit(warm_up_job)
    return executor


def is_broken(executor) -> bool:
    """Whether a worker of the pool died: Python then refuses every job the pool is given, and the
    preview would show the same error after every save until restarted."""
    return bool(getattr(executor, "_broken", False))


def serve(site_dir: Path, port: int, pdf: bool, announce: Callable[[str], None],
          report: Callable[[str], None]) -> None:
    """Run the preview until Ctrl-C (KeyboardInterrupt) or SIGTERM (:class:`Terminated`), which are
    raised to the caller once the server, the watcher and every PDF worker have stopped."""
    from liandong.build import build
    from liandong.publish import HTML, PRINTS

    install_sigterm()
    out_dir = site_dir / ".liandong-cache" / "serve"
    state = PreviewState(out_dir, site_dir)
    stop = threading.Event()
    executor = warm_pool() if pdf else None
    memo: dict = {}  # the build cache, kept between rebuilds

    def rebuild() -> None:
        nonlocal executor
        started = time.monotonic()
        pages_shown = []
        had_error = state.error is not None  # the pages going live clears it
        if executor is not None and is_broken(executor):  # a worker died (killed, out of memory)
            stop_pool(executor)
            report("PDF 生成进程意外退出，已重新启动")
            executor = warm_pool()

        def on_live(phase: str, following: tuple[str, ...]) -> None:
            if phase == HTML:  # reload the pages now; the PDF preview waits for the PDFs
                state.pages_live(pdf_follows=PRINTS in following)
                pages_shown.append(phase)
            elif phase == PRINTS:
                state.pdfs_live()

        try:
            result = build(site_dir, out_dir, pdf=pdf, executor=executor, drafts=True,  # drafts show, with a 草稿 banner
                           html_first=True, on_live=on_live, memo=memo)
        except LiandongError as error:
            message = error.format_message()
        except Exception as error:  # noqa: BLE001 — the preview must outlive any failure and say what it was
            if stop.is_set():
                return  # stopping: the workers were ended under this build
            message = f"意外错误：{type(error).__name__}: {error}"
        else:
            for warning in result.warnings:
                report(str(warning))
            if pages_shown:
                if state.pdf_pending:  # the PDFs turned out unchanged: the preview stops waiting
                    state.pdfs_live()
            else:
                state.publish(None)
            # Said once the preview shows it: "问题已解决" while a page still carried the error
            # (a fix back to the last good text writes nothing, so no phase cleared it) was a race.
            changed = len(result.written) + len(result.removed)
            recovered = "问题已解决；" if had_error else ""
            announce(f"{recovered}已更新 {changed} 个文件，用时 {time.monotonic() - started:.1f} 秒" if changed
                     else f"{recovered}没有变化")
            return
        state.publish(message)  # shown first, then said (as above)
        report(message)

    server = None
    try:
        rebuild()
        server = PreviewServer(("127.0.0.1", port), make_handler(state, stop))
        announce(f"预览地址：http://127.0.0.1:{server.server_address[1]}/  （按 Ctrl+C 停止）")
        watcher = threading.Thread(target=watch_and_rebuild, args=(site_dir, rebuild, stop), daemon=True)
        watcher.start()
        server.serve_forever()
    finally:
        stop.set()
        if server is not None:
            server.server_close()
        if executor is not None:
            stop_pool(executor)
