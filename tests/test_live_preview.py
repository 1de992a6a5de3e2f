"""``liandong serve`` shows an edit page first: the page reloads with the new text while the PDF
preview says the PDF is being redrawn (正在重新生成), then the preview shows the new PDF.

Real Chromium on the real command; the PDF workers wait behind a gate (tests/serve_driver.py), so
the order is checked at a moment the test chooses, not raced against the machine's load.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from pypdf import PdfReader

from conftest import REPO

DRIVER = Path(__file__).with_name("serve_driver.py")
OLD, NEW = "群众扫码即可", "群众用手机扫码即可"


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_says(data: bytes, words: str) -> bool:
    return words in squeezed("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


class GatedPreview:
    def __init__(self, site: Path, gate: Path) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LIANDONG_PDF_GATE": str(gate),
               "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen([sys.executable, str(DRIVER), "serve", "--port", "0"], cwd=site, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.process.stdout.readline, "")), daemon=True).start()
        deadline = time.monotonic() + 1200  # the first build renders every PDF: minutes on a loaded machine
        while time.monotonic() < deadline and not any("预览地址" in line for line in self.lines):
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        found = re.search(r"(http://127\.0\.0\.1:\d+/)", "".join(self.lines))
        if not found:
            self.stop()
            raise AssertionError(f"the preview did not start: {self.lines}")
        self.url = found.group(1)

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
            return response.read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def test_page_first_then_the_pdf_preview_redraws(site, browser, tmp_path):
    gate = tmp_path / "gate"
    gate.touch()  # the first build renders every PDF
    preview = GatedPreview(site, gate)
    try:
        old_pdf = preview.get("2025/13/liandong-2025-13.pdf")
        assert pdf_says(old_pdf, OLD)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page, printed = context.new_page(), context.new_page()
        page.goto(preview.url + "2025/13/", wait_until="load")
        printed.goto(preview.url + "__liandong/pdf/2025/13/", wait_until="load")
        assert OLD in page.inner_text("main") and printed.locator("#liandong-redrawing").count() == 0
        old_src = printed.get_attribute("iframe", "src")
        printed.evaluate("window.liandongKept = true")  # gone if the preview reloads

        gate.unlink()  # PDFs wait from now on
        path = site / "content/2025/13.md"
        path.write_text(path.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")

        page.wait_for_function(f"document.body.innerText.includes({NEW!r})", timeout=120_000)
        printed.wait_for_selector("#liandong-redrawing", timeout=30_000)
        assert "正在重新生成" in printed.inner_text("#liandong-redrawing")
        assert printed.get_attribute("iframe", "src") == old_src  # still the last PDF, which is still live
        # The notice came without a reload: drawing the old PDF again would have competed with the
        # edited page reloading at that very moment.
        assert printed.evaluate("window.liandongKept === true")
        assert preview.get("2025/13/liandong-2025-13.pdf") == old_pdf

        gate.touch()  # the PDF may render now
        printed.wait_for_selector("#liandong-redrawing", state="detached", timeout=300_000)
        new_src = printed.get_attribute("iframe", "src")
        assert new_src != old_src
        new_pdf = preview.get(new_src)
        assert new_pdf != old_pdf and pdf_says(new_pdf, NEW) and not pdf_says(new_pdf, OLD)
        assert NEW in page.inner_text("main")
        context.close()
    finally:
        gate.touch()
        preview.stop()
