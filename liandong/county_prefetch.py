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
for a cold build of many files where fork is safe (liandong.forked.fork_helps), whether or not
the parse forks too (under 1 MB of files it does not, and the pinyin is then still the longer
part), and only when no county name is known yet (an incremental build has them in its cache).
"""

from __future__ import annotations

import re
from pathlib import Path

from liandong import forked

PREFETCH_FROM = 48  # files to parse, as liandong.reader.PARALLEL_PARSE_FROM
MOST_NAMES = 5000  # a bound on the forked process's time (~70 µs a name) whatever the files say


def start(pending: list[tuple[Path, bytes, str]], known: dict) -> forked.Forked | None:
    """Fork the process that names the counties of ``pending`` files, or None where it would not
    help; its ``result()`` is {county: CountyName}, or None."""
    if known or len(pending) < PREFETCH_FROM:
        return None
    return forked.start(name_counties, pending, name="liandong-county-names")


def name_counties(pending: list[tuple[Path, bytes, str]]) -> dict:
    """{county: CountyName} for the counties the files declare (at most MOST_NAMES)."""
    from liandong.reader import county_name

    counties: set[str] = set()
    for _, data, _ in pending:
        counties.update(declared_counties(data))
        if len(counties) > MOST_NAMES:
            break
    return {county: county_name(county) for county in sorted(counties)[:MOST_NAMES]}


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
