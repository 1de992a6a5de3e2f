"""``liandong serve`` answers only for files of its own output, only to 127.0.0.1/localhost, never
with a traceback, and stops cleanly on Ctrl-C (130) and SIGTERM (143), its PDF workers with it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from liandong.serve import host_allowed, resolve_request

from conftest import copy_site
from test_interrupt import alive, descendants


class Serve:
    def __init__(self, site: Path, *options: str):
        self.process = subprocess.Popen([sys.executable, "-m", "liandong", "serve", "--port", "0", *options],
                                        cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        bufsize=1, start_new_session=True,
                                        env={**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONFAULTHANDLER": "1"})
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("预览地址" in line for line in self.lines):
            assert self.process.poll() is None, self.lines
            time.sleep(0.05)
        self.port = int(re.search(r"127\.0\.0\.1:(\d+)/", "".join(self.lines)).group(1))
        self.out = site / ".liandong-cache" / "serve"

    def raw(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)

    def get(self, target: str, host: str | None = "default") -> tuple[int, bytes]:
        host = f"127.0.0.1:{self.port}" if host == "default" else host
        headers = f"Host: {host}\r\n" if host is not None else ""
        answer = self.raw(f"GET {target} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n".encode("utf-8"))
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        return status, answer.partition(b"\r\n\r\n")[2]

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, sig=signal.SIGINT) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig) if sig == signal.SIGINT else self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            time.sleep(2)
            self.process.kill()
            raise AssertionError("serve did not stop: " + self.output()[-6000:])


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    site = copy_site(root / "site")
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("<p>SECRET-OUTSIDE</p>", encoding="utf-8")
    (outside / "index.html").write_text("<p>SECRET-OUTSIDE</p>", encoding="utf-8")
    (outside / "secret.txt").write_text("SECRET-OUTSIDE", encoding="utf-8")
    server = Serve(site, "--no-pdf")
    (server.out / "linked-folder").symlink_to(outside, target_is_directory=True)
    (server.out / "linked.html").symlink_to(outside / "secret.html")
    (server.out / "latin1.html").write_bytes("<p>caf\xe9 \xff</p>".encode("latin-1"))
    yield server, root
    server.stop()


TRAVERSALS = [
    "/../outside/secret.html", "/../../outside/secret.html", "/%2e%2e/outside/secret.html",
    "/%2E%2E/%2e%2e/outside/secret.html", "/..%2foutside/secret.html", "/..%2Foutside%2Fsecret.html",
    "/.%2e/outside/secret.html", "/%2e%2e%2foutside%2fsecret.html", "/2025/../../outside/secret.html",
    "/2025/%2e%2e/%2e%2e/outside/", "/..\\outside\\secret.html", "/..%5coutside%5csecret.html",
    "//{root}/outside/secret.html", "/{root}/outside/secret.html", "/%2f{root}/outside/secret.html",
    "/linked-folder/secret.html", "/linked-folder/", "/linked-folder/secret.txt", "/linked.html",
    "/linked-folder%2fsecret.html", "/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd", "/../../../../../../etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_nothing_outside_the_output_is_served(preview, target):
    server, root = preview
    status, body = server.get(target.replace("{root}", str(root).lstrip("/")))
    assert status == 404, (target, status)
    assert b"SECRET-OUTSIDE" not in body and b"root:" not in body


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:80", "127.0.0.1.evil.example", "localhost.evil",
                                  "127.0.0.2", "[::1]", "", None, "localhost:1", "LOCALHOST:0x"])
def test_foreign_host_headers_are_refused(preview, host):
    server, _ = preview
    status, body = server.get("/", host=host)
    assert status in (400, 403), (host, status)
    assert "只接受发往 127.0.0.1 或 localhost 的请求".encode() in body or status == 400


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "127.0.0.1", "localhost"])
def test_local_host_headers_are_served(preview, host):
    server, _ = preview
    status, body = server.get("/2025/13/", host=host.format(port=server.port))
    assert status == 200 and "群众扫码即可".encode() in body


ODD = ["/__liandong/pdf/%C2%B2/1/", "/__liandong/pdf/２０２５/１３/", "/__liandong/pdf/../../etc/",
       "/__liandong/pdf/%00/1/", "/%00", "/2025/%00/index.html", "/%ff.html", "/%C0%AE%C0%AE/outside/secret.html",
       "/%", "/%zz", "/%E4%B8", "/?%ff", "/" + "a" * 5000, "/latin1.html", "/2025/13/index.html%00.html",
       "/2025", "*", "http://evil.example/2025/13/", "/%F0%9F%98%80/"]


def test_odd_urls_never_produce_a_traceback(preview):
    server, _ = preview
    for target in ODD:
        status, body = server.get(target)
        assert status in (200, 301, 400, 404, 414), (target, status)
        assert b"SECRET-OUTSIDE" not in body
    assert server.get("/latin1.html")[0] == 200
    redirected = server.raw(f"GET /2025 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode())
    assert b"\r\nLocation: /2025/\r\n" in redirected
    # garbage that is not HTTP at all
    for junk in (b"\x00\xff\xfe\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00"):
        server.raw(junk)
    assert server.process.poll() is None
    assert "Traceback" not in server.output() and "Error" not in server.output(), server.output()


def test_early_disconnects_are_quiet(preview):
    server, _ = preview
    big = max((p for p in server.out.rglob("*") if p.is_file() and not p.is_symlink()), key=lambda p: p.stat().st_size)
    target = "/" + big.relative_to(server.out).as_posix()
    for _ in range(20):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        connection.close()
    half = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    half.sendall(b"GET /index.ht")
    half.close()
    events = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    events.sendall(f"GET /__liandong/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    events.recv(100)
    events.close()
    time.sleep(1)
    assert server.get("/")[0] == 200
    assert "Traceback" not in server.output() and "BrokenPipe" not in server.output(), server.output()


def test_resolve_request_checks_containment_after_resolving(tmp_path):
    root = tmp_path / "out"
    (root / "a").mkdir(parents=True)
    (root / "a/index.html").write_text("x", encoding="utf-8")
    (root / "b.html").write_text("x", encoding="utf-8")
    (tmp_path / "outside.html").write_text("x", encoding="utf-8")
    (root / "escape.html").symlink_to(tmp_path / "outside.html")
    (root / "inner.html").symlink_to(root / "b.html")
    assert resolve_request(root, "/a/") == ((root / "a/index.html").resolve(), None)
    assert resolve_request(root, "/a") == (None, "/a/")
    assert resolve_request(root, "/inner.html")[0] == (root / "b.html").resolve()
    for path in ("/escape.html", "/../outside.html", "/%2e%2e/outside.html", "/a/%2e%2e/%2e%2e/outside.html",
                 "/b.html%00", "/%ff", "relative.html"):
        assert resolve_request(root, path) == (None, None), path
    assert host_allowed("localhost:8000", 8000) and not host_allowed("localhost:8001", 8000)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stops_cleanly_with_its_pdf_workers(tmp_path, sig, code):
    site = copy_site(tmp_path / "site")
    server = Serve(site)
    workers = descendants(server.process.pid)
    assert len(workers) >= 2  # the forkserver and the PDF workers
    returned = server.stop(sig)
    assert returned == code, server.output()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [pid for pid in workers if alive(pid)]:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)]
    assert "Traceback" not in server.output() and "已停止预览" in server.output(), server.output()


def pool_workers(serve_pid: int) -> list[int]:
    """serve's PDF workers: the processes the forkserver started (not the forkserver itself)."""
    found = []
    for pid in descendants(serve_pid):
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if parent != serve_pid:
            found.append(pid)
    return found


@pytest.mark.slow  # the preview's first build renders every PDF
def test_pdf_workers_that_die_are_replaced_and_the_next_save_is_previewed(tmp_path):
    """A PDF worker killed (by the system's out-of-memory killer, say) broke the pool for good:
    every later save showed the same error until the preview was restarted."""
    from pypdf import PdfReader

    site = copy_site(tmp_path / "site")
    server = Serve(site)
    try:
        deadline = time.monotonic() + 60
        while len(pool_workers(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = pool_workers(server.process.pid)
        assert len(workers) == 2, workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # the pool's manager thread notices the death
        issue = site / "content/2025/13.md"
        issue.write_text(issue.read_text(encoding="utf-8").replace("群众扫码即可", "群众用手机扫码即可"), encoding="utf-8")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status, page = server.get("/2025/13/")
            pdf = server.out / "2025/13/liandong-2025-13.pdf"
            text = "".join(p.extract_text() or "" for p in PdfReader(pdf).pages) if pdf.is_file() else ""
            if "群众用手机扫码即可".encode() in page and "手机扫码" in re.sub(r"\s+", "", text):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(server.output())
        assert "PDF 生成进程意外退出，已重新启动" in server.output()
        assert "意外错误" not in server.output()
    finally:
        assert server.stop() == 130
    assert not [pid for pid in descendants(server.process.pid) if alive(pid)]

