"""Drop the templates' indentation from rendered HTML pages.

Templates stay indented for the offices who edit them, but on a 1000-issue archive that indentation
is half a megabyte nobody reads. A run of spaces and tabs after a line break is collapsed away:
a browser renders a line break followed by blanks exactly as the line break alone (both are one
collapsible white-space run), so the page looks and reads the same. The inside of ``<pre>``,
``<textarea>``, ``<script>`` and ``<style>`` is kept byte for byte, since white space is
meaningful there.
"""

from __future__ import annotations

import re

# Where a verbatim element opens; its end is found with str.find, so the scan stays linear even
# for a page with many unclosed ``<pre`` (no pattern here can backtrack over the page).
_VERBATIM_OPEN = re.compile(r"<(pre|textarea|script|style)(?=[\s>/])", re.IGNORECASE)
_INDENT = re.compile(r"\n[ \t]+")


def compact_html(html: str) -> str:
    """``html`` without indentation outside verbatim elements; everything else unchanged."""
    lowered = None  # made once, and only for a page that has a verbatim element
    parts, end = [], 0
    while opening := _VERBATIM_OPEN.search(html, end):
        lowered = html.lower() if lowered is None else lowered
        closing = lowered.find(f"</{opening.group(1).lower()}", opening.end())
        verbatim_end = len(html) if closing < 0 else closing
        parts.append(_INDENT.sub("\n", html[end:opening.start()]))
        parts.append(html[opening.start():verbatim_end])
        end = verbatim_end
    parts.append(_INDENT.sub("\n", html[end:]))
    return "".join(parts)


def compact_page(dest: str, text: str) -> str:
    """A site page as written to build/: HTML pages compacted, feeds, sitemap and CSV as rendered."""
    return compact_html(text) if dest.endswith(".html") else text
