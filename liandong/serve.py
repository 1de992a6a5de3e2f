"""``liandong serve``: a live preview on 127.0.0.1 that rebuilds what an edit touches and reloads.

The site is built (incrementally, PDFs included) into .liandong-cache/serve/, never into build/.
A watcher thread rebuilds on every change to site.yaml, content/ or templates/; browsers hear of
it over Server-Sent Events and reload. A failed build keeps the last good pages and shows the
error, with file and line, over every page and in the terminal; the next good build clears it.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from liandong.errors import LiandongError

EVENTS = "/__liandong/events"
PREVIEW = "/__liandong/pdf/"
RELOAD_SCRIPT = """<script>
(function () {
  var source = new EventSource("/__liandong/events");
  source.onmessage = function (event) { if (event.data === "reload") location.reload(); };
})();
</script>"""
ERROR_STYLE = ("position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:9999;margin:0;"
               "padding:1em;background:#fff3f3;color:#a00;border-top:4px solid #c00;font:15px/1.6 monospace;"
               "white-space:pre-wrap")


@dataclass
class PreviewState:
    """What the server shows: the build generation (bumped after every build) and the last error."""

    out_dir: Path
    generation: int = 0
    error: str | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, error: str | None) -> None:
        with self.changed:
            self.error = error
            self.generation += 1
            self.changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.generation != seen, timeout=timeout)
            return self.generation


def make_handler(state: PreviewState, stop: threading.Event):
    class PreviewHandler(SimpleHTTPRequestHandler):
        """Static files from the preview build, with the reload script and any error injected."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(state.out_dir), **kwargs)

        def log_message(self, *args) -> None:
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == EVENTS:
                return self.send_events()
            if path.startswith(PREVIEW):
                return self.send_html(pdf_preview_page(path[len(PREVIEW):], state.generation, state.out_dir))
            local = state.out_dir / path.lstrip("/")
            if path.endswith("/"):
                local = local / "index.html"
            if local.suffix == ".html" and local.is_file():
                return self.send_html(local.read_text(encoding="utf-8"), issue_path=path)
            if not local.exists() and state.error:
                return self.send_html(f"<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
                                      f"<title>构建出错</title><body><h1>构建出错</h1></body></html>")
            return super().do_GET()

        def send_html(self, page: str, issue_path: str = "") -> None:
            page = decorate(page, state.error, issue_path)
            body = page.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            seen = state.generation
            try:
                while not stop.is_set():
                    current = state.wait_for_change(seen, timeout=10)
                    message = "data: reload\n\n" if current != seen else ": keep-alive\n\n"
                    seen = current
                    self.wfile.write(message.encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return PreviewHandler


def decorate(page: str, error: str | None, path: str) -> str:
    """Add the reload script, a link to the PDF preview on issue pages, and the error overlay."""
    extra = RELOAD_SCRIPT
    parts = [p for p in path.strip("/").split("/") if p and p != "index.html"]
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        extra += (f'<a href="{PREVIEW}{parts[0]}/{parts[1]}/" style="position:fixed;top:.5em;right:.5em;'
                  'z-index:9998;background:#c8161d;color:#fff;padding:.3em .8em;border-radius:3px">印刷版预览</a>')
    if error:
        extra += f'<pre id="liandong-error" style="{ERROR_STYLE}">构建失败，页面显示的是上次成功的结果：\n\n{html.escape(error)}</pre>'
    index = page.rfind("</body>")
    return page[:index] + extra + page[index:] if index >= 0 else page + extra


def pdf_preview_page(issue: str, generation: int, out_dir: Path) -> str:
    """The issue's PDF in a frame that reloads with every build (a PDF viewer cannot reload itself).
    The PDF is the one in the issue's folder (its name starts with the site's ``slug``)."""
    parts = [p for p in issue.strip("/").split("/") if p]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>无此期</title><body>无此期</body></html>"
    year, number = parts
    found = sorted((out_dir / year / number).glob("*.pdf"))
    pdf = f"/{year}/{number}/{quote(found[0].name) if found else ''}?v={generation}"
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>印刷版预览 {year}年第{int(number)}期</title>"
            f"<style>html,body,iframe{{margin:0;width:100%;height:100%;border:0}}</style></head>"
            f"<body><iframe src=\"{pdf}\" title=\"印刷版 PDF\"></iframe></body></html>")


def watch_and_rebuild(site_dir: Path, rebuild: Callable[[], None], stop: threading.Event) -> None:
    """Rebuild after every batch of changes to the site's sources (the output is not watched)."""
    from watchfiles import watch

    paths = [p for p in (site_dir / "site.yaml", site_dir / "content", site_dir / "templates") if p.exists()]
    for _changes in watch(*paths, stop_event=stop, debounce=200, step=50, rust_timeout=500):
        rebuild()


def serve(site_dir: Path, port: int, pdf: bool, announce: Callable[[str], None],
          report: Callable[[str], None]) -> None:
    """Run the preview until Ctrl-C."""
    from liandong.build import build
    from liandong.pdf import process_pool

    out_dir = site_dir / ".liandong-cache" / "serve"
    state = PreviewState(out_dir)
    stop = threading.Event()
    executor = process_pool(2) if pdf else None

    def rebuild() -> None:
        started = time.monotonic()
        try:
            result = build(site_dir, out_dir, pdf=pdf, executor=executor)
        except LiandongError as error:
            message = error.format_message()
        except Exception as error:  # noqa: BLE001 — the preview must outlive any failure and say what it was
            message = f"意外错误：{type(error).__name__}: {error}"
        else:
            for warning in result.warnings:
                report(str(warning))
            changed = len(result.written) + len(result.removed)
            recovered = "问题已解决；" if state.error else ""
            announce(f"{recovered}已更新 {changed} 个文件，用时 {time.monotonic() - started:.1f} 秒" if changed
                     else f"{recovered}没有变化")
            state.publish(None)
            return
        report(message)
        state.publish(message)

    rebuild()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state, stop))
    server.daemon_threads = True
    announce(f"预览地址：http://127.0.0.1:{server.server_address[1]}/  （按 Ctrl+C 停止）")
    watcher = threading.Thread(target=watch_and_rebuild, args=(site_dir, rebuild, stop), daemon=True)
    watcher.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        if executor is not None:
            executor.shutdown(cancel_futures=True)
