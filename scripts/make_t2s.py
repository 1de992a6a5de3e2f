"""Write templates/static/t2s.js: OpenCC's traditional → simplified table, one character at a time.

    .venv/bin/python scripts/make_t2s.py [--check]

The search page converts a reader's query with this table before searching, so 鄉鎮人大 finds
乡镇人大 (the archive is written in simplified characters). The table comes from OpenCC (the
``opencc`` package on PyPI, the project's own Python binding, maintained with its dictionaries),
not a hand-made list: every CJK character that OpenCC's ``t2s`` configuration changes into a single
other character. Only characters are kept — OpenCC's phrase table would need a segmenter in the
page — so the search page also searches the query as typed. ``--check`` fails if the committed
file differs from what the installed OpenCC gives (tests/test_search_ranking.py runs it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "templates" / "static" / "t2s.js"
RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0))


def table() -> dict[str, str]:
    import opencc

    converter = opencc.OpenCC("t2s")
    pairs = {}
    for start, end in RANGES:
        for code in range(start, end):
            char = chr(code)
            simple = converter.convert(char)
            if simple != char and len(simple) == 1:
                pairs[char] = simple
    return pairs


def script(pairs: dict[str, str]) -> str:
    import opencc

    version = getattr(opencc, "__version__", "")
    source, target = "".join(pairs), "".join(pairs.values())
    return ("/* Traditional → simplified characters for the search page, from OpenCC t2s "
            f"{version} (scripts/make_t2s.py writes this file; do not edit). */\n"
            f"window.LIANDONG_T2S = {{ from: {json.dumps(source, ensure_ascii=False)}, "
            f"to: {json.dumps(target, ensure_ascii=False)} }};\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed file")
    args = parser.parse_args()
    text = script(table())
    if args.check:
        same = TARGET.read_text(encoding="utf-8") == text
        print("t2s.js is up to date" if same else "t2s.js differs from OpenCC's table: run scripts/make_t2s.py")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET.relative_to(REPO)}: {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
