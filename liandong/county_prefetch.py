"""County names in pinyin for a cold build, worked out in a forked process while the archive parses.

Why: every county gets its pinyin (its sort order and its address, liandong.reader.county_name),
and a build without a cache has none: pypinyin takes ~0.09 s to import and ~0.03 s to name 330
counties, which the main process did after the parse, alone, with the other core idle (0.12 s of
a 1.3 s build of generate_alt.py's 1000 issues). Forked before the parse, this process picks the
county names out of the files' front matter and names them while the parse runs; the kernel
shares the two cores among the three processes.

Only a speed-up, never a source of truth: names are looked up by the exact strings the parser
read, so one picked out wrongly is never used, and one missed (or any failure here) is worked out
by the main process as before. Problems in the files are the parser's to report. It is started
only where the parse forks too (a cold build of many files, no thread running, fork available)
and when no county name is known yet (an incremental build has them in its cache).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from pathlib import Path

from liandong.interrupt import ignore_in_worker

PREFETCH_FROM = 48  # files to parse: as liandong.reader.PARALLEL_PARSE_FROM
WAIT_MOST = 30  # seconds; it needs well under one (MOST_NAMES): past that something is wrong with it


class Prefetch:
    """The forked process and the pipe its names come back on."""

    def __init__(self, process, receiver) -> None:
        self.process, self.receiver = process, receiver

    def names(self) -> dict:
        """The names it worked out (waiting for them if need be), or {} if it failed."""
        try:
            found = self.receiver.recv() if self.receiver.poll(WAIT_MOST) else {}
        except (EOFError, OSError):
            found = {}
        finally:
            self.receiver.close()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        return found if isinstance(found, dict) else {}


def start(pending: list[tuple[Path, bytes, str]], known: dict) -> Prefetch | None:
    """Fork the process that names the counties of ``pending`` files, or None where it would not help."""
    if known or len(pending) < PREFETCH_FROM or (os.cpu_count() or 1) < 2 or threading.active_count() != 1 \
            or "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_name_counties, args=(pending, sender, os.getpid()), daemon=True,
                              name="liandong-county-names")
    process.start()
    sender.close()
    return Prefetch(process, receiver)


def _name_counties(pending: list[tuple[Path, bytes, str]], sender, parent: int) -> None:
    """In the forked process: send {county: CountyName} for the counties the files declare."""
    from liandong.reader import county_name

    ignore_in_worker(parent)
    names: dict = {}
    try:
        counties: set[str] = set()
        for _, data, _ in pending:
            counties.update(declared_counties(data))
            if len(counties) > MOST_NAMES:
                break
        for county in sorted(counties)[:MOST_NAMES]:
            names[county] = county_name(county)
    except Exception:  # noqa: BLE001 — the main process names whatever is missing
        names = {}
    sender.send(names)
    sender.close()


MOST_NAMES = 5000  # a bound on this process's time (~70 µs a name) whatever the files say


FRONT_MATTER_MOST = 64 * 1024  # bytes; the parser refuses front matter this large anyway (yamlsource.MAX_CHARS)


def declared_counties(data: bytes) -> list[str]:
    """The ``county: …`` values in a file's front matter, as plain or simply quoted YAML scalars.

    A guess, on purpose: a YAML reader took 0.08–0.11 s for 1000 front matters, as long as the
    pinyin itself. Whatever it reads differently (a flow mapping, an escape, a comment) is either
    a string no article has, which is never looked up, or a county it misses, which the main
    process names itself."""
    head = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    first_end = head.find(b"\n")
    if first_end < 0 or head[:first_end].rstrip(b" \t\r") != b"---":
        return []
    closing = FENCE.search(head, first_end, first_end + FRONT_MATTER_MOST)
    if closing is None:
        return []
    try:
        front = head[first_end + 1:closing.start()].decode("utf-8")
    except UnicodeDecodeError:
        return []
    return [_scalar(value) for value in COUNTY.findall(front)]


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return value


FENCE = re.compile(rb"\n---[ \t]*\r?(?:\n|$)")
COUNTY = re.compile(r"^[ \t]*(?:-[ \t]+)?county[ \t]*:[ \t]*([^\n#]+)", re.MULTILINE)
